// IPv4 under hostile input (issue 17): reassembly's work and memory bounds (RFC 791, RFC 5722's overlap
// rule), and martian sources dropped unanswered (RFC 1122 §3.2.1.3, RFC 1812 §5.3.7).

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting
import SwiftletWire

private let source = IPv4Address(10, 0, 0, 1)
private let destination = IPv4Address(10, 0, 0, 2)

private func fragment(_ id: UInt16, offset: Int, _ length: Int, more: Bool = true, options: [UInt8] = []) -> IPv4Header {
    IPv4Header(identification: id, moreFragments: more, fragmentOffset: offset, protocol: .udp, source: source,
               destination: destination, options: options, payloadLength: length)
}

@Suite struct ReassemblyBoundsTests {
    /// Issue 17 item 4: with thousands of 8-byte fragments held, each duplicate cost a rescan of every
    /// run, a copy of the datagram's state and a re-sort (about 250 µs). Now a fragment is placed by
    /// binary search among at most `maximumRanges` runs.
    @Test func duplicatesOfManyHeldFragmentsCostLogarithmicWork() {
        var r = IPv4Reassembly()
        let chunk = [UInt8](repeating: 7, count: 8)
        let clock = ContinuousClock()
        let started = clock.now
        // 4,000 fragments with a hole after each: the 65th run discards the datagram (the run cap), and the
        // next fragment starts it again.
        for k in 0..<4000 { _ = r.add(fragment(1, offset: 16 * k, 8), payload: chunk.span, now: .zero) }
        // 4,000 duplicates of a fragment still held.
        for _ in 0..<4000 { _ = r.add(fragment(1, offset: 16 * 3999, 8), payload: chunk.span, now: .zero) }
        let elapsed = clock.now - started
        // log2(64) + 1 probes of the search, one overlap test: at most 8 comparisons per fragment.
        #expect(r.rangeComparisons <= 8 * 8000)
        #expect(r.inProgress == 1)
        #expect(r.discarded == 4000 / 65)
        #expect(r.bufferedBytes <= r.configuration.memoryLimit)
        // The broken cost was over a second; the fixed one is a few milliseconds.
        #expect(elapsed < .milliseconds(250))
    }

    /// Issue 17 item 4: a lone fragment at offset 65504 made a 65,512-byte buffer but counted 8 bytes.
    @Test func loneFragmentAtTheEndCountsTheBufferItAllocates() {
        var r = IPv4Reassembly()
        let chunk = [UInt8](repeating: 1, count: 8)
        #expect(r.add(fragment(9, offset: 65504, 8), payload: chunk.span, now: .zero) == nil)
        #expect(r.inProgress == 1)
        #expect(r.bufferedBytes >= 65512)
        #expect(r.bufferedBytes <= r.configuration.memoryLimit)
        #expect(r.poll(now: .zero + .seconds(31)).isEmpty)  // no fragment zero: no ICMP
        #expect(r.bufferedBytes == 0 && r.inProgress == 0)
    }

    /// Over budget, the oldest datagrams make way; the budget is never exceeded and a datagram that
    /// arrives whole in the meantime still completes.
    @Test func memoryBudgetEvictsTheOldestDatagram() {
        var r = IPv4Reassembly()
        let chunk = [UInt8](repeating: 1, count: 8)
        var t = Instant.zero
        for id in 0..<10 {  // each the last fragment of a datagram whose first never comes
            _ = r.add(fragment(UInt16(id), offset: 65504, 8, more: false), payload: chunk.span, now: t)
            #expect(r.bufferedBytes <= r.configuration.memoryLimit)
            t = t + .milliseconds(1)
        }
        #expect(r.inProgress == 3)          // 256 KiB holds three 64 KiB buffers
        #expect(r.discarded == 7)
        // The newest survive: datagram 9 completes with its first fragment, datagram 0 does not.
        let first = [UInt8](repeating: 2, count: 65504)
        let whole = r.add(fragment(9, offset: 0, 65504), payload: first.span, now: t)
        #expect(whole?.1.count == 65512)
        #expect(whole?.0.payloadLength == 65512)
        #expect(r.add(fragment(0, offset: 0, 65504), payload: first.span, now: t) == nil)
        #expect(r.bufferedBytes <= r.configuration.memoryLimit)
        // A small datagram completes under the same pressure.
        for id in 100..<110 { _ = r.add(fragment(UInt16(id), offset: 65504, 8), payload: chunk.span, now: t) }
        #expect(r.add(fragment(500, offset: 0, 8), payload: chunk.span, now: t) == nil)
        #expect(r.add(fragment(500, offset: 8, 3, more: false), payload: [1, 2, 3].span, now: t)?.1 == chunk + [1, 2, 3])
        #expect(r.bufferedBytes <= r.configuration.memoryLimit)
    }

    @Test func datagramCapEvictsTheOldest() {
        var config = IPv4Reassembly.Configuration()
        config.maximumDatagrams = 4
        var r = IPv4Reassembly(configuration: config)
        let chunk = [UInt8](repeating: 3, count: 8)
        var t = Instant.zero
        for id in 0..<10 {
            _ = r.add(fragment(UInt16(id), offset: 0, 8), payload: chunk.span, now: t)
            t = t + .milliseconds(1)
        }
        #expect(r.inProgress == 4)
        #expect(r.discarded == 6)
        #expect(r.add(fragment(9, offset: 8, 1, more: false), payload: [4].span, now: t)?.1 == chunk + [4])
        #expect(r.add(fragment(0, offset: 8, 1, more: false), payload: [4].span, now: t) == nil)
    }

    @Test func runCapDiscardsTheDatagram() {
        var r = IPv4Reassembly()
        let chunk = [UInt8](repeating: 5, count: 8)
        for k in 0..<r.configuration.maximumRanges {
            _ = r.add(fragment(2, offset: 16 * k, 8), payload: chunk.span, now: .zero)
        }
        #expect(r.inProgress == 1 && r.discarded == 0)
        // Filling a hole merges two runs: allowed at the cap.
        _ = r.add(fragment(2, offset: 8, 8), payload: chunk.span, now: .zero)
        #expect(r.inProgress == 1 && r.discarded == 0)
        // That freed one place; then a run not adjacent to any held would be one more: the datagram goes.
        _ = r.add(fragment(2, offset: 16 * 64, 8), payload: chunk.span, now: .zero)
        #expect(r.inProgress == 1 && r.discarded == 0)
        _ = r.add(fragment(2, offset: 16 * 66, 8), payload: chunk.span, now: .zero)
        #expect(r.inProgress == 0 && r.discarded == 1 && r.bufferedBytes == 0)
    }

    /// RFC 791: out of order, the last fragment first, duplicates; the first copy of a duplicate wins.
    @Test func reassemblesOutOfOrderWithDuplicatesAndTheLastFirst() {
        var r = IPv4Reassembly()
        let data = (0..<203).map { UInt8(truncatingIfNeeded: $0 * 7) }
        // Fragments of 8, 16 and 24 bytes, then a 3-byte last one.
        var pieces: [(Int, Int)] = []
        var at = 0
        var size = 8
        while at + size < 200 { pieces.append((at, size)); at += size; size = size == 24 ? 8 : size + 8 }
        pieces.append((at, 203 - at))
        let order = [pieces.count - 1] + Array(0..<(pieces.count - 1)).reversed()
        var result: (IPv4Header, [UInt8])? = nil
        for (n, p) in order.enumerated() {
            let (offset, length) = pieces[p]
            let last = offset + length == 203
            let h = fragment(42, offset: offset, length, more: !last)
            if let done = r.add(h, payload: data.span.extracting(offset..<(offset + length)), now: .zero) { result = done }
            if n == 2 {  // a duplicate with other bytes: the first copy wins
                _ = r.add(h, payload: [UInt8](repeating: 0xEE, count: length).span, now: .zero)
            }
            if n == 3 { _ = r.add(h, payload: data.span.extracting(offset..<(offset + length)), now: .zero) }
        }
        #expect(result?.1 == data)
        #expect(result?.0.payloadLength == 203 && result?.0.fragmentOffset == 0 && result?.0.moreFragments == false)
        #expect(r.inProgress == 0 && r.bufferedBytes == 0)
    }

    /// RFC 5722's rule, as Linux applies it to IPv4: a partial overlap condemns the datagram.
    @Test func partialOverlapDiscardsTheDatagram() {
        var r = IPv4Reassembly()
        let chunk = [UInt8](repeating: 1, count: 16)
        _ = r.add(fragment(3, offset: 0, 16), payload: chunk.span, now: .zero)
        _ = r.add(fragment(3, offset: 8, 16), payload: chunk.span, now: .zero)
        #expect(r.inProgress == 0 && r.discarded == 1 && r.bufferedBytes == 0)
        // A last fragment that ends before data already held, or a second last fragment of another length.
        _ = r.add(fragment(4, offset: 32, 16), payload: chunk.span, now: .zero)
        _ = r.add(fragment(4, offset: 16, 8, more: false), payload: chunk.span.extracting(0..<8), now: .zero)
        #expect(r.inProgress == 0 && r.discarded == 2)
        _ = r.add(fragment(5, offset: 16, 8, more: false), payload: chunk.span.extracting(0..<8), now: .zero)
        _ = r.add(fragment(5, offset: 16, 9, more: false), payload: chunk.span.extracting(0..<9), now: .zero)
        #expect(r.inProgress == 0 && r.discarded == 3)
    }

    /// Fuzz/crashers/reassembly-crash-a43a…: an empty last fragment far beyond the data held raised the
    /// "highest end" past the buffer, and the next growth copied from beyond it (a trap).
    @Test func emptyLastFragmentBeyondTheDataDoesNotOverrunTheBuffer() {
        var r = IPv4Reassembly()
        let data = (0..<10280).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        _ = r.add(fragment(1, offset: 0, 1480), payload: data.span.extracting(0..<1480), now: .zero)
        _ = r.add(fragment(1, offset: 10280, 0, more: false), payload: data.span.extracting(0..<0), now: .zero)
        _ = r.add(fragment(1, offset: 2960, 1280), payload: data.span.extracting(2960..<4240), now: .zero)
        var result: [UInt8]? = nil
        for (start, end) in [(1480, 2960), (4240, 10280)] {
            result = r.add(fragment(1, offset: start, end - start), payload: data.span.extracting(start..<end), now: .zero)?.1
        }
        #expect(result == data)
        #expect(r.inProgress == 0 && r.bufferedBytes == 0)
    }

    /// Fragment zero's options count in the 65535-byte limit ("ping of death").
    @Test func reassembledDatagramOverTheIPLimitIsDropped() {
        var r = IPv4Reassembly()
        let options = [UInt8](repeating: 1, count: 40)  // NOPs: a 60-byte header
        let body = [UInt8](repeating: 9, count: 65504)
        _ = r.add(fragment(6, offset: 0, 65504, options: options), payload: body.span, now: .zero)
        #expect(r.add(fragment(6, offset: 65504, 11, more: false), payload: body.span.extracting(0..<11), now: .zero) == nil)
        #expect(r.inProgress == 0 && r.bufferedBytes == 0 && r.discarded == 1)
    }
}

/// A stack on a fake device, with a gateway whose MAC it already knows, so that any answer it tried to
/// send would reach the wire. (OffloadTests use it too.)
final class LoneStack {
    static let address = IPv4Address(10, 0, 0, 2)
    static let gateway = IPv4Address(10, 0, 0, 254)
    static let gatewayMAC = MACAddress(2, 0, 0, 0, 0, 0xfe)
    let device = FakeNetworkDevice(macAddress: MACAddress(2, 0, 0, 0, 0, 2))
    let stack: NetworkStack<FakeNetworkDevice>
    let now = Instant(nanoseconds: 1_000_000_000)

    init() throws {
        stack = NetworkStack(device: device,
                             ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!, gateway: Self.gateway),
                             seed: StackSeed(SeededEntropy(seed: 5)))
        // The gateway asks for our address: we learn its MAC (RFC 826).
        var frame = [UInt8](repeating: 0, count: 14 + ARPHeader.length)
        var span = frame.mutableSpan
        try EthernetHeader(destination: .broadcast, source: Self.gatewayMAC, etherType: .arp).emit(into: &span)
        var arp = span._mutatingExtracting(14..<(14 + ARPHeader.length))
        try ARPHeader(operation: .request, senderMAC: Self.gatewayMAC, senderIP: Self.gateway, targetMAC: .zero,
                      targetIP: Self.address).emit(into: &arp)
        stack.receive(frame: frame.span, now: now)
        device.clearTransmitted()
    }

    /// Delivers an IPv4 datagram from `from`; `transport` writes the payload (and its checksum).
    /// `checksumVerified`: as a device that vouched for the TCP or UDP checksum hands it over; `header`
    /// replaces the IPv4 header (fragments).
    func deliver(from: IPv4Address, protocol proto: IPProtocol, length: Int, checksumVerified: Bool = false,
                 header: IPv4Header? = nil, transport: (inout MutableSpan<UInt8>) throws(WireError) -> Void) throws {
        var frame = [UInt8](repeating: 0, count: 14 + 20 + length)
        var span = frame.mutableSpan
        try EthernetHeader(destination: device.macAddress, source: Self.gatewayMAC, etherType: .ipv4).emit(into: &span)
        var ip = span._mutatingExtracting(14..<34)
        try (header ?? IPv4Header(identification: 1, protocol: proto, source: from, destination: Self.address,
                                  payloadLength: length)).emit(into: &ip)
        var payload = span._mutatingExtracting(34..<(34 + length))
        try transport(&payload)
        stack.receive(frame: frame.span, now: now, checksumVerified: checksumVerified)
        stack.poll(now: now)
    }

    /// IPv4 frames the stack sent (ARP aside).
    var ipv4Sent: Int {
        device.transmitted.filter { (try? EthernetFrame(validating: $0.bytes))?.etherType == .ipv4 }.count
    }
}

@Suite struct MartianSourceTests {
    /// Issue 17 item 9: an echo request from 255.255.255.255 drew a reply to ff:ff:ff:ff:ff:ff.
    @Test func echoRequestFromBroadcastGetsNoReply() throws {
        let s = try LoneStack()
        for from in [IPv4Address.broadcast, IPv4Address(10, 0, 0, 255), IPv4Address(0, 0, 0, 0),
                     IPv4Address(240, 0, 0, 1), LoneStack.address] {
            try s.deliver(from: from, protocol: .icmp, length: 12) { (b: inout MutableSpan<UInt8>) throws(WireError) in
                try ICMPv4Header(.echoRequest(identifier: 1, sequence: 1)).emit(into: &b)
            }
        }
        #expect(s.ipv4Sent == 0)
        #expect(s.stack.counters.icmpEchoRepliesSent == 0)
        #expect(s.stack.counters.martianSources == 5)
        // A real neighbour still gets its answer.
        try s.deliver(from: IPv4Address(10, 0, 0, 7), protocol: .icmp, length: 12) { (b: inout MutableSpan<UInt8>) throws(WireError) in
            try ICMPv4Header(.echoRequest(identifier: 1, sequence: 2)).emit(into: &b)
        }
        #expect(s.stack.counters.icmpEchoRepliesSent == 1)
    }

    @Test func synFromMulticastGetsNoSynAckOrReset() throws {
        let s = try LoneStack()
        try s.stack.tcpListen(port: 80)
        for port: UInt16 in [80, 81] {  // a listener (SYN-ACK) and a closed port (RST)
            try s.deliver(from: IPv4Address(224, 1, 2, 3), protocol: .tcp, length: 20) { (b: inout MutableSpan<UInt8>) throws(WireError) in
                try TCPHeader(sourcePort: 4000, destinationPort: port, sequenceNumber: TCPSequenceNumber(100),
                              flags: [.syn], window: 65535).emit(into: &b, source: IPv4Address(224, 1, 2, 3), destination: LoneStack.address)
            }
        }
        #expect(s.ipv4Sent == 0)
        #expect(s.stack.counters.martianSources == 2)
        #expect(s.stack.tcpConnectionCount == 0)
    }

    @Test func udpFromLoopbackIsNotDelivered() throws {
        let s = try LoneStack()
        try s.stack.udpBind(port: 5353)
        let from = IPv4Address(127, 0, 0, 1)
        try s.deliver(from: from, protocol: .udp, length: 12) { (b: inout MutableSpan<UInt8>) throws(WireError) in
            try UDPHeader(sourcePort: 53, destinationPort: 5353).emit(into: &b, source: from, destination: LoneStack.address)
        }
        #expect(try s.stack.udpReceive(port: 5353) == nil)
        #expect(s.stack.counters.martianSources == 1)
        // And from a neighbour it is.
        let neighbour = IPv4Address(10, 0, 0, 7)
        try s.deliver(from: neighbour, protocol: .udp, length: 12) { (b: inout MutableSpan<UInt8>) throws(WireError) in
            try UDPHeader(sourcePort: 53, destinationPort: 5353).emit(into: &b, source: neighbour, destination: LoneStack.address)
        }
        #expect(try s.stack.udpReceive(port: 5353)?.payload.count == 4)
    }

    /// RFC 2131 §4.1: a client without an address sends from 0.0.0.0 to port 67; a DHCP server on the
    /// stack hears it. Any other port from 0.0.0.0 is martian.
    @Test func dhcpClientFromUnspecifiedReachesServerPortOnly() throws {
        let s = try LoneStack()
        try s.stack.udpBind(port: 67)
        try s.stack.udpBind(port: 5353)
        for port: UInt16 in [67, 5353] {
            try s.deliver(from: .any, protocol: .udp, length: 12) { (b: inout MutableSpan<UInt8>) throws(WireError) in
                try UDPHeader(sourcePort: 68, destinationPort: port).emit(into: &b, source: .any, destination: LoneStack.address)
            }
        }
        #expect(try s.stack.udpReceive(port: 67) != nil)
        #expect(try s.stack.udpReceive(port: 5353) == nil)
        #expect(s.stack.counters.martianSources == 1)
        #expect(s.ipv4Sent == 0)
    }

    @Test func martianRuleCoversRFC1812List() {
        let c = IPv4Configuration(network: IPv4Network("192.168.1.10/24")!)
        for a in [IPv4Address(0, 0, 0, 0), IPv4Address(0, 1, 2, 3), IPv4Address(127, 0, 0, 1), IPv4Address(127, 9, 9, 9),
                  IPv4Address(224, 0, 0, 1), IPv4Address(239, 255, 255, 255), IPv4Address(240, 0, 0, 0),
                  IPv4Address(255, 255, 255, 255), IPv4Address(192, 168, 1, 255), IPv4Address(192, 168, 1, 10)] {
            #expect(c.isMartianSource(a), "\(a)")
        }
        for a in [IPv4Address(192, 168, 1, 1), IPv4Address(8, 8, 8, 8), IPv4Address(223, 255, 255, 254),
                  IPv4Address(1, 0, 0, 0), IPv4Address(126, 255, 255, 255), IPv4Address(10, 0, 0, 255)] {
            #expect(!c.isMartianSource(a), "\(a)")
        }
    }
}
