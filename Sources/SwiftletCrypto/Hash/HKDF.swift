// SwiftletCrypto: HKDF, the HMAC-based extract-and-expand key derivation function (RFC 5869), over any
// `HashFunction`. TLS 1.3's key schedule (RFC 8446 §7.1) is built on these two steps.

public enum HKDF<H: HashFunction> {
    /// HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM). An empty salt means HashLen zeros.
    public static func extract(salt: Span<UInt8>, inputKeyMaterial: Span<UInt8>) -> [UInt8] {
        if salt.isEmpty {
            let zeros = [UInt8](repeating: 0, count: H.digestLength)
            return HMAC<H>.authenticationCode(for: inputKeyMaterial, key: zeros.span)
        }
        return HMAC<H>.authenticationCode(for: inputKeyMaterial, key: salt)
    }

    /// HKDF-Expand (RFC 5869 §2.3): `length` bytes of T(1) | T(2) | ..., T(i) = HMAC(PRK, T(i-1) | info | i).
    /// `CryptoError.outputTooLong` past 255 blocks; `.badLength` for a PRK shorter than the hash's output
    /// (§2.3: "a pseudorandom key of at least HashLen octets") or a negative length.
    public static func expand(pseudoRandomKey: Span<UInt8>, info: Span<UInt8>, length: Int) throws(CryptoError) -> [UInt8] {
        guard pseudoRandomKey.count >= H.digestLength, length >= 0 else { throw .badLength }
        guard length <= 255 * H.digestLength else { throw .outputTooLong }
        let keyed = HMAC<H>(key: pseudoRandomKey)
        var output: [UInt8] = []
        output.reserveCapacity(length)
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            var mac = keyed
            mac.update(previous.span)
            mac.update(info)
            var index = InlineArray<1, UInt8>(repeating: counter)
            mac.update(index.span)
            index[0] = 0
            previous = mac.finalize()
            let take = Swift.min(previous.count, length - output.count)
            for i in 0..<take { output.append(previous[i]) }
            counter &+= 1
        }
        return output
    }

    /// Extract then expand.
    public static func deriveKey(inputKeyMaterial: Span<UInt8>, salt: Span<UInt8>, info: Span<UInt8>, length: Int) throws(CryptoError) -> [UInt8] {
        let prk = extract(salt: salt, inputKeyMaterial: inputKeyMaterial)
        return try expand(pseudoRandomKey: prk.span, info: info, length: length)
    }
}
