// swiftlet describe: the device graph of an application for a target: for each device the manifest
// names, the protocol the application sees, the concrete type the generated wiring picks for the target,
// and what that type rests on, down to the host or the virtual hardware.
//
// It reads the same manifest `build` reads and names the types the main that `Wiring.swift` generates
// ends up with (directly or through `Host.tapStack`, `Host.store`, `Boot.network`): a change to the
// wiring needs the same change here.

import ArgumentParser
import Foundation
import Swiftlet
import SwiftletManifest

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the device graph of an application for a target.")
    @OptionGroup var options: TargetOption

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            let manifest = try Manifest.load(from: folder)
            let labels = manifest.devices.map { "\($0.kind.rawValue):" }.joined() + (manifest.arguments.isEmpty ? "" : "arguments:")
            print("\(manifest.name) for \(target.rawValue): \(manifest.entry).start(\(labels))")
            for d in manifest.devices {
                let (proto, type, below) = try Self.node(d.kind, target, manifest)
                print("  \(d.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(proto.padding(toLength: 15, withPad: " ", startingAt: 0)) \(type)")
                for line in below { print("  \(String(repeating: " ", count: 27))<- \(line)") }
            }
            if !manifest.arguments.isEmpty {
                let source = target == .kvm ? "the kernel command line after --" : "the command line after --"
                print("  \("arguments".padding(toLength: 10, withPad: " ", startingAt: 0)) \("".padding(toLength: 15, withPad: " ", startingAt: 0)) \(manifest.entry).Arguments")
                print("  \(String(repeating: " ", count: 27))<- \(source)")
                for a in manifest.arguments {
                    let value = a.declaredKind == .flag ? "" : " " + a.kind.uppercased()
                    let fallback = a.defaultValue.map { " (default: \($0))" } ?? (a.declaredKind == .flag ? "" : " (optional)")
                    print("  \(String(repeating: " ", count: 30))--\(a.name)\(value)\(fallback)")
                }
            }
        }
    }

    /// The protocol, the concrete type and what it rests on, for one device on one target.
    static func node(_ d: Device.Kind, _ target: Target, _ m: Manifest) throws -> (String, String, [String]) {
        switch (d, target) {
        case (.console, .kvm): return ("Console", "SerialConsole", ["COM1 (QEMU -serial)"])
        case (.console, _): return ("Console", "StandardOutputConsole", ["standard output"])
        case (.timers, .kvm): return ("Timers", "Kernel", ["the kernel's run loop and timer queue", "LAPIC TSC-deadline timer, kvmclock or TSC"])
        case (.timers, _): return ("Timers", "RunLoop", ["epoll and the run loop's timer queue"])
        case (.clock, .kvm): return ("MonotonicClock", "KernelClock", ["kvmclock or the calibrated TSC"])
        case (.clock, _): return ("MonotonicClock", "HostMonotonicClock", ["CLOCK_MONOTONIC"])
        case (.wallclock, .kvm): return ("WallClock", "KernelWallClock", ["kvmclock wall time or the CMOS clock"])
        case (.wallclock, _): return ("WallClock", "HostWallClock", ["CLOCK_REALTIME"])
        case (.entropy, .kvm): return ("Entropy", "HardwareEntropy", ["RDSEED, else RDRAND"])
        case (.entropy, _): return ("Entropy", "HostEntropy", ["getrandom(2)"])
        case (.store, .kvm) where m.storeFromDisk:
            return ("KeyValueStore", "KernelStore", ["EmbeddedStore: \(m.storeDirectory)/ embedded in the image", "or TarStore on virtio-blk (--disk)"])
        case (.store, .kvm): return ("KeyValueStore", "EmbeddedStore", ["\(m.storeDirectory)/ embedded in the image"])
        case (.store, _): return ("KeyValueStore", "DirectoryStore", ["the directory \(m.storeDirectory)/ (or --store DIR)"])
        case (.block, .kvm): return ("BlockDevice", "VirtioBlock", ["virtio-blk over virtio-mmio (QEMU --disk FILE)"])
        case (.block, _): throw CLIError("the block device is only on the kvm target so far (swiftlet run --target kvm --disk FILE)")
        case (.network, .unix): return ("Network", "HostNetwork", ["the host's TCP/IP through sockets (one socket hears IPv4 and IPv6)"])
        case (.network, .tap): return ("Network", "AsyncStack<ImpairedDevice<TapDevice>>",
                                       ["NetworkStack: ARP, IPv4, ICMP, DHCP, IPv6 (NDP, SLAAC, path MTU), ICMPv6, UDP, TCP (Swiftlet's own)", "ImpairedDevice (faults only with --impair)", "TapDevice on /dev/net/tun"])
        case (.network, .kvm): return ("Network", "AsyncStack<VirtioNet>",
                                       ["NetworkStack: ARP, IPv4, ICMP, DHCP, IPv6 (NDP, SLAAC, path MTU), ICMPv6, UDP, TCP (Swiftlet's own)", "VirtioNet over virtio-mmio", "QEMU tap (swl0 unless --tap)"])
        }
    }
}
