// ARP, ICMP, UDP and IPv4 fragmentation between two stacks.

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting
import SwiftletWire

@Suite struct IPTests {
    @Test func pingResolvesARPAndGetsAReply() throws {
        let net = TwoStacks()
        try net.a.ping(TwoStacks.addressB, identifier: 7, sequence: 1, payload: [1, 2, 3], now: net.now)
        var reply: EchoReply? = nil
        #expect(net.run(for: .seconds(1), step: { if reply == nil { reply = net.a.takeEchoReply() } }, until: { reply != nil }))
        #expect(reply?.from == TwoStacks.addressB && reply?.identifier == 7 && reply?.sequence == 1 && reply?.payload == [1, 2, 3])
        #expect(net.a.arp.lookup(TwoStacks.addressB, now: net.now) == net.link.b.macAddress)
        #expect(net.b.arp.lookup(TwoStacks.addressA, now: net.now) == net.link.a.macAddress)
        #expect(net.b.counters.icmpEchoRepliesSent == 1)
    }

    @Test func broadcastEchoIsIgnored() throws {
        let net = TwoStacks()
        try net.a.ping(IPv4Address(10, 0, 0, 255), identifier: 3, sequence: 1, now: net.now)
        try net.a.ping(.broadcast, identifier: 3, sequence: 2, now: net.now)
        net.run(for: .seconds(1), until: { false })
        #expect(net.a.takeEchoReply() == nil)
        #expect(net.b.counters.icmpEchoRepliesSent == 0)
    }

    @Test func udpDeliversAndClosedPortDrawsUnreachable() throws {
        let net = TwoStacks()
        try net.b.udpBind(port: 5353, queueLimit: 2)
        for i in 0..<4 {
            try net.a.udpSend(from: 1000, to: TwoStacks.addressB, port: 5353, payload: [UInt8(i)].span, now: net.now)
        }
        net.run(for: .milliseconds(100), until: { false })
        #expect(try net.b.udpReceive(port: 5353)?.payload == [0])
        #expect(try net.b.udpReceive(port: 5353)?.payload == [1])
        #expect(try net.b.udpReceive(port: 5353) == nil)
        #expect(net.b.counters.udpQueueFull == 2)
        try net.a.udpSend(from: 1000, to: TwoStacks.addressB, port: 9, payload: [1].span, now: net.now)
        net.run(for: .milliseconds(100), until: { false })
        #expect(net.b.counters.udpNoPort == 1)
        #expect(throws: StackError.portInUse(5353)) { try net.b.udpBind(port: 5353) }
    }

    @Test func largeDatagramsAreFragmentedAndReassembledUnderReordering() throws {
        var impair = LinkImpairment()
        impair.reordering = 0.5
        let net = TwoStacks(seed: 3, impairment: impair)
        try net.b.udpBind(port: 7)
        let data = pattern(20_000, seed: 9)
        try net.a.udpSend(from: 7, to: TwoStacks.addressB, port: 7, payload: data.span, now: net.now)
        var got: UDPDatagram? = nil
        net.run(for: .seconds(1), step: { if got == nil { got = try? net.b.udpReceive(port: 7) } }, until: { got != nil })
        #expect(got?.payload == data)
        #expect(net.b.reassembly.inProgress == 0 && net.b.reassembly.bufferedBytes == 0)
    }

    @Test func lostFragmentTimesOutAndFreesMemory() throws {
        var r = IPv4Reassembly()
        let base = IPv4Header(identification: 1, moreFragments: true, protocol: .udp, source: TwoStacks.addressA,
                              destination: TwoStacks.addressB, payloadLength: 8)
        let chunk = [UInt8](repeating: 1, count: 8)
        #expect(r.add(base, payload: chunk.span, now: .zero) == nil)
        #expect(r.bufferedBytes >= 8)  // the buffer and the bookkeeping, in real bytes
        #expect(r.poll(now: Instant.zero + .seconds(31)).count == 1)
        #expect(r.inProgress == 0 && r.bufferedBytes == 0 && r.timedOut == 1)
    }

    @Test func reassemblyTimeoutDrawsTimeExceededQuotingFragmentZero() throws {
        let net = TwoStacks(capture: true)
        // Fragment zero of a UDP datagram from A whose other fragments never come.
        let ip = IPv4Header(identification: 77, moreFragments: true, protocol: .udp, source: TwoStacks.addressA,
                            destination: TwoStacks.addressB, payloadLength: 16)
        var frame = [UInt8](repeating: 0, count: 14 + 20 + 16)
        for i in 0..<16 { frame[34 + i] = UInt8(i + 1) }
        var span = frame.mutableSpan
        try EthernetHeader(destination: net.link.b.macAddress, source: net.link.a.macAddress, etherType: .ipv4).emit(into: &span)
        var ipPart = span._mutatingExtracting(14..<34)
        try ip.emit(into: &ipPart)
        net.b.receive(frame: frame.span, now: net.now)
        #expect(net.b.reassembly.inProgress == 1)
        net.run(for: .seconds(31), until: { false })
        #expect(net.b.reassembly.inProgress == 0)
        var quoted: [QuotedDatagram] = []
        for record in try PCAP.read(try #require(net.link.capture).bytes) {
            guard let e = try? EthernetFrame(validating: record.bytes.span), e.etherType == .ipv4,
                  let p = try? IPv4Packet(validating: e.payload), p.protocol == .icmp, p.source == TwoStacks.addressB,
                  let icmp = try? ICMPv4Packet(validating: p.payload), icmp.message == .timeExceeded(code: 1),
                  let q = try? icmp.quotedDatagram() else { continue }
            quoted.append(q)
        }
        #expect(quoted.count == 1)
        #expect(quoted.first?.header.identification == 77)
        #expect(quoted.first?.leadingBytes == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func reassemblyMemoryIsBounded() {
        var config = IPv4Reassembly.Configuration()
        config.memoryLimit = 1000
        config.maximumDatagrams = 4
        var r = IPv4Reassembly(configuration: config)
        let chunk = [UInt8](repeating: 1, count: 400)
        for id in 0..<10 {
            let h = IPv4Header(identification: UInt16(id), moreFragments: true, protocol: .udp, source: TwoStacks.addressA,
                               destination: TwoStacks.addressB, payloadLength: 400)
            _ = r.add(h, payload: chunk.span, now: .zero)
        }
        #expect(r.bufferedBytes <= 1000)
        #expect(r.inProgress <= 4)
        #expect(r.dropped + r.discarded >= 6)  // the oldest datagrams make way
    }

    @Test func arpQueueIsBoundedAndGivesUp() {
        var config = ARPCache.Configuration()
        config.pendingPerAddress = 4
        var cache = ARPCache(configuration: config)
        let target = IPv4Address(10, 0, 0, 9)
        var results: [ARPCache.Resolution] = []
        for _ in 0..<6 { results.append(cache.resolve(target, holding: PacketBuffer(bytes: [1]), now: .zero)) }
        if case .queuedSendRequest = results[0] {} else { Issue.record("first packet should trigger a request") }
        #expect(cache.waitingPackets == 4)
        #expect(cache.dropped == 2)
        var requests = 0
        var t = Instant.zero
        for _ in 0..<5 { t = t + .seconds(1); requests += cache.poll(now: t).count }
        #expect(requests == 2)          // three requests in all, one per second
        #expect(cache.waitingPackets == 0)
        #expect(cache.dropped == 6)
    }
}
