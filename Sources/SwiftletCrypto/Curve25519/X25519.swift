// SwiftletCrypto / Curve25519: X25519 Diffie-Hellman (RFC 7748).
//
// The shared secret is the Montgomery ladder of RFC 7748 §5 over the peer's u-coordinate: 255 steps with
// a constant-time conditional swap (masks, no branch) chosen by each scalar bit, then one inversion by
// Fermat's little theorem. The public key is the same function of the base point u = 9, computed faster
// as [k]B on the birationally equivalent Edwards curve with the precomputed table (EdwardsBaseTable.swift)
// and mapped to u = (1 + y) / (1 - y) (RFC 7748 §4.1); both give the same bytes (tested).
//
// Secrets: the private scalar (after clamping) and the shared secret. Everything touching them is constant
// time; the only data-dependent branch is the final all-zero check of §6.1, which depends on the output the
// caller would learn anyway (and refuses it).

/// X25519 key agreement (RFC 7748): 32-byte private keys, 32-byte public keys and shared secrets.
public enum X25519 {
    /// Bytes in a private key, a public key and a shared secret.
    public static let keyLength = 32

    /// The public key (u-coordinate of [k]9) for a 32-byte private key.
    /// - Throws: `CryptoError.badLength` unless `privateKey` has 32 bytes.
    public static func publicKey(privateKey: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        guard privateKey.count == keyLength else { throw .badLength }
        var k = clamped(privateKey)
        defer { ConstantTime.wipe(&k) }
        // [k]B on Edwards25519, k reduced mod L (B has order L, so the point is the same).
        let scalar = Scalar25519(reducing32: k.span)
        let point = EdwardsPoint.multiplyBase(scalar)
        // u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y). Z - Y is never 0: the clamped k is never a multiple
        // of L (L is odd and k is 8 * m with 2^254 <= k < 2^255 < 8L), so the point is not the identity.
        let u = (point.z + point.y) * (point.z - point.y).inverted()
        return u.encoded
    }

    /// The shared secret X25519(privateKey, peerPublicKey) (RFC 7748 §5, §6.1).
    /// - Throws: `CryptoError.badLength` unless both inputs have 32 bytes;
    ///   `CryptoError.weakSharedSecret` when the result is all zeros (the peer sent a point of small
    ///   order; RFC 7748 §6.1 lets a protocol refuse it, and this API always does).
    public static func sharedSecret(privateKey: Span<UInt8>, peerPublicKey: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        guard privateKey.count == keyLength, peerPublicKey.count == keyLength else { throw .badLength }
        var k = clamped(privateKey)
        defer { ConstantTime.wipe(&k) }
        var secret = ladder(scalar: k, u: Field25519(bytes: peerPublicKey))
        // §6.1: check for the all-zero value in constant time over the bytes.
        var any: UInt8 = 0
        for b in secret { any |= b }
        if ConstantTime.isZero(UInt64(any)) == 1 {
            ConstantTime.wipe(&secret)
            throw .weakSharedSecret
        }
        return secret
    }

    /// decodeScalar25519 (RFC 7748 §5): clear the three low bits, clear bit 255, set bit 254.
    static func clamped(_ key: Span<UInt8>) -> [UInt8] {
        var k = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { k[i] = key[i] }
        k[0] &= 248
        k[31] &= 127
        k[31] |= 64
        return k
    }

    /// The Montgomery ladder of RFC 7748 §5 on a clamped 32-byte scalar. `u` is the decoded peer point
    /// (the top bit already ignored by `Field25519(bytes:)`; non-canonical values act as their residue,
    /// as §5 requires). Constant time: the loop count is fixed and every swap is a masked exchange.
    static func ladder(scalar k: [UInt8], u: Field25519) -> [UInt8] {
        let x1 = u
        var x2 = Field25519.one, z2 = Field25519.zero
        var x3 = u, z3 = Field25519.one
        var swap: UInt64 = 0
        var t = 254
        while t >= 0 {
            let bit = UInt64((k[t >> 3] >> UInt8(t & 7)) & 1)
            swap ^= bit
            Field25519.conditionalSwap(&x2, &x3, swap)
            Field25519.conditionalSwap(&z2, &z3, swap)
            swap = bit
            // Bounds: a, c are loose (sum of reduced); everything else is reduced.
            let a = x2 + z2
            let aa = a.squared()
            let b = x2 - z2
            let bb = b.squared()
            let e = aa - bb
            let c = x3 + z3
            let d = x3 - z3
            let da = d * a
            let cb = c * b
            x3 = (da + cb).squared()
            z3 = x1 * (da - cb).squared()
            x2 = aa * bb
            // a24 = (486662 - 2) / 4 = 121665; z2 = E * (AA + a24 * E).
            z2 = e * (aa + e.mulSmall(121665))
            t -= 1
        }
        Field25519.conditionalSwap(&x2, &x3, swap)
        Field25519.conditionalSwap(&z2, &z3, swap)
        return (x2 * z2.inverted()).encoded
    }
}
