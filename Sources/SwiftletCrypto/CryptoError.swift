// SwiftletCrypto: the one error type every primitive throws. Bad input (a key of the wrong length, a point
// off the curve, a signature that is not canonical, a tag that does not verify) is one of these cases and
// never a trap, so that a kernel can feed any bytes a peer sent to any primitive.

public enum CryptoError: Error, Hashable, Sendable {
    /// A key, nonce, tag, salt or other fixed-size input has the wrong number of bytes.
    case badLength
    /// An AEAD tag, MAC or signature does not verify. Says nothing about where or why.
    case authenticationFailure
    /// An encoded point is not on the curve, not canonical, or of small order where that is refused.
    case badPoint
    /// A scalar, signature component or private key is out of its range (zero, or not below the order).
    case badScalar
    /// X25519 produced the all-zero shared secret (the peer sent a small-order point; RFC 7748 §6.1).
    case weakSharedSecret
    /// More output was asked of a function than it can give (HKDF: over 255 blocks; a DRBG request over
    /// its per-call limit; a message longer than an AEAD allows).
    case outputTooLong
    /// The random bit generator must be reseeded before it gives more output (NIST SP 800-90A §9.3.1).
    case reseedRequired
    /// A random generator was to be seeded from an entropy source that says it is predictable.
    case predictableEntropy
}
