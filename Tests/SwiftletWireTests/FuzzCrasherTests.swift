// Replays every input the fuzzers ever crashed on (Fuzz/crashers/NAME-*): each must parse or fail with a
// typed error, and whatever parses must survive emit → parse unchanged, as the harness demands.

import Foundation
import Testing
import SwiftletTesting
@testable import SwiftletWire

private let crashers: [(name: String, bytes: [UInt8])] = {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/crashers").standardized
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return files.sorted().filter { $0.contains("-") && !$0.hasSuffix(".md") }.compactMap { file in
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path) else { return nil }
        return (String(file.prefix { $0 != "-" }), [UInt8](data))
    }
}()

@Suite struct FuzzCrasherTests {
    @Test func crashersAreKept() {
        #expect(crashers.contains { $0.name == "dhcpv4" })
    }

    @Test func everyCrasherRoundTrips() throws {
        let a = IPv4Address(10, 0, 0, 1), b = IPv4Address(10, 0, 0, 2)
        for (name, bytes) in crashers {
            switch name {
            case "dhcpv4":
                guard let m = try? DHCPv4Message(parsing: bytes.span) else { continue }
                var out = [UInt8](repeating: 0xEE, count: m.length)
                var span = out.mutableSpan
                try m.emit(into: &span)
                #expect(try DHCPv4Message(parsing: out.span) == m)
            case "dns":
                guard let m = try? DNSMessage(parsing: bytes.span) else { continue }
                let out = try m.emit()
                #expect(try DNSMessage(parsing: out.span) == m)
            case "tcp":
                guard let h = try? TCPHeader(parsing: bytes.span, source: a, destination: b) else { continue }
                var out = [UInt8](repeating: 0xEE, count: bytes.count)
                var span = out.mutableSpan
                try h.emit(into: &span, source: a, destination: b)
                #expect(try TCPHeader(parsing: out.span, source: a, destination: b) == h)
            case "ipv4":
                guard let h = try? IPv4Header(parsing: bytes.span) else { continue }
                var out = [UInt8](repeating: 0xEE, count: h.totalLength)
                var span = out.mutableSpan
                try h.emit(into: &span)
                #expect(try IPv4Header(parsing: out.span) == h)
            case "ipv6", "ndp":
                // Parsing only (the harnesses' own round trips run in them): nothing may trap.
                if let p = try? IPv6Packet(validating: bytes.span) { _ = try? p.walkExtensionHeaders() }
                let v6 = IPv6Address.allNodes
                if let icmp = try? ICMPv6Packet(validating: bytes.span, source: v6, destination: v6) {
                    _ = try? icmp.quotedDatagram()
                    _ = try? NDPMessage(icmp, hopLimit: 255, source: v6, destination: v6)
                    _ = try? MLDv2Report(icmp)
                }
            default:
                // Every other harness only parses; a trap here fails the whole test run.
                _ = try? EthernetHeader(parsing: bytes.span)
                _ = try? ARPHeader(parsing: bytes.span)
                _ = try? ICMPv4Packet(validating: bytes.span).quotedDatagram()
                _ = try? UDPHeader(parsing: bytes.span, source: a, destination: b)
            }
        }
    }
}
