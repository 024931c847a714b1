// SwiftletCrypto: the hash functions that signatures and certificates name (RSA DigestInfo and MGF1,
// ECDSA, X.509 algorithm identifiers, TLS signature schemes): a closed enum, so that an identifier read off
// the wire maps to a value, and each case calls the concrete SHA-2 type (no existentials).

/// SHA-256, SHA-384 or SHA-512 (FIPS 180-4).
public enum HashAlgorithm: Hashable, Sendable {
    case sha256, sha384, sha512

    /// Bytes in its digest.
    public var digestLength: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The digest of `bytes`.
    public func hash(_ bytes: Span<UInt8>) -> [UInt8] {
        let none: [UInt8] = []
        return hash(bytes, none.span, none.span)
    }

    /// The digest of `a || b || c`.
    func hash(_ a: Span<UInt8>, _ b: Span<UInt8>, _ c: Span<UInt8>) -> [UInt8] {
        switch self {
        case .sha256: Self.hash(SHA256.self, a, b, c)
        case .sha384: Self.hash(SHA384.self, a, b, c)
        case .sha512: Self.hash(SHA512.self, a, b, c)
        }
    }

    private static func hash<H: HashFunction>(_: H.Type, _ a: Span<UInt8>, _ b: Span<UInt8>, _ c: Span<UInt8>) -> [UInt8] {
        var h = H()
        h.update(a)
        h.update(b)
        h.update(c)
        return h.finalize()
    }
}
