// DNS specifics: names, compression on emit, hostile compression pointers and lengths.

import Testing
import SwiftletTesting
@testable import SwiftletWire

@Suite struct DNSTests {
    private func header(qd: Int = 1) -> [UInt8] { [0x12, 0x34, 0x01, 0x00, 0, UInt8(qd), 0, 0, 0, 0, 0, 0] }

    @Test func namesFromText() throws {
        #expect(DNSName("www.Example.COM.") == DNSName("www.example.com"))
        #expect(DNSName("www.example.com")!.description == "www.example.com.")
        #expect(DNSName(".")!.isRoot)
        #expect(DNSName("a..b") == nil)
        #expect(DNSName(String(repeating: "a", count: 64)) == nil)
        #expect(DNSName(String(repeating: "a", count: 63)) != nil)
        #expect(DNSName(Array(repeating: "abcdefg", count: 32).joined(separator: ".")) == nil)  // 256 octets
        #expect(DNSName("a\\.b.c")!.labels == [Array("a.b".utf8), Array("c".utf8)])
        #expect(DNSName("\\065b")!.labels == [Array("Ab".utf8)])
        #expect(DNSName("www.example.com")!.isSubdomain(of: DNSName("EXAMPLE.com")!))
        #expect(!DNSName("www.myexample.com")!.isSubdomain(of: DNSName("example.com")!))
        #expect(DNSName("x.y")!.parent == DNSName("y"))
    }

    @Test func emitCompressesRepeatedSuffixes() throws {
        let zone = DNSName("swiftlet.test")!
        let m = DNSMessage(header: DNSHeader(id: 1, isResponse: true),
                           questions: [DNSQuestion(name: try zone.prepending(Array("www".utf8)), type: .a)],
                           answers: [DNSRecord(name: try zone.prepending(Array("www".utf8)), ttl: 60, data: .a(IPv4Address(1, 2, 3, 4))),
                                     DNSRecord(name: zone, ttl: 60, data: .mx(preference: 1, exchange: try zone.prepending(Array("mail".utf8))))])
        let bytes = try m.emit()
        // Header 12; question 19+4; answer 1: pointer 2 + 10 + 4; answer 2: pointer 2 + 10 + 2 + "mail"+pointer (5+2).
        #expect(bytes.count == 12 + 23 + 16 + 21)
        #expect(Array(bytes[35..<37]) == [0xC0, 12])
        #expect(try DNSMessage(parsing: bytes.span) == m)
    }

    @Test func pointerLoopsAndForwardPointersAreRejected() {
        // Question name is a pointer to itself.
        var selfLoop = header() + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: WireError.badPointer) { try DNSMessage(parsing: selfLoop.span) }
        // Two names pointing at each other: the second points forward into the first's pointer.
        selfLoop = header(qd: 2) + [1, 0x61, 0xC0, 20, 0, 1, 0, 1] + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: WireError.badPointer) { try DNSMessage(parsing: selfLoop.span) }
        // Forward pointer.
        let forward = header() + [0xC0, 20, 0, 1, 0, 1, 0, 0, 3, 0x61, 0x62, 0x63, 0]
        #expect(throws: WireError.badPointer) { try DNSMessage(parsing: forward.span) }
        // A valid backward pointer works.
        let ok = header(qd: 2) + [1, 0x61, 0, 0, 1, 0, 1] + [1, 0x62, 0xC0, 12, 0, 1, 0, 1]
        #expect((try? DNSMessage(parsing: ok.span))?.questions.last?.name == DNSName("b.a"))
    }

    @Test func overlongNamesAndLabelsAreRejected() {
        // 5 labels of 63 octets: 320 octets.
        var long = header()
        for _ in 0..<5 { long += [63] + [UInt8](repeating: 0x61, count: 63) }
        long += [0, 0, 1, 0, 1]
        #expect(throws: WireError.nameTooLong) { try DNSMessage(parsing: long.span) }
        // A chain of backward pointers, each step adding a 61-octet label: the fourth step passes 255.
        var chain = header(qd: 0) + [60] + [UInt8](repeating: 0x61, count: 60) + [0]
        var starts = [12]
        for _ in 0..<4 {
            let previous = starts.last!
            starts.append(chain.count)
            chain += [60] + [UInt8](repeating: 0x62, count: 60) + [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)]
        }
        #expect((try? DNSName.read(from: chain.span, at: starts[3]))?.0.wire.count == 62 + 3 * 61)
        #expect(throws: WireError.nameTooLong) { try DNSName.read(from: chain.span, at: starts[4]) }
        // Label types 0x40 and 0x80 are reserved.
        let reserved = header() + [0x41, 0x61, 0, 0, 1, 0, 1]
        #expect(throws: WireError.badLabel) { try DNSMessage(parsing: reserved.span) }
    }

    @Test func rdataLengthMustMatchItsFields() {
        // Answer A record with RDLENGTH 5.
        var m = header(qd: 0)
        m[7] = 1
        m += [0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 1, 2, 3, 4, 5]
        #expect(throws: WireError.badLength(.dns)) { try DNSMessage(parsing: m.span) }
        // RDLENGTH past the end.
        var t = header(qd: 0)
        t[7] = 1
        t += [0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3]
        #expect(throws: WireError.truncated(.dns, needed: t.count + 1, available: t.count)) { try DNSMessage(parsing: t.span) }
        // Two OPT records is a format error.
        var o = header(qd: 0)
        o[11] = 2
        o += [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: WireError.badField(.dns)) { try DNSMessage(parsing: o.span) }
    }
}
