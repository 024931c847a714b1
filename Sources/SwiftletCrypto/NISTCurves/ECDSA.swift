// SwiftletCrypto / NISTCurves: ECDSA (FIPS 186-4 §6.4, SEC 1 v2 §4.1) with deterministic nonces
// (RFC 6979 §3.2), generic over the curve and specialised for P-256 and P-384.
//
// Signatures are raw r ‖ s, each a big-endian integer of the curve's byte length (no DER here).
// Digests of any length are turned into integers by bits2int (RFC 6979 §2.3.2; FIPS 186-4 §6.4: the
// leftmost min(N, outlen) bits, where N = 256 or 384 is the bit length of n, byte-aligned for both curves).
//
// Constant time: signing (nonce generation, k·G, k⁻¹, s) and the private-key checks use only masked
// arithmetic. Two data-dependent branches remain and leak nothing useful: the RFC 6979 loop retries a
// candidate k outside [1, n−1] (probability below 2^−32 for these curves; the rejected value is thrown
// away), and signing retries when r or s is zero (probability about 2^−256; r and s are public anyway).
// Verification runs in variable time on public data only.

/// The curve-generic core that P256PrivateKey, P384PrivateKey, P256 and P384 wrap.
enum ECDSA<C: PrimeCurve> {
    typealias Limbs = C.Field.Limbs
    typealias Scalar = Residue<C.Order>

    /// bits2int (RFC 6979 §2.3.2): the leftmost 8·byteCount bits of `bytes` as an integer (shorter
    /// input is taken whole). The result may be ≥ n; callers reduce it.
    static func bits2int(_ bytes: Span<UInt8>) -> Limbs {
        let size = C.byteCount
        return Limbs.fromBigEndian(bytes.count > size ? bytes.extracting(0..<size) : bytes)
    }

    /// `x` mod n for x < 2n (constant time).
    static func reducedOnce(_ x: Limbs) -> Limbs {
        let (difference, borrow) = x.subtracting(C.Order.modulus)
        return Limbs.select(borrow, x, difference)
    }

    /// 1 when 1 ≤ x ≤ n − 1, else 0 (constant time).
    static func isValidScalarBit(_ x: Limbs) -> UInt64 {
        x.lessThanBit(C.Order.modulus) & (1 ^ x.isZeroBit)
    }

    /// A private key from its big-endian encoding (SEC 1 §2.3.7), in [1, n − 1].
    /// - Throws: `.badLength` unless it has exactly byteCount bytes; `.badScalar` when it is 0 or ≥ n.
    static func privateScalar(_ bytes: Span<UInt8>) throws(CryptoError) -> Limbs {
        guard bytes.count == C.byteCount else { throw .badLength }
        let d = Limbs.fromBigEndian(bytes)
        guard isValidScalarBit(d) == 1 else { throw .badScalar }
        return d
    }

    /// The public key d·G as 0x04 ‖ X ‖ Y (constant time in d).
    static func publicKey(_ d: Limbs) -> [UInt8] {
        ProjectivePoint<C>.generatorMultiple(d).affine().uncompressed()
    }

    /// The signature r ‖ s of `digest` under private key `d` (1 ≤ d < n), nonce from RFC 6979 §3.2.
    static func sign(digest: Span<UInt8>, privateKey d: Limbs) -> [UInt8] {
        let e = Scalar(integer: bits2int(digest))  // Scalar(integer:) reduces mod n
        let dScalar = Scalar(integer: d)
        var nonces = DeterministicNonces<C>(privateKey: d, digest: digest)
        while true {
            let k = nonces.next()
            let point = ProjectivePoint<C>.generatorMultiple(k).affine()
            // r = x mod n: x < p < 2n for both curves, and Scalar(integer:) reduces it.
            let r = Scalar(integer: point.x.integer)
            let s = Scalar(integer: k).inverse() * (e + r * dScalar)
            if r.isZeroBit == 1 || s.isZeroBit == 1 { continue }  // SEC 1 §4.1.3 steps 3 and 6
            var out = r.integer.bigEndianBytes()
            s.integer.appendBigEndian(to: &out)
            return out
        }
    }

    /// Checks `signature` (r ‖ s) over `digest` against `publicKey` (SEC 1 §4.1.4). Variable time: every
    /// input is public.
    /// - Throws: `.badLength` for a signature that is not 2·byteCount bytes or a public key of the wrong
    ///   length; `.badScalar` when r or s is 0 or ≥ n; `.badPoint` for a public key that is not a valid
    ///   uncompressed point; `.authenticationFailure` when the signature does not verify.
    static func verify(signature: Span<UInt8>, digest: Span<UInt8>, publicKey: Span<UInt8>) throws(CryptoError) {
        let size = C.byteCount
        guard signature.count == 2 * size else { throw .badLength }
        let r = Limbs.fromBigEndian(signature.extracting(0..<size))
        let s = Limbs.fromBigEndian(signature.extracting(size..<(2 * size)))
        guard isValidScalarBit(r) == 1, isValidScalarBit(s) == 1 else { throw .badScalar }
        let q = try AffinePoint<C>(uncompressed: publicKey)
        let e = Scalar(integer: bits2int(digest))
        let w = Scalar(integer: s).inverse()
        let u1 = (e * w).integer
        let u2 = (Scalar(integer: r) * w).integer
        let point = JacobianPoint<C>.verificationCombination(u1, u2, q)
        guard !point.isIdentity else { throw .authenticationFailure }
        // x(R) mod n == r without inverting Z: x = X/Z² is r or r + n (the latter only when r + n < p).
        typealias F = Residue<C.Field>
        let zz = point.z.squared()
        if point.x.equalBit(F(integer: r) * zz) == 1 { return }
        let (rPlusN, carry) = r.adding(C.Order.modulus)
        if carry == 0, rPlusN.lessThanBit(C.Field.modulus) == 1,
           point.x.equalBit(F(integer: rPlusN) * zz) == 1 {
            return
        }
        throw .authenticationFailure
    }

    /// The x-coordinate of d·Q for a peer's uncompressed public key Q (SEC 1 §3.3.1, the ECDH primitive;
    /// TLS 1.3 uses it as the shared secret, RFC 8446 §7.4.2). Constant time in d.
    /// - Throws: `.badLength` / `.badPoint` for a peer key that does not decode to a point on the curve.
    static func sharedSecret(privateKey d: Limbs, peerPublicKey: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        let q = try AffinePoint<C>(uncompressed: peerPublicKey)
        let product = ProjectivePoint<C>.variableBaseMultiple(d, ProjectivePoint(q))
        // Cannot be the identity: Q has prime order n and 1 ≤ d < n. Kept as a guard all the same.
        guard product.isIdentityBit == 0 else { throw .badPoint }
        return product.affine().x.encoded()
    }
}

/// The nonce generator of RFC 6979 §3.2 (HMAC_DRBG with the curve's hash), steps b–h. The hash's output
/// length equals the order's byte length for both curves here (SHA-256 for P-256, SHA-384 for P-384), so
/// each candidate is one HMAC output. `mac` is HMAC keyed with the current K (keyed once per new K and
/// copied for each message under it).
struct DeterministicNonces<C: PrimeCurve> {
    private var mac: HMAC<C.Hash>
    private var v: [UInt8]
    private var first = true

    init(privateKey d: C.Field.Limbs, digest: Span<UInt8>) {
        let hashLength = C.Hash.digestLength
        // §3.2 steps b, c.
        v = [UInt8](repeating: 0x01, count: hashLength)
        var k = [UInt8](repeating: 0x00, count: hashLength)
        mac = HMAC<C.Hash>(key: k.span)
        // int2octets(x) and bits2octets(h1) = int2octets(bits2int(h1) mod q) (§2.3.3, §2.3.4).
        var x = d.bigEndianBytes()
        var h = ECDSA<C>.reducedOnce(ECDSA<C>.bits2int(digest)).bigEndianBytes()
        // Steps d–g: K = HMAC_K(V ‖ sep ‖ x ‖ h1'), V = HMAC_K(V), for sep = 0x00 then 0x01.
        for separator: UInt8 in [0x00, 0x01] {
            var m = mac
            m.update(v.span)
            m.update([separator])
            m.update(x.span)
            m.update(h.span)
            k = m.finalize()
            mac = HMAC<C.Hash>(key: k.span)
            v = code(v)
        }
        ConstantTime.wipe(&k)
        ConstantTime.wipe(&x)
        ConstantTime.wipe(&h)
    }

    /// HMAC_K(message) under the current K.
    private func code(_ message: [UInt8]) -> [UInt8] {
        var m = mac
        m.update(message.span)
        return m.finalize()
    }

    /// The next candidate k in [1, n − 1] (step h).
    mutating func next() -> C.Field.Limbs {
        while true {
            if !first {
                // Step h.3: the previous candidate was used up (or rejected): K = HMAC_K(V ‖ 0x00),
                // V = HMAC_K(V).
                var k = code(v + [0x00])
                mac = HMAC<C.Hash>(key: k.span)
                ConstantTime.wipe(&k)
                v = code(v)
            }
            first = false
            // Step h.2: T = V = HMAC_K(V) (hlen = qlen), k = bits2int(T).
            v = code(v)
            let candidate = ECDSA<C>.bits2int(v.span)
            if ECDSA<C>.isValidScalarBit(candidate) == 1 { return candidate }
        }
    }
}
