// The stub resolver (SwiftletDNS/StubResolver.swift) against an authoritative responder on a second
// simulated stack: addresses through a CNAME, NXDOMAIN, a truncated answer fetched again over TCP,
// forged answers (wrong ID, wrong question) ignored, REFUSED as a typed error, and a silent server.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletNet
import SwiftletDNS
import SwiftletTesting

@MainActor
@Suite struct StubResolverTests {
    nonisolated static let responder: DNSResponder = {
        var text = "$ORIGIN example.test.\n$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.3\nwww A 192.0.2.4\nwww AAAA 2001:db8::3\nalias CNAME www\n"
        for i in 0..<20 { text += "big TXT \"\(String(repeating: Character(String(i % 10)), count: 200))\"\n" }
        return DNSResponder(zones: [try! Zone(records: try! ZoneFile.parse(text))])
    }()

    /// Serves UDP on 53 (each real answer preceded by two forgeries) and TCP on 53.
    static func serve(_ pair: AsyncPair) throws {
        let udp = try pair.b.udp(port: 53)
        Task { @MainActor in
            while true {
                guard let d = try? await udp.receive(), let answer = responder.respond(to: d.payload) else { continue }
                var wrongID = answer
                wrongID[1] ^= 0xFF
                try? udp.send(wrongID, to: d.source, port: d.sourcePort)
                let other = try! DNSMessage(header: DNSHeader(id: UInt16(answer[0]) << 8 | UInt16(answer[1]), isResponse: true),
                                            questions: [DNSQuestion(name: DNSName("evil.test.")!, type: .a)]).emit()
                try? udp.send(other, to: d.source, port: d.sourcePort)
                try? udp.send(answer, to: d.source, port: d.sourcePort)
            }
        }
        let listener = try pair.b.listen(port: 53)
        Task { @MainActor in
            for await flow in listener {
                var buffer: [UInt8] = []
                while let bytes = try? await flow.read(), !bytes.isEmpty {
                    buffer += bytes
                    guard buffer.count >= 2, buffer.count >= 2 + (Int(buffer[0]) << 8 | Int(buffer[1])) else { continue }
                    let answer = responder.respond(to: Array(buffer[2...]), overTCP: true)!
                    try? await flow.write([UInt8(answer.count >> 8), UInt8(answer.count & 0xFF)] + answer)
                    break
                }
                flow.close()
            }
        }
    }

    @Test func resolvesThroughForgeriesCNAMEsAndTruncation() async throws {
        let pair = AsyncPair()
        try Self.serve(pair)
        let resolver = DNSStubResolver(network: pair.a, entropy: SeededEntropy(seed: 7), servers: [TwoStacks.addressB])
        var www: [IPAddress] = [], alias: [IPv4Address] = [], nope: [IPAddress] = [.v4(IPv4Address(1, 1, 1, 1))]
        var big: DNSMessage? = nil
        var refused: DNSResolverError? = nil
        var failure: DNSResolverError? = nil
        var done = false
        Task { @MainActor in
            do throws(DNSResolverError) {
                www = try await resolver.addresses(of: DNSName("WWW.example.test.")!)
                alias = try await resolver.ipv4Addresses(of: DNSName("alias.example.test.")!)
                nope = try await resolver.addresses(of: DNSName("nope.example.test.")!)
                big = try await resolver.query(DNSName("big.example.test.")!, .txt)
                do throws(DNSResolverError) { _ = try await resolver.query(DNSName("www.other.test.")!, .a) } catch { refused = error }
            } catch { failure = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(failure == nil)
        // AAAA first (RFC 6724's preference for IPv6), then A.
        #expect(www.first == .v6(IPv6Address("2001:db8::3")!))
        #expect(Set(www.dropFirst()) == [.v4(IPv4Address(192, 0, 2, 3)), .v4(IPv4Address(192, 0, 2, 4))])
        #expect(Set(alias) == [IPv4Address(192, 0, 2, 3), IPv4Address(192, 0, 2, 4)])
        #expect(nope.isEmpty)
        #expect(big?.answers.count == 20 && big?.header.truncated == false)
        #expect(refused == .serverFailure(.refused))
    }

    @Test func aSilentServerTimesOut() async throws {
        let pair = AsyncPair()
        var resolver = DNSStubResolver(network: pair.a, entropy: SeededEntropy(seed: 8), servers: [TwoStacks.addressB])
        resolver.timeout = .milliseconds(500)
        let start = pair.net.now
        var failure: DNSResolverError? = nil
        var done = false
        Task { @MainActor in
            do throws(DNSResolverError) { _ = try await resolver.query(DNSName("www.example.test.")!, .a) } catch { failure = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        // Nothing listens on port 53: each of the two attempts waits its 500 ms (UDP to a closed port draws
        // an ICMP error the stack does not report to the socket).
        #expect(failure == .timedOut)
        #expect(pair.net.now - start >= .milliseconds(1000))
    }
}
