// Seeded round trips: random header → emit into a junk-filled buffer → parse → equal.
// Each test runs 500 seeds; a failure names its seed so it can be replayed.

import Testing
import SwiftletTesting
@testable import SwiftletWire

private let seeds: [UInt64] = Array(1...500)

extension SeededRandom {
    mutating func u8() -> UInt8 { UInt8.random(in: 0...255, using: &self) }
    mutating func u16() -> UInt16 { UInt16.random(in: 0...0xFFFF, using: &self) }
    mutating func u32() -> UInt32 { UInt32.random(in: 0...0xFFFF_FFFF, using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
    mutating func mac() -> MACAddress { MACAddress(rawValue: next()) }
    mutating func ipv4() -> IPv4Address { IPv4Address(rawValue: u32()) }
    mutating func maybe<T>(_ make: (inout SeededRandom) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func label() -> [UInt8] {
        let n = Int.random(in: 1...12, using: &self)
        return (0..<n).map { _ in UInt8.random(in: 0x61...0x7A, using: &self) }
    }
    mutating func name() -> DNSName {
        let n = Int.random(in: 0...4, using: &self)
        return try! DNSName(labels: (0..<n).map { _ in label() })
    }
}

@Suite struct RoundTripTests {
    @Test(arguments: seeds) func ethernet(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        let h = EthernetHeader(destination: r.mac(), source: r.mac(),
                               vlan: r.maybe { VLANTag(priority: $0.u8() & 7, dropEligible: $0.bool(), identifier: $0.u16() & 0xFFF) },
                               etherType: EtherType(rawValue: UInt16.random(in: 0x0600...0xFFFF, using: &r) == 0x8100 ? 0x0800 : 0x86DD))
        var buf = junk(h.length + 10, seed: seed)
        var span = buf.mutableSpan
        try h.emit(into: &span)
        #expect(try EthernetHeader(parsing: buf.span) == h, "seed \(seed)")
    }

    @Test(arguments: seeds) func arp(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        let h = ARPHeader(operation: ARPOperation(rawValue: r.u16()), senderMAC: r.mac(), senderIP: r.ipv4(),
                          targetMAC: r.mac(), targetIP: r.ipv4())
        var buf = junk(ARPHeader.length, seed: seed)
        var span = buf.mutableSpan
        try h.emit(into: &span)
        #expect(try ARPHeader(parsing: buf.span) == h, "seed \(seed)")
    }

    @Test(arguments: seeds) func ipv4(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        // Options: a sequence of NOPs and well-formed TLVs (never EOL in the middle).
        var options: [UInt8] = []
        while r.bool() && options.count < 32 {
            if r.bool() { options.append(1) } else {
                let len = Int.random(in: 2...6, using: &r)
                options += [UInt8.random(in: 2...255, using: &r), UInt8(len)] + r.bytes(len - 2)
            }
        }
        while options.count % 4 != 0 { options.append(1) }
        let payload = Int.random(in: 0...200, using: &r)
        let h = IPv4Header(dscp: r.u8() & 0x3F, ecn: r.u8() & 3, identification: r.u16(), dontFragment: r.bool(),
                           moreFragments: r.bool(), fragmentOffset: Int.random(in: 0...0x1FFF, using: &r) * 8,
                           ttl: r.u8(), protocol: IPProtocol(rawValue: r.u8()), source: r.ipv4(),
                           destination: r.ipv4(), options: options, payloadLength: payload)
        var buf = junk(h.totalLength + 7, seed: seed)
        var span = buf.mutableSpan
        try h.emit(into: &span)
        let p = try IPv4Packet(validating: buf.span)
        #expect(IPv4Header(p) == h, "seed \(seed)")
        #expect(p.payload.count == payload)
    }

    @Test(arguments: seeds) func icmp(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        let messages: [ICMPv4Message] = [
            .echoRequest(identifier: r.u16(), sequence: r.u16()),
            .echoReply(identifier: r.u16(), sequence: r.u16()),
            .destinationUnreachable(UnreachableCode(rawValue: r.u8()), nextHopMTU: r.u16()),
            .timeExceeded(code: r.u8()),
            .other(type: ICMPv4Type(rawValue: 13), code: r.u8(), restOfHeader: r.u32()),
        ]
        let h = ICMPv4Header(messages[Int(seed) % messages.count])
        let dataLength = Int.random(in: 0...64, using: &r)
        var buf = junk(8 + dataLength, seed: seed)
        var span = buf.mutableSpan
        try h.emit(into: &span)
        let p = try ICMPv4Packet(validating: buf.span)
        if case .destinationUnreachable(let code, _) = h.message {
            // The MTU field only occupies the low half of rest-of-header; the high half is unused (zero).
            #expect(p.message == .destinationUnreachable(code, nextHopMTU: p.restOfHeader == 0 ? 0 : UInt16(p.restOfHeader)))
        } else {
            #expect(p.message == h.message, "seed \(seed)")
        }
        #expect(p.data.count == dataLength)
    }

    @Test(arguments: seeds) func udp(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        let h = UDPHeader(sourcePort: r.u16(), destinationPort: r.u16())
        let (src, dst) = (r.ipv4(), r.ipv4())
        let length = 8 + Int.random(in: 0...300, using: &r)
        var buf = junk(length, seed: seed)
        var span = buf.mutableSpan
        try h.emit(into: &span, source: src, destination: dst)
        let p = try UDPPacket(validating: buf.span, source: src, destination: dst)
        #expect(UDPHeader(p) == h)
        #expect(p.checksum != 0)
        #expect(p.payload.count == length - 8)
    }

    @Test(arguments: seeds) func tcp(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        var blocks = SACKBlocks()
        if r.bool() {
            for _ in 0..<Int.random(in: 1...3, using: &r) {
                blocks.append(SACKBlock(left: TCPSequenceNumber(r.u32()), right: TCPSequenceNumber(r.u32())))
            }
        }
        let options = TCPOptions(maximumSegmentSize: r.maybe { $0.u16() }, windowScale: r.maybe { $0.u8() & 15 },
                                 sackPermitted: r.bool(), sackBlocks: blocks,
                                 timestamps: r.maybe { TCPTimestamps(value: $0.u32(), echoReply: $0.u32()) })
        let h = TCPHeader(sourcePort: r.u16(), destinationPort: r.u16(), sequenceNumber: TCPSequenceNumber(r.u32()),
                          acknowledgmentNumber: TCPSequenceNumber(r.u32()), flags: TCPFlags(rawValue: r.u16()),
                          window: r.u16(), urgentPointer: r.u16(), options: options)
        guard h.length <= 60 else { return }  // 3 SACK blocks + everything else exceeds 40 option bytes
        let (src, dst) = (r.ipv4(), r.ipv4())
        let total = h.length + Int.random(in: 0...100, using: &r)
        var buf = junk(total, seed: seed)
        var span = buf.mutableSpan
        try h.emit(into: &span, source: src, destination: dst)
        let p = try TCPSegment(validating: buf.span, source: src, destination: dst)
        #expect(TCPHeader(p) == h, "seed \(seed)")
        #expect(p.payload.count == total - h.length)
    }

    @Test(arguments: seeds) func dhcp(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        var o = DHCPOptions()
        o.messageType = DHCPMessageType(rawValue: UInt8.random(in: 1...8, using: &r))
        o.subnetMask = r.maybe { $0.ipv4() }
        o.routers = (0..<Int.random(in: 0...3, using: &r)).map { _ in r.ipv4() }
        o.domainNameServers = (0..<Int.random(in: 0...3, using: &r)).map { _ in r.ipv4() }
        o.leaseTime = r.maybe { $0.u32() }
        o.renewalTime = r.maybe { $0.u32() }
        o.rebindingTime = r.maybe { $0.u32() }
        o.serverIdentifier = r.maybe { $0.ipv4() }
        o.requestedAddress = r.maybe { $0.ipv4() }
        o.hostName = r.maybe { $0.label() }
        o.maximumMessageSize = r.maybe { $0.u16() }
        o.parameterRequestList = r.bool() ? [1, 3, 6, 15, 51] : []
        // A long unknown option (RFC 3396 splitting) sometimes.
        if r.bool() { o.other = [DHCPRawOption(code: 224, data: r.bytes(Int.random(in: 1...600, using: &r)))] }
        let m = DHCPv4Message(operation: r.bool() ? .bootRequest : .bootReply, hops: r.u8(), transactionID: r.u32(),
                              secondsElapsed: r.u16(), broadcast: r.bool(), clientAddress: r.ipv4(),
                              yourAddress: r.ipv4(), serverAddress: r.ipv4(), relayAddress: r.ipv4(),
                              clientHardwareAddress: r.mac(), serverName: r.maybe { $0.label() },
                              bootFile: r.maybe { $0.label() }, options: o)
        var buf = junk(m.length, seed: seed)
        var span = buf.mutableSpan
        try m.emit(into: &span)
        #expect(try DHCPv4Message(parsing: buf.span) == m, "seed \(seed)")
        #expect(m.length >= 300)
    }

    @Test(arguments: seeds) func dns(seed: UInt64) throws {
        var r = SeededRandom(seed: seed)
        let zone = r.name()
        func sub() throws -> DNSName { try r.label().count > 6 ? zone : zone.prepending(r.label()) }
        func data() throws -> DNSRecordData {
            switch Int.random(in: 0...10, using: &r) {
            case 0: return .a(r.ipv4())
            case 1: return .aaaa(IPv6Address(high: r.next(), low: r.next()))
            case 2: return .ns(try sub())
            case 3: return .cname(try sub())
            case 4: return .soa(DNSSOA(primary: try sub(), mailbox: try sub(), serial: r.u32(), refresh: r.u32(),
                                       retry: r.u32(), expire: r.u32(), minimum: r.u32()))
            case 5: return .ptr(try sub())
            case 6: return .mx(preference: r.u16(), exchange: try sub())
            case 7: return .txt((0..<Int.random(in: 1...3, using: &r)).map { _ in r.bytes(Int.random(in: 0...255, using: &r)) })
            case 8: return .srv(priority: r.u16(), weight: r.u16(), port: r.u16(), target: try sub())
            case 9: return .unknown(DNSType(rawValue: 65280 + r.u16() % 100), r.bytes(Int.random(in: 0...40, using: &r)))
            default: return .a(r.ipv4())
            }
        }
        func records(_ n: Int) throws -> [DNSRecord] {
            try (0..<n).map { _ in DNSRecord(name: try sub(), ttl: r.u32(), data: try data()) }
        }
        let edns: EDNS? = r.maybe { EDNS(udpPayloadSize: $0.u16(), version: 0, dnssecOK: $0.bool(),
                                         options: [EDNSOption(code: 10, data: $0.bytes(8))]) }
        let header = DNSHeader(id: r.u16(), isResponse: r.bool(), opcode: DNSOpcode(rawValue: r.u8()),
                               authoritative: r.bool(), truncated: r.bool(), recursionDesired: r.bool(),
                               recursionAvailable: r.bool(), authenticData: r.bool(), checkingDisabled: r.bool(),
                               rcode: DNSRCode(rawValue: UInt16(edns == nil ? r.u8() & 0xF : r.u8())))
        let m = DNSMessage(header: header, questions: [DNSQuestion(name: try sub(), type: DNSType(rawValue: r.u16()))],
                           answers: try records(Int.random(in: 0...5, using: &r)),
                           authorities: try records(Int.random(in: 0...2, using: &r)),
                           additionals: try records(Int.random(in: 0...2, using: &r)), edns: edns)
        let bytes = try m.emit()
        let back = try DNSMessage(parsing: bytes.span)
        #expect(back == m, "seed \(seed)\n\(back)\n\(m)")
    }
}
