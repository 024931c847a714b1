// SwiftletDNS: responses built once and reused. A zone does not change while it is served, so the answer
// to a question depends only on the question (name case aside), the size limit and whether the query had
// EDNS. The cache keeps the whole response message for that key; a hit copies it and patches in the query's
// ID, its RD and CD bits and the question name as the client spelt it (RFC 1035 §7.1 leaves case to the
// client; resolvers that randomise it, "DNS 0x20", compare it). Every name in the answer that the
// question's name equals or ends with was written as a pointer to the question (offset 12), so patching the
// question re-spells them too.
//
// Only plain queries take the fast path: opcode QUERY, one question with an uncompressed name, no answer or
// authority records, and either no additional record or exactly one bare OPT (version 0, no options).
// Everything else goes to `DNSResponder.respond`, which answers every case. The cache holds at most
// `capacity` responses and starts empty again when full (a flood of distinct names cannot grow it).
//
// Measured (Benchmarks/run dns, callgrind): the dns example spent about 16,000 instructions of its own per
// UDP query parsing, answering and encoding; a hit costs a small fraction of that.

import Swiftlet
import SwiftletWire

public struct DNSResponseCache: Sendable {
    public let responder: DNSResponder
    public let capacity: Int
    private var entries: [Key: [UInt8]] = [:]
    public private(set) var hits = 0
    public private(set) var misses = 0
    /// Responses held now.
    public var count: Int { entries.count }

    public init(responder: DNSResponder, capacity: Int = 4096) {
        self.responder = responder
        self.capacity = capacity
    }

    /// The question in lowercase wire form with its type and class, and what else shapes the response.
    struct Key: Hashable, Sendable {
        var question: [UInt8]
        var limit: Int
        var edns: Bool

        func hash(into h: inout Hasher) {
            var word: UInt64 = 0
            var n = 0
            for b in question {
                word = word << 8 | UInt64(b)
                n += 1
                if n == 8 { h.combine(word); word = 0; n = 0 }
            }
            h.combine(word)
            h.combine(question.count)
            h.combine(limit)
            h.combine(edns)
        }
    }

    /// The response to `query` (nil when none should be sent), from the cache when the query is plain.
    public mutating func respond(to query: [UInt8], overTCP: Bool = false) -> [UInt8]? {
        guard let (key, questionEnd) = plainQuery(query, overTCP: overTCP) else { return responder.respond(to: query, overTCP: overTCP) }
        if var response = entries[key] {
            hits += 1
            response[0] = query[0]
            response[1] = query[1]
            response[2] = response[2] & ~0x01 | query[2] & 0x01  // RD
            response[3] = response[3] & ~0x10 | query[3] & 0x10  // CD
            for i in 12..<questionEnd { response[i] = query[i] }
            return response
        }
        misses += 1
        guard let response = responder.respond(to: query, overTCP: overTCP) else { return nil }
        // Only responses that echo the question at offset 12 byte for byte can be patched later.
        guard response.count >= questionEnd, response[12..<questionEnd] == query[12..<questionEnd] else { return response }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = response
        return response
    }

    /// The cache key and the end of the question, or nil when the query is not plain (see the top).
    private func plainQuery(_ q: [UInt8], overTCP: Bool) -> (Key, Int)? {
        guard q.count >= 17, q[2] & 0xF8 == 0,  // QR 0, opcode QUERY (AA, TC ignored as the responder does)
              q[4] == 0, q[5] == 1, q[6] == 0, q[7] == 0, q[8] == 0, q[9] == 0, q[10] == 0, q[11] <= 1 else { return nil }
        // The question name: labels only (no pointers, which a first question cannot use anyway).
        var i = 12
        var question: [UInt8] = []
        question.reserveCapacity(q.count - 12)
        while true {
            guard i < q.count else { return nil }
            let n = Int(q[i])
            if n == 0 { break }
            guard n <= 63, i + 1 + n < q.count else { return nil }
            question.append(UInt8(n))
            for k in (i + 1)...(i + n) { let c = q[k]; question.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c) }
            i += n + 1
        }
        guard i + 5 <= q.count, i - 12 + 1 <= 255 else { return nil }
        question.append(0)
        for k in (i + 1)..<(i + 5) { question.append(q[k]) }  // QTYPE, QCLASS
        let end = i + 5
        var edns = false
        var payload = 512
        if q[11] == 1 {
            // A bare OPT: root name, type 41, CLASS = payload size, TTL = 0 extended RCODE, version 0, flags;
            // no options; and nothing after it.
            guard q.count == end + 11, q[end] == 0, q[end + 1] == 0, q[end + 2] == 41, q[end + 5] == 0, q[end + 6] == 0,
                  q[end + 9] == 0, q[end + 10] == 0 else { return nil }
            edns = true
            payload = Int(q[end + 3]) << 8 | Int(q[end + 4])
        } else {
            guard q.count == end else { return nil }
        }
        let limit = overTCP ? 65535 : edns ? max(512, min(payload, Int(responder.udpPayloadSize))) : 512
        return (Key(question: question, limit: limit, edns: edns), end)
    }
}
