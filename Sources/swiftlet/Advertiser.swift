// swiftlet: router advertisements (RFC 4861 §4.2, §6.2) on a tap that `swiftlet run` created, so the
// application finds the tap's IPv6 prefix by SLAAC (RFC 4862) as it would on a real link: the host side
// advertises its /64 on-link and autonomous, with a router lifetime of 0 (it is not a default router:
// the host does not forward; `--gateway6` names it for that). Sent to all-nodes from the tap's link-local
// address, hop limit 255, once a second for the first ten seconds (the application's start-up, and the
// tap's carrier and link-local address coming up) and every thirty seconds after, until the run ends.
//
// The message is encoded by SwiftletWire's NDP encoder; the host kernel fills in the ICMPv6 checksum
// (it does so for every raw ICMPv6 socket, RFC 3542 §3.1).

import Foundation
import Swiftlet
import SwiftletWire

#if canImport(Glibc)
import Glibc
#endif

final class RouterAdvertiser: @unchecked Sendable {
    let tap: String
    let prefix: IPv6Network
    private let lock = NSLock()
    private var stopped = false

    /// `prefix`: the host side's address and prefix length on the tap (its /64 is advertised).
    init(tap: String, prefix: IPv6Network) {
        self.tap = tap
        self.prefix = prefix
    }

    /// The advertisement: the prefix on-link and autonomous (valid a day, preferred four hours), the
    /// tap's MAC as the source link-layer address, router lifetime 0.
    static func message(prefix: IPv6Network, mac: MACAddress?) -> [UInt8] {
        var options = NDPOptions()
        options.sourceLinkLayer = mac
        options.prefixes = [NDPPrefixInformation(prefix: IPv6Network(address: prefix.prefix, prefixLength: prefix.prefixLength)!,
                                                 onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400)]
        return NDPMessage.routerAdvertisement(RouterAdvertisement(routerLifetime: 0, options: options))
            .encoded(source: .unspecified, destination: .allNodes)
    }

    /// "02:00:00:00:00:10" as a MAC address.
    static func mac(_ text: String) -> MACAddress? {
        let octets = text.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        guard octets.count == 6 else { return nil }
        return MACAddress(octets[0], octets[1], octets[2], octets[3], octets[4], octets[5])
    }

    func start() {
        guard prefix.prefixLength == 64 else { return }  // SLAAC forms addresses in /64 prefixes only
        let t = Thread { [self] in run() }
        t.stackSize = 1 << 20
        t.start()
    }

    func stop() { lock.withLock { stopped = true } }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func run() {
        let fd = socket(AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_ICMPV6))
        guard fd >= 0 else { say("cannot advertise 2001:db8::/64 on \(tap): no raw ICMPv6 socket (\(String(cString: strerror(errno))))"); return }
        defer { close(fd) }
        let index = if_nametoindex(tap)
        var hops: Int32 = 255
        var interface = Int32(index)
        _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, &interface, socklen_t(MemoryLayout<Int32>.size))
        // Not looped back: the host would take its own advertisement and form an address from it (it
        // accepts advertisements on an interface that does not forward).
        var loop: Int32 = 0
        _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_LOOP, &loop, socklen_t(MemoryLayout<Int32>.size))
        let macText = (try? String(contentsOfFile: "/sys/class/net/\(tap)/address", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let message = Self.message(prefix: prefix, mac: macText.flatMap(Self.mac))
        var destination = sockaddr_in6()
        destination.sin6_family = sa_family_t(AF_INET6)
        destination.sin6_scope_id = index
        withUnsafeMutableBytes(of: &destination.sin6_addr) { raw in
            raw[0] = 0xff; raw[1] = 0x02; raw[15] = 0x01  // ff02::1, all nodes
        }
        var sent = 0
        while !isStopped {
            _ = message.withUnsafeBytes { bytes in
                withUnsafePointer(to: &destination) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
            }
            sent += 1
            // Sleeps in short steps so that stop() is seen within 100 ms.
            for _ in 0..<(sent < 10 ? 10 : 300) where !isStopped { usleep(100_000) }
        }
    }
}
