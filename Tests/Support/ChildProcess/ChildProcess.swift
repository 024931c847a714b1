// ChildProcess: how the host-side tests run the independent programs they compare with (Python's
// `cryptography` and `hashlib`, named-checkzone, openssl): one lock around every launch, standard error
// read on a thread of its own, a failing exit reported with what the child said. Host only (Foundation).

import Foundation

public struct ChildProcessError: Error, CustomStringConvertible {
    public let program: String
    public let status: Int32
    public let stderr: String
    public var description: String { "\(program) exited with \(status): \(stderr)" }
}

public enum ChildProcess {
    /// Debian's Python, whose `cryptography` and `cryptography_vectors` come from apt (a `python3` earlier on
    /// the PATH, a pyenv say, would not see them).
    public static let pythonPath = "/usr/bin/python3"

    /// Held while a child process runs: the tests run in parallel, and Foundation's Process on Linux is not
    /// known to be safe to launch from many threads at once (a full run once died in malloc with several test
    /// processes being started).
    public static let lock = NSLock()

    /// Runs `python3 -c script`, feeds `input` on its standard input and returns its standard output.
    /// A non-zero exit is a `ChildProcessError` carrying the child's standard error.
    public static func python(_ script: String, input: String = "") throws -> String {
        let result = try run(pythonPath, ["-c", script], input: input)
        guard result.status == 0 else { throw ChildProcessError(program: "python3", status: result.status, stderr: result.stderr) }
        return result.stdout
    }

    /// Runs `executable` with `arguments` (in `directory` if given, `input` on its standard input) and
    /// returns its exit status, standard output and standard error. A non-zero exit is not an error here:
    /// tests of refusals want the status and the message.
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, input: String? = nil)
        throws -> (status: Int32, stdout: String, stderr: String) {
        lock.lock()
        defer { lock.unlock() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        if let input {
            // Written on another thread: a child that answers as it reads would otherwise fill its pipe and stall.
            let data = Data(input.utf8)
            Thread {
                stdin.fileHandleForWriting.write(data)
                try? stdin.fileHandleForWriting.close()
            }.start()
        }
        let errors = PipeReader(stderr.fileHandleForReading)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), errors.text())
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }
    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
