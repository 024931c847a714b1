// SwiftletCrypto / RSA: the EMSA-PSS encoding (RFC 8017 §9.1) with MGF1 over the signature's hash.
//
//   M'  = 00 00 00 00 00 00 00 00 || mHash || salt          H = Hash(M')
//   DB  = PS (zeros) || 01 || salt                          maskedDB = DB xor MGF1(H, emLen - hLen - 1)
//   EM  = maskedDB || H || BC, the top 8·emLen - emBits bits of EM cleared (emBits = modBits - 1)
//
// Encoding handles the digest and the caller's salt, not the private key; its loops depend only on the public
// lengths. Verification handles public data and returns at the first mismatch.

enum RSAPSS {
    /// EMSA-PSS-ENCODE (§9.1.1) of `digest` with `salt`. `badLength` when emLen < hLen + sLen + 2 (step 3).
    static func encode(digest: Span<UInt8>, salt: Span<UInt8>, hash: HashAlgorithm, emBits: Int) throws(CryptoError) -> [UInt8] {
        let hLen = hash.digestLength
        let sLen = salt.count
        let emLen = (emBits + 7) / 8
        guard emLen >= hLen + sLen + 2 else { throw .badLength }
        // Steps 5-6: H = Hash(00^8 || mHash || salt).
        let zeros = [UInt8](repeating: 0, count: 8)
        let h = hash.hash(zeros.span, digest, salt)
        // Steps 7-10: DB = PS || 01 || salt, masked with MGF1(H).
        let dbLen = emLen - hLen - 1
        var em = [UInt8](repeating: 0, count: emLen)
        em[dbLen - sLen - 1] = 0x01
        for i in 0..<sLen { em[dbLen - sLen + i] = salt[i] }
        hash.xorMask(seed: h.span, into: &em, range: 0..<dbLen)
        // Step 11: clear the leftmost 8·emLen - emBits bits.
        em[0] &= UInt8(truncatingIfNeeded: 0xff >> (8 * emLen - emBits))
        // Step 12: EM = maskedDB || H || 0xbc.
        for i in 0..<hLen { em[dbLen + i] = h[i] }
        em[emLen - 1] = 0xbc
        return em
    }

    /// EMSA-PSS-VERIFY (§9.1.2): whether `encoded` (emLen bytes) is a PSS encoding of `digest` with a salt of
    /// `saltLength` bytes. Variable time: everything here is public.
    static func verify(encoded em: [UInt8], emBits: Int, digest: Span<UInt8>, hash: HashAlgorithm, saltLength sLen: Int) -> Bool {
        let hLen = hash.digestLength
        let emLen = em.count
        // Step 3.
        guard emLen >= hLen + sLen + 2 else { return false }
        // Step 4: the rightmost octet is 0xbc.
        guard em[emLen - 1] == 0xbc else { return false }
        // Step 5-6: maskedDB, H; the leftmost 8·emLen - emBits bits of maskedDB must be zero.
        let dbLen = emLen - hLen - 1
        let topMask = UInt8(truncatingIfNeeded: 0xff >> (8 * emLen - emBits))
        guard em[0] & ~topMask == 0 else { return false }
        let h = Array(em[dbLen..<(dbLen + hLen)])
        // Steps 7-9: DB = maskedDB xor MGF1(H), top bits cleared.
        var db = Array(em[0..<dbLen])
        hash.xorMask(seed: h.span, into: &db, range: 0..<dbLen)
        db[0] &= topMask
        // Step 10: PS is zeros, followed by 0x01.
        let psLen = emLen - hLen - sLen - 2
        for i in 0..<psLen where db[i] != 0 { return false }
        guard db[psLen] == 0x01 else { return false }
        // Steps 11-14: salt, M', H' = Hash(M') and H == H'.
        let zeros = [UInt8](repeating: 0, count: 8)
        let salt = Array(db[(dbLen - sLen)...])
        let hPrime = hash.hash(zeros.span, digest, salt.span)
        return ConstantTime.equal(h, hPrime)
    }
}
