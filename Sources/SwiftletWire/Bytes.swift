// SwiftletWire: big-endian field access on byte spans (network byte order, RFC 1700 "Data Notations").
//
// Callers check bounds first (views validate in their initialisers); these accessors are still bounds-
// checked (Span's subscript, RawSpan's loads), so a mistake traps in a test instead of reading out of bounds.

import Swiftlet

extension Span where Element == UInt8 {
    @inline(__always) func u8(_ offset: Int) -> UInt8 { self[offset] }
    // One bounds-checked unaligned load each (RawSpan checks the range; integers have no invalid bit patterns).
    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) func mac(_ offset: Int) -> MACAddress {
        MACAddress(rawValue: UInt64(u32(offset)) << 16 | UInt64(u16(offset + 4)))
    }
    @inline(__always) func ipv4(_ offset: Int) -> IPv4Address { IPv4Address(rawValue: u32(offset)) }
    @inline(__always) func ipv6(_ offset: Int) -> IPv6Address {
        IPv6Address(high: UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                    low: UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
    }
    /// A copy of `count` bytes from `offset`.
    func copy(_ offset: Int, _ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        for i in offset..<(offset + count) { out.append(self[i]) }
        return out
    }
}

extension MutableSpan where Element == UInt8 {
    @inline(__always) mutating func set8(_ v: UInt8, _ offset: Int) { self[offset] = v }
    @inline(__always) mutating func set16(_ v: UInt16, _ offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: v)
    }
    @inline(__always) mutating func set32(_ v: UInt32, _ offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: v)
    }
    @inline(__always) mutating func setMAC(_ m: MACAddress, _ offset: Int) {
        for i in 0..<6 { self[offset + i] = m.octet(i) }
    }
    @inline(__always) mutating func setIPv4(_ a: IPv4Address, _ offset: Int) { set32(a.rawValue, offset) }
    @inline(__always) mutating func setIPv6(_ a: IPv6Address, _ offset: Int) {
        for i in 0..<16 { self[offset + i] = a.octet(i) }
    }
    mutating func setBytes(_ bytes: [UInt8], _ offset: Int) {
        for i in 0..<bytes.count { self[offset + i] = bytes[i] }
    }
    mutating func zero(_ offset: Int, _ count: Int) {
        for i in offset..<(offset + count) { self[i] = 0 }
    }
}

/// Growable output for variable-length formats (DHCP options, DNS messages).
extension Array where Element == UInt8 {
    @inline(__always) mutating func put16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func put32(_ v: UInt32) {
        put16(UInt16(truncatingIfNeeded: v >> 16)); put16(UInt16(truncatingIfNeeded: v))
    }
    mutating func set16(_ v: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v >> 8); self[offset + 1] = UInt8(truncatingIfNeeded: v)
    }
}
