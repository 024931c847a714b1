// SwiftletTLS / Crypto: record protection for one direction of a TLS 1.3 connection (RFC 8446 §5.2-5.4)
// with the traffic keys of §7.3.
//
//   key = HKDF-Expand-Label(Secret, "key", "", key_length), iv = HKDF-Expand-Label(Secret, "iv", "", 12)
//   nonce = iv XOR (64-bit record sequence number, big-endian, left-padded with zeros to 12 bytes)   (§5.3)
//   TLSInnerPlaintext = content || ContentType || zeros(padding)                                     (§5.2)
//   TLSCiphertext = 0x17 || 0x0303 || uint16 length || AEAD-Encrypt(key, nonce, additional_data =
//                   the 5-byte record header, TLSInnerPlaintext)                                      (§5.2)
//
// Invariants: `sequenceNumber` counts the records sealed (or opened) under this key and never wraps: at
// 2^64 - 1 both directions refuse (§5.3: the connection must KeyUpdate or close first). A sealed inner
// plaintext is at most 2^14 + 1 bytes (`maximumPlaintextLength` of content and padding, plus the type), an
// opened fragment at most 2^14 + 256 (`maximumCiphertextLength`) (§5.2, §5.4). The AEAD checks the tag
// before it decrypts, so a forged record reveals nothing; every refusal is the §5.2 / §6.2 alert.

import SwiftletCrypto

/// The AEAD of a suite, with its key expanded: dispatched once per record.
enum RecordCipher {
    case aes128GCM(AES128GCM)
    case aes256GCM(AES256GCM)
    case chacha20Poly1305(ChaCha20Poly1305)

    init(suite: CipherSuite, key: [UInt8]) throws(CryptoError) {
        switch suite {
        case .aes128GCMSHA256: self = .aes128GCM(try AES128GCM(key: key))
        case .aes256GCMSHA384: self = .aes256GCM(try AES256GCM(key: key))
        case .chacha20Poly1305SHA256: self = .chacha20Poly1305(try ChaCha20Poly1305(key: key))
        default: throw .badLength
        }
    }

    func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        switch self {
        case .aes128GCM(let c): try c.seal(&text, nonce: nonce, authenticating: aad)
        case .aes256GCM(let c): try c.seal(&text, nonce: nonce, authenticating: aad)
        case .chacha20Poly1305(let c): try c.seal(&text, nonce: nonce, authenticating: aad)
        }
    }

    func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>, tag: Span<UInt8>) throws(CryptoError) {
        switch self {
        case .aes128GCM(let c): try c.open(&text, nonce: nonce, authenticating: aad, tag: tag)
        case .aes256GCM(let c): try c.open(&text, nonce: nonce, authenticating: aad, tag: tag)
        case .chacha20Poly1305(let c): try c.open(&text, nonce: nonce, authenticating: aad, tag: tag)
        }
    }
}

/// One direction's record protection state: the suite's AEAD under one traffic secret, and the sequence
/// number of the next record.
public struct RecordProtection {
    /// Largest content (plus padding) of one record: 2^14 bytes (§5.1, §5.4).
    public static let maximumPlaintextLength = 1 << 14
    /// Largest TLSCiphertext fragment accepted: 2^14 + 256 bytes (§5.2).
    public static let maximumCiphertextLength = (1 << 14) + 256
    /// Bytes in the record header (type, legacy version, length).
    public static let headerLength = 5
    /// Bytes in the AEAD tag (16 for all three suites).
    public static let tagLength = 16

    /// The negotiated suite.
    public let suite: CipherSuite
    /// The traffic secret the keys come from (kept for KeyUpdate, §7.2, and key logging).
    public private(set) var trafficSecret: [UInt8]
    private var cipher: RecordCipher
    private var iv: [UInt8]
    /// The sequence number of the next record (§5.3): records sealed (or opened) under this key so far.
    public internal(set) var sequenceNumber: UInt64 = 0

    /// The keys of `trafficSecret` (§7.3). An unsupported suite is `.alert(.internalError)` (the handshake
    /// never negotiates one).
    public init(suite: CipherSuite, trafficSecret: [UInt8]) throws(TLSError) {
        guard suite.isSupported else { throw .alert(.internalError) }
        self.suite = suite
        self.trafficSecret = trafficSecret
        let keys = Self.trafficKeys(suite: suite, trafficSecret: trafficSecret)
        do { cipher = try RecordCipher(suite: suite, key: keys.key) } catch { throw .alert(.internalError) }
        iv = keys.iv
    }

    /// §7.3: the write key and iv of a traffic secret (for tests and key logs; `init` uses them).
    public static func trafficKeys(suite: CipherSuite, trafficSecret: [UInt8]) -> (key: [UInt8], iv: [UInt8]) {
        let hash = suite.hash
        return (TLSKeyDerivation.expandLabel(hash, secret: trafficSecret, label: "key", context: [], length: suite.keyLength),
                TLSKeyDerivation.expandLabel(hash, secret: trafficSecret, label: "iv", context: [], length: suite.ivLength))
    }

    /// KeyUpdate (§7.2): moves to application_traffic_secret_N+1 = HKDF-Expand-Label(secret, "traffic upd",
    /// "", Hash.length) with fresh keys, and the sequence number back to 0.
    public mutating func update() throws(TLSError) {
        self = try RecordProtection(suite: suite, trafficSecret:
            KeySchedule.nextApplicationTrafficSecret(suite.hash, trafficSecret))
    }

    /// §5.3: iv XOR the sequence number, big-endian in the last 8 bytes.
    private func nonce() -> [UInt8] {
        var n = iv
        let seq = sequenceNumber
        for i in 0..<8 { n[n.count - 1 - i] ^= UInt8(truncatingIfNeeded: seq >> (8 * UInt64(i))) }
        return n
    }

    /// One TLSCiphertext record (header and protected fragment) carrying `content` of `type`, followed by
    /// `padding` zero bytes inside the encryption (§5.4). `.alert(.internalError)` when content and padding
    /// exceed 2^14 bytes, padding is negative, or the sequence number has reached 2^64 - 1 (KeyUpdate first).
    public mutating func seal(_ content: [UInt8], type: ContentType, padding: Int = 0) throws(TLSError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength + content.count + 1 + Swift.max(padding, 0) + Self.tagLength)
        try seal(content, type: type, padding: padding, into: &out)
        return out
    }

    /// As `seal(_:type:padding:)`, appending the record to `output` (which keeps what it had; on a throw it
    /// is left as it was). Content is copied once, into `output`, and encrypted there.
    public mutating func seal(_ content: [UInt8], type: ContentType, padding: Int = 0, into output: inout [UInt8]) throws(TLSError) {
        guard padding >= 0, content.count <= Self.maximumPlaintextLength,
              padding <= Self.maximumPlaintextLength - content.count else { throw .alert(.internalError) }
        guard sequenceNumber < UInt64.max else { throw .alert(.internalError) }
        let innerLength = content.count + 1 + padding
        let length = innerLength + Self.tagLength
        let start = output.count
        let header: [UInt8] = [ContentType.applicationData.rawValue, 0x03, 0x03,
                               UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        output.reserveCapacity(start + Self.headerLength + length)
        output.append(contentsOf: header)
        output.append(contentsOf: content)
        output.append(type.rawValue)
        if padding > 0 { output.append(contentsOf: repeatElement(UInt8(0), count: padding)) }
        let nonce = nonce()
        let tag: [UInt8]
        do {
            let textStart = start + Self.headerLength
            var text = output.mutableSpan._consumingExtracting(textStart..<(textStart + innerLength))
            tag = try cipher.seal(&text, nonce: nonce.span, aad: header.span)
        } catch {
            output.removeSubrange(start...)
            throw .alert(.internalError)
        }
        output.append(contentsOf: tag)
        sequenceNumber += 1
    }

    /// Opens one record given its 5 header bytes as received (the additional data) and its fragment.
    /// Refusals (§5.2, §5.4, §6.2): a header that is not 5 bytes, or whose length field is not the
    /// fragment's, `.decodeError`; an outer type other than application_data `.unexpectedMessage`; a
    /// fragment over 2^14 + 256 bytes `.recordOverflow`; one too short to hold a tag and a type byte, or
    /// whose tag does not verify, `.badRecordMAC`; an authentic inner plaintext over 2^14 + 1 bytes
    /// `.recordOverflow`; one of zeros only (no content type) `.unexpectedMessage`; the sequence number at
    /// 2^64 - 1 `.internalError`. Returns the inner content type and the content, padding removed.
    public mutating func open(headerBytes: [UInt8], fragment: [UInt8]) throws(TLSError) -> (type: ContentType, content: [UInt8]) {
        guard headerBytes.count == Self.headerLength,
              Int(headerBytes[3]) << 8 | Int(headerBytes[4]) == fragment.count else { throw .alert(.decodeError) }
        guard headerBytes[0] == ContentType.applicationData.rawValue else { throw .alert(.unexpectedMessage) }
        guard fragment.count <= Self.maximumCiphertextLength else { throw .alert(.recordOverflow) }
        guard fragment.count > Self.tagLength else { throw .alert(.badRecordMAC) }
        guard sequenceNumber < UInt64.max else { throw .alert(.internalError) }
        let textLength = fragment.count - Self.tagLength
        var text = Array(fragment[0..<textLength])
        let nonce = nonce()
        do {
            var span = text.mutableSpan
            try cipher.open(&span, nonce: nonce.span, aad: headerBytes.span,
                            tag: fragment.span.extracting(textLength..<fragment.count))
        } catch {
            throw .alert(.badRecordMAC)
        }
        sequenceNumber += 1
        // §5.4: TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets.
        guard text.count <= Self.maximumPlaintextLength + 1 else { throw .alert(.recordOverflow) }
        // §5.4: the content type is the last non-zero byte; all zeros is unexpected_message.
        var end = text.count
        while end > 0, text[end - 1] == 0 { end -= 1 }
        guard end > 0 else { throw .alert(.unexpectedMessage) }
        let type = ContentType(rawValue: text[end - 1])
        text.removeSubrange((end - 1)...)
        return (type, text)
    }
}
