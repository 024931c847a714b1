// SwiftletToolTests: the plan of `swiftlet run` (RunPlan.swift) for the unix, tap and kvm targets: what it
// creates (tap, addresses, router advertisements, port forwards), the exact arguments of what it starts,
// what it removes afterwards, and the one line that refuses a run before anything exists.

import Foundation
import Swiftlet
import SwiftletManifest
import Testing
@testable import swiftlet

private let echo = manifest("echo", entry: "Echo", devices: [.console, .network, .timers])
private let hello = manifest("hello", entry: "Hello", devices: [.console, .timers])
private let disky = manifest("disk", entry: "Disk", devices: [.console, .block])
private let website = manifest("website", entry: "Website", devices: [.console, .network, .store("site", disk: true)])
/// Root on a host whose only interfaces are lo and eth0: a tap is created.
private let root = RunHost(isRoot: true, interfaces: ["lo", "eth0"])
private let user = RunAs(uid: 1000, gid: 1001, who: "the invoking user (someone)")
private let defaultTap = RunPlan.Tap(name: "swl0", hostAddress: "10.0.0.1/24", hostAddress6: "2001:db8::1/64")
private let defaultPrefix = IPv6Network("2001:db8::1/64")!

private func plan(_ request: RunRequest, _ manifest: Manifest = echo, host: RunHost = root) throws -> RunPlan {
    try RunPlan(request, manifest: manifest, host: host)
}

private func forward(_ text: String) -> PortForward { try! PortForward(parsing: text) }

@Suite struct UnixRunPlanTests {
    @Test func defaultsCreateNothingAndPassNothing() throws {
        let p = try plan(RunRequest(target: .unix), host: RunHost(isRoot: false))
        #expect(p.steps == [])
        #expect(p.removals == [])
        #expect(p.arguments(runAs: nil) == [])
        #expect(p.machine == nil)
        #expect(p.dropsRoot == false)
        guard case .program(let program, let arguments, let directory) = p.launch(binary: URL(fileURLWithPath: "/app/.swiftlet/unix/.build/release/echo"),
                                                                              folder: URL(fileURLWithPath: "/app"), runAs: nil) else {
            Issue.record("unix launches QEMU")
            return
        }
        #expect(program.path == "/app/.swiftlet/unix/.build/release/echo")
        #expect(arguments == [])
        #expect(directory.path == "/app")
    }

    @Test func storeAndApplicationArguments() throws {
        let p = try plan(RunRequest(target: .unix, store: "/srv/site", applicationArguments: ["--port", "8088"]))
        #expect(p.arguments(runAs: nil) == ["--store", "/srv/site", "--", "--port", "8088"])
        // Root or not, the unix target's program runs as the user who ran swiftlet: no --user.
        #expect(p.dropsRoot == false)
        #expect(p.arguments(runAs: user) == ["--store", "/srv/site", "--", "--port", "8088"])
    }

    @Test func forwardsToLoopbackLeavingOutTheSamePort() throws {
        let p = try plan(RunRequest(target: .unix, forwards: ["8095:8096", "7007", "9000:9000"]))
        #expect(p.steps == [.forward([forward("8095:8096")], to: IPv4Address(127, 0, 0, 1))])
        #expect(p.removals == [])
    }

    @Test func refusesNetworkOptions() {
        let line = "--ipv4, --gateway, --ipv6, --gateway6, --dhcp and --impair apply to the tap target (the unix target uses the host's network)"
        #expect(refusal { _ = try plan(RunRequest(target: .unix, ipv4: "10.0.0.2/24")) } == line)
        #expect(refusal { _ = try plan(RunRequest(target: .unix, dhcp: true)) } == line)
        #expect(refusal { _ = try plan(RunRequest(target: .unix, gateway6: "fe80::1")) } == line)
    }

    @Test func targetOptions() {
        #expect(refusal { try RunRequest(target: .unix, memoryReport: true).checkTargetOptions() }
                == "--memory-report applies to the tap and kvm targets (Swiftlet's own stack)")
        #expect(refusal { try RunRequest(target: .tap, disk: "d.img").checkTargetOptions() }
                == "--disk, --accel, --modern-virtio, --boot-report, --qmp and --offload apply to the kvm target")
        #expect(refusal { try RunRequest(target: .unix, bootReport: true).checkTargetOptions() }
                == "--disk, --accel, --modern-virtio, --boot-report, --qmp and --offload apply to the kvm target")
        #expect(refusal { try RunRequest(target: .tap, qmp: "/tmp/q.sock").checkTargetOptions() }
                == "--disk, --accel, --modern-virtio, --boot-report, --qmp and --offload apply to the kvm target")
        #expect(refusal { try RunRequest(target: .unix, offload: "none").checkTargetOptions() }
                == "--disk, --accel, --modern-virtio, --boot-report, --qmp and --offload apply to the kvm target")
        #expect(refusal { try RunRequest(target: .kvm, offload: "rx-tso").checkTargetOptions() }
                == "--offload 'rx-tso': rx-tso needs rx-csum (virtio-net's GUEST_TSO requires GUEST_CSUM)")
        #expect(refusal { try RunRequest(target: .kvm, offload: "rx-csum,tx").checkTargetOptions() }
                == "--offload 'rx-csum,tx': all, none, or names from rx-csum, rx-tso, tx-tso separated by commas")
        #expect(refusal { try RunRequest(target: .kvm, store: "site").checkTargetOptions() } == "--impair and --store apply to the hosted targets")
        #expect(refusal { try RunRequest(target: .kvm, impair: "loss=1%").checkTargetOptions() } == "--impair and --store apply to the hosted targets")
        #expect(refusal { try RunRequest(target: .tap, memoryReport: true).checkTargetOptions() } == nil)
        #expect(refusal { try RunRequest(target: .unix, tcp: "cc=bbr").checkTargetOptions() }
                == "--tcp applies to the tap and kvm targets (Swiftlet's own stack)")
        #expect(refusal { try RunRequest(target: .kvm, tcp: "cc=fast").checkTargetOptions() } == "--tcp cc='fast': cubic, bbr or newreno")
        #expect(refusal { try RunRequest(target: .kvm, tcp: "cc=bbr,buffer=1M").checkTargetOptions() } == nil)
        #expect(refusal { try RunRequest(target: .kvm, accel: "tcg", modernVirtio: true, bootReport: true, memoryReport: true).checkTargetOptions() } == nil)
    }

    @Test func commandLineBecomesTheRequest() throws {
        let command = try Run.parse(["--target", "tap", "--ipv4", "10.0.0.5/24", "--port", "8080:80", "--port", "9", "--memory-report",
                                     "--tap", "swl4", "Examples/echo", "--", "--idle", "20"])
        #expect(command.options.target == "tap")
        #expect(command.options.path == "Examples/echo")
        #expect(command.runRequest(.tap) == RunRequest(target: .tap, ipv4: "10.0.0.5/24", tap: "swl4", memoryReport: true,
                                                      forwards: ["8080:80", "9"], applicationArguments: ["--idle", "20"]))
    }
}

@Suite struct TapRunPlanTests {
    @Test func createdTapWithDefaults() throws {
        let p = try plan(RunRequest(target: .tap))
        #expect(p.steps == [.createTap(defaultTap), .advertise(defaultPrefix, on: "swl0")])
        #expect(p.arguments(runAs: nil) == ["--tap", "swl0", "--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.1",
                                            "--ipv6", "2001:db8::2/64", "--gateway6", "2001:db8::1"])
        // Removed last step first: the advertisements stop before the tap goes.
        #expect(p.removals == [.stopAdvertising(on: "swl0"), .removeTap("swl0")])
        #expect(p.dropsRoot)
        #expect(p.machine == nil)
    }

    @Test func userStoreReportsAndApplicationArgumentsInOrder() throws {
        let p = try plan(RunRequest(target: .tap, impair: "loss=5%", store: "/srv", memoryReport: true, applicationArguments: ["--idle", "20"]))
        #expect(p.arguments(runAs: user) == ["--tap", "swl0", "--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.1", "--ipv6", "2001:db8::2/64",
                                             "--gateway6", "2001:db8::1", "--impair", "loss=5%", "--store", "/srv", "--user", "1000:1001",
                                             "--report", "memory", "--", "--idle", "20"])
        guard case .program(_, let arguments, _) = p.launch(binary: URL(fileURLWithPath: "/b/echo"), folder: URL(fileURLWithPath: "/app"), runAs: user) else {
            Issue.record("tap launches QEMU")
            return
        }
        #expect(arguments == p.arguments(runAs: user))
    }

    /// `--tcp` goes to the program as given (checked before: `targetOptions`).
    @Test func tcpSettingsGoToTheProgram() throws {
        let p = try plan(RunRequest(target: .tap, tcp: "cc=bbr,buffer=1M"))
        #expect(p.arguments(runAs: nil).suffix(2) == ["--tcp", "cc=bbr,buffer=1M"])
    }

    @Test func existingTapMeansDHCPAndNothingCreated() throws {
        let host = RunHost(isRoot: true, interfaces: ["lo", "swl1"])
        let p = try plan(RunRequest(target: .tap, tap: "swl1"), host: host)
        #expect(p.steps == [])
        #expect(p.removals == [])
        #expect(p.arguments(runAs: nil) == ["--tap", "swl1"])
        let given = try plan(RunRequest(target: .tap, ipv4: "10.0.1.7/24", gateway: "10.0.1.1", tap: "swl1"), host: host)
        #expect(given.steps == [])
        #expect(given.arguments(runAs: nil) == ["--tap", "swl1", "--ipv4", "10.0.1.7/24", "--gateway", "10.0.1.1"])
    }

    @Test func dhcpOnACreatedTapKeepsIPv6() throws {
        let p = try plan(RunRequest(target: .tap, dhcp: true))
        #expect(p.steps == [.createTap(defaultTap), .advertise(defaultPrefix, on: "swl0")])
        #expect(p.arguments(runAs: nil) == ["--tap", "swl0", "--ipv6", "2001:db8::2/64", "--gateway6", "2001:db8::1"])
    }

    @Test func givenIPv4WithIPv6Off() throws {
        let p = try plan(RunRequest(target: .tap, ipv4: "192.168.7.9/16", ipv6: "off", tap: "swl3"))
        #expect(p.steps == [.createTap(RunPlan.Tap(name: "swl3", hostAddress: "192.168.0.1/16", hostAddress6: nil))])
        #expect(p.removals == [.removeTap("swl3")])
        // A given --ipv4 comes without a gateway unless --gateway names one; --ipv6 off is passed on.
        #expect(p.arguments(runAs: nil) == ["--tap", "swl3", "--ipv4", "192.168.7.9/16", "--ipv6", "off"])
    }

    @Test func givenIPv6AndRouters() throws {
        let p = try plan(RunRequest(target: .tap, gateway: "10.0.0.254", ipv6: "fd00:1::5/64", gateway6: "fd00:1::9"))
        #expect(p.steps == [.createTap(RunPlan.Tap(name: "swl0", hostAddress: "10.0.0.1/24", hostAddress6: "fd00:1::1/64")),
                            .advertise(IPv6Network("fd00:1::1/64")!, on: "swl0")])
        #expect(p.arguments(runAs: nil) == ["--tap", "swl0", "--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.254",
                                            "--ipv6", "fd00:1::5/64", "--gateway6", "fd00:1::9"])
    }

    @Test func forwardsToTheApplicationsAddress() throws {
        let p = try plan(RunRequest(target: .tap, forwards: ["8080:80", "443"]))
        #expect(p.steps == [.createTap(defaultTap), .advertise(defaultPrefix, on: "swl0"),
                            .forward([forward("8080:80"), forward("443")], to: IPv4Address(10, 0, 0, 2))])
        #expect(p.removals == [.stopAdvertising(on: "swl0"), .removeTap("swl0")])
        let given = try plan(RunRequest(target: .tap, ipv4: "10.0.5.9/24", forwards: ["8080:80"]))
        #expect(given.steps.last == .forward([forward("8080:80")], to: IPv4Address(10, 0, 5, 9)))
    }

    @Test func forwardsNeedAKnownAddress() {
        let line = "--port needs the application's address: give --ipv4 (with --dhcp or an existing tap it is not known in advance)"
        #expect(refusal { _ = try plan(RunRequest(target: .tap, dhcp: true, forwards: ["8080:80"])) } == line)
        #expect(refusal { _ = try plan(RunRequest(target: .tap, forwards: ["8080:80"]), host: RunHost(isRoot: true, interfaces: ["swl0"])) } == line)
    }

    @Test func refusals() {
        #expect(refusal { _ = try plan(RunRequest(target: .tap), host: RunHost(isRoot: false, invocation: ["swiftlet", "run", "--target", "tap", "Examples/echo"])) }
                == "the tap target needs root to create and open a tap (try: sudo swiftlet run --target tap Examples/echo)")
        #expect(refusal { _ = try plan(RunRequest(target: .tap, ipv4: "10.0.0.300/24")) }
                == "--ipv4 '10.0.0.300/24' is not ADDR/PREFIX with a prefix of 1 to 30 (like 10.0.0.2/24)")
        #expect(refusal { _ = try plan(RunRequest(target: .tap, ipv4: "10.0.0.1/24")) }
                == "--ipv4 '10.0.0.1/24' takes .1, which the host side of the tap uses; pick another")
        #expect(refusal { _ = try plan(RunRequest(target: .tap, ipv6: "2001:db8::1/64")) }
                == "--ipv6 '2001:db8::1/64' takes ::1, which the host side of the tap uses; pick another")
        #expect(refusal { _ = try plan(RunRequest(target: .tap, forwards: ["abc"])) }
                == "--port 'abc': HOST:GUEST with two port numbers (1-65535), e.g. --port 8080:80")
        // A bad --port is refused before the question of root: the order the lines come in.
        #expect(refusal { _ = try plan(RunRequest(target: .tap, forwards: ["abc"]), host: RunHost(isRoot: false)) }
                == "--port 'abc': HOST:GUEST with two port numbers (1-65535), e.g. --port 8080:80")
    }
}

@Suite struct KVMRunPlanTests {
    private let kernel = URL(fileURLWithPath: "/app/.swiftlet/kvm/echo.kernel")
    private let folder = URL(fileURLWithPath: "/app")
    private let machineArguments = ["-M", "microvm,auto-kernel-cmdline=off", "-m", "256M", "-nodefaults", "-no-user-config", "-no-reboot",
                                    "-display", "none", "-monitor", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]

    private func qemu(_ p: RunPlan, runAs: RunAs? = nil) -> QEMU? {
        guard case .qemu(let q) = p.launch(binary: kernel, folder: folder, runAs: runAs) else { return nil }
        return q
    }

    @Test func networkedKernelOnACreatedTap() throws {
        var host = root
        host.accelerator = .kvm
        let p = try plan(RunRequest(target: .kvm), host: host)
        #expect(p.steps == [.createTap(defaultTap), .advertise(defaultPrefix, on: "swl0")])
        #expect(p.removals == [.stopAdvertising(on: "swl0"), .removeTap("swl0")])
        #expect(p.machine == RunPlan.Machine(accelerator: .kvm, forced: false, memoryMiB: 256, tap: "swl0", disk: nil, legacyVirtio: true))
        #expect(p.dropsRoot)
        // No --tap (QEMU has the tap) and no --user (QEMU drops root with -runas).
        #expect(p.arguments(runAs: user) == ["--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.1", "--ipv6", "2001:db8::2/64", "--gateway6", "2001:db8::1"])
        let q = try #require(qemu(p, runAs: user))
        #expect(q.image.path == "/app/.swiftlet/kvm/echo.kernel")
        #expect(q.symbols.path == "/app/.swiftlet/kvm/echo.elf")
        #expect(q.arguments == machineArguments + ["-accel", "kvm", "-cpu", "host,-arch-capabilities",
                                                   "-netdev", "tap,id=net0,ifname=swl0,script=no,downscript=no", "-device", "virtio-net-device,netdev=net0",
                                                   "-runas", "1000:1001", "-kernel", "/app/.swiftlet/kvm/echo.kernel",
                                                   "-append", "--ipv4 10.0.0.2/24 --gateway 10.0.0.1 --ipv6 2001:db8::2/64 --gateway6 2001:db8::1"])
    }

    @Test func kernelWithoutNetworkAsAUser() throws {
        var host = RunHost(isRoot: false)
        host.accelerator = .kvm
        let p = try plan(RunRequest(target: .kvm, accel: "tcg", memory: 64, modernVirtio: true, bootReport: true, qmp: "/tmp/q.sock", offload: "rx-csum",
                                    applicationArguments: ["--greeting", "hi"]), hello, host: host)
        #expect(p.steps == [])
        #expect(p.dropsRoot == false)
        #expect(p.machine == RunPlan.Machine(accelerator: .tcg, forced: true, memoryMiB: 64, tap: nil, disk: nil, legacyVirtio: false, qmp: "/tmp/q.sock"))
        let q = try #require(qemu(p))
        #expect(q.arguments == ["-M", "microvm,auto-kernel-cmdline=off", "-m", "64M", "-nodefaults", "-no-user-config", "-no-reboot",
                                "-display", "none", "-monitor", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                "-accel", "tcg", "-cpu", "max", "-global", "virtio-mmio.force-legacy=false", "-qmp", "unix:/tmp/q.sock,server=on,wait=off",
                                "-kernel", "/app/.swiftlet/kvm/echo.kernel", "-append", "--report boot --offload rx-csum -- --greeting hi"])
    }

    @Test func diskOnTheBlockDevice() throws {
        let host = RunHost(isRoot: false, files: ["/tmp/d.img"])
        let p = try plan(RunRequest(target: .kvm, disk: "/tmp/d.img"), disky, host: host)
        #expect(p.machine?.disk == "/tmp/d.img")
        let q = try #require(qemu(p))
        #expect(q.arguments == machineArguments + ["-accel", "tcg", "-cpu", "max",
                                                   "-drive", "id=disk0,file=/tmp/d.img,format=raw,if=none,cache=writeback", "-device", "virtio-blk-device,drive=disk0",
                                                   "-kernel", "/app/.swiftlet/kvm/echo.kernel"])
        // A store that reads a disk's tar archive takes one too.
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, disk: "/tmp/d.img"), website, host: RunHost(isRoot: true, files: ["/tmp/d.img"])) } == nil)
    }

    @Test func diskRefusals() {
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, disk: "/tmp/d.img"), disky, host: RunHost(isRoot: false)) }
                == "--disk /tmp/d.img: no such file (make one: truncate -s 64M /tmp/d.img)")
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, disk: "/tmp/d.img"), hello, host: RunHost(isRoot: false, files: ["/tmp/d.img"])) }
                == "--disk: hello has no block device and its store is embedded only; to serve a tar archive from the disk, write .store(\"data\", disk: true) in Swiftlet.swift")
        let embedded = manifest("dns", entry: "DNS", devices: [.console, .store("zones")])
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, disk: "x"), embedded, host: RunHost(isRoot: false, files: ["x"])) }
                == "--disk: dns has no block device and its store is embedded only; to serve a tar archive from the disk, write .store(\"zones\", disk: true) in Swiftlet.swift")
    }

    @Test func refusals() {
        #expect(refusal { _ = try plan(RunRequest(target: .kvm), hello, host: RunHost(isRoot: false, qemuInstalled: false)) }
                == "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, accel: "xen"), hello) } == "--accel 'xen': kvm or tcg")
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, applicationArguments: ["--greeting", "hello world"]), hello) }
                == "the kvm kernel's command line splits at spaces: arguments cannot contain one")
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, ipv4: "10.0.0.2/24"), hello) }
                == "--ipv4, --gateway, --ipv6, --gateway6, --dhcp and --tcp need the network device in the manifest")
        #expect(refusal { _ = try plan(RunRequest(target: .kvm, tcp: "cc=bbr"), hello) }
                == "--ipv4, --gateway, --ipv6, --gateway6, --dhcp and --tcp need the network device in the manifest")
        #expect(refusal { _ = try plan(RunRequest(target: .kvm), echo, host: RunHost(isRoot: false, invocation: ["swiftlet", "run", "--target", "kvm", "x"])) }
                == "the kvm target needs root to create and open a tap (try: sudo swiftlet run --target kvm x)")
    }

    @Test func forwardsToTheKernel() throws {
        let p = try plan(RunRequest(target: .kvm, ipv4: "10.0.3.2/24", forwards: ["8080:80"]))
        #expect(p.steps == [.createTap(RunPlan.Tap(name: "swl0", hostAddress: "10.0.3.1/24", hostAddress6: "2001:db8::1/64")),
                            .advertise(defaultPrefix, on: "swl0"), .forward([forward("8080:80")], to: IPv4Address(10, 0, 3, 2))])
    }
}

@Suite struct RunHostTests {
    @Test func filesAreThoseThatExist() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = folder.appendingPathComponent("d.img")
        try Data([0]).write(to: image)
        #expect(RunHost.current(for: RunRequest(target: .kvm, disk: image.path)).files == [image.path])
        #expect(RunHost.current(for: RunRequest(target: .kvm, disk: folder.appendingPathComponent("none.img").path)).files == [])
        // QEMU is looked for only for kvm, and the accelerator is TCG for the others.
        let unix = RunHost.current(for: RunRequest(target: .unix))
        #expect(unix.qemuInstalled && unix.accelerator == .tcg)
        #expect(unix.interfaces.contains("lo"))
    }
}
