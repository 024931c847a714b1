// Bad input: every parser returns a typed error, never traps. Each truncation of every captured frame is
// fed to the parser of each layer, then targeted corruptions check that the right error comes back.

import Testing
import SwiftletTesting
@testable import SwiftletWire

/// Each layer's parser run over `bytes`, with the fewest bytes a message of its layer can have (its fixed
/// header: RFC 894, 826, 791, 792, 768, 9293, 2131 §2 without options, 1035 §4.1.1): the error it threw, nil
/// when it parsed.
private func parseAll(_ bytes: [UInt8]) -> [(format: WireFormat, minimum: Int, error: WireError?)] {
    let s = bytes.span
    let a = IPv4Address(10, 9, 0, 1), b = IPv4Address(10, 9, 0, 2)
    func run(_ format: WireFormat, _ minimum: Int, _ parse: () throws(WireError) -> Void) -> (WireFormat, Int, WireError?) {
        do throws(WireError) { try parse(); return (format, minimum, nil) } catch { return (format, minimum, error) }
    }
    return [
        run(.ethernet, 14) { () throws(WireError) in _ = try EthernetHeader(parsing: s) },
        run(.arp, 28) { () throws(WireError) in _ = try ARPHeader(parsing: s) },
        run(.ipv4, 20) { () throws(WireError) in _ = try IPv4Header(parsing: s) },
        run(.icmpv4, 8) { () throws(WireError) in _ = try ICMPv4Header(parsing: s) },
        run(.udp, 8) { () throws(WireError) in _ = try UDPHeader(parsing: s, source: a, destination: b) },
        run(.tcp, 20) { () throws(WireError) in _ = try TCPHeader(parsing: s, source: a, destination: b) },
        run(.dhcpv4, 236) { () throws(WireError) in _ = try DHCPv4Message(parsing: s) },
        run(.dns, 12) { () throws(WireError) in _ = try DNSMessage(parsing: s) },
    ]
}

/// The layer an error names.
private func format(of error: WireError) -> WireFormat? {
    switch error {
    case .truncated(let f, _, _), .badLength(let f), .badChecksum(let f), .badVersion(let f), .badField(let f), .badOption(let f): return f
    case .nameTooLong, .badLabel, .badPointer: return .dns
    case .bufferTooSmall: return nil
    }
}

@Suite struct MalformedTests {
    /// Every prefix of every layer of every captured frame goes through every parser: none traps, a parser
    /// given fewer bytes than its fixed header refuses them as truncated and names its own layer, and the
    /// IPv4 parser refuses every prefix of a packet shorter than its total length (the header says it).
    @Test func everyTruncationOfEveryLayerThrowsInsteadOfTrapping() {
        var runs = 0
        for frame in Capture.frames {
            // Each layer's bytes: the frame, and the frame minus the Ethernet header, minus IPv4 too.
            var layers = [frame, Array(frame.dropFirst(14))]
            var ipv4Total: Int? = nil
            if frame.count > 34, let ip = try? IPv4Header(parsing: frame.span.extracting(14...)) {
                layers.append(Array(frame.dropFirst(14 + ip.headerLength)))
                ipv4Total = Int(ip.totalLength)
            }
            for (k, layer) in layers.enumerated() {
                for n in 0..<layer.count {
                    for run in parseAll(Array(layer.prefix(n))) {
                        runs += 1
                        if n < run.minimum {
                            guard case .truncated(let f, _, let available)? = run.error, f == run.format, available == n else {
                                Issue.record("\(run.format) given \(n) bytes: \(String(describing: run.error))")
                                continue
                            }
                        } else if let e = run.error, format(of: e) != run.format {
                            Issue.record("\(run.format)'s parser threw an error naming another layer: \(e)")
                        }
                        if k == 1, run.format == .ipv4, let total = ipv4Total, n < total, run.error == nil {
                            Issue.record("IPv4 parsed \(n) bytes of a \(total)-byte packet")
                        }
                    }
                }
            }
        }
        #expect(runs > 10_000, "the captures cover many prefixes (\(runs) parses)")
    }

    @Test func ethernet() {
        #expect(throws: WireError.truncated(.ethernet, needed: 14, available: 13)) { try EthernetHeader(parsing: [UInt8](repeating: 0, count: 13).span) }
        var f = [UInt8](repeating: 0, count: 20)
        f[12] = 0x05; f[13] = 0xDC  // 1500: an 802.3 length, not a type
        #expect(throws: WireError.badField(.ethernet)) { try EthernetHeader(parsing: f.span) }
        f[12] = 0x81; f[13] = 0x00  // tagged, but only 16 bytes
        #expect(throws: WireError.truncated(.ethernet, needed: 18, available: 16)) { try EthernetHeader(parsing: Array(f.prefix(16)).span) }
    }

    @Test func arp() {
        var p = [UInt8](repeating: 0, count: 28)
        p[0] = 0; p[1] = 6; p[2] = 8; p[3] = 0; p[4] = 6; p[5] = 4  // hardware type 6 (IEEE 802)
        #expect(throws: WireError.badField(.arp)) { try ARPHeader(parsing: p.span) }
        #expect(throws: WireError.truncated(.arp, needed: 28, available: 27)) { try ARPHeader(parsing: Array(p.prefix(27)).span) }
    }

    private func validIPv4() throws -> [UInt8] {
        let h = IPv4Header(protocol: .udp, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8), payloadLength: 8)
        var b = [UInt8](repeating: 0, count: 28)
        var s = b.mutableSpan
        try h.emit(into: &s)
        return b
    }

    @Test func ipv4() throws {
        var b = try validIPv4()
        b[0] = 0x65
        #expect(throws: WireError.badVersion(.ipv4)) { try IPv4Header(parsing: b.span) }
        b = try validIPv4(); b[0] = 0x44  // IHL 4
        #expect(throws: WireError.badLength(.ipv4)) { try IPv4Header(parsing: b.span) }
        b = try validIPv4(); b[0] = 0x4F  // IHL 15: 60 bytes of header in a 28-byte packet
        #expect(throws: WireError.truncated(.ipv4, needed: 60, available: 28)) { try IPv4Header(parsing: b.span) }
        b = try validIPv4(); b[3] = 29    // total length beyond the bytes
        #expect(throws: WireError.truncated(.ipv4, needed: 29, available: 28)) { try IPv4Header(parsing: b.span) }
        b = try validIPv4(); b[3] = 19    // total length shorter than the header
        #expect(throws: WireError.badLength(.ipv4)) { try IPv4Header(parsing: b.span) }
        b = try validIPv4(); b[8] ^= 1    // TTL changed, checksum stale
        #expect(throws: WireError.badChecksum(.ipv4)) { try IPv4Header(parsing: b.span) }
        // An option whose length runs past the header.
        let h = IPv4Header(protocol: .tcp, source: .any, destination: .any, options: [7, 9, 4, 0], payloadLength: 0)
        var o = [UInt8](repeating: 0, count: 24)
        var s = o.mutableSpan
        try h.emit(into: &s)
        #expect(throws: WireError.badOption(.ipv4)) { try IPv4Header(parsing: o.span) }
        o[21] = 1
        o[10] = 0; o[11] = 0
        let sum = InternetChecksum.of(o.span.extracting(0..<24))
        o[10] = UInt8(sum >> 8); o[11] = UInt8(sum & 0xFF)
        #expect(throws: WireError.badOption(.ipv4)) { try IPv4Header(parsing: o.span) }  // length 1 < 2
    }

    @Test func icmpChecksum() throws {
        var b = [UInt8](repeating: 0, count: 16)
        var s = b.mutableSpan
        try ICMPv4Header(.echoRequest(identifier: 1, sequence: 2)).emit(into: &s)
        _ = try ICMPv4Header(parsing: b.span)
        b[15] ^= 0x40
        #expect(throws: WireError.badChecksum(.icmpv4)) { try ICMPv4Header(parsing: b.span) }
        // An echo is not an error: asking for its quoted datagram is a typed error.
        b[15] ^= 0x40
        #expect(throws: WireError.badField(.icmpv4)) { try ICMPv4Packet(validating: b.span).quotedDatagram() }
    }

    @Test func udp() throws {
        let a = IPv4Address(10, 0, 0, 1), c = IPv4Address(10, 0, 0, 2)
        var b = [UInt8](repeating: 7, count: 12)
        var s = b.mutableSpan
        try UDPHeader(sourcePort: 1, destinationPort: 2).emit(into: &s, source: a, destination: c)
        _ = try UDPHeader(parsing: b.span, source: a, destination: c)
        #expect(throws: WireError.badChecksum(.udp)) { try UDPHeader(parsing: b.span, source: a, destination: IPv4Address(10, 0, 0, 3)) }
        b[5] = 7
        #expect(throws: WireError.badLength(.udp)) { try UDPHeader(parsing: b.span, source: a, destination: c) }
        b[5] = 13
        #expect(throws: WireError.truncated(.udp, needed: 13, available: 12)) { try UDPHeader(parsing: b.span, source: a, destination: c) }
        b[5] = 12; b[6] = 0; b[7] = 0  // zero checksum: not computed, accepted
        _ = try UDPHeader(parsing: b.span, source: a, destination: IPv4Address(1, 1, 1, 1))
    }

    @Test func tcp() throws {
        let a = IPv4Address(10, 0, 0, 1), c = IPv4Address(10, 0, 0, 2)
        func segment(options: [UInt8]) -> [UInt8] {
            var b = [UInt8](repeating: 0, count: 20) + options
            b[12] = UInt8(b.count / 4) << 4
            var sum = InternetChecksum.pseudoHeader(source: a, destination: c, protocol: .tcp, length: b.count)
            sum.add(b.span)
            b[16] = UInt8(sum.value >> 8); b[17] = UInt8(sum.value & 0xFF)
            return b
        }
        _ = try TCPHeader(parsing: segment(options: []).span, source: a, destination: c)
        #expect(throws: WireError.badOption(.tcp)) { try TCPHeader(parsing: segment(options: [2, 0, 1, 1]).span, source: a, destination: c) }   // length 0
        #expect(throws: WireError.badOption(.tcp)) { try TCPHeader(parsing: segment(options: [2, 3, 5, 1]).span, source: a, destination: c) }   // MSS length 3
        #expect(throws: WireError.badOption(.tcp)) { try TCPHeader(parsing: segment(options: [1, 1, 1, 8]).span, source: a, destination: c) }   // no length byte
        #expect(throws: WireError.badOption(.tcp)) { try TCPHeader(parsing: segment(options: [5, 12, 0, 0]).span, source: a, destination: c) }  // SACK past the end
        // Unknown option skipped by its length; EOL stops parsing even if junk follows.
        let h = try TCPHeader(parsing: segment(options: [99, 4, 0xFF, 0xFF, 0, 77, 77, 77]).span, source: a, destination: c)
        #expect(h.options == TCPOptions())
        var bad = segment(options: [])
        bad[12] = 0x40  // data offset 4
        #expect(throws: WireError.badLength(.tcp)) { try TCPHeader(parsing: bad.span, source: a, destination: c) }
        bad[12] = 0x60  // data offset 6 in a 20-byte segment
        #expect(throws: WireError.truncated(.tcp, needed: 24, available: 20)) { try TCPHeader(parsing: bad.span, source: a, destination: c) }
        var flipped = segment(options: [])
        flipped[13] ^= 0x02
        #expect(throws: WireError.badChecksum(.tcp)) { try TCPHeader(parsing: flipped.span, source: a, destination: c) }
        // Emitting more than 40 bytes of options is refused.
        var too = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true, timestamps: TCPTimestamps(value: 1, echoReply: 2))
        too.sackBlocks = SACKBlocks([SACKBlock(left: .init(1), right: .init(2)), SACKBlock(left: .init(3), right: .init(4)), SACKBlock(left: .init(5), right: .init(6))])
        var out = [UInt8](repeating: 0, count: 80)
        var s = out.mutableSpan
        #expect(throws: WireError.badOption(.tcp)) {
            try TCPHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: .init(0), flags: .ack, window: 1, options: too).emit(into: &s, source: a, destination: c)
        }
    }

    @Test func dhcp() throws {
        let m = DHCPv4Message(operation: .bootRequest, transactionID: 1, clientHardwareAddress: MACAddress(1, 2, 3, 4, 5, 6),
                              options: { var o = DHCPOptions(); o.messageType = .discover; return o }())
        var b = [UInt8](repeating: 0, count: m.length)
        var s = b.mutableSpan
        try m.emit(into: &s)
        var bad = b; bad[236] = 0
        #expect(throws: WireError.badField(.dhcpv4)) { try DHCPv4Message(parsing: bad.span) }
        bad = b; bad[0] = 3
        #expect(throws: WireError.badField(.dhcpv4)) { try DHCPv4Message(parsing: bad.span) }
        bad = b; bad[241] = 2   // message type with length 2
        #expect(throws: WireError.badOption(.dhcpv4)) { try DHCPv4Message(parsing: bad.span) }
        bad = Array(b.prefix(243)); bad[240] = 53; bad[241] = 9  // option runs off the end
        #expect(throws: WireError.badOption(.dhcpv4)) { try DHCPv4Message(parsing: bad.span) }
        bad = b; bad[243] = 52; bad[244] = 1; bad[245] = 4  // overload value 4
        #expect(throws: WireError.badOption(.dhcpv4)) { try DHCPv4Message(parsing: bad.span) }
        #expect(throws: WireError.truncated(.dhcpv4, needed: 240, available: 239)) { try DHCPv4Message(parsing: Array(b.prefix(239)).span) }
    }

    @Test func dhcpOverloadReadsOptionsFromFileAndSname() throws {
        var b = [UInt8](repeating: 0, count: 300)
        b[0] = 2; b[1] = 1; b[2] = 6
        b[236] = 99; b[237] = 130; b[238] = 83; b[239] = 99
        b.replaceSubrange(240..<247, with: [53, 1, 5, 52, 1, 3, 255])                  // ACK, overload both
        b.replaceSubrange(108..<115, with: [51, 4, 0, 0, 0x0E, 0x10, 255])            // lease in `file`
        b.replaceSubrange(44..<51, with: [54, 4, 10, 0, 0, 1, 255])                   // server id in `sname`
        let m = try DHCPv4Message(parsing: b.span)
        #expect(m.options.messageType == .ack)
        #expect(m.options.leaseTime == 3600)
        #expect(m.options.serverIdentifier == IPv4Address(10, 0, 0, 1))
        #expect(m.serverName == nil && m.bootFile == nil)
    }

    /// What a kernel logs for a malformed packet: its description (built without interpolation), which
    /// names the layer and the figures, not "(cannot print value)".
    @Test func errorsDescribeThemselves() throws {
        let short = [UInt8](repeating: 0, count: 7)
        do {
            _ = try IPv4Header(parsing: short.span)
            Issue.record("a 7-byte IPv4 header parsed")
        } catch {
            #expect(error.description == "IPv4 truncated: needs 20 bytes, has 7")
        }
        #expect(WireError.badPointer.description.contains("compression pointer"))
        #expect(WireError.bufferTooSmall(needed: 9, available: 4).description == "the buffer is too small: needs 9 bytes, has 4")
    }
}
