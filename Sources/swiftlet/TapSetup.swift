// swiftlet run: the tap that the `tap` and networked `kvm` runs create, made and removed with iproute2's
// `ip`. The host side takes .1 (and ::1) of the application's prefix; `commands` says which `ip` lines
// make the tap, `create` runs them and removes the tap again when one fails.

import Foundation
import Swiftlet

enum TapSetup {
    /// ".1" of the prefix of `guest` (ADDR/PREFIX), with the prefix.
    static func hostAddress(for guest: String) throws -> String {
        let parts = guest.split(separator: "/")
        let octets = parts.first?.split(separator: ".").compactMap { UInt32($0) } ?? []
        guard parts.count == 2, let prefix = Int(parts[1]), (1...30).contains(prefix), octets.count == 4, octets.allSatisfy({ $0 < 256 }) else {
            throw CLIError("--ipv4 '\(guest)' is not ADDR/PREFIX with a prefix of 1 to 30 (like 10.0.0.2/24)")
        }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        let mask: UInt32 = ~0 << UInt32(32 - prefix)
        let host = (address & mask) | 1
        guard host != address else { throw CLIError("--ipv4 '\(guest)' takes .1, which the host side of the tap uses; pick another") }
        let text = (0..<4).map { String(host >> UInt32(24 - 8 * $0) & 0xFF) }.joined(separator: ".")
        return "\(text)/\(prefix)"
    }

    /// "::1" of the prefix of `guest` (ADDR/PREFIX, IPv6), with the prefix.
    static func hostAddress6(for guest: String) throws -> String {
        guard let network = IPv6Network(guest), (1...126).contains(network.prefixLength), !network.address.isMulticast else {
            throw CLIError("--ipv6 '\(guest)' is not ADDR/PREFIX with a prefix of 1 to 126 (like 2001:db8::2/64), or off")
        }
        let prefix = network.prefix
        let host = IPv6Address(high: prefix.high, low: prefix.low | 1)
        guard host != network.address else { throw CLIError("--ipv6 '\(guest)' takes ::1, which the host side of the tap uses; pick another") }
        return "\(host)/\(network.prefixLength)"
    }

    /// The `ip` arguments that make tap `name`, in order: created (owned by `owner`, user and group, when
    /// given: the account the application or QEMU runs as), `hostAddress` on it, `hostAddress6` too when
    /// given and the host has IPv6 on (without DAD, so it is usable at once), then up.
    static func commands(_ name: String, hostAddress: String, hostAddress6: String?, owner: RunAs?, hostHasIPv6: Bool) -> [[String]] {
        let ownership = owner.map { ["user", String($0.uid), "group", String($0.gid)] } ?? []
        var commands = [["tuntap", "add", "dev", name, "mode", "tap"] + ownership, ["addr", "add", hostAddress, "dev", name]]
        // A host (or namespace) with IPv6 disabled cannot take it; the tap still works for IPv4.
        if let hostAddress6, hostHasIPv6 { commands.append(["-6", "addr", "add", hostAddress6, "dev", name, "nodad"]) }
        commands.append(["link", "set", name, "up"])
        return commands
    }

    /// Creates tap `name` (`commands`); a tap half made is removed before the error is thrown.
    static func create(_ name: String, hostAddress: String, hostAddress6: String? = nil, owner: RunAs? = nil) throws {
        let ipv6 = hostAddress6 != nil && (try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/all/disable_ipv6", encoding: .utf8))?.hasPrefix("1") == false
        let steps = commands(name, hostAddress: hostAddress, hostAddress6: hostAddress6, owner: owner, hostHasIPv6: ipv6)
        try ip(steps[0])
        do {
            for step in steps.dropFirst() { try ip(step) }
        } catch {
            remove(name)
            throw error
        }
    }

    /// Whether IPv6 is on on interface `name` (router advertisements are sent only then).
    static func hasIPv6(on name: String) -> Bool {
        (try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/\(name)/disable_ipv6", encoding: .utf8))?.hasPrefix("0") == true
    }

    static func remove(_ name: String) {
        _ = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["ip", "tuntap", "del", "dev", name, "mode", "tap"])
    }

    static func ip(_ arguments: [String]) throws {
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["ip"] + arguments)
        guard status == 0 else {
            throw CLIError("'ip \(arguments.joined(separator: " "))' failed (status \(status)); is iproute2 installed? (apt-get install iproute2)")
        }
    }
}
