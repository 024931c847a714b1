// SwiftletToolTests: the swiftlet OCI runtime (OCIRuntime), compiled as `swiftlet runtime` compiles it
// and run on bundles made here, up to the point where it would make the container: what it refuses in
// an image (QEMU arguments outside its list, a kernel outside the root file system, arguments with
// spaces, an image not of swiftlet package --oci), its command line, and config.json that is not JSON,
// mutated at random, never crashing it. Booting and Docker are kvm-docker's (Tests/Integration/kvm.sh).

import Foundation
import SwiftletManifest
import SwiftletTesting
import Testing
@testable import swiftlet

@Suite(.serialized) struct RuntimeTests {
    static let website = manifest("website", entry: "Website", devices: [.console, .network], arguments: [.port("port", default: 8080, help: "h")])

    /// The runtime, compiled once for the suite.
    static let binary: URL = {
        let folder = try! temporaryFolder()
        let binary = folder.appendingPathComponent("swiftlet-runtime")
        try! ContainerEntry.compile(OCIRuntime.source, into: binary)
        return binary
    }()

    struct Result { var status: Int32; var signalled: Bool; var output: String }

    static func run(_ arguments: [String]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal, output: String(decoding: data, as: UTF8.self))
    }

    /// The configuration `swiftlet package --oci` writes for the website, one directive a line.
    static func imageConfig(ports: [Int] = [8080]) throws -> String {
        try Package.containerConfig(manifest: website, memory: 128, ports: ports, applicationArguments: [], qemu: .full, kernelPath: Package.ociKernelPath)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
    }

    /// A bundle: config.json with `process.env` and `args`, and rootfs/kernel. No network namespace is
    /// asked for unless `namespaces` says so, so a create that passes every check stops there.
    /// `links`: symbolic links made in the root file system (its path, where it points), the kernel's own
    /// among them if one names `kernel`.
    static func bundle(config: String?, args: [String] = ["/kernel"], namespaces: String = "[]", links: [(String, String)] = []) throws -> URL {
        let folder = try temporaryFolder()
        let rootfs = folder.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        for (path, target) in links {
            try FileManager.default.createSymbolicLink(atPath: rootfs.appendingPathComponent(path).path, withDestinationPath: target)
        }
        if !links.contains(where: { $0.0 == "kernel" }) {
            try Data(repeating: 0x90, count: 64).write(to: rootfs.appendingPathComponent("kernel"))
        }
        var env = ["PATH=/usr/bin"]
        if let config { env.append("SWIFTLET_CONFIG=" + config) }
        let json: [String: Any] = ["ociVersion": "1.0.2", "root": ["path": "rootfs"],
                                   "process": ["args": args, "env": env, "user": ["uid": 0, "gid": 0], "terminal": false] as [String: Any]]
        var text = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
        text.removeLast()
        text += #","linux":{"namespaces":\#(namespaces)}}"#
        try text.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        return folder
    }

    static func create(_ bundle: URL, id: String = "c1") throws -> (Result, URL) {
        let root = try temporaryFolder()
        let log = root.appendingPathComponent("log.json")
        let result = try run(["--root", root.path, "--log", log.path, "--log-format", "json", "create", "--bundle", bundle.path, id])
        return (result, root)
    }

    @Test func commandLine() throws {
        let version = try Self.run(["--version"])
        #expect(version.status == 0 && version.output.contains("spec: 1.0.2"))
        let exec = try Self.run(["--root", "/nonexistent", "exec", "--process", "p.json", "c1"])
        #expect(exec.status == 1 && exec.output.contains("exec is not supported by the swiftlet runtime"))
        let root = try temporaryFolder()
        let state = try Self.run(["--root", root.path, "state", "nothere"])
        #expect(state.status == 1 && state.output.contains("container nothere does not exist"))
        #expect(try Self.run(["--root", root.path, "delete", "--force", "nothere"]).status == 0)  // as runc: gone is fine with --force
        #expect(try Self.run(["--root", root.path, "delete", "nothere"]).output.contains("does not exist"))
        #expect(try Self.run(["--root", root.path, "state", "../x"]).output.contains("invalid container ID '../x'"))
        #expect(try Self.run(["--root", root.path, "kill"]).output.contains("kill: which container?"))
    }

    /// Every check passed, the runtime stops only at the missing network namespace, and leaves no state;
    /// the message is in the --log file, as JSON, where containerd reads it.
    @Test func aGoodImageGetsAsFarAsTheNamespace() throws {
        let (result, root) = try Self.create(try Self.bundle(config: try Self.imageConfig(), args: ["/kernel", "--redirect"]))
        #expect(result.status == 1 && result.output.contains("needs the container's own network namespace"), "\(result.output)")
        let log = try String(contentsOf: root.appendingPathComponent("log.json"), encoding: .utf8)
        let entry = try JSONSerialization.jsonObject(with: Data(log.split(separator: "\n").last!.utf8)) as? [String: Any]
        #expect(entry?["level"] as? String == "error" && (entry?["msg"] as? String)?.contains("network namespace") == true)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("c1").path))
    }

    /// The kernel is opened as if the root file system were "/": a link or ".." that would lead to the
    /// host's /etc/passwd (which exists) finds nothing there instead.
    @Test func whatTheRuntimeRefusesInAnImage() throws {
        let good = try Self.imageConfig()
        let cases: [(config: String?, args: [String], links: [(String, String)], says: String)] = [
            (nil, ["/kernel"], [], "no SWIFTLET_CONFIG in its environment"),
            (good + "\narg -drive\narg file=/etc/shadow", ["/kernel"], [], "the image's QEMU argument -drive file=/etc/shadow is not one the swiftlet runtime allows"),
            (good + "\narg -chardev\narg file,id=x,path=/etc/passwd", ["/kernel"], [], "-chardev file,id=x,path=/etc/passwd is not one"),
            (good + "\narg -m\narg 999999M", ["/kernel"], [], "-m 999999M is not one"),
            (good + "\narg -M\narg pc", ["/kernel"], [], "-M pc is not one"),
            (good + String(repeating: "\narg -accel\narg kvm", count: 200), ["/kernel"], [], "the image's QEMU command line is too long"),  // over 256 lines
            // At most 256 lines, but over the limit with the runtime's own arguments added:
            (good + String(repeating: "\narg -accel\narg kvm", count: (256 - good.split(separator: "\n").filter { $0.hasPrefix("arg ") }.count) / 2),
             ["/kernel"], [], "the image's QEMU command line is too long"),
            (good + "\narg -kernel\narg /kernel", ["/kernel"], [], "names two kernels"),
            (good.replacingOccurrences(of: "arg /kernel", with: "arg /../../etc/passwd"), ["/kernel"], [], "cannot open the image's kernel /../../etc/passwd in its root file system"),
            (good.replacingOccurrences(of: "arg /kernel", with: "arg /nothere"), ["/kernel"], [], "cannot open the image's kernel /nothere"),
            (good, ["/kernel"], [("kernel", "/etc/passwd")], "cannot open the image's kernel /kernel"),
            (good.replacingOccurrences(of: "arg /kernel", with: "arg /up/etc/passwd"), ["/kernel"], [("up", "/")], "cannot open the image's kernel /up/etc/passwd"),
            (good.replacingOccurrences(of: "arg /kernel", with: "arg /here"), ["/kernel"], [("here", ".")], "the image's kernel /here is not a regular file"),
            (good, ["/kernel", "two words"], [], "the application's argument 'two words' is empty or has a space"),
            (good, ["/kernel", "quote\"d"], [], "has a space, a control character or a quote"),
            (good, ["/kernel", String(repeating: "x", count: 3000)], [], "over 2048 bytes"),
            (good.replacingOccurrences(of: "host 10.0.0.1/24", with: "host nonsense/24"), ["/kernel"], [], "are not IPv4 addresses"),
        ]
        for c in cases {
            let (result, root) = try Self.create(try Self.bundle(config: c.config, args: c.args, links: c.links))
            #expect(result.status == 1 && result.output.contains(c.says), "\(c.says): \(result.output)")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("c1").path))
        }
    }

    /// config.json cut short and with bytes changed at random: each run ends with a message (status 1),
    /// never a signal; the same seed gives the same inputs.
    @Test func mutatedConfigNeverCrashesIt() throws {
        let bundle = try Self.bundle(config: try Self.imageConfig(), args: ["/kernel", "aé😀"])
        let original = try Data(contentsOf: bundle.appendingPathComponent("config.json"))
        var generator = SeededRandom(seed: 28)
        let alphabet = Array(#"{}[]",:\u0"0123456789tfn-eE. "#.utf8)
        for round in 0..<300 {
            var bytes = [UInt8](original)
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            for _ in 0..<(1 + Int(generator.next() % 4)) where !bytes.isEmpty {
                let at = Int(generator.next() % UInt64(bytes.count))
                bytes[at] = generator.next() % 2 == 0 ? alphabet[Int(generator.next() % UInt64(alphabet.count))] : UInt8(truncatingIfNeeded: generator.next())
            }
            try Data(bytes).write(to: bundle.appendingPathComponent("config.json"))
            let (result, root) = try Self.create(bundle)
            try? FileManager.default.removeItem(at: root)
            #expect(!result.signalled && result.status == 1, "round \(round): \(result.output)")
        }
        let nested = String(repeating: "[", count: 100_000)
        try Data(nested.utf8).write(to: bundle.appendingPathComponent("config.json"))
        let (deep, _) = try Self.create(bundle)
        #expect(!deep.signalled && deep.output.contains("is not a JSON object"))
    }
}
