// SwiftletCrypto / RSA: fixed-capacity big integers for RSA (RFC 8017 §4: I2OSP and OS2IP).
//
// A value is an `RSALimbs`: 64 little-endian 64-bit limbs (4096 bits) held inline, so arithmetic on it never
// allocates. Every routine here takes the number of limbs it works on (`width`) as a public parameter; limbs at
// and above `width` are ignored on input and left zero on output. Loop counts depend only on `width`, never on
// the values, and carries and borrows travel through `UInt128` arithmetic (no branch on a carry), so all of
// these are constant time in the values they handle.

/// Up to 4096 bits as 64 little-endian 64-bit limbs.
typealias RSALimbs = InlineArray<64, UInt64>

/// Limbs an `RSALimbs` holds.
let rsaLimbCapacity = 64

enum RSAArithmetic {
    /// Zero.
    @inline(__always)
    static var zero: RSALimbs { RSALimbs(repeating: 0) }

    /// The low and high halves of a 128-bit value.
    @inline(__always)
    static func low(_ x: UInt128) -> UInt64 { UInt64(truncatingIfNeeded: x) }
    @inline(__always)
    static func high(_ x: UInt128) -> UInt64 { UInt64(truncatingIfNeeded: x >> 64) }

    /// `a·b + c + d`, which never exceeds 2^128 - 1.
    @inline(__always)
    static func multiplyAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> UInt128 {
        let (h, l) = a.multipliedFullWidth(by: b)
        return (UInt128(h) << 64 | UInt128(l)) &+ UInt128(c) &+ UInt128(d)
    }

    /// OS2IP (RFC 8017 §4.2): the big-endian `bytes` as limbs. `nil` when the value needs more than `width`
    /// limbs. Leading zero bytes are allowed; whether the excess bytes are zero is found by looking at all of
    /// them (constant time in their contents, variable in the public length).
    static func load(bigEndian bytes: Span<UInt8>, width: Int) -> RSALimbs? {
        var x = zero
        var excess: UInt8 = 0
        let count = bytes.count
        for i in 0..<count {
            // Byte i counted from the least significant end.
            let position = count - 1 - i
            let limb = position >> 3
            if limb < width {
                x[limb] |= UInt64(bytes[i]) << UInt64((position & 7) << 3)
            } else {
                excess |= bytes[i]
            }
        }
        return excess == 0 ? x : nil  // the excess is zero for every well-formed key: only its length is public
    }

    /// I2OSP (RFC 8017 §4.1): `x` as exactly `length` big-endian bytes; `x` must be below 256^length.
    static func store(_ x: RSALimbs, length: Int) -> [UInt8] {
        let x = x.span
        var out = [UInt8](repeating: 0, count: length)
        for position in 0..<min(length, rsaLimbCapacity * 8) {
            out[length - 1 - position] = UInt8(truncatingIfNeeded: x[position >> 3] >> UInt64((position & 7) << 3))
        }
        return out
    }

    /// Number of limbs up to the most significant non-zero one (0 for zero). Variable time: public values only.
    static func usedLimbs(_ x: RSALimbs) -> Int {
        let x = x.span
        var n = rsaLimbCapacity
        while n > 0 {
            if x[n - 1] != 0 { break }
            n -= 1
        }
        return n
    }

    /// Bit length of `x` (0 for zero). Variable time: public values (or the public sizes of the primes) only.
    static func bitLength(_ x: RSALimbs) -> Int {
        let n = usedLimbs(x)
        guard n > 0 else { return 0 }
        return 64 * n - x[n - 1].leadingZeroBitCount
    }

    /// `a - b` over `width` limbs and the borrow out (1 when a < b).
    @inline(__always)
    static func subtract(_ a: RSALimbs, _ b: RSALimbs, width: Int) -> (RSALimbs, UInt64) {
        var r = zero
        var borrow: UInt64 = 0
        let a = a.span, b = b.span
        var out = r.mutableSpan
        for j in 0..<width {
            let d = UInt128(a[j]) &- UInt128(b[j]) &- UInt128(borrow)
            out[j] = low(d)
            borrow = high(d) & 1
        }
        _ = consume out
        return (r, borrow)
    }

    /// `a + b` over `width` limbs and the carry out.
    @inline(__always)
    static func add(_ a: RSALimbs, _ b: RSALimbs, width: Int) -> (RSALimbs, UInt64) {
        var r = zero
        var carry: UInt64 = 0
        let a = a.span, b = b.span
        var out = r.mutableSpan
        for j in 0..<width {
            let s = UInt128(a[j]) &+ UInt128(b[j]) &+ UInt128(carry)
            out[j] = low(s)
            carry = high(s)
        }
        _ = consume out
        return (r, carry)
    }

    /// `a` when `bit` is 1, `b` when it is 0, over `width` limbs, without a branch.
    @inline(__always)
    static func select(_ bit: UInt64, _ a: RSALimbs, _ b: RSALimbs, width: Int) -> RSALimbs {
        let mask = ConstantTime.mask(bit)
        var r = zero
        let a = a.span, b = b.span
        var out = r.mutableSpan
        for j in 0..<width { out[j] = b[j] ^ (mask & (a[j] ^ b[j])) }
        _ = consume out
        return r
    }

    /// 1 when `a < b` over `width` limbs, else 0 (the borrow of a - b).
    static func lessThan(_ a: RSALimbs, _ b: RSALimbs, width: Int) -> UInt64 {
        subtract(a, b, width: width).1
    }

    /// 1 when `a == b` over `width` limbs, else 0.
    static func equal(_ a: RSALimbs, _ b: RSALimbs, width: Int) -> UInt64 {
        var difference: UInt64 = 0
        let a = a.span, b = b.span
        for j in 0..<width { difference |= a[j] ^ b[j] }
        return ConstantTime.isZero(difference)
    }

    /// 1 when `a` is zero over `width` limbs.
    static func isZero(_ a: RSALimbs, width: Int) -> UInt64 {
        var bits: UInt64 = 0
        let a = a.span
        for j in 0..<width { bits |= a[j] }
        return ConstantTime.isZero(bits)
    }

    /// The full product `a·b` of two `width`-limb values (2·width limbs; 2·width ≤ 64). Schoolbook, fixed loops.
    static func multiply(_ a: RSALimbs, _ b: RSALimbs, width: Int) -> RSALimbs {
        var r = zero
        let a = a.span, b = b.span
        var out = r.mutableSpan
        for i in 0..<width {
            var carry: UInt64 = 0
            let bi = b[i]
            for j in 0..<width {
                let t = multiplyAdd(a[j], bi, out[i + j], carry)
                out[i + j] = low(t)
                carry = high(t)
            }
            out[i + width] = carry
        }
        _ = consume out
        return r
    }
}
