// swiftlet doctor: what this machine has for each target, and the command that fixes what it lacks.
//
// Checks, each one line: the Swift toolchain (and its Embedded concurrency runtime, which kvm kernels
// link), libstdc++.a (one object of it goes into every kernel), QEMU, /dev/kvm and which hypervisor
// is behind it (kvm-pvm, a software hypervisor, or hardware virtualisation; none: TCG), /dev/net/tun,
// iproute2, and root (taps for `tap` and networked kernels). Then a verdict per target. Exit status 0
// when the default target (unix) can build; the others are reported, not required.

import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check this machine for each target and say what is missing.")

    func run() throws {
        let fm = FileManager.default
        var problems: [String: [String]] = ["unix": [], "tap": [], "kvm": []]
        func report(_ ok: Bool, _ what: String, fix: String? = nil, targets: [String] = []) {
            print("\(ok ? "ok  " : "MISSING") \(what)\(ok || fix == nil ? "" : "  (fix: \(fix!))")")
            if !ok { for t in targets { problems[t]!.append(what) } }
        }
        func exists(_ path: String) -> Bool { fm.fileExists(atPath: path) }

        var toolchain: Toolchain? = nil
        do { toolchain = try Toolchain.find() } catch let e as CLIError {
            report(false, "Swift toolchain with Embedded Swift: \(e.description)", fix: "install Swift 6.3 and put its usr/bin on PATH",
                   targets: ["unix", "tap", "kvm"])
        }
        if let t = toolchain {
            report(true, "Swift toolchain at \(t.bin.path) (Embedded concurrency runtime present)")
            for tool in [t.clang, t.lld, t.objcopy, t.ar] {
                report(fm.isExecutableFile(atPath: tool.path), "\(tool.lastPathComponent) in the toolchain", fix: "a complete Swift toolchain has it", targets: ["kvm"])
            }
        }
        let libstdcxx = (try? KernelBuilder.systemLibstdcxx()) != nil
        report(libstdcxx, "libstdc++.a (kernels link its tree.o)", fix: "apt-get install libstdc++-12-dev", targets: ["kvm"])

        let qemu = try? QEMU.find()
        report(qemu != nil, "qemu-system-x86_64" + (qemu.map { " at \($0.path)" } ?? ""), fix: "apt-get install qemu-system-x86", targets: ["kvm"])

        if !exists("/dev/kvm") {
            report(false, "/dev/kvm: absent; kernels run under TCG (about 10x slower to boot, fine for development)")
        } else if QEMU.usableAccelerator() == .kvm {
            let pvm = exists("/sys/module/kvm_pvm")
            let hardware = exists("/sys/module/kvm_intel") || exists("/sys/module/kvm_amd")
            let kind = pvm ? "kvm-pvm (a software hypervisor: ring-0 code is emulated, so Swiftlet runs applications in ring 3)"
                : hardware ? "hardware virtualisation (kvm_intel/kvm_amd)" : "an unknown KVM module"
            report(true, "/dev/kvm usable: \(kind)")
        } else {
            report(false, "/dev/kvm exists but this user cannot open it; kernels run under TCG", fix: "add yourself to group kvm, or run as root")
        }

        report(exists("/dev/net/tun"), "/dev/net/tun", fix: "modprobe tun", targets: ["tap", "kvm"])
        let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].contains { fm.isExecutableFile(atPath: $0) }
        report(ip, "ip (iproute2, to configure taps)", fix: "apt-get install iproute2", targets: ["tap", "kvm"])
        let root = geteuid() == 0
        report(root, root ? "running as root (taps can be created)" : "not root: taps cannot be created",
               fix: "run tap targets and networked kernels with sudo", targets: ["tap"])

        // IPv6 is never required: without it unix sockets take IPv4 only and a tap gets no 2001:db8::1.
        let ipv6Off = (try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/all/disable_ipv6", encoding: .utf8))?.hasPrefix("1") ?? false
        if !exists("/proc/net/if_inet6") {
            print("note IPv6: this host's kernel has none (ipv6.disable=1): unix sockets take IPv4 only; taps get no 2001:db8::1")
        } else if ipv6Off {
            print("note IPv6: turned off here (net.ipv6.conf.all.disable_ipv6=1): taps get no 2001:db8::1; the applications' own IPv6 on tap and kvm still works")
        } else {
            report(true, "IPv6 (unix sockets hear both families; a tap swiftlet run makes gets 2001:db8::1/64, the application 2001:db8::2)")
        }

        print("")
        for target in ["unix", "tap", "kvm"] {
            let missing = problems[target]!
            let note = target == "kvm" && !root ? " (kernels without a network device; networked ones need root for the tap)" : ""
            print(missing.isEmpty ? "\(target): ready\(note)" : "\(target): not ready: \(missing.joined(separator: "; "))")
        }
        if !problems["unix"]!.isEmpty { throw ExitCode(1) }
    }
}
