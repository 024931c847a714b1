// A zone compiled for a kvm image (SwiftletDNS/ZoneImage.swift): compiled and read back it is the same zone,
// and an image that is cut short, has bytes after its end, or is another zone's is refused.

import Testing
import Swiftlet
import SwiftletWire
@testable import SwiftletDNS

@Suite struct ZoneImageTests {
    static let apex = DNSName("example.test.")!
    static func zone(_ extra: String = "") throws -> Zone {
        try Zone(records: ZoneFile.parse(ResponderTests.exampleZone + extra))
    }

    @Test func roundTrip() throws {
        // Big enough for several messages (ZoneTransfer.messageSize), with names and data of every kind.
        var extra = "alias CNAME www\nmx MX 10 www\n"
        for i in 0..<400 { extra += "host\(i) TXT \"\(String(repeating: "x", count: 100))\"\n" }
        let zone = try Self.zone(extra)
        let image = try ZoneImage.compile(zone)
        #expect(image.count > 2 * ZoneTransfer.messageSize)
        let back = try Zone(records: ZoneImage.records(image, apex: Self.apex))
        #expect(Set(back.records) == Set(zone.records))
        #expect(back.records.count == zone.records.count)
    }

    @Test func refusals() throws {
        let image = try ZoneImage.compile(try Self.zone())
        #expect(throws: TransferError.self) { try ZoneImage.records(Array(image.dropLast(1)), apex: Self.apex) }
        #expect(throws: TransferError.self) { try ZoneImage.records(image + [0, 0], apex: Self.apex) }
        #expect(throws: TransferError.self) { try ZoneImage.records(image, apex: DNSName("other.test.")!) }
        #expect(throws: TransferError.self) { try ZoneImage.records([], apex: Self.apex) }
        // A zone file's text is not an image.
        #expect(throws: TransferError.self) { try ZoneImage.records(Array(ResponderTests.exampleZone.utf8), apex: Self.apex) }
    }
}
