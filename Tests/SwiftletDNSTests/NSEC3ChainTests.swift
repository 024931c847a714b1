// Zones holding more than one NSEC3 chain (SwiftletDNS/Signed.swift), as a zone does while its salt or
// iterations change (RFC 5155 §10.4) and as the zone of every type does (Fixtures/every-type.zone): NSD
// loads them, and so must Swiftlet. Denials then use the chain of the first NSEC3PARAM at the apex that has
// records (RFC 5155 §4), and with no NSEC3PARAM, the chain only if all NSEC3 records share it. The NSEC3
// records below are not a valid chain for these names (the hashes are RFC 5155 Appendix A's); the tests
// check which records a proof draws from, not that it validates (Tests/Integration/ does, with unbound).
// Also here, as each was found different from NSD by the every-type comparison (Tests/Integration/
// common.sh, every_type_zone): how NSEC3 owners and QTYPE NSEC3 are answered (Zone.swift), and which zones
// count as signed (Signed.swift).

import Testing
import SwiftletWire
@testable import SwiftletDNS

@Suite struct NSEC3ChainTests {
    /// Two chains: salt aabbccdd with 1 iteration, and no salt with 0 iterations; `param` adds apex lines;
    /// the apex RRSIG covers `signature`.
    static func zone(_ param: String, signature: String = "DNSKEY") throws -> Zone {
        let text = """
        $ORIGIN chains.test.
        $TTL 300
        @ IN SOA ns hostmaster 1 3600 600 86400 300
        @ IN NS ns
        ns IN A 192.0.2.1
        alias IN CNAME ns
        \(param)
        @ IN RRSIG \(signature) 13 2 300 20370101000000 20260101000000 1 chains.test. AAAA
        0p9mhaveqvm6t7vbl5lop2u3t2rp3tom IN NSEC3 1 0 1 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA RRSIG NSEC3PARAM
        2t7b4g4vsa5smi47k61mv5bv1a22bojr IN NSEC3 1 0 1 aabbccdd 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A
        35mthgpgcu1qg68fab165klnsnk3dpvl IN NSEC3 1 0 0 - 35mthgpgcu1qg68fab165klnsnk3dpvl NS SOA RRSIG
        """
        return try Zone(records: try ZoneFile.parse(text))
    }

    /// The salts of the NSEC3 records in the authority section of a DO NXDOMAIN answer.
    static func proofSalts(_ zone: Zone) -> [[UInt8]] {
        let a = zone.answer(DNSQuestion(name: DNSName("nope.chains.test.")!, type: .a), dnssecOK: true)
        #expect(a.rcode == .nameError)
        return a.authority.compactMap { r -> [UInt8]? in
            guard case .unknown(let type, let b) = r.data, type == DNSType.nsec3, b.count >= 5, b.count >= 5 + Int(b[4]) else { return nil }
            return Array(b[5..<(5 + Int(b[4]))])
        }
    }

    @Test func theApexNSEC3PARAMChoosesTheChain() throws {
        let salted = Self.proofSalts(try Self.zone("@ IN NSEC3PARAM 1 0 1 aabbccdd"))
        #expect(!salted.isEmpty && salted.allSatisfy { $0 == [0xaa, 0xbb, 0xcc, 0xdd] })
        let unsalted = Self.proofSalts(try Self.zone("@ IN NSEC3PARAM 1 0 0 -"))
        #expect(!unsalted.isEmpty && unsalted.allSatisfy { $0.isEmpty })
        // The first NSEC3PARAM whose chain exists: one without records is passed over.
        let second = Self.proofSalts(try Self.zone("@ IN NSEC3PARAM 1 0 5 beef\n@ IN NSEC3PARAM 1 0 0 -"))
        #expect(!second.isEmpty && second.allSatisfy { $0.isEmpty })
    }

    @Test func mixedChainsWithoutAnNSEC3PARAMLoadWithoutNSEC3Proofs() throws {
        let zone = try Self.zone("")
        #expect(Self.proofSalts(zone).isEmpty)
        // Each NSEC3 is still the zone's data, sent in a transfer.
        #expect(zone.records.filter { $0.type == DNSType.nsec3 }.count == 3)
    }

    /// RFC 5155 §7.2.8: an NSEC3 owner is not a name of the zone: NXDOMAIN, whatever the type. And no name
    /// owns NSEC3 records, so QTYPE NSEC3 is NODATA, even at a CNAME (not followed), as NSD answers.
    @Test func nsec3OwnersDoNotExistAndNSEC3IsNoData() throws {
        let zone = try Self.zone("@ IN NSEC3PARAM 1 0 1 aabbccdd")
        func ask(_ name: String, _ type: DNSType) -> DNSAnswer { zone.answer(DNSQuestion(name: DNSName(name)!, type: type)) }
        for type in [DNSType.nsec3, .a, .any] {
            let a = ask("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.chains.test.", type)
            #expect(a.rcode == .nameError && a.answer.isEmpty, "\(type)")
        }
        for name in ["alias.chains.test.", "ns.chains.test.", "chains.test."] {
            let a = ask(name, DNSType.nsec3)
            #expect(a.rcode == .noError && a.answer.isEmpty && a.authority.map(\.type) == [.soa], "\(name)")
        }
    }

    @Test func anNSEC3PARAMWithoutItsChainLoadsWithoutNSEC3Proofs() throws {
        #expect(Self.proofSalts(try Self.zone("@ IN NSEC3PARAM 1 0 5 beef")).isEmpty)
    }

    /// A zone is signed when its apex has an RRSIG over its DNSKEY RRset (NSD's test): RRSIGs elsewhere, or
    /// over another apex RRset only, are data, and DO queries get no proofs. The zone of every type holds an
    /// RRSIG and an NSEC as data; NSD answered its DO queries without proofs where Swiftlet added them.
    @Test func onlyAnApexDNSKEYSignatureMakesAZoneSigned() throws {
        #expect(Self.proofSalts(try Self.zone("@ IN NSEC3PARAM 1 0 1 aabbccdd", signature: "SOA")).isEmpty)
        let zone = try Self.zone("@ IN NSEC3PARAM 1 0 1 aabbccdd", signature: "SOA")
        let a = zone.answer(DNSQuestion(name: DNSName("chains.test.")!, type: .soa), dnssecOK: true)
        #expect(a.answer.map(\.type) == [.soa])  // its RRSIG not added
    }
}
