// Response rate limiting (SwiftletDNS/RateLimiter.swift), with the time passed in so counts are exact: a
// flood from one prefix gets `rate` full responses a second, every `slip`th limited one goes out
// truncated, other prefixes and other kinds of response keep their own accounts, the table never holds
// more than its size, and rate 0 turns it off.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct RateLimiterTests {
    static let key = [UInt8](repeating: 0x42, count: 16)
    static let responder: DNSResponder = {
        let text = ResponderTests.exampleZone + "mail A 192.0.2.4\nchild NS ns.child\nns.child A 192.0.2.9\n"
        return DNSResponder(zones: [try! Zone(records: try! ZoneFile.parse(text))])
    }()
    static func response(_ name: String, _ type: DNSType = .a) -> [UInt8] {
        responder.respond(to: ResponderTests.query(name, type))!
    }
    static let www = response("www.example.test.")
    static let source = IPAddress.v4(IPv4Address(192, 0, 2, 10))
    static func at(_ ms: UInt64) -> Instant { Instant(nanoseconds: 1_000_000_000_000 + ms * 1_000_000) }

    /// Decisions for `count` copies of `response` from `source` at `time` (ms), tallied.
    static func flood(_ l: inout DNSRateLimiter, _ response: [UInt8] = www, from source: IPAddress = source,
                      count: Int, at time: UInt64) -> (send: Int, slip: Int, drop: Int) {
        var t = (send: 0, slip: 0, drop: 0)
        for _ in 0..<count {
            switch l.decide(response, to: source, now: at(time)) {
            case .send: t.send += 1
            case .slip: t.slip += 1
            case .drop: t.drop += 1
            }
        }
        return t
    }

    @Test func aFloodGetsTheRatePerSecond() {
        var l = DNSRateLimiter(rate: 10, slip: 2, key: Self.key.span)
        var t = Self.flood(&l, count: 100, at: 0)
        #expect(t.send == 10 && t.slip == 45 && t.drop == 45)
        t = Self.flood(&l, count: 100, at: 500)  // half a second: five tokens
        #expect(t.send == 5 && t.slip + t.drop == 95)
        t = Self.flood(&l, count: 100, at: 1500)  // a second or more fills the bucket, no more
        #expect(t.send == 10)
        t = Self.flood(&l, count: 100, at: 9000)
        #expect(t.send == 10)
        #expect(l.slipped + l.dropped == 90 + 95 + 90 + 90)
        // Evenly spread: 1,000 queries over ten seconds (one per 10 ms) get the first second's ten plus a
        // tenth of a token per query after it: 10 + 99.9.
        var even = DNSRateLimiter(rate: 10, slip: 2, key: Self.key.span)
        var sent = 0
        for i in 0..<1000 where even.decide(Self.www, to: Self.source, now: Self.at(UInt64(i) * 10)) == .send { sent += 1 }
        #expect(sent == 109)
        // Time that goes backwards adds no tokens.
        #expect(Self.flood(&even, count: 5, at: 0).send == 0)
    }

    @Test func everyNthLimitedResponseSlips() {
        for (slip, pattern) in [(2, [DNSRateLimiter.Decision.drop, .slip, .drop, .slip, .drop, .slip]),
                                (1, [.slip, .slip, .slip, .slip, .slip, .slip]),
                                (3, [.drop, .drop, .slip, .drop, .drop, .slip]),
                                (0, [.drop, .drop, .drop, .drop, .drop, .drop])] {
            var l = DNSRateLimiter(rate: 3, slip: slip, key: Self.key.span)
            let first = (0..<3).map { _ in l.decide(Self.www, to: Self.source, now: Self.at(0)) }
            #expect(first == [.send, .send, .send])
            let rest = (0..<6).map { _ in l.decide(Self.www, to: Self.source, now: Self.at(0)) }
            #expect(rest == pattern, "slip \(slip)")
        }
    }

    @Test func theSlippedResponseIsTheQuestionWithTC() throws {
        let big = Self.www
        let stand = try #require(DNSRateLimiter.truncated(big))
        let m = try DNSMessage(parsing: stand.span)
        let full = try DNSMessage(parsing: big.span)
        #expect(m.header.truncated && m.header.id == full.header.id && m.header.rcode == full.header.rcode)
        #expect(m.questions == full.questions && m.answers.isEmpty && m.authorities.isEmpty && m.additionals.isEmpty && m.edns == nil)
        #expect(stand.count == 12 + 18 + 4)  // header, www.example.test., type and class
        #expect(DNSRateLimiter.truncated([1, 2, 3]) == nil)
        #expect(DNSRateLimiter.truncated(Array(big[0..<20])) == nil)  // the question cut short
    }

    @Test func otherPrefixesAreAnsweredInFull() {
        var l = DNSRateLimiter(rate: 10, slip: 2, key: Self.key.span)
        #expect(Self.flood(&l, count: 1000, at: 0).send == 10)
        // Another /24: its own account, answered in full.
        #expect(Self.flood(&l, from: .v4(IPv4Address(198, 51, 100, 7)), count: 10, at: 0).send == 10)
        // Another address in the same /24 shares the flooded account (NSD's and BIND's default).
        #expect(Self.flood(&l, from: .v4(IPv4Address(192, 0, 2, 200)), count: 10, at: 0).send == 0)
        // With /32 prefixes it has its own.
        var exact = DNSRateLimiter(rate: 10, slip: 2, ipv4PrefixLength: 32, key: Self.key.span)
        #expect(Self.flood(&exact, count: 1000, at: 0).send == 10)
        #expect(Self.flood(&exact, from: .v4(IPv4Address(192, 0, 2, 200)), count: 10, at: 0).send == 10)
    }

    @Test func kindsAndNamesHaveTheirOwnAccounts() {
        var l = DNSRateLimiter(rate: 5, slip: 2, key: Self.key.span)
        // A flood of distinct nonexistent names shares one NXDOMAIN account (per zone) ...
        var nx = 0
        for i in 0..<50 where l.decide(Self.response("n\(i).example.test."), to: Self.source, now: Self.at(0)) == .send { nx += 1 }
        #expect(nx == 5)
        // ... and so do NODATA answers, in theirs ...
        var nodata = 0
        for name in ["www", "mail", "ns1", "www", "mail", "ns1", "www"] where
            l.decide(Self.response("\(name).example.test.", .mx), to: Self.source, now: Self.at(0)) == .send { nodata += 1 }
        #expect(nodata == 5)
        // ... referrals under the delegation point in theirs ...
        var referral = 0
        for i in 0..<9 where l.decide(Self.response("h\(i).child.example.test."), to: Self.source, now: Self.at(0)) == .send { referral += 1 }
        #expect(referral == 5)
        // ... while each positive question (name and type) keeps its own.
        #expect(Self.flood(&l, count: 10, at: 0).send == 5)
        #expect(Self.flood(&l, Self.response("mail.example.test."), count: 10, at: 0).send == 5)
        #expect(Self.flood(&l, Self.response("MAIL.example.test."), count: 10, at: 0).send == 0)  // case does not matter
        #expect(Self.flood(&l, Self.response("www.example.test.", .ns), count: 10, at: 0).send == 0)  // a NODATA: spent above
        // Errors: one account per source.
        let refused = Self.responder.respond(to: ResponderTests.query("www.elsewhere.test.", .a))!
        let formerr = Self.responder.respond(to: ResponderTests.query("www.example.test.", .a, questions: 2))!
        #expect(Self.flood(&l, refused, count: 3, at: 0).send == 3)
        #expect(Self.flood(&l, formerr, count: 3, at: 0).send == 2)
    }

    @Test func theTableIsBoundedUnderAFloodOfSources() {
        var l = DNSRateLimiter(rate: 10, slip: 2, tableSize: 64, key: Self.key.span)
        #expect(l.tableSize == 64)
        for i in 0..<100_000 {
            let s = IPAddress.v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: i) << 8 | 1))  // a new /24 each time
            #expect(l.decide(Self.www, to: s, now: Self.at(UInt64(i / 100))) == .send)
            if l.accountsInUse > 64 { Issue.record("the table grew past its size"); break }
        }
        #expect(l.accountsInUse == 64)
        // A size is a power of two and at most the maximum.
        #expect(DNSRateLimiter(rate: 1, tableSize: 100, key: Self.key.span).tableSize == 128)
        #expect(DNSRateLimiter(rate: 1, tableSize: 1 << 40, key: Self.key.span).tableSize == DNSRateLimiter.maximumTableSize)
        // A busy account survives a flood of one-off sources in its set (least recently used goes first).
        var busy = DNSRateLimiter(rate: 1000, slip: 2, tableSize: 4, key: Self.key.span)
        let start = Self.at(0).nanoseconds
        for i in 0..<100 {
            #expect(busy.decide(Self.www, to: Self.source, now: Instant(nanoseconds: start + UInt64(2 * i))) == .send)
            _ = busy.decide(Self.www, to: .v4(IPv4Address(rawValue: UInt32(i + 1) << 8)), now: Instant(nanoseconds: start + UInt64(2 * i + 1)))
        }
        // 1000 tokens less the 100 spent (a new account would have all 1000).
        var left = 0
        while busy.decide(Self.www, to: Self.source, now: Instant(nanoseconds: start + 200)) == .send { left += 1 }
        #expect(left == 900)
    }

    @Test func rateZeroIsOff() {
        var l = DNSRateLimiter(rate: 0, key: Self.key.span)
        #expect(!l.isOn && l.accountsInUse == 0)
        #expect(Self.flood(&l, count: 100_000, at: 0).send == 100_000)
        // The defaults are NSD's.
        let d = DNSRateLimiter(key: Self.key.span)
        #expect(d.rate == 200 && d.slip == 2 && d.ipv4PrefixLength == 24 && d.isOn)
    }
}
