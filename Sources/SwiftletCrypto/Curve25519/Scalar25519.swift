// SwiftletCrypto / Curve25519: integers modulo the prime group order
// L = 2^252 + 27742317777372353535851937790883648493 of Ed25519 (RFC 8032 §5.1).
//
// Invariant: a `Scalar25519` is fully reduced, 0 <= value < L, in four little-endian 64-bit limbs.
// Reduction is Barrett's (Handbook of Applied Cryptography, Algorithm 14.42, base b = 2^64, k = 4):
// for x < b^8, q = floor(floor(x / b^3) * mu / b^5) with mu = floor(b^8 / L) is at most two below
// floor(x / L), so x - q L < 3L and two masked conditional subtractions finish (Note 14.44).
//
// Constant time: reduction, multiply-add and the radix-16 recoding touch secret scalars (the signing key
// and the per-message nonce) and use fixed loops and masks only. `nonAdjacentForm` and
// `init(canonical:)` are used on public values only (signature S, hash k) and are marked variable time.

struct Scalar25519 {
    var limbs: InlineArray<4, UInt64>

    /// L, little-endian 64-bit limbs.
    static var order: InlineArray<4, UInt64> {
        [0x5812_631a_5cf5_d3ed, 0x14de_f9de_a2f7_9cd6, 0, 0x1000_0000_0000_0000]
    }
    /// mu = floor(2^512 / L), 260 bits.
    static var mu: InlineArray<5, UInt64> {
        [0xed9c_e5a3_0a2c_131b, 0x2106_215d_0863_29a7, 0xffff_ffff_ffff_ffeb, 0xffff_ffff_ffff_ffff, 0xf]
    }

    init(limbs: InlineArray<4, UInt64>) { self.limbs = limbs }

    /// A 64-byte little-endian integer reduced mod L (RFC 8032 §5.1.6 steps 2 and 4: SHA-512 outputs).
    /// `bytes` must have 64 elements.
    init(reducing64 bytes: Span<UInt8>) {
        var x = InlineArray<8, UInt64>(repeating: 0)
        for i in 0..<8 { x[i] = Scalar25519.word(bytes, 8 * i) }
        self = Scalar25519.reduce(x)
    }

    /// A 32-byte little-endian integer reduced mod L (an X25519 or Ed25519 clamped secret scalar).
    init(reducing32 bytes: Span<UInt8>) {
        var x = InlineArray<8, UInt64>(repeating: 0)
        for i in 0..<4 { x[i] = Scalar25519.word(bytes, 8 * i) }
        self = Scalar25519.reduce(x)
    }

    /// The 32-byte little-endian integer when it is below L, else nil (RFC 8032 §5.1.7 step 1: S must
    /// be in range 0 <= S < L, checked on the integer, not reduced). Works on public data; the comparison
    /// happens to be constant time anyway.
    init?(canonical bytes: Span<UInt8>) {
        var l = InlineArray<4, UInt64>(repeating: 0)
        for i in 0..<4 { l[i] = Scalar25519.word(bytes, 8 * i) }
        let (_, borrow) = Scalar25519.subtract(l, Scalar25519.order)
        guard borrow == 1 else { return nil }
        limbs = l
    }

    @inline(__always)
    static func word(_ bytes: Span<UInt8>, _ at: Int) -> UInt64 {
        var w: UInt64 = 0
        for i in 0..<8 { w |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return w
    }

    /// 32 little-endian bytes.
    var encoded: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { out[i] = UInt8(truncatingIfNeeded: limbs[i >> 3] >> (8 * UInt64(i & 7))) }
        return out
    }

    /// a - b over four limbs, and the borrow out (1 when a < b).
    @inline(__always)
    static func subtract(_ a: InlineArray<4, UInt64>, _ b: InlineArray<4, UInt64>) -> (InlineArray<4, UInt64>, UInt64) {
        var r = InlineArray<4, UInt64>(repeating: 0)
        var borrow: UInt64 = 0
        for i in 0..<4 { (r[i], borrow) = subtractWithBorrow(a[i], b[i], borrow) }
        return (r, borrow)
    }

    /// a - b - borrow and the borrow out (0 or 1), by arithmetic (no flag turned into a branch).
    @inline(__always)
    static func subtractWithBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
        let t = UInt128(a) &- UInt128(b) &- UInt128(borrow)
        return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t >> 127))
    }

    /// r - L when r >= L, else r; r < 2^256 (upper limb passed separately, must be 0 or small).
    @inline(__always)
    static func subtractOrderIfAbove(_ r: InlineArray<4, UInt64>, high: UInt64) -> (InlineArray<4, UInt64>, UInt64) {
        let (d, borrow) = subtract(r, order)
        // Keep the difference when no borrow came out of the 320-bit value (high - borrow >= 0).
        let (newHigh, under) = subtractWithBorrow(high, 0, borrow)
        let keep = ConstantTime.mask(1 ^ under)
        var out = InlineArray<4, UInt64>(repeating: 0)
        for i in 0..<4 { out[i] = (d[i] & keep) | (r[i] & ~keep) }
        return (out, (newHigh & keep) | (high & ~keep))
    }

    /// x mod L for x < 2^512 (Barrett, HAC 14.42). Constant time.
    static func reduce(_ x: InlineArray<8, UInt64>) -> Scalar25519 {
        // q1 = floor(x / 2^192): limbs 3...7.  q2 = q1 * mu (10 limbs).  q3 = floor(q2 / 2^320).
        var q2 = InlineArray<10, UInt64>(repeating: 0)
        let m = mu
        for i in 0..<5 {
            var carry: UInt64 = 0
            for j in 0..<5 {
                // (2^64-1)^2 + 2(2^64-1) = 2^128 - 1: the sum never overflows 128 bits.
                let t = UInt128(x[3 + i]) &* UInt128(m[j]) &+ UInt128(q2[i + j]) &+ UInt128(carry)
                q2[i + j] = UInt64(truncatingIfNeeded: t)
                carry = UInt64(truncatingIfNeeded: t >> 64)
            }
            q2[i + 5] = carry
        }
        // r2 = q3 * L mod 2^320 (five limbs), r = (x mod 2^320) - r2 mod 2^320.
        let order = Scalar25519.order
        var r2 = InlineArray<5, UInt64>(repeating: 0)
        for i in 0..<5 {
            var carry: UInt64 = 0
            for j in 0..<4 where i + j < 5 {
                let t = UInt128(q2[5 + i]) &* UInt128(order[j]) &+ UInt128(r2[i + j]) &+ UInt128(carry)
                r2[i + j] = UInt64(truncatingIfNeeded: t)
                carry = UInt64(truncatingIfNeeded: t >> 64)
            }
            if i == 0 { r2[4] = r2[4] &+ carry }  // i + 4 < 5 only for i = 0 (public loop index)
        }
        var r = InlineArray<4, UInt64>(repeating: 0)
        var borrow: UInt64 = 0
        for i in 0..<4 { (r[i], borrow) = subtractWithBorrow(x[i], r2[i], borrow) }
        var high = x[4] &- r2[4] &- borrow
        // r < 3L: at most two subtractions of L (HAC Note 14.44).
        (r, high) = subtractOrderIfAbove(r, high: high)
        (r, high) = subtractOrderIfAbove(r, high: high)
        return Scalar25519(limbs: r)
    }

    /// (a * b + c) mod L (RFC 8032 §5.1.6 step 6: S = r + k * s). Constant time.
    static func multiplyAdd(_ a: Scalar25519, _ b: Scalar25519, _ c: Scalar25519) -> Scalar25519 {
        var x = InlineArray<8, UInt64>(repeating: 0)
        for i in 0..<4 { x[i] = c.limbs[i] }
        // x = c + a * b: each row adds a[i] * b into x at offset i; the final carry of the last row
        // is absorbed because a * b + c < L^2 + L < 2^512.
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                let t = UInt128(a.limbs[i]) &* UInt128(b.limbs[j]) &+ UInt128(x[i + j]) &+ UInt128(carry)
                x[i + j] = UInt64(truncatingIfNeeded: t)
                carry = UInt64(truncatingIfNeeded: t >> 64)
            }
            // Propagate into the next limbs (fixed count, public indices).
            var k = i + 4
            while k < 8 {
                let t = UInt128(x[k]) &+ UInt128(carry)
                x[k] = UInt64(truncatingIfNeeded: t)
                carry = UInt64(truncatingIfNeeded: t >> 64)
                k += 1
            }
        }
        return reduce(x)
    }

    /// The 64 signed radix-16 digits e_i in [-8, 8) (e_63 in [0, 8]) with value = sum e_i 16^i, for the
    /// fixed-base table walk. Needs value < 2^255 (true: value < L < 2^253). Constant time.
    func radix16() -> InlineArray<64, Int8> {
        var e = InlineArray<64, Int8>(repeating: 0)
        for i in 0..<64 {
            e[i] = Int8(truncatingIfNeeded: (limbs[i >> 4] >> (4 * UInt64(i & 15))) & 15)
        }
        var carry: Int8 = 0
        for i in 0..<63 {
            e[i] &+= carry
            // carry = 1 when e_i >= 8 (arithmetic, no branch): e_i is in [0, 16].
            carry = (e[i] &+ 8) >> 4
            e[i] &-= carry << 4
        }
        e[63] &+= carry
        return e
    }

    /// The width-w non-adjacent form (w-NAF): 256 digits, each 0 or odd with |d| < 2^(w-1), at most one
    /// non-zero in any w consecutive digits, value = sum d_i 2^i. VARIABLE TIME: only for public scalars
    /// (the verification equation's S and k). Needs value < 2^255.
    func nonAdjacentForm(width w: Int) -> InlineArray<256, Int8> {
        var naf = InlineArray<256, Int8>(repeating: 0)
        let windowMask = (UInt64(1) << UInt64(w)) - 1
        let half = Int(1) << (w - 1)
        var position = 0
        var carry: UInt64 = 0
        while position < 256 {
            let bit = (limbs[position >> 6] >> UInt64(position & 63)) & 1
            if bit == carry {
                position += 1
                continue
            }
            // w bits starting at `position`, crossing a limb boundary when needed.
            let index = position >> 6, shift = UInt64(position & 63)
            var bits = limbs[index] >> shift
            if shift + UInt64(w) > 64 && index < 3 { bits |= limbs[index + 1] << (64 - shift) }
            let window = Int((bits & windowMask) + carry)
            if window >= half {
                naf[position] = Int8(window - 2 * half)
                carry = 1
            } else {
                naf[position] = Int8(window)
                carry = 0
            }
            position += w
        }
        return naf
    }
}
