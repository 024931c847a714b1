// The IPv6, ICMPv6, NDP, MLD, TCP and UDP views on frames Linux sent (IPv6Captures.swift): each parses to
// the values tshark read from it, and what this layer emits for the same values is the same bytes.

import Testing
import SwiftletTesting
@testable import SwiftletWire
import Swiftlet

/// The IPv6 packet of an Ethernet frame.
private func ipv6(_ frame: [UInt8]) throws -> [UInt8] {
    let eth = try EthernetHeader(parsing: frame.span)
    #expect(eth.etherType == .ipv6)
    return Array(frame[eth.length...])
}

/// The packet's fixed header, where its upper layer starts, and that layer's bytes.
private func upper(_ packet: [UInt8]) throws -> (IPv6Header, IPProtocol, [UInt8]) {
    let p = try IPv6Packet(validating: packet.span)
    guard case .upperLayer(let proto, let offset) = try p.walkExtensionHeaders() else {
        Issue.record("no upper layer")
        throw WireError.badField(.ipv6)
    }
    return (IPv6Header(p), proto, Array(packet[offset..<(40 + p.payloadLength)]))
}

private func ndp(_ frame: [UInt8]) throws -> (IPv6Header, NDPMessage, [UInt8]) {
    let (header, proto, body) = try upper(try ipv6(frame))
    #expect(proto == .icmpv6)
    let icmp = try ICMPv6Packet(validating: body.span, source: header.source, destination: header.destination)
    let message = try NDPMessage(icmp, hopLimit: header.hopLimit, source: header.source, destination: header.destination)
    return (header, message, body)
}

private let hostA = IPv6Address("fe80::ff:fe00:1")!
private let hostB = IPv6Address("fe80::ff:fe00:2")!
private let macA = MACAddress(2, 0, 0, 0, 0, 1)
private let macB = MACAddress(2, 0, 0, 0, 0, 2)

@Suite struct IPv6CaptureTests {
    @Test func echoRequestAndReply() throws {
        for (frame, request) in [(IPv6Captures.echoRequest, true), (IPv6Captures.echoReply, false)] {
            let packet = try ipv6(frame)
            let (header, proto, body) = try upper(packet)
            #expect(proto == .icmpv6 && header.hopLimit == 64 && header.payloadLength == 64)
            #expect(header.source == (request ? hostA : hostB) && header.destination == (request ? hostB : hostA))
            let icmp = try ICMPv6Packet(validating: body.span, source: header.source, destination: header.destination)
            #expect(icmp.message == (request ? .echoRequest(identifier: 0x07E5, sequence: 1)
                                             : .echoReply(identifier: 0x07E5, sequence: 1)))
            #expect(icmp.data.count == 56 && icmp.data[16] == 0x10)
            // Header and message re-emitted over junk are the captured bytes.
            var out = [UInt8](repeating: 0xEE, count: 40) + Array(body[0..<8]).map { _ in 0xEE } + Array(body[8...])
            var span = out.mutableSpan
            try header.emit(into: &span)
            var message = span.extracting(40...)
            try ICMPv6Header(icmp.message).emit(into: &message, source: header.source, destination: header.destination)
            #expect(out == packet)
        }
    }

    @Test func addressesLinuxDerivedFromTheMACAreOurs() {
        // Linux chose fe80::ff:fe00:1 for 02:00:00:00:00:01: the same modified EUI-64 (RFC 4291 appendix A).
        #expect(IPv6Address.linkLocal(interfaceID: IPv6Address.interfaceID(eui48: macA)) == hostA)
        #expect(IPv6Address.linkLocal(interfaceID: IPv6Address.interfaceID(eui48: macB)) == hostB)
    }

    @Test func neighborSolicitationAndAdvertisementReencodeExactly() throws {
        let (nsHeader, ns, nsBody) = try ndp(IPv6Captures.neighborSolicitation)
        #expect(nsHeader.destination == hostB.solicitedNode && nsHeader.hopLimit == 255)
        guard case .neighborSolicitation(let target, let options) = ns else { Issue.record("\(ns)"); return }
        #expect(target == hostB && options.sourceLinkLayer == macA)
        #expect(ns.encoded(source: nsHeader.source, destination: nsHeader.destination) == nsBody)
        // The frame goes to the solicited-node group's MAC (RFC 2464 §7).
        let nsFrame = IPv6Captures.neighborSolicitation
        #expect(try EthernetHeader(parsing: nsFrame.span).destination == hostB.solicitedNode.multicastMAC)

        let (naHeader, na, naBody) = try ndp(IPv6Captures.neighborAdvertisement)
        #expect(na == .neighborAdvertisement(NeighborAdvertisement(
            router: false, solicited: true, override: true, target: hostB,
            options: { var o = NDPOptions(); o.targetLinkLayer = macB; return o }())))
        #expect(na.encoded(source: naHeader.source, destination: naHeader.destination) == naBody)
        // What the stack sends with: the same bytes.
        #expect(ns.encodedByHost(source: nsHeader.source, destination: nsHeader.destination) == nsBody)
        #expect(na.encodedByHost(source: naHeader.source, destination: naHeader.destination) == naBody)
    }

    @Test func duplicateAddressDetectionFromTheUnspecifiedAddress() throws {
        // Linux adds a Nonce option (RFC 7527, type 14), which this layer skips as unknown.
        let (header, message, _) = try ndp(IPv6Captures.dadSolicitation)
        #expect(header.source == .unspecified)
        let target = IPv6Address("2001:db8::1")!
        #expect(header.destination == target.solicitedNode)
        #expect(message == .neighborSolicitation(target: target, options: NDPOptions()))
    }

    @Test func routerSolicitation() throws {
        let (header, message, body) = try ndp(IPv6Captures.routerSolicitation)
        #expect(header.destination == .allRouters)
        var options = NDPOptions()
        options.sourceLinkLayer = macA
        #expect(message == .routerSolicitation(options))
        #expect(message.encoded(source: header.source, destination: header.destination) == body)
        #expect(message.encodedByHost(source: header.source, destination: header.destination) == body)
    }

    @Test func routerAdvertisementFromRadvd() throws {
        let (header, message, _) = try ndp(IPv6Captures.routerAdvertisement)
        #expect(header.source == hostB && header.destination == .allNodes)
        guard case .routerAdvertisement(let ra) = message else { Issue.record("\(message)"); return }
        #expect(ra.currentHopLimit == 64 && ra.routerLifetime == 90 && !ra.managed && !ra.otherConfiguration)
        #expect(ra.reachableTime == 0 && ra.retransmitTimer == 0)
        #expect(ra.options.prefixes == [NDPPrefixInformation(prefix: IPv6Network("2001:db8:1::/64")!, onLink: true,
                                                             autonomous: true, validLifetime: 86400,
                                                             preferredLifetime: 14400)])
        #expect(ra.options.dnsServers == [NDPDNSServers(addresses: [IPv6Address("2001:db8:1::53")!], lifetime: 600)])
        #expect(ra.options.searchLists == [NDPSearchList(domains: [DNSName("example.com")!, DNSName("swiftlet.test")!],
                                                         lifetime: 600)])
        #expect(ra.options.mtu == 1400 && ra.options.sourceLinkLayer == macB)
        // radvd orders its options differently; what we encode parses back to the same advertisement.
        let again = message.encoded(source: header.source, destination: header.destination)
        let icmp = try ICMPv6Packet(validating: again.span, source: header.source, destination: header.destination)
        #expect(try NDPMessage(icmp, hopLimit: 255, source: header.source, destination: header.destination) == message)
    }

    @Test func mldv2ReportBehindARouterAlert() throws {
        let packet = try ipv6(IPv6Captures.mldv2Report)
        let (header, proto, body) = try upper(packet)
        #expect(header.nextHeader == .ipv6HopByHop && header.hopLimit == 1 && proto == .icmpv6)
        // The hop-by-hop header is the one this layer puts in front of its own reports.
        #expect(Array(packet[40..<48]) == ipv6RouterAlertHeader(next: .icmpv6))
        let icmp = try ICMPv6Packet(validating: body.span, source: header.source, destination: header.destination)
        let report = try MLDv2Report(icmp)
        #expect(report == MLDv2Report(records: [MLDv2Record(type: MLDv2Record.changeToExclude, address: hostA.solicitedNode)]))
        #expect(report.encoded(source: header.source) == body)
    }

    @Test func fragmentsOfABigEcho() throws {
        let first = try ipv6(IPv6Captures.fragmentFirst), last = try ipv6(IPv6Captures.fragmentLast)
        let firstChain = try IPv6Packet(validating: first.span).walkExtensionHeaders()
        let lastChain = try IPv6Packet(validating: last.span).walkExtensionHeaders()
        #expect(firstChain == .fragment(IPv6FragmentHeader(nextHeader: .icmpv6, offset: 0, moreFragments: true,
                                                           identification: 0x4EBB_5C30), dataOffset: 48))
        #expect(lastChain == .fragment(IPv6FragmentHeader(nextHeader: .icmpv6, offset: 2464, moreFragments: false,
                                                          identification: 0x4EBB_5C30), dataOffset: 48))
        // The fragment header re-emits exactly.
        guard case .fragment(let f, _) = lastChain else { return }
        var out = [UInt8](repeating: 0xEE, count: 8)
        var span = out.mutableSpan
        try f.emit(into: &span)
        #expect(out == Array(last[40..<48]))
        #expect(first.count - 48 == 1232 && last.count - 48 == 544)
    }

    @Test func tcpAndUDPOverIPv6() throws {
        let (tcpHeader, tcpProto, segment) = try upper(try ipv6(IPv6Captures.tcpSyn))
        #expect(tcpProto == .tcp)
        let syn = try TCPHeader(parsing: segment.span, source: tcpHeader.source, destination: tcpHeader.destination)
        #expect(syn.sourcePort == 48678 && syn.destinationPort == 8080 && syn.flags == .syn)
        #expect(syn.sequenceNumber.rawValue == 1_995_201_241 && syn.options.maximumSegmentSize == 1220)
        #expect(syn.options.windowScale == 10 && syn.options.sackPermitted)
        var out = [UInt8](repeating: 0xEE, count: syn.length)
        var span = out.mutableSpan
        try syn.emit(into: &span, source: tcpHeader.source, destination: tcpHeader.destination)
        let again = try TCPHeader(parsing: out.span, source: tcpHeader.source, destination: tcpHeader.destination)
        #expect(again == syn)

        let (udpHeader, udpProto, datagram) = try upper(try ipv6(IPv6Captures.udpDatagram))
        #expect(udpProto == .udp)
        let udp = try UDPPacket(validating: datagram.span, source: udpHeader.source, destination: udpHeader.destination)
        #expect(udp.sourcePort == 40000 && udp.destinationPort == 9999)
        #expect(Array(copying: udp.payload) == Array("hello v6\n".utf8))
        var udpOut = [UInt8](repeating: 0xEE, count: 8) + Array("hello v6\n".utf8)
        var udpSpan = udpOut.mutableSpan
        try UDPHeader(sourcePort: 40000, destinationPort: 9999).emit(into: &udpSpan, source: udpHeader.source,
                                                                      destination: udpHeader.destination)
        #expect(udpOut == datagram)
    }

    @Test func errorsQuoteWhatLinuxQuoted() throws {
        let (header, _, body) = try upper(try ipv6(IPv6Captures.destinationUnreachable))
        let icmp = try ICMPv6Packet(validating: body.span, source: header.source, destination: header.destination)
        #expect(icmp.message == .destinationUnreachable(.port))
        let quoted = try icmp.quotedDatagram()
        #expect(quoted.upperLayer == .udp && quoted.ports?.source == 40001 && quoted.ports?.destination == 9998)

        let (ptbHeader, _, ptbBody) = try upper(try ipv6(IPv6Captures.packetTooBig))
        #expect(ptbBody.count == ICMPv6Header.length + ICMPv6Header.maximumQuote)
        let ptb = try ICMPv6Packet(validating: ptbBody.span, source: ptbHeader.source, destination: ptbHeader.destination)
        #expect(ptb.message == .packetTooBig(mtu: 1280))
        let invoking = try ptb.quotedDatagram()
        // The quote is cut short of the invoking packet's payload length, and still read.
        #expect(invoking.header.payloadLength == 1408 && invoking.header.destination == IPv6Address("2001:db8:b::1")!)
        #expect(invoking.upperLayer == .icmpv6 && invoking.leadingBytes.first == 128)
    }
}
