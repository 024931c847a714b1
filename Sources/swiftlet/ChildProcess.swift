// swiftlet: running the build, the application and `ip`: children share the terminal; SIGINT and
// SIGTERM are passed on to the child so that `swiftlet run` can clean up after it.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The child that SIGINT and SIGTERM are passed on to (0: none).
nonisolated(unsafe) private var childPID: pid_t = 0

private func forwardSignal(_ signal: Int32) {
    if childPID > 0 { kill(childPID, signal) }
}

enum ChildProcess {
    /// Runs `executable` and returns its exit status (128 + signal when a signal ended it).
    /// `quiet` keeps standard output for errors only (builds print progress to stderr through `say`).
    static func run(_ executable: URL, arguments: [String], workingDirectory: URL? = nil, quiet: Bool = false) -> Int32 {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let workingDirectory { p.currentDirectoryURL = workingDirectory }
        if quiet { p.standardOutput = FileHandle.standardError }
        // A handler, not SIG_IGN: an ignored signal would stay ignored in the child across exec.
        signal(SIGINT, forwardSignal)
        signal(SIGTERM, forwardSignal)
        defer {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            childPID = 0
        }
        do {
            try p.run()
        } catch {
            say("cannot start \(executable.path): \(error.localizedDescription)")
            return 127
        }
        childPID = p.processIdentifier
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }
}

/// Creating and removing the tap of the `tap` target (with iproute2's `ip`).
enum TapSetup {
    /// ".1" of the prefix of `guest` (ADDR/PREFIX), with the prefix.
    static func hostAddress(for guest: String) throws -> String {
        let parts = guest.split(separator: "/")
        let octets = parts.first?.split(separator: ".").compactMap { UInt32($0) } ?? []
        guard parts.count == 2, let prefix = Int(parts[1]), (1...30).contains(prefix), octets.count == 4, octets.allSatisfy({ $0 < 256 }) else {
            throw CLIError("--ipv4 '\(guest)' is not ADDR/PREFIX with a prefix of 1 to 30 (like 10.0.0.2/24)")
        }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        let mask: UInt32 = ~0 << UInt32(32 - prefix)
        let host = (address & mask) | 1
        guard host != address else { throw CLIError("--ipv4 '\(guest)' takes .1, which the host side of the tap uses; pick another") }
        let text = (0..<4).map { String(host >> UInt32(24 - 8 * $0) & 0xFF) }.joined(separator: ".")
        return "\(text)/\(prefix)"
    }

    static func ip(_ arguments: [String]) throws {
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["ip"] + arguments)
        guard status == 0 else {
            throw CLIError("'ip \(arguments.joined(separator: " "))' failed (status \(status)); is iproute2 installed? (apt-get install iproute2)")
        }
    }

    static func create(_ name: String, hostAddress: String) throws {
        try ip(["tuntap", "add", "dev", name, "mode", "tap"])
        do {
            try ip(["addr", "add", hostAddress, "dev", name])
            try ip(["link", "set", name, "up"])
        } catch {
            remove(name)
            throw error
        }
    }

    static func remove(_ name: String) {
        _ = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["ip", "tuntap", "del", "dev", name, "mode", "tap"])
    }
}
