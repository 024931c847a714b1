// IPv6, its extension headers, ICMPv6, NDP and MLD against the rules of RFC 8200, 4443, 4861, 8106 and
// 3810: what must be refused is refused, what must be answered with a parameter problem points at the
// right byte, and every message this layer emits parses back to itself.

import Testing
@testable import SwiftletWire
import Swiftlet

private let a = IPv6Address("fe80::1")!
private let b = IPv6Address("fe80::2")!

/// A whole IPv6 packet: the fixed header and `payload` (extension headers and upper-layer data).
private func packet(next: IPProtocol, hopLimit: UInt8 = 64, source: IPv6Address = a, destination: IPv6Address = b,
                    _ payload: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 40) + payload
    var span = out.mutableSpan
    try! IPv6Header(nextHeader: next, hopLimit: hopLimit, source: source, destination: destination,
                    payloadLength: payload.count).emit(into: &span)
    return out
}

private func chain(_ bytes: [UInt8]) throws -> IPv6Chain {
    try IPv6Packet(validating: bytes.span).walkExtensionHeaders()
}

@Suite struct IPv6RuleTests {
    @Test func addressesOfTheRFCs() {
        // RFC 4291 appendix A: 34:56:78:9a:bc:de gives the interface id 3656:78ff:fe9a:bcde.
        let id = IPv6Address.interfaceID(eui48: MACAddress(0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE))
        #expect(IPv6Address.linkLocal(interfaceID: id).description == "fe80::3656:78ff:fe9a:bcde")
        // RFC 4291 §2.7.1: 4037::01:800:200e:8c6c has the solicited-node address ff02::1:ff0e:8c6c.
        #expect(IPv6Address("4037::1:800:200e:8c6c")!.solicitedNode.description == "ff02::1:ff0e:8c6c")
        // RFC 2464 §7: ff02::1:ff0e:8c6c travels to 33:33:ff:0e:8c:6c.
        #expect(IPv6Address("ff02::1:ff0e:8c6c")!.multicastMAC.description == "33:33:ff:0e:8c:6c")
        #expect(IPv6Address("fe80::1")!.isLinkLocal && !IPv6Address("fec0::1")!.isLinkLocal)
        #expect(IPv6Address.allNodes.isMulticast && IPv6Address.allNodes.multicastScope == 2)
        let net = IPv6Network("2001:db8:1:2::77/64")!
        #expect(net.prefix.description == "2001:db8:1:2::" && net.contains(IPv6Address("2001:db8:1:2:ffff::1")!))
        #expect(!net.contains(IPv6Address("2001:db8:1:3::1")!))
        #expect(IPv6Address("2001:db8::ff")!.masked(to: 121).description == "2001:db8::80")
        #expect(IPv6Network("::/129") == nil && IPv6Network("::/0") != nil)
    }

    @Test func fixedHeaderRoundTripsAndLimitsThePayload() throws {
        var bytes = packet(next: .udp, [1, 2, 3, 4]) + [0xEE, 0xEE]  // link padding
        do {
            let p = try IPv6Packet(validating: bytes.span)
            #expect(p.payload.count == 4 && p.nextHeader == .udp && p.source == a && p.destination == b)
            var again = [UInt8](repeating: 0xEE, count: 40)
            var span = again.mutableSpan
            try IPv6Header(p).emit(into: &span)
            #expect(again == Array(bytes[0..<40]))
        }
        bytes[0] = 0x45
        let version4 = bytes
        #expect(throws: WireError.badVersion(.ipv6)) { try IPv6Packet(validating: version4.span) }
        bytes[0] = 0x60
        bytes[5] = 7  // payload length 7 with 6 bytes there
        let long = bytes
        #expect(throws: WireError.truncated(.ipv6, needed: 47, available: 46)) { try IPv6Packet(validating: long.span) }
    }

    @Test func extensionChainsEndWhereRFC8200Says() throws {
        // Hop-by-hop (PadN) then destination options (Pad1 × 6) then UDP.
        let hbh: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let dst: [UInt8] = [17, 0, 0, 0, 0, 0, 0, 0]
        #expect(try chain(packet(next: .ipv6HopByHop, hbh + dst + [0, 0, 0, 0])) == .upperLayer(.udp, offset: 56))
        // Hop-by-hop anywhere but first: unrecognised next header, pointing at the field that named it.
        #expect(try chain(packet(next: .ipv6DestinationOptions, [0] + Array(dst[1...]) + hbh))
                == .parameterProblem(code: 1, pointer: 40, unlessMulticast: false))
        // Unknown options by their two high bits (§4.2): skip, discard, problem, problem unless multicast.
        for (type, expected) in [(0x1E, IPv6Chain.upperLayer(.udp, offset: 48)), (0x5E, .discard),
                                 (0x9E, .parameterProblem(code: 2, pointer: 42, unlessMulticast: false)),
                                 (0xDE, .parameterProblem(code: 2, pointer: 42, unlessMulticast: true))] {
            #expect(try chain(packet(next: .ipv6DestinationOptions, [17, 0, UInt8(type), 4, 0, 0, 0, 0])) == expected)
        }
        // An option running past its header is a malformed header (code 0 at the length field).
        #expect(try chain(packet(next: .ipv6DestinationOptions, [17, 0, 1, 5, 0, 0, 0, 0]))
                == .parameterProblem(code: 0, pointer: 41, unlessMulticast: false))
        // A header longer than the packet is a parse error, not a walk past the end.
        #expect(throws: WireError.truncated(.ipv6, needed: 56, available: 48)) {
            try chain(packet(next: .ipv6DestinationOptions, [17, 1, 1, 4, 0, 0, 0, 0]))
        }
        #expect(try chain(packet(next: .ipv6NoNextHeader, [1, 2, 3])) == .discard)
    }

    @Test func routingHeadersAreNotFollowed() throws {
        // RFC 5095: type 0 with segments left is refused, pointing at the routing type (offset 2 in it).
        let type0: [UInt8] = [17, 2, 0, 1] + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
        #expect(try chain(packet(next: .ipv6Routing, type0)) == .parameterProblem(code: 0, pointer: 42, unlessMulticast: false))
        // With segments left zero the header is ignored (RFC 8200 §4.4).
        var done = type0
        done[3] = 0
        #expect(try chain(packet(next: .ipv6Routing, done + [0, 0, 0, 0, 0, 0, 0, 0])) == .upperLayer(.udp, offset: 64))
    }

    @Test func fragmentHeadersEndTheWalk() throws {
        var header = [UInt8](repeating: 0, count: 8)
        var span = header.mutableSpan
        let f = IPv6FragmentHeader(nextHeader: .icmpv6, offset: 1232, moreFragments: true, identification: 0xDEAD_BEEF)
        try f.emit(into: &span)
        #expect(try chain(packet(next: .ipv6Fragment, header + [1, 2, 3])) == .fragment(f, dataOffset: 48))
        #expect(!f.isAtomic)
        var bad = [UInt8](repeating: 0, count: 8)
        var badSpan = bad.mutableSpan
        #expect(throws: WireError.badLength(.ipv6)) {
            try IPv6FragmentHeader(nextHeader: .udp, offset: 12, moreFragments: false, identification: 1).emit(into: &badSpan)
        }
    }

    @Test func icmpv6ChecksumCoversThePseudoHeader() throws {
        var message: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x62]
        var span = message.mutableSpan
        try ICMPv6Header(.echoRequest(identifier: 7, sequence: 9)).emit(into: &span, source: a, destination: b)
        let p = try ICMPv6Packet(validating: message.span, source: a, destination: b)
        #expect(p.message == .echoRequest(identifier: 7, sequence: 9) && Array(copying: p.data) == [0x61, 0x62])
        // The same bytes from another source do not verify.
        #expect(throws: WireError.badChecksum(.icmpv6)) {
            try ICMPv6Packet(validating: message.span, source: IPv6Address("fe80::3")!, destination: b)
        }
    }

    @Test func icmpv6ErrorsQuoteTheInvokingPacket() throws {
        // A UDP datagram 5353 -> 9 that drew a port unreachable.
        let invoking = packet(next: .udp, [0x14, 0xE9, 0, 9, 0, 12, 0, 0, 1, 2, 3, 4])
        var message = [UInt8](repeating: 0, count: 8) + invoking
        var span = message.mutableSpan
        try ICMPv6Header(.destinationUnreachable(.port)).emit(into: &span, source: b, destination: a)
        let p = try ICMPv6Packet(validating: message.span, source: b, destination: a)
        let quoted = try p.quotedDatagram()
        #expect(quoted.upperLayer == .udp && quoted.ports?.source == 5353 && quoted.ports?.destination == 9)
        #expect(quoted.header.destination == b)
        // Echo is not an error and quotes nothing.
        var echo: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        var echoSpan = echo.mutableSpan
        try ICMPv6Header(.echoReply(identifier: 1, sequence: 1)).emit(into: &echoSpan, source: a, destination: b)
        #expect(throws: WireError.badField(.icmpv6)) {
            try ICMPv6Packet(validating: echo.span, source: a, destination: b).quotedDatagram()
        }
    }

    @Test func udpOverIPv6MustCarryAChecksum() throws {
        var datagram: [UInt8] = [0, 53, 0, 53, 0, 10, 0, 0, 0xAB, 0xCD]
        var span = datagram.mutableSpan
        try UDPHeader(sourcePort: 53, destinationPort: 53).emit(into: &span, source: a, destination: b)
        #expect(try UDPPacket(validating: datagram.span, source: a, destination: b).payload.count == 2)
        datagram[6] = 0; datagram[7] = 0
        #expect(throws: WireError.badChecksum(.udp)) { try UDPPacket(validating: datagram.span, source: a, destination: b) }
    }

    /// Parses `message` (an ICMPv6 message, checksum filled in) as NDP.
    private func ndp(_ message: NDPMessage, hopLimit: UInt8 = 255, source: IPv6Address = a,
                     destination: IPv6Address = b) throws -> NDPMessage {
        let bytes = message.encoded(source: source, destination: destination)
        let icmp = try ICMPv6Packet(validating: bytes.span, source: source, destination: destination)
        return try NDPMessage(icmp, hopLimit: hopLimit, source: source, destination: destination)
    }

    @Test func ndpMessagesRoundTrip() throws {
        var options = NDPOptions()
        options.sourceLinkLayer = MACAddress(2, 0, 0, 0, 0, 1)
        options.mtu = 1400
        options.prefixes = [NDPPrefixInformation(prefix: IPv6Network("2001:db8:1::/64")!, onLink: true, autonomous: true,
                                                 validLifetime: 86400, preferredLifetime: 14400)]
        options.dnsServers = [NDPDNSServers(addresses: [IPv6Address("2001:db8:1::53")!, IPv6Address("2001:db8:1::54")!],
                                            lifetime: 600)]
        options.searchLists = [NDPSearchList(domains: [DNSName("example.com")!, DNSName("swiftlet.test")!], lifetime: 600)]
        let ra = NDPMessage.routerAdvertisement(RouterAdvertisement(currentHopLimit: 64, otherConfiguration: true,
                                                                    routerLifetime: 1800, reachableTime: 30000,
                                                                    options: options))
        #expect(try ndp(ra, destination: .allNodes) == ra)
        var target = NDPOptions()
        target.targetLinkLayer = MACAddress(2, 0, 0, 0, 0, 2)
        let na = NDPMessage.neighborAdvertisement(NeighborAdvertisement(solicited: true, override: true, target: b, options: target))
        #expect(try ndp(na) == na)
        var source = NDPOptions()
        source.sourceLinkLayer = MACAddress(2, 0, 0, 0, 0, 1)
        let ns = NDPMessage.neighborSolicitation(target: b, options: source)
        #expect(try ndp(ns, destination: b.solicitedNode) == ns)
        #expect(try ndp(.routerSolicitation(source), destination: .allRouters) == .routerSolicitation(source))
        var redirected = NDPOptions()
        redirected.redirectedHeader = [0x60, 0, 0, 0, 0, 0, 17, 64]
        let redirect = NDPMessage.redirect(target: IPv6Address("fe80::99")!, destination: IPv6Address("2001:db8::5")!,
                                           options: redirected)
        #expect(try ndp(redirect) == redirect)
    }

    @Test func ndpRefusesWhatRFC4861Refuses() throws {
        let ns = NDPMessage.neighborSolicitation(target: b, options: NDPOptions())
        // Hop limit below 255: it crossed a router (§7.1.1).
        #expect(throws: WireError.badField(.ndp)) { try ndp(ns, hopLimit: 254) }
        // DAD (source ::) must go to the target's solicited-node address, without a source link-layer option.
        #expect(try ndp(ns, source: .unspecified, destination: b.solicitedNode) == ns)
        #expect(throws: WireError.badField(.ndp)) { try ndp(ns, source: .unspecified, destination: .allNodes) }
        var withSource = NDPOptions()
        withSource.sourceLinkLayer = MACAddress(2, 0, 0, 0, 0, 1)
        #expect(throws: WireError.badField(.ndp)) {
            try ndp(.neighborSolicitation(target: b, options: withSource), source: .unspecified, destination: b.solicitedNode)
        }
        // A multicast target; an advertisement to a multicast address marked solicited.
        #expect(throws: WireError.badField(.ndp)) { try ndp(.neighborSolicitation(target: .allNodes, options: NDPOptions())) }
        let na = NDPMessage.neighborAdvertisement(NeighborAdvertisement(solicited: true, override: false, target: a,
                                                                        options: NDPOptions()))
        #expect(throws: WireError.badField(.ndp)) { try ndp(na, destination: .allNodes) }
        // A router advertisement from a global address.
        let ra = NDPMessage.routerAdvertisement(RouterAdvertisement(routerLifetime: 0, options: NDPOptions()))
        #expect(throws: WireError.badField(.ndp)) { try ndp(ra, source: IPv6Address("2001:db8::1")!) }
        // An option of length zero (§4.6), and a link-layer option of the wrong length.
        for option: [UInt8] in [[1, 0, 0, 0, 0, 0, 0, 0], [1, 2] + [UInt8](repeating: 0, count: 14)] {
            var bytes = ns.encoded(source: a, destination: b) + option
            var span = bytes.mutableSpan
            ICMPv6Header.fillChecksum(&span, source: a, destination: b)
            let icmp = try ICMPv6Packet(validating: bytes.span, source: a, destination: b)
            #expect(throws: WireError.badOption(.ndp)) { try NDPMessage(icmp, hopLimit: 255, source: a, destination: b) }
        }
        // Unknown options are skipped.
        var bytes = ns.encoded(source: a, destination: b) + [200, 1, 9, 9, 9, 9, 9, 9]
        var span = bytes.mutableSpan
        ICMPv6Header.fillChecksum(&span, source: a, destination: b)
        let icmp = try ICMPv6Packet(validating: bytes.span, source: a, destination: b)
        #expect(try NDPMessage(icmp, hopLimit: 255, source: a, destination: b) == ns)
    }

    @Test func mldv2ReportsRoundTripAndQueriesDecodeTheirDelay() throws {
        let report = MLDv2Report(records: [MLDv2Record(type: MLDv2Record.changeToExclude, address: b.solicitedNode),
                                           MLDv2Record(type: MLDv2Record.modeIsInclude, address: IPv6Address("ff05::9")!,
                                                       sources: [IPv6Address("2001:db8::1")!])])
        let bytes = report.encoded(source: a)
        let icmp = try ICMPv6Packet(validating: bytes.span, source: a, destination: .allMLDv2Routers)
        #expect(try MLDv2Report(icmp) == report)
        // A report claiming more records than it holds.
        var short = Array(bytes[0..<(bytes.count - 16)])
        var span = short.mutableSpan
        ICMPv6Header.fillChecksum(&span, source: a, destination: .allMLDv2Routers)
        let icmpShort = try ICMPv6Packet(validating: short.span, source: a, destination: .allMLDv2Routers)
        #expect(throws: WireError.self) { try MLDv2Report(icmpShort) }
        // A general query with the floating-point delay code 0x8001: mantissa 1, exponent 0 -> (0x1001) << 3.
        var query: [UInt8] = [130, 0, 0, 0, 0x80, 0x01, 0, 0] + [UInt8](repeating: 0, count: 16) + [0, 0, 0, 0]
        var querySpan = query.mutableSpan
        ICMPv6Header.fillChecksum(&querySpan, source: a, destination: .allNodes)
        let q = try MLDQuery(ICMPv6Packet(validating: query.span, source: a, destination: .allNodes))
        #expect(q.maximumResponseDelay == 0x1001 << 3 && q.address == .unspecified)
    }
}
