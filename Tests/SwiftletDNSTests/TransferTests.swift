// Zone transfers, sans I/O (SwiftletDNS/Transfer.swift): an AXFR's messages carry the SOA, every record and
// the SOA again, each message under the size bound, and an AXFRReceiver rebuilds exactly the zone from them;
// every refusal of a transfer in (RFC 5936 §2.2); NOTIFY's shape (RFC 1996 §3.7); serial order (RFC 1982).

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct TransferTests {
    static let apex = DNSName("example.test.")!
    static let zone: Zone = {
        var text = "$ORIGIN example.test.\n$TTL 60\n@ SOA ns1 hostmaster 7 7200 1800 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n"
        // Enough records for several messages.
        for i in 0..<2000 { text += "host\(i) A 192.0.2.\(i % 250 + 1)\nhost\(i) TXT \"record \(i)\"\n" }
        return try! Zone(records: try! ZoneFile.parse(text))
    }()

    static func answer(id: UInt16, _ records: [DNSRecord], rcode: DNSRCode = .noError) -> [UInt8] {
        try! DNSMessage(header: DNSHeader(id: id, isResponse: true, authoritative: true, rcode: rcode), answers: records).emit()
    }

    @Test func aTransferRoundTrips() throws {
        let question = DNSQuestion(name: Self.apex, type: .axfr)
        let messages = try ZoneTransfer.messages(for: Self.zone, id: 77, question: question)
        #expect(messages.count > 2)
        var receiver = AXFRReceiver(apex: Self.apex, id: 77)
        for (i, m) in messages.enumerated() {
            #expect(m.count <= 65535)
            let parsed = try DNSMessage(parsing: m.span)
            #expect(parsed.questions == (i == 0 ? [question] : []))
            #expect(parsed.header.authoritative && parsed.header.id == 77)
            let done = try receiver.receive(m)
            #expect(done == (i == messages.count - 1))
        }
        #expect(receiver.records.count == Self.zone.records.count)
        #expect(Set(receiver.records.map { "\($0)" }) == Set(Self.zone.records.map { "\($0)" }))
        #expect(receiver.records.first == Self.zone.soa)
        // What came loads as the same zone.
        let reloaded = try Zone(records: receiver.records)
        #expect(reloaded.answer(DNSQuestion(name: DNSName("host1999.example.test.")!, type: .txt)).answer.count == 1)
    }

    /// What a receiver (ID 5) says of `messages`: nil when they were taken, else the error.
    static func refused(_ messages: [[UInt8]], maximumRecords: Int = 100) -> String? {
        var r = AXFRReceiver(apex: apex, id: 5, maximumRecords: maximumRecords)
        for m in messages {
            let result = Result { () throws(TransferError) -> Bool in try r.receive(m) }
            if case .failure(let e) = result { return e.description }
        }
        return nil
    }

    @Test func refusals() throws {
        let soa = Self.zone.soa
        let a = DNSRecord(name: DNSName("www.example.test.")!, ttl: 60, data: .a(IPv4Address(192, 0, 2, 3)))
        #expect(Self.refused([Self.answer(id: 6, [soa, a, soa])])?.contains("not the answer to our query") == true)
        #expect(Self.refused([Self.answer(id: 5, [], rcode: .refused)]) == "the primary answered RCODE 5")
        #expect(Self.refused([Self.answer(id: 5, [a, soa])]) == "the transfer does not start with the zone's SOA")
        let outside = DNSRecord(name: DNSName("www.other.test.")!, ttl: 60, data: .a(IPv4Address(192, 0, 2, 3)))
        #expect(Self.refused([Self.answer(id: 5, [soa, outside, soa])]) == "www.other.test. is outside the zone example.test.")
        let later = DNSRecord(name: Self.apex, ttl: 60, data: .soa(DNSSOA(primary: DNSName("ns1.example.test.")!,
            mailbox: DNSName("hostmaster.example.test.")!, serial: 8, refresh: 7200, retry: 1800, expire: 1_209_600, minimum: 300)))
        #expect(Self.refused([Self.answer(id: 5, [soa, a, later])]) == "the closing SOA's serial 8 is not 7")
        #expect(Self.refused([Self.answer(id: 5, [soa, a, soa, a])]) == "records after the closing SOA")
        #expect(Self.refused([Self.answer(id: 5, [soa, a, soa]), Self.answer(id: 5, [a])]) == "a message after the end of the transfer")
        #expect(Self.refused([Self.answer(id: 5, [soa, a, a, a])], maximumRecords: 3) == "more than 3 records")
        #expect(Self.refused([[1, 2, 3]])?.hasPrefix("a malformed message") == true)
        #expect(Self.refused([Self.answer(id: 5, [soa, a]), Self.answer(id: 5, [soa])]) == nil)
    }

    @Test func notifyAndSerials() throws {
        let notify = try ZoneTransfer.notify(Self.zone, id: 9)  // bound first: `.span` of a temporary in `try` crashes IRGen
        let m = try DNSMessage(parsing: notify.span)
        #expect(m.header.opcode == .notify && m.header.authoritative && !m.header.isResponse)
        #expect(m.questions == [DNSQuestion(name: Self.apex, type: .soa)] && m.answers == [Self.zone.soa])
        #expect(ZoneTransfer.serial(1, isBefore: 2) && !ZoneTransfer.serial(2, isBefore: 1) && !ZoneTransfer.serial(5, isBefore: 5))
        #expect(ZoneTransfer.serial(0xFFFF_FFFF, isBefore: 0))                    // wraps (RFC 1982 §3.2)
        #expect(!ZoneTransfer.serial(0, isBefore: 0x8000_0000) && !ZoneTransfer.serial(0x8000_0000, isBefore: 0))  // undefined
        let serial = try ZoneTransfer.serial(inAnswer: Self.answer(id: 3, [Self.zone.soa]), apex: Self.apex, id: 3)
        #expect(serial == 7)
    }
}
