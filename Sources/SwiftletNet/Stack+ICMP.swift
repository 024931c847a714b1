// SwiftletNet: ICMP in the stack (RFC 792; RFC 1122 §3.2.2): echo replies, echo requests for `ping`,
// and destination unreachable for closed UDP ports and unknown protocols. No echo replies to broadcasts
// (RFC 1122 §3.2.2.6 allows ignoring them) and no ICMP errors about broadcasts or ICMP errors (§3.2.2).

import Swiftlet
import SwiftletWire

extension NetworkStack {
    func receiveICMP(_ ip: IPv4Header, _ bytes: Span<UInt8>, broadcast: Bool, now: Instant) {
        guard let packet = try? ICMPv4Packet(validating: bytes) else { counters.malformed += 1; return }
        switch packet.message {
        case .echoRequest(let id, let seq):
            guard !broadcast else { return }
            let data = packet.data
            var p = makePacket(transportLength: ICMPv4Header.length + data.count)
            p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
                for i in 0..<data.count { b[ICMPv4Header.length + i] = data[i] }
                try! ICMPv4Header(.echoReply(identifier: id, sequence: seq)).emit(into: &b)
            }
            if (try? sendIPv4(p, protocol: .icmp, to: ip.source, now: now)) != nil { counters.icmpEchoRepliesSent += 1 }
        case .echoReply(let id, let seq):
            // At most 64 kept holding at most 64 KiB of data, the oldest dropped first: replies nobody
            // claims (late ones, others') must not keep out the ones a ping is waiting for, nor hold memory.
            let data = packet.data.count
            var held = data
            for r in echoReplies { held += r.payload.count }
            while !echoReplies.isEmpty && (echoReplies.count >= NetworkStack.echoRepliesKept || held > NetworkStack.echoReplyBytesKept) {
                held -= echoReplies.removeFirst().payload.count
            }
            echoReplies.append(EchoReply(from: ip.source, identifier: id, sequence: seq, payload: Array(copying: packet.data)))
            touch(.echo)
        default:
            break  // errors about our own traffic: TCP and UDP treat them as soft errors (RFC 1122 §4.2.3.9)
        }
    }

    static var echoRepliesKept: Int { 64 }
    static var echoReplyBytesKept: Int { 65536 }

    /// Sends an echo request (`ping`).
    public func ping(_ destination: IPv4Address, identifier: UInt16, sequence: UInt16, payload: [UInt8] = [],
                     now: Instant) throws(StackError) {
        var p = makePacket(transportLength: ICMPv4Header.length + payload.count)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
            for i in 0..<payload.count { b[ICMPv4Header.length + i] = payload[i] }
            try! ICMPv4Header(.echoRequest(identifier: identifier, sequence: sequence)).emit(into: &b)
        }
        try sendIPv4(p, protocol: .icmp, to: destination, now: now)
    }

    /// The oldest echo reply received and not yet taken.
    public func takeEchoReply() -> EchoReply? {
        echoReplies.isEmpty ? nil : echoReplies.removeFirst()
    }

    /// The echo reply from `address` with this identifier and sequence number, if it came; other replies
    /// stay for whoever waits for them.
    public func takeEchoReply(from address: IPv4Address, identifier: UInt16, sequence: UInt16) -> EchoReply? {
        guard let i = echoReplies.firstIndex(where: { $0.from == address && $0.identifier == identifier && $0.sequence == sequence }) else { return nil }
        return echoReplies.remove(at: i)
    }

    /// Destination unreachable quoting the IP header and the first 8 bytes of data (RFC 792).
    func sendUnreachable(_ code: UnreachableCode, about ip: IPv4Header, _ payload: Span<UInt8>, now: Instant) {
        sendICMPError(.destinationUnreachable(code, nextHopMTU: 0), about: ip, payload, now: now)
    }

    /// An ICMP error about `ip`, quoting its header and the first 8 bytes of its data (RFC 792). Never
    /// about a datagram from a broadcast, multicast or unspecified source (RFC 1122 §3.2.2).
    func sendICMPError(_ message: ICMPv4Message, about ip: IPv4Header, _ payload: Span<UInt8>, now: Instant) {
        let s = ip.source
        guard !s.isUnspecified, !s.isBroadcast, !s.isMulticast, !ipv4.isBroadcast(s) else { return }
        var quotedHeader = ip
        quotedHeader.options = []
        let quoted = Swift.min(payload.count, 8)
        let length = ICMPv4Header.length + quotedHeader.headerLength + quoted
        var p = makePacket(transportLength: length)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
            var inner = b._mutatingExtracting(ICMPv4Header.length..<(ICMPv4Header.length + quotedHeader.headerLength))
            try! quotedHeader.emit(into: &inner)
            for i in 0..<quoted { b[ICMPv4Header.length + quotedHeader.headerLength + i] = payload[i] }
            try! ICMPv4Header(message).emit(into: &b)
        }
        try? sendIPv4(p, protocol: .icmp, to: ip.source, now: now)
    }
}
