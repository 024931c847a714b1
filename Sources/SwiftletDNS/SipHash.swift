// SwiftletDNS: SipHash-2-4, the keyed 64-bit hash of Aumasson and Bernstein ("SipHash: a fast
// short-input PRF", 2012), written from the paper's description: a 128-bit key, four 64-bit words of
// state, two compression rounds per 8-byte little-endian message word, the last word carrying the
// message length in its top byte, four finalisation rounds.
//
// Used for the interoperable DNS server cookie (RFC 9018 §4.4 names SipHash-2-4) and, keyed at random per
// process, for the response rate limiter's table, so that neither a cookie nor a table slot can be
// predicted by someone who does not know the key. No allocation; input is consumed a byte at a time
// (`append`) or from a span.

/// An incremental SipHash-2-4 state: append bytes, then `finalize()`.
public struct SipHasher24: Sendable {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64
    /// Bytes of the current message word not yet compressed (little-endian: the first in the low byte).
    private var tail: UInt64 = 0
    /// Bytes appended so far (only its low byte enters the hash, as the paper says).
    private var length: UInt64 = 0

    /// A hasher keyed with `k0` (key bytes 0..7, little-endian) and `k1` (bytes 8..15).
    public init(k0: UInt64, k1: UInt64) {
        v0 = k0 ^ 0x736f_6d65_7073_6575  // "somepseudorandomlygeneratedbytes"
        v1 = k1 ^ 0x646f_7261_6e64_6f6d
        v2 = k0 ^ 0x6c79_6765_6e65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    /// A hasher keyed with 16 key bytes (fewer are padded with zeros; more are ignored).
    public init(key: Span<UInt8>) {
        self.init(k0: SipHasher24.littleEndianWord(key, 0), k1: SipHasher24.littleEndianWord(key, 8))
    }

    /// The 64-bit little-endian word at `offset` of `bytes` (missing bytes count as zero).
    public static func littleEndianWord(_ bytes: Span<UInt8>, _ offset: Int) -> UInt64 {
        var w: UInt64 = 0
        var i = 7
        while i >= 0 {
            let k = offset + i
            w = w << 8 | (k < bytes.count ? UInt64(bytes[k]) : 0)
            i -= 1
        }
        return w
    }

    @inline(__always)
    private mutating func round() {
        v0 = v0 &+ v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 = v2 &+ v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 = v0 &+ v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 = v2 &+ v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }

    @inline(__always)
    private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round(); round()
        v0 ^= m
    }

    /// Appends one byte.
    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        tail |= UInt64(byte) << ((length & 7) << 3)
        length &+= 1
        if length & 7 == 0 {
            compress(tail)
            tail = 0
        }
    }

    /// Appends every byte of `bytes`.
    public mutating func append(_ bytes: Span<UInt8>) {
        for i in 0..<bytes.count { append(bytes[i]) }
    }

    /// Appends `value` as `count` big-endian bytes (network order, as addresses and timestamps travel).
    public mutating func appendBigEndian(_ value: UInt64, count: Int) {
        var i = count - 1
        while i >= 0 {
            append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i)))
            i -= 1
        }
    }

    /// The 64-bit hash of everything appended. The hasher is consumed.
    public consuming func finalize() -> UInt64 {
        compress(tail | (length & 0xFF) << 56)
        v2 ^= 0xFF
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// SipHash-2-4 of `message` under the 16-byte `key`.
    public static func hash(key: Span<UInt8>, _ message: Span<UInt8>) -> UInt64 {
        var h = SipHasher24(key: key)
        h.append(message)
        return h.finalize()
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}
