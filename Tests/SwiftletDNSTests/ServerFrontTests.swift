// The server's front (SwiftletDNS/ServerFront.swift): UDP floods are limited per source prefix while
// other sources are answered, TCP never is, plain queries still come from the cache, and the COOKIE
// option is answered per RFC 7873 §5.2 with RFC 9018 server cookies, a valid one exempting its client
// from rate limiting.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct ServerFrontTests {
    static let secret = hexBytes("e5e973e5a6b2a43f48e7dc849e37bfcf")
    static let flooder = IPAddress.v4(IPv4Address(127, 0, 0, 2))
    static let other = IPAddress.v4(IPv4Address(10, 9, 8, 7))
    /// 2019-06-05 10:53:05 UTC (RFC 9018 A.1) at Instant.zero.
    static let unixAtZero: Int64 = 1_559_731_985

    static func front(rate: Int = 10, slip: Int = 2) -> DNSServerFront {
        DNSServerFront(responder: RateLimiterTests.responder,
                       limiter: DNSRateLimiter(rate: rate, slip: slip, key: RateLimiterTests.key.span),
                       cookieSecret: secret.span, unixTimeAtZero: unixAtZero)
    }
    static func query(_ name: String = "www.example.test.", cookie: [UInt8]? = nil, id: UInt16 = 7) -> [UInt8] {
        ResponderTests.query(name, .a, id: id, edns: cookie.map { EDNS(options: [EDNSOption(code: 10, data: $0)]) })
    }
    static func cookie(in response: [UInt8]?) -> [UInt8]? {
        guard let r = response, let m = try? DNSMessage(parsing: r.span) else { return nil }
        return m.edns?.options.first { $0.code == 10 }?.data
    }
    static func seconds(_ s: UInt64) -> Instant { Instant(nanoseconds: s * 1_000_000_000) }

    @Test func aFloodIsLimitedWhileAnotherSourceIsAnswered() throws {
        var f = Self.front()
        var full = 0, truncated = 0, none = 0
        var answered = 0
        for i in 0..<2000 {
            let now = Instant(nanoseconds: UInt64(i) * 500_000)  // 2,000 in one second
            switch f.respond(to: Self.query(id: UInt16(i)), from: Self.flooder, now: now) {
            case nil: none += 1
            case let r?:
                let m = try DNSMessage(parsing: r.span)
                #expect(m.header.id == UInt16(i))
                if m.header.truncated { truncated += 1; #expect(m.answers.isEmpty) } else { full += 1; #expect(m.answers.count == 1) }
            }
            if i % 200 == 0, let r = f.respond(to: Self.query(id: 9), from: Self.other, now: now),
               try DNSMessage(parsing: r.span).answers.count == 1 { answered += 1 }
        }
        // Ten to start with and ten more over the second (2,000 queries 0.5 ms apart: 9.995 tokens).
        #expect(full == 19 && truncated + none == 1981 && truncated == 990)  // every second limited one
        #expect(answered == 10)  // ten a second: under the rate, all answered
        // The flooder's queries over TCP are answered in full.
        for _ in 0..<100 {
            let answer = f.respond(to: Self.query(), from: Self.flooder, now: Self.seconds(1), overTCP: true)
            let r = try #require(answer)
            #expect(try DNSMessage(parsing: r.span).answers.count == 1)
        }
        // Plain queries still come from the cache.
        #expect(f.cache.hits > 2000)
        // The counts saw all of it: 2,010 UDP queries and 100 over TCP, all of type A and answered NOERROR,
        // and what the limiter held back.
        let c = f.counts
        #expect(c.udpQueries == 2010 && c.tcpQueries == 100 && c.queriesByType[0] == 2110)
        #expect(c.responsesByRcode[0] == 2110 && c.rateLimitedSlipped == truncated && c.rateLimitedDropped == none)
    }

    @Test func theLogLineWritesANameInPresentationForm() {
        // One label "a.b from 10.0.0.9 over tcp: NOERROR\u{85}" and one "c\": a dot, spaces, a C1 control
        // and a backslash inside labels cannot fake a label boundary, another client or a terminal escape.
        var q: [UInt8] = [0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        let label1 = Array("a.b from 10.0.0.9 over tcp: NOERROR".utf8) + [0xC2, 0x85]
        q += [UInt8(label1.count)] + label1 + [2, UInt8(ascii: "c"), UInt8(ascii: "\\"), 0, 0, 1, 0, 1]
        #expect(DNSServerCounts.questionText(q)
                == #"A a\.b\032from\03210\.0\.0\.9\032over\032tcp:\032NOERROR\194\133.c\\."#)
        #expect(DNSServerCounts.questionText(Self.query()) == "A www.example.test.")
        #expect(DNSServerCounts.questionText([1, 2, 3]) == "?")
    }

    @Test func countsNameTypesAndRcodesAndWriteMetrics() throws {
        var f = Self.front(rate: 0)
        _ = f.respond(to: ResponderTests.query("www.example.test.", .aaaa), from: Self.other, now: .zero)
        _ = f.respond(to: ResponderTests.query("nothing.example.test.", .mx), from: Self.other, now: .zero)
        _ = f.respond(to: ResponderTests.query("www.elsewhere.test.", DNSType(rawValue: 999)), from: Self.other, now: .zero)
        _ = f.respond(to: [1, 2, 3], from: Self.other, now: .zero)  // too short to answer
        var out = MetricsText()
        f.counts.writeMetrics(&out)
        let text = String(decoding: out.bytes, as: UTF8.self)
        for line in ["swiftlet_dns_queries_total{type=\"AAAA\"} 1", "swiftlet_dns_queries_total{type=\"MX\"} 1",
                     "swiftlet_dns_queries_total{type=\"other\"} 2", "swiftlet_dns_queries_total{type=\"A\"} 0",
                     "swiftlet_dns_responses_total{rcode=\"NOERROR\"} 1", "swiftlet_dns_responses_total{rcode=\"NXDOMAIN\"} 1",
                     "swiftlet_dns_responses_total{rcode=\"REFUSED\"} 1", "swiftlet_dns_unanswered_total 1",
                     "swiftlet_dns_queries_by_transport_total{transport=\"udp\"} 4"] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
    }

    @Test func rateZeroAnswersEverything() {
        var f = Self.front(rate: 0)
        for i in 0..<5000 { #expect(f.respond(to: Self.query(), from: Self.flooder, now: Instant(nanoseconds: UInt64(i))) != nil) }
    }

    @Test func aClientCookieGetsAServerCookie() throws {
        var f = Self.front()
        let client = hexBytes("2464c4abcf10c957")
        let r = f.respond(to: Self.query(cookie: client), from: .v4(IPv4Address(198, 51, 100, 100)), now: .zero)
        // RFC 9018 A.1: the same client, address, secret and time give the example's cookie.
        #expect(Self.cookie(in: r) == hexBytes("2464c4abcf10c957010000005cf79f111f8130c3eee29480"))
        #expect(try ResponderTests.parse(r).answers.count == 1)
        // Over TCP, and with refusals too (REFUSED outside our zones, with its extended error).
        #expect(Self.cookie(in: f.respond(to: Self.query(cookie: client), from: .v4(IPv4Address(198, 51, 100, 100)), now: .zero, overTCP: true))?.count == 24)
        let refusal = f.respond(to: Self.query("www.elsewhere.test.", cookie: client), from: Self.other, now: .zero)
        let refused = try ResponderTests.parse(refusal)
        #expect(refused.header.rcode == .refused && refused.edns?.options.count == 2)
    }

    @Test func malformedCookiesAreFormErr() throws {
        var f = Self.front()
        for n in [0, 7, 9, 15, 41] {
            let answer = f.respond(to: Self.query(cookie: Array(repeating: 1, count: n)), from: Self.other, now: .zero)
            let r = try ResponderTests.parse(answer)
            #expect(r.header.rcode == .formatError && r.answers.isEmpty, "length \(n)")
        }
    }

    @Test func aValidServerCookieIsExemptFromRateLimiting() throws {
        var f = Self.front(rate: 5)
        let client = hexBytes("0011223344556677")
        let learned = f.respond(to: Self.query(cookie: client), from: Self.flooder, now: .zero)
        let first = try #require(Self.cookie(in: learned))
        // With our cookie, a thousand queries in a second are all answered in full.
        for i in 0..<1000 {
            let answer = f.respond(to: Self.query(cookie: first), from: Self.flooder, now: Instant(nanoseconds: UInt64(i) * 1_000_000))
            let r = try #require(answer)
            let m = try DNSMessage(parsing: r.span)
            #expect(!m.header.truncated && m.answers.count == 1)
            #expect(Self.cookie(in: r) == first)  // younger than half an hour: returned as it came
        }
        // From another address the same cookie is invalid: a fresh one, and the limit applies.
        var limited = 0
        for _ in 0..<20 {
            let r = f.respond(to: Self.query(cookie: first), from: .v4(IPv4Address(127, 0, 1, 2)), now: Self.seconds(1))
            if let c = Self.cookie(in: r) { #expect(c != first && c.count == 24) } else { limited += 1 }
        }
        #expect(limited > 0)
        // A damaged cookie is treated as a client cookie alone: not exempt.
        var damaged = first
        damaged[20] ^= 1
        var g = Self.front(rate: 5)
        var sent = 0
        for _ in 0..<20 where Self.cookie(in: g.respond(to: Self.query(cookie: damaged), from: Self.flooder, now: .zero)) != nil { sent += 1 }
        #expect(sent == 5)
        // Forty minutes on, the cookie is valid but renewed; two hours on, it has expired: fresh, and limited.
        let later = f.respond(to: Self.query(cookie: first), from: Self.flooder, now: Self.seconds(2400))
        let renewed = try #require(Self.cookie(in: later))
        #expect(renewed != first && Array(renewed[0..<8]) == client)
        let address: [UInt8] = [127, 0, 0, 2]
        let renewedIsValid = DNSCookies.verify(renewed.span, clientAddress: address.span, unixTime: UInt32(Self.unixAtZero + 2400),
                                               secret: DNSCookies.Secret(Self.secret.span))
        #expect(renewedIsValid)
        var h = Self.front(rate: 1)
        #expect(h.respond(to: Self.query(cookie: first), from: Self.flooder, now: Self.seconds(7200)) != nil)
        #expect(h.respond(to: Self.query(cookie: first), from: Self.flooder, now: Self.seconds(7200)) == nil)
    }

    @Test func theCookieIsFoundBehindOtherRecordsAndOptions() throws {
        // An OPT with another option first (NSID, code 3), then the cookie.
        let m = DNSMessage(header: DNSHeader(id: 3, opcode: .query),
                           questions: [DNSQuestion(name: DNSName("www.example.test.")!, type: .a)],
                           edns: EDNS(options: [EDNSOption(code: 3, data: []), EDNSOption(code: 10, data: hexBytes("0102030405060708"))]))
        var f = Self.front()
        let r = f.respond(to: try m.emit(), from: Self.other, now: .zero)
        #expect(Self.cookie(in: r)?.count == 24)
        // A query cut inside its OPT: no cookie found, and the responder's FORMERR.
        var cut = try m.emit()
        cut.removeLast(3)
        let answer = f.respond(to: cut, from: Self.other, now: .zero)
        let formerr = try ResponderTests.parse(answer)
        #expect(formerr.header.rcode == .formatError)
    }

    /// Damaged queries (seeded mutations of ones with cookies, options and compression) through the front,
    /// and arbitrary bytes through the limiter's reading of a response: answers or silence, never a trap.
    @Test func damagedInputNeverTraps() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        let seeds = [Self.query(cookie: hexBytes("0102030405060708")),
                     Self.query(cookie: hexBytes("0102030405060708010000005cf79f111f8130c3eee29480")),
                     try DNSMessage(header: DNSHeader(id: 1, opcode: .query),
                                    questions: [DNSQuestion(name: DNSName("a.example.test.")!, type: .a)],
                                    edns: EDNS(options: [EDNSOption(code: 3, data: [1, 2]), EDNSOption(code: 10, data: Array(repeating: 9, count: 8))])).emit(),
                     RateLimiterTests.response("nope.example.test."), RateLimiterTests.response("h.child.example.test.")]
        var f = Self.front(rate: 3)
        var limiter = DNSRateLimiter(rate: 2, key: RateLimiterTests.key.span)
        for i in 0..<20_000 {
            var q = seeds[i % seeds.count]
            for _ in 0..<(1 + Int(next() % 4)) {
                let at = Int(next() % UInt64(q.count))
                switch next() % 4 {
                case 0: q[at] = UInt8(truncatingIfNeeded: next())
                case 1: q[at] = 0xC0 | UInt8(truncatingIfNeeded: next() & 0x3F)  // a pointer anywhere
                case 2: q.removeLast(Int(next() % UInt64(min(q.count, 8))))
                default: q[at] ^= 0xFF
                }
                if q.isEmpty { q = [0] }
            }
            _ = f.respond(to: q, from: .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: next()))), now: Instant(nanoseconds: UInt64(i) * 1000),
                          overTCP: i % 7 == 0)
            _ = limiter.decide(q, to: Self.other, now: .zero)
            _ = DNSRateLimiter.truncated(q)
        }
    }
}
