// swiftlet: runs a kvm kernel image on QEMU's microvm machine (PVH boot, no firmware, in milliseconds).
//
// KVM when /dev/kvm opens read-write, TCG (software emulation) otherwise, and the run says which.
// COM1 is the terminal; networking is a tap (virtio-net over virtio-mmio); `--disk FILE` attaches a
// raw image as virtio-blk. The kernel leaves through isa-debug-exit at port 0xf4: status 2*code+33
// (CSwiftletKVM.h), which `exitCode` maps back to the kernel's code; a panic's `rip` is symbolised
// from the image's symbols.
//
// A run always ends: a `--memory` too small for the image is refused before boot (`minimumMemoryMiB`),
// and a machine QEMU stops on its own (KVM internal error, emulation failure) is ended through QMP
// (QMP.swift) with status 104 rather than left paused.

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
    /// `--qmp PATH`: one more QMP server socket, for tools (the run's watcher has its own).
    var qmp: String?
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
        guard let qemu = executableOnPath("qemu-system-x86_64") else { throw notInstalled }
        return qemu
    }

    static let notInstalled = CLIError("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")

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
        if let qmp { a += ["-qmp", "unix:\(qmp),server=on,wait=off"] }
        if let runAs { a += ["-runas", runAs.argument] }
        a += ["-kernel", image.path]
        if !commandLine.isEmpty { a += ["-append", commandLine.joined(separator: " ")] }
        return a
    }

    /// The kernel's exit code from QEMU's status, or nil when QEMU itself failed or was stopped.
    static func exitCode(_ status: Int32) -> Int32? {
        status >= 33 && status % 2 == 1 && status < 256 ? (status - 33) / 2 : nil
    }

    /// The status of a run QEMU stopped on its own (its reason printed), after the kernel's 100-103.
    static let stoppedStatus: Int32 = 104

    /// The heap the kernel insists on at boot (platform.c, `heap_from_memory_map`).
    static let minimumHeap = 1 << 20

    /// The least `--memory` (MiB) an image ending at `imageEnd` boots in: its end rounded up to a page,
    /// plus the minimum heap. Below it the kernel cannot load or finds no heap.
    static func minimumMemoryMiB(imageEnd: UInt64) -> Int {
        let needed = (imageEnd + 4095) & ~4095 + UInt64(minimumHeap)
        return Int((needed + (1 << 20) - 1) >> 20)
    }

    /// The end of the image's highest loaded segment (code, data, bss and embedded files), from its ELF
    /// program headers, where the PVH loader places them.
    static func imageEnd(_ image: URL) throws -> UInt64 {
        let data = try Data(contentsOf: image)
        let bytes = [UInt8](data)
        func u(_ offset: Int, _ size: Int) -> UInt64? {
            guard offset >= 0, offset + size <= bytes.count else { return nil }
            var v: UInt64 = 0
            for i in (0..<size).reversed() { v = v << 8 | UInt64(bytes[offset + i]) }
            return v
        }
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46, bytes[4] == 2,
              let phoff = u(0x20, 8), let entrySize = u(0x36, 2), let count = u(0x38, 2), entrySize >= 0x30 else {
            throw CLIError("\(image.path) is not a 64-bit ELF kernel image; build it again (swiftlet build --target kvm)")
        }
        var end: UInt64 = 0
        for i in 0..<Int(count) {
            let header = Int(phoff) + i * Int(entrySize)
            guard let type = u(header, 4), let address = u(header + 0x18, 8), let size = u(header + 0x28, 8) else {
                throw CLIError("\(image.path): its program headers run past its end")
            }
            if type == 1 { end = Swift.max(end, address &+ size) }  // PT_LOAD
        }
        return end
    }

    /// Boots the kernel; returns the kernel's exit code (QEMU's status when it did not come from the kernel).
    func run() throws -> Int32 {
        let qemu = try QEMU.find()
        if let disk, !FileManager.default.fileExists(atPath: disk) {
            throw CLIError("--disk \(disk): no such file (make one: truncate -s 64M \(disk))")
        }
        let end = try QEMU.imageEnd(image)
        let minimum = QEMU.minimumMemoryMiB(imageEnd: end)
        // SWIFTLET_MEMORY_CHECK=off lets a test show what QEMU itself does with too little memory.
        if memoryMiB < minimum, ProcessInfo.processInfo.environment["SWIFTLET_MEMORY_CHECK"] != "off" {
            throw CLIError("--memory \(memoryMiB) is too small: \(image.lastPathComponent) needs at least --memory \(minimum) "
                           + "(it is loaded up to \(end / 1024) KiB and the kernel wants 1 MiB of heap above it)")
        }
        let how = accelerator == .kvm ? "KVM" : forced ? "TCG (software emulation, as asked)" : "TCG (software emulation: /dev/kvm is not usable here)"
        let user = runAs.map { " as \($0.who), uid \($0.uid)" } ?? ""
        say("booting \(image.lastPathComponent) on QEMU microvm with \(how)\(user)")
        var panicAddress: String?
        let watcher = QMPWatcher(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftlet-qmp-\(getpid()).sock").path)
        unlink(watcher.path)
        watcher.start()
        let status = ChildProcess.run(qemu, arguments: arguments + watcher.argument) { line in
            if line.hasPrefix("  rip 0x"), let word = line.split(separator: " ").dropFirst().first {
                panicAddress = String(word)
            }
        }
        watcher.finish()
        watcher.closeControl()
        if let reason = watcher.reason {
            say("QEMU stopped the machine (run state \(reason)\(QEMU.explain(reason))); the run is ended with status \(QEMU.stoppedStatus)")
            return QEMU.stoppedStatus
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

    /// What a QMP run state means to the user.
    static func explain(_ state: String) -> String {
        switch state {
        case "internal-error": ": a KVM internal error or emulation failure, its register dump is above; the kernel ran "
            + "code or touched memory KVM could not emulate, often memory the machine does not have"
        case "guest-panicked": ": the guest reported a panic"
        case "io-error": ": a disk I/O error"
        case "shutdown": ": the guest shut down"
        default: ""
        }
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
