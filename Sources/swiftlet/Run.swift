// swiftlet run: builds the application, then carries out its plan (RunPlan.swift): creates the tap and
// what goes with it, starts the application or QEMU, and removes what it created on every way out (the
// application's end, a thrown error, SIGINT or SIGTERM at any moment of the run).

import ArgumentParser
import Foundation
import Swiftlet

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
    @Option(help: "tap, kvm: Swiftlet's TCP settings, e.g. cc=bbr,buffer=1M,holes=128,pacing=off (cc: cubic, bbr, newreno).") var tcp: String?
    @Option(help: "The directory behind the key-value store.") var store: String?
    @Option(help: "kvm: a raw disk image for the block device (virtio-blk).") var disk: String?
    @Option(help: "kvm: kvm or tcg (default: kvm when /dev/kvm is usable).") var accel: String?
    @Option(help: "kvm: the machine's memory in MiB.") var memory: Int = 256
    @Flag(help: "kvm: offer virtio 1.x (modern) devices instead of legacy ones.") var modernVirtio = false
    @Flag(help: "kvm: print boot timing and heap use when the kernel exits.") var bootReport = false
    @Option(help: "kvm: the virtio-net offloads the kernel may use: all (default), none, or names from rx-csum, rx-tso, tx-tso.") var offload: String?
    @Option(help: "kvm: also serve QMP on this Unix socket, for monitoring (query-stats: the VM's exits by kind).") var qmp: String?
    @Flag(help: "tap, kvm: print heap, TCP memory and connection count each second they change.") var memoryReport = false
    @Option(name: .customLong("port"), help: "Forward 127.0.0.1:HOST to the application's TCP port GUEST (HOST:GUEST, e.g. 8080:80; repeatable).")
    var forwards: [String] = []
    @Argument(parsing: .postTerminator, help: "Arguments for the application (after --).") var applicationArguments: [String] = []

    /// The options as values, for the planning.
    func runRequest(_ target: Target) -> RunRequest {
        RunRequest(target: target, ipv4: ipv4, gateway: gateway, ipv6: ipv6, gateway6: gateway6, dhcp: dhcp, tap: tap, impair: impair,
                   tcp: tcp, store: store, disk: disk, accel: accel, memory: memory, modernVirtio: modernVirtio, bootReport: bootReport, qmp: qmp, offload: offload,
                   memoryReport: memoryReport, forwards: forwards, applicationArguments: applicationArguments)
    }

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            let request = runRequest(target)
            // Everything that can be refused is refused before the build and before the tap, so a refused
            // run (a bad --port, a missing --disk) leaves nothing behind.
            try request.checkTargetOptions()
            let manifest = try Manifest.load(from: folder)
            let plan = try RunPlan(request, manifest: manifest, host: .current(for: request))
            // As root, the application (tap) and QEMU (kvm) do not stay root: they become this user once
            // the tap (and /dev/kvm, the kernel, the disk) are open (RunAs.swift). Not root: as before.
            let runAs = plan.dropsRoot ? try RunAs.choose() : nil
            let binary = try Builder(folder: folder, target: target).build()
            throw ExitCode(try RunRunner(plan: plan, runAs: runAs).run(binary: binary, folder: folder))
        }
    }
}

/// Carries out a plan: its steps in order, then the application or QEMU; returns the run's status.
struct RunRunner {
    let plan: RunPlan
    let runAs: RunAs?

    func run(binary: URL, folder: URL) throws -> Int32 {
        // SIGINT and SIGTERM are caught for the whole run (not only while a child runs), so what a step
        // created is removed on every way out, thrown errors included: the removals of the steps done,
        // last first.
        try ChildProcess.forwardingSignals { () throws -> Int32 in
            var done: [RunPlan.Removal] = []
            var advertisers: [String: RouterAdvertiser] = [:]
            defer {
                for removal in done.reversed() {
                    switch removal {
                    case .removeTap(let name): TapSetup.remove(name)
                    case .stopAdvertising(let name): advertisers[name]?.stop()
                    }
                }
            }
            for step in plan.steps {
                switch step {
                case .createTap(let t):
                    try TapSetup.create(t.name, hostAddress: t.hostAddress, hostAddress6: t.hostAddress6, owner: runAs)
                    say("created tap \(t.name) with host address \(t.hostAddress)" + (t.hostAddress6.map { " and \($0)" } ?? ""))
                case .advertise(let network, let tap):
                    guard TapSetup.hasIPv6(on: tap) else { continue }
                    let advertiser = RouterAdvertiser(tap: tap, prefix: network)
                    advertiser.start()
                    advertisers[tap] = advertiser
                    say("advertising \(IPv6Network(address: network.prefix, prefixLength: network.prefixLength)!) on \(tap) (router advertisements, SLAAC)")
                case .forward(let forwards, let guest):
                    try PortForward.start(forwards, to: guest)
                }
                if let removal = step.removal { done.append(removal) }
            }
            if forwardedSignal != 0 { return 128 + forwardedSignal }  // stopped before the application started
            switch plan.launch(binary: binary, folder: folder, runAs: runAs) {
            case .qemu(let qemu):
                return try qemu.run()
            case .program(let program, let arguments, let directory):
                if let runAs { say("running \(program.lastPathComponent) as \(runAs.who), uid \(runAs.uid) gid \(runAs.gid), once its tap is open") }
                let status = ChildProcess.run(program, arguments: arguments, workingDirectory: directory)
                if status > 128, status - 128 != forwardedSignal, let why = ChildProcess.explain(signal: status - 128) {
                    say("\(program.lastPathComponent) was ended by \(why); the run ends with status \(status) (128 + the signal)")
                }
                return status
            }
        }
    }
}
