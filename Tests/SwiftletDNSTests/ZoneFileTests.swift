// The zone-file parser (SwiftletDNS/ZoneFile.swift) against RFC 1035 §5 master-file rules: directives,
// owners carried over, `@`, relative names, parentheses across lines, comments, quoted strings with
// escapes, TTL and class in either order, BIND time units; and one clear line-numbered error per mistake.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct ZoneFileTests {
    static let zone = """
        $ORIGIN example.test.
        $TTL 1h
        ; the apex
        @   IN  SOA ns1 hostmaster.example.test. (
                    2026112701 ; serial
                    2h         ; refresh
                    30m        ; retry
                    2w         ; expire
                    300 )      ; negative caching
            IN  NS  ns1
            IN  NS  ns2.elsewhere.test.
            IN  MX  10 mail
            600 IN TXT "v=spf1 -all" "second; string with \\"quotes\\"" bare\\032word
        ns1     A       192.0.2.1
        mail    IN 60   A 192.0.2.2
                        AAAA 2001:db8::2
        www     CNAME   @
        _http._tcp SRV  0 5 80 www
        1.2.0.192.in-addr.arpa. PTR ns1
        $ORIGIN sub
        deep    A 192.0.2.3
        """

    @Test func parsesAZoneWithEveryFeature() throws {
        let records = try ZoneFile.parse(Self.zone)
        let n = { (s: String) in DNSName(s)! }
        #expect(records.count == 12)
        #expect(records[0] == DNSRecord(name: n("example.test."), ttl: 3600, data: .soa(DNSSOA(
            primary: n("ns1.example.test."), mailbox: n("hostmaster.example.test."), serial: 2026112701,
            refresh: 7200, retry: 1800, expire: 1_209_600, minimum: 300))))
        #expect(records[1] == DNSRecord(name: n("example.test."), ttl: 3600, data: .ns(n("ns1.example.test."))))
        #expect(records[2].data == .ns(n("ns2.elsewhere.test.")))
        #expect(records[3].data == .mx(preference: 10, exchange: n("mail.example.test.")))
        #expect(records[4] == DNSRecord(name: n("example.test."), ttl: 600, data: .txt([
            Array("v=spf1 -all".utf8), Array("second; string with \"quotes\"".utf8), Array("bare word".utf8)])))
        #expect(records[5] == DNSRecord(name: n("ns1.example.test."), ttl: 3600, data: .a(IPv4Address(192, 0, 2, 1))))
        #expect(records[6] == DNSRecord(name: n("mail.example.test."), ttl: 60, data: .a(IPv4Address(192, 0, 2, 2))))
        // The owner and the last explicit TTL carry over? The owner does; $TTL wins over the last TTL.
        #expect(records[7] == DNSRecord(name: n("mail.example.test."), ttl: 3600, data: .aaaa(IPv6Address("2001:db8::2")!)))
        #expect(records[8].data == .cname(n("example.test.")))
        #expect(records[9] == DNSRecord(name: n("_http._tcp.example.test."), ttl: 3600,
                                        data: .srv(priority: 0, weight: 5, port: 80, target: n("www.example.test."))))
        #expect(records[10].name == n("1.2.0.192.in-addr.arpa.") && records[10].data == .ptr(n("ns1.example.test.")))
        #expect(records[11].name == n("deep.sub.example.test."))
    }

    @Test func withoutTTLDirectiveTheLastExplicitTTLIsUsed() throws {
        let records = try ZoneFile.parse("a 300 A 192.0.2.1\nb A 192.0.2.2\n", origin: DNSName("z.test.")!)
        #expect(records.map(\.ttl) == [300, 300])
        #expect(records[1].name == DNSName("b.z.test.")!)
    }

    @Test func mistakesNameTheirLine() {
        func error(_ text: String) -> String? {
            do { _ = try ZoneFile.parse(text); return nil } catch { return error.description }
        }
        #expect(error("$ORIGIN a.test.\n$TTL 60\nwww A 300.1.2.3\n") == "line 3: A: '300.1.2.3' is not an IPv4 address")
        #expect(error("www.a.test. A 192.0.2.1\n") == "line 1: no TTL for this record (give one, or add $TTL)")
        #expect(error("$TTL 60\nwww A 192.0.2.1\n") == "line 2: relative name 'www' with no origin (add $ORIGIN or end it with '.')")
        #expect(error("$TTL 60\n  A 192.0.2.1\n") == "line 2: a record with no owner name and none before it")
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ SOA ns hm ( 1 2 3\n4 5\n") == "line 5: '(' without ')' at the end of the file")
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ TXT \"open\n") == "line 4: a quoted string is not closed")
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ BOGUS a b\n")?.hasPrefix("line 3: unknown record type 'BOGUS'") == true)
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ CH A 192.0.2.1\n") == "line 3: class CH is not served (only IN)")
        #expect(error("$INCLUDE other.zone\n") == "line 1: $INCLUDE is not supported: a zone is one file")
        #expect(error("$TTL forever\n") == "line 1: 'forever' is not a TTL")
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ MX 70000 mail\n") == "line 3: MX: '70000' is not a number from 0 to 65535")
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ A\n") == "line 3: A: missing an IPv4 address")
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ A 1.2.3.4 )\n") == "line 3: ')' without '('")
        let longString = String(repeating: "x", count: 256)
        #expect(error("$TTL 60\n$ORIGIN a.test.\n@ TXT \(longString)\n") == "line 3: TXT: a string of 256 octets (at most 255)")
    }

    /// Every number in a zone file is parsed with overflow checks: out-of-range or overlong values are a
    /// line-numbered error, never a trap. (`4294967295w` and a TTL of many unit terms trapped before: the
    /// sum of the terms overflowed UInt64.)
    @Test func hugeNumbersAreErrorsNotTraps() {
        func error(_ text: String) -> String? {
            do { _ = try ZoneFile.parse(text); return nil } catch { return error.description }
        }
        let prefix = "$TTL 60\n$ORIGIN a.test.\n"
        #expect(error("$TTL 4294967295w\n") == "line 1: '4294967295w' is not a TTL")
        #expect(error("$TTL 4294967296\n") == "line 1: '4294967296' is not a TTL")
        #expect(error("$TTL 99999999999999999999999\n") == "line 1: '99999999999999999999999' is not a TTL")
        let terms = String(repeating: "4294967295w", count: 8_000)
        #expect(error("$TTL \(terms)\n") == "line 1: '\(terms)' is not a TTL")
        #expect(error("$TTL 4294967295s1s\n") == "line 1: '4294967295s1s' is not a TTL")
        let ttls = (try? ZoneFile.parse("$ORIGIN a.test.\na 4294967295 A 192.0.2.1\nb 4294967295s A 192.0.2.1\nc 1w1d1h1m1s A 192.0.2.1\n"))?.map(\.ttl)
        #expect(ttls == [4_294_967_295, 4_294_967_295, 694_861])
        #expect(error(prefix + "@ 4294967295w A 192.0.2.1\n")?.hasPrefix("line 3:") == true)
        #expect(error(prefix + "@ MX 99999999999999999999999 mail\n") == "line 3: MX: '99999999999999999999999' is not a number from 0 to 65535")
        #expect(error(prefix + "@ SRV 1 65536 80 www\n") == "line 3: SRV: '65536' is not a number from 0 to 65535")
        #expect(error(prefix + "@ SRV 1 1 -1 www\n") == "line 3: SRV: '-1' is not a number from 0 to 65535")
        #expect(error(prefix + "@ SRV +1 1 1 www\n") == "line 3: SRV: '+1' is not a number from 0 to 65535")
        #expect(error(prefix + "@ SOA ns hm 4294967296 1 1 1 1\n") == "line 3: SOA: '4294967296' is not a number from 0 to 4294967295")
        #expect(error(prefix + "@ SOA ns hm 1 \(terms) 1 1 1\n") == "line 3: SOA: '\(terms)' is not a time")
        #expect(error(prefix + "@ SOA ns hm 1 1 1 1 4294967295w\n") == "line 3: SOA: '4294967295w' is not a time")
        #expect(error(prefix + "@ TXT \\999\n") == "line 3: TXT: a bad escape in '\\999'")
        #expect(error(prefix + "@ A 99999999999999999999.0.0.1\n") == "line 3: A: '99999999999999999999.0.0.1' is not an IPv4 address")
        #expect(error(prefix + "@ AAAA 1:fffffffffffffffffff::\n") == "line 3: AAAA: '1:fffffffffffffffffff::' is not an IPv6 address")
        #expect(error(prefix + "\\999 A 192.0.2.1\n") == "line 3: '\\999' is not a domain name")
    }
}
