// swiftlet: the command-line tool. `swiftlet build` and `swiftlet run` an application for a target.
//
// An application is a folder with Swift sources and a manifest, `Swiftlet.swift` (see Manifest.swift).
// The tool reads the manifest and generates the wiring for the target (`configure`, Wiring.swift), builds
// it with SwiftPM in release mode against this checkout of Swiftlet (or as a kernel, KernelBuilder.swift),
// and runs it, creating the tap the `tap` and `kvm` targets need.

import ArgumentParser
import Foundation
import Swiftlet

#if canImport(Glibc)
import Glibc
#endif

/// The Swiftlet checkout this tool was built from (or $SWIFTLET_ROOT).
let swiftletRoot: URL = {
    if let r = ProcessInfo.processInfo.environment["SWIFTLET_ROOT"] { return URL(fileURLWithPath: r) }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}()

/// "4.2 s", "73 s": how long since `start`, for build lines.
func seconds(since start: Date) -> String {
    let t = Date().timeIntervalSince(start)
    return t < 10 ? String(format: "%.1f s", t) : "\(Int(t.rounded())) s"
}

/// Runs a subcommand's body; a `CLIError` becomes its one line on standard error and exit status 1.
func reportingCLIErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as CLIError {
        say(e.description)
        throw ExitCode(1)
    }
}

func say(_ line: String) {
    FileHandle.standardError.write(Data("swiftlet: \(line)\n".utf8))
}

struct TargetOption: ParsableArguments {
    @Option(name: .long, help: "unix (host sockets, the default), tap (Swiftlet's TCP/IP over /dev/net/tun) or kvm (a kernel on QEMU microvm)")
    var target: String = "unix"

    @Argument(help: "The application's folder (holds its manifest, Swiftlet.swift).")
    var path: String = "."

    func resolved() throws -> (Target, URL) {
        guard let t = Target(rawValue: target) else {
            throw CLIError("unknown target '\(target)' (targets: \(Target.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return (t, URL(fileURLWithPath: path, relativeTo: cwd).standardizedFileURL)
    }
}

@main
struct SwiftletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "Build and run Swiftlet applications for a target.",
        subcommands: [New.self, Configure.self, Build.self, Run.self, Cert.self, Describe.self, Doctor.self, EmbeddedCheck.self])
}

struct Configure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the manifest and write the wiring for a target, without building.",
        discussion: "build and run configure first by themselves; configure alone shows what they will compile (APP/.swiftlet/TARGET/).")
    @OptionGroup var options: TargetOption

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            let configuration = try Builder(folder: folder, target: target).configure()
            for file in configuration.generatedSources { print(file.path) }
        }
    }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Configure for a target (when the manifest or the tool changed) and build the application.")
    @OptionGroup var options: TargetOption

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            _ = try Builder(folder: folder, target: target).build()
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build, then run the application (for tap and kvm: create the tap if missing, remove it afterwards).",
        discussion: """
            For the tap and kvm targets, a tap that swiftlet creates gets the host address .1 of the prefix \
            (10.0.0.1/24 unless --ipv4 says otherwise) and the application 10.0.0.2/24 with gateway \
            10.0.0.1 unless --ipv4/--dhcp say otherwise; for IPv6 the host gets ::1 of the prefix \
            (2001:db8::1/64 unless --ipv6 says otherwise) and the application 2001:db8::2/64 with that \
            router, besides its link-local address and any address a router advertises (--ipv6 off: none). On a tap that exists already the application \
            uses DHCP unless --ipv4 is given. The kvm target boots the kernel on QEMU microvm (KVM when \
            /dev/kvm is usable, TCG otherwise) with the serial console on this terminal, and exits with \
            the kernel's status. As root, the application (tap) or QEMU (kvm) runs as the invoking user \
            under sudo, else as the system user swiftlet (created when missing), once the tap is open.
            """)
    @OptionGroup var options: TargetOption
    @Option(help: "tap: the application's address, ADDR/PREFIX.") var ipv4: String?
    @Option(help: "tap: the gateway address.") var gateway: String?
    @Option(help: "tap, kvm: a static IPv6 address, ADDR/PREFIX, or off (on a tap swiftlet creates: 2001:db8::2/64).") var ipv6: String?
    @Option(help: "tap, kvm: a static IPv6 default router.") var gateway6: String?
    @Flag(help: "tap: ask for the address with DHCP even on a tap swiftlet creates.") var dhcp = false
    @Option(help: "tap: the tap's name.") var tap: String = "swl0"
    @Option(help: "tap: impair the link, e.g. loss=5%,reorder=25%,duplicate=1%,delay=1ms,seed=7.") var impair: String?
    @Option(help: "The directory behind the key-value store.") var store: String?
    @Option(help: "kvm: a raw disk image for the block device (virtio-blk).") var disk: String?
    @Option(help: "kvm: kvm or tcg (default: kvm when /dev/kvm is usable).") var accel: String?
    @Option(help: "kvm: the machine's memory in MiB.") var memory: Int = 256
    @Flag(help: "kvm: offer virtio 1.x (modern) devices instead of legacy ones.") var modernVirtio = false
    @Flag(help: "kvm: print boot timing and heap use when the kernel exits.") var bootReport = false
    @Flag(help: "tap, kvm: print heap, TCP memory and connection count each second they change.") var memoryReport = false
    @Option(name: .customLong("port"), help: "Forward 127.0.0.1:HOST to the application's TCP port GUEST (HOST:GUEST, e.g. 8080:80; repeatable).")
    var forwards: [String] = []
    @Argument(parsing: .postTerminator, help: "Arguments for the application (after --).") var applicationArguments: [String] = []

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            // Everything that can be refused is refused here, before the build and before the tap, so a run
            // refused for a bad --port or a missing --disk leaves no tap behind.
            if target != .kvm && (disk != nil || accel != nil || modernVirtio || bootReport) {
                throw CLIError("--disk, --accel, --modern-virtio and --boot-report apply to the kvm target")
            }
            if target == .kvm && (impair != nil || store != nil) {
                throw CLIError("--impair and --store apply to the hosted targets")
            }
            if target == .unix && memoryReport {
                throw CLIError("--memory-report applies to the tap and kvm targets (Swiftlet's own stack)")
            }
            let manifest = try Manifest.load(from: folder)
            if disk != nil, !manifest.has(.block), !manifest.storeFromDisk {
                throw CLIError("--disk: \(manifest.name) has no block device and its store is embedded only; to serve a tar archive from the disk, write .store(\"\(manifest.storeDirectory)\", disk: true) in Swiftlet.swift")
            }
            if let disk, !FileManager.default.fileExists(atPath: disk) {
                throw CLIError("--disk \(disk): no such file (make one: truncate -s 64M \(disk))")
            }
            var accelerator = QEMU.Accelerator.tcg
            if target == .kvm {
                _ = try QEMU.find()
                accelerator = QEMU.usableAccelerator()
                if let accel {
                    guard let a = QEMU.Accelerator(rawValue: accel) else { throw CLIError("--accel '\(accel)': kvm or tcg") }
                    accelerator = a
                }
            }
            let portForwards = try forwards.map { try PortForward(parsing: $0) }
            let needsTap = target == .tap || (target == .kvm && manifest.devices.contains(.network))
            var arguments: [String] = []
            var tapToCreate: (name: String, hostAddress: String, hostAddress6: String?)? = nil
            if needsTap {
                let tapExists = FileManager.default.fileExists(atPath: "/sys/class/net/\(tap)")
                // Root creates and opens the tap (then the application or QEMU drops to another user).
                guard geteuid() == 0 else {
                    throw CLIError("the \(target.rawValue) target needs root to create and open a tap (try: sudo \(CommandLine.arguments.joined(separator: " ")))")
                }
                var guest = ipv4
                var gw = gateway
                var guest6 = ipv6
                var gw6 = gateway6
                if !tapExists {
                    let network = ipv4 ?? "10.0.0.2/24"
                    let host = try TapSetup.hostAddress(for: network)
                    // IPv6 as well: the documentation prefix 2001:db8::/64 (RFC 3849) unless --ipv6 says otherwise.
                    let network6 = ipv6 ?? "2001:db8::2/64"
                    let host6 = network6 == "off" ? nil : try TapSetup.hostAddress6(for: network6)
                    tapToCreate = (tap, host, host6)
                    if guest == nil && !dhcp {
                        guest = network
                        gw = gw ?? String(host.split(separator: "/")[0])
                    }
                    if let host6, gw6 == nil {
                        guest6 = network6
                        gw6 = String(host6.split(separator: "/")[0])
                    }
                }
                if target == .tap { arguments += ["--tap", tap] }
                if let guest { arguments += ["--ipv4", guest] }
                if let gw { arguments += ["--gateway", gw] }
                if let guest6 { arguments += ["--ipv6", guest6] }
                if let gw6 { arguments += ["--gateway6", gw6] }
                if let impair { arguments += ["--impair", impair] }
            } else if ipv4 != nil || gateway != nil || ipv6 != nil || gateway6 != nil || impair != nil || dhcp {
                throw CLIError(target == .kvm
                    ? "--ipv4, --gateway, --ipv6, --gateway6 and --dhcp need the network device in the manifest"
                    : "--ipv4, --gateway, --ipv6, --gateway6, --dhcp and --impair apply to the tap target (the unix target uses the host's network)")
            }
            // Where the application listens for --port: the host itself (unix) or its address on the tap.
            var guestAddress = IPv4Address(127, 0, 0, 1)
            if needsTap && !portForwards.isEmpty {
                guard let i = arguments.firstIndex(of: "--ipv4"), let a = IPv4Network(arguments[i + 1])?.address else {
                    throw CLIError("--port needs the application's address: give --ipv4 (with --dhcp or an existing tap it is not known in advance)")
                }
                guestAddress = a
            }
            if let store { arguments += ["--store", store] }
            // As root, the application (tap) and QEMU (kvm) do not stay root: they become this user once
            // the tap (and /dev/kvm, the kernel, the disk) are open (RunAs.swift). Not root: as before.
            let runAs = geteuid() == 0 && target != .unix ? try RunAs.choose() : nil
            if target == .tap, let runAs { arguments += ["--user", runAs.argument] }
            if bootReport { arguments += ["--report", "boot"] }
            if memoryReport { arguments += ["--report", "memory"] }
            if !applicationArguments.isEmpty { arguments += ["--"] + applicationArguments }
            if target == .kvm && arguments.contains(where: { $0.contains(" ") }) {
                throw CLIError("the kvm kernel's command line splits at spaces: arguments cannot contain one")
            }

            let binary = try Builder(folder: folder, target: target).build()
            // From here on SIGINT and SIGTERM are caught for the whole run (not only while a child runs),
            // and the tap swiftlet creates is removed on every way out, thrown errors included.
            let status: Int32 = try ChildProcess.forwardingSignals { () throws -> Int32 in
                var createdTap: String? = nil
                var advertiser: RouterAdvertiser? = nil
                defer {
                    advertiser?.stop()
                    if let createdTap { TapSetup.remove(createdTap) }
                }
                if let t = tapToCreate {
                    try TapSetup.create(t.name, hostAddress: t.hostAddress, hostAddress6: t.hostAddress6, owner: runAs)
                    createdTap = t.name
                    say("created tap \(t.name) with host address \(t.hostAddress)" + (t.hostAddress6.map { " and \($0)" } ?? ""))
                    // The host side advertises its IPv6 prefix, so the application configures an address in it
                    // by SLAAC as on any link (Advertiser.swift), besides the static one given above.
                    if let host6 = t.hostAddress6, let network = IPv6Network(host6),
                       (try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/\(t.name)/disable_ipv6", encoding: .utf8))?.hasPrefix("0") == true {
                        advertiser = RouterAdvertiser(tap: t.name, prefix: network)
                        advertiser?.start()
                        say("advertising \(IPv6Network(address: network.prefix, prefixLength: network.prefixLength)!) on \(t.name) (router advertisements, SLAAC)")
                    }
                }
                let needed = portForwards.filter { !(target == .unix && $0.host == $0.guest) }  // unix: already there
                try PortForward.start(needed, to: guestAddress)
                if forwardedSignal != 0 { return 128 + forwardedSignal }  // stopped before the application started
                if target == .kvm {
                    var qemu = QEMU(image: binary, symbols: binary.deletingPathExtension().appendingPathExtension("elf"),
                                    accelerator: accelerator)
                    qemu.forced = accel != nil
                    qemu.memoryMiB = memory
                    qemu.tap = needsTap ? tap : nil
                    qemu.disk = disk
                    qemu.legacyVirtio = !modernVirtio
                    qemu.commandLine = arguments
                    qemu.runAs = runAs
                    return try qemu.run()
                }
                if let runAs { say("running \(binary.lastPathComponent) as \(runAs.who), uid \(runAs.uid) gid \(runAs.gid), once its tap is open") }
                let status = ChildProcess.run(binary, arguments: arguments, workingDirectory: folder)
                if status > 128, status - 128 != forwardedSignal, let why = ChildProcess.explain(signal: status - 128) {
                    say("\(binary.lastPathComponent) was ended by \(why); the run ends with status \(status) (128 + the signal)")
                }
                return status
            }
            throw ExitCode(status)
        }
    }
}
