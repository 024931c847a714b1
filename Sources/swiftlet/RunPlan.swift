// swiftlet run, planned: what a run creates (a tap with the host's addresses on it, router advertisements
// on it, port forwards), what it starts (the application with its exact arguments, or QEMU) and what it
// removes afterwards. A plan is computed by pure functions from the options (`RunRequest`), the manifest
// and what the host has (`RunHost`, read beforehand and passed in as values); `RunRunner` (Run.swift)
// carries it out. Every refusal is made while planning, before the build and before anything is created,
// so a refused run leaves nothing behind.

import Foundation
import Swiftlet

#if canImport(Glibc)
import Glibc
#endif

/// The options of `swiftlet run`, as values.
struct RunRequest: Equatable {
    var target: Target
    var ipv4: String? = nil
    var gateway: String? = nil
    var ipv6: String? = nil
    var gateway6: String? = nil
    var dhcp = false
    var tap = "swl0"
    var impair: String? = nil
    /// `--tcp SPEC` for Swiftlet's own stack (checked here, so that a typo fails before anything starts).
    var tcp: String? = nil
    var store: String? = nil
    var disk: String? = nil
    var accel: String? = nil
    var memory = 256
    var modernVirtio = false
    var bootReport = false
    /// `--qmp PATH`: a QMP socket for tools besides the run's own watcher.
    var qmp: String? = nil
    /// `--offload SPEC` for the kernel's virtio-net (checked here).
    var offload: String? = nil
    var memoryReport = false
    /// `--port` as given (HOST:GUEST or PORT).
    var forwards: [String] = []
    /// What follows `--`.
    var applicationArguments: [String] = []

    /// Refuses options the target does not take; needs no manifest, so it comes before the manifest is read.
    func checkTargetOptions() throws {
        if target != .kvm && (disk != nil || accel != nil || modernVirtio || bootReport || qmp != nil || offload != nil) {
            throw CLIError("--disk, --accel, --modern-virtio, --boot-report, --qmp and --offload apply to the kvm target")
        }
        if let offload, case .failure(let e) = NetworkOffloads.parse(offload) { throw CLIError(e.description) }
        if target == .kvm && (impair != nil || store != nil) {
            throw CLIError("--impair and --store apply to the hosted targets")
        }
        if let tcp {
            if target == .unix { throw CLIError("--tcp applies to the tap and kvm targets (Swiftlet's own stack)") }
            if case .failure(let e) = TCPTuning.parse(tcp) { throw CLIError(e.description) }
        }
        if target == .unix && memoryReport {
            throw CLIError("--memory-report applies to the tap and kvm targets (Swiftlet's own stack)")
        }
    }
}

/// What the host has, for planning: read once before (`current`), so the planning itself reads nothing.
struct RunHost: Equatable {
    var isRoot: Bool
    /// The network interfaces that exist (a tap among them is used as it is, not created).
    var interfaces: Set<String> = []
    /// Of the files the options name (`--disk`), those that exist.
    var files: Set<String> = []
    var qemuInstalled = true
    /// What /dev/kvm allows this process (kvm when it opens read-write).
    var accelerator: QEMU.Accelerator = .tcg
    /// The command line, for the line that suggests sudo.
    var invocation: [String] = ["swiftlet", "run"]

    /// This machine, for `request`.
    static func current(for request: RunRequest) -> RunHost {
        let fm = FileManager.default
        return RunHost(
            isRoot: geteuid() == 0,
            interfaces: Set((try? fm.contentsOfDirectory(atPath: "/sys/class/net")) ?? []),
            files: Set([request.disk].compactMap { $0 }.filter { fm.fileExists(atPath: $0) }),
            qemuInstalled: request.target != .kvm || (try? QEMU.find()) != nil,
            accelerator: request.target == .kvm ? QEMU.usableAccelerator() : .tcg,
            invocation: CommandLine.arguments)
    }
}

struct RunPlan: Equatable {
    /// A tap the run creates, with the host's side of it.
    struct Tap: Equatable {
        var name: String
        /// ADDR/PREFIX: .1 of the application's prefix.
        var hostAddress: String
        /// ADDR/PREFIX: ::1 of the application's IPv6 prefix; nil with `--ipv6 off`.
        var hostAddress6: String?
    }

    /// What the run sets up before it starts the application, in order.
    enum Step: Equatable {
        /// Create the tap (`TapSetup.create`, owned by the account the run drops to).
        case createTap(Tap)
        /// Send router advertisements of the host's IPv6 prefix on the tap (Advertiser.swift), so the
        /// application also configures an address in it by SLAAC; skipped when the tap's IPv6 is off.
        case advertise(IPv6Network, on: String)
        /// Listen on 127.0.0.1 and relay to the application (PortForward.swift); ends with the run.
        case forward([PortForward], to: IPv4Address)

        /// What undoes the step once it is done (nil: nothing outlives the run).
        var removal: Removal? {
            switch self {
            case .createTap(let tap): .removeTap(tap.name)
            case .advertise(_, let tap): .stopAdvertising(on: tap)
            case .forward: nil
            }
        }
    }

    /// What the run removes when it ends, however it ends.
    enum Removal: Equatable {
        case removeTap(String)
        case stopAdvertising(on: String)
    }

    /// kvm: how QEMU runs the kernel (QEMU.swift).
    struct Machine: Equatable {
        var accelerator: QEMU.Accelerator
        /// The accelerator was asked for (`--accel`), not chosen.
        var forced: Bool
        var memoryMiB: Int
        var tap: String?
        var disk: String?
        var legacyVirtio: Bool
        var qmp: String? = nil
    }

    let target: Target
    var steps: [Step] = []
    /// The application's network options (`--tap`, `--ipv4`, `--gateway`, `--ipv6`, `--gateway6`, `--impair`).
    var networkArguments: [String] = []
    var store: String? = nil
    /// `--report` values: boot, memory.
    var reports: [String] = []
    /// kvm: `--offload SPEC` for the kernel.
    var offload: String? = nil
    var applicationArguments: [String] = []
    /// As root on tap and kvm, the application or QEMU becomes another user (RunAs.swift) once its devices
    /// are open; the account is chosen after planning, as choosing it may create it.
    var dropsRoot = false
    /// kvm: the machine; nil: the built program runs on the host.
    var machine: Machine? = nil

    /// What is removed at the end if every step was done: the steps' removals, last step first.
    var removals: [Removal] { steps.reversed().compactMap(\.removal) }

    /// The application's (or the kernel's) command line: `--user` is the tap target's (QEMU drops root itself).
    func arguments(runAs: RunAs?) -> [String] {
        var arguments = networkArguments
        if let store { arguments += ["--store", store] }
        if target == .tap, let runAs { arguments += ["--user", runAs.argument] }
        for report in reports { arguments += ["--report", report] }
        if let offload { arguments += ["--offload", offload] }
        if !applicationArguments.isEmpty { arguments += ["--"] + applicationArguments }
        return arguments
    }

    /// What the run starts once its steps are done.
    enum Launch {
        case program(URL, arguments: [String], workingDirectory: URL)
        case qemu(QEMU)
    }

    /// The built program in the application's folder, or QEMU booting the built kernel image.
    func launch(binary: URL, folder: URL, runAs: RunAs?) -> Launch {
        guard let machine else { return .program(binary, arguments: arguments(runAs: runAs), workingDirectory: folder) }
        var qemu = QEMU(image: binary, symbols: binary.deletingPathExtension().appendingPathExtension("elf"), accelerator: machine.accelerator)
        qemu.forced = machine.forced
        qemu.memoryMiB = machine.memoryMiB
        qemu.tap = machine.tap
        qemu.disk = machine.disk
        qemu.legacyVirtio = machine.legacyVirtio
        qemu.qmp = machine.qmp
        qemu.commandLine = arguments(runAs: runAs)
        qemu.runAs = runAs
        return .qemu(qemu)
    }

    /// The plan for `request` (its target options already checked) on `host`, or the one line that
    /// refuses it.
    init(_ request: RunRequest, manifest: Manifest, host: RunHost) throws {
        let target = request.target
        self.target = target
        if request.disk != nil, !manifest.has(.block), !manifest.storeFromDisk {
            throw CLIError("--disk: \(manifest.name) has no block device and its store is embedded only; to serve a tar archive from the disk, write .store(\"\(manifest.storeDirectory)\", disk: true) in Swiftlet.swift")
        }
        if let disk = request.disk, !host.files.contains(disk) {
            throw CLIError("--disk \(disk): no such file (make one: truncate -s 64M \(disk))")
        }
        if target == .kvm {
            guard host.qemuInstalled else { throw QEMU.notInstalled }
            var accelerator = host.accelerator
            if let accel = request.accel {
                guard let a = QEMU.Accelerator(rawValue: accel) else { throw CLIError("--accel '\(accel)': kvm or tcg") }
                accelerator = a
            }
            machine = Machine(accelerator: accelerator, forced: request.accel != nil, memoryMiB: request.memory,
                              disk: request.disk, legacyVirtio: !request.modernVirtio, qmp: request.qmp)
        }
        let forwards = try request.forwards.map { try PortForward(parsing: $0) }
        let needsTap = target == .tap || (target == .kvm && manifest.has(.network))
        // Where the application listens for --port: the host itself (unix) or its address on the tap.
        var guestAddress = IPv4Address(127, 0, 0, 1)
        if needsTap {
            // Root creates and opens the tap (then the application or QEMU drops to another user).
            guard host.isRoot else {
                throw CLIError("the \(target.rawValue) target needs root to create and open a tap (try: sudo \(host.invocation.joined(separator: " ")))")
            }
            var guest = request.ipv4, gateway = request.gateway, guest6 = request.ipv6, gateway6 = request.gateway6
            // On a tap that exists the application asks DHCP (and SLAAC) unless told its addresses.
            if !host.interfaces.contains(request.tap) {
                let network = request.ipv4 ?? "10.0.0.2/24"
                let hostAddress = try TapSetup.hostAddress(for: network)
                // IPv6 as well: the documentation prefix 2001:db8::/64 (RFC 3849) unless --ipv6 says otherwise.
                let network6 = request.ipv6 ?? "2001:db8::2/64"
                let hostAddress6 = network6 == "off" ? nil : try TapSetup.hostAddress6(for: network6)
                steps.append(.createTap(Tap(name: request.tap, hostAddress: hostAddress, hostAddress6: hostAddress6)))
                if let hostAddress6, let prefix = IPv6Network(hostAddress6) { steps.append(.advertise(prefix, on: request.tap)) }
                if guest == nil && !request.dhcp {
                    guest = network
                    gateway = gateway ?? String(hostAddress.split(separator: "/")[0])
                }
                if let hostAddress6, gateway6 == nil {
                    guest6 = network6
                    gateway6 = String(hostAddress6.split(separator: "/")[0])
                }
            }
            if target == .tap { networkArguments += ["--tap", request.tap] }
            if let guest { networkArguments += ["--ipv4", guest] }
            if let gateway { networkArguments += ["--gateway", gateway] }
            if let guest6 { networkArguments += ["--ipv6", guest6] }
            if let gateway6 { networkArguments += ["--gateway6", gateway6] }
            if let impair = request.impair { networkArguments += ["--impair", impair] }
            if let tcp = request.tcp { networkArguments += ["--tcp", tcp] }
            machine?.tap = request.tap
            if !forwards.isEmpty {
                guard let address = guest.flatMap(IPv4Network.init)?.address else {
                    throw CLIError("--port needs the application's address: give --ipv4 (with --dhcp or an existing tap it is not known in advance)")
                }
                guestAddress = address
            }
        } else if request.ipv4 != nil || request.gateway != nil || request.ipv6 != nil || request.gateway6 != nil || request.impair != nil || request.dhcp
                    || request.tcp != nil {
            throw CLIError(target == .kvm
                ? "--ipv4, --gateway, --ipv6, --gateway6, --dhcp and --tcp need the network device in the manifest"
                : "--ipv4, --gateway, --ipv6, --gateway6, --dhcp and --impair apply to the tap target (the unix target uses the host's network)")
        }
        // unix: a forward to the same port would listen where the application does; it is there already.
        let needed = forwards.filter { !(target == .unix && $0.host == $0.guest) }
        if !needed.isEmpty { steps.append(.forward(needed, to: guestAddress)) }
        store = request.store
        if request.bootReport { reports.append("boot") }
        offload = request.offload
        if request.memoryReport { reports.append("memory") }
        applicationArguments = request.applicationArguments
        dropsRoot = host.isRoot && target != .unix
        if target == .kvm && arguments(runAs: nil).contains(where: { $0.contains(" ") }) {
            throw CLIError("the kvm kernel's command line splits at spaces: arguments cannot contain one")
        }
    }
}
