// SwiftletToolTests: the tool's smaller pure functions: the tap's host addresses and `ip` commands,
// `--port` parsing, the account a root run drops to under sudo, what a signal means, the module list,
// the manifest's derived facts, `describe`'s device graph, the application's sources, small encoders.

import Foundation
import Swiftlet
import SwiftletManifest
import Testing
@testable import swiftlet

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TapSetupTests {
    @Test func hostAddresses() throws {
        #expect(try TapSetup.hostAddress(for: "10.0.0.2/24") == "10.0.0.1/24")
        #expect(try TapSetup.hostAddress(for: "192.168.7.9/16") == "192.168.0.1/16")
        #expect(try TapSetup.hostAddress(for: "172.16.5.130/25") == "172.16.5.129/25")
        #expect(try TapSetup.hostAddress6(for: "2001:db8::2/64") == "2001:db8::1/64")
        #expect(try TapSetup.hostAddress6(for: "fd00:1:2:3::99/48") == "fd00:1:2::1/48")
    }

    @Test func badAddresses() {
        for bad in ["10.0.0.2", "10.0.0.2/31", "10.0.0.2/0", "10.0.0/24", "10.0.0.256/24", "a.b.c.d/24"] {
            #expect(refusal { _ = try TapSetup.hostAddress(for: bad) } == "--ipv4 '\(bad)' is not ADDR/PREFIX with a prefix of 1 to 30 (like 10.0.0.2/24)")
        }
        #expect(refusal { _ = try TapSetup.hostAddress(for: "10.5.0.1/8") } == nil)
        #expect(refusal { _ = try TapSetup.hostAddress(for: "10.0.0.1/24") } == "--ipv4 '10.0.0.1/24' takes .1, which the host side of the tap uses; pick another")
        for bad in ["2001:db8::2", "2001:db8::2/127", "ff02::2/64", "10.0.0.2/24"] {
            #expect(refusal { _ = try TapSetup.hostAddress6(for: bad) } == "--ipv6 '\(bad)' is not ADDR/PREFIX with a prefix of 1 to 126 (like 2001:db8::2/64), or off")
        }
    }

    @Test func ipCommands() {
        let owner = RunAs(uid: 4242, gid: 4343, who: "someone")
        #expect(TapSetup.commands("swl0", hostAddress: "10.0.0.1/24", hostAddress6: "2001:db8::1/64", owner: owner, hostHasIPv6: true) == [
            ["tuntap", "add", "dev", "swl0", "mode", "tap", "user", "4242", "group", "4343"],
            ["addr", "add", "10.0.0.1/24", "dev", "swl0"],
            ["-6", "addr", "add", "2001:db8::1/64", "dev", "swl0", "nodad"],
            ["link", "set", "swl0", "up"],
        ])
        let plain = [["tuntap", "add", "dev", "swl2", "mode", "tap"], ["addr", "add", "10.0.2.1/24", "dev", "swl2"], ["link", "set", "swl2", "up"]]
        #expect(TapSetup.commands("swl2", hostAddress: "10.0.2.1/24", hostAddress6: "2001:db8::1/64", owner: nil, hostHasIPv6: false) == plain)
        #expect(TapSetup.commands("swl2", hostAddress: "10.0.2.1/24", hostAddress6: nil, owner: nil, hostHasIPv6: true) == plain)
    }
}

@Suite struct PortForwardTests {
    @Test func parsing() throws {
        let pair = try PortForward(parsing: "8080:80")
        #expect(pair.host == 8080 && pair.guest == 80)
        let same = try PortForward(parsing: "53")
        #expect(same.host == 53 && same.guest == 53)
        let top = try PortForward(parsing: "65535:1")
        #expect(top.host == 65535 && top.guest == 1)
    }

    @Test func refusals() {
        for bad in ["abc", "0:80", "8080:0", "65536:80", "8080:", ":80", "1:2:3", "", "-1:80", " 80"] {
            #expect(refusal { _ = try PortForward(parsing: bad) } == "--port '\(bad)': HOST:GUEST with two port numbers (1-65535), e.g. --port 8080:80")
        }
    }
}

@Suite struct RunAsTests {
    @Test func theInvokingUserUnderSudo() throws {
        #expect(try RunAs.choose(environment: ["SUDO_UID": "4242", "SUDO_GID": "4343", "SUDO_USER": "someone"])
                == RunAs(uid: 4242, gid: 4343, who: "the invoking user (someone)"))
        let unnamed = try RunAs.choose(environment: ["SUDO_UID": "1000", "SUDO_GID": "1000"])
        #expect(unnamed == RunAs(uid: 1000, gid: 1000, who: "the invoking user (SUDO_UID 1000)"))
        #expect(unnamed.argument == "1000:1000")
    }
}

@Suite struct SignalTests {
    @Test func whatASignalMeans() {
        #expect(ChildProcess.explain(signal: SIGILL) == "SIGILL: a Swift runtime error (a failed precondition, an overflow, an index out of range; its message is above)")
        #expect(ChildProcess.explain(signal: SIGTRAP) == "SIGTRAP: a Swift runtime error (a failed precondition, an overflow, an index out of range; its message is above)")
        #expect(ChildProcess.explain(signal: SIGSEGV) == "SIGSEGV: a memory access fault")
        #expect(ChildProcess.explain(signal: SIGBUS) == "SIGBUS: a memory access fault")
        #expect(ChildProcess.explain(signal: SIGABRT) == "SIGABRT: it aborted")
        #expect(ChildProcess.explain(signal: SIGKILL) == "SIGKILL: the kernel's out-of-memory killer, or kill -9")
        #expect(ChildProcess.explain(signal: SIGHUP) == "SIGHUP from outside swiftlet run")
        #expect(ChildProcess.explain(signal: 40) == "signal 40")
    }
}

@Suite struct ModuleListTests {
    @Test func parsing() throws {
        let list = try ModuleList(parsing: """
            # the modules
            feature experimental Embedded
            feature upcoming ExistentialAny

            core Swiftlet:
            core SwiftletNet: Swiftlet
            kernel SwiftletKVM: Swiftlet SwiftletNet
            """)
        #expect(list.modules.map(\.name) == ["Swiftlet", "SwiftletNet", "SwiftletKVM"])
        #expect(list.modules.map(\.dependencies) == [[], ["Swiftlet"], ["Swiftlet", "SwiftletNet"]])
        #expect(list.modules.map(\.kernelOnly) == [false, false, true])
        #expect(list.featureFlags == ["-enable-experimental-feature", "Embedded", "-enable-upcoming-feature", "ExistentialAny"])
        #expect(list.packageSettings == [".enableExperimentalFeature(\"Embedded\"),", ".enableUpcomingFeature(\"ExistentialAny\"),"])
    }

    @Test func refusals() {
        #expect(refusal { _ = try ModuleList(parsing: "core A: B") } == "line 1: A imports B, which no line above it names")
        #expect(refusal { _ = try ModuleList(parsing: "core A:\ncore A2 A") } == "line 2: not `core|kernel NAME: IMPORTS` or `feature experimental|upcoming NAME`")
        #expect(refusal { _ = try ModuleList(parsing: "feature sideways X") } == "line 1: not `core|kernel NAME: IMPORTS` or `feature experimental|upcoming NAME`")
    }

    @Test func theCheckoutsList() {
        // The tool's own list: the core modules in dependency order, each import named above it.
        let modules = ModuleList.swiftlet.modules
        #expect(modules.first?.name == "Swiftlet")
        for (i, m) in modules.enumerated() {
            for d in m.dependencies { #expect(modules[..<i].contains { $0.name == d }, "\(m.name) imports \(d)") }
        }
    }
}

@Suite struct ManifestFactsTests {
    @Test func storeFacts() {
        let none = manifest(devices: [.console])
        #expect(none.storeDirectory == "data" && !none.storeFromDisk && !none.compilesZones && !none.has(.store))
        let embedded = manifest(devices: [.store("zones", compileZones: true)])
        #expect(embedded.storeDirectory == "zones" && !embedded.storeFromDisk && embedded.compilesZones && embedded.has(.store))
        // Zones are compiled only when embedded: a disk's archive is read as it is.
        let disk = manifest(devices: [.store("site", disk: true, compileZones: true)])
        #expect(disk.storeFromDisk && !disk.compilesZones)
    }

    @Test func argumentDefaultsAreCheckedAsACommandLineWould() {
        #expect(refusal { try manifest(arguments: [.ipv4("peer", default: "10.0.0", help: "x", line: 11)]).checkArguments() }
                == "/app/Swiftlet.swift:11: error: argument 'peer': its default: --peer '10.0.0' is not an IPv4 address (like 10.0.0.1)")
        #expect(refusal { try manifest(arguments: [.ipv4("peer", default: "10.0.0.1", help: "x"), .flag("loud", help: "y"),
                                                   .port("port", default: 80, help: "z")]).checkArguments() } == nil)
        #expect(manifest(arguments: [.int("max-size", help: "x"), .flag("loud", help: "y")]).arguments.map(\.declaredKind) == [.int, .flag])
    }
}

@Suite struct DescribeTests {
    @Test func nodes() throws {
        let site = manifest(devices: [.store("site", disk: true)])
        #expect(try Describe.node(.network, .tap, site).1 == "AsyncStack<ImpairedDevice<TapDevice>>")
        #expect(try Describe.node(.network, .kvm, site).1 == "AsyncStack<VirtioNet>")
        #expect(try Describe.node(.network, .unix, site).1 == "HostNetwork")
        #expect(try Describe.node(.store, .kvm, site).1 == "KernelStore")
        #expect(try Describe.node(.store, .kvm, manifest(devices: [.store("site")])).1 == "EmbeddedStore")
        #expect(try Describe.node(.store, .unix, site).2 == ["the directory site/ (or --store DIR)"])
        #expect(try Describe.node(.timers, .kvm, site).0 == "Timers")
        #expect(refusal { _ = try Describe.node(.block, .tap, site) } == "the block device is only on the kvm target so far (swiftlet run --target kvm --disk FILE)")
    }
}

@Suite struct SourcesAndOptionsTests {
    @Test func applicationSourcesSkipTheManifestAndHiddenFolders() throws {
        let app = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: app) }
        for file in ["Main.swift", "Swiftlet.swift", "sub/B.swift", ".swiftlet/unix/Sources/SwiftletMain.swift", "README.md", "sub/.C.swift"] {
            try write("", to: file, in: app)
        }
        #expect(try Builder(folder: app, target: .unix).swiftSources() == ["Main.swift", "sub/B.swift"])
        #expect(Builder(folder: app, target: .tap).generated.path == app.appendingPathComponent(".swiftlet/tap").path)
    }

    @Test func targetOption() throws {
        let (target, folder) = try TargetOption.parse(["--target", "kvm", "/apps/echo/../hello"]).resolved()
        #expect(target == .kvm && folder.path == "/apps/hello")
        #expect(refusal { _ = try TargetOption.parse(["--target", "xen"]).resolved() } == "unknown target 'xen' (targets: unix, tap, kvm)")
    }

    @Test func smallEncoders() {
        #expect(FNV1a().hex == "cbf29ce484222325")
        var a = FNV1a()
        a.add("a")
        #expect(a.hex == "89bc907b544c769")
        var abc = FNV1a(), abc2 = FNV1a()
        abc.add("ab"); abc.add("c")
        abc2.add("a"); abc2.add("bc")
        #expect(abc.hex == "20ba9b3025a8b421" && abc2.hex == "a0a3542c19b900ab")
        #expect(Cert.date(0) == "1970-01-01 00:00:00 UTC")
        #expect(Cert.date(2_112_037_458) == "2036-12-04 21:04:18 UTC")
        #expect(RouterAdvertiser.mac("02:00:00:00:00:1f") == MACAddress(2, 0, 0, 0, 0, 0x1f))
        #expect(RouterAdvertiser.mac("02:00:00:00:00") == nil)
    }
}
