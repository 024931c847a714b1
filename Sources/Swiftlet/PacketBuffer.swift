// Swiftlet: a packet under construction or just received, with headroom in front of it.
//
// Transmit paths build a frame from the inside out: the payload goes in first, then each layer
// `prepend`s its header into the headroom, so no layer copies the bytes of the layers above it.
// Receive paths `consumeFront` each header after validating it.
// Invariant: 0 <= start <= end <= storage.count. Every operation that would break it throws instead.

public enum PacketBufferError: Error, Equatable, Sendable {
    /// Not enough headroom in front of the packet for the requested prepend.
    case noHeadroom(needed: Int, available: Int)
    /// Not enough room after the packet for the requested append.
    case noTailroom(needed: Int, available: Int)
    /// Asked to consume or trim more bytes than the packet holds.
    case tooShort(needed: Int, available: Int)
}

public struct PacketBuffer: Sendable {
    public private(set) var storage: [UInt8]
    /// Index of the first byte of the packet in `storage`.
    public private(set) var start: Int
    /// Index one past the last byte of the packet.
    public private(set) var end: Int
    /// A received frame whose TCP or UDP checksum the device vouches for: virtio-net's NEEDS_CSUM (the
    /// host's own data, its checksum never computed, as Linux's CHECKSUM_PARTIAL) or DATA_VALID (checked
    /// by the device). The stack then skips that one check; the IP header's checksum is still verified.
    public var checksumVerified = false

    /// An empty packet with `headroom` bytes free in front and `capacity - headroom` behind.
    public init(capacity: Int, headroom: Int) {
        precondition(capacity >= 0 && headroom >= 0 && headroom <= capacity, "PacketBuffer: headroom beyond capacity")
        storage = [UInt8](repeating: 0, count: capacity)
        start = headroom
        end = headroom
    }

    /// A packet holding a copy of `bytes`, with `headroom` free bytes in front.
    public init(bytes: [UInt8], headroom: Int = 0) {
        if headroom == 0 {
            storage = bytes
        } else {
            storage = [UInt8](repeating: 0, count: headroom) + bytes
        }
        start = headroom
        end = storage.count
    }

    public var count: Int { end - start }
    public var isEmpty: Bool { start == end }
    public var headroom: Int { start }
    public var tailroom: Int { storage.count - end }

    /// The packet's bytes.
    public var bytes: Span<UInt8> {
        @_lifetime(borrow self) borrowing get { storage.span.extracting(start..<end) }
    }

    /// A copy of the packet's bytes.
    public var array: [UInt8] { Array(storage[start..<end]) }

    /// Grows the packet at the front by `n` bytes (their content is whatever was there).
    public mutating func prepend(_ n: Int) throws(PacketBufferError) {
        guard n >= 0, n <= start else { throw .noHeadroom(needed: n, available: start) }
        start -= n
    }

    /// Grows the packet at the back by `n` bytes (their content is whatever was there).
    public mutating func append(_ n: Int) throws(PacketBufferError) {
        guard n >= 0, n <= storage.count - end else { throw .noTailroom(needed: n, available: storage.count - end) }
        end += n
    }

    /// Appends a copy of `bytes` at the back.
    public mutating func append(contentsOf bytes: Span<UInt8>) throws(PacketBufferError) {
        let at = end
        try append(bytes.count)
        for i in 0..<bytes.count { storage[at + i] = bytes[i] }
    }

    /// Removes `n` bytes from the front (a header just parsed).
    public mutating func consumeFront(_ n: Int) throws(PacketBufferError) {
        guard n >= 0, n <= count else { throw .tooShort(needed: n, available: count) }
        start += n
    }

    /// Shortens the packet to `n` bytes (drops link-layer padding, for instance).
    public mutating func truncate(to n: Int) throws(PacketBufferError) {
        guard n >= 0, n <= count else { throw .tooShort(needed: n, available: count) }
        end = start + n
    }

    /// Runs `body` with the packet's bytes open for writing.
    public mutating func withMutableBytes<R, E: Error>(_ body: (inout MutableSpan<UInt8>) throws(E) -> R) throws(E) -> R {
        let range = start..<end
        var part = storage.mutableSpan._consumingExtracting(range)
        return try body(&part)
    }
}
