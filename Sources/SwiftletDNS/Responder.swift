// SwiftletDNS: the authoritative server's message logic, sans I/O: one query message in, one response
// out (RFC 1035 §4, RFC 6891 for EDNS0, RFC 7766 for sizes over TCP).
//
// Never answers a response. A query it cannot parse gets FORMERR (with the query's ID, when it has 12
// bytes); opcodes other than QUERY get NOTIMP; not exactly one question gets FORMERR; an EDNS version
// above 0 gets BADVERS; zone transfers and names outside every zone get REFUSED. Over UDP the response
// fits the requestor's EDNS payload size (at least 512, at most ours) or is cut to the question with TC
// set, so the client retries over TCP.
//
// Header bits: RD is copied; CD is cleared, as an authoritative server should (RFC 4035 §3.1.6); the DO
// bit of the query's OPT is copied into the response's (RFC 3225 §3). A DS question for the apex of a
// zone whose parent zone is also served here is answered from the parent (RFC 4035 §3.1.4.1).

import Swiftlet
import SwiftletWire

public struct DNSResponder: Sendable {
    public let zones: [Zone]
    /// The UDP payload size this server advertises and uses at most (1232: no IP fragmentation on
    /// common paths, the DNS Flag Day 2020 value).
    public var udpPayloadSize: UInt16 = 1232

    public init(zones: [Zone]) { self.zones = zones }

    /// The zone with the longest apex that holds `name`.
    public func zone(for name: DNSName) -> Zone? { zoneIndex(for: name).map { zones[$0] } }

    private func zoneIndex(for name: DNSName) -> Int? {
        var best: Int? = nil
        for (i, z) in zones.enumerated() where name.isSubdomain(of: z.apex) {
            if best == nil || z.apex.labelCount > zones[best!].apex.labelCount { best = i }
        }
        return best
    }

    /// The response to `query`, or nil when nothing should be sent. `cookie` is the caller's reply to the
    /// query's COOKIE option (`DNSServerFront` makes it; it needs the client's address and the time):
    /// `.malformed` makes the response FORMERR, `.cookie` puts the option into the response's OPT.
    public func respond(to query: [UInt8], overTCP: Bool = false, cookie: DNSCookies.Reply? = nil) -> [UInt8]? {
        guard query.count >= 12 else { return nil }
        let id = UInt16(query[0]) << 8 | UInt16(query[1])
        guard query[2] & 0x80 == 0 else { return nil }  // a response: never answered
        let opcode = DNSOpcode(rawValue: query[2] >> 3)
        let message: DNSMessage
        do throws(WireError) {
            let bytes = query  // bound first: `.span` of a temporary inside `try` crashes IRGen (ARCHITECTURE.md)
            message = try DNSMessage(parsing: bytes.span)
        } catch {
            return emit(DNSMessage(header: DNSHeader(id: id, isResponse: true, opcode: opcode, rcode: .formatError)), limit: 512)
        }
        var header = DNSHeader(id: id, isResponse: true, opcode: opcode, recursionDesired: message.header.recursionDesired)
        var edns = message.edns.map { EDNS(udpPayloadSize: udpPayloadSize, dnssecOK: $0.dnssecOK) }
        let dnssecOK = message.edns?.dnssecOK ?? false
        if case .cookie(let data, _) = cookie { edns?.options.append(EDNSOption(code: DNSCookies.optionCode, data: data)) }
        let limit = overTCP ? 65535 : message.edns.map { max(512, min(Int($0.udpPayloadSize), Int(udpPayloadSize))) } ?? 512
        func refuse(_ code: DNSRCode, extendedError: UInt16? = nil) -> [UInt8]? {
            header.rcode = code
            var e = edns
            if let info = extendedError { e?.options.append(EDNSOption(code: EDNSOption.extendedError, data: [UInt8(info >> 8), UInt8(info & 0xFF)])) }
            return emit(DNSMessage(header: header, questions: message.questions, edns: e), limit: limit)
        }
        if cookie == .malformed { return refuse(.formatError) }  // RFC 7873 §5.2.2
        guard opcode == .query else { return refuse(.notImplemented) }
        guard message.questions.count == 1 else { return refuse(.formatError) }
        if let e = message.edns, e.version > 0 { return refuse(.badVersion) }
        let question = message.questions[0]
        guard question.type != .axfr, question.type.rawValue != 251 else { return refuse(.refused) }  // AXFR, IXFR
        // Outside every zone: REFUSED, with Extended DNS Error 20 "Not Authoritative" when EDNS is on (RFC 8914).
        guard var z = zoneIndex(for: question.name) else { return refuse(.refused, extendedError: 20) }
        if question.type == .ds, zones[z].apex == question.name, !question.name.isRoot,
           let parent = zoneIndex(for: question.name.parent) {
            z = parent
        }
        let answer = zones[z].answer(question, dnssecOK: dnssecOK)
        header.authoritative = answer.authoritative
        header.rcode = answer.rcode
        let full = DNSMessage(header: header, questions: message.questions, answers: answer.answer,
                              authorities: answer.authority, additionals: answer.additional, edns: edns)
        if let bytes = emit(full, limit: limit) { return bytes }
        // Too large for UDP: the question alone, with TC set.
        header.truncated = true
        return emit(DNSMessage(header: header, questions: message.questions, edns: edns), limit: limit)
    }

    /// The message's bytes, or nil when they exceed `limit` (or cannot be written).
    private func emit(_ m: DNSMessage, limit: Int) -> [UInt8]? {
        guard let bytes = try? m.emit(), bytes.count <= limit else { return nil }
        return bytes
    }
}
