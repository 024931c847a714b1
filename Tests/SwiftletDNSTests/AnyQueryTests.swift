// QTYPE ANY (Zone.swift, `anyType`): one RRset (RFC 8482 §4.1), chosen as NSD chooses it, found different by
// the every-type comparison with NSD (Tests/Integration/common.sh): a name with only an RRSIG answered
// NODATA where NSD answers the RRSIG. NSD prefers the first A, AAAA, SOA, MX or PTR RRset in zone order, then
// the last RRset of another type, then the last DNSKEY, RRSIG or NSEC RRset.

import Testing
import SwiftletWire
@testable import SwiftletDNS

@Suite struct AnyQueryTests {
    static let zone = try! Zone(records: try! ZoneFile.parse("""
        $ORIGIN any.test.
        $TTL 300
        @        NS    ns
        @        SOA   ns hostmaster 1 3600 600 86400 300
        ns       A     192.0.2.1
        mixed    TXT   "first"
        mixed    HINFO "cpu" "os"
        mixed    AAAA  2001:db8::1
        mixed    TXT   "again"
        normal   TXT   "first"
        normal   HINFO "cpu" "os"
        normal   TXT   "again"
        sigonly  RRSIG A 13 2 300 20370101000000 20260101000000 1 any.test. AAAA
        keyandtxt DNSKEY 256 3 13 AAAA
        keyandtxt TXT  "text"
        """))

    static func any(_ name: String) -> [DNSType] {
        zone.answer(DNSQuestion(name: DNSName(name + "any.test.")!, type: .any)).answer.map(\.type)
    }

    @Test func nsdsPreferenceOrder() {
        #expect(Self.any("") == [.soa])                           // preferred, though NS is listed first
        #expect(Self.any("mixed.") == [.aaaa])                    // preferred, though listed third
        #expect(Self.any("normal.") == [.hinfo])                  // the last RRset of the others
        #expect(Self.any("sigonly.") == [DNSType.rrsig])          // nothing else: the signature
        #expect(Self.any("keyandtxt.") == [.txt])                 // DNSKEY only when nothing else
        #expect(Self.zone.answer(DNSQuestion(name: DNSName("mixed.any.test.")!, type: .any)).answer.count == 1)
    }
}
