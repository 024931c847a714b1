// SwiftletCrypto / RSA: Montgomery arithmetic modulo an odd m (the RSA modulus n, or a prime p or q for CRT).
//
// R = 2^(64·width), where `width` (public) is the number of limbs used; m < R (the top limbs may be zero, as
// when p and q share the width of the larger). Invariants: every value passed to or returned by
// `multiply`, `reduce` and the exponentiations is fully reduced (< m) and zero above `width`.
// Montgomery multiplication is the CIOS method (Koç, Acar, Kaliski, "Analyzing and Comparing Montgomery
// Multiplication Algorithms", IEEE Micro 1996, §4) with its two inner loops fused into one pass (their FIOS,
// §5), wide products by `multipliedFullWidth`, and a constant-time final subtraction. The secret
// exponentiation is left-to-right 2^4-ary (HAC Algorithm 14.82) with every window multiplied in, leading zero
// windows included, and a table lookup that reads every entry through masks.
// Values are `RSALimbs` passed by value; the loops read them through `span`/`mutableSpan`, because indexing an
// InlineArray parameter directly makes the optimiser copy all 512 bytes per element read.
//
// Timing: `multiply`, `reduce`, `double` and `powSecret` are constant time in the values (loop counts depend on
// `width` only). `powPublic` branches on the bits of its exponent: it is only called with the public exponent e.
// `init` computes R mod m by doubling 2^(bitLength(m)-1), so its running time depends on the bit length of m,
// which is public for n and for p and q is half of it.

struct RSAMontgomery {
    /// The modulus, zero above `width`.
    let modulus: RSALimbs
    /// Limbs in use, 1...32 for primes, 32...64 for moduli.
    let width: Int
    /// -m^-1 mod 2^64.
    let inverse: UInt64
    /// R mod m: 1 in Montgomery form.
    private(set) var one: RSALimbs
    /// R^2 mod m: converts into Montgomery form.
    private(set) var rSquared: RSALimbs

    /// `modulus` must be odd and greater than 1, with at most `width` limbs (checked by the callers).
    init(modulus: RSALimbs, width: Int) {
        self.modulus = modulus
        self.width = width
        // Newton's iteration for the inverse modulo 2^64: m·m ≡ 1 (mod 8) for odd m, and each step doubles
        // the number of correct low bits (3 → 6 → 12 → 24 → 48 → 96).
        let m0 = modulus[0]
        var x = m0
        for _ in 0..<5 { x = x &* (2 &- m0 &* x) }
        inverse = 0 &- x
        one = RSAArithmetic.zero
        rSquared = RSAArithmetic.zero

        // R mod m: 2^(bits-1) < m (m is odd and above 1, so not a power of two), doubled up to 2^(64·width).
        let bits = RSAArithmetic.bitLength(modulus)
        var r = RSAArithmetic.zero
        r[(bits - 1) >> 6] = 1 << UInt64((bits - 1) & 63)
        for _ in 0..<(64 * width - bits + 1) { r = double(r) }
        one = r
        // R^2 mod m: double R a further `width` times to get 2^width in Montgomery form (2^width·R), then
        // square six times in Montgomery form: (2^width)^64 = 2^(64·width) = R, in Montgomery form R·R.
        for _ in 0..<width { r = double(r) }
        for _ in 0..<6 { r = multiply(r, r) }
        rSquared = r
    }

    /// `2a mod m` for `a < m`.
    @inline(__always)
    func double(_ a: RSALimbs) -> RSALimbs {
        let (twice, carry) = RSAArithmetic.add(a, a, width: width)
        return subtractModulusIfNeeded(twice, carry: carry)
    }

    /// `t + carry·R` reduced below m, given that it is below 2m: subtract m unless that borrows (and the
    /// carry does not cover the borrow). Constant time.
    @inline(__always)
    func subtractModulusIfNeeded(_ t: RSALimbs, carry: UInt64) -> RSALimbs {
        let (d, borrow) = RSAArithmetic.subtract(t, modulus, width: width)
        // t + carry·R ≥ m exactly when the carry is set or the subtraction does not borrow.
        let useDifference = carry | (borrow ^ 1)
        return RSAArithmetic.select(useDifference, d, t, width: width)
    }

    /// Montgomery product `a·b·R^-1 mod m`. `a, b < m`.
    /// CIOS with its two inner loops fused (Koç et al. §4 and §5 "FIOS"): for each limb b[i], the quotient
    /// digit u is found from the low limb first, then one pass adds a·b[i] and u·m with two carry chains and
    /// shifts down one limb. The running value stays below 2m, so t[s] ≤ 1 (Koç et al. §2).
    func multiply(_ a: RSALimbs, _ b: RSALimbs) -> RSALimbs {
        let s = width
        var t = RSAArithmetic.zero
        var tS: UInt64 = 0  // t[s]
        // Spans, so that element reads do not copy the inline storage.
        let a = a.span, b = b.span, m = modulus.span
        var tSpan = t.mutableSpan
        let a0 = a[0], m0 = m[0]
        for i in 0..<s {
            let bi = b[i]
            // Limb 0: t[0] + a[0]·b[i], then u with (t[0] + a[0]·b[i] + u·m[0]) ≡ 0 mod 2^64.
            let p0 = RSAArithmetic.multiplyAdd(a0, bi, tSpan[0], 0)
            let u = RSAArithmetic.low(p0) &* inverse
            let q0 = RSAArithmetic.multiplyAdd(u, m0, RSAArithmetic.low(p0), 0)
            var carryA = RSAArithmetic.high(p0)
            var carryM = RSAArithmetic.high(q0)
            for j in 1..<s {
                let p = RSAArithmetic.multiplyAdd(a[j], bi, tSpan[j], carryA)
                carryA = RSAArithmetic.high(p)
                let q = RSAArithmetic.multiplyAdd(u, m[j], RSAArithmetic.low(p), carryM)
                carryM = RSAArithmetic.high(q)
                tSpan[j - 1] = RSAArithmetic.low(q)
            }
            let top = UInt128(tS) &+ UInt128(carryA) &+ UInt128(carryM)
            tSpan[s - 1] = RSAArithmetic.low(top)
            tS = RSAArithmetic.high(top)
        }
        _ = consume tSpan
        // t + tS·R < 2m.
        return subtractModulusIfNeeded(t, carry: tS)
    }

    /// Montgomery reduction `T·R^-1 mod m` of a value of up to 2·width limbs (2·width ≤ 64) below m·R.
    func reduce(_ wide: RSALimbs) -> RSALimbs {
        let s = width
        var wide = wide
        var t = wide.mutableSpan
        let m = modulus.span
        var top: UInt64 = 0
        for i in 0..<s {
            let u = t[i] &* inverse
            var carry: UInt64 = 0
            for j in 0..<s {
                let p = RSAArithmetic.multiplyAdd(u, m[j], t[i + j], carry)
                t[i + j] = RSAArithmetic.low(p)
                carry = RSAArithmetic.high(p)
            }
            let sum = UInt128(t[i + s]) &+ UInt128(carry) &+ UInt128(top)
            t[i + s] = RSAArithmetic.low(sum)
            top = RSAArithmetic.high(sum)
        }
        var r = RSAArithmetic.zero
        var out = r.mutableSpan
        for j in 0..<s { out[j] = t[s + j] }
        _ = consume out
        return subtractModulusIfNeeded(r, carry: top)
    }

    /// `x mod m` for any `x` of up to 2·width limbs with `x < m·R` (e.g. a CRT input c < n = p·q with q < R).
    func reduceFully(_ x: RSALimbs) -> RSALimbs {
        multiply(reduce(x), rSquared)  // x·R^-1 · R^2 · R^-1 = x
    }

    /// `a·b mod m` for `a, b < m`, in ordinary (not Montgomery) form.
    func multiplyModular(_ a: RSALimbs, _ b: RSALimbs) -> RSALimbs {
        multiply(multiply(a, b), rSquared)  // a·b·R^-1 · R^2 · R^-1 = a·b
    }

    /// `base^e mod m` for `base < m` and `e ≥ 1`, by left-to-right square-and-multiply on the bits of e.
    /// Variable time in e: only for the public exponent (65537 costs 16 squarings and 1 multiplication).
    func powPublic(_ base: RSALimbs, exponent e: UInt64) -> RSALimbs {
        let b = multiply(base, rSquared)
        var acc = b
        var bit = 63 - e.leadingZeroBitCount
        while bit > 0 {
            bit -= 1
            acc = multiply(acc, acc)
            if (e >> UInt64(bit)) & 1 == 1 { acc = multiply(acc, b) }
        }
        var unit = RSAArithmetic.zero
        unit[0] = 1
        return multiply(acc, unit)
    }

    /// `base^d mod m` for `base < m` and a secret `d` of at most `width` limbs. Fixed 4-bit windows over all
    /// 64·width bits of d: 16·width windows of 4 squarings and 1 multiplication each, whatever d is. The table
    /// entry for each window is gathered by reading all 16 entries under masks, so neither branches nor
    /// memory addresses depend on d.
    func powSecret(_ base: RSALimbs, exponent d: RSALimbs) -> RSALimbs {
        let s = width
        // table[i] = base^i in Montgomery form, entry i at i·s ..< (i+1)·s. One allocation per operation.
        var table = [UInt64](repeating: 0, count: 16 * s)
        let b = multiply(base, rSquared)
        var entry = one
        for i in 0..<16 {
            do {
                let e = entry.span
                for j in 0..<s { table[i * s + j] = e[j] }
            }
            entry = multiply(entry, b)
        }
        let dLimbs = d.span
        var acc = one
        var window = 16 * s
        while window > 0 {
            window -= 1
            for _ in 0..<4 { acc = multiply(acc, acc) }
            let index = (dLimbs[window >> 4] >> UInt64((window & 15) << 2)) & 15
            var chosen = RSAArithmetic.zero
            var out = chosen.mutableSpan
            for i in 0..<16 {
                let mask = ConstantTime.opaqueMask(ConstantTime.isZero(UInt64(i) ^ index))
                for j in 0..<s { out[j] |= table[i * s + j] & mask }
            }
            _ = consume out
            acc = multiply(acc, chosen)
        }
        for i in table.indices { table[i] = 0 }
        var unit = RSAArithmetic.zero
        unit[0] = 1
        return multiply(acc, unit)
    }
}
