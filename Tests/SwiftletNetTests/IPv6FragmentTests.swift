// IPv6 fragments (RFC 8200 §4.5, RFC 5722, RFC 6946, RFC 7112): reassembly in the stack and in
// `IPv6Reassembly` itself, fragmentation on send, from Linux's own fragments (SwiftletTesting's
// IPv6Captures) and from crafted ones: overlaps, a first fragment without the upper-layer header, an
// atomic fragment, a datagram that never completes.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletTesting
@testable import SwiftletNet

@Suite struct IPv6FragmentTests {
    /// A frame from A to B carrying `data` as the fragment at byte `offset` of datagram `id`.
    static func fragment(_ net: TwoStacks, id: UInt32, offset: Int, more: Bool, next: IPProtocol = .udp, _ data: [UInt8]) throws -> [UInt8] {
        var ip = [UInt8](repeating: 0, count: IPv6Header.length + IPv6FragmentHeader.length)
        var out = ip.mutableSpan
        try IPv6Header(nextHeader: .ipv6Fragment, hopLimit: 64, source: TwoStacks.address6A, destination: TwoStacks.address6B,
                       payloadLength: IPv6FragmentHeader.length + data.count).emit(into: &out)
        var tail = out.extracting(IPv6Header.length...)
        try IPv6FragmentHeader(nextHeader: next, offset: offset, moreFragments: more, identification: id).emit(into: &tail)
        let eth = EthernetHeader(destination: net.b.macAddress, source: net.a.macAddress, etherType: .ipv6)
        var frame = [UInt8](repeating: 0, count: eth.length)
        var f = frame.mutableSpan
        try eth.emit(into: &f)
        return frame + ip + data
    }

    /// A whole UDP datagram from A's port 4000 to B's port 9 (header and payload), checksummed.
    static func udp(_ payload: [UInt8]) throws -> [UInt8] {
        var d = [UInt8](repeating: 0, count: UDPHeader.length) + payload
        var out = d.mutableSpan
        try UDPHeader(sourcePort: 4000, destinationPort: 9).emit(into: &out, source: TwoStacks.address6A, destination: TwoStacks.address6B)
        return d
    }

    static func deliver(_ net: TwoStacks, _ frame: [UInt8]) { net.b.receive(frame: frame.span, now: net.now) }

    @Test func datagramsLargerThanTheLinkGoInFragmentsAndComeBackWhole() throws {
        let net = DualStackTests.stacks()
        try net.b.udpBind(port: 9)
        try net.a.udpBind(port: 4000)
        for size in [3000, 1500 - 48 + 1, 65_000] {
            let payload = pattern(size, seed: UInt64(size))
            try net.a.udpSend(from: 4000, to: DualStackTests.b6, port: 9, payload: payload.span, now: net.now)
            var got: UDPDatagram? = nil
            net.run(for: .seconds(2), step: { if got == nil { got = try? net.b.udpReceive(port: 9) } }, until: { got != nil })
            #expect(got?.payload == payload && got?.source == DualStackTests.a6)
        }
        #expect(net.link.oversized == 0)
        #expect(net.b.reassembly6.inProgress == 0 && net.b.reassembly6.bufferedBytes == 0)
        // Too long for any IPv6 packet.
        #expect(throws: StackError.messageTooLong(65_535 - 8 + 1)) {
            try net.a.udpSend(from: 4000, to: DualStackTests.b6, port: 9, payload: [UInt8](repeating: 0, count: 65_535 - 8 + 1).span, now: net.now)
        }
    }

    @Test func overlapsTinyFirstFragmentsAndAtomicFragments() throws {
        let net = DualStackTests.stacks()
        try net.b.udpBind(port: 9)
        let datagram = try Self.udp(pattern(40, seed: 1))   // 48 bytes
        // In order and whole: delivered.
        Self.deliver(net, try Self.fragment(net, id: 1, offset: 0, more: true, Array(datagram[0..<24])))
        Self.deliver(net, try Self.fragment(net, id: 1, offset: 24, more: false, Array(datagram[24...])))
        #expect((try net.b.udpReceive(port: 9))?.payload == Array(datagram[8...]))
        // RFC 5722: a fragment overlapping held data in part discards the datagram; its remaining fragment
        // then completes nothing.
        Self.deliver(net, try Self.fragment(net, id: 2, offset: 0, more: true, Array(datagram[0..<24])))
        Self.deliver(net, try Self.fragment(net, id: 2, offset: 16, more: true, Array(datagram[16..<32])))
        Self.deliver(net, try Self.fragment(net, id: 2, offset: 24, more: false, Array(datagram[24...])))
        #expect(try net.b.udpReceive(port: 9) == nil)
        #expect(net.b.reassembly6.discarded == 1)
        #expect(net.b.reassembly6.inProgress == 1)  // the last fragment began a datagram of its own
        // A first fragment whose header chain does not reach the upper-layer header (RFC 7112): dropped.
        var options = [UInt8](repeating: 0, count: 16)
        options[0] = IPProtocol.udp.rawValue; options[1] = 3   // 32 bytes of destination options, 16 present
        let dropped = net.b.reassembly6.dropped
        Self.deliver(net, try Self.fragment(net, id: 3, offset: 0, more: true, next: .ipv6DestinationOptions, options))
        #expect(net.b.reassembly6.dropped == dropped + 1 && net.b.reassembly6.inProgress == 1)
        // An atomic fragment (offset 0, M = 0) is the packet itself, even beside a datagram in progress
        // with the same identification (RFC 6946).
        Self.deliver(net, try Self.fragment(net, id: 4, offset: 24, more: false, Array(datagram[24...])))
        Self.deliver(net, try Self.fragment(net, id: 4, offset: 0, more: false, datagram))
        #expect((try net.b.udpReceive(port: 9))?.payload == Array(datagram[8...]))
        #expect(net.b.reassembly6.inProgress == 2)
        // Those two never complete: gone after the timeout, with no more memory held.
        net.run(for: .seconds(31), until: { false })
        #expect(net.b.reassembly6.inProgress == 0 && net.b.reassembly6.timedOut == 2 && net.b.reassembly6.bufferedBytes == 0)
    }

    /// RFC 6980: neighbour discovery in fragments is not taken; and a hop-by-hop header after the fragment
    /// header is refused once reassembled.
    @Test func neighbourDiscoveryInFragmentsIsRefused() throws {
        let net = DualStackTests.stacks()
        var ns = NDPOptions()
        ns.sourceLinkLayer = net.a.macAddress
        let message = NDPMessage.neighborSolicitation(target: TwoStacks.address6B, options: ns)
            .encodedByHost(source: TwoStacks.address6A, destination: TwoStacks.address6B)
        let invalid = net.b.counters.ndpInvalid
        Self.deliver(net, try Self.fragment(net, id: 9, offset: 0, more: false, next: .icmpv6, message))
        #expect(net.b.counters.ndpInvalid == invalid + 1)
        let malformed = net.b.counters.malformed
        var hopByHop = [UInt8](repeating: 0, count: 8)
        hopByHop[0] = IPProtocol.udp.rawValue; hopByHop[2] = 1; hopByHop[3] = 4   // PadN over the rest
        Self.deliver(net, try Self.fragment(net, id: 10, offset: 0, more: false, next: .ipv6HopByHop, hopByHop + (try Self.udp([1]))))
        #expect(net.b.counters.malformed == malformed + 1)
    }

    /// Linux's first and last fragments of a 3008-byte echo request (the middle one missing): held, then
    /// timed out with a quote of fragment zero for the time-exceeded error.
    @Test func linuxFragmentsWithOneMissing() throws {
        var r = IPv6Reassembly()
        let t0 = Instant(nanoseconds: 1_000_000_000)
        for frame in [IPv6Captures.fragmentFirst, IPv6Captures.fragmentLast] {
            let bytes = Array(frame[14...])
            let packet = try IPv6Packet(validating: bytes.span)
            guard case .fragment(let f, let at) = try packet.walkExtensionHeaders() else { Issue.record("not a fragment"); return }
            #expect(f.identification == 0x4EBB_5C30 && f.nextHeader == .icmpv6)
            #expect(r.add(packet.bytes, f, dataOffset: at, header: IPv6Header(packet), now: t0).map { _ in true } == nil)
        }
        #expect(r.inProgress == 1)
        let expired = r.poll(now: t0 + .seconds(31))
        #expect(expired.count == 1)
        #expect(expired.first?.quote == Array(IPv6Captures.fragmentFirst[14..<(14 + 96)]))
        #expect(expired.first?.header.source == IPv6Address("2001:db8::1")!)
        #expect(r.inProgress == 0 && r.bufferedBytes == 0)
    }
}
