// Loads the real capture in Fixtures/capture.pcap (made by Fixtures/capture.sh: Linux, dnsmasq, dig,
// nc and ping between two network namespaces) and classifies its frames for the tests.

import Foundation
import SwiftletTesting
import SwiftletWire

enum Capture {
    static let records: [PCAPRecord] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/capture.pcap")
        let data = try! Data(contentsOf: url)
        return try! PCAP.read([UInt8](data))
    }()

    static var frames: [[UInt8]] { records.map(\.bytes) }

    /// Frames carrying IPv4 with the given protocol.
    static func ipv4(_ proto: IPProtocol) -> [[UInt8]] {
        frames.filter { f in
            guard let e = try? EthernetHeader(parsing: f.span), e.etherType == .ipv4,
                  let ip = try? IPv4Header(parsing: f.span.extracting(e.length...)) else { return false }
            return ip.protocol == proto
        }
    }

    /// UDP payloads to or from `port`, with their IPv4 addresses.
    static func udpPayloads(port: UInt16) -> [[UInt8]] {
        ipv4(.udp).compactMap { f -> [UInt8]? in
            let ipBytes = f.span.extracting(14...)
            guard let ip = try? IPv4Packet(validating: ipBytes), !ip.isFragment,
                  let udp = try? UDPPacket(validating: ip.payload, source: ip.source, destination: ip.destination),
                  udp.sourcePort == port || udp.destinationPort == port else { return nil }
            return Array(copying: udp.payload)
        }
    }
}

/// A buffer of `count` random bytes: emitters must overwrite every byte they own.
func junk(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededRandom(seed: seed)
    return rng.bytes(count)
}
