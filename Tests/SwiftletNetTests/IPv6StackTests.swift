// The stack's IPv6 side on a fake device, frame by frame: what it sends when it starts (DAD from ::,
// an MLDv2 report, a router solicitation), the link-local address after DAD, neighbour solicitations
// answered and echo requests replied to, SLAAC from the router advertisement radvd sent (captured),
// a duplicate found during DAD, parameter problems and their rate limit, and the NDP that RFC 4861 says
// to ignore ignored.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletTesting
@testable import SwiftletNet

private let ourMAC = MACAddress(2, 0, 0, 0, 0, 0x10)
private let peerMAC = MACAddress(2, 0, 0, 0, 0, 2)
private let peer = IPv6Address("fe80::ff:fe00:2")!
private let ours = IPv6Address.linkLocal(interfaceID: IPv6Address.interfaceID(eui48: ourMAC))

private func at(_ seconds: Double) -> Instant { .zero + .milliseconds(Int64(seconds * 1000)) }

/// An Ethernet frame holding an IPv6 packet with `payload` after the fixed header.
private func frame(to mac: MACAddress = ourMAC, from source: IPv6Address = peer, to destination: IPv6Address = ours,
                   next: IPProtocol = .icmpv6, hopLimit: UInt8 = 255, _ payload: [UInt8]) -> PacketBuffer {
    var bytes = [UInt8](repeating: 0, count: 14 + 40) + payload
    var span = bytes.mutableSpan
    var eth = span._mutatingExtracting(0..<14)
    try! EthernetHeader(destination: mac, source: peerMAC, etherType: .ipv6).emit(into: &eth)
    var ip = span._mutatingExtracting(14..<54)
    try! IPv6Header(nextHeader: next, hopLimit: hopLimit, source: source, destination: destination,
                    payloadLength: payload.count).emit(into: &ip)
    return PacketBuffer(bytes: bytes)
}

/// What the stack sent: each frame's IPv6 header and ICMPv6 message (skipping a hop-by-hop header).
private func sent(_ device: FakeNetworkDevice) -> [(mac: MACAddress, ip: IPv6Header, icmp: [UInt8])] {
    device.transmitted.compactMap { f in
        let bytes = f.array
        guard let eth = try? EthernetHeader(parsing: bytes.span), eth.etherType == .ipv6,
              let p = try? IPv6Packet(validating: bytes.span.extracting(14...)),
              case .upperLayer(.icmpv6, let offset)? = try? p.walkExtensionHeaders() else { return nil }
        return (eth.destination, IPv6Header(p), Array(bytes[(14 + offset)...]))
    }
}

private func ndp(_ s: (mac: MACAddress, ip: IPv6Header, icmp: [UInt8])) -> NDPMessage? {
    guard let icmp = try? ICMPv6Packet(validating: s.icmp.span, source: s.ip.source, destination: s.ip.destination) else {
        return nil
    }
    return try? NDPMessage(icmp, hopLimit: s.ip.hopLimit, source: s.ip.source, destination: s.ip.destination)
}

/// A stack with IPv6 on, started at 0 and past DAD for its link-local address (the probe leaves by 1 s,
/// DAD ends a second later).
private func startedStack(_ device: FakeNetworkDevice, seed: UInt64 = 7) -> NetworkStack<FakeNetworkDevice> {
    let stack = NetworkStack(device: device, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                             seed: StackSeed(SeededEntropy(seed: seed)), ipv6: IPv6Autoconfiguration.Configuration())
    stack.start(now: at(0))
    stack.poll(now: at(1))
    stack.poll(now: at(2))
    return stack
}

/// Starts `stack` at 0 and polls it every 10 ms until it sends ICMPv6: the time it did (at most 1.0 s).
private func firstFrameTime(_ stack: NetworkStack<FakeNetworkDevice>, _ device: FakeNetworkDevice) -> Double {
    stack.start(now: at(0))
    var t = 0.0
    while sent(device).isEmpty, t < 1.5 {
        t += 0.01
        stack.poll(now: at(t))
    }
    return t
}

@Suite struct IPv6StackTests {
    @Test func startingSendsDADAReportAndASolicitationThenTheLinkLocalAddressIsUsable() throws {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = NetworkStack(device: device, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                                 seed: StackSeed(SeededEntropy(seed: 7)), ipv6: IPv6Autoconfiguration.Configuration())
        // Nothing leaves before a random delay of up to a second (RFC 4862 §5.4.2, RFC 4861 §6.3.7); then the
        // DAD probe, the report and the first router solicitation together. Another seed, another delay.
        let t = firstFrameTime(stack, device)
        #expect(t > 0 && t <= 1.0)
        let other = FakeNetworkDevice(macAddress: ourMAC)
        let second = NetworkStack(device: other, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                                  seed: StackSeed(SeededEntropy(seed: 8)), ipv6: IPv6Autoconfiguration.Configuration())
        let t2 = firstFrameTime(second, other)
        #expect(t2 <= 1.0 && abs(t2 - t) > 0.005)
        let out = sent(device)
        let dad = try #require(out.first { ndp($0) == .neighborSolicitation(target: ours, options: NDPOptions()) })
        #expect(dad.ip.source == .unspecified && dad.ip.destination == ours.solicitedNode && dad.ip.hopLimit == 255)
        #expect(dad.mac == ours.solicitedNode.multicastMAC)
        let report = try #require(out.first { $0.ip.destination == .allMLDv2Routers })
        #expect(report.ip.nextHeader == .ipv6HopByHop && report.ip.hopLimit == 1)
        let mld = try MLDv2Report(ICMPv6Packet(validating: report.icmp.span, source: report.ip.source,
                                               destination: report.ip.destination))
        #expect(mld.records.map(\.address) == [ours.solicitedNode])
        #expect(out.contains { $0.ip.destination == .allRouters && ndp($0) == .routerSolicitation(NDPOptions()) })
        // Tentative: a solicitation for it is not answered.
        #expect(stack.ipv6?.isTentative(ours) == true)
        stack.poll(now: at(t + 0.99))
        #expect(stack.ipv6?.isTentative(ours) == true)
        stack.poll(now: at(t + 1.0))
        #expect(stack.ipv6?.isAssigned(ours) == true)
        #expect(stack.takeIPv6Events() == [.configured(IPv6Network(address: ours, prefixLength: 64)!)])
        // Router solicitations go on every 4 s, three in all, while no router answers.
        device.clearTransmitted()
        for x in [4.1, 8.2, 12.3, 16.4] { stack.poll(now: at(t + x)) }
        #expect(sent(device).filter { $0.ip.destination == .allRouters }.count == 2)
    }

    @Test func solicitationsAreAnsweredAndEchoRepliedToTheNeighbourLearned() throws {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = startedStack(device)
        device.clearTransmitted()
        var options = NDPOptions()
        options.sourceLinkLayer = peerMAC
        let ns = NDPMessage.neighborSolicitation(target: ours, options: options).encoded(source: peer, destination: ours.solicitedNode)
        stack.receive(frame: frame(to: ours.solicitedNode.multicastMAC, to: ours.solicitedNode, ns).bytes, now: at(2))
        let answer = try #require(sent(device).first)
        var target = NDPOptions()
        target.targetLinkLayer = ourMAC
        #expect(ndp(answer) == .neighborAdvertisement(NeighborAdvertisement(solicited: true, override: true, target: ours,
                                                                              options: target)))
        #expect(answer.mac == peerMAC && answer.ip.destination == peer && answer.ip.source == ours)
        #expect(stack.neighbors.state(of: peer) == .stale)

        device.clearTransmitted()
        var echo = [UInt8](repeating: 0, count: 8) + Array("swiftlet".utf8)
        var span = echo.mutableSpan
        try ICMPv6Header(.echoRequest(identifier: 0x77, sequence: 3)).emit(into: &span, source: peer, destination: ours)
        stack.receive(frame: frame(hopLimit: 64, echo).bytes, now: at(2.5))
        let reply = try #require(sent(device).first)
        let icmp = try ICMPv6Packet(validating: reply.icmp.span, source: reply.ip.source, destination: reply.ip.destination)
        #expect(icmp.message == .echoReply(identifier: 0x77, sequence: 3) && Array(copying: icmp.data) == Array("swiftlet".utf8))
        #expect(reply.mac == peerMAC && reply.ip.destination == peer && stack.counters.icmpEchoRepliesSent == 1)
        // Using the stale entry starts NUD: a unicast probe after DELAY_FIRST_PROBE_TIME.
        device.clearTransmitted()
        stack.poll(now: at(7.6))
        #expect(sent(device).contains { $0.mac == peerMAC && ndp($0).map { if case .neighborSolicitation(peer, _) = $0 { true } else { false } } == true })
    }

    @Test func ndpThatCrossedARouterOrIsForAnotherIsIgnored() {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = startedStack(device)
        device.clearTransmitted()
        let ns = NDPMessage.neighborSolicitation(target: ours, options: NDPOptions()).encoded(source: peer, destination: ours)
        stack.receive(frame: frame(hopLimit: 254, ns).bytes, now: at(2))
        #expect(device.transmitted.isEmpty && stack.counters.ndpInvalid == 1)
        // A solicitation for an address that is not ours draws nothing.
        let other = NDPMessage.neighborSolicitation(target: IPv6Address("fe80::99")!, options: NDPOptions())
            .encoded(source: peer, destination: IPv6Address("fe80::99")!.solicitedNode)
        stack.receive(frame: frame(to: IPv6Address("fe80::99")!.solicitedNode.multicastMAC,
                                   to: IPv6Address("fe80::99")!.solicitedNode, other).bytes, now: at(2))
        #expect(device.transmitted.isEmpty && stack.counters.ipv6NotForUs == 1)
    }

    @Test func radvdsAdvertisementConfiguresAnAddressARouterAndTheMTU() throws {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = startedStack(device)
        _ = stack.takeIPv6Events()
        device.clearTransmitted()
        // The advertisement radvd sent (Tests/SwiftletWireTests/IPv6Captures.swift's), as captured.
        let ra = PacketBuffer(bytes: IPv6Captures.routerAdvertisement)
        stack.receive(frame: ra.bytes, now: at(3))
        let global = IPv6Address(high: IPv6Address("2001:db8:1::")!.high, low: ours.low)
        #expect(stack.ipv6?.isTentative(global) == true)
        #expect(sent(device).contains { ndp($0) == .neighborSolicitation(target: global, options: NDPOptions()) })
        stack.poll(now: at(4.1))
        #expect(stack.ipv6?.isAssigned(global) == true)
        #expect(stack.takeIPv6Events() == [.configured(IPv6Network(address: global, prefixLength: 64)!)])
        let v6 = try #require(stack.ipv6)
        #expect(v6.routers.map(\.address) == [peer] && v6.linkMTU == 1400)
        #expect(v6.dnsServers.map(\.address) == [IPv6Address("2001:db8:1::53")!])
        #expect(v6.nextHop(for: IPv6Address("2001:db8:99::1")!) == peer)
        #expect(v6.nextHop(for: IPv6Address("2001:db8:1::77")!) == IPv6Address("2001:db8:1::77")!)
        #expect(v6.sourceAddress(for: IPv6Address("2001:db8:99::1")!) == global)
        #expect(v6.sourceAddress(for: peer) == ours)
        #expect(stack.neighbors.state(of: peer) == .stale)
        // The router's lifetime (90 s) runs out.
        stack.poll(now: at(94))
        #expect(stack.ipv6?.routers.isEmpty == true && stack.ipv6?.nextHop(for: IPv6Address("2001:db8:99::1")!) == nil)
    }

    @Test func aDuplicateFoundDuringDADIsNeverUsed() {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = NetworkStack(device: device, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                                 seed: StackSeed(SeededEntropy(seed: 7)), ipv6: IPv6Autoconfiguration.Configuration())
        stack.start(now: at(0))
        // Another node answers for our tentative address.
        var options = NDPOptions()
        options.targetLinkLayer = peerMAC
        let na = NDPMessage.neighborAdvertisement(NeighborAdvertisement(solicited: false, override: true, target: ours,
                                                                        options: options))
            .encoded(source: ours, destination: .allNodes)
        stack.receive(frame: frame(to: IPv6Address.allNodes.multicastMAC, from: ours, to: .allNodes, na).bytes, now: at(0.5))
        stack.poll(now: at(2))
        #expect(stack.ipv6?.isAssigned(ours) == false)
        #expect(stack.takeIPv6Events() == [.duplicate(ours)])
        // Another node's DAD for the same address counts as well (RFC 4862 §5.4.3).
        let second = NetworkStack(device: FakeNetworkDevice(macAddress: ourMAC),
                                  ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                                  seed: StackSeed(SeededEntropy(seed: 8)), ipv6: IPv6Autoconfiguration.Configuration())
        second.start(now: at(0))
        let dad = NDPMessage.neighborSolicitation(target: ours, options: NDPOptions())
            .encoded(source: .unspecified, destination: ours.solicitedNode)
        second.receive(frame: frame(to: ours.solicitedNode.multicastMAC, from: .unspecified, to: ours.solicitedNode, dad).bytes,
                       now: at(0.5))
        second.poll(now: at(2))
        #expect(second.ipv6?.isAssigned(ours) == false && second.takeIPv6Events() == [.duplicate(ours)])
    }

    @Test func unknownOptionsDrawParameterProblemsWithinTheRateLimit() throws {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = startedStack(device)
        // The peer is a known neighbour (its solicitation), so the errors go straight out.
        var options = NDPOptions()
        options.sourceLinkLayer = peerMAC
        let ns = NDPMessage.neighborSolicitation(target: ours, options: options).encoded(source: peer, destination: ours)
        stack.receive(frame: frame(ns).bytes, now: at(1.5))
        device.clearTransmitted()
        // Destination options with an unknown option of type 10xxxxxx, then UDP.
        let bad: [UInt8] = [17, 0, 0x9E, 4, 0, 0, 0, 0]
        stack.receive(frame: frame(next: .ipv6DestinationOptions, hopLimit: 64, bad).bytes, now: at(2))
        let problem = try #require(sent(device).first)
        let icmp = try ICMPv6Packet(validating: problem.icmp.span, source: problem.ip.source, destination: problem.ip.destination)
        #expect(icmp.message == .parameterProblem(code: 2, pointer: 42) && problem.ip.destination == peer)
        #expect(try icmp.quotedDatagram().header.nextHeader == .ipv6DestinationOptions)
        // A flood gets at most the bucket's ten answers at once, then one per 100 ms.
        device.clearTransmitted()
        for _ in 0..<1000 { stack.receive(frame: frame(next: .ipv6DestinationOptions, hopLimit: 64, bad).bytes, now: at(2)) }
        #expect(sent(device).count == 9 && stack.counters.icmpv6ErrorsLimited == 991)
        stack.receive(frame: frame(next: .ipv6DestinationOptions, hopLimit: 64, bad).bytes, now: at(2.1))
        #expect(sent(device).count == 10)
        // No error about a packet to a multicast address, unless the option's type says so (11xxxxxx: never).
        device.clearTransmitted()
        let multicastBad: [UInt8] = [17, 0, 0xDE, 4, 0, 0, 0, 0]
        stack.receive(frame: frame(to: IPv6Address.allNodes.multicastMAC, to: .allNodes, next: .ipv6DestinationOptions,
                                   hopLimit: 64, multicastBad).bytes, now: at(5))
        #expect(sent(device).isEmpty)
    }

    @Test func whatAnAttackerOnTheLinkSendsDrawsNoFlood() throws {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = startedStack(device)
        device.clearTransmitted()
        // A multicast solicitation without the sender's link-layer address (RFC 4861 §4.3) is not answered.
        let bare = NDPMessage.neighborSolicitation(target: ours, options: NDPOptions())
            .encoded(source: peer, destination: ours.solicitedNode)
        stack.receive(frame: frame(to: ours.solicitedNode.multicastMAC, to: ours.solicitedNode, bare).bytes, now: at(2))
        #expect(device.transmitted.isEmpty)
        // Our own DAD solicitation reflected back by the link is not another node's.
        let reflected = NDPMessage.neighborSolicitation(target: ours, options: NDPOptions())
            .encoded(source: .unspecified, destination: ours.solicitedNode)
        var echoed = frame(to: ours.solicitedNode.multicastMAC, from: .unspecified, to: ours.solicitedNode, reflected).array
        for i in 0..<6 { echoed[6 + i] = ourMAC.octet(i) }
        stack.receive(frame: PacketBuffer(bytes: echoed).bytes, now: at(2))
        #expect(stack.ipv6?.isAssigned(ours) == true)
        // MLD queries: one answer a second, as current state, and none for a group we are not in.
        var query: [UInt8] = [130, 0, 0, 0, 0x03, 0xE8, 0, 0] + [UInt8](repeating: 0, count: 16) + [0, 0, 0, 0]
        var querySpan = query.mutableSpan
        ICMPv6Header.fillChecksum(&querySpan, source: peer, destination: .allNodes)
        for t in [3.0, 3.1, 3.5, 4.2] {
            stack.receive(frame: frame(to: IPv6Address.allNodes.multicastMAC, to: .allNodes, hopLimit: 1, query).bytes, now: at(t))
        }
        let reports = sent(device).filter { $0.ip.destination == .allMLDv2Routers }
        #expect(reports.count == 2)
        let first = reports[0]
        let answer = try MLDv2Report(ICMPv6Packet(validating: first.icmp.span, source: first.ip.source,
                                                  destination: first.ip.destination))
        #expect(answer.records == [MLDv2Record(type: MLDv2Record.modeIsExclude, address: ours.solicitedNode)])
        device.clearTransmitted()
        var specific: [UInt8] = [130, 0, 0, 0, 0x03, 0xE8, 0, 0] + (0..<16).map { IPv6Address("ff02::1:ff99:9999")!.octet($0) }
        var specificSpan = specific.mutableSpan
        ICMPv6Header.fillChecksum(&specificSpan, source: peer, destination: .allNodes)
        stack.receive(frame: frame(to: IPv6Address.allNodes.multicastMAC, to: .allNodes, hopLimit: 1, specific).bytes, now: at(9))
        #expect(sent(device).isEmpty)
    }

    @Test func noErrorAboutAnErrorEvenBehindExtensionHeaders() throws {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = startedStack(device)
        var options = NDPOptions()
        options.sourceLinkLayer = peerMAC
        stack.receive(frame: frame(NDPMessage.neighborSolicitation(target: ours, options: options)
            .encoded(source: peer, destination: ours)).bytes, now: at(1.5))
        device.clearTransmitted()
        // Destination options with an unknown 10xxxxxx option, then an ICMPv6 error (port unreachable).
        let hidden: [UInt8] = [58, 0, 0x9E, 4, 0, 0, 0, 0] + [1, 4, 0, 0, 0, 0, 0, 0]
        stack.receive(frame: frame(next: .ipv6DestinationOptions, hopLimit: 64, hidden).bytes, now: at(2))
        #expect(sent(device).isEmpty)
        // The same option in front of an echo request does draw the parameter problem.
        let echo: [UInt8] = [58, 0, 0x9E, 4, 0, 0, 0, 0] + [128, 0, 0, 0, 0, 1, 0, 1]
        stack.receive(frame: frame(next: .ipv6DestinationOptions, hopLimit: 64, echo).bytes, now: at(2))
        #expect(sent(device).count == 1)
    }

    @Test func advertisedListsStayBoundedWithoutLockingOutLaterRouters() throws {
        var v6 = IPv6Autoconfiguration(interfaceID: 0x10)
        _ = v6.start(now: at(0))
        func advertisement(_ prefixes: [String], lifetime: UInt32, routerLifetime: UInt16 = 1800) -> RouterAdvertisement {
            var options = NDPOptions()
            options.prefixes = prefixes.map {
                NDPPrefixInformation(prefix: IPv6Network($0)!, onLink: true, autonomous: true, validLifetime: lifetime,
                                     preferredLifetime: lifetime)
            }
            return RouterAdvertisement(routerLifetime: routerLifetime, options: options)
        }
        // An attacker's router fills the lists with short-lived entries, and claims ::/0 on-link.
        _ = v6.routerAdvertisement(advertisement((0..<20).map { "2001:db8:\($0)::/64" } + ["::/0"], lifetime: 60),
                                   from: IPv6Address("fe80::bad")!, now: at(1))
        #expect(v6.prefixes.count == 8 && !v6.prefixes.contains { $0.network.prefixLength == 0 })
        #expect(v6.nextHop(for: IPv6Address("2001:4860::1")!) == IPv6Address("fe80::bad")!)
        // The real router's longer-lived prefix still gets in, and it keeps its place as it re-advertises.
        for t in [2.0, 3.0] {
            _ = v6.routerAdvertisement(advertisement(["2001:db8:ffff::/64"], lifetime: 86400), from: IPv6Address("fe80::1")!, now: at(t))
        }
        #expect(v6.prefixes.contains { $0.network == IPv6Network("2001:db8:ffff::/64")! })
        #expect(v6.addresses.contains { $0.address == IPv6Address("2001:db8:ffff::10")! })
        #expect(v6.routers.map(\.address) == [IPv6Address("fe80::bad")!, IPv6Address("fe80::1")!])
        // A router neighbour discovery cannot reach is passed over.
        #expect(v6.nextHop(for: IPv6Address("2001:4860::1")!, unreachable: { $0 == IPv6Address("fe80::bad")! })
                == IPv6Address("fe80::1")!)
    }

    /// H of the redirect capture's setup: 2001:db8::10/64 by hand, Linux's router R as its gateway.
    private static let hMAC = MACAddress(2, 0, 0, 0, 0, 0x10)
    private static let h = IPv6Address("2001:db8::10")!
    private static let router = IPv6Address("fe80::46e:23ff:fec6:c029")!
    private static let d = IPv6Address("fe80::ff:fe00:20")!
    private static let far = IPv6Address("2001:db8:5::1")!

    private static func redirectFrame(from source: IPv6Address = router, target: IPv6Address, destination: IPv6Address,
                                      hopLimit: UInt8 = 255) -> PacketBuffer {
        var options = NDPOptions()
        options.targetLinkLayer = MACAddress(2, 0, 0, 0, 0, 0x99)
        let body = NDPMessage.redirect(target: target, destination: destination, options: options).encoded(source: source, destination: h)
        return frame(to: hMAC, from: source, to: h, hopLimit: hopLimit, body)
    }

    @Test func aRedirectFromLinuxMovesTheFirstHopAndOnlyTheFirstHopCanSendOne() throws {
        let device = FakeNetworkDevice(macAddress: Self.hMAC)
        let stack = NetworkStack(device: device, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                                 seed: StackSeed(SeededEntropy(seed: 7)),
                                 ipv6: .init(manual: [IPv6Network(address: Self.h, prefixLength: 64)!], router: Self.router))
        stack.start(now: at(0))
        stack.poll(now: at(1))
        stack.poll(now: at(2))
        #expect(stack.ipv6?.isAssigned(Self.h) == true && stack.ipv6?.nextHop(for: Self.far) == Self.router)
        // Linux's redirect (captured): 2001:db8:5::1 is reached through fe80::ff:fe00:20, at 02:00:00:00:00:20.
        stack.receive(frame: PacketBuffer(bytes: IPv6Captures.redirect).bytes, now: at(3))
        #expect(stack.counters.redirectsFollowed == 1 && stack.ipv6?.nextHop(for: Self.far) == Self.d)
        #expect(stack.neighbors.state(of: Self.d) == .stale && stack.neighbors.linkLayerAddress(of: Self.d) == MACAddress(2, 0, 0, 0, 0, 0x20))
        // An echo reply to 2001:db8:5::1 now goes to D's MAC, not the router's.
        device.clearTransmitted()
        var echo = [UInt8](repeating: 0, count: 8)
        var span = echo.mutableSpan
        try ICMPv6Header(.echoRequest(identifier: 9, sequence: 1)).emit(into: &span, source: Self.far, destination: Self.h)
        stack.receive(frame: frame(to: Self.hMAC, from: Self.far, to: Self.h, hopLimit: 63, echo).bytes, now: at(3.1))
        let reply = try #require(sent(device).first)
        #expect(reply.mac == MACAddress(2, 0, 0, 0, 0, 0x20) && reply.ip.destination == Self.far)
        // Only the current first hop may redirect: not another host on the link, not about an on-link destination,
        // not the router again for a destination it no longer carries.
        let other = IPv6Address("2001:db8:6::1")!
        for bad in [Self.redirectFrame(from: IPv6Address("fe80::bad")!, target: IPv6Address("fe80::bad")!, destination: other),
                    Self.redirectFrame(target: IPv6Address("fe80::bad")!, destination: IPv6Address("2001:db8::77")!),
                    Self.redirectFrame(target: IPv6Address("fe80::bad")!, destination: Self.far)] {
            stack.receive(frame: bad.bytes, now: at(4))
        }
        #expect(stack.counters.redirectsIgnored == 3 && stack.counters.redirectsFollowed == 1)
        #expect(stack.ipv6?.nextHop(for: other) == Self.router && stack.ipv6?.nextHop(for: Self.far) == Self.d)
        // What the wire layer refuses: a redirect that crossed a router, a global target other than the destination.
        stack.receive(frame: Self.redirectFrame(target: IPv6Address("fe80::bad")!, destination: other, hopLimit: 254).bytes, now: at(4))
        stack.receive(frame: Self.redirectFrame(target: IPv6Address("2001:db8:9::9")!, destination: other).bytes, now: at(4))
        #expect(stack.counters.ndpInvalid == 2 && stack.ipv6?.nextHop(for: other) == Self.router)
        // A target equal to the destination: the destination is on-link.
        stack.receive(frame: Self.redirectFrame(target: other, destination: other).bytes, now: at(4))
        #expect(stack.ipv6?.nextHop(for: other) == other)
        // The router may redirect many destinations; the list keeps 16, and each entry lasts ten minutes.
        for k in 0..<40 {
            let destination = IPv6Address("2001:db8:100::\(k + 1)")!
            stack.receive(frame: Self.redirectFrame(target: IPv6Address("fe80::bad")!, destination: destination).bytes, now: at(5 + Double(k) / 100))
        }
        #expect(stack.ipv6?.redirects.count == 16)
        #expect(stack.ipv6?.nextHop(for: IPv6Address("2001:db8:100::40")!) == IPv6Address("fe80::bad")!)
        #expect(stack.ipv6?.nextHop(for: IPv6Address("2001:db8:100::1")!) == Self.router)
        stack.poll(now: at(5 + 600.5))
        #expect(stack.ipv6?.redirects.isEmpty == true && stack.ipv6?.nextHop(for: Self.far) == Self.router)
    }

    @Test func aStackWithoutIPv6IgnoresIt() {
        let device = FakeNetworkDevice(macAddress: ourMAC)
        let stack = NetworkStack(device: device, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                                 seed: StackSeed(SeededEntropy(seed: 7)))
        stack.start(now: at(0))
        #expect(sent(device).isEmpty)
        var echo = [UInt8](repeating: 0, count: 8)
        var span = echo.mutableSpan
        try! ICMPv6Header(.echoRequest(identifier: 1, sequence: 1)).emit(into: &span, source: peer, destination: ours)
        stack.receive(frame: frame(hopLimit: 64, echo).bytes, now: at(1))
        #expect(sent(device).isEmpty)
    }
}
