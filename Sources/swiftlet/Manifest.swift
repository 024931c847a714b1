// swiftlet: reads an application's manifest, `Swiftlet.swift` in its folder: Swift code against the
// SwiftletManifest library (Sources/SwiftletManifest), type-checked by the compiler as SwiftPM's
// Package.swift is. To read it, the tool
//   1. compiles SwiftletManifest once per version of its sources into .build/swiftlet-manifest/HASH/
//      of this checkout (a static library and its module),
//   2. compiles the manifest against it into APP/.swiftlet/manifest/program and runs that; the program
//      prints the declaration as JSON, decoded here with the same types,
//   3. keeps the JSON next to a stamp (the library's hash and the manifest's text), so an unchanged
//      manifest costs nothing on the next build.
// Compiler errors name the manifest's file, line and column; the library's own checks (names, duplicate
// devices or arguments) name the file and line of the declaration.

import Foundation
import Swiftlet
import SwiftletManifest

typealias Manifest = Application

extension Argument {
    /// The kind in Swiftlet's list; `ManifestLoader` refused a manifest naming another.
    var declaredKind: DeclaredArgument.Kind { DeclaredArgument.Kind(rawValue: kind)! }
}

extension Application {
    static let fileName = "Swiftlet.swift"

    func has(_ kind: Device.Kind) -> Bool { devices.contains { $0.kind == kind } }

    /// The store device's directory, relative to the application's folder.
    var storeDirectory: String { devices.first { $0.kind == .store }?.directory ?? "data" }
    /// The store may come from a tar archive on a kvm kernel's disk (`.store(DIR, disk: true)`).
    var storeFromDisk: Bool { devices.first { $0.kind == .store }?.disk ?? false }
    /// The store's zone files are compiled when embedded (`.store(DIR, compileZones: true)`, no disk).
    var compilesZones: Bool { !storeFromDisk && (devices.first { $0.kind == .store }?.compileZones ?? false) }
    /// The store's folder is a Markdown site's source, rendered by `swiftlet build` (`.store(DIR, renderMarkdown: true)`).
    var rendersMarkdown: Bool { devices.first { $0.kind == .store }?.renderMarkdown ?? false }
    /// The folder the store serves, relative to the application's: the store's own, or the site rendered from it.
    var servedStoreDirectory: String { rendersMarkdown ? SiteBuilder.outputFolder : storeDirectory }

    static func load(from folder: URL) throws -> Application {
        let app = try ManifestLoader(folder: folder).load()
        try app.checkArguments()
        return app
    }

    /// Each argument's kind is one of Swiftlet's, and its default reads as the application's command line would.
    func checkArguments() throws {
        for a in arguments {
            guard let kind = DeclaredArgument.Kind(rawValue: a.kind) else {
                throw CLIError("\(file):\(a.line): error: argument '\(a.name)': no argument kind '\(a.kind)' (the tool and SwiftletManifest differ: rebuild the tool)")
            }
            guard let value = a.defaultValue, kind != .flag else { continue }
            do {
                _ = try ArgumentValues(parsing: ["--\(a.name)", value], declared: [DeclaredArgument(a.name, kind, default: value, help: a.help)])
            } catch {
                throw CLIError("\(file):\(a.line): error: argument '\(a.name)': its default: \(error.description)")
            }
        }
    }
}

struct ManifestLoader {
    let folder: URL

    var manifestURL: URL { folder.appendingPathComponent(Application.fileName) }
    var cache: URL { folder.appendingPathComponent(".swiftlet/manifest") }

    func load() throws -> Application {
        let fm = FileManager.default
        guard let text = try? String(contentsOf: manifestURL, encoding: .utf8) else {
            if fm.fileExists(atPath: folder.appendingPathComponent("swiftlet.manifest").path) {
                throw CLIError("\(folder.path): swiftlet.manifest is the old text manifest; write \(Application.fileName) instead (docs/GUIDE.md, \"The manifest\")")
            }
            throw CLIError("\(manifestURL.path): no manifest (an application folder has a \(Application.fileName) declaring its Application: name, entry type, devices)")
        }
        let library = try ManifestLibrary.prepare()
        let stamp = library.hash + "\n" + text
        let json = cache.appendingPathComponent("declaration.json")
        let stampURL = cache.appendingPathComponent("stamp")
        if let old = try? String(contentsOf: stampURL, encoding: .utf8), old == stamp, let data = try? Data(contentsOf: json),
           let app = try? Application.decode(data) {
            return app
        }
        try fm.createDirectory(at: cache, withIntermediateDirectories: true)
        let program = cache.appendingPathComponent("program")
        let compiled = try Swiftc.run(["-module-name", "Manifest", "-I", library.folder.path, "-L", library.folder.path,
                                       "-lSwiftletManifest", manifestURL.path, "-o", program.path])
        guard compiled.status == 0 else {
            throw CLIError("\(manifestURL.path): the manifest does not compile:\n" + compiled.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let ran = Swiftc.capture(program, [])
        guard ran.status == 0 else {
            let message = ran.error.trimmingCharacters(in: .whitespacesAndNewlines)
            throw CLIError(message.isEmpty ? "\(manifestURL.path): the manifest program failed (status \(ran.status))" : message)
        }
        let app: Application
        do {
            app = try Application.decode(Data(ran.output.utf8))
        } catch {
            throw CLIError("\(manifestURL.path): the manifest printed something other than its declaration: \(ran.output.prefix(200))")
        }
        try Data(ran.output.utf8).write(to: json, options: .atomic)
        try stamp.write(to: stampURL, atomically: true, encoding: .utf8)
        return app
    }
}

/// SwiftletManifest compiled by the tool itself (not by SwiftPM: a manifest is compiled alone, outside any
/// package), once per version of its sources and of the compiler.
struct ManifestLibrary {
    let folder: URL
    let hash: String

    static func prepare() throws -> ManifestLibrary {
        let fm = FileManager.default
        let sources = swiftletRoot.appendingPathComponent("Sources/SwiftletManifest")
        let files = ((try? fm.contentsOfDirectory(atPath: sources.path)) ?? []).filter { $0.hasSuffix(".swift") }.sorted()
        guard !files.isEmpty else { throw CLIError("\(sources.path): SwiftletManifest's sources are missing (is SWIFTLET_ROOT a Swiftlet checkout?)") }
        var hasher = FNV1a()
        for f in files {
            hasher.add(f)
            hasher.add((try? String(contentsOf: sources.appendingPathComponent(f), encoding: .utf8)) ?? "")
        }
        hasher.add(Swiftc.version)
        let hash = hasher.hex
        let folder = swiftletRoot.appendingPathComponent(".build/swiftlet-manifest/\(hash)")
        let library = ManifestLibrary(folder: folder, hash: hash)
        if fm.fileExists(atPath: folder.appendingPathComponent("libSwiftletManifest.a").path) { return library }
        // Built aside and renamed into place: two tools building at once never see half a library.
        let scratch = swiftletRoot.appendingPathComponent(".build/swiftlet-manifest/tmp-\(getpid())")
        try? fm.removeItem(at: scratch)
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        let result = try Swiftc.run(["-parse-as-library", "-emit-library", "-static", "-module-name", "SwiftletManifest",
                                     "-emit-module", "-emit-module-path", scratch.appendingPathComponent("SwiftletManifest.swiftmodule").path,
                                     "-o", scratch.appendingPathComponent("libSwiftletManifest.a").path]
                                    + files.map { sources.appendingPathComponent($0).path })
        guard result.status == 0 else {
            try? fm.removeItem(at: scratch)
            throw CLIError("compiling SwiftletManifest failed:\n\(result.output)")
        }
        do {
            try fm.moveItem(at: scratch, to: folder)
        } catch {
            try? fm.removeItem(at: scratch)  // another tool won the race; its library is the same
            guard fm.fileExists(atPath: folder.appendingPathComponent("libSwiftletManifest.a").path) else { throw error }
        }
        return library
    }
}

/// The compiler, run with its output captured.
enum Swiftc {
    static let version: String = capture(URL(fileURLWithPath: "/usr/bin/env"), ["swiftc", "--version"]).output

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let r = capture(URL(fileURLWithPath: "/usr/bin/env"), ["swiftc"] + arguments)
        return (r.status, r.output + r.error)
    }

    /// Runs `executable` to its end; standard output and error go to files (no pipe can fill up).
    static func capture(_ executable: URL, _ arguments: [String]) -> (status: Int32, output: String, error: String) {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("swiftlet-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let out = base.appendingPathExtension("out"), err = base.appendingPathExtension("err")
        _ = fm.createFile(atPath: out.path, contents: nil)
        _ = fm.createFile(atPath: err.path, contents: nil)
        defer { try? fm.removeItem(at: out); try? fm.removeItem(at: err) }
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        guard let o = try? FileHandle(forWritingTo: out), let e = try? FileHandle(forWritingTo: err) else { return (127, "", "cannot make temporary files") }
        p.standardOutput = o
        p.standardError = e
        do { try p.run() } catch { return (127, "", "cannot start \(executable.path): \(error.localizedDescription)") }
        p.waitUntilExit()
        try? o.close(); try? e.close()
        let output = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return (p.terminationStatus, output, error)
    }
}

/// FNV-1a, 64 bits: a cache key, not a defence.
struct FNV1a {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ text: String) {
        for b in text.utf8 { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
        value = (value ^ 0xff) &* 0x100_0000_01b3  // a separator, so ("ab","c") and ("a","bc") differ
    }
    var hex: String { String(value, radix: 16) }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
