// swiftlet package --docker: what goes into the image besides the kernel and the entry point: QEMU, the
// shared libraries its `ldd` names (at the same paths, so its loader finds them), and the firmware
// files a microvm machine loads. Exactly these, not a distribution: the image holds nothing else.

import Foundation

enum ImageFiles {
    /// The firmware QEMU's microvm machine reads from its data folder even with `-kernel`: qboot and the
    /// PVH option ROM (seen with strace: QEMU 7.2 opens both, `/usr/bin/../share/qemu/NAME`).
    static let qemuData = ["bios-microvm.bin", "pvh.bin"]
    static let qemuDataFolder = "/usr/share/qemu"
    /// The full build's loadable modules it needs: Debian builds TCG as one ("could not load module for
    /// type 'tcg-accel-ops'" without it). The microvm build has everything built in.
    static let fullBuildModules = ["/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so"]

    /// The files `ldd` lists for a program: each `name => /path (address)` and the loader's own
    /// `/path (address)`; the vDSO (no file) is left out.
    static func sharedLibraries(fromLDD output: String) -> [String] {
        var files: [String] = []
        for line in output.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") {
                files.append(String(words[arrow + 1]))
            } else if let first = words.first, first.hasPrefix("/") {
                files.append(String(first))
            }
        }
        return files
    }

    /// `ldd PROGRAM`'s libraries.
    static func sharedLibraries(of program: URL) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ldd", program.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CLIError("ldd \(program.path) failed (status \(p.terminationStatus))") }
        let output = String(decoding: data, as: UTF8.self)
        // A library ldd cannot find would make QEMU fail to start in every container made from the image.
        if let missing = output.split(separator: "\n").first(where: { $0.contains("=> not found") }) {
            throw CLIError("\(program.path) needs a library this host lacks: \(missing.trimmingCharacters(in: .whitespaces))")
        }
        return sharedLibraries(fromLDD: output)
    }
}
