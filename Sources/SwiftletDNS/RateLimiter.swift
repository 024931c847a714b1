// SwiftletDNS: response rate limiting (RRL) for UDP, sans I/O: the caller passes the response it means to
// send, the source address and the time; the limiter says send it, send a truncated stand-in, or drop it.
// The idea is Vixie and Schryver's (2012) as NSD's `rrl-*` options and BIND's `rate-limit` carry it out:
// a forged source address makes an authoritative server an amplifier aimed at the address's owner, so
// identical responses to one network are limited to a rate, and every Nth limited one "slips" out as a
// tiny truncated response (TC=1, the question only), so a real client behind that address still gets
// through by retrying over TCP, which a forger cannot do.
//
// Accounts. A response is counted against its source's prefix (IPv4 /24 by default, as NSD and BIND)
// and its kind, with a name (NSD's classification): a positive answer per question name and type, an
// NXDOMAIN per zone (the owner of the SOA in its authority section), a NODATA per zone likewise, a
// referral per delegation point (the owner of its NS records), an error (other RCODEs) per source only.
// So one network asking many distinct nonexistent names shares one NXDOMAIN account, while its ordinary
// questions keep their own.
//
// Credits. Each account is a token bucket (as Knot's `mod-rrl`; BIND's credit balance without its debt
// window): it holds at most `rate` tokens, refills at `rate` per second of the time passed in, and a
// response sent in full takes one. With none left the response is limited: dropped, or sent truncated
// when it is the `slip`th limited one of its account (slip 0: never; 1: every one; default 2, NSD's and
// BIND's). So a flood from one prefix gets at most `rate` full responses per second (plus one second's
// worth at its start), and half of the rest as 12-byte-plus-question stand-ins.
//
// Table. A fixed number of accounts (`tableSize`, a power of two, allocated once, at the first
// decision), in sets of four; an account lives in the set its keyed hash picks, and a new account takes
// the set's least recently used place. Nothing grows or slows with the number of sources: a flood of
// distinct sources only recycles places. The hash is SipHash-2-4 under a per-process random key (pass it from the Entropy device), so
// sources cannot be chosen to collide with, or to evict, a given account except by chance.
//
// Defaults: NSD's (rrl-ratelimit 200, rrl-slip 2, rrl-ipv4-prefix-length 24); BIND has no default rate.
// A rate of 0 turns limiting off. Only UDP responses are ever limited (a TCP client has shown its address).

import Swiftlet

/// A response rate limiter (see the top of the file).
public struct DNSRateLimiter: Sendable {
    /// NSD's default rate (rrl-ratelimit: 200 responses per second).
    public static let defaultRate = 200
    /// NSD's and BIND's default slip: every second limited response goes out truncated.
    public static let defaultSlip = 2
    /// NSD's and BIND's default IPv4 prefix.
    public static let defaultIPv4PrefixLength = 24
    /// Accounts held: 16,384 (512 KiB: 32 bytes each). NSD holds a million (rrl-size); a unikernel's heap is smaller,
    /// and 4,096 sets of four keep every busy prefix of a server's real clients.
    public static let defaultTableSize = 16_384
    /// The largest table and rate accepted (the rate keeps the token arithmetic inside 64 bits).
    public static let maximumTableSize = 1 << 22
    public static let maximumRate = 1_000_000
    /// Places per set.
    public static let ways = 4

    /// What to do with a response.
    public enum Decision: Equatable, Sendable {
        /// Send the response.
        case send
        /// Send the truncated stand-in instead (`DNSRateLimiter.truncated`).
        case slip
        /// Send nothing.
        case drop
    }

    /// The kinds of responses counted apart (NSD's classification, less ANY, RRSIG and DNSKEY).
    public enum Kind: UInt8, Sendable {
        case positive = 1, nxdomain, nodata, referral, error
    }

    /// Responses per second per account; 0: no limiting.
    public let rate: Int
    /// Every `slip`th limited response is sent truncated; 0: none.
    public let slip: Int
    public let ipv4PrefixLength: Int
    /// IPv6 sources are counted by their first 56 bits (BIND's and NSD's default): a site's /48 to /64
    /// is one neighbourhood, as an IPv4 /24 is.
    public static var ipv6PrefixLength: Int { 56 }
    /// Accounts held at most (a power of two, at least `ways`).
    public let tableSize: Int

    private struct Account: Sendable {
        /// The keyed hash of prefix, kind and name; 0: an empty place.
        var key: UInt64 = 0
        /// Tokens in billionths (one token is `unit`): the refill is nanoseconds times the rate.
        var credit: Int64 = 0
        /// When the credit was last brought up to date (nanoseconds of `Instant`).
        var stamp: UInt64 = 0
        /// Limited responses so far (for the slip count).
        var limited: UInt32 = 0
    }
    private static let unit: Int64 = 1_000_000_000
    private var accounts: [Account]
    private let k0: UInt64, k1: UInt64

    /// Responses limited so far: dropped and sent truncated.
    public private(set) var dropped = 0
    public private(set) var slipped = 0

    /// A limiter of `rate` responses per second per account (clamped to `maximumRate`; 0 turns it off),
    /// slipping every `slip`th limited response, counting sources by their first `ipv4PrefixLength` bits,
    /// holding `tableSize` accounts (rounded up to a power of two, at most `maximumTableSize`), hashed
    /// under `key` (16 bytes; take them from the Entropy device).
    public init(rate: Int = defaultRate, slip: Int = defaultSlip, ipv4PrefixLength: Int = defaultIPv4PrefixLength,
                tableSize: Int = defaultTableSize, key: Span<UInt8>) {
        self.rate = max(0, min(rate, Self.maximumRate))
        self.slip = max(0, slip)
        self.ipv4PrefixLength = max(0, min(ipv4PrefixLength, 32))
        var size = Self.ways
        while size < min(tableSize, Self.maximumTableSize) { size *= 2 }
        self.tableSize = size
        accounts = []  // allocated at the first decision: copies made before it (a server's TCP side) share nothing
        k0 = SipHasher24.littleEndianWord(key, 0)
        k1 = SipHasher24.littleEndianWord(key, 8)
    }

    /// Whether the limiter limits anything (a rate above 0).
    public var isOn: Bool { rate > 0 }

    /// Accounts in use now (never more than `tableSize`).
    public var accountsInUse: Int { accounts.reduce(0) { $0 + ($1.key != 0 ? 1 : 0) } }

    /// What to do with `response`, about to go over UDP to `source` at `now`.
    public mutating func decide(_ response: [UInt8], to source: IPAddress, now: Instant) -> Decision {
        guard rate > 0 else { return .send }
        if accounts.isEmpty { accounts = Array(repeating: Account(), count: tableSize) }
        let key = accountKey(response.span, source: source)
        let t = now.nanoseconds
        let cap = Int64(rate) * Self.unit
        // The set of four the key picks; the account there, or the least recently used place.
        let base = Int(truncatingIfNeeded: (key >> 2) & UInt64(tableSize / Self.ways - 1)) * Self.ways
        var place = base
        var found = false
        for i in base..<base + Self.ways {
            if accounts[i].key == key { place = i; found = true; break }
            if accounts[i].key == 0 || accounts[i].stamp < accounts[place].stamp { place = i }
        }
        if !found {
            accounts[place] = Account(key: key, credit: cap, stamp: t, limited: 0)
        } else {
            // Refill: a second or more fills the bucket; time that went backwards adds nothing.
            let elapsed = t > accounts[place].stamp ? min(t - accounts[place].stamp, UInt64(Self.unit)) : 0
            accounts[place].credit = min(cap, accounts[place].credit + Int64(elapsed) * Int64(rate))
            accounts[place].stamp = max(t, accounts[place].stamp)
        }
        if accounts[place].credit >= Self.unit {
            accounts[place].credit -= Self.unit
            return .send
        }
        accounts[place].limited &+= 1
        if slip > 0 && accounts[place].limited % UInt32(truncatingIfNeeded: slip) == 0 {
            slipped += 1
            return .slip
        }
        dropped += 1
        return .drop
    }

    /// The truncated stand-in for `response`: its header with TC set and no records but the question
    /// (RFC 1035 §4.1.1: TC tells the client to retry over TCP). Nil when the response is not a DNS
    /// message with one readable question.
    public static func truncated(_ response: [UInt8]) -> [UInt8]? {
        let r = response.span
        guard r.count >= 12 else { return nil }
        var end = 12
        if r[4] != 0 || r[5] != 0 {
            guard r[4] == 0, r[5] == 1, let nameEnd = skipName(r, at: 12), nameEnd + 4 <= r.count else { return nil }
            end = nameEnd + 4
        }
        var out = Array(response[0..<end])
        out[2] |= 0x02  // TC
        for i in 6..<12 { out[i] = 0 }  // ANCOUNT, NSCOUNT, ARCOUNT
        return out
    }

    // MARK: Classification

    /// The kind of `response` and where the name it is counted under starts (nil: no name).
    static func classify(_ r: Span<UInt8>) -> (kind: Kind, name: Int?) {
        guard r.count >= 12 else { return (.error, nil) }
        let rcode = r[3] & 0x0F
        let authoritative = r[2] & 0x04 != 0, truncated = r[2] & 0x02 != 0
        let questions = Int(r[4]) << 8 | Int(r[5])
        let answers = Int(r[6]) << 8 | Int(r[7])
        let authorities = Int(r[8]) << 8 | Int(r[9])
        guard questions == 1 else { return (.error, nil) }
        switch rcode {
        case 0 where answers > 0 || truncated: return (.positive, 12)
        case 0 where authoritative: return (.nodata, firstAuthorityOwner(r, answers: answers, authorities: authorities))
        case 0 where authorities > 0: return (.referral, firstAuthorityOwner(r, answers: answers, authorities: authorities))
        case 3: return (.nxdomain, firstAuthorityOwner(r, answers: answers, authorities: authorities))
        default: return (.error, nil)
        }
    }

    /// The keyed hash of the account `response` to `source` is counted in (never 0).
    func accountKey(_ r: Span<UInt8>, source: IPAddress) -> UInt64 {
        let (kind, name) = Self.classify(r)
        var h = SipHasher24(k0: k0, k1: k1)
        switch source {
        case .v4(let a):
            let mask: UInt32 = ipv4PrefixLength == 0 ? 0 : ~0 << UInt32(32 - ipv4PrefixLength)
            h.appendBigEndian(UInt64(a.rawValue & mask), count: 4)
        case .v6(let a):
            // 8 bytes where an IPv4 key has 4: the two families' accounts never share a key.
            h.appendBigEndian(a.masked(to: Self.ipv6PrefixLength).high, count: 8)
        }
        h.append(kind.rawValue)
        if let at = name {
            let end = Self.appendName(r, at: at, to: &h)
            if kind == .positive, let e = end, e + 2 <= r.count { h.append(r[e]); h.append(r[e + 1]) }  // QTYPE
        }
        let k = h.finalize()
        return k == 0 ? 1 : k
    }

    /// Where the first authority record's owner name starts: after the question and `answers` records.
    static func firstAuthorityOwner(_ r: Span<UInt8>, answers: Int, authorities: Int) -> Int? {
        guard authorities > 0, var at = skipName(r, at: 12) else { return nil }
        at += 4
        for _ in 0..<answers {
            guard let nameEnd = skipName(r, at: at), nameEnd + 10 <= r.count else { return nil }
            at = nameEnd + 10 + (Int(r[nameEnd + 8]) << 8 | Int(r[nameEnd + 9]))
        }
        return at < r.count ? at : nil
    }

    /// The end of the (possibly compressed) name at `at`, nil when it runs past the message.
    static func skipName(_ r: Span<UInt8>, at start: Int) -> Int? {
        var at = start
        while at < r.count {
            let n = Int(r[at])
            if n == 0 { return at + 1 }
            if n & 0xC0 == 0xC0 { return at + 2 <= r.count ? at + 2 : nil }
            guard n <= 63 else { return nil }
            at += 1 + n
        }
        return nil
    }

    /// Appends the name at `at` to `h`, lowercased, following compression pointers (only backwards, so
    /// at most as many as there are bytes before it); returns where the name ends in place, or nil when
    /// it is malformed (what was appended still counts).
    static func appendName(_ r: Span<UInt8>, at start: Int, to h: inout SipHasher24) -> Int? {
        var at = start
        var end: Int? = nil
        var length = 0
        while at < r.count {
            let n = Int(r[at])
            if n == 0 {
                h.append(0)
                return end ?? at + 1
            }
            if n & 0xC0 == 0xC0 {
                guard at + 1 < r.count else { return nil }
                let target = (n & 0x3F) << 8 | Int(r[at + 1])
                if end == nil { end = at + 2 }
                guard target < at else { return nil }  // backwards only: no loops
                at = target
                continue
            }
            guard n <= 63, at + 1 + n <= r.count else { return nil }
            length += n + 1
            guard length <= 255 else { return nil }
            h.append(UInt8(n))
            for i in at + 1...at + n {
                let c = r[i]
                h.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c)
            }
            at += 1 + n
        }
        return nil
    }
}
