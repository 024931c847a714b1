// TCP and UDP over IPv6 through the same tables as IPv4 (Stack+TCP.swift, Stack+UDP.swift, issue 22):
// two stacks with 2001:db8::1 and ::2 by hand on a simulated link. A transfer both ways with loss, the
// MSS 20 bytes under IPv4's, one listener and one UDP port for both families, resets and port
// unreachables over IPv6, no route, a SYN to a group ignored, and the `IPAddress` type itself.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletTesting
@testable import SwiftletNet

@Suite struct DualStackTests {
    static let a6 = IPAddress.v6(TwoStacks.address6A)
    static let b6 = IPAddress.v6(TwoStacks.address6B)

    /// Two stacks whose manual IPv6 addresses have passed duplicate address detection.
    static func stacks(seed: UInt64 = 1, impairment: LinkImpairment = .perfect) -> TwoStacks {
        let net = TwoStacks(seed: seed, impairment: impairment, ipv6: true)
        net.run(for: .seconds(3), until: {
            net.a.ipv6!.isAssigned(TwoStacks.address6A) && net.b.ipv6!.isAssigned(TwoStacks.address6B)
        })
        return net
    }

    @Test func aTransferBothWaysOverIPv6WithLoss() throws {
        var impair = LinkImpairment()
        impair.loss = 0.01
        impair.delay = .milliseconds(2)
        let net = Self.stacks(seed: 5, impairment: impair)
        let (client, server) = try connectPair(net, to: Self.b6)
        #expect(server.remote.address == Self.a6)
        #expect(net.a.tcpConnection(client)?.local.address == Self.a6)
        let up = pattern(1_000_000, seed: 1), down = pattern(700_000, seed: 2)
        let r = exchange(net, client: client, server: server, up: up, down: down, limit: .seconds(120))
        #expect(r.finished && r.up == up && r.down == down)
        // RFC 8200 §8.3: a 1500-byte link carries 1440 bytes of TCP payload over IPv6 (less 12 of timestamps).
        #expect(net.a.tcpConnection(client)?.sendMSS == 1440 - 12)
        #expect(net.b.counters.ipv6Unsupported == 0 && net.a.counters.ipv6Unsupported == 0)
        #expect(net.link.oversized == 0)
    }

    @Test func oneListenerAndOneUDPPortServeBothFamilies() throws {
        let net = Self.stacks()
        let (v4Client, v4Server) = try connectPair(net, port: 7, to: .v4(TwoStacks.addressB))
        let v6Client = try net.a.tcpConnect(to: TCPEndpoint(address: Self.b6, port: 7), now: net.now)
        var v6Server: TCPSocketID? = nil
        #expect(net.run(for: .seconds(5), step: { if v6Server == nil { v6Server = net.b.tcpAccept(port: 7) } },
                        until: { v6Server != nil && net.a.tcpState(v6Client) == .established }))
        #expect(v4Server.remote.address == .v4(TwoStacks.addressA))
        #expect(v6Server?.remote.address == Self.a6)
        #expect(net.a.tcpState(v4Client) == .established)

        try net.b.udpBind(port: 53)
        try net.a.udpBind(port: 5353)
        try net.a.udpSend(from: 5353, to: Self.b6, port: 53, payload: [1, 2, 3].span, now: net.now)
        try net.a.udpSend(from: 5353, to: .v4(TwoStacks.addressB), port: 53, payload: [4].span, now: net.now)
        var got: [UDPDatagram] = []
        net.run(for: .seconds(2), step: { while let d = try? net.b.udpReceive(port: 53) { got.append(d) } }, until: { got.count == 2 })
        #expect(got.map { $0.source } == [Self.a6, .v4(TwoStacks.addressA)])
        #expect(got.first?.destination == Self.b6 && got.first?.payload == [1, 2, 3])
        // The answer goes back over the family it came by.
        try net.b.udpSend(from: 53, to: got[0].source, port: got[0].sourcePort, payload: [9].span, source: got[0].destination, now: net.now)
        var answer: UDPDatagram? = nil
        net.run(for: .seconds(2), step: { if answer == nil { answer = try? net.a.udpReceive(port: 5353) } }, until: { answer != nil })
        #expect(answer?.source == Self.b6 && answer?.payload == [9])
        // Port 0 binds a free ephemeral port (what a syslog reporter sends from), never one in use.
        let first = try net.a.udpBind(port: 0), second = try net.a.udpBind(port: 0)
        #expect(first >= 49152 && second >= 49152 && first != second && first != 5353)
        try net.a.udpSend(from: first, to: .v4(TwoStacks.addressB), port: 53, payload: [7].span, now: net.now)
        var fromEphemeral: UDPDatagram? = nil
        net.run(for: .seconds(2), step: { if fromEphemeral == nil { fromEphemeral = try? net.b.udpReceive(port: 53) } }, until: { fromEphemeral != nil })
        #expect(fromEphemeral?.sourcePort == first)
    }

    @Test func closedPortsAnswerWithResetAndPortUnreachable() throws {
        let net = Self.stacks()
        let client = try net.a.tcpConnect(to: TCPEndpoint(address: Self.b6, port: 9), now: net.now)
        net.run(for: .seconds(2), until: { net.a.tcpState(client) == .closed || net.a.tcpState(client) == nil })
        #expect(net.a.tcpConnection(client)?.error == .refused)
        #expect(net.b.counters.tcpResetsSent == 1)
        try net.a.udpBind(port: 5000)
        let before = net.b.counters.icmpv6ErrorsLimited
        try net.a.udpSend(from: 5000, to: Self.b6, port: 9, payload: [1].span, now: net.now)
        net.run(for: .seconds(1), until: { false })
        #expect(net.b.counters.udpNoPort == 1)
        #expect(net.b.counters.icmpv6ErrorsLimited == before)
        // The error came back to A as ICMPv6 destination unreachable, code 4 (port): A's stack took it.
        #expect(net.a.counters.malformed == 0)
    }

    @Test func noRouteOffLink() throws {
        let net = Self.stacks()
        // No router was advertised or given: an off-link destination has no next hop (RFC 4861 §5.2).
        #expect(throws: StackError.noRoute(.v6(IPv6Address("2001:db8:99::1")!))) {
            try net.a.tcpConnect(to: TCPEndpoint(address: .v6(IPv6Address("2001:db8:99::1")!), port: 80), now: net.now)
        }
        #expect(throws: StackError.noRoute(.v6(.allNodes))) {
            try net.a.tcpConnect(to: TCPEndpoint(address: .v6(.allNodes), port: 80), now: net.now)
        }
        try net.a.udpBind(port: 5000)
        // Over the link MTU goes in fragments (IPv6FragmentTests); a TCP segment never would (its MSS fits).
        try net.a.udpSend(from: 5000, to: Self.b6, port: 9, payload: [UInt8](repeating: 0, count: 1500 - 40 - 8 + 1).span, now: net.now)
    }

    @Test func aSegmentToAGroupOrFromAMappedAddressIsIgnored() throws {
        let net = Self.stacks()
        try net.b.tcpListen(port: 80)
        let syn = TCPHeader(sourcePort: 4000, destinationPort: 80, sequenceNumber: TCPSequenceNumber(1), flags: .syn, window: 1000)
        let notForUs = net.b.counters.ipv6NotForUs, martians = net.b.counters.martianSources
        for (source, destination) in [(TwoStacks.address6A, IPv6Address.allNodes),
                                      (IPv6Address(high: 0, low: 0xFFFF_0A00_0001), TwoStacks.address6B)] {
            var segment = [UInt8](repeating: 0, count: syn.length)
            var span = segment.mutableSpan
            try syn.emit(into: &span, source: source, destination: destination)
            let packet = IPv6Header(nextHeader: .tcp, hopLimit: 64, source: source, destination: destination, payloadLength: segment.count)
            var ip = [UInt8](repeating: 0, count: IPv6Header.length)
            var ipSpan = ip.mutableSpan
            try packet.emit(into: &ipSpan)
            let eth = EthernetHeader(destination: destination.isMulticast ? destination.multicastMAC : net.b.macAddress,
                                     source: net.a.macAddress, etherType: .ipv6)
            var frame = [UInt8](repeating: 0, count: eth.length)
            var frameSpan = frame.mutableSpan
            try eth.emit(into: &frameSpan)
            let whole = frame + ip + segment
            net.b.receive(frame: whole.span, now: net.now)
        }
        #expect(net.b.counters.tcpResetsSent == 0)
        #expect(net.b.tcpConnectionCount == 0)
        #expect(net.b.counters.ipv6NotForUs == notForUs + 1)
        #expect(net.b.counters.martianSources == martians + 1)
    }

    /// A Packet Too Big from a router on the path (2001:db8::ff) to A, quoting a TCP segment A sent to B
    /// from `port` with sequence number `sequence`.
    static func packetTooBig(_ net: TwoStacks, mtu: UInt32, port: UInt16, sequence: UInt32) throws -> [UInt8] {
        var quoted = [UInt8](repeating: 0, count: IPv6Header.length + 20)
        var q = quoted.mutableSpan
        try IPv6Header(nextHeader: .tcp, hopLimit: 64, source: TwoStacks.address6A, destination: TwoStacks.address6B,
                       payloadLength: 1400).emit(into: &q)
        quoted[40] = UInt8(port >> 8); quoted[41] = UInt8(port & 0xFF); quoted[43] = 80
        for k in 0..<4 { quoted[44 + k] = UInt8(truncatingIfNeeded: sequence >> UInt32(24 - 8 * k)) }
        return try packetTooBig(net, mtu: mtu, quoting: quoted)
    }

    /// A Packet Too Big from 2001:db8::ff to A quoting `quoted`.
    static func packetTooBig(_ net: TwoStacks, mtu: UInt32, quoting quoted: [UInt8]) throws -> [UInt8] {
        let router = IPv6Address("2001:db8::ff")!
        var icmp = [UInt8](repeating: 0, count: ICMPv6Header.length) + quoted
        var i = icmp.mutableSpan
        try ICMPv6Header(.packetTooBig(mtu: mtu)).emit(into: &i, source: router, destination: TwoStacks.address6A)
        var ip = [UInt8](repeating: 0, count: IPv6Header.length)
        var p = ip.mutableSpan
        try IPv6Header(nextHeader: .icmpv6, hopLimit: 64, source: router, destination: TwoStacks.address6A, payloadLength: icmp.count).emit(into: &p)
        let eth = EthernetHeader(destination: net.a.macAddress, source: net.b.macAddress, etherType: .ipv6)
        var frame = [UInt8](repeating: 0, count: eth.length)
        var f = frame.mutableSpan
        try eth.emit(into: &f)
        return frame + ip + icmp
    }

    static func deliver(_ net: TwoStacks, _ frame: [UInt8]) { net.a.receive(frame: frame.span, now: net.now) }

    /// Writes from A until at least `count` bytes of `data` are queued or sent; returns how many.
    static func write(_ net: TwoStacks, _ id: TCPSocketID, _ data: [UInt8], atLeast count: Int) -> Int {
        var written = 0
        net.run(for: .milliseconds(5), step: {
            if let n = try? net.a.tcpWrite(id, data.span.extracting(written...), now: net.now) { written += n }
        }, until: { written > count })
        return written
    }

    /// Writes the rest of `data` from `written` and returns everything the server read.
    static func finish(_ net: TwoStacks, _ client: TCPSocketID, _ server: TCPSocketID, _ data: [UInt8], from written: Int) -> [UInt8] {
        var at = written
        var got: [UInt8] = []
        net.run(for: .seconds(60), step: {
            if at < data.count, let n = try? net.a.tcpWrite(client, data.span.extracting(at...), now: net.now) { at += n }
            while let chunk = try? net.b.tcpRead(server, maximum: 1 << 20, now: net.now), !chunk.isEmpty { got += chunk }
        }, until: { got.count >= data.count })
        return got
    }

    /// RFC 8201: a router's Packet Too Big lowers the path MTU to B; the connection's segments shrink at
    /// once and the transfer completes; new connections start with the smaller MSS. Forged reports (data not
    /// in flight, a connection we do not hold) change nothing; a report under 1280 counts as 1280.
    @Test func packetTooBigLowersThePathMTU() throws {
        let net = Self.stacks()
        let (client, server) = try connectPair(net, to: Self.b6)
        let up = pattern(400_000, seed: 3)
        let written = Self.write(net, client, up, atLeast: 100_000)
        let c = try #require(net.a.tcpConnection(client))
        #expect(c.sendMSS == 1440 - 12)
        // Forged: a sequence number far from what is in flight, then a port with no connection.
        let far = c.sndMax.rawValue &+ 1_000_000
        Self.deliver(net, try Self.packetTooBig(net, mtu: 1300, port: client.localPort, sequence: far))
        Self.deliver(net, try Self.packetTooBig(net, mtu: 1300, port: client.localPort &+ 1, sequence: c.sndUna.rawValue))
        #expect(net.a.counters.packetTooBigIgnored == 1 && net.a.counters.pathMTUReductions == 0)
        #expect(net.a.tcpConnection(client)?.sendMSS == 1440 - 12)
        // Real: 1300 bytes fit the path.
        Self.deliver(net, try Self.packetTooBig(net, mtu: 1300, port: client.localPort, sequence: c.sndUna.rawValue &+ 1))
        #expect(net.a.counters.pathMTUReductions == 1)
        #expect(net.a.tcpConnection(client)?.sendMSS == 1300 - 60 - 12)
        #expect(net.a.pathMTUEntries(now: net.now).map { $0.1 } == [1300])
        #expect(Self.finish(net, client, server, up, from: written) == up)
        // Under IPv6's minimum: taken as 1280.
        let (client2, _) = try connectPair(net, port: 81, to: Self.b6)
        #expect(net.a.tcpConnection(client2)?.sendMSS == 1300 - 60 - 12)
        _ = Self.write(net, client2, up, atLeast: 50_000)
        let c2 = try #require(net.a.tcpConnection(client2))
        Self.deliver(net, try Self.packetTooBig(net, mtu: 500, port: client2.localPort, sequence: c2.sndUna.rawValue))
        // Sequence number SND.UNA is in flight, but port 81: the quote says port 80, so it names no connection.
        #expect(net.a.tcpConnection(client2)?.sendMSS == 1300 - 60 - 12)
        // After ten minutes the entry expires.
        #expect(net.a.pathMTUEntries(now: net.now + .seconds(601)).isEmpty)
    }

    /// Review findings: a Packet Too Big quoting our first fragment of a UDP datagram is followed (the
    /// ports are behind the fragment header) but moves no open TCP connection; a segment from a
    /// connection's peer to another of our addresses is not that connection's; a configured MSS under
    /// IPv6's floor stays; a mapped IPv6 address is the IPv4 peer.
    @Test func reviewFindings() throws {
        let net = Self.stacks()
        let (client, server) = try connectPair(net, to: Self.b6)
        try net.a.udpBind(port: 4000)
        var quoted = [UInt8](repeating: 0, count: IPv6Header.length + IPv6FragmentHeader.length + 8)
        var q = quoted.mutableSpan
        try IPv6Header(nextHeader: .ipv6Fragment, hopLimit: 64, source: TwoStacks.address6A, destination: TwoStacks.address6B,
                       payloadLength: 1448).emit(into: &q)
        var f = q.extracting(IPv6Header.length...)
        try IPv6FragmentHeader(nextHeader: .udp, offset: 0, moreFragments: true, identification: 7).emit(into: &f)
        quoted[48] = 0x0F; quoted[49] = 0xA0; quoted[51] = 9   // UDP 4000 -> 9
        Self.deliver(net, try Self.packetTooBig(net, mtu: 1300, quoting: quoted))
        #expect(net.a.pathMTUEntries(now: net.now).map { $0.1 } == [1300])
        #expect(net.a.tcpConnection(client)?.sendMSS == 1440 - 12)  // not moved by a UDP-quoted report

        // B's link-local address is B too, but not the address this connection is with.
        let linkLocalB = net.b.ipv6!.linkLocal
        let before = net.b.counters.ipv6NotForUs
        let segment = TCPHeader(sourcePort: client.localPort, destinationPort: 80, sequenceNumber: TCPSequenceNumber(1), flags: .syn, window: 1000)
        var tcp = [UInt8](repeating: 0, count: segment.length)
        var t = tcp.mutableSpan
        try segment.emit(into: &t, source: TwoStacks.address6A, destination: linkLocalB)
        var ip = [UInt8](repeating: 0, count: IPv6Header.length)
        var i = ip.mutableSpan
        try IPv6Header(nextHeader: .tcp, hopLimit: 64, source: TwoStacks.address6A, destination: linkLocalB, payloadLength: tcp.count).emit(into: &i)
        let eth = EthernetHeader(destination: net.b.macAddress, source: net.a.macAddress, etherType: .ipv6)
        var frame = [UInt8](repeating: 0, count: eth.length)
        var e = frame.mutableSpan
        try eth.emit(into: &e)
        let whole = frame + ip + tcp
        net.b.receive(frame: whole.span, now: net.now)
        #expect(net.b.counters.ipv6NotForUs == before + 1)
        #expect(net.b.tcpState(server) == .established && net.b.counters.tcpResetsSent == 0)

        var small = TCPConfiguration()
        small.maximumSegmentSize = 536
        let net2 = TwoStacks(tcp: small, ipv6: true)
        net2.run(for: .seconds(3), until: { net2.a.ipv6!.isAssigned(TwoStacks.address6A) && net2.b.ipv6!.isAssigned(TwoStacks.address6B) })
        let (c2, _) = try connectPair(net2, to: Self.b6)
        #expect(net2.a.tcpConnection(c2)?.sendMSS == 536 - 20 - 12)

        try net.b.tcpListen(port: 7)
        let mapped = try net.a.tcpConnect(to: TCPEndpoint(address: .v6(IPv6Address(high: 0, low: 0xFFFF_0A00_0002)), port: 7), now: net.now)
        #expect(mapped.remote.address == .v4(TwoStacks.addressB))
    }

    /// The path-MTU table holds at most 64 destinations: reports for 70 (each quoting a bound UDP port)
    /// leave 64, the newest ones in place of those expiring first.
    @Test func thePathMTUTableIsBounded() throws {
        let net = Self.stacks()
        try net.a.udpBind(port: 4000)
        for k in 0..<70 {
            var quoted = [UInt8](repeating: 0, count: IPv6Header.length + 8)
            var q = quoted.mutableSpan
            try IPv6Header(nextHeader: .udp, hopLimit: 64, source: TwoStacks.address6A,
                           destination: IPv6Address(high: 0x2001_0DB8_0009 << 16, low: UInt64(k + 1)), payloadLength: 1400).emit(into: &q)
            quoted[40] = 0x0F; quoted[41] = 0xA0; quoted[43] = 9
            Self.deliver(net, try Self.packetTooBig(net, mtu: 1300, quoting: quoted))
            net.run(for: .milliseconds(10), until: { false })
        }
        let entries = net.a.pathMTUEntries(now: net.now)
        #expect(entries.count == NetworkStack<SimulatedDevice>.maximumPathMTUEntries)
        #expect(entries.contains { $0.0.low == 70 } && !entries.contains { $0.0.low == 1 })
        #expect(net.a.counters.pathMTUReductions == 70)
    }

    @Test func addressesOfEitherFamily() {
        #expect(IPAddress("192.0.2.1") == .v4(IPv4Address(192, 0, 2, 1)))
        #expect(IPAddress("2001:db8::1") == .v6(IPv6Address("2001:db8::1")!))
        #expect(IPAddress("[2001:db8::1]") == .v6(IPv6Address("2001:db8::1")!))
        // An IPv4-mapped address is the IPv4 address: one peer, one name.
        #expect(IPAddress("::ffff:c000:201") == .v4(IPv4Address(192, 0, 2, 1)))
        #expect(IPAddress.v4(IPv4Address(192, 0, 2, 1)).mappedIPv6 == IPv6Address("::ffff:c000:201")!)
        #expect(IPAddress("2001:db8::1]") == nil && IPAddress("") == nil && IPAddress("1.2.3") == nil)
        #expect(Endpoint(address: IPv6Address("2001:db8::1")!, port: 80).description == "[2001:db8::1]:80")
        #expect(Endpoint(address: IPv4Address(192, 0, 2, 1), port: 80).description == "192.0.2.1:80")
        // Socket IDs of the two families never collide in the table.
        let v4 = TCPSocketID(localPort: 80, remote: TCPEndpoint(address: .v4(IPv4Address(0, 0, 0, 1)), port: 1))
        let v6 = TCPSocketID(localPort: 80, remote: TCPEndpoint(address: .v6(IPv6Address(high: 0, low: 1)), port: 1))
        #expect(v4 != v6 && Set([v4, v6]).count == 2)
    }
}
