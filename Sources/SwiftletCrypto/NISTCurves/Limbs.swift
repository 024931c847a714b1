// SwiftletCrypto / NISTCurves: fixed-width multi-precision integers for the NIST prime curves.
//
// A number is `N` little-endian 64-bit limbs (limb 0 is least significant) stored in an
// `InlineArray<N, UInt64>`: 4 limbs for P-256, 6 for P-384. `LimbArray` lets the field and curve code be
// generic over the width; every use is specialised at compile time (no existentials), so loops over
// `limbCount` become straight-line code with constant indices.
//
// Everything here is constant time: loop counts depend only on `N`, carries and borrows are propagated
// arithmetically, and choices between two values are made with masks (ConstantTime).
//
// Byte encodings are big-endian of exactly 8·N bytes (SEC 1 v2 §2.3.5–2.3.7, "Field-Element-to-Octet-
// String" and "Octet-String-to-Integer").

/// N 64-bit limbs, least significant first. Conformed to by `InlineArray<N, UInt64>` only.
protocol LimbArray: BitwiseCopyable, Sendable {
    init(repeating value: UInt64)
    /// Limb `i`, 0 ≤ i < limbCount.
    subscript(limb i: Int) -> UInt64 { get set }
    static var limbCount: Int { get }
}

extension InlineArray: LimbArray where Element == UInt64 {
    @inline(__always) static var limbCount: Int { count }
    @inline(__always) subscript(limb i: Int) -> UInt64 {
        get { self[i] }
        set { self[i] = newValue }
    }
}

/// `a·b + c + d` as (high, low); cannot overflow 128 bits.
@inline(__always)
func multiplyAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (high: UInt64, low: UInt64) {
    let t = UInt128(a) &* UInt128(b) &+ UInt128(c) &+ UInt128(d)
    return (UInt64(truncatingIfNeeded: t >> 64), UInt64(truncatingIfNeeded: t))
}

/// `a + b + carry` (carry 0 or 1) as (sum, carry out).
@inline(__always)
func addCarry(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let t = UInt128(a) &+ UInt128(b) &+ UInt128(carry)
    return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t >> 64))
}

/// `a - b - borrow` (borrow 0 or 1) as (difference, borrow out).
@inline(__always)
func subtractBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
    let t = UInt128(a) &- UInt128(b) &- UInt128(borrow)
    return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t >> 64) & 1)
}

extension LimbArray {
    static var zero: Self { Self(repeating: 0) }

    /// `self + other` and the carry out (0 or 1).
    @inline(__always)
    func adding(_ other: Self) -> (Self, UInt64) {
        var result = Self.zero
        var carry: UInt64 = 0
        for i in 0..<Self.limbCount {
            (result[limb: i], carry) = addCarry(self[limb: i], other[limb: i], carry)
        }
        return (result, carry)
    }

    /// `self - other` modulo 2^(64N) and the borrow out (1 when self < other).
    @inline(__always)
    func subtracting(_ other: Self) -> (Self, UInt64) {
        var result = Self.zero
        var borrow: UInt64 = 0
        for i in 0..<Self.limbCount {
            (result[limb: i], borrow) = subtractBorrow(self[limb: i], other[limb: i], borrow)
        }
        return (result, borrow)
    }

    /// `a` when `bit` is 1, `b` when it is 0, in constant time.
    @inline(__always)
    static func select(_ bit: UInt64, _ a: Self, _ b: Self) -> Self {
        select(mask: ConstantTime.mask(bit), a, b)
    }

    /// `a` where `mask` is all ones, `b` where it is zero (mask is all-ones or zero).
    @inline(__always)
    static func select(mask: UInt64, _ a: Self, _ b: Self) -> Self {
        var result = b
        for i in 0..<limbCount { result[limb: i] = b[limb: i] ^ (mask & (a[limb: i] ^ b[limb: i])) }
        return result
    }

    /// 1 when every limb is zero, else 0 (constant time).
    @inline(__always)
    var isZeroBit: UInt64 {
        var acc: UInt64 = 0
        for i in 0..<Self.limbCount { acc |= self[limb: i] }
        return ConstantTime.isZero(acc)
    }

    /// 1 when `self < other` as integers, else 0 (constant time).
    @inline(__always)
    func lessThanBit(_ other: Self) -> UInt64 { subtracting(other).1 }

    /// Bit `i` (0 = least significant) of the number; `i` must be below 64·N. Variable time in `i` only.
    @inline(__always)
    func bit(_ i: Int) -> UInt64 { (self[limb: i >> 6] >> UInt64(i & 63)) & 1 }

    /// `count` bits (1…8) starting at bit `position`, bits at or above 64·N reading as zero. Which limbs
    /// are read depends only on `position` and `count`, never on the value.
    @inline(__always)
    func bits(at position: Int, count: Int) -> UInt64 {
        let limb = position >> 6
        let offset = position & 63
        guard limb < Self.limbCount else { return 0 }
        var value = self[limb: limb] >> UInt64(offset)
        if offset + count > 64 && limb + 1 < Self.limbCount {
            value |= self[limb: limb + 1] << UInt64(64 - offset)
        }
        return value & ((1 << UInt64(count)) - 1)
    }

    /// Four bits starting at bit `4·i` (a nibble; 0 ≤ i < 16·N).
    @inline(__always)
    func nibble(_ i: Int) -> UInt64 { (self[limb: i >> 4] >> UInt64((i & 15) << 2)) & 15 }

    /// The integer whose big-endian encoding is `bytes` when it has at most 8·N bytes; shorter input is
    /// zero-extended on the left (SEC 1 §2.3.8). The caller checks the length.
    static func fromBigEndian(_ bytes: Span<UInt8>) -> Self {
        var result = Self.zero
        let count = bytes.count
        for k in 0..<count {
            // Byte k from the end is bits 8k..8k+7.
            let byte = UInt64(bytes[count - 1 - k])
            result[limb: k >> 3] |= byte << UInt64((k & 7) << 3)
        }
        return result
    }

    /// The 8·N-byte big-endian encoding.
    func bigEndianBytes() -> [UInt8] {
        let count = Self.limbCount * 8
        var out = [UInt8](repeating: 0, count: count)
        for k in 0..<count {
            out[count - 1 - k] = UInt8(truncatingIfNeeded: self[limb: k >> 3] >> UInt64((k & 7) << 3))
        }
        return out
    }

    /// Appends the 8·N-byte big-endian encoding to `out`.
    func appendBigEndian(to out: inout [UInt8]) {
        let count = Self.limbCount * 8
        for k in 0..<count {
            let j = count - 1 - k
            out.append(UInt8(truncatingIfNeeded: self[limb: j >> 3] >> UInt64((j & 7) << 3)))
        }
    }
}
