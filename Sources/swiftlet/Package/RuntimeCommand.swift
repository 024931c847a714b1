// swiftlet runtime: compiles and installs the swiftlet OCI runtime (OCIRuntime), the program Docker calls
// for `docker run --runtime swiftlet` to boot an image of `swiftlet package --oci`, and says how to
// register it with dockerd.

import ArgumentParser
import Foundation

struct Runtime: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install the swiftlet OCI runtime, which runs the images of swiftlet package --oci (docker run --runtime swiftlet).",
        discussion: """
            Register it with Docker once: in /etc/docker/daemon.json, {"runtimes": {"swiftlet": {"path": "\(OCIRuntime.defaultPath)"}}} \
            and systemctl reload docker (or dockerd --add-runtime swiftlet=\(OCIRuntime.defaultPath)).
            """)
    @Option(help: "Where to write the runtime.") var out: String = OCIRuntime.defaultPath

    func run() throws {
        try reportingCLIErrors {
            let output = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Compiled beside its destination and renamed, so that a runtime dockerd is using is never half-written.
            let temporary = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).\(getpid())")
            defer { try? FileManager.default.removeItem(at: temporary) }
            try ContainerEntry.compile(OCIRuntime.source, into: temporary)
            guard rename(temporary.path, output.path) == 0 else { throw CLIError("cannot write \(output.path): \(String(cString: strerror(errno)))") }
            say("installed the swiftlet OCI runtime: \(output.path)")
            say("register it with Docker: {\"runtimes\": {\"swiftlet\": {\"path\": \"\(output.path)\"}}} in /etc/docker/daemon.json, then systemctl reload docker"
                + " (or dockerd --add-runtime swiftlet=\(output.path)); run: docker run --runtime swiftlet -p 8080:8080 IMAGE")
        }
    }
}
