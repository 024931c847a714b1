// SwiftletCrypto/Cipher: GHASH, GCM's universal hash over GF(2^128) (NIST SP 800-38D §6.3, §6.4),
// with a constant-time carry-less multiply.
//
// Representation: a 128-bit block is two UInt64 read big-endian (hi = bytes 0..7, lo = bytes 8..15).
// SP 800-38D numbers bits from the left and makes the leftmost bit the coefficient of x^0, so in
// (hi, lo) the coefficient of x^i sits at integer bit 127 - i: the polynomial is bit-reflected. The
// product of two reflected 128-bit values is the reflected 255-bit product; one left shift aligns it
// to 256 bits, and reduction by x^128 + x^7 + x^2 + x + 1 in that reflected form is a few shifts
// (x^(128+j) = x^(j+7) + x^(j+2) + x^(j+1) + x^j; the bits pushed past x^127 by the shifts are folded
// back first, see `multiply`).
//
// Constant time: the 64x64 carry-less products use ordinary integer multiplies on operands with
// "holes": each operand is split into five parts holding every fifth bit (bit positions ≡ i mod 5).
// In the integer product of two such parts, every bit of the result class (i + j mod 5) is the sum of
// at most 13 one-bit products (< 2^5), so its carries stay in the four bits above it and never reach
// the next bit of the same class, five positions up; XORing the five products of a class and masking
// the class keeps exactly the carry-less bits.
// No table, no branch, no index depends on H or on the data. (multipliedFullWidth is one MUL on
// x86-64 and arm64, constant time on the cores this targets.)

/// What GCM needs from GHASH: a hash key, blocks in, the 128-bit result out. The portable `GHash`
/// conforms; a PCLMULQDQ/PMULL version can conform too and replace it without touching GCM.
protocol GHashEngine {
    /// A fresh GHASH state (Y_0 = 0) under the hash key H = E_K(0^128), given as big-endian halves.
    init(hashKey hi: UInt64, _ lo: UInt64)
    /// Absorbs `bytes` as 16-byte blocks, the last one zero-padded (§7.1 step 5: A || 0^v, C || 0^u).
    mutating func absorbPadded(_ bytes: Span<UInt8>)
    /// Absorbs the final block [len(A)]_64 || [len(C)]_64 (lengths in bytes here, bits in the block).
    mutating func absorbLengths(aad: Int, text: Int)
    /// The current Y as big-endian halves.
    var digest: (hi: UInt64, lo: UInt64) { get }
}

/// GHASH in portable Swift (§6.4): Y_i = (Y_(i-1) ^ X_i) · H.
struct GHash: GHashEngine {
    private let hHi: UInt64, hLo: UInt64
    private var yHi: UInt64 = 0, yLo: UInt64 = 0

    init(hashKey hi: UInt64, _ lo: UInt64) { hHi = hi; hLo = lo }

    var digest: (hi: UInt64, lo: UInt64) { (yHi, yLo) }

    @inline(__always)
    private mutating func absorb(_ hi: UInt64, _ lo: UInt64) {
        (yHi, yLo) = GHash.multiply(yHi ^ hi, yLo ^ lo, hHi, hLo)
    }

    mutating func absorbPadded(_ bytes: Span<UInt8>) {
        let count = bytes.count
        var o = 0
        while count - o >= 16 {
            absorb(CipherBytes.loadBE64(bytes, o), CipherBytes.loadBE64(bytes, o + 8))
            o += 16
        }
        if o < count {
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0..<(count - o) {
                // The position i is public; the byte goes to bits 63 - 8i.. of hi, then of lo.
                let b = UInt64(bytes[o + i])
                if i < 8 { hi |= b << (56 - 8 * UInt64(i)) } else { lo |= b << (56 - 8 * UInt64(i - 8)) }
            }
            absorb(hi, lo)
        }
    }

    mutating func absorbLengths(aad: Int, text: Int) {
        absorb(UInt64(aad) &* 8, UInt64(text) &* 8)
    }

    /// Carry-less 64x64 -> 128-bit product, constant time (integer multiplies with holes, see the top).
    @inline(__always)
    static func clmul64(_ x: UInt64, _ y: UInt64) -> (high: UInt64, low: UInt64) {
        let m0: UInt64 = 0x1084_2108_4210_8421   // bits 0, 5, 10, ..., 60
        let m1 = m0 << 1, m2 = m0 << 2, m3 = m0 << 3, m4 = m0 << 4
        let x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3, x4 = x & m4
        let y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3, y4 = y & m4
        @inline(__always) func mul(_ a: UInt64, _ b: UInt64) -> (UInt64, UInt64) {
            let p = a.multipliedFullWidth(by: b)
            return (p.high, p.low)
        }
        @inline(__always) func sum(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64), _ c: (UInt64, UInt64),
                                   _ d: (UInt64, UInt64), _ e: (UInt64, UInt64)) -> (UInt64, UInt64) {
            (a.0 ^ b.0 ^ c.0 ^ d.0 ^ e.0, a.1 ^ b.1 ^ c.1 ^ d.1 ^ e.1)
        }
        // z_k: the five products whose bits land in class k = (i + j) mod 5.
        let z0 = sum(mul(x0, y0), mul(x1, y4), mul(x2, y3), mul(x3, y2), mul(x4, y1))
        let z1 = sum(mul(x0, y1), mul(x1, y0), mul(x2, y4), mul(x3, y3), mul(x4, y2))
        let z2 = sum(mul(x0, y2), mul(x1, y1), mul(x2, y0), mul(x3, y4), mul(x4, y3))
        let z3 = sum(mul(x0, y3), mul(x1, y2), mul(x2, y1), mul(x3, y0), mul(x4, y4))
        let z4 = sum(mul(x0, y4), mul(x1, y3), mul(x2, y2), mul(x3, y1), mul(x4, y0))
        let low = (z0.1 & m0) | (z1.1 & m1) | (z2.1 & m2) | (z3.1 & m3) | (z4.1 & m4)
        // In the high word, bit q is bit 64 + q of the product, of class (q + 4) mod 5.
        let high = (z0.0 & m1) | (z1.0 & m2) | (z2.0 & m3) | (z3.0 & m4) | (z4.0 & m0)
        return (high, low)
    }

    /// a · b in GF(2^128) with GCM's bit order (§6.3), constant time.
    @inline(__always)
    static func multiply(_ a1: UInt64, _ a0: UInt64, _ b1: UInt64, _ b0: UInt64) -> (UInt64, UInt64) {
        // Karatsuba: three 64x64 products.
        let lo = clmul64(a0, b0)
        let hi = clmul64(a1, b1)
        let mid = clmul64(a0 ^ a1, b0 ^ b1)
        let m1 = mid.high ^ lo.high ^ hi.high
        let m0 = mid.low ^ lo.low ^ hi.low
        // The 255-bit reflected product [x3:x2:x1:x0], shifted left once to 256 bits.
        var x3 = hi.high, x2 = hi.low ^ m1, x1 = lo.high ^ m0, x0 = lo.low
        x3 = x3 << 1 | x2 >> 63
        x2 = x2 << 1 | x1 >> 63
        x1 = x1 << 1 | x0 >> 63
        x0 <<= 1
        // [x1:x0] holds x^128..x^255 (x^(128+j) at bit 127 - j). Fold it into [x3:x2] as
        // [x1:x0] ^ [x1:x0]>>1 ^ >>2 ^ >>7; the bits those shifts push out of x0 (terms x^128..x^134)
        // are folded into x1 first, giving d.
        let d = x1 ^ (x0 << 63) ^ (x0 << 62) ^ (x0 << 57)
        let rHi = x3 ^ d ^ (d >> 1) ^ (d >> 2) ^ (d >> 7)
        let rLo = x2 ^ x0 ^ (x0 >> 1 | d << 63) ^ (x0 >> 2 | d << 62) ^ (x0 >> 7 | d << 57)
        return (rHi, rLo)
    }
}
