// swiftlet: running the build, the application and `ip`: children share the terminal; SIGINT and
// SIGTERM are passed on to the child so that `swiftlet run` can clean up after it.

import Foundation
import Swiftlet

#if canImport(Glibc)
import Glibc
#endif

/// The absolute path of the program `name` in `$PATH`, or nil.
func executableOnPath(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

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
