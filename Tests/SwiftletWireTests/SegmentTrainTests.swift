// Segment trains (issue 23; SegmentTrain.swift): which frames may lead or join a train, and that a train
// finished for the device is cut back, by the rules a device follows (Virtual I/O Device Specification
// 1.2 §5.1.6.2, as Linux's TCP segmentation does it), into exactly the segments the stack built, and
// that its checksum field completes to a valid checksum when the host keeps it whole.

import Testing
import Swiftlet
import SwiftletWire

private let mac = MACAddress(2, 0, 0, 0, 0, 2), peerMAC = MACAddress(2, 0, 0, 0, 0, 1)
private let a4 = IPv4Address(10, 0, 0, 2), b4 = IPv4Address(10, 0, 0, 1)
private let a6 = IPv6Address("2001:db8::2")!, b6 = IPv6Address("2001:db8::1")!

/// One segment as the stack sends it: Ethernet, IPv4 (DF) or IPv6, TCP with timestamps.
private func segment(v6: Bool = false, id: UInt16 = 7, sequence: UInt32, payload: [UInt8], flags: TCPFlags = .ack,
                     ack: UInt32 = 5000, window: UInt16 = 512, tsval: UInt32 = 100) throws -> [UInt8] {
    let tcp = TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(sequence),
                        acknowledgmentNumber: TCPSequenceNumber(ack), flags: flags, window: window,
                        options: TCPOptions(timestamps: TCPTimestamps(value: tsval, echoReply: 9)))
    let ip = v6 ? 40 : 20
    let tcpLength = tcp.length + payload.count
    let total = 14 + ip + tcpLength
    var frame = [UInt8](repeating: 0, count: total)
    var span = frame.mutableSpan
    try EthernetHeader(destination: peerMAC, source: mac, etherType: v6 ? .ipv6 : .ipv4).emit(into: &span)
    var ipSpan = span._mutatingExtracting(14..<(14 + ip))
    if v6 {
        try IPv6Header(nextHeader: .tcp, source: a6, destination: b6, payloadLength: tcpLength).emit(into: &ipSpan)
    } else {
        try IPv4Header(identification: id, dontFragment: true, protocol: .tcp, source: a4, destination: b4, payloadLength: tcpLength).emit(into: &ipSpan)
    }
    var t = span._mutatingExtracting((14 + ip)..<total)
    for (i, byte) in payload.enumerated() { t[tcp.length + i] = byte }
    if v6 { try tcp.emit(into: &t, source: a6, destination: b6) } else { try tcp.emit(into: &t, source: a4, destination: b4) }
    return frame
}

private func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) << 8 | Int(b[at + 1]) }
private func put16(_ b: inout [UInt8], _ at: Int, _ v: Int) { b[at] = UInt8(truncatingIfNeeded: v >> 8); b[at + 1] = UInt8(truncatingIfNeeded: v) }
private func sum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var s: UInt32 = 0
    var i = bytes.startIndex
    while i < bytes.endIndex {
        s += UInt32(bytes[i]) << 8 | (i + 1 < bytes.endIndex ? UInt32(bytes[i + 1]) : 0)
        i += 2
    }
    return s
}
private func fold(_ x: UInt32) -> Int { var s = x; while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }; return Int(s) }

/// What a device does with a finished train: cuts the payload into `gso.segmentSize` pieces behind copies
/// of the headers, with each segment's sequence number, lengths, the IPv4 identification counted on, PSH
/// only on the last, and every checksum computed afresh.
private func cut(_ train: [UInt8], _ gso: VirtioNetHeader) -> [[UInt8]] {
    let headers = Int(gso.headerLength), t = Int(gso.checksumStart), size = Int(gso.segmentSize)
    let v4 = gso.gsoType == VirtioNetHeader.gsoTCPv4
    var out: [[UInt8]] = []
    var offset = headers
    var k = 0
    while offset < train.count {
        let n = min(size, train.count - offset)
        var s = Array(train[0..<headers]) + train[offset..<(offset + n)]
        let sequence = UInt32(u16(train, t + 4)) << 16 | UInt32(u16(train, t + 6))
        let next = sequence &+ UInt32(offset - headers)
        put16(&s, t + 4, Int(next >> 16)); put16(&s, t + 6, Int(next & 0xFFFF))
        if offset + n < train.count { s[t + 13] &= ~0x08 }
        let tcpLength = s.count - t
        var pseudo: UInt32 = 6 + UInt32(tcpLength)
        if v4 {
            put16(&s, 16, s.count - 14)
            put16(&s, 18, (u16(train, 18) + k) & 0xFFFF)
            put16(&s, 24, 0)
            put16(&s, 24, ~fold(sum(s[14..<34])) & 0xFFFF)
            pseudo += sum(s[26..<34])
        } else {
            put16(&s, 18, tcpLength)
            pseudo += sum(s[22..<54])
        }
        put16(&s, t + 16, 0)
        put16(&s, t + 16, ~fold(pseudo + sum(s[t...])) & 0xFFFF)
        out.append(s)
        offset += n
        k += 1
    }
    return out
}

/// A train built as the driver builds it: the first frame whole, then each next one's payload.
private func train(_ segments: [[UInt8]]) -> (frame: [UInt8], gso: VirtioNetHeader)? {
    let lead = segments[0]
    guard let shape = SegmentTrain.shape(lead.span, ipv4: true, ipv6: true) else { return nil }
    var headers = Array(segments[0][0..<shape.payloadStart])
    var body = Array(segments[0][shape.payloadStart...])
    let size = body.count
    var push = false
    for s in segments.dropFirst() {
        guard let next = SegmentTrain.shape(s.span, ipv4: true, ipv6: true),
              SegmentTrain.continues(s.span, shape: next, first: headers.span, firstShape: shape, payload: body.count, segmentSize: size) else { return nil }
        body += s[next.payloadStart...]
        push = s[next.tcpStart + 13] & 0x08 != 0
    }
    var span = headers.mutableSpan
    let gso = SegmentTrain.finish(&span, shape: shape, payload: body.count, segmentSize: size, push: push)
    return (headers + body, gso)
}

private func valid(_ tcp: [UInt8], v6: Bool) -> Bool {
    if v6 { return (try? TCPSegment(validating: tcp.span, source: a6, destination: b6)) != nil }
    return (try? TCPSegment(validating: tcp.span, source: a4, destination: b4)) != nil
}
private func validIPv4(_ packet: [UInt8]) -> Bool { (try? IPv4Packet(validating: packet.span)) != nil }
private func leads(_ frame: [UInt8], ipv4: Bool = true, ipv6: Bool = true) -> Bool {
    SegmentTrain.shape(frame.span, ipv4: ipv4, ipv6: ipv6) != nil
}

@Suite struct SegmentTrainTests {
    @Test(arguments: [false, true])
    func aTrainIsCutBackIntoTheSegmentsTheStackBuilt(v6: Bool) throws {
        let mss = 1448
        let data = (0..<(3 * mss + 500)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var segments: [[UInt8]] = []
        for k in 0..<4 {
            let piece = Array(data[(k * mss)..<min(data.count, (k + 1) * mss)])
            segments.append(try segment(v6: v6, id: UInt16(7 + k), sequence: 0xFFFF_F000 &+ UInt32(k * mss), payload: piece,
                                        flags: k == 3 ? [.ack, .psh] : .ack))
        }
        let built = try #require(train(segments))
        #expect(built.gso.flags == VirtioNetHeader.needsChecksum)
        #expect(built.gso.gsoType == (v6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4))
        #expect(Int(built.gso.segmentSize) == mss)
        #expect(Int(built.gso.headerLength) == (v6 ? 54 : 34) + 32)
        #expect(Int(built.gso.checksumStart) == (v6 ? 54 : 34) && built.gso.checksumOffset == 16)
        #expect(built.gso.bytes.count == 10)
        #expect(cut(built.frame, built.gso) == segments, "the device's cut gives back the stack's segments, sequence wrap and all")
        // Kept whole (local delivery), the device completes the checksum over the whole TCP segment.
        var whole = built.frame
        let t = Int(built.gso.checksumStart)
        put16(&whole, t + 16, ~fold(sum(whole[t...])) & 0xFFFF)
        let tcpBytes = Array(whole[t...]), ipBytes = Array(whole[14...])
        #expect(valid(tcpBytes, v6: v6))
        #expect(v6 || validIPv4(ipBytes))
    }

    @Test func onlyDataSegmentsWithAckAndPshMayLead() throws {
        let data = [UInt8](repeating: 1, count: 100)
        let plain = try segment(sequence: 1, payload: data), plain6 = try segment(v6: true, sequence: 1, payload: data)
        #expect(leads(plain) && leads(plain6))
        #expect(!leads(plain, ipv4: false), "the device takes no TSO4")
        #expect(!leads(plain6, ipv6: false))
        #expect(!leads(try segment(sequence: 1, payload: [])), "no data")
        for flags: TCPFlags in [[.ack, .fin], [.ack, .rst], [.syn, .ack], [.ack, .urg], [.ack, .cwr], [.ack, .ece], .psh] {
            #expect(!leads(try segment(sequence: 1, payload: data, flags: flags)))
        }
        var padded = plain
        padded.append(0)  // a length field that does not match the frame
        #expect(!leads(padded))
        var fragment = plain
        fragment[20] |= 0x20  // more fragments
        #expect(!leads(fragment))
    }

    @Test func aSegmentJoinsOnlyWhereItContinuesTheTrain() throws {
        let mss = 1000
        let first = try segment(sequence: 100, payload: [UInt8](repeating: 1, count: mss))
        let found = SegmentTrain.shape(first.span, ipv4: true, ipv6: true)
        let shape = try #require(found)
        func joins(_ s: [UInt8], payload: Int = mss) -> Bool {
            guard let next = SegmentTrain.shape(s.span, ipv4: true, ipv6: true) else { return false }
            return SegmentTrain.continues(s.span, shape: next, first: first.span, firstShape: shape, payload: payload, segmentSize: mss)
        }
        let full = [UInt8](repeating: 2, count: mss)
        #expect(joins(try segment(id: 8, sequence: 1100, payload: full)))
        #expect(joins(try segment(id: 99, sequence: 1100, payload: [1, 2, 3], flags: [.ack, .psh])), "another id, a short last segment with PSH")
        #expect(!joins(try segment(sequence: 1101, payload: full)), "not where the train ends")
        #expect(!joins(try segment(sequence: 1100, payload: full + [1])), "larger than the first")
        #expect(!joins(try segment(sequence: 1100, payload: full, ack: 5001)))
        #expect(!joins(try segment(sequence: 1100, payload: full, window: 511)))
        #expect(!joins(try segment(sequence: 1100, payload: full, tsval: 101)), "options differ")
        #expect(!joins(try segment(v6: true, sequence: 1100, payload: full)))
        #expect(!joins(try segment(sequence: 100 + 65000, payload: full), payload: 65000), "past 65,535 bytes of IP")
    }
}
