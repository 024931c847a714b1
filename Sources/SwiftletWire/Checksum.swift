// SwiftletWire: the Internet checksum (RFC 1071), pseudo-headers (RFC 768, RFC 9293 §3.1) and incremental
// update (RFC 1624).
//
// The ones' complement sum does not depend on byte order (RFC 1071 §2(B)), so the fast path sums 32-bit
// halves of native-order unaligned 64-bit loads into 64-bit accumulators (no carries to track for any
// buffer below 16 GiB) and swaps bytes once at the end. The inner loop is `Audited.sumLanes`.

import Swiftlet

public struct InternetChecksum: Sendable {
    /// Sum of 16-bit lanes in native byte order (bytes as they sit in memory), not yet folded.
    /// Big-endian words from callers are added as `word.bigEndian`; `folded` swaps once at the end.
    private var sum: UInt64 = 0
    /// A byte left over from an odd-length `add`, waiting for its partner.
    private var pending: UInt8? = nil

    public init() {}

    /// Adds a 16-bit word in host order (as it will appear big-endian on the wire).
    public mutating func add(_ word: UInt16) {
        flushPending()
        sum &+= UInt64(word.bigEndian)
    }

    /// Adds a 32-bit value as two 16-bit words.
    public mutating func add(_ word: UInt32) {
        flushPending()
        sum &+= UInt64(word.bigEndian)
    }

    /// Adds bytes as big-endian 16-bit words; an odd byte waits for the next `add` or is padded with zero.
    @inline(__always)
    public mutating func add(_ bytes: Span<UInt8>) {
        guard bytes.count > 0 else { return }
        var raw = bytes.bytes
        if let p = pending {
            sum &+= UInt64(InternetChecksum.lanes(high: p, low: bytes[0]))
            pending = nil
            raw = raw.extracting(droppingFirst: 1)
        }
        let n = raw.byteCount
        sum &+= Audited.sumLanes(raw, count: n & ~1)
        if n & 1 == 1 { pending = bytes[bytes.count - 1] }
    }

    private mutating func flushPending() {
        if let p = pending { sum &+= UInt64(InternetChecksum.lanes(high: p, low: 0)); pending = nil }
    }

    /// The native-order 16-bit lane holding the big-endian word `high, low`.
    @inline(__always)
    static func lanes(high: UInt8, low: UInt8) -> UInt16 { (UInt16(high) << 8 | UInt16(low)).bigEndian }

    /// The folded sum (not complemented), as a big-endian word value.
    @inline(__always)
    public var folded: UInt16 {
        var s = sum
        if let p = pending { s &+= UInt64(InternetChecksum.lanes(high: p, low: 0)) }
        s = (s & 0xFFFF_FFFF) &+ (s >> 32)
        s = (s & 0xFFFF_FFFF) &+ (s >> 32)
        s = (s & 0xFFFF) &+ (s >> 16)
        s = (s & 0xFFFF) &+ (s >> 16)
        // Folding commutes with the byte swap (RFC 1071 §2(B)), so swap once here.
        return UInt16(truncatingIfNeeded: s).bigEndian
    }

    /// The checksum field value: the complement of the folded sum.
    public var value: UInt16 { ~folded }

    /// True when the bytes summed include their own checksum field and it verifies.
    @inline(__always)
    public var verifies: Bool { folded == 0xFFFF }

    /// The checksum of `bytes` alone.
    public static func of(_ bytes: Span<UInt8>) -> UInt16 {
        var c = InternetChecksum()
        c.add(bytes)
        return c.value
    }

    /// A checksum primed with the IPv4 pseudo-header for TCP or UDP (RFC 9293 §3.1, RFC 768).
    public static func pseudoHeader(source: IPv4Address, destination: IPv4Address,
                                    protocol proto: IPProtocol, length: Int) -> InternetChecksum {
        var c = InternetChecksum()
        c.sum = UInt64(source.rawValue.bigEndian) &+ UInt64(destination.rawValue.bigEndian)
            &+ UInt64(UInt16(proto.rawValue).bigEndian) &+ UInt64(UInt16(truncatingIfNeeded: length).bigEndian)
        return c
    }

    /// A checksum primed with the IPv6 pseudo-header (RFC 8200 §8.1): both addresses, the upper-layer
    /// length as 32 bits and the upper-layer protocol (the final next header, after any extension headers).
    public static func pseudoHeader(source: IPv6Address, destination: IPv6Address,
                                    protocol proto: IPProtocol, length: Int) -> InternetChecksum {
        var c = InternetChecksum()
        c.add(source)
        c.add(destination)
        c.add(UInt32(truncatingIfNeeded: length))
        c.add(UInt32(proto.rawValue))
        return c
    }

    /// Adds the 16 octets of an IPv6 address.
    public mutating func add(_ address: IPv6Address) {
        add(UInt32(truncatingIfNeeded: address.high >> 32)); add(UInt32(truncatingIfNeeded: address.high))
        add(UInt32(truncatingIfNeeded: address.low >> 32)); add(UInt32(truncatingIfNeeded: address.low))
    }

    /// RFC 1624 eqn. 3: the new checksum field after one 16-bit word of the covered data changed from
    /// `old` to `new`: HC' = ~(~HC + ~m + m').
    public static func update(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        var s = UInt32(~checksum) + UInt32(~old) + UInt32(new)
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }

    /// RFC 1624 for a 32-bit field (an address or a sequence number).
    public static func update(_ checksum: UInt16, old: UInt32, new: UInt32) -> UInt16 {
        let c = update(checksum, old: UInt16(old >> 16), new: UInt16(new >> 16))
        return update(c, old: UInt16(truncatingIfNeeded: old), new: UInt16(truncatingIfNeeded: new))
    }
}
