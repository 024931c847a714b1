// swiftlet: running the build, the application and `ip`: children share the terminal; SIGINT and
// SIGTERM are passed on to the child so that `swiftlet run` can clean up after it.

import Foundation
import Swiftlet

#if canImport(Glibc)
import Glibc
#endif

/// The child that SIGINT and SIGTERM are passed on to (0: none).
nonisolated(unsafe) private var childPID: pid_t = 0

/// The last signal passed on to a child (0: none).
nonisolated(unsafe) private(set) var forwardedSignal: Int32 = 0

private func forwardSignal(_ signal: Int32) {
    // A kernel that listens for a shutdown request gets one instead of QEMU being signalled: it closes its
    // connections and exits with 0. A second signal (or the watcher, after its grace) ends QEMU.
    // Async-signal-safe: a static string, send(2) with MSG_NOSIGNAL (QEMU may have closed the socket: no
    // SIGPIPE then), and a descriptor that stays open until QEMU has exited (QEMU.run closes it after).
    let fd = shutdownRequestFD
    if fd >= 0, forwardedSignal == 0 {
        forwardedSignal = signal
        _ = shutdownLine.withUTF8Buffer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return
    }
    forwardedSignal = signal
    if childPID > 0 { kill(childPID, signal) }
}

/// Where a shutdown request goes instead of a signal (the kvm run's COM2 socket; -1: none).
nonisolated(unsafe) var shutdownRequestFD: Int32 = -1
private let shutdownLine: StaticString = "shutdown\n"

/// Nesting depth of `ChildProcess.forwardingSignals` (its handlers stay while it is above 0).
nonisolated(unsafe) private var signalScopes = 0

enum ChildProcess {
    /// What a signal that ended an application means, for the one line `swiftlet run` prints.
    static func explain(signal: Int32) -> String? {
        switch signal {
        case SIGILL, SIGTRAP: return "SIG\(signal == SIGILL ? "ILL" : "TRAP"): a Swift runtime error (a failed precondition, an overflow, an index out of range; its message is above)"
        case SIGSEGV, SIGBUS: return "SIG\(signal == SIGSEGV ? "SEGV" : "BUS"): a memory access fault"
        case SIGABRT: return "SIGABRT: it aborted"
        case SIGKILL: return "SIGKILL: the kernel's out-of-memory killer, or kill -9"
        case SIGTERM, SIGINT, SIGHUP: return "SIG\(signal == SIGTERM ? "TERM" : signal == SIGINT ? "INT" : "HUP") from outside swiftlet run"
        default: return "signal \(signal)"
        }
    }

    /// Runs `body` with SIGINT and SIGTERM caught (passed on to whichever child runs, and remembered in
    /// `forwardedSignal`), so that cleanup after `body` runs even for a signal between two children.
    static func forwardingSignals<T>(_ body: () throws -> T) rethrows -> T {
        if signalScopes == 0 {
            signal(SIGINT, forwardSignal)
            signal(SIGTERM, forwardSignal)
        }
        signalScopes += 1
        defer {
            signalScopes -= 1
            if signalScopes == 0 {
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
            }
        }
        return try body()
    }

    /// Runs `executable` and returns its exit status (128 + signal when a signal ended it).
    /// `quiet` keeps standard output for errors only (builds print progress to stderr through `say`).
    /// `watch` sees each line of standard output, which is still copied to ours as it comes.
    static func run(_ executable: URL, arguments: [String], workingDirectory: URL? = nil, quiet: Bool = false,
                    watch: ((String) -> Void)? = nil) -> Int32 {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let workingDirectory { p.currentDirectoryURL = workingDirectory }
        if quiet { p.standardOutput = FileHandle.standardError }
        let pipe = Pipe()
        let reader = LineWatcher(watch)
        if watch != nil {
            p.standardOutput = pipe
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                FileHandle.standardOutput.write(data)
                reader.feed(data)
            }
        }
        // A handler, not SIG_IGN: an ignored signal would stay ignored in the child across exec.
        let started: Int32? = forwardingSignals { () -> Int32? in
            defer { childPID = 0 }
            do {
                try p.run()
            } catch {
                say("cannot start \(executable.path): \(error.localizedDescription)")
                return nil
            }
            childPID = p.processIdentifier
            p.waitUntilExit()
            return p.processIdentifier
        }
        if started == nil { return 127 }
        if watch != nil {
            pipe.fileHandleForReading.readabilityHandler = nil
            let rest = pipe.fileHandleForReading.readDataToEndOfFile()
            FileHandle.standardOutput.write(rest)
            reader.feed(rest)
            reader.finish()
        }
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }
}

/// Splits output into lines for a watcher (called from the pipe's reading thread, then from ours).
private final class LineWatcher: @unchecked Sendable {
    private let watch: ((String) -> Void)?
    private var pending = Data()
    private let lock = NSLock()
    init(_ watch: ((String) -> Void)?) { self.watch = watch }
    func feed(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(data)
        while let i = pending.firstIndex(of: 10) {
            let line = String(decoding: pending[pending.startIndex..<i], as: UTF8.self)
            pending.removeSubrange(pending.startIndex...i)
            watch?(line.hasSuffix("\r") ? String(line.dropLast()) : line)
        }
    }
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !pending.isEmpty { watch?(String(decoding: pending, as: UTF8.self)) }
        pending.removeAll()
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

    /// "::1" of the prefix of `guest` (ADDR/PREFIX, IPv6), with the prefix.
    static func hostAddress6(for guest: String) throws -> String {
        guard let network = IPv6Network(guest), (1...126).contains(network.prefixLength), !network.address.isMulticast else {
            throw CLIError("--ipv6 '\(guest)' is not ADDR/PREFIX with a prefix of 1 to 126 (like 2001:db8::2/64), or off")
        }
        let prefix = network.prefix
        let host = IPv6Address(high: prefix.high, low: prefix.low | 1)
        guard host != network.address else { throw CLIError("--ipv6 '\(guest)' takes ::1, which the host side of the tap uses; pick another") }
        return "\(host)/\(network.prefixLength)"
    }

    static func ip(_ arguments: [String]) throws {
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["ip"] + arguments)
        guard status == 0 else {
            throw CLIError("'ip \(arguments.joined(separator: " "))' failed (status \(status)); is iproute2 installed? (apt-get install iproute2)")
        }
    }

    /// Creates tap `name`, up, with `hostAddress` on the host's side; owned by `owner` (user and group)
    /// when given, the account the application or QEMU runs as.
    /// `hostAddress6` too when given (without DAD, so it is usable at once), unless the host has IPv6 off.
    static func create(_ name: String, hostAddress: String, hostAddress6: String? = nil, owner: RunAs? = nil) throws {
        let ownership = owner.map { ["user", String($0.uid), "group", String($0.gid)] } ?? []
        try ip(["tuntap", "add", "dev", name, "mode", "tap"] + ownership)
        do {
            try ip(["addr", "add", hostAddress, "dev", name])
            if let hostAddress6 {
                // A host (or namespace) with IPv6 disabled cannot take it; the tap still works for IPv4.
                let disabled = (try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/all/disable_ipv6", encoding: .utf8))?
                    .hasPrefix("1") ?? true
                if !disabled { try ip(["-6", "addr", "add", hostAddress6, "dev", name, "nodad"]) }
            }
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
