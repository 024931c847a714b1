// SwiftletDNS: what an authoritative server does with one query before and after answering it, sans I/O:
// the caller passes the query's bytes, its source address, the time and the transport; the front
// answers from the response cache, or from the responder with DNS cookies (RFC 7873, RFC 9018), and
// puts UDP responses through the rate limiter.
//
// Paths. A query without a COOKIE option goes to `DNSResponseCache` (which sends everything but plain
// queries on to the responder). A query with one goes to `DNSResponder` with our reply to the cookie
// (the cache never holds per-client responses). Over TCP nothing is rate limited (RFC 7766 §10 lets a
// server ask for TCP; a TCP client has shown its address) and nothing goes through the cache: the
// responder answers every TCP query itself. Over UDP a response is limited (dropped, or slipped as a
// truncated stand-in, see `DNSRateLimiter`) unless its query came with a valid server cookie of ours: that client
// has shown it receives what we send to its address, so it is no forger's victim (BIND and NSD exempt it).
//
// The COOKIE option is found by walking the query's sections to its OPT record with every length
// checked; a query too broken to walk goes to the cache and responder as if it had none, and they refuse
// it (FORMERR). The first COOKIE option counts (RFC 7873 does not say what two mean; NSD keeps the last).
//
// Time. `now` is the monotonic clock (for the rate limiter); cookie timestamps are Unix seconds, taken as
// `unixTimeAtZero` plus `now`'s seconds, so the caller reads one clock per datagram and the wall clock
// once at start.

import Swiftlet

/// The response cache, the rate limiter and the cookie secret of one server (see the top of the file).
public struct DNSServerFront: Sendable {
    public private(set) var cache: DNSResponseCache
    public private(set) var limiter: DNSRateLimiter
    private let secret: DNSCookies.Secret
    /// The Unix time (seconds) at `Instant.zero`, for cookie timestamps: the wall clock minus the
    /// monotonic clock, read once.
    public var unixTimeAtZero: Int64
    /// Whether a query with a valid server cookie of ours skips rate limiting (true; turn it off when the
    /// cookie secret could be guessed).
    public var validCookiesAreExempt = true
    /// What it answered (ServerCounts.swift), for the metrics port.
    public private(set) var counts = DNSServerCounts()

    /// A front for `responder`, limiting with `limiter`, making server cookies with the 16-byte
    /// `cookieSecret` (take it from the Entropy device).
    public init(responder: DNSResponder, limiter: DNSRateLimiter, cookieSecret: Span<UInt8>, unixTimeAtZero: Int64 = 0,
                cacheCapacity: Int = 4096) {
        cache = DNSResponseCache(responder: responder, capacity: cacheCapacity)
        self.limiter = limiter
        secret = DNSCookies.Secret(cookieSecret)
        self.unixTimeAtZero = unixTimeAtZero
    }

    public var responder: DNSResponder { cache.responder }

    /// Answers from `responder` from now on (a secondary zone was loaded or dropped): the cache starts
    /// empty, the rate limiter's accounts and the cookie secret stay.
    public mutating func replace(responder: DNSResponder) {
        cache = DNSResponseCache(responder: responder, capacity: cache.capacity)
    }

    /// The Unix time at `now`, as RFC 9018's 32-bit timestamp (serial arithmetic makes the wrap harmless).
    public func unixTime(at now: Instant) -> UInt32 {
        UInt32(truncatingIfNeeded: unixTimeAtZero &+ Int64(now.nanoseconds / 1_000_000_000))
    }

    /// What to send to `source` in answer to `query` (nil: nothing) at `now`.
    public mutating func respond(to query: [UInt8], from source: IPAddress, now: Instant, overTCP: Bool = false) -> [UInt8]? {
        if overTCP { return respondOverTCP(to: query, from: source, now: now) }
        let response: [UInt8]
        var exempt = false
        if let option = Self.cookieOption(in: query) {
            let reply = cookieReply(option, from: source, now: now)
            if case .cookie(_, validServerCookie: true) = reply { exempt = validCookiesAreExempt }
            let r = cache.responder.respond(to: query, overTCP: false, cookie: reply)
            counts.count(query: query, response: r, overTCP: false)
            guard let r else { dnsLog.debug(Self.logLine(query, nil, source, "udp")); return nil }
            response = r
        } else {
            let r = cache.respond(to: query, overTCP: false)
            counts.count(query: query, response: r, overTCP: false)
            guard let r else { dnsLog.debug(Self.logLine(query, nil, source, "udp")); return nil }
            response = r
        }
        guard limiter.isOn, !exempt else {
            dnsLog.debug(Self.logLine(query, response, source, "udp"))
            return response
        }
        switch limiter.decide(response, to: source, now: now) {
        case .send:
            dnsLog.debug(Self.logLine(query, response, source, "udp"))
            return response
        case .slip:
            counts.limited(slipped: true)
            dnsLog.debug(Self.logLine(query, response, source, "udp") + ", rate limited: sent truncated")
            return DNSRateLimiter.truncated(response)
        case .drop:
            counts.limited(slipped: false)
            dnsLog.debug(Self.logLine(query, response, source, "udp") + ", rate limited: dropped")
            return nil
        }
    }

    /// "A www.example.test. from 10.0.0.1 over udp: NOERROR", for the log.
    static func logLine(_ query: [UInt8], _ response: [UInt8]?, _ source: IPAddress, _ transport: String) -> String {
        let rcode = response.map { $0.count >= 4 ? DNSServerCounts.rcodeNames[Int($0[3] & 0x0F)] : "?" } ?? "no response"
        return DNSServerCounts.questionText(query) + " from " + source.description + " over " + transport + ": " + rcode
    }

    /// The answer to `query` over TCP from `source` at `now`: never limited, nor cached.
    public mutating func respondOverTCP(to query: [UInt8], from source: IPAddress, now: Instant) -> [UInt8]? {
        let reply = Self.cookieOption(in: query).map { cookieReply($0, from: source, now: now) }
        let response = cache.responder.respond(to: query, overTCP: true, cookie: reply)
        counts.count(query: query, response: response, overTCP: true)
        dnsLog.debug(Self.logLine(query, response, source, "tcp"))
        return response
    }

    private func cookieReply(_ option: [UInt8], from source: IPAddress, now: Instant) -> DNSCookies.Reply {
        let address = Self.octets(of: source)
        return DNSCookies.reply(to: option.span, clientAddress: address.span, unixTime: unixTime(at: now), secret: secret)
    }

    /// The address as the server cookie hashes it: 4 bytes for IPv4, 16 for IPv6 (RFC 9018 §4.3).
    static func octets(of address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let a): return [a.octet(0), a.octet(1), a.octet(2), a.octet(3)]
        case .v6(let a): return (0..<16).map { a.octet($0) }
        }
    }

    /// The data of the query's first COOKIE option, nil when it has none or cannot be walked to it.
    static func cookieOption(in query: [UInt8]) -> [UInt8]? {
        let q = query.span
        guard q.count >= 12, q[10] != 0 || q[11] != 0 else { return nil }  // no additional records: no OPT
        let counts = [Int(q[4]) << 8 | Int(q[5]), Int(q[6]) << 8 | Int(q[7]), Int(q[8]) << 8 | Int(q[9]), Int(q[10]) << 8 | Int(q[11])]
        guard var at = skipQuestions(q, counts[0]) else { return nil }
        // Answer and authority records, then additional ones until the OPT. Each record is at least 11
        // bytes, so the walk ends within the message whatever the counts say.
        var records = counts[1] + counts[2] + counts[3]
        while records > 0 {
            guard let nameEnd = DNSRateLimiter.skipName(q, at: at), nameEnd + 10 <= q.count else { return nil }
            let type = Int(q[nameEnd]) << 8 | Int(q[nameEnd + 1])
            let rdataStart = nameEnd + 10
            let rdataEnd = rdataStart + (Int(q[nameEnd + 8]) << 8 | Int(q[nameEnd + 9]))
            guard rdataEnd <= q.count else { return nil }
            if type == 41 && records <= counts[3] {
                var o = rdataStart
                while o + 4 <= rdataEnd {
                    let code = UInt16(q[o]) << 8 | UInt16(q[o + 1])
                    let length = Int(q[o + 2]) << 8 | Int(q[o + 3])
                    guard o + 4 + length <= rdataEnd else { return nil }
                    if code == DNSCookies.optionCode { return Array(query[o + 4..<o + 4 + length]) }
                    o += 4 + length
                }
                return nil
            }
            at = rdataEnd
            records -= 1
        }
        return nil
    }

    private static func skipQuestions(_ q: Span<UInt8>, _ count: Int) -> Int? {
        var at = 12
        for _ in 0..<count {
            guard let end = DNSRateLimiter.skipName(q, at: at), end + 4 <= q.count else { return nil }
            at = end + 4
        }
        return at
    }
}
