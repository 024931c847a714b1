// SwiftletCrypto / RSA: private keys and RSASSA-PSS signing (RFC 8017 §8.1.1, RSASP1 with the CRT §5.1.2
// step 2.b(ii) for u = 2, EMSA-PSS §9.1.1).
//
// Invariants of a key: n = p·q with n valid as a public key; p and q odd, each at most 32 limbs and sharing
// one Montgomery width (the larger of their limb counts, so q < R_p and p < R_q); dp < p, dq < q,
// qInv < p with qInv·q ≡ 1 (mod p).
// Constant time: the signature computation touches p, q, dp, dq and qInv only through `RSAMontgomery`'s
// constant-time multiply/reduce/powSecret and the fixed-loop helpers of `RSAArithmetic`; its operation
// count depends on the key's public sizes only. Before release, the signature is checked by raising it to e
// (a fault in either half of the CRT would otherwise give away a factor of n: Boneh, DeMillo, Lipton 1997;
// RFC 8017 §5.1.2 note). No blinding: the signed value is derived from public data and the exponentiation
// is constant time. The key's own copies of its components are not wiped (Swift values may be copied).

/// An RSA private key in the CRT form of RFC 8017 §3.2 (two primes) that makes RSASSA-PSS signatures.
public struct RSAPrivateKey: Sendable {
    /// The public half.
    public let publicKey: RSAPublicKey
    let p: RSAMontgomery
    let q: RSAMontgomery
    let dp: RSALimbs
    let dq: RSALimbs
    let qInv: RSALimbs

    /// The key from its big-endian components (leading zero bytes allowed): n, e, d, p, q, dP = d mod (p-1),
    /// dQ = d mod (q-1), qInv = q^-1 mod p. The public part is checked as `RSAPublicKey.init` does
    /// (`badLength`, `badScalar`); then, cheaply, that n = p·q, that p and q are odd and of a similar size,
    /// that dP < p, dQ < q, qInv < p and qInv·q ≡ 1 (mod p), and that d has no more bytes than n:
    /// `badScalar` when one of these fails (`badLength` for a prime over 2048 bits). dP and dQ are not checked
    /// against e here; a wrong one makes `signPSS` fail its own check instead of releasing a bad signature.
    public init(modulus: Span<UInt8>, publicExponent: Span<UInt8>, privateExponent: Span<UInt8>,
                prime1: Span<UInt8>, prime2: Span<UInt8>, exponent1: Span<UInt8>, exponent2: Span<UInt8>,
                coefficient: Span<UInt8>) throws(CryptoError) {
        let publicKey = try RSAPublicKey(modulus: modulus, exponent: publicExponent)
        guard let d = RSAArithmetic.load(bigEndian: privateExponent, width: publicKey.context.width),
              RSAArithmetic.isZero(d, width: publicKey.context.width) == 0 else { throw .badScalar }
        // The primes: at most 32 limbs each, so that c < n fits the 2·width limbs of a CRT reduction.
        guard let pValue = RSAArithmetic.load(bigEndian: prime1, width: 32),
              let qValue = RSAArithmetic.load(bigEndian: prime2, width: 32) else { throw .badLength }
        let width = max(RSAArithmetic.usedLimbs(pValue), RSAArithmetic.usedLimbs(qValue))
        // Odd and above 1 (a value of 1 or an even one cannot be a prime factor of an odd n).
        guard pValue[0] & 1 == 1, qValue[0] & 1 == 1,
              RSAArithmetic.bitLength(pValue) > 1, RSAArithmetic.bitLength(qValue) > 1 else { throw .badScalar }
        // n = p·q, compared over n's limbs (the product has 2·width ≥ n's limbs; the rest must be zero).
        let product = RSAArithmetic.multiply(pValue, qValue, width: width)
        let nWidth = publicKey.context.width
        guard 2 * width >= nWidth,
              RSAArithmetic.equal(product, publicKey.context.modulus, width: 2 * width) == 1 else { throw .badScalar }
        let pContext = RSAMontgomery(modulus: pValue, width: width)
        let qContext = RSAMontgomery(modulus: qValue, width: width)
        guard let dpValue = RSAArithmetic.load(bigEndian: exponent1, width: width),
              let dqValue = RSAArithmetic.load(bigEndian: exponent2, width: width),
              let qInvValue = RSAArithmetic.load(bigEndian: coefficient, width: width) else { throw .badScalar }
        // Range checks and qInv·q ≡ 1 (mod p); the outcome (key valid or not) is public.
        var ok = RSAArithmetic.lessThan(dpValue, pValue, width: width)
        ok &= RSAArithmetic.lessThan(dqValue, qValue, width: width)
        ok &= RSAArithmetic.lessThan(qInvValue, pValue, width: width)
        let qModP = pContext.reduceFully(qValue)
        var unit = RSAArithmetic.zero
        unit[0] = 1
        ok &= RSAArithmetic.equal(pContext.multiplyModular(qInvValue, qModP), unit, width: width)
        guard ok == 1 else { throw .badScalar }
        self.publicKey = publicKey
        self.p = pContext
        self.q = qContext
        self.dp = dpValue
        self.dq = dqValue
        self.qInv = qInvValue
    }

    /// RSASP1 (RFC 8017 §5.1.2, CRT form 2.b): m^d mod n for m < n, checked by re-encryption.
    /// `badScalar` when the check fails (a fault, or dP/dQ inconsistent with e).
    func sign(representative m: RSALimbs) throws(CryptoError) -> RSALimbs {
        let width = p.width
        // i. s1 = m^dP mod p, s2 = m^dQ mod q (m < n = p·q < p·R, so Montgomery reduction applies).
        let s1 = p.powSecret(p.reduceFully(m), exponent: dp)
        let s2 = q.powSecret(q.reduceFully(m), exponent: dq)
        // iii. h = (s1 - s2)·qInv mod p, with s2 first reduced mod p (s2 < q < R_p).
        let s2ModP = p.reduceFully(s2)
        let (difference, borrow) = RSAArithmetic.subtract(s1, s2ModP, width: width)
        var maskedP = RSAArithmetic.zero
        let mask = ConstantTime.opaqueMask(borrow)
        for j in 0..<width { maskedP[j] = p.modulus[j] & mask }
        let (differenceModP, _) = RSAArithmetic.add(difference, maskedP, width: width)
        let h = p.multiplyModular(differenceModP, qInv)
        // iv. s = s2 + q·h  (< q + q·(p - 1) = n).
        let qh = RSAArithmetic.multiply(q.modulus, h, width: width)
        var s2Wide = RSAArithmetic.zero
        for j in 0..<width { s2Wide[j] = s2[j] }
        let (s, _) = RSAArithmetic.add(qh, s2Wide, width: 2 * width)
        // Fault check: s^e mod n must give m back.
        let n = publicKey.context
        guard RSAArithmetic.lessThan(s, n.modulus, width: n.width) == 1 else { throw .badScalar }
        let check = n.powPublic(s, exponent: publicKey.exponent)
        guard RSAArithmetic.equal(check, m, width: n.width) == 1 else { throw .badScalar }
        return s
    }

    /// An RSASSA-PSS signature (RFC 8017 §8.1.1) of a message whose `hash` is `digest`, with MGF1 over the same
    /// hash and the caller's random `salt` (TLS 1.3 uses `hash.digestLength` bytes: RFC 8446 §4.2.3).
    /// Returns `publicKey.modulusLength` bytes. `badLength` when the digest is not `hash.digestLength` bytes
    /// or the salt is too long for the modulus; `badScalar` when the signature fails its check by
    /// re-encryption (see `init`).
    public func signPSS(digest: Span<UInt8>, hash: HashAlgorithm, salt: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        guard digest.count == hash.digestLength else { throw .badLength }
        let emBits = publicKey.bitLength - 1
        let em = try RSAPSS.encode(digest: digest, salt: salt, hash: hash, emBits: emBits)
        guard let m = RSAArithmetic.load(bigEndian: em.span, width: publicKey.context.width) else { throw .badLength }
        let s = try sign(representative: m)
        return RSAArithmetic.store(s, length: publicKey.modulusLength)
    }
}
