// SwiftletCrypto: what the primitives have in common, so that HMAC, HKDF and the DRBG take any hash and
// TLS takes any AEAD as a generic parameter (specialised at compile time, no existentials).

/// A Merkle–Damgård hash: SHA-256, SHA-384, SHA-512 (FIPS 180-4).
public protocol HashFunction {
    /// Bytes in a digest.
    static var digestLength: Int { get }
    /// Bytes in one compression-function block (what HMAC pads its key to).
    static var blockLength: Int { get }
    init()
    mutating func update(_ bytes: Span<UInt8>)
    /// The digest of everything given to `update`. The value is used up.
    consuming func finalize() -> [UInt8]
}

extension HashFunction {
    /// The digest of `bytes`.
    public static func hash(_ bytes: Span<UInt8>) -> [UInt8] {
        var h = Self()
        h.update(bytes)
        return h.finalize()
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] { hash(bytes.span) }

    public mutating func update(_ bytes: [UInt8]) { update(bytes.span) }
}

/// Authenticated encryption with associated data (RFC 5116): AES-GCM, ChaCha20-Poly1305. Encryption
/// and decryption work in place on the caller's buffer; `open` checks the tag before it decrypts anything,
/// so a forged message leaves the buffer as it was.
public protocol AEAD {
    /// Bytes in a key.
    static var keyLength: Int { get }
    /// Bytes in a nonce (12 for both ciphers here).
    static var nonceLength: Int { get }
    /// Bytes in a tag (16 for both).
    static var tagLength: Int { get }
    /// `CryptoError.badLength` unless `key` has `keyLength` bytes.
    init(key: Span<UInt8>) throws(CryptoError)
    /// Encrypts `text` in place and returns the tag over `aad` and the ciphertext.
    func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>) throws(CryptoError) -> [UInt8]
    /// Checks `tag` over `aad` and the ciphertext in `text`, then decrypts `text` in place.
    /// `CryptoError.authenticationFailure` (and `text` untouched) when the tag does not verify.
    func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>, tag: Span<UInt8>) throws(CryptoError)
}
