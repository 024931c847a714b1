// swiftlet: Swiftlet's own modules compiled in Embedded Swift for kernels, with the one set of compiler flags
// that every kernel and scripts/embedded-check use. The modules and their imports come from
// Sources/modules.txt (ModuleList); the objects are cached in SWIFTLET/.build/kvm and compiled again only
// when a source, or a module they import, is newer than the object.

import Foundation

struct KernelModules {
    let toolchain: Toolchain
    /// Where the objects and .swiftmodule files go.
    var cache: URL = swiftletRoot.appendingPathComponent(".build/kvm")

    static let kernelSources = swiftletRoot.appendingPathComponent("Sources/CSwiftletKVM")
    /// SwiftletCrypto's hardware paths (AES-NI, PCLMULQDQ): ring-3 code, so SSE registers are allowed.
    static let cryptoSources = swiftletRoot.appendingPathComponent("Sources/CSwiftletCrypto")
    /// -O2 over cFlags' -Os for CSwiftletCrypto (AES-NI, ChaCha20 SIMD): at -Os clang keeps the eight-block
    /// AES and GHASH loops rolled, which halves AES-GCM's speed in a kernel (1.6 against 3.2 GB/s).
    static let cryptoCFlags = ["-O2"]

    /// Embedded Swift for x86-64 (the only triple with an Embedded _Concurrency module), freestanding,
    /// whole-module, one function per section so the linker keeps only what is reached.
    var swiftFlags: [String] {
        ["-target", "x86_64-unknown-linux-gnu", "-enable-experimental-feature", "Embedded"]
            + ModuleList.swiftlet.featureFlags
            + ["-Xcc", "-ffreestanding", "-Xfrontend", "-disable-stack-protector",
               "-wmo", "-parse-as-library", "-Osize", "-Xfrontend", "-function-sections",
               // Bitcode: ld.lld optimises the whole kernel at once (docs/ARCHITECTURE.md, "Kernel size, measured").
               "-lto=llvm-full",
               "-I", cache.path, "-Xcc", "-I\(Self.kernelSources.appendingPathComponent("include").path)",
               "-Xcc", "-I\(Self.cryptoSources.appendingPathComponent("include").path)"]
    }

    var cFlags: [String] {
        ["-target", "x86_64-unknown-none-elf", "-ffreestanding", "-fno-builtin", "-nostdlibinc", "-Os", "-Wall",
         "-fno-stack-protector", "-ffunction-sections", "-fdata-sections",
         "-I", Self.kernelSources.appendingPathComponent("shim").path, "-I", toolchain.include.path]
    }

    /// Creates the cache; objects built with other flags (an older swiftlet) are thrown away.
    func prepareCache() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: cache, withIntermediateDirectories: true)
        let stamp = cache.appendingPathComponent("flags")
        let flags = (swiftFlags + cFlags + Self.cryptoCFlags).joined(separator: " ")
        if (try? String(contentsOf: stamp, encoding: .utf8)) != flags {
            for name in (try? fm.contentsOfDirectory(atPath: cache.path)) ?? [] where name.hasSuffix(".o") || name.hasSuffix(".swiftmodule") {
                try? fm.removeItem(at: cache.appendingPathComponent(name))
            }
            try flags.write(to: stamp, atomically: true, encoding: .utf8)
        }
    }

    /// Compiles every module of the list that is stale, in dependency order; returns each module's object.
    func compile() throws -> [(name: String, object: URL)] {
        let headers = [Self.kernelSources.appendingPathComponent("kernel.h"), Self.kernelSources.appendingPathComponent("include/CSwiftletKVM.h")]
        var objects: [(name: String, object: URL)] = []
        for module in ModuleList.swiftlet.modules {
            let dir = swiftletRoot.appendingPathComponent("Sources/\(module.name)")
            let sources = try swiftFiles(in: dir)
            let object = cache.appendingPathComponent("\(module.name).o")
            // The folder itself too: its time changes when a file is added or removed.
            let inputs = [dir] + sources + module.dependencies.map { cache.appendingPathComponent("\($0).o") }
                + (module.name.hasPrefix("SwiftletKVM") ? headers : [])
                + (module.name == "SwiftletCrypto" ? [Self.cryptoSources.appendingPathComponent("include/CSwiftletCrypto.h")] : [])
            try compileIfStale(toolchain.swiftc, inputs: inputs, output: object,
                               arguments: swiftFlags + ["-module-name", module.name, "-emit-module",
                                                        "-emit-module-path", cache.appendingPathComponent("\(module.name).swiftmodule").path,
                                                        "-c"] + sources.map(\.path) + ["-o", object.path])
            objects.append((module.name, object))
        }
        return objects
    }
}

func swiftFiles(in dir: URL) throws -> [URL] {
    guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
    var found: [URL] = []
    for case let url as URL in walker where url.pathExtension == "swift" { found.append(url) }
    return found.sorted { $0.path < $1.path }
}

func modified(_ url: URL) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate]) as? Date
}

/// Runs the compiler unless `output` is newer than every input.
func compileIfStale(_ tool: URL, inputs: [URL], output: URL, arguments: [String]) throws {
    if let built = modified(output), inputs.allSatisfy({ (modified($0) ?? .distantFuture) < built }) { return }
    let started = Date()
    say("  compiling \(output.deletingPathExtension().lastPathComponent)")
    try? FileManager.default.removeItem(at: output)
    try runTool(tool, arguments)
    let took = Date().timeIntervalSince(started)
    if took >= 5 { say("  compiled \(output.deletingPathExtension().lastPathComponent) in \(seconds(since: started))") }
}

func runTool(_ tool: URL, _ arguments: [String], in directory: URL? = nil) throws {
    let status = ChildProcess.run(tool, arguments: arguments, workingDirectory: directory, quiet: true)
    guard status == 0 else {
        throw CLIError("\(tool.lastPathComponent) failed (status \(status)); its messages are above")
    }
}
