// SwiftletCrypto / RSA: public keys and signature verification (RFC 8017 §8.1.2 RSASSA-PSS-VERIFY,
// §8.2.2 RSASSA-PKCS1-V1_5-VERIFY, §5.2.2 RSAVP1).
//
// Invariants of a key: the modulus n is odd with 2048...4096 bits (32...64 limbs, `width` = its limb count);
// the exponent e is odd, 3 ≤ e < 2^32, and below n. Everything here handles public data (the key, the signature
// and the digest), so it is variable time where that is faster: the exponentiation branches on the bits of e.
// The PKCS#1 v1.5 check re-encodes the expected block and compares it whole (no parsing of the signature's
// DigestInfo, the root of the Bleichenbacher-2006 forgeries).

/// An RSA public key (n, e) that verifies RSASSA-PKCS1-v1_5 and RSASSA-PSS signatures.
public struct RSAPublicKey: Sendable {
    /// Montgomery context for n.
    let context: RSAMontgomery
    /// The public exponent.
    let exponent: UInt64
    /// Bits in n (modBits).
    public let bitLength: Int

    /// Bytes in n and in every signature (k in RFC 8017).
    public var modulusLength: Int { (bitLength + 7) / 8 }

    /// The key with big-endian `modulus` and `exponent` (leading zero bytes allowed, as in DER INTEGERs).
    /// `CryptoError.badLength` unless n has 2048 to 4096 bits; `CryptoError.badScalar` unless n is odd and
    /// e is odd, 3 ≤ e < 2^32 and e < n.
    public init(modulus: Span<UInt8>, exponent: Span<UInt8>) throws(CryptoError) {
        // Strip leading zeros (public data) so the length test below sees the value's own size.
        var start = 0
        while start < modulus.count && modulus[start] == 0 { start += 1 }
        guard modulus.count - start <= 512,
              let n = RSAArithmetic.load(bigEndian: modulus.extracting(start...), width: rsaLimbCapacity)
        else { throw .badLength }
        let bits = RSAArithmetic.bitLength(n)
        guard bits >= 2048 && bits <= 4096 else { throw .badLength }
        guard n[0] & 1 == 1 else { throw .badScalar }
        var e: UInt64 = 0
        for i in 0..<exponent.count {
            guard e >> 24 == 0 else { throw .badScalar }  // e would reach 2^32
            e = e << 8 | UInt64(exponent[i])
        }
        guard e & 1 == 1, e >= 3 else { throw .badScalar }  // n > 2^2047 > e, so e < n holds
        self.init(n: n, bits: bits, exponent: e)
    }

    init(n: RSALimbs, bits: Int, exponent: UInt64) {
        self.context = RSAMontgomery(modulus: n, width: (bits + 63) / 64)
        self.exponent = exponent
        self.bitLength = bits
    }

    /// RSAVP1 (RFC 8017 §5.2.2) on a signature of exactly k bytes: s^e mod n, as emLength big-endian bytes.
    /// `badLength` when the signature is not k bytes, `authenticationFailure` when s ≥ n or the result does
    /// not fit in emLength bytes (§8.1.2 step 2c).
    func open(signature: Span<UInt8>, emLength: Int) throws(CryptoError) -> [UInt8] {
        guard signature.count == modulusLength else { throw .badLength }
        guard let s = RSAArithmetic.load(bigEndian: signature, width: context.width) else { throw .authenticationFailure }
        guard RSAArithmetic.lessThan(s, context.modulus, width: context.width) == 1 else { throw .authenticationFailure }
        let m = context.powPublic(s, exponent: exponent)
        let full = RSAArithmetic.store(m, length: modulusLength)
        // I2OSP(m, emLen): the bytes above emLength must be zero.
        let extra = modulusLength - emLength
        for i in 0..<extra where full[i] != 0 { throw .authenticationFailure }
        return Array(full[extra...])
    }

    /// Checks an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2) over a message whose `hash` is `digest`.
    /// The expected encoded block 00 01 FF…FF 00 || DigestInfo || digest (§9.2; DigestInfo with the NULL
    /// parameters) is built and compared with the opened signature as a whole.
    /// `badLength` when the signature is not exactly `modulusLength` bytes or the digest not
    /// `hash.digestLength`; `authenticationFailure` when the signature does not verify.
    public func verifyPKCS1v15(signature: Span<UInt8>, digest: Span<UInt8>, hash: HashAlgorithm) throws(CryptoError) {
        guard digest.count == hash.digestLength else { throw .badLength }
        let k = modulusLength
        let prefix = hash.digestInfoPrefix
        let tLen = prefix.count + digest.count
        // §9.2 step 3: emLen ≥ tLen + 11 (always true for k ≥ 256 bytes, kept for clarity).
        guard k >= tLen + 11 else { throw .badLength }
        let em = try open(signature: signature, emLength: k)
        var expected = [UInt8](repeating: 0xff, count: k)
        expected[0] = 0x00
        expected[1] = 0x01
        expected[k - tLen - 1] = 0x00
        for i in 0..<prefix.count { expected[k - tLen + i] = prefix[i] }
        for i in 0..<digest.count { expected[k - digest.count + i] = digest[i] }
        guard ConstantTime.equal(em, expected) else { throw .authenticationFailure }
    }

    /// Checks an RSASSA-PSS signature (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) over a message whose `hash`
    /// is `digest`, with MGF1 over the same hash and a salt of `saltLength` bytes (the digest length when
    /// nil, as TLS 1.3 requires: RFC 8446 §4.2.3).
    /// `badLength` when the signature is not exactly `modulusLength` bytes, the digest not
    /// `hash.digestLength` or `saltLength` negative; `authenticationFailure` when the signature does not verify.
    public func verifyPSS(signature: Span<UInt8>, digest: Span<UInt8>, hash: HashAlgorithm, saltLength: Int? = nil) throws(CryptoError) {
        guard digest.count == hash.digestLength else { throw .badLength }
        let sLen = saltLength ?? hash.digestLength
        guard sLen >= 0 else { throw .badLength }
        let emBits = bitLength - 1
        let emLen = (emBits + 7) / 8
        let em = try open(signature: signature, emLength: emLen)
        guard RSAPSS.verify(encoded: em, emBits: emBits, digest: digest, hash: hash, saltLength: sLen) else {
            throw .authenticationFailure
        }
    }
}
