// Swiftlet: link and network addresses shared by every layer.
//
// `MACAddress` (IEEE 802 48-bit), `IPv4Address` (RFC 791) and `IPv6Address` (RFC 4291) are plain values;
// `IPAddress` is either of the last two, as applications see addresses.
// Parsing from text accepts only the canonical dotted/colon forms and returns nil on anything else.

/// A 48-bit IEEE 802 MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// The six octets, most significant first, in the low 48 bits.
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        self.init(rawValue: UInt64(a) << 40 | UInt64(b) << 32 | UInt64(c) << 24 | UInt64(d) << 16 | UInt64(e) << 8 | UInt64(f))
    }

    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(rawValue: 0)

    /// Octet `i` (0 is the first on the wire).
    @inlinable public func octet(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> UInt64(40 - 8 * i)) }

    public var isBroadcast: Bool { self == .broadcast }
    /// The group bit (least significant bit of the first octet); broadcast is also multicast.
    public var isMulticast: Bool { octet(0) & 1 != 0 }

    /// Parses `aa:bb:cc:dd:ee:ff` (hex digits, either case).
    public init?(_ text: String) {
        var value: UInt64 = 0
        var groups = 0
        for part in text.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            guard part.count == 2, let hi = hexDigitValue(part.first!), let lo = hexDigitValue(part.last!) else { return nil }
            value = value << 8 | UInt64(hi << 4 | lo)
            groups += 1
        }
        guard groups == 6 else { return nil }
        self.init(rawValue: value)
    }

    public var description: String {
        var s = ""
        for i in 0..<6 {
            if i > 0 { s += ":" }
            s += hexByte(octet(i))
        }
        return s
    }
}

/// An IPv4 address, held in host order (`10.0.0.1` is `0x0A00_0001`).
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public static let any = IPv4Address(rawValue: 0)
    public static let broadcast = IPv4Address(rawValue: 0xFFFF_FFFF)

    @inlinable public func octet(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> UInt32(24 - 8 * i)) }

    public var isUnspecified: Bool { rawValue == 0 }
    public var isBroadcast: Bool { rawValue == 0xFFFF_FFFF }
    public var isLoopback: Bool { octet(0) == 127 }
    /// 224.0.0.0/4 (RFC 5771).
    public var isMulticast: Bool { rawValue >> 28 == 0xE }

    /// Parses dotted-quad text: exactly four decimal octets, no leading `+`, each 0...255.
    public init?(_ text: String) {
        var value: UInt32 = 0
        var parts = 0
        for part in text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 3 else { return nil }
            var octet: UInt32 = 0
            for c in part {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                octet = octet * 10 + UInt32(c - UInt8(ascii: "0"))
            }
            guard octet <= 255 else { return nil }
            value = value << 8 | octet
            parts += 1
        }
        guard parts == 4 else { return nil }
        rawValue = value
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        "\(octet(0)).\(octet(1)).\(octet(2)).\(octet(3))"
    }
}

/// An IPv4 prefix such as `10.0.0.0/24`, with the address it was written with.
public struct IPv4Network: Hashable, Sendable, CustomStringConvertible {
    public let address: IPv4Address
    public let prefixLength: Int

    public init?(address: IPv4Address, prefixLength: Int) {
        guard (0...32).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDR/PREFIX`.
    public init?(_ text: String) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 2, let addr = IPv4Address(String(Substring(parts[0]))),
              let len = Int(String(Substring(parts[1]))) else { return nil }
        self.init(address: addr, prefixLength: len)
    }

    public var mask: UInt32 { prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength) }
    public var networkAddress: IPv4Address { IPv4Address(rawValue: address.rawValue & mask) }
    public var broadcastAddress: IPv4Address { IPv4Address(rawValue: address.rawValue | ~mask) }
    public func contains(_ other: IPv4Address) -> Bool { other.rawValue & mask == address.rawValue & mask }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// An IPv6 address as two 64-bit halves in host order.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    /// Builds from 16 octets in network order; nil unless exactly 16 are given.
    public init?(octets: [UInt8]) {
        guard octets.count == 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(octets[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(octets[i]) }
        self.init(high: h, low: l)
    }

    public func octet(_ i: Int) -> UInt8 {
        i < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i))
              : UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * (i - 8)))
    }

    public func group(_ i: Int) -> UInt16 { UInt16(octet(2 * i)) << 8 | UInt16(octet(2 * i + 1)) }

    public static let unspecified = IPv6Address(high: 0, low: 0)
    public static let loopback = IPv6Address(high: 0, low: 1)
    /// ff02::1 and ff02::2, all nodes and all routers on the link (RFC 4291 §2.7.1).
    public static let allNodes = IPv6Address(high: 0xFF02 << 48, low: 1)
    public static let allRouters = IPv6Address(high: 0xFF02 << 48, low: 2)
    /// ff02::16, where MLDv2 reports go (RFC 3810 §5.2.14).
    public static let allMLDv2Routers = IPv6Address(high: 0xFF02 << 48, low: 0x16)

    public var isUnspecified: Bool { high == 0 && low == 0 }
    public var isLoopback: Bool { high == 0 && low == 1 }
    /// ff00::/8 (RFC 4291 §2.7).
    public var isMulticast: Bool { high >> 56 == 0xFF }
    /// fe80::/10 (RFC 4291 §2.5.6).
    public var isLinkLocal: Bool { high >> 54 == 0xFE80 >> 6 }
    /// A multicast address's scope (RFC 4291 §2.7: 1 interface, 2 link, 5 site, 0xE global).
    public var multicastScope: UInt8 { UInt8(truncatingIfNeeded: high >> 48) & 0xF }
    /// ::ffff:0:0/96, an IPv4 address written as IPv6 (RFC 4291 §2.5.5.2).
    public var isIPv4Mapped: Bool { high == 0 && low >> 32 == 0xFFFF }
    /// The solicited-node multicast address for this one, ff02::1:ffXX:XXXX (RFC 4291 §2.7.1).
    public var solicitedNode: IPv6Address {
        IPv6Address(high: 0xFF02 << 48, low: 0x1_FF00_0000 | low & 0xFF_FFFF)
    }
    /// The Ethernet address a multicast IPv6 address maps to: 33:33 and its last 32 bits (RFC 2464 §7).
    public var multicastMAC: MACAddress { MACAddress(rawValue: 0x3333 << 32 | low & 0xFFFF_FFFF) }
    /// The link-local address fe80::/64 with `interfaceID` (RFC 4291 §2.5.6).
    public static func linkLocal(interfaceID: UInt64) -> IPv6Address {
        IPv6Address(high: 0xFE80 << 48, low: interfaceID)
    }
    /// The modified EUI-64 interface identifier of a MAC address (RFC 4291 appendix A): ff:fe in the
    /// middle and the universal/local bit inverted.
    public static func interfaceID(eui48 mac: MACAddress) -> UInt64 {
        let m = mac.rawValue
        return ((m >> 24) << 40 | 0xFF_FE << 24 | m & 0xFF_FFFF) ^ (0x02 << 56)
    }
    /// The first `length` bits, the rest zero.
    public func masked(to length: Int) -> IPv6Address {
        if length <= 0 { return .unspecified }
        if length >= 128 { return self }
        if length <= 64 { return IPv6Address(high: length == 64 ? high : high & ~(~UInt64(0) >> UInt64(length)), low: 0) }
        return IPv6Address(high: high, low: low & ~(~UInt64(0) >> UInt64(length - 64)))
    }

    /// Parses RFC 4291 §2.2 text forms 1 and 2 (hex groups, one `::`); the dotted-quad tail is not accepted.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var head: [UInt16] = [], tail: [UInt16] = []
        var seenGap = false
        var i = 0
        if bytes.count >= 2, bytes[0] == UInt8(ascii: ":"), bytes[1] == UInt8(ascii: ":") { seenGap = true; i = 2 }
        else if bytes.first == UInt8(ascii: ":") { return nil }
        while i < bytes.count {
            var value: UInt32 = 0, digits = 0
            while i < bytes.count, let d = hexDigitValue(bytes[i]) {
                value = value << 4 | UInt32(d); digits += 1; i += 1
                if digits > 4 { return nil }
            }
            guard digits > 0 else { return nil }
            if seenGap { tail.append(UInt16(value)) } else { head.append(UInt16(value)) }
            if i == bytes.count { break }
            guard bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                guard !seenGap else { return nil }
                seenGap = true; i += 1
            } else if i == bytes.count { return nil }
        }
        let total = head.count + tail.count
        guard seenGap ? total <= 7 : total == 8 else { return nil }
        let groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var h: UInt64 = 0, l: UInt64 = 0
        for g in 0..<4 { h = h << 16 | UInt64(groups[g]) }
        for g in 4..<8 { l = l << 16 | UInt64(groups[g]) }
        self.init(high: h, low: l)
    }

    /// RFC 5952 canonical text: lowercase, the longest run (≥ 2) of zero groups shortened to `::`.
    public var description: String {
        var bestStart = -1, bestLength = 0, runStart = -1
        for g in 0...8 {
            if g < 8, group(g) == 0 {
                if runStart < 0 { runStart = g }
            } else if runStart >= 0 {
                if g - runStart > bestLength { bestStart = runStart; bestLength = g - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var s = ""
        var g = 0
        while g < 8 {
            if g == bestStart {
                s += "::"
                g += bestLength
                continue
            }
            if !s.isEmpty, !s.hasByteSuffix(":") { s += ":" }
            s += hexNumber(UInt64(group(g)))
            g += 1
        }
        return s
    }
}

/// An IPv6 prefix such as `2001:db8::/64`, with the address it was written with.
public struct IPv6Network: Hashable, Sendable, CustomStringConvertible {
    public let address: IPv6Address
    public let prefixLength: Int

    public init?(address: IPv6Address, prefixLength: Int) {
        guard (0...128).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDR/PREFIX`.
    public init?(_ text: String) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 2, let addr = IPv6Address(String(Substring(parts[0]))),
              parts[1].count <= 3, let len = Int(String(Substring(parts[1]))) else { return nil }
        self.init(address: addr, prefixLength: len)
    }

    public var prefix: IPv6Address { address.masked(to: prefixLength) }
    public func contains(_ other: IPv6Address) -> Bool { other.masked(to: prefixLength) == prefix }

    public var description: String { address.description + "/" + String(prefixLength) }
}

/// An address of either family, as the `Network` API carries it: one type for endpoints, datagrams and
/// errors, so an application handles an IPv4 and an IPv6 peer alike. An IPv4-mapped IPv6 address
/// (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) is always held as `.v4`, so one peer never has two names.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// `.v6`, or `.v4` when the address is IPv4-mapped.
    public init(_ address: IPv6Address) {
        self = address.isIPv4Mapped ? .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: address.low))) : .v6(address)
    }

    public init(_ address: IPv4Address) { self = .v4(address) }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (an IPv6 literal may come in brackets, as in a URL).
    public init?(_ text: String) {
        if let a = IPv4Address(text) { self = .v4(a); return }
        var bytes = Array(text.utf8)
        if bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") { bytes = Array(bytes[1..<bytes.count - 1]) }
        guard let a = IPv6Address(String(decoding: bytes, as: UTF8.self)) else { return nil }
        self.init(a)
    }

    public var ipv4: IPv4Address? { if case .v4(let a) = self { return a }; return nil }
    public var ipv6: IPv6Address? { if case .v6(let a) = self { return a }; return nil }

    /// The IPv6 form: the address itself, or an IPv4 address mapped (for hosts' dual-stack sockets).
    public var mappedIPv6: IPv6Address {
        switch self {
        case .v4(let a): return IPv6Address(high: 0, low: 0xFFFF_0000_0000 | UInt64(a.rawValue))
        case .v6(let a): return a
        }
    }

    public var isUnspecified: Bool {
        switch self {
        case .v4(let a): return a.isUnspecified
        case .v6(let a): return a.isUnspecified
        }
    }

    public var isLoopback: Bool {
        switch self {
        case .v4(let a): return a.isLoopback
        case .v6(let a): return a.isLoopback
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }
}

// MARK: - Hex helpers shared by the address types.

let hexDigits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]

/// Two lowercase hex digits.
public func hexByte(_ b: UInt8) -> String {
    String(hexDigits[Int(b >> 4)]) + String(hexDigits[Int(b & 0xF)])
}

/// Lowercase hex without leading zeros (`0` for zero).
public func hexNumber(_ v: UInt64) -> String {
    if v == 0 { return "0" }
    var s = ""
    var x = v
    while x > 0 { s = String(hexDigits[Int(x & 0xF)]) + s; x >>= 4 }
    return s
}
