// SwiftletTLS / Wire: cutting the handshake byte stream into messages (RFC 8446 §4, §5.1).
//
// Handshake messages may span records, and several may share one record (§5.1). The reassembler takes
// the content of each handshake record and yields whole messages with their 4-byte header kept (the
// transcript input). Invariants: a message longer than `maximumMessageLength` is refused as soon as its
// header is seen (illegal_parameter, before any of its body is buffered beyond one record); an empty
// fragment is unexpected_message (§5.1: "Implementations MUST NOT send zero-length fragments of Handshake
// types"); consumed bytes are compacted away so memory stays within one message plus one record, and the
// work per byte is O(1) amortised. The caller drains `next()` after every `append` and, at a key change,
// refuses any bytes still held (`hasPartialMessage`, §5.1: "Handshake messages MUST NOT span key changes").

/// One complete handshake message.
public struct HandshakeMessage: Hashable, Sendable {
    public var type: HandshakeType
    /// The body, after the 4-byte header.
    public var body: [UInt8]
    /// type+length+body as received (the transcript input).
    public var encoded: [UInt8]

    public init(type: HandshakeType, body: [UInt8]) {
        self.type = type
        self.body = body
        self.encoded = Handshake.encode(type: type, body: body)
    }
}

/// Reassembles handshake messages from record contents.
public struct HandshakeReassembler: Sendable {
    /// The default bound on one message's body (a certificate chain of a few kilobytes fits many times).
    public static let defaultMaximumMessageLength = 65536
    /// The largest record content `append` takes (a TLSInnerPlaintext content is at most 2^14, §5.1).
    public static let maximumFragmentLength = 16384

    public let maximumMessageLength: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maximumMessageLength: Int = defaultMaximumMessageLength) {
        self.maximumMessageLength = max(0, min(maximumMessageLength, 0xFF_FFFF))
    }

    /// Adds the content of one handshake record. Empty content is unexpected_message (§5.1); content
    /// over `maximumFragmentLength` is record_overflow (the record layer already refuses it).
    public mutating func append(_ fragment: [UInt8]) throws(TLSError) {
        guard !fragment.isEmpty else { throw TLSError.alert(.unexpectedMessage) }
        guard fragment.count <= Self.maximumFragmentLength else { throw TLSError.alert(.recordOverflow) }
        // A caller that drains `next()` after each append holds at most one partial message here, so
        // this bound only trips on a message already refused by `next()` or a caller that never drains.
        guard bufferedCount <= Handshake.headerLength + maximumMessageLength else {
            throw TLSError.alert(.illegalParameter)
        }
        compact()
        buffer.append(contentsOf: fragment)
    }

    /// The next complete message, if any. A declared length above `maximumMessageLength` is
    /// illegal_parameter as soon as the header is seen.
    public mutating func next() throws(TLSError) -> HandshakeMessage? {
        let available = buffer.count - start
        guard available >= Handshake.headerLength else { return nil }
        let length = Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard length <= maximumMessageLength else { throw TLSError.alert(.illegalParameter) }
        guard available >= Handshake.headerLength + length else { return nil }
        let end = start + Handshake.headerLength + length
        let encoded = Array(buffer[start..<end])
        let type = HandshakeType(rawValue: buffer[start])
        let body = Array(buffer[(start + Handshake.headerLength)..<end])
        start = end
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return HandshakeMessage(type: type, body: body, encoded: encoded)
    }

    /// Whether received bytes are held that `next()` has not returned: an incomplete message, or complete
    /// ones not yet taken. At a key change this must be false (§5.1), else unexpected_message.
    public var hasPartialMessage: Bool { buffer.count > start }

    /// Bytes held and not yet returned.
    public var bufferedCount: Int { buffer.count - start }

    /// Drops consumed bytes once they are at least half the buffer (amortised O(1) per byte).
    private mutating func compact() {
        if start > 0, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}

extension HandshakeMessage {
    /// Keeps `encoded` exactly as received (internal: built by the reassembler).
    init(type: HandshakeType, body: [UInt8], encoded: [UInt8]) {
        self.type = type
        self.body = body
        self.encoded = encoded
    }
}
