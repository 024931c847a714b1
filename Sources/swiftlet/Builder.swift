// swiftlet: writes an application's generated package for a hosted target and builds it with SwiftPM
// (the kvm target's kernel: KernelBuilder.swift).

import Foundation

struct Builder {
    let folder: URL
    let target: Target

    var generated: URL { folder.appendingPathComponent(".swiftlet").appendingPathComponent(target.rawValue) }

    /// Generates and builds; returns the program's path.
    func build() throws -> URL {
        let manifest = try Manifest.load(from: folder)
        let wiring = Wiring(manifest: manifest, target: target)
        let appSources = try swiftSources()
        guard !appSources.isEmpty else { throw CLIError("\(folder.path): no .swift files in the application's folder") }
        if target == .kvm {
            return try KernelBuilder(folder: folder, manifest: manifest, appSources: appSources).build(wiring: try wiring.source())
        }
        let sources = generated.appendingPathComponent("Sources")
        let fm = FileManager.default
        try? fm.removeItem(at: sources.appendingPathComponent("App"))
        try fm.createDirectory(at: sources.appendingPathComponent("App"), withIntermediateDirectories: true)
        for relative in appSources {
            let link = sources.appendingPathComponent("App").appendingPathComponent(relative)
            try fm.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createSymbolicLink(at: link, withDestinationURL: folder.appendingPathComponent(relative))
        }
        try writeIfChanged(try wiring.source(), to: sources.appendingPathComponent("SwiftletMain.swift"))
        try writeIfChanged(wiring.packageManifest(swiftletRoot: swiftletRoot), to: generated.appendingPathComponent("Package.swift"))

        say("building \(manifest.name) for \(target.rawValue) (release; the first build compiles Swiftlet too)")
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                      // Without manifest caching: SwiftPM's cached build plan misses files added to or
                                      // removed from Swiftlet (a path dependency): "cannot find X in scope", "missing
                                      // inputs". Planning afresh costs about 0.4 s.
                                      arguments: ["swift", "build", "-c", "release", "--package-path", generated.path,
                                                  "--product", manifest.name, "--disable-build-manifest-caching"],
                                      workingDirectory: generated, quiet: true)
        guard status == 0 else { throw CLIError("build failed (status \(status)); the compiler's messages are above") }
        let binary = generated.appendingPathComponent(".build/release/\(manifest.name)")
        let size = (try? fm.attributesOfItem(atPath: binary.path)[.size] as? Int) ?? 0
        say("built \(binary.path) (\(size / 1024) KB)")
        return binary
    }

    /// The application's Swift files, relative to its folder (hidden folders skipped).
    func swiftSources() throws -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil,
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var found: [String] = []
        let base = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        for case let url as URL in walker where url.pathExtension == "swift" {
            let path = url.standardizedFileURL.path
            if path.hasPrefix(base) { found.append(String(path.dropFirst(base.count))) }
        }
        return found.sorted()
    }

    func writeIfChanged(_ text: String, to url: URL) throws {
        if let old = try? String(contentsOf: url, encoding: .utf8), old == text { return }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
