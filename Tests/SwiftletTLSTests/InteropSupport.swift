// What the interoperability tests (InteropTests.swift) run on: Swiftlet's side on a hosted run loop over
// real loopback sockets (SwiftletUnix's RunLoop and HostNetwork, the kernel's entropy through
// SwiftletCrypto's generator, the wall clock), and the other side as a child process (openssl, curl,
// Python's ssl, tlslite-ng) whose output goes to files the test reads.
//
// Invariants:
// - everything runs on the loop's thread: children are started from inside the loop once our listener
//   exists, and are waited for by polling with `loop.sleep`, never by blocking the thread our side needs;
// - every child is ended: a peer still running when its time is up gets SIGTERM, then SIGKILL;
// - loopback only: our listeners bind 127.0.0.1, peers are pointed at 127.0.0.1;
// - a missing peer program is a failure, never a skip (scripts/test installs them all).

import ChildProcess
import Foundation
import Testing
import Swiftlet
import SwiftletCrypto
import SwiftletUnix
@testable import SwiftletTLS

typealias HostLoop = SwiftletUnix.RunLoop
typealias HostRandom = RandomGenerator<HostEntropy>
typealias HostTLSFlow = TLSFlow<HostFlow, HostRandom, HostWallClock>

enum InteropError: Error, CustomStringConvertible {
    case missing(String)
    case peer(String)
    var description: String {
        switch self {
        case .missing(let what): "interop peer missing: \(what) (scripts/test installs it)"
        case .peer(let what): what
        }
    }
}

/// The peers' programs. Debian's Python is named by path: tlslite-ng is installed for it, and another
/// `python3` earlier on PATH may not have it.
enum Programs {
    static let openssl = "/usr/bin/openssl"
    static let curl = "/usr/bin/curl"
    static let python = "/usr/bin/python3"

    static func require(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw InteropError.missing(path) }
    }
}

/// TestPKI's certificates and keys as files, for the peers (written once per run, in a private folder).
enum InteropFiles {
    struct Pair { let chain: String; let key: String }
    struct Set {
        let ca: String
        let p256: Pair, ed25519: Pair, rsa: Pair, other: Pair
        /// A self-signed P-256 certificate for "localhost": its own CA, which nobody trusts.
        let stranger: String, strangerKey: String
        let directory: String
    }

    static let lock = NSLock()
    nonisolated(unsafe) static var cached: Set?

    static func get() throws -> Set {
        let pki = try TestPKI.get()
        lock.lock(); defer { lock.unlock() }
        if let cached { return cached }
        let directory = NSTemporaryDirectory() + "swiftlet-interop-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = directory + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        func pair(_ name: String, _ leaf: TestPKI.Leaf) throws -> Pair {
            Pair(chain: try write(name + ".pem", leaf.chainPEM), key: try write(name + "-key.pem", leaf.keyPEM))
        }
        try Programs.require(Programs.openssl)
        let stranger = directory + "/stranger.pem", strangerKey = directory + "/stranger-key.pem"
        let req = try ChildProcess.run(Programs.openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", strangerKey, "-out", stranger])
        guard req.status == 0 else { throw InteropError.peer("openssl req failed to make the stranger certificate: \(req.stderr)") }
        let set = Set(ca: try write("ca.pem", pki.caPEM), p256: try pair("p256", pki.p256), ed25519: try pair("ed25519", pki.ed25519),
                      rsa: try pair("rsa", pki.rsa), other: try pair("other", pki.other),
                      stranger: stranger, strangerKey: strangerKey, directory: directory)
        cached = set
        // The folder goes when the test process exits (atexit takes no context: it reads `cached`).
        atexit {
            if let directory = InteropFiles.cached?.directory { try? FileManager.default.removeItem(atPath: directory) }
        }
        return set
    }
}

/// A child process with its standard input a pipe we write, and its output and errors in files.
final class Peer: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let outputPath: String
    let errorPath: String
    let name: String
    private(set) var killed = false
    nonisolated(unsafe) static var count = 0

    init(_ executable: String, _ arguments: [String]) throws {
        try Programs.require(executable)
        // A write to a peer that has exited must be an error, not SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        Peer.count += 1
        let files = try InteropFiles.get()
        name = (executable as NSString).lastPathComponent + " " + (arguments.first ?? "")
        outputPath = files.directory + "/peer-\(Peer.count).out"
        errorPath = files.directory + "/peer-\(Peer.count).err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? out.close(); try? err.close() }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    deinit {
        end()
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorPath)
    }

    /// Writes `text` to the peer's standard input (ignored if it has gone).
    func send(_ text: String) { try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8)) }

    /// Ends the peer's standard input.
    func closeInput() { try? input.fileHandleForWriting.close() }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
    /// Both, for matching and for failure messages.
    var transcript: String { output + "\n--- stderr of \(name) ---\n" + errors }

    /// Waits until `text` is in the output (or the errors), the peer exits, or `timeout` passes.
    @discardableResult
    func waitFor(_ text: String, loop: HostLoop, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = loop.now + timeout
        while loop.now < deadline {
            if transcript.contains(text) { return true }
            if !process.isRunning { return transcript.contains(text) }
            await loop.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Waits for the peer to exit; ends it when `timeout` passes first. Returns its exit status (nil if
    /// it had to be killed).
    @discardableResult
    func finish(loop: HostLoop, timeout: Duration = .seconds(10)) async -> Int32? {
        let deadline = loop.now + timeout
        while process.isRunning && loop.now < deadline { await loop.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            end()
            return nil
        }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after half a second, for a peer still running.
    func end() {
        closeInput()
        guard process.isRunning else { return }
        killed = true
        process.terminate()
        let until = Date().addingTimeInterval(0.5)
        while process.isRunning && Date() < until { usleep(5000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The port a server peer printed after `marker` (openssl's "ACCEPT 127.0.0.1:PORT", our scripts'
    /// "PORT n"), waiting for it.
    func port(after marker: String, loop: HostLoop) async throws -> UInt16 {
        guard await waitFor(marker, loop: loop) else { throw InteropError.peer("no \(marker) from \(name):\n\(transcript)") }
        // Give the line its end before reading the number.
        for _ in 0..<100 {
            if let line = transcript.split(separator: "\n").first(where: { $0.contains(marker) }),
               let range = line.range(of: marker), let port = UInt16(line[range.upperBound...].trimmingCharacters(in: .whitespaces)) {
                return port
            }
            await loop.sleep(for: .milliseconds(10))
        }
        throw InteropError.peer("no port after \(marker) from \(name):\n\(transcript)")
    }
}

/// Swiftlet's side: the run loop, host sockets on loopback, entropy and the wall clock.
struct HostSide: Sendable {
    let loop: HostLoop
    let network: HostNetwork
    let clock = HostWallClock()
    let random: HostRandom

    func serverContext(_ credentials: [TLSCredential], configure: (inout TLSServerConfiguration) -> Void = { _ in }) -> TLSServerContext<HostRandom> {
        var configuration = TLSServerConfiguration(credentials: credentials)
        configure(&configuration)
        return TLSServerContext(configuration: configuration, random: random)
    }

    func clientContext(configure: (inout TLSClientConfiguration) -> Void = { _ in }) throws -> TLSClientContext<HostRandom> {
        var configuration = TLSClientConfiguration(trustStore: try TestPKI.trust())
        configure(&configuration)
        return TLSClientContext(configuration: configuration, random: random)
    }

    /// Our client over a fresh loopback connection to `port`.
    func connect(port: UInt16, context: TLSClientContext<HostRandom>, serverName: String = "localhost",
                 keyLog: (@Sendable ([UInt8]) -> Void)? = nil) async throws -> HostTLSFlow {
        let flow = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: port)
        return try await TLSFlow.connect(flow, context: context, serverName: serverName, clock: clock, timeout: .seconds(5), keyLog: keyLog)
    }
}

final class Box<T>: @unchecked Sendable { var value: T?; init() {} }

/// Runs `body` as the task of a fresh run loop (on this thread) and returns what it returns.
func onLoop<T>(_ body: @escaping @Sendable (HostSide) async throws -> T) throws -> T {
    _ = try InteropFiles.get()  // the certificates first: making them runs Python outside the loop
    let loop = HostLoop()
    let host = HostSide(loop: loop, network: HostNetwork(loop: loop, bindAddress: IPv4Address(127, 0, 0, 1)),
                    random: try RandomGenerator(source: HostEntropy()))
    let result = Box<Result<T, Error>>()
    _ = loop.run {
        do { result.value = .success(try await body(host)) } catch { result.value = .failure(error) }
        return 0
    }
    guard let value = result.value else { throw InteropError.peer("the loop ended without a result") }
    return try value.get()
}

/// What our server saw of one connection.
struct Served: Sendable {
    var suite: CipherSuite?
    var resumed = false
    var applicationProtocol: String?
    var serverName: String?
    /// The server sent a HelloRetryRequest.
    var retried = false
    /// The read and write traffic secrets moved on after the handshake (KeyUpdate, §4.6.3).
    var readKeyUpdated = false
    var writeKeyUpdated = false
    /// Application data received (and echoed back).
    var received: [UInt8] = []
    var error: NetworkError?
}

/// Our TLS echo server on 127.0.0.1, port chosen by the kernel: each connection's handshake, then every
/// byte read is written back, until the peer closes.
final class EchoServer: @unchecked Sendable {
    let listener: HostListener
    let context: TLSServerContext<HostRandom>
    private(set) var served: [Served] = []
    private var task: Task<Void, Never>?
    var port: UInt16 { listener.port }

    init(_ host: HostSide, context: TLSServerContext<HostRandom>) throws {
        self.context = context
        listener = try host.network.listen(port: 0)
        let clock = host.clock
        task = Task(executorPreference: host.loop) { [listener, context] in
            await listener.serve { flow in
                let served = await EchoServer.echo(flow, context: context, clock: clock)
                self.served.append(served)
            }
        }
    }

    static func echo(_ flow: HostFlow, context: TLSServerContext<HostRandom>, clock: HostWallClock) async -> Served {
        var s = Served()
        do throws(NetworkError) {
            let tls = try await TLSFlow.accept(flow, context: context, clock: clock, timeout: .seconds(5))
            s.suite = tls.cipherSuite
            s.resumed = tls.resumed
            s.applicationProtocol = tls.applicationProtocol.map { String(decoding: $0, as: UTF8.self) }
            s.serverName = tls.serverName.map { String(decoding: $0, as: UTF8.self) }
            s.retried = tls.connection.serverSide.retryGroup != nil
            let read = tls.connection.readApplicationSecret, write = tls.connection.writeApplicationSecret
            defer {
                s.readKeyUpdated = tls.connection.readApplicationSecret != read
                s.writeKeyUpdated = tls.connection.writeApplicationSecret != write
            }
            while let bytes = try await tls.read(maximum: 65536, timeout: .seconds(10)) {
                s.received += bytes
                try await tls.write(bytes, timeout: .seconds(5))
            }
            tls.close()
        } catch {
            s.error = error
        }
        return s
    }

    /// Closes the listener and waits for the connections still open.
    func stop() async -> [Served] {
        listener.close()
        await task?.value
        return served
    }
}

extension String {
    /// The lines of `self` that contain `text`.
    func lines(containing text: String) -> [Substring] { split(separator: "\n").filter { $0.contains(text) } }
    func count(of text: String) -> Int { components(separatedBy: text).count - 1 }
}
