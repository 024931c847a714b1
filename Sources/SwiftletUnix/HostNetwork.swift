// SwiftletUnix: the `unix` target's `Network`: the application's API over the host kernel's sockets.
//
// Every socket is non-blocking and edge-triggered on the run loop. An operation makes the system call
// first and parks on the loop only on EAGAIN, so a busy connection costs one syscall per read or write
// and an idle one costs nothing; a read after one that emptied the socket parks without asking the
// kernel (`RunLoop.drained`). Errors map to the same `NetworkError` Swiftlet's own stack throws.
//
// Both families: listening and UDP sockets bound to every address are AF_INET6 with IPV6_V6ONLY off, so
// one socket hears IPv4 (as IPv4-mapped addresses, handed to the application as `.v4`) and IPv6; a host
// without IPv6 sockets, or a bind to one IPv4 address, gets AF_INET. An outgoing connection takes the
// family of its destination.

#if canImport(Glibc)
import Glibc
#endif
import _Concurrency
import Swiftlet

public final class HostNetwork: Network, @unchecked Sendable {
    let loop: RunLoop
    /// The address sockets bind to (unspecified: every local address of both families).
    public let bindAddress: IPAddress
    /// The family of listening and UDP sockets: AF_INET6 (dual-stack) or AF_INET.
    public let family: Int32

    public init(loop: RunLoop, bindAddress: IPAddress = .v4(IPv4Address(0, 0, 0, 0))) {
        self.loop = loop
        if bindAddress.isUnspecified, Sys.hasIPv6 {
            self.bindAddress = .v6(.unspecified)
            family = AF_INET6
        } else {
            self.bindAddress = bindAddress
            family = bindAddress.ipv4 == nil ? AF_INET6 : AF_INET
        }
    }

    public convenience init(loop: RunLoop, bindAddress: IPv4Address) {
        self.init(loop: loop, bindAddress: .v4(bindAddress))
    }

    /// Whether listening sockets hear IPv6 as well as IPv4.
    public var isDualStack: Bool { family == AF_INET6 && bindAddress.isUnspecified }

    /// The address the sockets are bound to; none (every address of the host) when that is unspecified.
    public var addresses: [IPAddress] { bindAddress.isUnspecified ? [] : [bindAddress] }

    /// Nothing: the host's kernel counts its own sockets' traffic (`nstat`, node_exporter).
    public func writeMetrics(_ out: inout MetricsText) {}

    private var bindTo: (UInt16) -> SocketAddress {
        { [bindAddress, family] port in SocketAddress(bindAddress, port: port, family: family)! }
    }

    public func listen(port: UInt16, backlog: Int?) throws(NetworkError) -> HostListener {
        do throws(Errno) {
            let fd = try Sys.socket(family: family, type: Int32(SOCK_STREAM.rawValue))
            Sys.setOption(fd.raw, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try Sys.bind(fd.raw, bindTo(port))
            try Sys.listen(fd.raw, backlog: Int32(clamping: backlog ?? 128))
            try loop.register(fd.raw)
            let bound = Sys.localEndpoint(fd.raw).port
            return HostListener(loop: loop, fd: fd, port: bound)
        } catch {
            throw error == .addressInUse ? .portInUse(port) : error.networkError
        }
    }

    public func connect(to address: IPAddress, port: UInt16) async throws(NetworkError) -> HostFlow {
        let fd: FileDescriptor
        let destinationFamily = address.ipv4 == nil ? AF_INET6 : AF_INET
        guard let destination = SocketAddress(address, port: port, family: destinationFamily) else { throw .unreachable(address) }
        do throws(Errno) {
            fd = try Sys.socket(family: destinationFamily, type: Int32(SOCK_STREAM.rawValue))
        } catch { throw error.code == EAFNOSUPPORT ? .unreachable(address) : error.networkError }
        do throws(Errno) { try loop.register(fd.raw) } catch { throw error.networkError }
        do throws(Errno) {
            try Sys.connect(fd.raw, destination)
        } catch where error == .inProgress {
            await loop.writable(fd.raw)
            if let e = Sys.pendingError(fd.raw) {
                loop.unregister(fd.raw)
                throw e.code == ENETUNREACH || e.code == EHOSTUNREACH ? .unreachable(address) : e.networkError
            }
        } catch {
            loop.unregister(fd.raw)
            throw error.code == ENETUNREACH || error.code == EHOSTUNREACH ? .unreachable(address) : error.networkError
        }
        Sys.setOption(fd.raw, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        return HostFlow(loop: loop, fd: fd, remote: Endpoint(address: address, port: port))
    }

    public func udp(port: UInt16) throws(NetworkError) -> HostUDPSocket {
        do throws(Errno) {
            let fd = try Sys.socket(family: family, type: Int32(SOCK_DGRAM.rawValue))
            try Sys.bind(fd.raw, bindTo(port))
            try loop.register(fd.raw)
            let bound = Sys.localEndpoint(fd.raw).port
            return HostUDPSocket(loop: loop, fd: fd, port: bound, family: family)
        } catch {
            throw error == .addressInUse ? .portInUse(port) : error.networkError
        }
    }
}

public final class HostListener: TCPListening, @unchecked Sendable {
    public typealias Flow = HostFlow
    public typealias Element = HostFlow
    public typealias Failure = Never
    public typealias AsyncIterator = TCPListeningIterator<HostListener>
    let loop: RunLoop
    private var descriptor: FileDescriptor
    private var fd: Int32 { descriptor.raw }
    public let port: UInt16

    init(loop: RunLoop, fd: consuming FileDescriptor, port: UInt16) {
        self.loop = loop
        self.descriptor = fd
        self.port = port
    }

    deinit { close() }

    public func accept() async -> HostFlow? {
        while fd >= 0 {
            do throws(Errno) {
                var peer = Endpoint(address: .v4(.any), port: 0)
                let c = try Sys.accept(fd, peer: &peer)
                do throws(Errno) { try loop.register(c.raw) } catch { continue }  // c closes as it goes
                Sys.setOption(c.raw, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
                return HostFlow(loop: loop, fd: c, remote: peer)
            } catch where error == .again {
                await loop.readable(fd)
            } catch {
                // ECONNABORTED and friends concern one connection only; EMFILE waits a little.
                if error.code == EMFILE || error.code == ENFILE { await loop.sleep(for: .milliseconds(10)) }
            }
        }
        return nil
    }

    public func close() {
        guard fd >= 0 else { return }
        loop.unregister(fd)
        descriptor.close()
    }
}

public final class HostFlow: TCPFlow, @unchecked Sendable {
    let loop: RunLoop
    private var descriptor: FileDescriptor
    private var fd: Int32 { descriptor.raw }
    public let remote: Endpoint

    init(loop: RunLoop, fd: consuming FileDescriptor, remote: Endpoint) {
        self.loop = loop
        self.descriptor = fd
        self.remote = remote
    }

    deinit { close() }

    public func read(maximum: Int) async throws(NetworkError) -> [UInt8]? {
        try await read(maximum: maximum, deadline: nil)
    }

    public func read(maximum: Int, timeout: Duration) async throws(NetworkError) -> [UInt8]? {
        try await read(maximum: maximum, deadline: Sys.monotonicNow() + timeout)
    }

    @inline(__always)
    private func read(maximum: Int, deadline: Instant?) async throws(NetworkError) -> [UInt8]? {
        precondition(maximum > 0, "read(maximum:) needs a positive maximum")
        while true {
            guard fd >= 0 else { throw .notConnected }
            if !loop.mayHaveInput(fd) {
                if let deadline, Sys.monotonicNow() >= deadline { throw .timedOut }
                await loop.readable(fd, until: deadline)
                continue  // input, a deadline, or the descriptor closed: the checks above tell which
            }
            let scratch = loop.receiveScratch
            let wanted = min(maximum, scratch.count)
            let count: Int
            do throws(Errno) {
                count = try Sys.receive(fd, into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<wanted]))
            } catch where error == .again {
                loop.drained(fd)
                continue
            } catch {
                throw error.networkError
            }
            if count == 0 { return nil }
            if count < wanted { loop.drained(fd) }
            return [UInt8](UnsafeRawBufferPointer(rebasing: scratch[..<count]))
        }
    }

    public func write(_ bytes: [UInt8]) async throws(NetworkError) {
        try await write(bytes, timeout: nil)
    }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError) {
        try await write(bytes, timeout: Optional(timeout))
    }

    /// The clock is read only once the socket's buffer is full: a write that does not wait costs no more.
    private func write(_ bytes: [UInt8], timeout: Duration?) async throws(NetworkError) {
        var sent = 0
        var deadline: Instant? = nil
        while sent < bytes.count {
            guard fd >= 0 else { throw .notConnected }
            do throws(Errno) {
                var result: Result<Int, Errno> = .success(0)
                bytes.withUnsafeBytes { all in
                    do throws(Errno) { result = .success(try Sys.send(fd, UnsafeRawBufferPointer(rebasing: all[sent...]))) } catch { result = .failure(error) }
                }
                sent += try result.get()
            } catch where error == .again {
                if let timeout {
                    let now = Sys.monotonicNow()
                    if deadline == nil { deadline = now + timeout }
                    if let deadline, now >= deadline { throw .timedOut }
                }
                await loop.writable(fd, until: deadline)
            } catch {
                throw error.networkError
            }
        }
    }

    public func writeWithoutWaiting(_ bytes: [UInt8]) -> Int {
        guard fd >= 0, !bytes.isEmpty else { return 0 }
        var sent = 0
        bytes.withUnsafeBytes { all in
            sent = (try? Sys.send(fd, all)) ?? 0
        }
        return sent
    }

    public func shutdownWrite() {
        if fd >= 0 { Sys.shutdownWrite(fd) }
    }

    public func close() {
        guard fd >= 0 else { return }
        loop.unregister(fd)
        descriptor.close()
    }

    public func abort() {
        guard fd >= 0 else { return }
        Sys.setLingerZero(fd)  // close then sends RST
        close()
    }
}

public final class HostUDPSocket: UDPSocketProtocol, @unchecked Sendable {
    let loop: RunLoop
    private var descriptor: FileDescriptor
    private var fd: Int32 { descriptor.raw }
    public let port: UInt16
    /// The largest datagram kept whole; longer ones are dropped as truncated.
    public static let maximumDatagram = 65507

    /// Datagrams land here first, up to 16 per system call (recvmmsg), and are copied out at their own
    /// size: one recvfrom per datagram and a 64 KB array each would cost a DNS server most of its speed.
    private let batch: DatagramBatch
    /// Slots of the last batch not yet handed out: `next..<received`.
    private var next = 0
    private var received = 0
    /// Replies sent while received datagrams are still waiting here are held and go out together
    /// (sendmmsg): when this fills, when the application sends with nothing left waiting, or before the
    /// next receive would call the kernel. A held datagram the kernel refuses is dropped, as UDP allows;
    /// a datagram sent with nothing held goes out at once and its errors are thrown as before.
    private let outgoing: DatagramBatch

    init(loop: RunLoop, fd: consuming FileDescriptor, port: UInt16, family: Int32) {
        self.loop = loop
        self.descriptor = fd
        self.port = port
        batch = DatagramBatch(count: 16, slotSize: HostUDPSocket.maximumDatagram + 1, family: family)
        outgoing = DatagramBatch(count: 16, slotSize: HostUDPSocket.maximumDatagram, family: family)
    }

    deinit {
        close()
    }

    public func receive() async throws(NetworkError) -> UDPDatagram { try await receive(deadline: nil) }

    public func receive(timeout: Duration) async throws(NetworkError) -> UDPDatagram {
        try await receive(deadline: Sys.monotonicNow() + timeout)
    }

    @inline(__always)
    private func receive(deadline: Instant?) async throws(NetworkError) -> UDPDatagram {
        while true {
            guard fd >= 0 else { throw .notConnected }
            if next < received {
                let i = next
                next += 1
                guard let (payload, from) = batch.datagram(i) else { continue }  // truncated: dropped
                return UDPDatagram(source: from.address, sourcePort: from.port, destination: .v4(IPv4Address(0, 0, 0, 0)), payload: payload)
            }
            if outgoing.staged > 0 { outgoing.send(fd) }
            if !loop.mayHaveInput(fd) {
                if let deadline, Sys.monotonicNow() >= deadline { throw .timedOut }
                await loop.readable(fd, until: deadline)
                continue
            }
            do throws(Errno) {
                received = try batch.receive(fd)
                next = 0
                // Fewer than a batch: the queue was emptied, and epoll reports the next arrival.
                if received < batch.count { loop.drained(fd) }
            } catch where error == .again {
                loop.drained(fd)
            } catch {
                throw error.networkError
            }
        }
    }

    public func send(_ payload: [UInt8], to address: IPAddress, port destinationPort: UInt16) throws(NetworkError) {
        guard fd >= 0 else { throw .notConnected }
        guard payload.count <= Self.maximumDatagram else { throw .messageTooLong(payload.count) }
        guard let destination = SocketAddress(address, port: destinationPort, family: outgoing.family) else { throw .unreachable(address) }
        if next < received || outgoing.staged > 0 {
            guard outgoing.stage(payload, to: address, port: destinationPort) else { throw .unreachable(address) }
            if next >= received || outgoing.staged == outgoing.count { outgoing.send(fd) }
            return
        }
        do throws(Errno) {
            var result: Result<Int, Errno> = .success(0)
            payload.withUnsafeBytes { b in
                do throws(Errno) { result = .success(try Sys.sendTo(fd, b, destination)) } catch { result = .failure(error) }
            }
            _ = try result.get()
        } catch where error == .again {
            return  // the socket buffer is full: the datagram is dropped, as UDP allows
        } catch {
            if error.code == EMSGSIZE { throw .messageTooLong(payload.count) }
            if error.code == ENETUNREACH || error.code == EHOSTUNREACH { throw .unreachable(address) }
            throw error.networkError
        }
    }

    public func close() {
        guard fd >= 0 else { return }
        if outgoing.staged > 0 { outgoing.send(fd) }
        loop.unregister(fd)
        descriptor.close()
    }
}
