// SwiftletWire: Multicast Listener Discovery version 2 (RFC 3810 §5): the listener report a host sends
// for the groups it joins (its solicited-node addresses, so that switches that snoop MLD deliver
// Neighbor Solicitations), and the query routers send.
//
// Report (type 143): reserved(2), number of records(2), records: type(1), aux data length(1, in 32-bit
// words), number of sources(2), multicast address(16), sources(16 each), aux data. Query (type 130):
// maximum response code(2), reserved(2), multicast address(16), and for version 2 (28 bytes or more,
// §8.1) flags, QQIC, number of sources and the sources. Reports go to ff02::16 with hop limit 1 and a
// Router Alert hop-by-hop option (§5.2.13, §5; `ipv6RouterAlertHeader`).

import Swiftlet

/// One multicast address record of a report (RFC 3810 §5.2.12 record types).
public struct MLDv2Record: Hashable, Sendable {
    public static let modeIsInclude: UInt8 = 1, modeIsExclude: UInt8 = 2
    public static let changeToInclude: UInt8 = 3, changeToExclude: UInt8 = 4
    public static let allowNewSources: UInt8 = 5, blockOldSources: UInt8 = 6

    public var type: UInt8
    public var address: IPv6Address
    public var sources: [IPv6Address]

    public init(type: UInt8, address: IPv6Address, sources: [IPv6Address] = []) {
        self.type = type
        self.address = address
        self.sources = sources
    }
}

public struct MLDv2Report: Hashable, Sendable {
    public var records: [MLDv2Record]

    public init(records: [MLDv2Record]) { self.records = records }

    public init(_ icmp: borrowing ICMPv6Packet) throws(WireError) {
        let b = icmp.bytes
        guard icmp.type == .multicastListenerReportV2 else { throw .badField(.mld) }
        try require(b, 8, .mld)
        let count = Int(b.u16(6))
        var records: [MLDv2Record] = []
        var i = 8
        for _ in 0..<count {
            try require(b, i + 20, .mld)
            let auxiliary = Int(b.u8(i + 1)) * 4
            let sourceCount = Int(b.u16(i + 2))
            let end = i + 20 + 16 * sourceCount + auxiliary
            try require(b, end, .mld)
            var sources: [IPv6Address] = []
            for k in 0..<sourceCount { sources.append(b.ipv6(i + 20 + 16 * k)) }
            records.append(MLDv2Record(type: b.u8(i), address: b.ipv6(i + 4), sources: sources))
            i = end
        }
        self.records = records
    }

    /// The whole ICMPv6 message, checksum filled in for `source` and `destination`.
    public func encoded(source: IPv6Address, destination: IPv6Address = .allMLDv2Routers) -> [UInt8] {
        var out: [UInt8] = [ICMPv6Type.multicastListenerReportV2.rawValue, 0, 0, 0, 0, 0]
        out.put16(UInt16(truncatingIfNeeded: records.count))
        for r in records {
            out += [r.type, 0]
            out.put16(UInt16(truncatingIfNeeded: r.sources.count))
            for a in [r.address] + r.sources { for k in 0..<16 { out.append(a.octet(k)) } }
        }
        var span = out.mutableSpan
        ICMPv6Header.fillChecksum(&span, source: source, destination: destination)
        return out
    }
}

/// A Multicast Listener Query (RFC 3810 §5.1; version 1's shorter form, RFC 2710 §3, read as well).
public struct MLDQuery: Hashable, Sendable {
    /// The longest a listener may wait before it answers, in milliseconds (§5.1.3, decoded).
    public var maximumResponseDelay: UInt32
    /// :: for a general query, else the group asked about.
    public var address: IPv6Address

    public init(maximumResponseDelay: UInt32, address: IPv6Address) {
        self.maximumResponseDelay = maximumResponseDelay
        self.address = address
    }

    public init(_ icmp: borrowing ICMPv6Packet) throws(WireError) {
        let b = icmp.bytes
        guard icmp.type == .multicastListenerQuery else { throw .badField(.mld) }
        try require(b, 24, .mld)
        let code = UInt32(b.u16(4))
        // §5.1.3: codes from 32768 on are a floating-point form, mantissa and exponent.
        maximumResponseDelay = code < 32768 ? code : (code & 0xFFF | 0x1000) << ((code >> 12 & 7) + 3)
        address = b.ipv6(8)
        if b.count >= 28 {
            try require(b, 28 + 16 * Int(b.u16(26)), .mld)
        }
    }
}
