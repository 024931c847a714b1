// swiftlet: the command-line tool. `swiftlet build` and `swiftlet run` an application for a target.
//
// An application is a folder with Swift sources and a manifest, `Swiftlet.swift` (see Manifest.swift).
// The tool reads the manifest and generates the wiring for the target (`configure`, Wiring.swift), builds
// it with SwiftPM in release mode against this checkout of Swiftlet (or as a kernel, KernelBuilder.swift),
// and runs it, creating the tap the `tap` and `kvm` targets need (Run.swift; the plan of a run,
// RunPlan.swift, is computed without touching the host).

import ArgumentParser
import Foundation
import Swiftlet

/// The Swiftlet checkout this tool was built from (or $SWIFTLET_ROOT).
let swiftletRoot: URL = {
    if let r = ProcessInfo.processInfo.environment["SWIFTLET_ROOT"] { return URL(fileURLWithPath: r) }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}()

/// "4.2 s", "73 s": how long since `start`, for build lines.
func seconds(since start: Date) -> String {
    let t = Date().timeIntervalSince(start)
    return t < 10 ? String(format: "%.1f s", t) : "\(Int(t.rounded())) s"
}

/// Runs a subcommand's body; a `CLIError` becomes its one line on standard error and exit status 1.
func reportingCLIErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as CLIError {
        say(e.description)
        throw ExitCode(1)
    }
}

func say(_ line: String) {
    FileHandle.standardError.write(Data("swiftlet: \(line)\n".utf8))
}

struct TargetOption: ParsableArguments {
    @Option(name: .long, help: "unix (host sockets, the default), tap (Swiftlet's TCP/IP over /dev/net/tun) or kvm (a kernel on QEMU microvm)")
    var target: String = "unix"

    @Argument(help: "The application's folder (holds its manifest, Swiftlet.swift).")
    var path: String = "."

    func resolved() throws -> (Target, URL) {
        guard let t = Target(rawValue: target) else {
            throw CLIError("unknown target '\(target)' (targets: \(Target.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return (t, URL(fileURLWithPath: path, relativeTo: cwd).standardizedFileURL)
    }
}

@main
struct SwiftletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "Build and run Swiftlet applications for a target.",
        subcommands: [New.self, Configure.self, Build.self, Run.self, Package.self, Runtime.self, Cert.self, Describe.self, Doctor.self, EmbeddedCheck.self])
}

struct Configure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the manifest and write the wiring for a target, without building.",
        discussion: "build and run configure first by themselves; configure alone shows what they will compile (APP/.swiftlet/TARGET/).")
    @OptionGroup var options: TargetOption

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            let configuration = try Builder(folder: folder, target: target).configure()
            for file in configuration.generatedSources { print(file.path) }
        }
    }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Configure for a target (when the manifest or the tool changed) and build the application.")
    @OptionGroup var options: TargetOption

    func run() throws {
        try reportingCLIErrors {
            let (target, folder) = try options.resolved()
            _ = try Builder(folder: folder, target: target).build()
        }
    }
}
