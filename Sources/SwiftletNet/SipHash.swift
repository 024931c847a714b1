// SwiftletNet: SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash for values an attacker must not
// predict: TCP initial sequence numbers (RFC 6528) and ephemeral port choice (RFC 6056).

import Swiftlet

struct SipHash24 {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64
    private var tail: UInt64 = 0
    private var tailBytes = 0
    private var length = 0

    init(key0: UInt64, key1: UInt64) {
        v0 = key0 ^ 0x736f_6d65_7073_6575
        v1 = key1 ^ 0x646f_7261_6e64_6f6d
        v2 = key0 ^ 0x6c79_6765_6e65_7261
        v3 = key1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ b: UInt64) -> UInt64 { (x << b) | (x >> (64 - b)) }

    private mutating func round() {
        v0 &+= v1; v1 = SipHash24.rotl(v1, 13); v1 ^= v0; v0 = SipHash24.rotl(v0, 32)
        v2 &+= v3; v3 = SipHash24.rotl(v3, 16); v3 ^= v2
        v0 &+= v3; v3 = SipHash24.rotl(v3, 21); v3 ^= v0
        v2 &+= v1; v1 = SipHash24.rotl(v1, 17); v1 ^= v2; v2 = SipHash24.rotl(v2, 32)
    }

    private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round(); round()
        v0 ^= m
    }

    // Not inlined: hashes run per connection or per SYN, never per segment, and each inlined copy of the
    // rounds costs the kvm image about a kilobyte.
    @inline(never)
    mutating func add(_ byte: UInt8) {
        tail |= UInt64(byte) << UInt64(8 * tailBytes)
        tailBytes += 1
        length += 1
        if tailBytes == 8 { compress(tail); tail = 0; tailBytes = 0 }
    }

    mutating func add(_ v: UInt32) { for i in 0..<4 { add(UInt8(truncatingIfNeeded: v >> UInt32(8 * i))) } }
    mutating func add(_ v: UInt16) { add(UInt8(truncatingIfNeeded: v)); add(UInt8(truncatingIfNeeded: v >> 8)) }
    mutating func add(_ v: UInt64) { add(UInt32(truncatingIfNeeded: v)); add(UInt32(truncatingIfNeeded: v >> 32)) }
    /// An IPv4 address hashes as its 32 bits (as before IPv6 came), an IPv6 address as its 128.
    mutating func add(_ a: IPAddress) {
        switch a {
        case .v4(let v4): add(v4.rawValue)
        case .v6(let v6): add(v6.high); add(v6.low)
        }
    }

    @inline(never)
    mutating func finish() -> UInt64 {
        compress(tail | UInt64(truncatingIfNeeded: length) << 56)
        v2 ^= 0xFF
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}
