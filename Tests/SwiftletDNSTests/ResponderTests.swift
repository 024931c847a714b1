// The authoritative server's message logic (SwiftletDNS/Responder.swift): answers as messages, the error
// codes for bad queries, EDNS0, and truncation over UDP against the full answer over TCP.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct ResponderTests {
    /// The zone these tests and RateLimiterTests start from.
    static let exampleZone = """
        $ORIGIN example.test.
        $TTL 60
        @   SOA ns1 hostmaster 1 7200 1800 1209600 300
            NS  ns1
        ns1 A   192.0.2.1
        www A   192.0.2.3

        """
    static let responder: DNSResponder = {
        var text = exampleZone
        // A TXT set of about 4 KB: too big for 512 bytes and for 1232.
        for i in 0..<20 { text += "big TXT \"\(String(repeating: Character(String(i % 10)), count: 200))\"\n" }
        let sub = "$ORIGIN sub.example.test.\n$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.77\n"
        return DNSResponder(zones: [try! Zone(records: try! ZoneFile.parse(text)), try! Zone(records: try! ZoneFile.parse(sub))])
    }()

    static func query(_ name: String, _ type: DNSType, id: UInt16 = 0x1234, edns: EDNS? = nil, opcode: DNSOpcode = .query,
                      questions: Int = 1) -> [UInt8] {
        let q = DNSQuestion(name: DNSName(name)!, type: type)
        let m = DNSMessage(header: DNSHeader(id: id, opcode: opcode, recursionDesired: true),
                           questions: Array(repeating: q, count: questions), edns: edns)
        return try! m.emit()
    }

    static func parse(_ bytes: [UInt8]?) throws -> DNSMessage {
        let b = try #require(bytes)
        return try DNSMessage(parsing: b.span)
    }

    @Test func answersAreMessagesWithTheQuestionAndFlags() throws {
        let r = try Self.parse(Self.responder.respond(to: Self.query("WWW.example.test.", .a)))
        #expect(r.header.id == 0x1234 && r.header.isResponse && r.header.authoritative && r.header.recursionDesired)
        #expect(!r.header.recursionAvailable && r.header.rcode == .noError)
        #expect(r.questions == [DNSQuestion(name: DNSName("WWW.example.test.")!, type: .a)])
        #expect(r.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 3))])
        // The longest matching zone answers.
        let sub = try Self.parse(Self.responder.respond(to: Self.query("ns1.sub.example.test.", .a)))
        #expect(sub.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 77))] && sub.header.authoritative)
        let nx = try Self.parse(Self.responder.respond(to: Self.query("nope.example.test.", .a)))
        #expect(nx.header.rcode == .nameError && nx.authorities.map(\.type) == [.soa])
    }

    @Test func badQueriesGetTheirCodes() throws {
        // Responses are never answered; runts are dropped.
        var response = Self.query("www.example.test.", .a)
        response[2] |= 0x80
        #expect(Self.responder.respond(to: response) == nil)
        #expect(Self.responder.respond(to: [1, 2, 3]) == nil)
        // A question that runs past the end: FORMERR with the query's ID.
        let cut = Array(Self.query("www.example.test.", .a, id: 0x4242).dropLast(3))
        let formerr = try Self.parse(Self.responder.respond(to: cut))
        #expect(formerr.header.id == 0x4242 && formerr.header.rcode == .formatError)
        #expect(try Self.parse(Self.responder.respond(to: Self.query("www.example.test.", .a, questions: 2))).header.rcode == .formatError)
        #expect(try Self.parse(Self.responder.respond(to: Self.query("www.example.test.", .a, opcode: .status))).header.rcode == .notImplemented)
        #expect(try Self.parse(Self.responder.respond(to: Self.query("www.other.test.", .a))).header.rcode == .refused)
        // With EDNS, REFUSED outside our zones says why: Extended DNS Error 20, Not Authoritative (RFC 8914).
        let outside = try Self.parse(Self.responder.respond(to: Self.query("www.other.test.", .a, edns: EDNS())))
        #expect(outside.header.rcode == .refused && outside.edns?.options == [EDNSOption(code: 15, data: [0, 20])])
        #expect(try Self.parse(Self.responder.respond(to: Self.query("example.test.", .axfr))).header.rcode == .refused)
        let badvers = try Self.parse(Self.responder.respond(to: Self.query("www.example.test.", .a, edns: EDNS(version: 1))))
        #expect(badvers.header.rcode == .badVersion && badvers.edns != nil)
    }

    @Test func ednsIsEchoedWithOurPayloadSize() throws {
        let r = try Self.parse(Self.responder.respond(to: Self.query("www.example.test.", .a, edns: EDNS(udpPayloadSize: 4096))))
        #expect(r.edns?.udpPayloadSize == 1232)
        #expect(try Self.parse(Self.responder.respond(to: Self.query("www.example.test.", .a))).edns == nil)
    }

    @Test func largeAnswersAreTruncatedOverUDPAndWholeOverTCP() throws {
        for edns in [nil, EDNS(udpPayloadSize: 4096)] {
            let bytes = try #require(Self.responder.respond(to: Self.query("big.example.test.", .txt, edns: edns)))
            #expect(bytes.count <= (edns == nil ? 512 : 1232))
            let r = try DNSMessage(parsing: bytes.span)
            #expect(r.header.truncated && r.answers.isEmpty && r.questions.count == 1)
        }
        let tcp = try Self.parse(Self.responder.respond(to: Self.query("big.example.test.", .txt), overTCP: true))
        #expect(!tcp.header.truncated && tcp.answers.count == 20)
    }

    /// RFC 3225 §3: DO is copied into the response's OPT; RFC 4035 §3.1.6: CD is clear in the response.
    @Test func theDOBitIsCopiedAndCDCleared() throws {
        var q = Self.query("www.example.test.", .a, edns: EDNS(dnssecOK: true))
        q[3] |= 0x10  // CD
        let r = try Self.parse(Self.responder.respond(to: q))
        #expect(r.edns?.dnssecOK == true && !r.header.checkingDisabled && r.header.authoritative)
        let plain = try Self.parse(Self.responder.respond(to: Self.query("www.example.test.", .a, edns: EDNS())))
        #expect(plain.edns?.dnssecOK == false)
    }

    /// RFC 4035 §3.1.4.1: DS for sub.example.test, whose parent is served too, comes from the parent
    /// (NODATA there: the parent's SOA); other types from the child.
    @Test func dsForAChildApexComesFromTheParent() throws {
        let ds = try Self.parse(Self.responder.respond(to: Self.query("sub.example.test.", DNSType(rawValue: 43))))
        #expect(ds.header.authoritative && ds.answers.isEmpty)
        #expect(ds.authorities.map(\.name) == [DNSName("example.test.")!])
        let soa = try Self.parse(Self.responder.respond(to: Self.query("sub.example.test.", .soa)))
        #expect(soa.answers.map(\.name) == [DNSName("sub.example.test.")!])
    }
}
