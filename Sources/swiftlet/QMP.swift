// swiftlet: watches a QEMU machine over QMP (the QEMU Machine Protocol, JSON lines on a Unix socket) so
// that a run always ends. QEMU does not exit when it stops a guest on its own (a KVM internal error, an
// emulation failure, a guest panic, an I/O error): it pauses the machine and waits. The watcher hears
// the STOP event, asks `query-status` why, and tells QEMU to quit; `QEMU.run` then reports the reason
// with its own exit status (104, docs/GUIDE.md "Operating a kernel").
//
// The watcher also connects to the kernel's second serial port (COM2, a Unix socket QEMU serves), where
// `swiftlet run` writes `shutdown` on SIGTERM or SIGINT instead of signalling QEMU (ChildProcess.swift):
// the kernel closes its connections and exits with 0 (Boot.listenForShutdown). A kernel that has not
// ended `shutdownGrace` after the request is ended through QMP's `quit`.
//
// One thread, blocking reads with a short poll so it notices when QEMU is gone. Only what QEMU sends to
// this socket is read; nothing else listens on it (a fresh path under the run's temporary directory).

import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class QMPWatcher: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var _reason: String?
    private var _finished = false
    private var thread: Thread?

    /// Why QEMU stopped the machine (its run state, e.g. `internal-error`), nil if it never did.
    var reason: String? { lock.withLock { _reason } }

    /// The socket of the kernel's COM2, where a shutdown request goes (`Boot.listenForShutdown`).
    let controlPath: String

    init(path: String) {
        self.path = path
        controlPath = path + ".com2"
    }

    /// The QEMU arguments that open the sockets (created at start-up, before -runas drops privileges):
    /// QMP, and a second serial port for the shutdown request.
    var argument: [String] {
        ["-qmp", "unix:\(path),server=on,wait=off",
         "-chardev", "socket,id=control,path=\(controlPath),server=on,wait=off", "-device", "isa-serial,chardev=control,iobase=0x2f8,irq=3"]
    }

    /// How long a kernel has to end after a shutdown request before QEMU is told to quit.
    static let shutdownGrace: TimeInterval = 10

    func start() {
        let t = Thread { [self] in watch() }
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    /// QEMU has exited: the thread stops at its next poll.
    func finish() {
        lock.withLock { _finished = true }
        unlink(path)
        unlink(controlPath)
    }

    private var finished: Bool { lock.withLock { _finished } }
    private var controlFD: Int32 = -1

    /// After QEMU has exited: no more shutdown requests go to COM2; its socket is closed with SIGINT and
    /// SIGTERM blocked, so a handler cannot be halfway through a send on it.
    func closeControl() {
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGINT)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        shutdownRequestFD = -1
        pthread_sigmask(SIG_SETMASK, &old, nil)
        let fd = lock.withLock { () -> Int32 in let f = controlFD; controlFD = -1; return f }
        if fd >= 0 { close(fd) }
    }

    private func watch() {
        guard let fd = connectWhenReady(path) else { return }
        defer { close(fd) }
        // Kept open until QEMU.run has QEMU's status (`closeControl`): a signal handler may be using it.
        if let control = connectWhenReady(controlPath) { lock.withLock { controlFD = control }; shutdownRequestFD = control }
        var reader = LineReader(fd: fd)
        // A shutdown request the kernel has not answered by exiting within the grace: QEMU is told to quit.
        var requested: Date? = nil
        let stop = { [self] () -> Bool in
            if forwardedSignal != 0 {
                let at = requested ?? Date()
                requested = at
                if Date().timeIntervalSince(at) > QMPWatcher.shutdownGrace {
                    send(fd, #"{"execute":"quit"}"#)
                    requested = .distantFuture
                }
            }
            return finished
        }
        // The greeting, then capabilities negotiation (QMP spec: nothing else is accepted before it).
        guard reader.next(until: stop) != nil else { return }
        send(fd, #"{"execute":"qmp_capabilities"}"#)
        while let line = reader.next(until: stop) {
            if line.contains(#""event": "STOP""#) || line.contains(#""event":"STOP""#) {
                send(fd, #"{"execute":"query-status","id":"why"}"#)
            } else if line.contains(#""id": "why""#) || line.contains(#""id":"why""#) {
                let status = QMPWatcher.field("status", in: line) ?? "unknown"
                // A machine that runs again (a pause someone else asked for and undid) is not an end.
                if line.contains(#""running": true"#) || line.contains(#""running":true"#) { continue }
                lock.withLock { _reason = status }
                send(fd, #"{"execute":"quit"}"#)
            }
        }
    }

    /// The value of `"key": "value"` in one JSON line (QMP's replies are flat enough for this).
    static func field(_ key: String, in line: String) -> String? {
        guard let k = line.range(of: "\"\(key)\"") else { return nil }
        let rest = line[k.upperBound...].drop { $0 == ":" || $0 == " " }
        guard rest.first == "\"" else { return nil }
        let value = rest.dropFirst()
        guard let end = value.firstIndex(of: "\"") else { return nil }
        return String(value[..<end])
    }

    /// Connects once QEMU has made the socket at `path`; nil when QEMU finished first.
    private func connectWhenReady(_ path: String) -> Int32? {
        while !finished {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(fd); return nil }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if connected == 0 { return fd }
            close(fd)
            usleep(20_000)
        }
        return nil
    }

    /// MSG_NOSIGNAL: QEMU may be gone, and a SIGPIPE would end swiftlet run before it removes its tap.
    private func send(_ fd: Int32, _ command: String) {
        let bytes = Array((command + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Lines from the socket; `next` returns nil at end of stream or once `stop` says so.
    struct LineReader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func next(until stop: () -> Bool) -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    return line
                }
                // A reply longer than this is not one this watcher asked for: drop what is held.
                if buffer.count > 1 << 20 { buffer.removeAll() }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, 200)
                if ready == 0 { if stop() { return nil }; continue }
                if ready < 0 { if errno == EINTR { continue }; return nil }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return nil }
                buffer += chunk[..<n]
            }
        }
    }
}
