// Responses built once and reused (SwiftletDNS/ResponseCache.swift): a hit is byte for byte what the
// responder would have sent (ID, RD bit and the question's spelling patched in; CD always clear), the shapes that
// change a response are separate entries, queries that are not plain bypass the cache, and it stays bounded.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct ResponseCacheTests {
    static let responder = ResponderTests.responder

    static func query(_ name: String, _ type: DNSType, id: UInt16, rd: Bool = true, cd: Bool = false, edns: EDNS? = nil) -> [UInt8] {
        let m = DNSMessage(header: DNSHeader(id: id, opcode: .query, recursionDesired: rd, checkingDisabled: cd),
                           questions: [DNSQuestion(name: DNSName(name)!, type: type)], edns: edns)
        return try! m.emit()
    }

    @Test func hitsAreExactlyWhatTheResponderSends() {
        var cache = DNSResponseCache(responder: Self.responder)
        let variants: [[UInt8]] = [
            Self.query("www.example.test.", .a, id: 1),
            Self.query("WWW.example.TEST.", .a, id: 2, rd: false),       // DNS 0x20 spelling, RD clear
            Self.query("wWw.ExAmPlE.tEsT.", .a, id: 3, cd: true),
            Self.query("www.example.test.", .a, id: 4, edns: EDNS()),     // EDNS: another entry
            Self.query("www.example.test.", .a, id: 11, edns: EDNS(dnssecOK: true)),  // DO: another entry
            Self.query("nope.example.test.", .a, id: 5),
            Self.query("NOPE.example.test.", .a, id: 6),
            Self.query("big.example.test.", .txt, id: 7),                 // TC over UDP
            Self.query("big.example.test.", .txt, id: 8, edns: EDNS(udpPayloadSize: 4096)),
            Self.query("www.other.test.", .a, id: 9, edns: EDNS()),       // REFUSED with EDE
        ]
        for round in 0..<2 {
            for q in variants {
                #expect(cache.respond(to: q) == Self.responder.respond(to: q), "round \(round), query id \(q[1])")
                #expect(cache.respond(to: q, overTCP: true) == Self.responder.respond(to: q, overTCP: true))
            }
        }
        #expect(cache.hits > 0 && cache.misses > 0)
        // The spelling of a hit is the query's, not the first asker's.
        let spelled = cache.respond(to: Self.query("WwW.example.test.", .a, id: 10))!
        #expect(try! DNSMessage(parsing: spelled.span).questions[0].name.description == "WwW.example.test.")
    }

    @Test func queriesThatAreNotPlainBypassTheCache() {
        var cache = DNSResponseCache(responder: Self.responder)
        var withOption = Self.query("www.example.test.", .a, id: 1, edns: EDNS(options: [EDNSOption(code: 10, data: Array(repeating: 7, count: 8))]))
        let badVersion = Self.query("www.example.test.", .a, id: 2, edns: EDNS(version: 1))
        var status = Self.query("www.example.test.", .a, id: 3)
        status[2] |= 0x10  // opcode STATUS
        var response = Self.query("www.example.test.", .a, id: 4)
        response[2] |= 0x80
        for q in [withOption, badVersion, status, response, [1, 2, 3]] {
            #expect(cache.respond(to: q) == Self.responder.respond(to: q))
        }
        #expect(cache.hits == 0 && cache.misses == 0)
        withOption.removeLast()  // a damaged OPT: still the responder's answer (FORMERR)
        #expect(cache.respond(to: withOption) == Self.responder.respond(to: withOption))
    }

    @Test func theCacheIsBounded() {
        var cache = DNSResponseCache(responder: Self.responder, capacity: 8)
        for i in 0..<100 {
            let q = Self.query("n\(i).example.test.", .a, id: UInt16(i))
            #expect(cache.respond(to: q) == Self.responder.respond(to: q))
        }
        #expect(cache.count <= 8)
    }
}
