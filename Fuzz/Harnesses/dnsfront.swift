// Fuzz harness: the server's front (SwiftletDNS/ServerFront.swift): the walk to the OPT record and its
// COOKIE option (RFC 7873, RFC 9018 server cookies), the response cache, the responder and response rate
// limiting (64 accounts: a default table would be allocated anew for every input), with arbitrary query
// bytes. The first input byte picks the transport (bit 0: TCP), the source (bits 1-2) and how many times
// the query is sent (bits 3-5, 1 to 8, a millisecond apart, so the rate limiter drops and slips); the rest
// is the query. A response must be a DNS message with the query's ID. The dns log source is at debug: each
// query's log line (built from its bytes) must hold no control byte.
import Swiftlet
import SwiftletWire
import SwiftletDNS

let zoneText = """
$ORIGIN example.test.
$TTL 3600
@       SOA   ns1 hostmaster 2026112701 7200 1800 1209600 300
        NS    ns1
        MX    10 mail
ns1     A     192.0.2.1
www     A     192.0.2.3
        AAAA  2001:db8::3
        TXT   "hello" "world"
alias   CNAME www
*.wild  A     192.0.2.9
sub     NS    ns.sub
ns.sub  A     192.0.2.7
_sip._udp SRV 10 60 5060 www
caa     CAA   0 issue "ca.example"
old     DNAME www.example.test.
"""
let front: DNSServerFront = {
    // Every query logged at debug (before the dns source is first used), and every line checked: a query's
    // bytes must never put a control byte into a log line.
    var settings = LogSettings()
    settings.perSource = [("dns", LogLevel.debug.rawValue)]
    Log.main.configure(settings)
    // A new second for every record, so the rate bound lets each through to the check.
    final class Tick: @unchecked Sendable { var seconds: Int64 = 0 }
    let tick = Tick()
    Log.main.setClock { tick.seconds += 1; return WallTime(secondsSinceEpoch: tick.seconds) }
    Log.main.addReporter { record in
        if record.message.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { fatalError("a control byte in a log line") }
    }
    let zone = try! Zone(records: try! ZoneFile.parse(zoneText))
    let secret: [UInt8] = Array(0..<16)
    return DNSServerFront(responder: DNSResponder(zones: [zone]), limiter: DNSRateLimiter(rate: 2, slip: 2, tableSize: 64, key: secret.span),
                          cookieSecret: secret.span, unixTimeAtZero: 1_700_000_000, cacheCapacity: 64)
}()
let sources = [IPv4Address(192, 0, 2, 100), IPv4Address(192, 0, 2, 101), IPv4Address(198, 51, 100, 1), IPv4Address(10, 0, 0, 1)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let flags = input.first else { return 0 }
    let query = Array(input.dropFirst())
    var f = front
    let overTCP = flags & 1 != 0
    let source = sources[Int(flags >> 1) & 3]
    for i in 0..<(Int(flags >> 3) & 7) + 1 {
        let now = Instant(nanoseconds: 5_000_000_000 + UInt64(i) * 1_000_000)
        guard let response = f.respond(to: query, from: .v4(source), now: now, overTCP: overTCP) else { continue }
        guard response.count >= 12, query.count >= 2, response[0] == query[0], response[1] == query[1] else {
            fatalError("a response without the query's ID")
        }
        guard (try? DNSMessage(parsing: response.span)) != nil else { fatalError("a response that does not parse") }
        guard overTCP || response.count <= 65_535 else { fatalError("a response too long") }
    }
    return 0
}
