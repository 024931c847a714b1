// SwiftletVNC: Adler-32, the checksum that ends a zlib stream (RFC 1950 §8.2, §9 "ADLER32").
//
// Two sums modulo 65521, the largest prime below 2^16: `a` is 1 plus every byte, `b` is the sum of every
// value `a` took. The value is `b << 16 | a`, written big-endian after the last deflate block. Sums are
// reduced once per run of `run` bytes instead of once per byte; `run` is the longest run after which `b`
// still fits 32 bits (see below).

struct Adler32 {
    static let modulus: UInt32 = 65521
    /// With `a` and `b` below 65521 on entry and n bytes of 255, `b` grows to at most
    /// 65520·(n + 1) + 255·n·(n + 1)/2, which is below 2^32 for n = 5552 and above it for n = 5553.
    static let run = 5552

    private var a: UInt32 = 1
    private var b: UInt32 = 0

    init() {}

    var value: UInt32 { b << 16 | a }

    mutating func update(_ bytes: [UInt8]) {
        update(bytes, from: 0, to: bytes.count)
    }

    /// Adds `bytes[start..<end]`; the range must lie within `bytes`.
    mutating func update(_ bytes: [UInt8], from start: Int, to end: Int) {
        var a = self.a, b = self.b
        var i = start
        while i < end {
            let stop = min(end, i + Self.run)
            while i < stop {
                a &+= UInt32(bytes[i])
                b &+= a
                i += 1
            }
            a %= Self.modulus
            b %= Self.modulus
        }
        self.a = a
        self.b = b
    }
}
