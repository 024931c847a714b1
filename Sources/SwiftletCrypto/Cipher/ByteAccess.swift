// SwiftletCrypto/Cipher: little- and big-endian word access to byte spans for the ciphers in this folder.
// Plain indexed reads and writes (bounds-checked; no unsafe pointers). Callers pass offsets they have
// already checked against the span's count, so the checks never fail; none of these branches on data.

/// Byte-order helpers of the ciphers in this folder (a namespace, so that other files of the module
/// can use the same names for their own helpers).
enum CipherBytes {
    @inline(__always)
    static func loadLE32(_ b: Span<UInt8>, _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    @inline(__always)
    static func loadLE32(_ b: borrowing MutableSpan<UInt8>, _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    @inline(__always)
    static func loadBE32(_ b: Span<UInt8>, _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }

    @inline(__always)
    static func loadBE64(_ b: Span<UInt8>, _ o: Int) -> UInt64 {
        var x: UInt64 = 0
        for i in 0..<8 { x = x << 8 | UInt64(b[o + i]) }
        return x
    }

    @inline(__always)
    static func loadBE64(_ b: borrowing MutableSpan<UInt8>, _ o: Int) -> UInt64 {
        var x: UInt64 = 0
        for i in 0..<8 { x = x << 8 | UInt64(b[o + i]) }
        return x
    }

    @inline(__always)
    static func loadLE64(_ b: Span<UInt8>, _ o: Int) -> UInt64 {
        var x: UInt64 = 0
        for i in 0..<8 { x |= UInt64(b[o + i]) << (8 * UInt64(i)) }
        return x
    }

    /// text[o..<o+4] ^= the little-endian bytes of `w`.
    @inline(__always)
    static func xorLE32(_ text: inout MutableSpan<UInt8>, _ o: Int, _ w: UInt32) {
        text[o] ^= UInt8(truncatingIfNeeded: w)
        text[o + 1] ^= UInt8(truncatingIfNeeded: w >> 8)
        text[o + 2] ^= UInt8(truncatingIfNeeded: w >> 16)
        text[o + 3] ^= UInt8(truncatingIfNeeded: w >> 24)
    }

    /// text[o..<o+8] ^= the little-endian bytes of `w`.
    @inline(__always)
    static func xorLE64(_ text: inout MutableSpan<UInt8>, _ o: Int, _ w: UInt64) {
        for i in 0..<8 { text[o + i] ^= UInt8(truncatingIfNeeded: w >> (8 * UInt64(i))) }
    }

    /// Appends the big-endian bytes of `w` to `out`.
    @inline(__always)
    static func appendBE64(_ out: inout [UInt8], _ w: UInt64) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> (56 - 8 * UInt64(i)))) }
    }
}
