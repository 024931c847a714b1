// Every record type, end to end, against an independent implementation: Fixtures/every-type.zone (one
// owner per type, RFC examples where they exist) is parsed by ZoneFile, written into a DNS message and
// read back (DNSMessage), printed by DNSPresentation, and the printed zone must mean the same as the
// original to BIND's `named-checkzone -D` (bind9-utils), which prints both in its canonical form.
// Also: every record's presentation parses back to the same wire octets.

import ChildProcess
import Foundation
import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct EveryTypeRoundTripTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/every-type.zone")
    static let origin = DNSName("every.test.")!

    static func records() throws -> [DNSRecord] {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        return try ZoneFile.parse(text, origin: origin)
    }

    /// Every type the issue lists is in the fixture, with data this layer reads as that type.
    @Test func theFixtureHoldsEveryType() throws {
        let types = Set(try Self.records().map(\.type.description))
        for name in ["A", "NS", "CNAME", "SOA", "PTR", "HINFO", "MX", "TXT", "RP", "AFSDB", "AAAA", "LOC", "SRV", "NAPTR",
                     "KX", "CERT", "DNAME", "APL", "DS", "SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY", "DHCID", "NSEC3",
                     "NSEC3PARAM", "TLSA", "SMIMEA", "CDS", "CDNSKEY", "OPENPGPKEY", "CSYNC", "ZONEMD", "SVCB", "HTTPS",
                     "EUI48", "EUI64", "URI", "CAA", "SPF", "TYPE65534"] {
            #expect(types.contains(name), "\(name) missing from every-type.zone")
        }
    }

    /// Parse → wire message → parse: the same records; presentation → parse: the same wire octets.
    @Test func wireAndPresentationRoundTrip() throws {
        let records = try Self.records()
        let message = DNSMessage(header: DNSHeader(id: 7, isResponse: true), answers: records)
        let bytes = try message.emit()
        let back = try DNSMessage(parsing: bytes.span)
        #expect(back.answers == records)
        for r in records {
            let line = DNSPresentation.record(r)
            let again = try ZoneFile.parse(line + "\n")
            #expect(again.count == 1 && again.first == r, "\(line)")
            #expect(again.first?.data.rdata == r.data.rdata, "\(line)")
        }
    }

    /// Every input the rdata fuzzer ever stopped on (Fuzz/crashers/rdata-*), replayed with the harness's
    /// property: RDATA the wire reader accepts prints, parses back and gives the same octets.
    @Test func rdataFuzzCrashersRoundTrip() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/crashers").standardized
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix("rdata-") }
        #expect(!files.isEmpty)
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
            guard bytes.count >= 2 else { continue }
            let type = DNSType(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
            guard let data = try? DNSRecordData(type: type, rdata: Array(bytes[2...])) else { continue }
            let line = DNSPresentation.record(DNSRecord(name: DNSName("fuzz.test.")!, ttl: 60, data: data))
            let parsed = try ZoneFile.parse(line + "\n")
            #expect(parsed.count == 1 && parsed.first?.data.rdata == data.rdata, "\(file): \(line)")
        }
    }

    /// With SWIFTLET_WRITE_RDATA_SEEDS=DIR, writes each record as the rdata fuzz harness's input (type,
    /// then RDATA) into DIR: how Fuzz/corpus/rdata was made.
    @Test func writesFuzzSeedsWhenAsked() throws {
        guard let directory = ProcessInfo.processInfo.environment["SWIFTLET_WRITE_RDATA_SEEDS"] else { return }
        for (k, r) in try Self.records().enumerated() {
            let bytes = [UInt8(r.type.rawValue >> 8), UInt8(r.type.rawValue & 0xFF)] + r.data.rdata
            try Data(bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent("every-type-\(k)-\(r.type)"))
        }
    }

    /// named-checkzone prints the original and our printed zone the same way.
    @Test func namedCheckzoneReadsOurPresentationAsTheOriginal() throws {
        let tool = "/usr/bin/named-checkzone"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            Issue.record("named-checkzone is missing: apt-get install bind9-utils (scripts/test installs it)")
            return
        }
        let records = try Self.records()
        let bytes = try DNSMessage(header: DNSHeader(id: 1), answers: records).emit()
        let wire = try DNSMessage(parsing: bytes.span).answers
        var printed = ""
        for r in wire { printed += DNSPresentation.record(r) + "\n" }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-every-type-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("ours.zone")
        try printed.write(to: ours, atomically: true, encoding: .utf8)
        func canonical(_ file: URL) throws -> String {
            let result = try ChildProcess.run(tool, ["-q", "-D", "-i", "none", "-n", "ignore", "-k", "ignore", "-o", "-", "every.test", file.path])
            #expect(result.status == 0, "named-checkzone refused \(file.lastPathComponent): \(result.stderr)")
            return result.stdout
        }
        let expected = try canonical(Self.fixture)
        let got = try canonical(ours)
        #expect(!expected.isEmpty)
        let expectedLines = expected.split(separator: "\n"), gotLines = got.split(separator: "\n")
        #expect(expectedLines.count == gotLines.count)
        for (e, g) in zip(expectedLines, gotLines) where e != g { Issue.record("named-checkzone: expected \(e)\n got \(g)") }
    }
}
