// SwiftletTLS / Crypto: the hash of a negotiated cipher suite, chosen at run time, and the HKDF steps of the
// TLS 1.3 key schedule over it (RFC 8446 §7.1, RFC 5869).
//
// The suite is known only once the peer's hello arrives, so everything here takes a `HashAlgorithm` value
// and switches on it once per call into SwiftletCrypto's concrete SHA-2 types (no existentials).
// `TranscriptHasher` is the same switch for an incremental hash whose state can be copied.
// Invariant: every secret this file returns has the hash's digest length, except HKDF-Expand output, which
// has the length asked for.

import SwiftletCrypto

extension CipherSuite {
    /// Whether this stack implements the suite: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 or
    /// TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 §B.4).
    public var isSupported: Bool {
        self == .aes128GCMSHA256 || self == .aes256GCMSHA384 || self == .chacha20Poly1305SHA256
    }

    /// The suite's HKDF and transcript hash: SHA-384 for TLS_AES_256_GCM_SHA384, SHA-256 for the other two
    /// (and, as a placeholder, for a suite that is not supported: check `isSupported` first).
    public var hash: HashAlgorithm {
        self == .aes256GCMSHA384 ? .sha384 : .sha256
    }

    /// Bytes in the AEAD key (§7.3 "key"): 16 for AES-128-GCM, 32 for AES-256-GCM and ChaCha20-Poly1305,
    /// 0 for a suite that is not supported.
    public var keyLength: Int {
        switch self {
        case .aes128GCMSHA256: 16
        case .aes256GCMSHA384, .chacha20Poly1305SHA256: 32
        default: 0
        }
    }

    /// Bytes in the AEAD nonce and so in the §7.3 "iv": 12 for all three suites (RFC 8446 §5.3).
    public var ivLength: Int { 12 }
}

/// HMAC, HKDF-Extract, HKDF-Expand-Label and Derive-Secret over a hash chosen at run time (RFC 8446 §7.1).
public enum TLSKeyDerivation {
    /// "tls13 ", the prefix of every HkdfLabel label (§7.1).
    static let labelPrefix: [UInt8] = Array("tls13 ".utf8)
    /// Longest label without the prefix: HkdfLabel.label is opaque<7..255> (§7.1).
    public static let maximumLabelLength = 255 - 6
    /// Longest HkdfLabel.context: opaque<0..255> (§7.1).
    public static let maximumContextLength = 255

    /// HMAC(key, message) (RFC 2104) with `hash`.
    public static func hmac(_ hash: HashAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        switch hash {
        case .sha256: HMAC<SHA256>.authenticationCode(for: message, key: key)
        case .sha384: HMAC<SHA384>.authenticationCode(for: message, key: key)
        case .sha512: HMAC<SHA512>.authenticationCode(for: message, key: key)
        }
    }

    /// HKDF-Extract(salt, IKM) (RFC 5869 §2.2); an empty salt is HashLen zeros.
    public static func extract(_ hash: HashAlgorithm, salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
        switch hash {
        case .sha256: HKDF<SHA256>.extract(salt: salt.span, inputKeyMaterial: inputKeyMaterial.span)
        case .sha384: HKDF<SHA384>.extract(salt: salt.span, inputKeyMaterial: inputKeyMaterial.span)
        case .sha512: HKDF<SHA512>.extract(salt: salt.span, inputKeyMaterial: inputKeyMaterial.span)
        }
    }

    /// HKDF-Expand-Label (§7.1): HKDF-Expand(secret, HkdfLabel, length) with HkdfLabel = uint16 length ||
    /// opaque label<7..255> = "tls13 " + `label` || opaque context<0..255>. `label` is given without the
    /// "tls13 " prefix, e.g. "c hs traffic".
    ///
    /// The arguments are this stack's constants, never peer input: `label` at most `maximumLabelLength`
    /// bytes, `context` at most `maximumContextLength`, `length` in 0...min(65535, 255 × hash length)
    /// (RFC 5869 §2.3). Anything else is a programming error and traps.
    public static func expandLabel(_ hash: HashAlgorithm, secret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        let labelBytes = Array(label.utf8)
        precondition(labelBytes.count <= maximumLabelLength && context.count <= maximumContextLength,
                     "HKDF-Expand-Label: label or context too long")
        precondition(length >= 0 && length <= 0xFFFF && length <= 255 * hash.digestLength,
                     "HKDF-Expand-Label: output length out of range")
        var info: [UInt8] = []
        info.reserveCapacity(4 + labelPrefix.count + labelBytes.count + context.count)
        info.append(UInt8(truncatingIfNeeded: length >> 8))
        info.append(UInt8(truncatingIfNeeded: length))
        info.append(UInt8(labelPrefix.count + labelBytes.count))
        info.append(contentsOf: labelPrefix)
        info.append(contentsOf: labelBytes)
        info.append(UInt8(context.count))
        info.append(contentsOf: context)
        switch hash {
        case .sha256: return expand(HMAC<SHA256>(key: secret), info: info, length: length)
        case .sha384: return expand(HMAC<SHA384>(key: secret), info: info, length: length)
        case .sha512: return expand(HMAC<SHA512>(key: secret), info: info, length: length)
        }
    }

    /// Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages),
    /// Hash.length) (§7.1); the caller passes the transcript hash.
    public static func deriveSecret(_ hash: HashAlgorithm, secret: [UInt8], label: String, transcriptHash: [UInt8]) -> [UInt8] {
        expandLabel(hash, secret: secret, label: label, context: transcriptHash, length: hash.digestLength)
    }

    /// Hash of the empty string: Transcript-Hash("") for the "derived" and exporter steps (§7.1, §7.5).
    static func emptyHash(_ hash: HashAlgorithm) -> [UInt8] {
        let none: [UInt8] = []
        return hash.hash(none.span)
    }

    /// HKDF-Expand (RFC 5869 §2.3) under an HMAC already keyed with the PRK: T(i) = HMAC(PRK, T(i-1) ||
    /// info || i). Unlike SwiftletCrypto's `HKDF.expand` it does not throw: the caller checked `length`, and
    /// a PRK shorter than HashLen (never in TLS 1.3) is accepted as RFC 5869 allows.
    private static func expand<H: HashFunction>(_ keyed: HMAC<H>, info: [UInt8], length: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(length)
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            var mac = keyed
            mac.update(previous)
            mac.update(info)
            mac.update([counter])
            previous = mac.finalize()
            let take = Swift.min(previous.count, length - output.count)
            output.append(contentsOf: previous[0..<take])
            counter &+= 1
        }
        ConstantTime.wipe(&previous)
        return output
    }
}

/// An incremental SHA-2 state for a hash chosen at run time; copying it forks the state (which is how a
/// transcript hash is read without ending it).
enum TranscriptHasher {
    case sha256(SHA256)
    case sha384(SHA384)
    case sha512(SHA512)

    init(_ hash: HashAlgorithm) {
        switch hash {
        case .sha256: self = .sha256(SHA256())
        case .sha384: self = .sha384(SHA384())
        case .sha512: self = .sha512(SHA512())
        }
    }

    var algorithm: HashAlgorithm {
        switch self {
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }

    mutating func update(_ bytes: Span<UInt8>) {
        switch self {
        case .sha256(var h): h.update(bytes); self = .sha256(h)
        case .sha384(var h): h.update(bytes); self = .sha384(h)
        case .sha512(var h): h.update(bytes); self = .sha512(h)
        }
    }

    /// The digest of everything given so far; `self` is left as it was.
    func digest() -> [UInt8] {
        switch self {
        case .sha256(let h): h.finalize()
        case .sha384(let h): h.finalize()
        case .sha512(let h): h.finalize()
        }
    }
}
