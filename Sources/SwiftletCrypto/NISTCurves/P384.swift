// SwiftletCrypto / NISTCurves: the public P-384 API: ECDSA with SHA-384 (FIPS 186-4 §6.4) and RFC 6979
// deterministic nonces (HMAC-SHA-384), and ECDH (SEC 1 §3.3.1) for TLS key shares.
//
// Encodings: private keys are 48-byte big-endian scalars in [1, n − 1]; public keys are 97-byte
// uncompressed SEC 1 points 0x04 ‖ X ‖ Y; signatures are 96 bytes r ‖ s (a DER wrapper lives elsewhere).

/// A P-384 private key. Signing and key agreement run in constant time in the key and the nonce.
public struct P384PrivateKey: Sendable {
    private let scalar: InlineArray<6, UInt64>

    /// The public key d·G, 97 bytes 0x04 ‖ X ‖ Y (computed once, in `init`).
    public let publicKey: [UInt8]

    /// The key whose big-endian scalar is `rawScalar`.
    /// - Throws: `.badLength` unless `rawScalar` has 48 bytes; `.badScalar` when it is 0 or ≥ n.
    public init(rawScalar: Span<UInt8>) throws(CryptoError) {
        scalar = try ECDSA<P384Curve>.privateScalar(rawScalar)
        publicKey = ECDSA<P384Curve>.publicKey(scalar)
    }

    /// The key whose big-endian scalar is `rawScalar` (see `init(rawScalar: Span<UInt8>)`).
    public init(rawScalar: [UInt8]) throws(CryptoError) { try self.init(rawScalar: rawScalar.span) }

    /// The 48-byte big-endian scalar.
    public var rawScalar: [UInt8] { scalar.bigEndianBytes() }

    /// The signature r ‖ s (96 bytes) of a message digest, with the RFC 6979 nonce (HMAC-SHA-384).
    /// A digest longer than 48 bytes is truncated to its leftmost 384 bits (FIPS 186-4 §6.4).
    public func signature(forDigest digest: Span<UInt8>) -> [UInt8] {
        ECDSA<P384Curve>.sign(digest: digest, privateKey: scalar)
    }

    /// The signature r ‖ s (96 bytes) of SHA-384(`message`).
    public func signature(for message: Span<UInt8>) -> [UInt8] {
        let digest = SHA384.hash(message)
        return signature(forDigest: digest.span)
    }

    /// The ECDH shared secret with a peer: the 48-byte x-coordinate of d·Q (RFC 8446 §7.4.2).
    /// - Throws: `.badLength` unless `peerPublicKey` has 97 bytes; `.badPoint` when it is not an
    ///   uncompressed point on the curve (first byte not 0x04, a coordinate ≥ p, or off the curve).
    public func sharedSecret(peerPublicKey: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        try ECDSA<P384Curve>.sharedSecret(privateKey: scalar, peerPublicKey: peerPublicKey)
    }
}

/// P-384 ECDSA verification.
public enum P384 {
    /// Bytes in a private key scalar.
    public static var privateKeyLength: Int { 48 }
    /// Bytes in an uncompressed public key.
    public static var publicKeyLength: Int { 97 }
    /// Bytes in a raw signature r ‖ s.
    public static var signatureLength: Int { 96 }

    /// Checks a raw signature r ‖ s over a digest (truncated to 384 bits if longer) with an uncompressed
    /// public key. Returns normally when the signature is valid.
    /// - Throws: `.badLength` for a signature other than 96 bytes or a public key other than 97 bytes;
    ///   `.badScalar` when r or s is 0 or ≥ n; `.badPoint` for a public key that is not a point on the
    ///   curve (or the identity); `.authenticationFailure` when the signature does not match.
    public static func verify(signature: Span<UInt8>, digest: Span<UInt8>, publicKey: Span<UInt8>) throws(CryptoError) {
        try ECDSA<P384Curve>.verify(signature: signature, digest: digest, publicKey: publicKey)
    }

    /// Checks a raw signature r ‖ s over SHA-384(`message`); errors as `verify(signature:digest:publicKey:)`.
    public static func verify(signature: Span<UInt8>, message: Span<UInt8>, publicKey: Span<UInt8>) throws(CryptoError) {
        let digest = SHA384.hash(message)
        try verify(signature: signature, digest: digest.span, publicKey: publicKey)
    }
}
