// SwiftletCrypto / NISTCurves: scalar multiplication.
//
// Scalars are plain integers k with 0 ≤ k < n (N limbs). Three methods:
//   - `generatorMultiple(_:)`: k·G in constant time, for signing and key generation. With the curve's
//     window width w (6 for P-256, 4 for P-384), k is recoded into W = ⌈(64N + 2)/w⌉ signed digits
//     d_i ∈ [−2^(w−1), 2^(w−1)) with k = Σ d_i·2^(wi) (W is large enough that the top digit never carries
//     out), and k·G = Σ d_i·(2^(wi)·G). `GeneratorTable` holds j·2^(wi)·G for j = 1…2^(w−1) in affine form,
//     so there are no doublings, only W mixed additions (P-256: 43). Each lookup reads every entry of its
//     window and keeps one with a mask; the sign is applied by a masked negation of y; a zero digit keeps
//     the accumulator by a masked select. The digit loop, table reads and additions are identical for
//     every k, and every mask is XOR-ed with `ConstantTime.barrier` so the compiler cannot turn a masked
//     select back into a branch (see ConstantTime.barrier).
//   - `variableBaseMultiple(_:_:)`: k·P in constant time for ECDH: signed 4-bit digits, from the top,
//     4 doublings per digit and a masked lookup in a table of 1·P … 8·P.
//   - `JacobianPoint.verificationCombination(_:_:_:)`: u1·G + u2·Q in VARIABLE time (Jacobian
//     coordinates), for ECDSA verification only, where u1, u2 and Q are all public (they are computed
//     from the message, the signature and the public key). u2·Q uses a width-5 NAF (Hankerson, Menezes,
//     Vanstone, "Guide to Elliptic Curve Cryptography", Algorithm 3.36) over the odd multiples
//     Q, 3Q, …, 15Q; u1·G adds the generator table's entries picked by index.

/// Signed digits of width `width` for an N-limb scalar: how many (see the file header).
@inline(__always)
func signedDigitCount(limbs: Int, width: Int) -> Int { (64 * limbs + 2 + width - 1) / width }

/// j·2^(wi)·G for 0 ≤ i < W and 1 ≤ j ≤ 2^(w−1), affine, entry i·2^(w−1) + (j − 1). Built once per curve
/// on first use (P-256, w = 6: 43 windows of 32, 88 KB; P-384, w = 4: 97 windows of 8, 74 KB) from G by
/// additions, with one batched inversion per window.
struct GeneratorTable<C: PrimeCurve>: Sendable {
    /// Window width w in bits.
    static var width: Int { C.generatorWindowBits }
    /// Entries per window, 2^(w−1).
    static var perWindow: Int { 1 << (width - 1) }
    /// Number of signed digits of a scalar (windows).
    static var windows: Int { signedDigitCount(limbs: C.Field.Limbs.limbCount, width: width) }

    let entries: [AffinePoint<C>]

    init() {
        typealias F = Residue<C.Field>
        let count = Self.perWindow
        var entries = [AffinePoint<C>]()
        entries.reserveCapacity(Self.windows * count)
        var multiples = [ProjectivePoint<C>](repeating: .identity, count: count)
        var prefix = [F](repeating: .one, count: count)
        var base = ProjectivePoint<C>.generator  // 2^(wi)·G
        for _ in 0..<Self.windows {
            multiples[0] = base
            for j in 1..<count { multiples[j] = multiples[j - 1] + base }
            // Batch inversion of the Z coordinates (none is zero: every multiple is below n).
            prefix[0] = multiples[0].z
            for j in 1..<count { prefix[j] = prefix[j - 1] * multiples[j].z }
            var inverse = prefix[count - 1].inverse()
            let start = entries.count
            for j in stride(from: count - 1, through: 0, by: -1) {
                let zInverse = j > 0 ? inverse * prefix[j - 1] : inverse
                if j > 0 { inverse = inverse * multiples[j].z }
                entries.append(AffinePoint(x: multiples[j].x * zInverse, y: multiples[j].y * zInverse))
            }
            entries[start...].reverse()
            base = multiples[count - 1].doubled()
        }
        self.entries = entries
    }
}

/// Signed recoding of width `width` (≤ 8), one digit at a time from the least significant end
/// (constant time: the bit positions read depend only on the digit index).
struct SignedDigits<Limbs: LimbArray> {
    let scalar: Limbs
    let width: Int
    var carry: UInt64 = 0

    init(_ scalar: Limbs, width: Int) {
        self.scalar = scalar
        self.width = width
    }

    /// Digit `i` (call with i = 0, 1, 2, … in order) as (magnitude 0…2^(w−1), sign bit 1 for negative).
    @inline(__always)
    mutating func next(_ i: Int) -> (magnitude: UInt64, negative: UInt64) {
        let w = UInt64(width)
        let v = scalar.bits(at: i * width, count: width) &+ carry  // 0 … 2^w
        carry = (v &+ (1 << (w - 1))) >> w  // 1 when v ≥ 2^(w−1)
        let digit = v &- (carry << w)  // v or v − 2^w, two's complement, in [−2^(w−1), 2^(w−1))
        let negative = digit >> 63
        let magnitude = (digit ^ (0 &- negative)) &+ negative
        return (magnitude, negative)
    }
}

extension ProjectivePoint {
    /// k·G, constant time. `k` is an integer below n (a private key or a nonce).
    static func generatorMultiple(_ k: C.Field.Limbs) -> Self {
        let table = C.generatorTable.entries
        let barrier = ConstantTime.barrier  // zero; keeps the masks below from becoming branches
        let perWindow = GeneratorTable<C>.perWindow
        var digits = SignedDigits(k, width: GeneratorTable<C>.width)
        var accumulator = Self.identity
        for i in 0..<GeneratorTable<C>.windows {
            let (magnitude, negative) = digits.next(i)
            let first = i * perWindow
            var entry = table[first]
            for j in 1..<perWindow {
                let hit = ConstantTime.mask(ConstantTime.isZero(magnitude ^ UInt64(j + 1))) ^ barrier
                entry = .select(mask: hit, table[first + j], entry)
            }
            entry.y = .select(mask: ConstantTime.mask(negative) ^ barrier, -entry.y, entry.y)
            let sum = accumulator + entry
            accumulator = .select(mask: ConstantTime.mask(ConstantTime.isZero(magnitude)) ^ barrier, accumulator, sum)
        }
        return accumulator
    }

    /// k·P, constant time in k (k below n; P any point, typically a validated peer key).
    static func variableBaseMultiple(_ k: C.Field.Limbs, _ p: Self) -> Self {
        let windows = signedDigitCount(limbs: C.Field.Limbs.limbCount, width: 4)  // at most 97
        var table = InlineArray<8, Self>(repeating: p)
        table[1] = p.doubled()
        for j in 2..<8 { table[j] = table[j - 1] + p }
        // Recode first (digits depend on carries from below), then run from the top.
        var magnitudes = InlineArray<97, UInt64>(repeating: 0)
        var signs = InlineArray<97, UInt64>(repeating: 0)
        var digits = SignedDigits(k, width: 4)
        for i in 0..<windows { (magnitudes[i], signs[i]) = digits.next(i) }
        let barrier = ConstantTime.barrier  // zero; keeps the masks below from becoming branches
        var accumulator = Self.identity
        for i in stride(from: windows - 1, through: 0, by: -1) {
            accumulator = accumulator.doubled().doubled().doubled().doubled()
            let magnitude = magnitudes[i]
            var entry = table[0]
            for j in 1..<8 {
                let hit = ConstantTime.mask(ConstantTime.isZero(magnitude ^ UInt64(j + 1))) ^ barrier
                entry = .select(mask: hit, table[j], entry)
            }
            entry.y = .select(mask: ConstantTime.mask(signs[i]) ^ barrier, -entry.y, entry.y)
            let sum = accumulator + entry
            accumulator = .select(mask: ConstantTime.mask(ConstantTime.isZero(magnitude)) ^ barrier, accumulator, sum)
        }
        for i in 0..<97 { magnitudes[i] = 0; signs[i] = 0 }
        return accumulator
    }
}

extension JacobianPoint {
    /// u1·G + u2·Q in VARIABLE time. Only for ECDSA verification, where every input is public.
    static func verificationCombination(_ u1: C.Field.Limbs, _ u2: C.Field.Limbs, _ q: AffinePoint<C>) -> Self {
        typealias Limbs = C.Field.Limbs
        let bits = Limbs.limbCount * 64
        // Width-5 NAF of u2: digits odd in [−15, 15] or zero, each nonzero digit followed by ≥ 4 zeros.
        var naf = InlineArray<385, Int8>(repeating: 0)
        func window(_ i: Int) -> UInt64 {  // bits i … i+4 of u2, zero beyond the top
            var w: UInt64 = 0
            for k in 0..<5 where i + k < bits { w |= u2.bit(i + k) << UInt64(k) }
            return w
        }
        var carry: UInt64 = 0
        var i = 0
        var top = -1
        while i <= bits {
            let b = (i < bits ? u2.bit(i) : 0) + carry
            if b & 1 == 0 {
                carry = b >> 1
                i += 1
                continue
            }
            let v = window(i) + carry  // odd, at most 31
            if v >= 16 {
                naf[i] = Int8(Int(v) - 32)
                carry = 1
            } else {
                naf[i] = Int8(v)
                carry = 0
            }
            top = i
            i += 5
        }
        // Odd multiples Q, 3Q, …, 15Q.
        var odd = InlineArray<8, Self>(repeating: Self(q))
        let twice = Self(q).doubled()
        for j in 1..<8 { odd[j] = odd[j - 1] + twice }
        var accumulator = Self.identity
        if top >= 0 {
            for i in stride(from: top, through: 0, by: -1) {
                accumulator = accumulator.doubled()
                let d = Int(naf[i])
                if d > 0 {
                    accumulator = accumulator + odd[d >> 1]
                } else if d < 0 {
                    accumulator = accumulator + odd[(-d) >> 1].negated
                }
            }
        }
        // + u1·G from the generator table, entries picked directly by the (public) digits.
        let table = C.generatorTable.entries
        var digits = SignedDigits(u1, width: GeneratorTable<C>.width)
        for i in 0..<GeneratorTable<C>.windows {
            let (magnitude, negative) = digits.next(i)
            if magnitude == 0 { continue }
            var entry = table[i * GeneratorTable<C>.perWindow + Int(magnitude) - 1]
            if negative == 1 { entry.y = -entry.y }
            accumulator = accumulator + entry
        }
        return accumulator
    }
}
