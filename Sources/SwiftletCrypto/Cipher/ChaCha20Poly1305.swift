// SwiftletCrypto/Cipher: the ChaCha20-Poly1305 AEAD (RFC 8439 §2.8), in place over the caller's buffer.
//
// seal: the Poly1305 key is the first 32 bytes of ChaCha20 block 0 (§2.6); the text is encrypted with
// blocks 1, 2, ... (§2.4, §2.8); the tag covers aad | pad16 | ciphertext | pad16 | le64(len aad) |
// le64(len ciphertext). open computes the tag over the ciphertext first, compares it in constant time,
// and only then decrypts: a forgery leaves the buffer as it was. Lengths are public; everything that
// depends on the key or the text is constant time (see ChaCha20.swift, Poly1305.swift and
// CSwiftletCrypto's chacha20.c). The keystream comes from the SIMD C code by default; the portable Swift
// ChaCha20 is the fallback and the tests' reference.

/// ChaCha20-Poly1305 (RFC 8439 §2.8): 32-byte key, 12-byte nonce, 16-byte tag.
public struct ChaCha20Poly1305: AEAD {
    /// 32.
    public static var keyLength: Int { 32 }
    /// 12.
    public static var nonceLength: Int { 12 }
    /// 16.
    public static var tagLength: Int { 16 }
    /// The longest text one nonce can carry: 2^32 - 1 blocks of 64 bytes, since the AEAD starts the
    /// 32-bit block counter at 1 and must not wrap it (§2.8: 274,877,906,880 bytes). Clamped to
    /// `Int.max` on 32-bit targets.
    public static var maximumTextLength: Int { Int(clamping: maximumTextLength64) }
    static var maximumTextLength64: Int64 { 64 * Int64(UInt32.max) }

    private let key: ChaCha20Key
    /// The SIMD paths the keystream may use (SIMDChaCha20, Audited.swift), or nil for the portable Swift.
    let simdFeatures: UInt32?

    /// `CryptoError.badLength` unless `key` has 32 bytes. Uses CSwiftletCrypto's SIMD ChaCha20 (SSE2 on
    /// every x86-64 CPU, SSSE3 and AVX2 where present).
    public init(key: Span<UInt8>) throws(CryptoError) {
        try self.init(key: key, hardware: true)
    }

    /// With `hardware` false, the portable ChaCha20 even where SIMD exists (the tests run both); with
    /// `features`, only those SIMD paths (a subset of SIMDChaCha20.features; tests).
    init(key: Span<UInt8>, hardware: Bool, features: UInt32 = SIMDChaCha20.features) throws(CryptoError) {
        guard key.count == 32 else { throw .badLength }
        self.key = ChaCha20Key(key)
        simdFeatures = hardware ? features & SIMDChaCha20.features : nil
    }

    /// `CryptoError.badLength` unless `key` has 32 bytes.
    public init(key: [UInt8]) throws(CryptoError) { try self.init(key: key.span) }

    /// Refuses a nonce that is not 12 bytes or a text too long for the 32-bit counter.
    static func check(nonce: Int, text: Int) throws(CryptoError) {
        guard nonce == 12 else { throw .badLength }
        guard Int64(text) <= maximumTextLength64 else { throw .outputTooLong }
    }

    /// XORs the keystream from block 1 into `text` (§2.8), with SIMD unless `simdFeatures` is nil.
    /// `nonce` has 12 bytes (checked by `check` before this is called).
    private func crypt(_ text: inout MutableSpan<UInt8>, _ cipher: ChaCha20, nonce: Span<UInt8>) {
        if let features = simdFeatures {
            SIMDChaCha20.xorKeystream(&text, key: key, nonce: InlineArray { nonce[$0] }, counter: 1, features: features)
        } else {
            cipher.xorKeystream(&text, counter: 1)
        }
    }

    /// The Poly1305 one-time key, from ChaCha20 block 0 (§2.6).
    private static func oneTimeMAC(_ cipher: ChaCha20) -> Poly1305 {
        let b = cipher.block(counter: 0)
        return Poly1305(b.w0, b.w1, b.w2, b.w3, b.w4, b.w5, b.w6, b.w7)
    }

    /// The tag over `aad` and the ciphertext `text` (§2.8).
    private static func tag(_ cipher: ChaCha20, _ text: Span<UInt8>, _ aad: Span<UInt8>) -> [UInt8] {
        var mac = oneTimeMAC(cipher)
        mac.absorbPadded(aad)
        mac.absorbPadded(text)
        mac.absorbLengths(aad.count, text.count)
        return mac.finalize()
    }

    /// Encrypts `text` in place and returns the 16-byte tag over `aad` and the ciphertext.
    /// `.badLength` for a nonce that is not 12 bytes; `.outputTooLong` for a text over
    /// `maximumTextLength` (nothing is written then).
    public func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        try Self.check(nonce: nonce.count, text: text.count)
        let cipher = ChaCha20(keyWords: key, nonce: nonce)
        crypt(&text, cipher, nonce: nonce)
        return Self.tag(cipher, text.span, aad)
    }

    /// Checks `tag` over `aad` and the ciphertext in `text`, then decrypts `text` in place.
    /// `.authenticationFailure` (buffer untouched) when the tag does not verify; `.badLength` for a nonce
    /// that is not 12 bytes or a tag that is not 16; `.outputTooLong` as in `seal`.
    public func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>, tag: Span<UInt8>) throws(CryptoError) {
        try Self.check(nonce: nonce.count, text: text.count)
        guard tag.count == 16 else { throw .badLength }
        let cipher = ChaCha20(keyWords: key, nonce: nonce)
        let expected = Self.tag(cipher, text.span, aad)
        guard ConstantTime.equal(expected.span, tag) else { throw .authenticationFailure }
        crypt(&text, cipher, nonce: nonce)
    }
}
