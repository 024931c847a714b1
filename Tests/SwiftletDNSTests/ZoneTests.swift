// Answers from one zone (SwiftletDNS/Zone.swift): positive, NODATA and NXDOMAIN with the SOA (RFC 2308),
// empty non-terminals, CNAME chains in and out of the zone and their loops, wildcards (RFC 4592),
// delegations with glue, REFUSED outside the zone, case-insensitive names; and zones that cannot load.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct ZoneTests {
    static let text = """
        $ORIGIN example.test.
        $TTL 3600
        @        SOA   ns1 hostmaster 1 7200 1800 1209600 300
                 NS    ns1
                 MX    10 mail
        ns1      A     192.0.2.1
        mail     A     192.0.2.2
        www      A     192.0.2.3
        alias    CNAME www
        far      CNAME www.elsewhere.test.
        loop1    CNAME loop2
        loop2    CNAME loop1
        a.b      TXT   "deep"
        *.wild   A     192.0.2.9
        host.wild TXT  "exists"
        sub      NS    ns.sub
        ns.sub   A     192.0.2.53
        """
    static let zone = try! Zone(records: try! ZoneFile.parse(text))
    static func n(_ s: String) -> DNSName { DNSName(s)! }
    static func ask(_ name: String, _ type: DNSType) -> DNSAnswer { zone.answer(DNSQuestion(name: n(name), type: type)) }
    static let negativeSOA = DNSRecord(name: n("example.test."), ttl: 300, data: .soa(DNSSOA(
        primary: n("ns1.example.test."), mailbox: n("hostmaster.example.test."), serial: 1, refresh: 7200,
        retry: 1800, expire: 1_209_600, minimum: 300)))

    @Test func positiveAnswersAreAuthoritativeWithGlue() {
        let a = Self.ask("WWW.Example.TEST.", .a)
        #expect(a.rcode == .noError && a.authoritative)
        #expect(a.answer == [DNSRecord(name: Self.n("www.example.test."), ttl: 3600, data: .a(IPv4Address(192, 0, 2, 3)))])
        let mx = Self.ask("example.test.", .mx)
        #expect(mx.additional == [DNSRecord(name: Self.n("mail.example.test."), ttl: 3600, data: .a(IPv4Address(192, 0, 2, 2)))])
    }

    @Test func anyGetsTheFirstRRsetOnlyAndStopsAtACNAME() {
        // RFC 8482: one RRset, the zone's first for the name (the SOA at the apex, as NSD answers).
        #expect(Self.ask("example.test.", .any).answer.map(\.type) == [.soa])
        #expect(Self.ask("www.example.test.", .any).answer.map(\.type) == [.a])
        // ANY matches the CNAME itself (RFC 1034 §4.3.2 3a): no chain.
        #expect(Self.ask("alias.example.test.", .any).answer.map(\.type) == [.cname])
        #expect(Self.ask("nope.example.test.", .any).rcode == .nameError)
    }

    @Test func negativeAnswersCarryTheSOAWithItsMinimumTTL() {
        let nodata = Self.ask("www.example.test.", .aaaa)
        #expect(nodata.rcode == .noError && nodata.authoritative && nodata.answer.isEmpty)
        #expect(nodata.authority == [Self.negativeSOA])
        let nx = Self.ask("nope.example.test.", .a)
        #expect(nx.rcode == .nameError && nx.authoritative && nx.authority == [Self.negativeSOA])
        // b.example.test has no records but a descendant: it exists (NODATA, not NXDOMAIN).
        let ent = Self.ask("b.example.test.", .a)
        #expect(ent.rcode == .noError && ent.answer.isEmpty && ent.authority == [Self.negativeSOA])
    }

    @Test func cnamesAreFollowedInsideTheZoneOnly() {
        let alias = Self.ask("alias.example.test.", .a)
        #expect(alias.answer.map(\.type) == [.cname, .a])
        #expect(alias.answer.last?.data == .a(IPv4Address(192, 0, 2, 3)))
        #expect(Self.ask("alias.example.test.", .cname).answer.map(\.type) == [.cname])
        let far = Self.ask("far.example.test.", .a)
        #expect(far.rcode == .noError && far.answer.map(\.type) == [.cname])
        let loop = Self.ask("loop1.example.test.", .a)
        #expect(loop.answer.count == 2 && loop.rcode == .noError)
    }

    @Test func wildcardsAnswerForNamesThatDoNotExist() {
        let one = Self.ask("x.wild.example.test.", .a)
        #expect(one.answer == [DNSRecord(name: Self.n("x.wild.example.test."), ttl: 3600, data: .a(IPv4Address(192, 0, 2, 9)))])
        #expect(Self.ask("x.y.wild.example.test.", .a).answer.first?.name == Self.n("x.y.wild.example.test."))
        // An existing name is not covered by the wildcard.
        let host = Self.ask("host.wild.example.test.", .a)
        #expect(host.answer.isEmpty && host.rcode == .noError)
        #expect(Self.ask("x.wild.example.test.", .txt).answer.isEmpty)
    }

    @Test func delegationsReferWithGlue() {
        for name in ["sub.example.test.", "www.sub.example.test.", "ns.sub.example.test."] {
            let r = Self.ask(name, .a)
            #expect(!r.authoritative && r.rcode == .noError && r.answer.isEmpty, "\(name)")
            #expect(r.authority == [DNSRecord(name: Self.n("sub.example.test."), ttl: 3600, data: .ns(Self.n("ns.sub.example.test.")))])
            #expect(r.additional == [DNSRecord(name: Self.n("ns.sub.example.test."), ttl: 3600, data: .a(IPv4Address(192, 0, 2, 53)))])
        }
    }

    @Test func questionsOutsideTheZoneAreRefused() {
        #expect(Self.ask("www.other.test.", .a).rcode == .refused)
        #expect(Self.zone.answer(DNSQuestion(name: Self.n("www.example.test."), type: .a, class: .chaos)).rcode == .refused)
    }

    @Test func zonesThatCannotLoad() throws {
        func load(_ t: String) -> String? {
            do { _ = try Zone(records: try ZoneFile.parse("$ORIGIN z.test.\n$TTL 60\n" + t)); return nil } catch let e as ZoneLoadError {
                return e.description
            } catch { return "\(error)" }
        }
        #expect(load("@ NS ns\n") == "a zone has exactly one SOA record (found 0)")
        #expect(load("@ SOA ns hm 1 2 3 4 5\n@ NS ns\nx.other.test. A 192.0.2.1\n") == "x.other.test. is outside the zone z.test.")
        #expect(load("@ SOA ns hm 1 2 3 4 5\n@ NS ns\nw CNAME x\nw A 192.0.2.1\n") == "w.z.test. has a CNAME and other data (RFC 1034 §3.6.2)")
        #expect(load("@ SOA ns hm 1 2 3 4 5\n") == "the apex z.test. has no NS record")
    }
}
