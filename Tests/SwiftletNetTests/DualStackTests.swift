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

    @Test func noRouteOffLinkAndTooBigADatagram() throws {
        let net = Self.stacks()
        // No router was advertised or given: an off-link destination has no next hop (RFC 4861 §5.2).
        #expect(throws: StackError.noRoute(.v6(IPv6Address("2001:db8:99::1")!))) {
            try net.a.tcpConnect(to: TCPEndpoint(address: .v6(IPv6Address("2001:db8:99::1")!), port: 80), now: net.now)
        }
        #expect(throws: StackError.noRoute(.v6(.allNodes))) {
            try net.a.tcpConnect(to: TCPEndpoint(address: .v6(.allNodes), port: 80), now: net.now)
        }
        try net.a.udpBind(port: 5000)
        // No fragmentation on send yet: over the link MTU is refused, not sent.
        #expect(throws: StackError.messageTooLong(1500 - 40 - 8 + 1)) {
            try net.a.udpSend(from: 5000, to: Self.b6, port: 9, payload: [UInt8](repeating: 0, count: 1500 - 40 - 8 + 1).span, now: net.now)
        }
        try net.a.udpSend(from: 5000, to: Self.b6, port: 9, payload: [UInt8](repeating: 0, count: 1500 - 40 - 8).span, now: net.now)
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
