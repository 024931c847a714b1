// SwiftletDNS: responses built once and reused. A zone does not change while it is served, so the answer
// to a question depends only on the question (name case aside), the size limit and whether the query had
// EDNS. The cache keeps the whole response message for that key; a hit copies it and patches in the query's
// ID, its RD and CD bits and the question name as the client spelt it (RFC 1035 §7.1 leaves case to the
// client; resolvers that randomise it, "DNS 0x20", compare it). Every name in the answer that the
// question's name equals or ends with was written as a pointer to the question (offset 12), so patching the
// question re-spells them too.
//
// Only plain queries take the fast path: opcode QUERY, one question with an uncompressed name, no answer or
// authority records, and either no additional record or exactly one bare OPT (version 0, no options, the
// DO bit either way: it is part of the key, as the response copies it).
// Everything else goes to `DNSResponder.respond`, which answers every case. The cache holds at most
// `capacity` responses and starts empty again when full (a flood of distinct names cannot grow it). Its
// hash is Swift's `Hasher` (SipHash, seeded at random per process), so names cannot be chosen to collide.
//
// Why: parsing, answering and encoding a UDP query costs about 16,000 instructions; a hit costs a small
// fraction of that.

import Swiftlet
import SwiftletWire

public struct DNSResponseCache: Sendable {
    public let responder: DNSResponder
    public let capacity: Int
    /// What shapes a response besides the question: the size limit and whether the query had EDNS.
    private struct Entry: Sendable {
        var hash: Int
        /// The question in lowercase wire form (name, type, class).
        var question: [UInt8]
        var limit: Int
        /// 0: no EDNS; 1: EDNS; 2: EDNS with the DO bit.
        var edns: UInt8
        var response: [UInt8]
    }
    /// An open-addressing table (linear probing) over `entries`: index + 1, 0 for empty. Twice the
    /// capacity, a power of two. A lookup hashes and compares the question where it lies in the query,
    /// lowercasing as it goes, so a hit builds no key (a `Dictionary` with an array key would cost each
    /// query a key array, a response copy and about 800 instructions of hashing).
    private var slots: [Int32]
    private var entries: [Entry] = []
    public private(set) var hits = 0
    public private(set) var misses = 0
    /// Responses held now.
    public var count: Int { entries.count }

    public init(responder: DNSResponder, capacity: Int = 4096) {
        precondition(capacity > 0, "DNSResponseCache: capacity must be positive")
        self.responder = responder
        self.capacity = capacity
        var size = 2
        while size < 2 * capacity { size *= 2 }
        slots = Array(repeating: 0, count: size)
    }

    /// The response to `query` (nil when none should be sent), from the cache when the query is plain.
    public mutating func respond(to query: [UInt8], overTCP: Bool = false) -> [UInt8]? {
        guard let plain = plainQuery(query, overTCP: overTCP) else { return responder.respond(to: query, overTCP: overTCP) }
        let mask = slots.count - 1
        var slot = plain.hash & mask
        while slots[slot] != 0 {
            let e = Int(slots[slot]) - 1
            if entries[e].hash == plain.hash && entries[e].limit == plain.limit && entries[e].edns == plain.edns
                && Self.sameQuestion(entries[e].question, query, plain.end) {
                hits += 1
                // Patched in place: taken out of the entry, the array is shared with nobody once the last
                // caller has sent it, so writing through its span copies nothing.
                var response = entries[e].response
                entries[e].response = []
                Self.patch(&response, from: query.span, questionEnd: plain.end)
                entries[e].response = response
                return response
            }
            slot = (slot + 1) & mask
        }
        misses += 1
        guard let response = responder.respond(to: query, overTCP: overTCP) else { return nil }
        // Only responses that echo the question at offset 12 byte for byte can be patched later.
        guard response.count >= plain.end, response[12..<plain.end] == query[12..<plain.end] else { return response }
        if entries.count >= capacity {
            entries.removeAll(keepingCapacity: true)
            for i in slots.indices { slots[i] = 0 }
            slot = plain.hash & mask
        }
        let question = query[12..<plain.end].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        entries.append(Entry(hash: plain.hash, question: question, limit: plain.limit, edns: plain.edns, response: response))
        slots[slot] = Int32(entries.count)
        return response
    }

    /// The query's ID, RD bit and question spelling, written into a cached response (CD is always clear).
    private static func patch(_ response: inout [UInt8], from q: Span<UInt8>, questionEnd: Int) {
        var r = response.mutableSpan
        r[0] = q[0]
        r[1] = q[1]
        r[2] = r[2] & ~0x01 | q[2] & 0x01  // RD
        for i in 12..<questionEnd { r[i] = q[i] }
    }

    /// Whether the query's question (bytes 12..<end) is `stored` (lowercase) but for the case of letters.
    /// Label lengths are below 0x40, so folding them like letters changes nothing.
    private static func sameQuestion(_ storedArray: [UInt8], _ query: [UInt8], _ end: Int) -> Bool {
        let stored = storedArray.span, q = query.span
        guard stored.count == end - 12, end <= q.count else { return false }
        for i in 0..<stored.count {
            let c = q[12 + i]
            if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != stored[i] { return false }
        }
        return true
    }

    /// The question's hash (lowercase, with type and class), the response's size limit, whether the query
    /// had EDNS and the end of the question; nil when the query is not plain (see the top).
    private func plainQuery(_ query: [UInt8], overTCP: Bool) -> (hash: Int, limit: Int, edns: UInt8, end: Int)? {
        let q = query.span
        guard q.count >= 17, q[2] & 0xF8 == 0,  // QR 0, opcode QUERY (AA, TC ignored as the responder does)
              q[4] == 0, q[5] == 1, q[6] == 0, q[7] == 0, q[8] == 0, q[9] == 0, q[10] == 0, q[11] <= 1 else { return nil }
        // The question name: labels only (no pointers, which a first question cannot use anyway). Its
        // bytes, lowercased, go into the hash eight at a time.
        var hasher = Hasher()
        var word: UInt64 = 0
        var i = 12
        while true {
            guard i < q.count else { return nil }
            let n = Int(q[i])
            if n == 0 { break }
            guard n <= 63, i + 1 + n < q.count else { return nil }
            var k = i
            while k <= i + n {
                let c = q[k]
                word = word << 8 | UInt64(c >= 0x41 && c <= 0x5A ? c | 0x20 : c)
                if (k - 12) & 7 == 7 { hasher.combine(word); word = 0 }
                k += 1
            }
            i += n + 1
        }
        guard i + 5 <= q.count, i - 12 + 1 <= 255 else { return nil }
        let end = i + 5
        hasher.combine(word)
        var edns: UInt8 = 0
        var payload = 512
        if q[11] == 1 {
            // A bare OPT: root name, type 41, CLASS = payload size, TTL = 0 extended RCODE, version 0, flags
            // (DO or nothing); no options; and nothing after it.
            guard q.count == end + 11, q[end] == 0, q[end + 1] == 0, q[end + 2] == 41, q[end + 5] == 0, q[end + 6] == 0,
                  q[end + 9] == 0, q[end + 10] == 0 else { return nil }
            edns = q[end + 7] & 0x80 != 0 ? 2 : 1  // the DO bit, the flags' top bit
            payload = Int(q[end + 3]) << 8 | Int(q[end + 4])
        } else {
            guard q.count == end else { return nil }
        }
        let limit = overTCP ? 65535 : edns > 0 ? max(512, min(payload, Int(responder.udpPayloadSize))) : 512
        // Type, class, the question's length, DO, the limit and EDNS in one word (each combine is a SipHash
        // round): 32 bits, then DO at bit 31, the length (at most 272) from bit 17, the limit from bit 1.
        let typeAndClass = UInt64(q[i + 1]) << 24 | UInt64(q[i + 2]) << 16 | UInt64(q[i + 3]) << 8 | UInt64(q[i + 4])
        hasher.combine(typeAndClass << 32 | UInt64(edns >> 1) << 31 | UInt64(end) << 17 | UInt64(limit) << 1 | UInt64(edns & 1))
        return (hasher.finalize(), limit, edns, end)
    }
}
