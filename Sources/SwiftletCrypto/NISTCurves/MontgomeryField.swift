// SwiftletCrypto / NISTCurves: arithmetic modulo an odd prime in Montgomery form, shared by the base
// fields and the group orders of P-256 and P-384.
//
// A `Residue<M>` holds a·R mod m where R = 2^(64N) and N = M.Limbs.limbCount. Invariant (limb bound):
// every Residue is fully reduced, 0 ≤ limbs < m, so equal values have equal limbs. All operations take
// and return fully reduced values:
//   - `+` / `-`: one N-limb add or subtract and one masked correction by m.
//   - `*`: Montgomery multiplication, word-by-word "CIOS" form (Koç, Acar, Kaliski, "Analyzing and
//     Comparing Montgomery Multiplication Algorithms", IEEE Micro 1996, §4; Menezes et al., Handbook of
//     Applied Cryptography, Algorithm 14.36). With a, b < m < R the running value t stays below 2m, so it
//     fits in N limbs plus one carry bit, and one masked subtraction of m finishes the reduction.
//   - `inverse()`: Fermat, a^(m−2), with a fixed 4-bit window over the public exponent.
// Everything is constant time: fixed loop counts, no branch or index on the values (the inversion's
// exponent m−2 is public, so its table index is too).

/// The constants of one odd modulus m < R = 2^(64N).
protocol MontgomeryModulus {
    associatedtype Limbs: LimbArray
    /// m.
    static var modulus: Limbs { get }
    /// −m⁻¹ mod 2^64.
    static var montgomeryFactor: UInt64 { get }
    /// R² mod m (converts an integer into Montgomery form).
    static var rSquared: Limbs { get }
    /// R mod m (one in Montgomery form).
    static var rModM: Limbs { get }
}

/// An element of Z/mZ in Montgomery form, fully reduced.
struct Residue<M: MontgomeryModulus>: BitwiseCopyable, Sendable {
    /// a·R mod m, 0 ≤ limbs < m.
    var limbs: M.Limbs

    @inline(__always)
    init(montgomery limbs: M.Limbs) { self.limbs = limbs }

    static var zero: Self { Self(montgomery: .zero) }
    static var one: Self { Self(montgomery: M.rModM) }

    /// The residue of the integer `value` (any N-limb value, reduced modulo m here).
    @inline(__always)
    init(integer value: M.Limbs) {
        // value < R and R² mod m < m, so the Montgomery product is value·R mod m, fully reduced.
        self = Self(montgomery: value) * Self(montgomery: M.rSquared)
    }

    /// The integer a in [0, m).
    @inline(__always)
    var integer: M.Limbs {
        var one = M.Limbs.zero
        one[limb: 0] = 1
        return (self * Self(montgomery: one)).limbs
    }

    /// Decodes a big-endian integer of exactly 8·N bytes and says whether it was below m (1) or not (0).
    /// Constant time; the result is only meaningful when the flag is 1.
    static func decode(_ bytes: Span<UInt8>) -> (value: Self, inRange: UInt64) {
        let value = M.Limbs.fromBigEndian(bytes)
        let inRange = value.lessThanBit(M.modulus)
        return (Self(integer: value), inRange)
    }

    /// The 8·N-byte big-endian encoding of the integer.
    func encoded() -> [UInt8] { integer.bigEndianBytes() }

    static func + (a: Self, b: Self) -> Self {
        let (sum, carry) = a.limbs.adding(b.limbs)
        let (reduced, borrow) = sum.subtracting(M.modulus)
        // Keep the unreduced sum only when it had no carry and was below m.
        return Self(montgomery: M.Limbs.select(borrow & (1 ^ carry), sum, reduced))
    }

    static func - (a: Self, b: Self) -> Self {
        let (difference, borrow) = a.limbs.subtracting(b.limbs)
        // On a borrow add m back (the carry out of that addition is the wrap-around and is dropped).
        let mask = ConstantTime.mask(borrow)
        var correction = M.modulus
        for i in 0..<M.Limbs.limbCount { correction[limb: i] &= mask }
        return Self(montgomery: difference.adding(correction).0)
    }

    @inline(__always)
    prefix static func - (a: Self) -> Self { zero - a }

    @inline(__always)
    static func += (a: inout Self, b: Self) { a = a + b }
    @inline(__always)
    static func -= (a: inout Self, b: Self) { a = a - b }
    @inline(__always)
    static func *= (a: inout Self, b: Self) { a = a * b }

    /// Montgomery product a·b·R⁻¹ mod m (CIOS; see the file header for the bound).
    static func * (a: Self, b: Self) -> Self {
        let n = M.Limbs.limbCount
        let m = M.modulus
        var t = M.Limbs.zero
        var top: UInt64 = 0  // limb N of t
        for i in 0..<n {
            // t += a · b[i]
            let bi = b.limbs[limb: i]
            var carry: UInt64 = 0
            for j in 0..<n {
                (carry, t[limb: j]) = multiplyAdd(a.limbs[limb: j], bi, t[limb: j], carry)
            }
            let (top1, overflow) = addCarry(top, carry, 0)
            // t += q·m with q chosen so the low limb becomes zero, then t /= 2^64.
            let q = t[limb: 0] &* M.montgomeryFactor
            var (c, _) = multiplyAdd(q, m[limb: 0], t[limb: 0], 0)
            for j in 1..<n {
                (c, t[limb: j - 1]) = multiplyAdd(q, m[limb: j], t[limb: j], c)
            }
            let (limb, carry2) = addCarry(top1, c, 0)
            t[limb: n - 1] = limb
            top = overflow &+ carry2  // t < 2m < 2R, so this is 0 or 1
        }
        let (reduced, borrow) = t.subtracting(m)
        // t − m is negative exactly when the subtraction borrowed and there is no top bit.
        return Self(montgomery: M.Limbs.select(borrow & (1 ^ top), t, reduced))
    }

    /// a²·R⁻¹ mod m, as a multiplication by itself: the carry chains, not the multiplications, bound the
    /// time, so a dedicated squaring (cross products once and doubled) is no faster.
    @inline(__always)
    func squared() -> Self { self * self }

    /// `self` squared `count` times.
    @inline(__always)
    func squared(times count: Int) -> Self {
        var x = self
        for _ in 0..<count { x = x.squared() }
        return x
    }

    /// `a` when `bit` is 1, `b` when it is 0 (constant time).
    @inline(__always)
    static func select(_ bit: UInt64, _ a: Self, _ b: Self) -> Self {
        Self(montgomery: M.Limbs.select(bit, a.limbs, b.limbs))
    }

    /// `a` where `mask` is all ones, `b` where it is zero (constant time).
    @inline(__always)
    static func select(mask: UInt64, _ a: Self, _ b: Self) -> Self {
        Self(montgomery: M.Limbs.select(mask: mask, a.limbs, b.limbs))
    }

    /// 1 when the value is zero, else 0 (constant time).
    @inline(__always)
    var isZeroBit: UInt64 { limbs.isZeroBit }

    /// 1 when the values are equal, else 0 (constant time).
    @inline(__always)
    func equalBit(_ other: Self) -> UInt64 {
        var acc: UInt64 = 0
        for i in 0..<M.Limbs.limbCount { acc |= limbs[limb: i] ^ other.limbs[limb: i] }
        return ConstantTime.isZero(acc)
    }

    /// a⁻¹ = a^(m−2) mod m (Fermat's little theorem; m is prime). Zero maps to zero. Constant time: the
    /// exponent is public, so the window values that index the table are too.
    func inverse() -> Self {
        var table = InlineArray<16, Self>(repeating: .one)
        table[1] = self
        for i in 2..<16 { table[i] = table[i - 1] * self }
        var exponent = M.modulus
        exponent[limb: 0] &-= 2  // m is odd and its low limb is above 2 for every modulus here
        var result = Self.one
        for i in stride(from: M.Limbs.limbCount * 16 - 1, through: 0, by: -1) {
            result = result.squared(times: 4)
            result = result * table[Int(exponent.nibble(i))]
        }
        return result
    }
}
