// swiftlet: configures an application for a target (reads its manifest, writes the generated wiring)
// and builds it: with SwiftPM for the hosted targets, with KernelBuilder.swift for kvm.

import Foundation

struct Builder {
    let folder: URL
    let target: Target

    var generated: URL { folder.appendingPathComponent(".swiftlet").appendingPathComponent(target.rawValue) }

    /// What `configure` wrote.
    struct Configuration {
        let manifest: Manifest
        let appSources: [String]
        /// The generated Swift files (the wiring, the arguments).
        let generatedSources: [URL]
    }

    /// Reads the manifest and writes the wiring for the target: for the hosted targets a package in
    /// `.swiftlet/TARGET/` (links to the application's sources, the generated files, Package.swift), for
    /// kvm the generated files in `.swiftlet/kvm/`. Files whose text is unchanged keep their time.
    func configure() throws -> Configuration {
        let manifest = try Manifest.load(from: folder)
        let wiring = Wiring(manifest: manifest, target: target)
        let appSources = try swiftSources()
        guard !appSources.isEmpty else { throw CLIError("\(folder.path): no .swift files in the application's folder besides \(Manifest.fileName)") }
        let files = try wiring.files()
        let fm = FileManager.default
        let destination = target == .kvm ? generated : generated.appendingPathComponent("Sources")
        try fm.createDirectory(at: destination, withIntermediateDirectories: true)
        if target != .kvm {
            let app = destination.appendingPathComponent("App")
            try? fm.removeItem(at: app)
            try fm.createDirectory(at: app, withIntermediateDirectories: true)
            for relative in appSources {
                let link = app.appendingPathComponent(relative)
                try fm.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.createSymbolicLink(at: link, withDestinationURL: folder.appendingPathComponent(relative))
            }
            // Swiftlet's optional libraries are dependencies only when the application imports them: each
            // hosted application is its own package, and compiling SwiftletCrypto for one that never uses
            // it would cost minutes.
            let imported = try KernelBuilder.imports(in: appSources.map { folder.appendingPathComponent($0) })
            try writeIfChanged(wiring.packageManifest(swiftletRoot: swiftletRoot, imports: imported),
                               to: generated.appendingPathComponent("Package.swift"))
        }
        var written: [URL] = []
        for (name, text) in files {
            let url = destination.appendingPathComponent(name)
            try writeIfChanged(text, to: url)
            written.append(url)
        }
        // A file an earlier manifest generated (arguments since removed) must not stay in the build.
        for name in ["Arguments.swift"] where !files.contains(where: { $0.name == name }) {
            try? fm.removeItem(at: destination.appendingPathComponent(name))
        }
        return Configuration(manifest: manifest, appSources: appSources, generatedSources: written)
    }

    /// Configures and builds; returns the program's (or the kernel image's) path.
    func build() throws -> URL {
        let configuration = try configure()
        let manifest = configuration.manifest
        if manifest.rendersMarkdown { try renderSite(manifest) }
        if target == .kvm {
            return try KernelBuilder(folder: folder, manifest: manifest, appSources: configuration.appSources)
                .build(generatedSources: configuration.generatedSources)
        }
        let started = Date()
        forgetBuildIfSwiftletChanged()
        let firstBuild = !FileManager.default.fileExists(atPath: generated.appendingPathComponent(".build/release").path)
        say("building \(manifest.name) for \(target.rawValue) (release" + (firstBuild ? "; the first build compiles Swiftlet too, a minute or two on 2 cores)" : ")"))
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                      // Without manifest caching: SwiftPM's cached build plan misses files added to or
                                      // removed from Swiftlet (a path dependency): "cannot find X in scope", "missing
                                      // inputs". Planning afresh costs about 0.4 s.
                                      arguments: ["swift", "build", "-c", "release", "--package-path", generated.path,
                                                  "--product", manifest.name, "--disable-build-manifest-caching"],
                                      workingDirectory: generated, quiet: true)
        guard status == 0 else { throw CLIError("build failed (status \(status)); the compiler's messages are above") }
        let binary = generated.appendingPathComponent(".build/release/\(manifest.name)")
        let size = (try? FileManager.default.attributesOfItem(atPath: binary.path)[.size] as? Int) ?? 0
        say("built \(binary.path) (\(size / 1024) KB) in \(seconds(since: started))")
        return binary
    }

    /// `.store(DIR, renderMarkdown: true)`: DIR made into a website in `.swiftlet/site/` (SiteBuilder).
    func renderSite(_ manifest: Manifest) throws {
        let started = Date()
        let site = SiteBuilder(source: folder.appendingPathComponent(manifest.storeDirectory),
                               output: folder.appendingPathComponent(SiteBuilder.outputFolder),
                               defaultTitle: manifest.name, swiftletRoot: swiftletRoot,
                               boundary: SiteBuilder.repository(holding: folder))
        let report = try site.build()
        var line = "site: \(manifest.storeDirectory)/ rendered to \(SiteBuilder.outputFolder)/: \(report.pages) pages"
        if report.news > 0 { line += " (\(report.news) news, an Atom feed)" }
        if report.apiModules > 0 { line += ", the API of \(report.apiModules) modules (\(report.apiDeclarations) declarations)" }
        line += ", \(report.copied) files copied, \(report.bytes / 1024) KB, in \(seconds(since: started))"
        say(line)
        if !report.unlinked.isEmpty {
            let shown = report.unlinked.prefix(3).map { "\($0.page) -> \($0.target)" }.joined(separator: ", ")
            say("site: \(report.unlinked.count) links name files outside the site and are shown as text: \(shown)\(report.unlinked.count > 3 ? ", ..." : "")")
        }
    }

    /// Swiftlet is built with cross-module optimisation, so an application's objects hold copies of
    /// Swiftlet's inlinable code. SwiftPM recompiles the application only when its own files or Swiftlet's
    /// interfaces change, so after a change to Swiftlet's implementation the application would link against
    /// functions that no longer exist ("undefined reference to ..."). So: when any of Swiftlet's library
    /// sources is newer than the last build, that build is removed and everything compiled again.
    func forgetBuildIfSwiftletChanged() {
        let fm = FileManager.default
        let build = generated.appendingPathComponent(".build")
        let stamp = build.appendingPathComponent("swiftlet-sources.stamp")
        var newest = 0.0
        if let walker = fm.enumerator(at: swiftletRoot.appendingPathComponent("Sources"), includingPropertiesForKeys: [.contentModificationDateKey]) {
            for case let url as URL in walker where url.pathExtension == "swift" || url.pathExtension == "c" || url.pathExtension == "h" {
                if url.path.contains("/Sources/swiftlet/") { continue }  // the tool itself is not linked in
                let date = (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
                newest = max(newest, date.timeIntervalSince1970)
            }
        }
        let current = String(newest)
        let previous = try? String(contentsOf: stamp, encoding: .utf8)
        if previous != current, fm.fileExists(atPath: build.appendingPathComponent("release").path) {
            say("Swiftlet's sources changed since the last build of \(folder.lastPathComponent): building it afresh")
            try? fm.removeItem(at: build)
        }
        try? fm.createDirectory(at: build, withIntermediateDirectories: true)
        try? current.write(to: stamp, atomically: true, encoding: .utf8)
    }

    /// The application's Swift files, relative to its folder (hidden folders and the manifest skipped).
    func swiftSources() throws -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil,
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var found: [String] = []
        let base = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        for case let url as URL in walker where url.pathExtension == "swift" {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base) else { continue }
            let relative = String(path.dropFirst(base.count))
            if relative != Manifest.fileName { found.append(relative) }
        }
        return found.sorted()
    }

    func writeIfChanged(_ text: String, to url: URL) throws {
        if let old = try? String(contentsOf: url, encoding: .utf8), old == text { return }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
