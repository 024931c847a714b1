// SwiftletCrypto: constant-time building blocks. Everything that handles a secret uses these instead of
// `if`, `?:`, `==` or an index computed from the secret, so that neither the branch predictor nor the cache
// learns it. The masks are all-ones or all-zero words made with arithmetic, never with a comparison the
// compiler could turn into a branch.

/// Always zero; never write it (see `ConstantTime.barrier`). Public and mutable so that neither Swift's
/// optimiser nor LLVM may assume its value: an internal or constant zero is folded away.
public nonisolated(unsafe) var _constantTimeBarrier: UInt64 = 0

public enum ConstantTime {
    /// A zero the compiler cannot prove is zero. `b ^ (mask & (a ^ b))` is branch-free as written, but
    /// when the mask's bit comes from a comparison LLVM may recognise a select and, for a large value whose
    /// candidates sit in memory, emit a conditional jump (Swift 6.3 at -O does so for the P-256 fixed-base
    /// table lookup on "is this signed digit zero?"). XOR-ing such a mask with this word stops it: the
    /// mask is no longer known to be all-zeros or all-ones. Read it once per operation into a local.
    @inline(__always)
    public static var barrier: UInt64 { _constantTimeBarrier }

    /// All ones when `bit` is 1, zero when it is 0. `bit` must be 0 or 1. For arithmetic (a borrow deciding
    /// whether to add the modulus back); where a mask picks among candidates in memory (a table lookup, a
    /// conditional swap) use `opaqueMask`.
    @inline(__always)
    public static func mask(_ bit: UInt64) -> UInt64 { 0 &- bit }

    /// All ones when `bit` is 1, zero when it is 0. `bit` must be 0 or 1.
    @inline(__always)
    public static func mask32(_ bit: UInt32) -> UInt32 { 0 &- bit }

    /// `mask(bit)` XOR-ed with `barrier`, so that the optimiser cannot know the mask is all-ones or all-zero
    /// and rebuild a branch or a load of only the chosen entry from it (RSA's window lookup otherwise
    /// compiles to "compare, jump, load one entry"). For every mask that selects among values in memory by
    /// a secret. (Not in `mask` itself: in field arithmetic the global's reload on every use costs P-256 a
    /// quarter of its speed. Do not XOR a result with `barrier` again: the two would cancel.)
    @inline(__always)
    public static func opaqueMask(_ bit: UInt64) -> UInt64 { (0 &- bit) ^ barrier }

    /// `a` when `bit` is 1, `b` when it is 0.
    @inline(__always)
    public static func select(_ bit: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
        b ^ (mask(bit) & (a ^ b))
    }

    /// 1 when `x` is zero, else 0.
    @inline(__always)
    public static func isZero(_ x: UInt64) -> UInt64 {
        // x | -x has its top bit set exactly when x is not zero.
        1 ^ ((x | (0 &- x)) >> 63)
    }

    /// 1 when `a < b` (unsigned), else 0.
    @inline(__always)
    public static func lessThan(_ a: UInt64, _ b: UInt64) -> UInt64 {
        // The borrow out of a - b (Hacker's Delight 2-12).
        ((~a & b) | (~(a ^ b) & (a &- b))) >> 63
    }

    /// Whether two byte sequences are equal, looking at every byte whatever it finds. A length difference
    /// is not secret and returns false at once.
    public static func equal(_ a: Span<UInt8>, _ b: Span<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return isZero(UInt64(difference)) == 1
    }

    /// Whether two byte arrays are equal, in time that depends only on their lengths.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool { equal(a.span, b.span) }

    /// Overwrites `bytes` with zeros (key material a value no longer needs).
    public static func wipe(_ bytes: inout [UInt8]) {
        for i in bytes.indices { bytes[i] = 0 }
    }
}
