// SwiftletDNS: DNS messages over a byte stream, RFC 1035 §4.2.2 and RFC 7766 §8: each message is preceded
// by its length in two bytes, network order, and a client may pipeline many queries in one segment.
//
// `DNSStreamFramer` collects what a connection read and hands out whole messages. Cost is linear in the
// bytes received: messages are consumed by moving an index, and the consumed prefix is dropped only when
// it is at least as long as what remains (so every byte is moved at most once on average, not once per
// message ahead of it as a `removeFirst` per message would move it). It does no I/O.

public struct DNSStreamFramer: Sendable {
    private var buffer: [UInt8] = []
    /// Where the bytes not yet handed out begin in `buffer`.
    private var start = 0
    /// Bytes moved to the front so far (the cost the tests bound).
    public private(set) var bytesMoved = 0

    public init() {}

    /// Bytes received and not yet handed out.
    public var buffered: Int { buffer.count - start }

    /// Adds bytes read from the connection. The consumed prefix goes first, all at once, when it is at
    /// least as long as the rest (the rest then moves once; its bytes were paid for by the prefix's).
    public mutating func append(_ bytes: [UInt8]) {
        if start > 0 && start >= buffer.count - start {
            bytesMoved += buffer.count - start
            buffer.removeFirst(start)
            start = 0
        }
        buffer += bytes
    }

    /// The next whole message (without its length), or nil until one has fully arrived.
    public mutating func next() -> [UInt8]? {
        guard buffer.count - start >= 2 else { return nil }
        let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
        guard buffer.count - start >= 2 + length else { return nil }
        let message = Array(buffer[(start + 2)..<(start + 2 + length)])
        start += 2 + length
        if start == buffer.count {  // all handed out: start again at the front, nothing to move
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return message
    }

    /// `message` with its two-byte length in front.
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: message.count >> 8), UInt8(truncatingIfNeeded: message.count)] + message
    }
}
