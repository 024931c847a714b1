// SwiftletWire: THE audited helper. The only unchecked memory access above the platform backends lives
// in this file, so it can be reviewed in one sitting. Each function checks its whole range once with a
// precondition and then works without per-byte bounds checks:
// - `copy`: bulk byte copy between spans (memmove speed for TCP buffers and packet assembly);
// - `sumLanes`: the Internet checksum's inner loop (see Checksum.swift).

public enum Audited {
    /// Copies `source` into `destination` starting at `offset`.
    @inlinable @inline(__always)
    public static func copy(_ source: Span<UInt8>, into destination: inout MutableSpan<UInt8>, at offset: Int) {
        let n = source.count
        precondition(offset >= 0 && n <= destination.count - offset, "Audited.copy: destination too short")
        guard n > 0 else { return }
        source.withUnsafeBufferPointer { src in
            destination.withUnsafeMutableBufferPointer { dst in
                dst.baseAddress!.advanced(by: offset).update(from: src.baseAddress!, count: n)
            }
        }
    }

    /// Copies `source` into `destination` at `offset`, and moves `offset` past what it copied.
    @inlinable @inline(__always)
    public static func copy(_ source: Span<UInt8>, into destination: inout MutableSpan<UInt8>, advancing offset: inout Int) {
        copy(source, into: &destination, at: offset)
        offset += source.count
    }

    /// Sum of the first `count` (even) bytes as native-order 16-bit lanes: 32-bit halves of 64-bit loads
    /// into 64-bit accumulators, which cannot overflow below 16 GiB. `count` is checked against the span
    /// once; every load reads at `i..<i+size` with `i + size <= count`, established by its loop or `if`.
    @inline(__always)
    static func sumLanes(_ raw: RawSpan, count n: Int) -> UInt64 {
        precondition(n >= 0 && n <= raw.byteCount, "sumLanes: count outside the span")
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
        var i = 0
        while i + 32 <= n {
            let w0 = raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i, as: UInt64.self)
            let w1 = raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i + 8, as: UInt64.self)
            let w2 = raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i + 16, as: UInt64.self)
            let w3 = raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i + 24, as: UInt64.self)
            a &+= (w0 & 0xFFFF_FFFF) &+ (w0 >> 32)
            b &+= (w1 & 0xFFFF_FFFF) &+ (w1 >> 32)
            c &+= (w2 & 0xFFFF_FFFF) &+ (w2 >> 32)
            d &+= (w3 & 0xFFFF_FFFF) &+ (w3 >> 32)
            i += 32
        }
        while i + 8 <= n {
            let w = raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i, as: UInt64.self)
            a &+= (w & 0xFFFF_FFFF) &+ (w >> 32)
            i += 8
        }
        if i + 4 <= n {
            b &+= UInt64(raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i, as: UInt32.self))
            i += 4
        }
        if i + 2 <= n {
            c &+= UInt64(raw.unsafeLoadUnaligned(fromUncheckedByteOffset: i, as: UInt16.self))
        }
        return a &+ b &+ c &+ d
    }
}
