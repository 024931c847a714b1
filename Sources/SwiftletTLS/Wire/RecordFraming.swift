// SwiftletTLS / Wire: the record layer's framing (RFC 8446 §5.1, §5.2).
//
//     struct { ContentType type; ProtocolVersion legacy_record_version; uint16 length;
//              opaque fragment[length]; } TLSPlaintext;   (TLSCiphertext has the same 5-byte header)
//
// `RecordReader` cuts the transport's byte stream into records without decrypting them. Invariants: a
// record longer than `maximumRecordLength` (default 2^14 + 256, §5.2) is record_overflow as soon as its
// header is seen; an unknown content type is unexpected_message as soon as its first byte is seen (§5:
// "If a TLS implementation receives an unexpected record type, it MUST terminate the connection with an
// "unexpected_message" alert"), so an SSLv2 hello or HTTP text never gets buffered further. The
// legacy_record_version is reported, never checked (§5.1: "MUST be ignored for all purposes"). Consumed
// bytes are compacted away (amortised O(1) per byte); what stays buffered is what the caller appended
// and has not drained with `next()`, so a caller that drains after each transport read holds at most one
// partial record plus one read.

/// The 5-byte record header.
public struct RecordHeader: Hashable, Sendable {
    /// The header length.
    public static let length = 5

    public var type: ContentType
    public var legacyVersion: UInt16
    public var length: Int

    public init(type: ContentType, legacyVersion: UInt16 = 0x0303, length: Int) {
        self.type = type
        self.legacyVersion = legacyVersion
        self.length = length
    }

    /// The 5 bytes (the AEAD's additional data for a record this side sends, §5.2).
    public func encoded() -> [UInt8] {
        var w = TLSWriter(capacity: Self.length)
        w.u8(type.rawValue)
        w.u16(legacyVersion)
        w.u16(UInt16(truncatingIfNeeded: length))
        return w.bytes
    }
}

/// One framed record, not decrypted.
public struct TLSRecord: Hashable, Sendable {
    public var header: RecordHeader
    /// The 5 header bytes as received (the AEAD's additional data).
    public var headerBytes: [UInt8]
    public var fragment: [UInt8]

    public init(header: RecordHeader, headerBytes: [UInt8], fragment: [UInt8]) {
        self.header = header
        self.headerBytes = headerBytes
        self.fragment = fragment
    }

    /// Whether this is the middlebox-compatibility change_cipher_spec record: type 20, the single byte
    /// 0x01. §5: received unencrypted during the handshake it "MUST simply drop it without further
    /// processing"; any other change_cipher_spec record is unexpected_message (the caller decides when).
    public var isCompatibilityChangeCipherSpec: Bool {
        header.type == .changeCipherSpec && fragment == [0x01]
    }
}

/// Cuts a byte stream into records.
public struct RecordReader: Sendable {
    /// The largest TLSCiphertext fragment: 2^14 + 256 (§5.2: "The length MUST NOT exceed 2^14 + 256 bytes.
    /// An endpoint that receives a record that exceeds this length MUST terminate the connection with a
    /// "record_overflow" alert").
    public static let maximumCiphertextLength = 16384 + 256
    /// The largest TLSPlaintext fragment: 2^14 (§5.1). A caller may set `maximumRecordLength` to it while
    /// records are unprotected.
    public static let maximumPlaintextLength = 16384

    /// The bound applied to each record's length; defaults to `maximumCiphertextLength`. Lower it for
    /// plaintext records or for a record_size_limit this side announced (RFC 8449 §4: the limit plus the
    /// AEAD expansion).
    public var maximumRecordLength = RecordReader.maximumCiphertextLength

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Buffers bytes from the transport. Consumed bytes are compacted away (no O(n^2) copying for many
    /// small records).
    public mutating func append(_ bytes: [UInt8]) {
        if start > 0, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete record, or nil when more bytes are needed. A length above `maximumRecordLength`
    /// is record_overflow; an unknown content type is unexpected_message.
    public mutating func next() throws(TLSError) -> TLSRecord? {
        let available = buffer.count - start
        guard available >= 1 else { return nil }
        let type = ContentType(rawValue: buffer[start])
        switch type {
        case .changeCipherSpec, .alert, .handshake, .applicationData: break
        default: throw TLSError.alert(.unexpectedMessage)
        }
        guard available >= RecordHeader.length else { return nil }
        let version = UInt16(buffer[start + 1]) << 8 | UInt16(buffer[start + 2])
        let length = Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
        guard length <= maximumRecordLength else { throw TLSError.alert(.recordOverflow) }
        guard available >= RecordHeader.length + length else { return nil }
        let headerEnd = start + RecordHeader.length
        let end = headerEnd + length
        let record = TLSRecord(header: RecordHeader(type: type, legacyVersion: version, length: length),
                               headerBytes: Array(buffer[start..<headerEnd]),
                               fragment: Array(buffer[headerEnd..<end]))
        start = end
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return record
    }

    /// Bytes buffered but not yet returned.
    public var bufferedCount: Int { buffer.count - start }
}

/// Frames content into plaintext records.
public enum RecordWriter {
    /// Splits `content` into plaintext records of at most `maximumFragment` (clamped to 1...16384) bytes
    /// each, with header `type` and legacy_record_version `legacyVersion` (0x0303; 0x0301 is allowed for
    /// the first ClientHello, §5.1). Empty content gives no record (§5.1 forbids zero-length handshake
    /// and alert fragments).
    public static func plaintextRecords(type: ContentType, content: [UInt8], legacyVersion: UInt16 = 0x0303,
                                        maximumFragment: Int = 16384) -> [UInt8] {
        let step = max(1, min(maximumFragment, RecordReader.maximumPlaintextLength))
        var w = TLSWriter(capacity: content.count + RecordHeader.length * (content.count / step + 1))
        var offset = 0
        while offset < content.count {
            let end = min(offset + step, content.count)
            w.append(RecordHeader(type: type, legacyVersion: legacyVersion, length: end - offset).encoded())
            w.append(Array(content[offset..<end]))
            offset = end
        }
        return w.bytes
    }
}
