// SwiftletTLS / Wire: reading and writing the TLS presentation language (RFC 8446 §3): big-endian
// integers of 1, 2, 3 and 4 bytes, and vectors with a 1-, 2- or 3-byte length prefix.
//
// A `TLSReader` is a cursor over a range of a byte array. Every read checks what is left first and
// throws `TLSError.alert(.decodeError)` when the bytes run out (§6.2: a malformed message is a
// decode_error); nothing here can trap on any input. A vector read returns a reader confined to the
// vector's bytes, so a lying inner length cannot reach past its parent.

/// A bounds-checked cursor over `bytes[position..<end]`.
public struct TLSReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int

    /// A reader over all of `bytes`, or over `range` of them (clamped to the array).
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let r = range ?? 0..<bytes.count
        let lower = max(0, min(r.lowerBound, bytes.count))
        self.position = lower
        self.end = max(lower, min(r.upperBound, bytes.count))
    }

    /// Bytes not read yet.
    public var remaining: Int { end - position }
    public var isAtEnd: Bool { position >= end }

    public mutating func u8() throws(TLSError) -> UInt8 {
        guard remaining >= 1 else { throw TLSError.alert(.decodeError) }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16() throws(TLSError) -> UInt16 {
        guard remaining >= 2 else { throw TLSError.alert(.decodeError) }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    public mutating func u24() throws(TLSError) -> Int {
        guard remaining >= 3 else { throw TLSError.alert(.decodeError) }
        defer { position += 3 }
        return Int(bytes[position]) << 16 | Int(bytes[position + 1]) << 8 | Int(bytes[position + 2])
    }

    public mutating func u32() throws(TLSError) -> UInt32 {
        guard remaining >= 4 else { throw TLSError.alert(.decodeError) }
        defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
            | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }

    /// The next `count` bytes as a range of `bytes` (no copy).
    public mutating func range(_ count: Int) throws(TLSError) -> Range<Int> {
        guard count >= 0, remaining >= count else { throw TLSError.alert(.decodeError) }
        defer { position += count }
        return position..<(position + count)
    }

    /// The next `count` bytes, copied.
    public mutating func bytes(_ count: Int) throws(TLSError) -> [UInt8] {
        Array(bytes[try range(count)])
    }

    /// A reader over the next vector, whose length prefix is `lengthBytes` (1, 2 or 3) wide.
    public mutating func vector(lengthBytes: Int) throws(TLSError) -> TLSReader {
        let length: Int
        switch lengthBytes {
        case 1: length = Int(try u8())
        case 2: length = Int(try u16())
        default: length = try u24()
        }
        return TLSReader(bytes, range: try range(length))
    }

    /// The contents of the next vector, copied; its length must lie in `allowed` (the RFC's <floor..ceiling>).
    public mutating func opaque(lengthBytes: Int, allowed: ClosedRange<Int>? = nil) throws(TLSError) -> [UInt8] {
        let inner = try vector(lengthBytes: lengthBytes)
        if let allowed, !allowed.contains(inner.remaining) { throw TLSError.alert(.decodeError) }
        return Array(bytes[inner.position..<inner.end])
    }

    /// Throws decode_error unless every byte has been read (§4: no trailing data in a message).
    public func finish() throws(TLSError) {
        guard isAtEnd else { throw TLSError.alert(.decodeError) }
    }
}

/// Appends the presentation language to a byte array.
public struct TLSWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    public mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func u24(_ v: Int) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func u32(_ v: UInt32) {
        u16(UInt16(truncatingIfNeeded: v >> 16))
        u16(UInt16(truncatingIfNeeded: v))
    }

    public mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// Writes `body`'s output preceded by its length in `lengthBytes` (1, 2 or 3) bytes. The caller keeps
    /// vectors within the prefix's range (every vector this stack writes is bounded far below it).
    public mutating func vector(lengthBytes: Int, _ body: (inout TLSWriter) -> Void) {
        let start = bytes.count
        for _ in 0..<lengthBytes { bytes.append(0) }
        body(&self)
        let length = bytes.count - start - lengthBytes
        for i in 0..<lengthBytes {
            bytes[start + i] = UInt8(truncatingIfNeeded: length >> (8 * (lengthBytes - 1 - i)))
        }
    }

    /// A vector holding `contents`.
    public mutating func opaque(lengthBytes: Int, _ contents: [UInt8]) {
        vector(lengthBytes: lengthBytes) { $0.append(contents) }
    }
}
