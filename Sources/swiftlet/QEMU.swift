// swiftlet: runs a kvm kernel image on QEMU's microvm machine (PVH boot, no firmware, in milliseconds).
//
// KVM when /dev/kvm opens read-write, TCG (software emulation) otherwise, and the run says which.
// COM1 is the terminal; networking is a tap (virtio-net over virtio-mmio); `--disk FILE` attaches a
// raw image as virtio-blk. The kernel leaves through isa-debug-exit at port 0xf4: status 2*code+33
// (CSwiftletKVM.h), which `exitCode` maps back to the kernel's code; a panic's `rip` is symbolised
// from the image's symbols.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct QEMU {
    enum Accelerator: String { case kvm, tcg }

    let image: URL
    let symbols: URL
    var accelerator: Accelerator
    /// The accelerator was asked for (--accel), not chosen.
    var forced = false
    var memoryMiB = 256
    var tap: String?
    var disk: String?
    var legacyVirtio = true
    var commandLine: [String] = []
    /// The user QEMU becomes once the machine is built (-runas: /dev/kvm, the tap, the kernel and the
    /// disk are open by then), with no supplementary groups.
    var runAs: RunAs?

    /// KVM when this process can open /dev/kvm read-write.
    static func usableAccelerator() -> Accelerator {
        let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        if fd < 0 { return .tcg }
        close(fd)
        return .kvm
    }

    static func find() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("qemu-system-x86_64")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CLIError("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
    }

    var arguments: [String] {
        var a = ["-M", "microvm,auto-kernel-cmdline=off", "-m", "\(memoryMiB)M",
                 "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none", "-monitor", "none", "-serial", "stdio",
                 "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        switch accelerator {
        case .kvm: a += ["-accel", "kvm", "-cpu", "host,-arch-capabilities"]  // plain `host` fails on MSR 0x10a under kvm-pvm
        case .tcg: a += ["-accel", "tcg", "-cpu", "max"]
        }
        if !legacyVirtio { a += ["-global", "virtio-mmio.force-legacy=false"] }
        if let tap {
            a += ["-netdev", "tap,id=net0,ifname=\(tap),script=no,downscript=no", "-device", "virtio-net-device,netdev=net0"]
        }
        if let disk {
            a += ["-drive", "id=disk0,file=\(disk),format=raw,if=none,cache=writeback", "-device", "virtio-blk-device,drive=disk0"]
        }
        if let runAs { a += ["-runas", runAs.argument] }
        a += ["-kernel", image.path]
        if !commandLine.isEmpty { a += ["-append", commandLine.joined(separator: " ")] }
        return a
    }

    /// The kernel's exit code from QEMU's status, or nil when QEMU itself failed or was stopped.
    static func exitCode(_ status: Int32) -> Int32? {
        status >= 33 && status % 2 == 1 && status < 256 ? (status - 33) / 2 : nil
    }

    /// Boots the kernel; returns the kernel's exit code (QEMU's status when it did not come from the kernel).
    func run() throws -> Int32 {
        let qemu = try QEMU.find()
        if let disk, !FileManager.default.fileExists(atPath: disk) {
            throw CLIError("--disk \(disk): no such file (make one: truncate -s 64M \(disk))")
        }
        let how = accelerator == .kvm ? "KVM" : forced ? "TCG (software emulation, as asked)" : "TCG (software emulation: /dev/kvm is not usable here)"
        let user = runAs.map { " as \($0.who), uid \($0.uid)" } ?? ""
        say("booting \(image.lastPathComponent) on QEMU microvm with \(how)\(user)")
        var panicAddress: String?
        let status = ChildProcess.run(qemu, arguments: arguments) { line in
            if line.hasPrefix("  rip 0x"), let word = line.split(separator: " ").dropFirst().first {
                panicAddress = String(word)
            }
        }
        if let code = QEMU.exitCode(status) {
            if let panicAddress, code == 100 || code == 101, let name = try? symbolize(panicAddress) {
                say("the panic was in \(name)")
            }
            return code
        }
        if forwardedSignal != 0 { return 128 + forwardedSignal }
        if status == 0 {  // with -no-reboot, a triple fault ends QEMU like a shutdown
            say("QEMU stopped without an exit code from the kernel (a triple fault?)")
            return 1
        }
        if status < 128 { say("QEMU failed (status \(status)); its messages are above") }
        return status
    }

    /// The function at `address` in the kernel, demangled (Embedded Swift's `$e` names too).
    func symbolize(_ address: String) throws -> String? {
        let t = try Toolchain.find()
        guard let name = try Self.output(t.symbolizer, ["--obj", symbols.path, "--functions=linkage", "--no-demangle", address])
            .split(separator: "\n").first.map(String.init), name != "??" else { return nil }
        guard name.hasPrefix("$e") || name.hasPrefix("$s") else { return name }
        let demangled = try Self.output(t.bin.appendingPathComponent("swift-demangle"), ["--simplified", "--compact", name])
        return demangled.split(separator: "\n").first.map(String.init) ?? name
    }

    static func output(_ tool: URL, _ arguments: [String]) throws -> String {
        let pipe = Pipe()
        let p = Process()
        p.executableURL = tool
        p.arguments = arguments
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
