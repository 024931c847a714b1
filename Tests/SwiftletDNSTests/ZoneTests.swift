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

    /// RFC 6604 §2: a chain's RCODE is its last name's: a CNAME to a name the zone lacks is NXDOMAIN, to
    /// a name without the type NODATA, both with the SOA.
    @Test func aChainsRCodeIsItsLastNames() {
        let zone = try! Zone(records: try! ZoneFile.parse(Self.text + "\ndangling CNAME nowhere\nnodata CNAME www\n"))
        let dangling = zone.answer(DNSQuestion(name: Self.n("dangling.example.test."), type: .a))
        #expect(dangling.rcode == .nameError && dangling.authoritative && dangling.answer.map(\.type) == [.cname])
        #expect(dangling.authority == [Self.negativeSOA])
        let nodata = zone.answer(DNSQuestion(name: Self.n("nodata.example.test."), type: .txt))
        #expect(nodata.rcode == .noError && nodata.answer.map(\.type) == [.cname] && nodata.authority == [Self.negativeSOA])
    }

    static let dname = DNSType(rawValue: 39), ds = DNSType(rawValue: 43)
    /// A zone with a DNAME (RFC 6672) and a DS at its delegation: records built directly (wire RDATA).
    static let redirecting: Zone = {
        var records = try! ZoneFile.parse(text)
        records.append(DNSRecord(name: n("old.example.test."), ttl: 600, data: .unknown(dname, n("new.example.test.").wire)))
        records.append(DNSRecord(name: n("out.example.test."), ttl: 600, data: .unknown(dname, n("elsewhere.test.").wire)))
        records.append(DNSRecord(name: n("host.new.example.test."), ttl: 60, data: .a(IPv4Address(192, 0, 2, 40))))
        let long = String(repeating: "x", count: 60)
        records.append(DNSRecord(name: n("long.example.test."), ttl: 600,
                                 data: .unknown(dname, n("\(long).\(long).\(long).example.test.").wire)))
        records.append(DNSRecord(name: n("sub.example.test."), ttl: 3600, data: .unknown(ds, [0x12, 0x34, 13, 2] + Array(repeating: 0xAB, count: 32))))
        return try! Zone(records: records)
    }()

    @Test func dnameRedirectsTheSubtreeBelowIt() {
        let a = Self.redirecting.answer(DNSQuestion(name: Self.n("host.old.example.test."), type: .a))
        #expect(a.rcode == .noError && a.authoritative)
        #expect(a.answer == [
            DNSRecord(name: Self.n("old.example.test."), ttl: 600, data: .unknown(Self.dname, Self.n("new.example.test.").wire)),
            DNSRecord(name: Self.n("host.old.example.test."), ttl: 600, data: .cname(Self.n("host.new.example.test."))),
            DNSRecord(name: Self.n("host.new.example.test."), ttl: 60, data: .a(IPv4Address(192, 0, 2, 40))),
        ])
        // The DNAME's own name is not redirected (§2.3).
        let own = Self.redirecting.answer(DNSQuestion(name: Self.n("old.example.test."), type: Self.dname))
        #expect(own.answer.map(\.type) == [Self.dname])
        #expect(Self.redirecting.answer(DNSQuestion(name: Self.n("old.example.test."), type: .a)).answer.isEmpty)
        // A target that does not exist: NXDOMAIN after the DNAME and the CNAME (RFC 6604).
        let missing = Self.redirecting.answer(DNSQuestion(name: Self.n("nope.old.example.test."), type: .a))
        #expect(missing.rcode == .nameError && missing.answer.map(\.type) == [Self.dname, .cname])
        // Out of the zone: the DNAME and the CNAME, the resolver goes on.
        let out = Self.redirecting.answer(DNSQuestion(name: Self.n("a.b.out.example.test."), type: .a))
        #expect(out.rcode == .noError && out.answer.last?.data == .cname(Self.n("a.b.elsewhere.test.")))
        // Too long after substitution: YXDOMAIN (§2.2).
        let long = String(repeating: "y", count: 60)
        let tooLong = Self.redirecting.answer(DNSQuestion(name: Self.n("\(long).\(long).long.example.test."), type: .a))
        #expect(tooLong.rcode == .nameExists && tooLong.answer.map(\.type) == [Self.dname])
    }

    /// RFC 4035 §3.1.4.1: the parent answers DS at a delegation point, authoritatively; other types there
    /// are still referrals.
    @Test func dsAtADelegationIsTheParents() {
        let ds = Self.redirecting.answer(DNSQuestion(name: Self.n("sub.example.test."), type: Self.ds))
        #expect(ds.authoritative && ds.rcode == .noError && ds.answer.map(\.type) == [Self.ds])
        let none = Self.ask("sub.example.test.", Self.ds)
        #expect(none.authoritative && none.answer.isEmpty && none.authority == [Self.negativeSOA])
        #expect(!Self.redirecting.answer(DNSQuestion(name: Self.n("sub.example.test."), type: .a)).authoritative)
        #expect(!Self.redirecting.answer(DNSQuestion(name: Self.n("x.sub.example.test."), type: Self.ds)).authoritative)
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
        func loadRecords(_ extra: [DNSRecord]) -> String? {
            do { _ = try Zone(records: try ZoneFile.parse("$ORIGIN z.test.\n$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n") + extra); return nil }
            catch let e as ZoneLoadError { return e.description } catch { return "\(error)" }
        }
        let d = DNSName("d.z.test.")!
        #expect(loadRecords([DNSRecord(name: d, ttl: 60, data: .unknown(Self.dname, [3, 0x61]))]) == "d.z.test.: a DNAME's data is not one domain name")
        #expect(loadRecords([DNSRecord(name: d, ttl: 60, data: .unknown(Self.dname, Self.n("a.test.").wire)),
                             DNSRecord(name: d, ttl: 60, data: .unknown(Self.dname, Self.n("b.test.").wire))]) == "d.z.test. has more than one DNAME (RFC 6672 §2.4)")
        #expect(loadRecords([DNSRecord(name: d, ttl: 60, data: .unknown(Self.dname, Self.n("a.test.").wire)),
                             DNSRecord(name: d, ttl: 60, data: .cname(Self.n("a.test.")))]) == "d.z.test. has a DNAME and a CNAME (RFC 6672 §2.4)")
    }
}
