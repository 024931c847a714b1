// swiftlet: `swiftlet embedded-check FILES`, scripts/embedded-check's compiler: every module of
// Sources/modules.txt compiled exactly as a kernel build compiles it (KernelModules: the same flags, the same
// cache, so a kernel built afterwards reuses them), then FILES as one module over them, which specialises the
// generic code a kernel would (Embedded Swift checks generic code only where it is specialised).

import ArgumentParser
import Foundation

struct EmbeddedCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedded-check", abstract: "Compile Swiftlet's Embedded modules and FILES as a kernel would (scripts/embedded-check).",
        shouldDisplay: false)

    @Argument(help: "Swift files compiled as one module over Swiftlet's modules.")
    var files: [String] = []

    func run() throws {
        try reportingCLIErrors {
            let swiftlet = KernelModules(toolchain: try Toolchain.find())
            try swiftlet.prepareCache()
            for module in try swiftlet.compile() {
                print("embedded-check: \(module.name) ok (\(size(module.object)) bytes of bitcode)")
            }
            guard !files.isEmpty else { return }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-embedded-\(getpid())")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let object = scratch.appendingPathComponent("specialise.o")
            try runTool(swiftlet.toolchain.swiftc, swiftlet.swiftFlags + ["-module-name", "EmbeddedSpecialize", "-c"] + files + ["-o", object.path])
            print("embedded-check: \(files.count) files specialised ok (\(size(object)) bytes of bitcode)")
        }
    }

    func size(_ url: URL) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    }
}
