// Parses every frame of a real capture, checks known values, and re-emits each header byte for byte.

import Testing
import SwiftletTesting
@testable import SwiftletWire

@Suite struct CaptureTests {
    @Test func everyFrameParsesAndEthernetReemitsExactly() throws {
        #expect(Capture.frames.count > 50)
        for f in Capture.frames {
            let h = try EthernetHeader(parsing: f.span)
            var out = junk(h.length, seed: 1)
            var span = out.mutableSpan
            try h.emit(into: &span)
            #expect(out == Array(f[0..<h.length]))
        }
    }

    @Test func arpRequestAndReply() throws {
        let arps = try Capture.frames.compactMap { f -> (ARPHeader, [UInt8])? in
            let e = try EthernetHeader(parsing: f.span)
            guard e.etherType == .arp else { return nil }
            return (try ARPHeader(parsing: f.span.extracting(14...)), Array(f[14..<42]))
        }
        let request = try #require(arps.first { $0.0.operation == .request && $0.0.targetIP == IPv4Address(10, 9, 0, 2) })
        #expect(request.0.senderIP == IPv4Address(10, 9, 0, 1))
        let reply = try #require(arps.first { $0.0.operation == .reply })
        #expect(reply.0.senderIP == IPv4Address(10, 9, 0, 2))
        #expect(reply.0.targetMAC == request.0.senderMAC)
        for (header, bytes) in arps {
            var out = junk(28, seed: 2)
            var span = out.mutableSpan
            try header.emit(into: &span)
            #expect(out == bytes)
        }
    }

    @Test func ipv4HeadersReemitExactly() throws {
        var withOptions = 0, fragments = 0
        for f in Capture.frames {
            guard try EthernetHeader(parsing: f.span).etherType == .ipv4 else { continue }
            let ip = try IPv4Header(parsing: f.span.extracting(14...))
            if !ip.options.isEmpty { withOptions += 1 }
            if ip.moreFragments || ip.fragmentOffset > 0 { fragments += 1 }
            var out = junk(ip.headerLength, seed: 3)
            var span = out.mutableSpan
            try ip.emit(into: &span)
            #expect(out == Array(f[14..<(14 + ip.headerLength)]))
        }
        #expect(withOptions >= 2)   // ping -R request and reply carry Record Route
        #expect(fragments >= 4)     // ping -s 3000 both ways
    }

    @Test func icmpEchoAndPortUnreachable() throws {
        var echoes = 0
        var sawUnreachable = false
        for f in Capture.ipv4(.icmp) {
            let ip = try IPv4Packet(validating: f.span.extracting(14...))
            guard ip.fragmentOffset == 0, !ip.moreFragments else { continue }
            let icmp = try ICMPv4Packet(validating: ip.payload)
            switch icmp.message {
            case .echoRequest, .echoReply:
                echoes += 1
            case .destinationUnreachable(let code, _):
                #expect(code == .port)
                let quoted = try icmp.quotedDatagram()
                #expect(quoted.header.protocol == .udp)
                #expect(quoted.header.destination == IPv4Address(10, 9, 0, 2))
                #expect(quoted.ports?.destination == 9999)
                sawUnreachable = true
            default:
                Issue.record("unexpected ICMP \(icmp.message)")
            }
            // Re-emit over a copy of the original data: the whole message must come out identical.
            let original = Array(copying: ip.payload)
            var out = original
            for i in 0..<8 { out[i] = UInt8(truncatingIfNeeded: i &* 37) }
            var span = out.mutableSpan
            try ICMPv4Header(icmp).emit(into: &span)
            #expect(out == original)
        }
        #expect(echoes >= 4)
        #expect(sawUnreachable)
    }

    @Test func tcpSegmentsWithLinuxOptionsReemitExactly() throws {
        var sawSYN = false
        for f in Capture.ipv4(.tcp) {
            let ip = try IPv4Packet(validating: f.span.extracting(14...))
            let seg = try TCPSegment(validating: ip.payload, source: ip.source, destination: ip.destination)
            let h = TCPHeader(seg)
            if h.flags == .syn {
                sawSYN = true
                #expect(h.options.maximumSegmentSize != nil)
                #expect(h.options.sackPermitted)
                #expect(h.options.timestamps?.echoReply == 0)
                #expect(h.options.windowScale != nil)
            } else {
                #expect(h.flags.contains(.ack))
                #expect(h.options.timestamps != nil)
            }
            let original = Array(copying: ip.payload)
            var out = original
            for i in 0..<h.length { out[i] = 0xA5 }
            var span = out.mutableSpan
            try h.emit(into: &span, source: ip.source, destination: ip.destination)
            #expect(out == original, "segment \(h.flags) seq \(h.sequenceNumber)")
        }
        #expect(sawSYN)
    }

    @Test func udpDatagramsReemitExactly() throws {
        var count = 0
        for f in Capture.ipv4(.udp) {
            let ip = try IPv4Packet(validating: f.span.extracting(14...))
            guard !ip.isFragment else { continue }
            let udp = try UDPPacket(validating: ip.payload, source: ip.source, destination: ip.destination)
            let original = Array(copying: udp.bytes)
            var out = original
            for i in 0..<8 { out[i] = 0x5A }
            var span = out.mutableSpan
            try UDPHeader(udp).emit(into: &span, source: ip.source, destination: ip.destination)
            #expect(out == original)
            count += 1
        }
        #expect(count >= 18)
    }

    @Test func dnsAnswersFromDnsmasq() throws {
        let messages = try Capture.udpPayloads(port: 53).map { try DNSMessage(parsing: $0.span) }
        #expect(messages.count == 16)  // eight queries over UDP, eight answers
        let responses = messages.filter(\.header.isResponse)
        func answer(_ name: String, _ type: DNSType) -> DNSRecordData? {
            responses.first { $0.questions.first?.name == DNSName(name) && $0.questions.first?.type == type }?.answers.first?.data
        }
        #expect(answer("www.swiftlet.test", .a) == .a(IPv4Address(10, 9, 0, 80)))
        #expect(answer("v6.swiftlet.test", .aaaa) == .aaaa(IPv6Address("2001:db8::81")!))
        #expect(answer("alias.swiftlet.test", .a) == .cname(DNSName("www.swiftlet.test")!))
        #expect(answer("swiftlet.test", .mx) == .mx(preference: 10, exchange: DNSName("mail.swiftlet.test")!))
        #expect(answer("_http._tcp.swiftlet.test", .srv) == .srv(priority: 0, weight: 5, port: 80, target: DNSName("www.swiftlet.test")!))
        #expect(answer("txt.swiftlet.test", .txt) == .txt([Array("hello swiftlet".utf8), Array("second string".utf8)]))
        #expect(answer("80.0.9.10.in-addr.arpa", .ptr) == .ptr(DNSName("www.swiftlet.test")!))
        let nope = try #require(responses.first { $0.questions.first?.name == DNSName("nope.swiftlet.test") })
        #expect(nope.header.rcode == .nameError)
        #expect(nope.answers.isEmpty)
        // dig sends EDNS0 with a cookie option; every query carries it.
        for q in messages where !q.header.isResponse {
            #expect(q.edns?.udpPayloadSize == 1232)
            #expect(q.edns?.options.contains { $0.code == 10 } == true)
        }
        // Our encoding parses back to the same message.
        for m in messages {
            let encoded = try m.emit()
            #expect(try DNSMessage(parsing: encoded.span) == m)
        }
    }

    @Test func dnsOverTCPCarriesLengthPrefixedMessages() throws {
        var parsed = 0
        for f in Capture.ipv4(.tcp) {
            let ip = try IPv4Packet(validating: f.span.extracting(14...))
            let seg = try TCPSegment(validating: ip.payload, source: ip.source, destination: ip.destination)
            guard seg.sourcePort == 53 || seg.destinationPort == 53, seg.payload.count > 2 else { continue }
            let data = Array(copying: seg.payload)
            #expect(Int(data[0]) << 8 | Int(data[1]) == data.count - 2)
            let m = try DNSMessage(parsing: data.span.extracting(2...))
            #expect(m.questions.first?.name == DNSName("www.swiftlet.test"))
            parsed += 1
        }
        #expect(parsed == 2)
    }

    @Test func dhcpDiscoverAndOfferFromDnsmasq() throws {
        let messages = try Capture.udpPayloads(port: 67).map { try DHCPv4Message(parsing: $0.span) }
        let discover = try #require(messages.first { $0.options.messageType == .discover })
        #expect(discover.transactionID == 0x5377_696C)
        #expect(discover.broadcast)
        #expect(discover.options.hostName == Array("swiftlet".utf8))
        #expect(discover.options.parameterRequestList == [1, 3, 6, 15, 51, 58, 59])
        let offer = try #require(messages.first { $0.options.messageType == .offer })
        #expect(offer.operation == .bootReply)
        #expect(offer.transactionID == discover.transactionID)
        #expect(offer.clientHardwareAddress == discover.clientHardwareAddress)
        #expect(IPv4Network("10.9.0.100/24")!.contains(offer.yourAddress))
        #expect(offer.options.serverIdentifier == IPv4Address(10, 9, 0, 2))
        #expect(offer.options.routers == [IPv4Address(10, 9, 0, 2)])
        #expect(offer.options.domainNameServers == [IPv4Address(10, 9, 0, 2)])
        #expect(offer.options.subnetMask == IPv4Address(255, 255, 255, 0))
        #expect(offer.options.leaseTime == 3600)
        #expect(offer.options.renewalTime == 1800)
        for m in messages {
            var out = junk(m.length, seed: 4)
            var span = out.mutableSpan
            try m.emit(into: &span)
            #expect(try DHCPv4Message(parsing: out.span) == m)
        }
    }
}
