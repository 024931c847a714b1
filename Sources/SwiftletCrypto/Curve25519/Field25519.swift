// SwiftletCrypto / Curve25519: arithmetic in GF(p), p = 2^255 - 19, shared by X25519 (RFC 7748) and
// Ed25519 (RFC 8032). Every function here is constant time: no branch and no memory index depends on
// the value of an element.
//
// Representation: five unsigned 64-bit limbs in radix 2^51, value = l0 + l1*2^51 + l2*2^102 + l3*2^153
// + l4*2^204 (mod p). A value is not kept fully reduced; its limbs obey one of two bounds:
//   * "reduced": every limb < 2^51 + 2^18. The output of `*`, `squared`, `-`, `mulSmall`, `carried`
//     and every constant. (Only l1 after a multiplication, and l0 after `carried`, reach past 2^51.)
//   * "loose": every limb < 2^53. The output of `+` on two reduced values.
// `*`, `squared` and `mulSmall` accept loose (or reduced) inputs, in fact anything below 2^54: the five
// 128-bit column sums stay below 77 * 2^108 < 2^115, and the 19-multiplied limbs stay below 2^59.
// `-` accepts loose inputs (it adds 4p, whose limbs exceed 2^53, before subtracting) and carries.
// `+` is applied to two reduced values, giving a loose one, with one exception: G = D + C = (Z + Z) + C in
// a mixed point addition (EdwardsPoint.swift), below 2^53.6, which only ever meets multiplications. No
// other sum of sums is formed. Only `fullyReduced` / `encoded` produce the canonical value in [0, p).
//
// Products use UInt128 with wrapping operators, which compile to one `mul` per limb product.

/// An element of GF(2^255 - 19) in five 51-bit limbs. See the bounds in the file comment.
struct Field25519 {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64
    var l4: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
    }

    static let mask51: UInt64 = (1 << 51) - 1
    static var zero: Field25519 { Field25519(0, 0, 0, 0, 0) }
    static var one: Field25519 { Field25519(1, 0, 0, 0, 0) }

    /// The Edwards curve constant d = -121665/121666 (RFC 8032 §5.1).
    static var d: Field25519 {
        Field25519(0x34dca135978a3, 0x1a8283b156ebd, 0x5e7a26001c029, 0x739c663a03cbb, 0x52036cee2b6ff)
    }
    /// 2d, used by the extended-coordinate addition formulas.
    static var d2: Field25519 {
        Field25519(0x69b9426b2f159, 0x35050762add7a, 0x3cf44c0038052, 0x6738cc7407977, 0x2406d9dc56dff)
    }
    /// sqrt(-1) = 2^((p-1)/4) mod p (RFC 8032 §5.1.3 step 3).
    static var sqrtMinusOne: Field25519 {
        Field25519(0x61b274a0ea0b0, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d)
    }

    // MARK: Bytes

    /// The element whose value is the 255 low bits of 32 little-endian bytes (bit 255 is ignored; the
    /// caller reads it as a sign bit or masks it, RFC 7748 §5). Values in [p, 2^255) are accepted and
    /// behave as their residue; `isCanonical` tells the caller whether the bytes were below p.
    /// `bytes` must have at least 32 elements (callers check lengths first).
    init(bytes: Span<UInt8>) {
        @inline(__always) func word(_ at: Int) -> UInt64 {
            var w: UInt64 = 0
            for i in 0..<8 { w |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            return w
        }
        let w0 = word(0), w1 = word(8), w2 = word(16), w3 = word(24)
        let m = Field25519.mask51
        self.init(w0 & m,
                  (w0 >> 51 | w1 << 13) & m,
                  (w1 >> 38 | w2 << 26) & m,
                  (w2 >> 25 | w3 << 39) & m,
                  (w3 >> 12) & m)
    }

    /// 1 when the 255 low bits of `bytes` (little endian) are below p, else 0. Constant time.
    static func isCanonical(_ bytes: Span<UInt8>) -> UInt64 {
        // p = 0x7fff...ffed: the value is >= p exactly when bytes 1...30 are 0xff, byte 31 (bit 255
        // masked) is 0x7f and byte 0 is >= 0xed.
        var allOnes: UInt64 = 0xff
        for i in 1..<31 { allOnes &= UInt64(bytes[i]) }
        let top = UInt64(bytes[31] & 0x7f)
        let tooBig = ConstantTime.isZero(allOnes ^ 0xff) & ConstantTime.isZero(top ^ 0x7f)
            & (1 ^ ConstantTime.lessThan(UInt64(bytes[0]), 0xed))
        return 1 ^ tooBig
    }

    /// The canonical 32-byte little-endian encoding of the value (RFC 7748 §5, RFC 8032 §5.1.2).
    var encoded: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let f = fullyReduced()
        let w0 = f.l0 | f.l1 << 51
        let w1 = f.l1 >> 13 | f.l2 << 38
        let w2 = f.l2 >> 26 | f.l3 << 25
        let w3 = f.l3 >> 39 | f.l4 << 12
        for i in 0..<8 {
            let shift = 8 * UInt64(i)
            out[i] = UInt8(truncatingIfNeeded: w0 >> shift)
            out[8 + i] = UInt8(truncatingIfNeeded: w1 >> shift)
            out[16 + i] = UInt8(truncatingIfNeeded: w2 >> shift)
            out[24 + i] = UInt8(truncatingIfNeeded: w3 >> shift)
        }
        return out
    }

    /// The value in [0, p) with every limb < 2^51.
    func fullyReduced() -> Field25519 {
        // From reduced limbs, the first pass leaves l1...l4 < 2^51 and l0 < 2^51 + 19; the second leaves
        // every limb < 2^51, so the value is below 2^255 < 2p and one conditional subtraction of p ends it.
        var f = carried().carried()
        // q = 1 exactly when f >= p, i.e. when f + 19 reaches 2^255.
        var q = (f.l0 &+ 19) >> 51
        q = (f.l1 &+ q) >> 51
        q = (f.l2 &+ q) >> 51
        q = (f.l3 &+ q) >> 51
        q = (f.l4 &+ q) >> 51
        // Subtract q*p: add 19q and drop bit 255.
        let m = Field25519.mask51
        f.l0 &+= 19 &* q
        f.l1 &+= f.l0 >> 51; f.l0 &= m
        f.l2 &+= f.l1 >> 51; f.l1 &= m
        f.l3 &+= f.l2 >> 51; f.l2 &= m
        f.l4 &+= f.l3 >> 51; f.l3 &= m
        f.l4 &= m
        return f
    }

    /// One carry pass: limbs below 2^64 in, l1...l4 < 2^51 and l0 < 2^51 + 19 * 2^13 out (reduced).
    @inline(__always)
    func carried() -> Field25519 {
        let m = Field25519.mask51
        var f = self
        f.l1 &+= f.l0 >> 51; f.l0 &= m
        f.l2 &+= f.l1 >> 51; f.l1 &= m
        f.l3 &+= f.l2 >> 51; f.l2 &= m
        f.l4 &+= f.l3 >> 51; f.l3 &= m
        f.l0 &+= 19 &* (f.l4 >> 51); f.l4 &= m
        return f
    }

    // MARK: Predicates (constant time; 0 or 1)

    /// 1 when the value is 0 mod p.
    var isZero: UInt64 {
        let f = fullyReduced()
        return ConstantTime.isZero(f.l0 | f.l1 | f.l2 | f.l3 | f.l4)
    }

    /// The low bit of the canonical value: the "sign" of x in RFC 8032 §5.1.2.
    var isNegative: UInt64 { fullyReduced().l0 & 1 }

    /// 1 when `self` and `other` are the same element.
    func equals(_ other: Field25519) -> UInt64 { (self - other).isZero }

    // MARK: Ring operations

    @inline(__always)
    static func + (a: Field25519, b: Field25519) -> Field25519 {
        Field25519(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4)
    }

    /// a - b, carried. Adds 4p (limbs 2^53 - 76 and 2^53 - 4, above any loose limb) first.
    @inline(__always)
    static func - (a: Field25519, b: Field25519) -> Field25519 {
        Field25519((a.l0 &+ 0x1f_ffff_ffff_ffb4) &- b.l0,
                     (a.l1 &+ 0x1f_ffff_ffff_fffc) &- b.l1,
                     (a.l2 &+ 0x1f_ffff_ffff_fffc) &- b.l2,
                     (a.l3 &+ 0x1f_ffff_ffff_fffc) &- b.l3,
                     (a.l4 &+ 0x1f_ffff_ffff_fffc) &- b.l4).carried()
    }

    static prefix func - (a: Field25519) -> Field25519 { Field25519.zero - a }

    /// Carries five 128-bit column sums into a reduced element. Each column is < 2^115.
    @inline(__always)
    static func carry(_ c0: UInt128, _ c1: UInt128, _ c2: UInt128, _ c3: UInt128, _ c4: UInt128) -> Field25519 {
        let m = UInt128(Field25519.mask51)
        var c1 = c1, c2 = c2, c3 = c3, c4 = c4
        c1 &+= c0 >> 51
        c2 &+= c1 >> 51
        c3 &+= c2 >> 51
        c4 &+= c3 >> 51
        // 2^255 = 19 (mod p): the part of c4 above 51 bits wraps to the bottom, times 19. It is < 2^65,
        // so the product is computed in 128 bits.
        let low0 = (c0 & m) &+ (c4 >> 51) &* 19
        let r0 = UInt64(truncatingIfNeeded: low0 & m)
        let r1 = UInt64(truncatingIfNeeded: c1 & m) &+ UInt64(truncatingIfNeeded: low0 >> 51)
        return Field25519(r0, r1, UInt64(truncatingIfNeeded: c2 & m),
                            UInt64(truncatingIfNeeded: c3 & m), UInt64(truncatingIfNeeded: c4 & m))
    }

    static func * (a: Field25519, b: Field25519) -> Field25519 {
        @inline(__always) func m(_ x: UInt64, _ y: UInt64) -> UInt128 { UInt128(x) &* UInt128(y) }
        // Limb i*j with i + j >= 5 lands at 2^(51(i+j)) = 2^255 * 2^(51(i+j-5)) = 19 * ..., so those
        // products take b's limb times 19.
        let b1 = b.l1 &* 19, b2 = b.l2 &* 19, b3 = b.l3 &* 19, b4 = b.l4 &* 19
        let c0 = m(a.l0, b.l0) &+ m(a.l1, b4) &+ m(a.l2, b3) &+ m(a.l3, b2) &+ m(a.l4, b1)
        let c1 = m(a.l0, b.l1) &+ m(a.l1, b.l0) &+ m(a.l2, b4) &+ m(a.l3, b3) &+ m(a.l4, b2)
        let c2 = m(a.l0, b.l2) &+ m(a.l1, b.l1) &+ m(a.l2, b.l0) &+ m(a.l3, b4) &+ m(a.l4, b3)
        let c3 = m(a.l0, b.l3) &+ m(a.l1, b.l2) &+ m(a.l2, b.l1) &+ m(a.l3, b.l0) &+ m(a.l4, b4)
        let c4 = m(a.l0, b.l4) &+ m(a.l1, b.l3) &+ m(a.l2, b.l2) &+ m(a.l3, b.l1) &+ m(a.l4, b.l0)
        return carry(c0, c1, c2, c3, c4)
    }

    func squared() -> Field25519 {
        @inline(__always) func m(_ x: UInt64, _ y: UInt64) -> UInt128 { UInt128(x) &* UInt128(y) }
        let d0 = l0 &* 2, d1 = l1 &* 2, d3 = l3 &* 2
        let l3x19 = l3 &* 19, l4x19 = l4 &* 19
        let c0 = m(l0, l0) &+ m(d1, l4x19) &+ m(l2 &* 2, l3x19)
        let c1 = m(d0, l1) &+ m(l2 &* 2, l4x19) &+ m(l3, l3x19)
        let c2 = m(d0, l2) &+ m(l1, l1) &+ m(d3, l4x19)
        let c3 = m(d0, l3) &+ m(d1, l2) &+ m(l4, l4x19)
        let c4 = m(d0, l4) &+ m(d1, l3) &+ m(l2, l2)
        return Field25519.carry(c0, c1, c2, c3, c4)
    }

    /// self^(2^n), n >= 1.
    func squared(times n: Int) -> Field25519 {
        var f = squared()
        for _ in 1..<n { f = f.squared() }
        return f
    }

    /// self * c for a small constant c < 2^17 (121666 in the X25519 ladder).
    func mulSmall(_ c: UInt64) -> Field25519 {
        let k = UInt128(c)
        return Field25519.carry(UInt128(l0) &* k, UInt128(l1) &* k, UInt128(l2) &* k,
                                  UInt128(l3) &* k, UInt128(l4) &* k)
    }

    // MARK: Exponentiation

    /// (self^(2^250 - 1), self^11), the common prefix of inversion and square root.
    private func pow2250MinusOne() -> (Field25519, Field25519) {
        let z2 = squared()                              // z^2
        let z9 = z2.squared(times: 2) * self            // z^9
        let z11 = z9 * z2                               // z^11
        let z2_5 = z11.squared() * z9                   // z^(2^5 - 1) = z^31
        let z2_10 = z2_5.squared(times: 5) * z2_5       // z^(2^10 - 1)
        let z2_20 = z2_10.squared(times: 10) * z2_10    // z^(2^20 - 1)
        let z2_40 = z2_20.squared(times: 20) * z2_20    // z^(2^40 - 1)
        let z2_50 = z2_40.squared(times: 10) * z2_10    // z^(2^50 - 1)
        let z2_100 = z2_50.squared(times: 50) * z2_50   // z^(2^100 - 1)
        let z2_200 = z2_100.squared(times: 100) * z2_100 // z^(2^200 - 1)
        let z2_250 = z2_200.squared(times: 50) * z2_50  // z^(2^250 - 1)
        return (z2_250, z11)
    }

    /// self^(p - 2) = 1/self by Fermat's little theorem; 0 maps to 0 (RFC 7748 §5). Constant time.
    func inverted() -> Field25519 {
        let (t, z11) = pow2250MinusOne()
        return t.squared(times: 5) * z11                // z^(2^255 - 32 + 11) = z^(p - 2)
    }

    /// self^((p - 5) / 8) = self^(2^252 - 3), for the square root in RFC 8032 §5.1.3.
    func powP58() -> Field25519 {
        let (t, _) = pow2250MinusOne()
        return t.squared(times: 2) * self               // z^(2^252 - 4 + 1)
    }

    /// A square root of u/v (RFC 8032 §5.1.3 step 3): x = u v^3 (u v^7)^((p-5)/8), then x or x*sqrt(-1).
    /// Returns the root (either sign) and 1 when u/v is a square, else (garbage, 0). Constant time.
    static func sqrtRatio(_ u: Field25519, _ v: Field25519) -> (Field25519, UInt64) {
        let v3 = v.squared() * v
        let v7 = v3.squared() * v
        var x = u * v3 * (u * v7).powP58()
        let check = v * x.squared()
        let isRoot = check.equals(u)
        let isMinusRoot = check.equals(-u)
        x.select(x * Field25519.sqrtMinusOne, when: isMinusRoot)
        return (x, isRoot | isMinusRoot)
    }

    // MARK: Constant-time selection

    /// Replaces self with `other` when `bit` is 1; keeps it when 0.
    @inline(__always)
    mutating func select(_ other: Field25519, when bit: UInt64) {
        let m = ConstantTime.opaqueMask(bit)
        l0 ^= m & (l0 ^ other.l0)
        l1 ^= m & (l1 ^ other.l1)
        l2 ^= m & (l2 ^ other.l2)
        l3 ^= m & (l3 ^ other.l3)
        l4 ^= m & (l4 ^ other.l4)
    }

    /// Swaps a and b when `bit` is 1 (RFC 7748 §5 cswap), with masks, never a branch.
    @inline(__always)
    static func conditionalSwap(_ a: inout Field25519, _ b: inout Field25519, _ bit: UInt64) {
        let m = ConstantTime.opaqueMask(bit)
        var t = m & (a.l0 ^ b.l0); a.l0 ^= t; b.l0 ^= t
        t = m & (a.l1 ^ b.l1); a.l1 ^= t; b.l1 ^= t
        t = m & (a.l2 ^ b.l2); a.l2 ^= t; b.l2 ^= t
        t = m & (a.l3 ^ b.l3); a.l3 ^= t; b.l3 ^= t
        t = m & (a.l4 ^ b.l4); a.l4 ^= t; b.l4 ^= t
    }
}
