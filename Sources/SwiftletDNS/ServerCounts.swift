// SwiftletDNS: what a server front answered, counted as it answers, for the metrics port (Swiftlet's
// Metrics.swift): queries by QTYPE (RFC 1035 §3.2.3 and the IANA registry; other types under "other"),
// by transport, responses by RCODE as the header carries it (RFC 1035 §4.1.1: the low four bits; an
// extended RCODE such as BADCOOKIE's counts under its low bits, as a packet capture would show it),
// queries that got no response, and what the rate limiter did. Each query costs a walk over its
// question name (bounded by the message) and a few array increments; nothing is allocated.
//
// The log source "dns" reports each query at debug (type, name, client, transport, RCODE, and whether
// the rate limiter held the response back); off, it costs one comparison per query.

import Swiftlet

let dnsLog = LogSource("dns")

public struct DNSServerCounts: Sendable {
    /// The types counted by name, in the order of `queriesByType` (one more slot for the rest).
    public static let typeNames: [(UInt16, String)] = [
        (1, "A"), (2, "NS"), (5, "CNAME"), (6, "SOA"), (12, "PTR"), (15, "MX"), (16, "TXT"), (28, "AAAA"), (33, "SRV"),
        (35, "NAPTR"), (43, "DS"), (46, "RRSIG"), (47, "NSEC"), (48, "DNSKEY"), (50, "NSEC3"), (51, "NSEC3PARAM"),
        (52, "TLSA"), (64, "SVCB"), (65, "HTTPS"), (251, "IXFR"), (252, "AXFR"), (255, "ANY"), (257, "CAA"),
    ]
    public static let rcodeNames = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
                                    "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", "12", "13", "14", "15"]

    public private(set) var queriesByType = [Int](repeating: 0, count: typeNames.count + 1)
    public private(set) var responsesByRcode = [Int](repeating: 0, count: 16)
    public private(set) var udpQueries = 0
    public private(set) var tcpQueries = 0
    /// Queries that got nothing back (too broken to answer, or a response, not a query).
    public private(set) var unanswered = 0
    public private(set) var rateLimitedSlipped = 0
    public private(set) var rateLimitedDropped = 0

    public init() {}

    /// Counts one query and what the responder made of it (before the rate limiter).
    mutating func count(query: [UInt8], response: [UInt8]?, overTCP: Bool) {
        if overTCP { tcpQueries += 1 } else { udpQueries += 1 }
        queriesByType[DNSServerCounts.typeIndex(DNSServerCounts.questionType(query))] += 1
        guard let response, response.count >= 4 else { unanswered += 1; return }
        responsesByRcode[Int(response[3] & 0x0F)] += 1
    }

    mutating func limited(slipped: Bool) {
        if slipped { rateLimitedSlipped += 1 } else { rateLimitedDropped += 1 }
    }

    /// The first question's QTYPE, nil when the message has no whole question.
    static func questionType(_ message: [UInt8]) -> UInt16? {
        guard message.count >= 12, message[4] | message[5] != 0 else { return nil }
        var i = 12
        while i < message.count {
            let length = Int(message[i])
            if length == 0 { break }
            guard length < 64 else { return nil }  // a compression pointer or a reserved label type
            i += 1 + length
        }
        guard i + 2 < message.count else { return nil }
        return UInt16(message[i + 1]) << 8 | UInt16(message[i + 2])
    }

    /// For the log: "TYPE NAME" of the first question ("?" where the message has none), the name in
    /// RFC 1035 §5.1 presentation form: a byte outside printable ASCII as `\DDD`, a dot or backslash in a
    /// label escaped, so a label cannot fake a label boundary, a client or an RCODE in the line.
    public static func questionText(_ message: [UInt8]) -> String {
        guard message.count >= 12, message[4] | message[5] != 0 else { return "?" }
        var name: [UInt8] = []
        var i = 12
        while i < message.count, message[i] != 0, message[i] < 64, i + 1 + Int(message[i]) <= message.count {
            for b in message[(i + 1)..<(i + 1 + Int(message[i]))] {
                if b == UInt8(ascii: ".") || b == UInt8(ascii: "\\") {
                    name += [UInt8(ascii: "\\"), b]
                } else if b > 0x20 && b < 0x7F {
                    name.append(b)
                } else {
                    name += [UInt8(ascii: "\\"), UInt8(ascii: "0") + b / 100, UInt8(ascii: "0") + b / 10 % 10, UInt8(ascii: "0") + b % 10]
                }
            }
            name.append(UInt8(ascii: "."))
            i += 1 + Int(message[i])
        }
        let type = questionType(message)
        let index = typeIndex(type)
        let typeText = index < typeNames.count ? typeNames[index].1 : type.map { "TYPE" + String($0) } ?? "?"
        return typeText + " " + (name.isEmpty ? "." : String(decoding: name, as: UTF8.self))
    }

    static func typeIndex(_ type: UInt16?) -> Int {
        guard let type else { return typeNames.count }
        switch type {
        case 1: return 0
        case 2: return 1
        case 5: return 2
        case 6: return 3
        case 12: return 4
        case 15: return 5
        case 16: return 6
        case 28: return 7
        case 33: return 8
        case 35: return 9
        case 43: return 10
        case 46: return 11
        case 47: return 12
        case 48: return 13
        case 50: return 14
        case 51: return 15
        case 52: return 16
        case 64: return 17
        case 65: return 18
        case 251: return 19
        case 252: return 20
        case 255: return 21
        case 257: return 22
        default: return typeNames.count
        }
    }

    public func writeMetrics(_ out: inout MetricsText) {
        out.family("swiftlet_dns_queries_total", .counter, help: "DNS queries received, by the first question's type.")
        for (i, n) in queriesByType.enumerated() {
            out.sample("swiftlet_dns_queries_total", n, labels: [("type", i < DNSServerCounts.typeNames.count ? DNSServerCounts.typeNames[i].1 : "other")])
        }
        out.family("swiftlet_dns_queries_by_transport_total", .counter, help: "DNS queries received, by transport.")
        out.sample("swiftlet_dns_queries_by_transport_total", udpQueries, labels: [("transport", "udp")])
        out.sample("swiftlet_dns_queries_by_transport_total", tcpQueries, labels: [("transport", "tcp")])
        out.family("swiftlet_dns_responses_total", .counter, help: "DNS responses made, by the header's RCODE (before rate limiting).")
        for (i, n) in responsesByRcode.enumerated() where n > 0 || i < 6 {
            out.sample("swiftlet_dns_responses_total", n, labels: [("rcode", DNSServerCounts.rcodeNames[i])])
        }
        out.metric("swiftlet_dns_unanswered_total", .counter, help: "DNS messages that got no response (not a query, or too broken).", unanswered)
        out.family("swiftlet_dns_rate_limited_total", .counter, help: "UDP responses the rate limiter held back, by what it did.")
        out.sample("swiftlet_dns_rate_limited_total", rateLimitedSlipped, labels: [("action", "slipped")])
        out.sample("swiftlet_dns_rate_limited_total", rateLimitedDropped, labels: [("action", "dropped")])
    }
}
