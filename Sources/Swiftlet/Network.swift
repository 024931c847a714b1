// Swiftlet: the network API applications are written against (docs/ARCHITECTURE.md, "Concurrency").
//
// An application is generic over `Network`; each target supplies one concrete type: the `unix` target
// host kernel sockets (`SwiftletUnix.HostNetwork`), `tap` and `kvm` Swiftlet's own TCP/IP
// (`SwiftletNet.AsyncStack`). The compiler specialises the application for that type, so no call goes
// through a witness table at run time. Everything here is async and runs on the unikernel's one
// cooperative executor, so nothing locks; the types are `Sendable` by that contract (docs/ARCHITECTURE.md,
// "Concurrency").
//
// One error type serves every target, so an application handles `refused` the same way whether the RST
// came through Linux or through Swiftlet's TCP.

import _Concurrency

/// What a network operation can fail with, on every target.
public enum NetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another socket already has this port.
    case portInUse(UInt16)
    /// The peer answered the connection attempt with a reset (nothing listening).
    case refused
    /// The peer reset an established connection.
    case reset
    /// The connection attempt or the retransmissions ran out of time.
    case timedOut
    /// The connection was aborted by this side.
    case aborted
    /// No route, or no link-layer answer (ARP, neighbour discovery), for the destination.
    case unreachable(IPAddress)
    /// The socket is closed, or not connected yet.
    case notConnected
    /// The datagram does not fit (size given).
    case messageTooLong(Int)
    /// No free local port, connection slot or buffer.
    case exhausted
    /// The platform does not allow it (on Linux, ports below 1024 need root or CAP_NET_BIND_SERVICE).
    case notPermitted
    /// The platform reported an error this list has no name for (errno on hosted targets).
    case platform(code: Int32)
    /// A TLS layer over the connection failed with this alert (RFC 8446 §6), sent or received; the
    /// connection is closed.
    case tls(alert: UInt8)

    public var description: String {
        switch self {
        case .portInUse(let p): return p == 0 ? "the port is in use" : "port \(p) is in use"
        case .refused: return "connection refused"
        case .reset: return "connection reset by the peer"
        case .timedOut: return "timed out"
        case .aborted: return "connection aborted"
        case .unreachable(let a): return a.description + " is unreachable"
        case .notConnected: return "not connected"
        case .messageTooLong(let n): return "message too long (\(n) bytes)"
        case .exhausted: return "out of ports, connections or buffers"
        case .notPermitted: return "not permitted (ports below 1024 need root)"
        case .platform(let code): return "system error \(code)"
        case .tls(let alert): return "TLS failed (alert \(alert))"
        }
    }
}

/// An address of either family and a port.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public init(address: IPAddress, port: UInt16) { self.address = address; self.port = port }
    public init(address: IPv4Address, port: UInt16) { self.init(address: .v4(address), port: port) }
    public init(address: IPv6Address, port: UInt16) { self.init(address: IPAddress(address), port: port) }
    /// `192.0.2.1:80` or `[2001:db8::1]:80` (RFC 5952 §6).
    public var description: String {
        switch address {
        case .v4(let a): return a.description + ":" + String(port)
        case .v6(let a): return "[" + a.description + "]:" + String(port)
        }
    }
}

/// One received UDP datagram. `destination` is the address it came to (which of ours, or a broadcast);
/// an answer goes back from the same family.
public struct UDPDatagram: Sendable {
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var payload: [UInt8]
    public init(source: IPAddress, sourcePort: UInt16, destination: IPAddress, payload: [UInt8]) {
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.payload = payload
    }
    public init(source: IPv4Address, sourcePort: UInt16, destination: IPv4Address, payload: [UInt8]) {
        self.init(source: .v4(source), sourcePort: sourcePort, destination: .v4(destination), payload: payload)
    }
}

/// One TCP connection (Mirage calls it a flow).
public protocol TCPFlow: AnyObject, Sendable {
    /// The peer's address and port.
    var remote: Endpoint { get }
    /// Up to `maximum` bytes; waits until some arrive; nil at the end of the stream.
    func read(maximum: Int) async throws(NetworkError) -> [UInt8]?
    /// As `read(maximum:)`, but throws `.timedOut` when nothing arrives within `timeout` (the connection
    /// stays usable).
    func read(maximum: Int, timeout: Duration) async throws(NetworkError) -> [UInt8]?
    /// Queues all of `bytes`, waiting while the send buffer is full.
    func write(_ bytes: [UInt8]) async throws(NetworkError)
    /// As `write(_:)`, but throws `.timedOut` when the bytes could not all be queued within `timeout` (a
    /// peer that stopped reading); what was queued may still be sent, so abort or close the connection.
    func write(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError)
    /// Queues as much of `bytes` as fits in the send buffer now, without waiting; returns how many bytes
    /// it took (0 when the buffer is full or the connection is not open). For the few bytes a
    /// synchronous close must send (TLS close_notify).
    func writeWithoutWaiting(_ bytes: [UInt8]) -> Int
    /// Sends FIN: no more data from this side; reading goes on until the peer closes.
    func shutdownWrite()
    /// Orderly close; the target finishes the handshake on its own.
    func close()
    /// Resets the connection at once.
    func abort()
}

/// Connections arriving on a listening port: `for await flow in listener { ... }`.
public protocol TCPListening: AnyObject, Sendable, AsyncSequence where Element == Flow, Failure == Never {
    associatedtype Flow: TCPFlow
    var port: UInt16 { get }
    /// The next established connection; nil once the listener is closed.
    func accept() async -> Flow?
    /// Stops listening; a waiting `accept` returns nil.
    func close()
}

/// The iterator behind `for await flow in listener`, shared by every target's listener.
public struct TCPListeningIterator<Listener: TCPListening>: AsyncIteratorProtocol {
    let listener: Listener
    public mutating func next() async -> Listener.Flow? { await listener.accept() }
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Never) -> Listener.Flow? {
        await listener.accept()
    }
}

extension TCPListening where AsyncIterator == TCPListeningIterator<Self> {
    public func makeAsyncIterator() -> TCPListeningIterator<Self> { TCPListeningIterator(listener: self) }
}

/// A bound UDP port.
public protocol UDPSocketProtocol: AnyObject, Sendable {
    var port: UInt16 { get }
    /// Waits for the next datagram.
    func receive() async throws(NetworkError) -> UDPDatagram
    /// As `receive()`, but throws `.timedOut` when none arrives within `timeout` (the socket stays usable).
    func receive(timeout: Duration) async throws(NetworkError) -> UDPDatagram
    /// Sends one datagram to an address of either family; never waits (a full queue drops, as UDP may).
    func send(_ payload: [UInt8], to address: IPAddress, port: UInt16) throws(NetworkError)
    func close()
    /// Datagrams arriving from now on are dropped, not queued: for a socket that only sends (the syslog
    /// reporter's), whose queue nobody would read. (The host's sockets have the host kernel's bound.)
    func discardIncoming()
}

extension UDPSocketProtocol {
    public func discardIncoming() {}
}

/// A TCP/IP stack as applications see it.
public protocol Network: AnyObject, Sendable {
    associatedtype Flow: TCPFlow
    associatedtype Listener: TCPListening where Listener.Flow == Flow
    associatedtype Datagrams: UDPSocketProtocol

    /// Listens on `port`: all local addresses of both families.
    func listen(port: UInt16, backlog: Int?) throws(NetworkError) -> Listener
    /// Opens a connection to an address of either family; returns once it is established.
    func connect(to address: IPAddress, port: UInt16) async throws(NetworkError) -> Flow
    /// Binds a UDP port.
    func udp(port: UInt16) throws(NetworkError) -> Datagrams
    /// The addresses of its own this network is reached at (tap and kvm: the stack's IPv4 address and its
    /// IPv6 addresses but link-local ones); empty for the host's sockets bound to every address of the host.
    var addresses: [IPAddress] { get }
    /// Writes what the network counts as Prometheus metrics (tap and kvm: the stack's; unix: the host
    /// kernel keeps those, nothing is written).
    func writeMetrics(_ out: inout MetricsText)
}

extension Network {
    public func listen(port: UInt16) throws(NetworkError) -> Listener { try listen(port: port, backlog: nil) }

    /// Where a service listening on `port` is reached, for its start-up line, from the platform rather
    /// than guessed by the application: `http://10.0.0.2:80/ and http://[2001:db8::2]:80/` with a scheme,
    /// `10.0.0.2:53 and [2001:db8::2]:53` without; on the host's sockets `http://127.0.0.1:8080/ (or any
    /// address of this host)`. A port `swiftlet run --port` forwards is said by `swiftlet run` itself.
    public func reachable(port: UInt16, scheme: String? = nil) -> String {
        func one(_ address: IPAddress) -> String {
            let endpoint = Endpoint(address: address, port: port).description
            guard let scheme else { return endpoint }
            return scheme + "://" + endpoint + "/"
        }
        let own = addresses
        guard !own.isEmpty else { return one(.v4(IPv4Address(127, 0, 0, 1))) + " (or any address of this host)" }
        var out = one(own[0])
        for address in own.dropFirst() { out += " and " + one(address) }
        return out
    }

    public func connect(to address: IPv4Address, port: UInt16) async throws(NetworkError) -> Flow {
        try await connect(to: .v4(address), port: port)
    }

    public func connect(to address: IPv6Address, port: UInt16) async throws(NetworkError) -> Flow {
        try await connect(to: IPAddress(address), port: port)
    }

    /// A TCP listener and a UDP socket on the same port, for services that answer on both (echo, DNS).
    public func listenTCPAndUDP(port: UInt16) throws(NetworkError) -> (Listener, Datagrams) {
        let listener = try listen(port: port)
        do throws(NetworkError) { return (listener, try udp(port: port)) } catch {
            listener.close()
            throw error
        }
    }
}

extension TCPFlow {
    public func read() async throws(NetworkError) -> [UInt8]? { try await read(maximum: 65536) }
}

extension UDPSocketProtocol {
    public func send(_ payload: [UInt8], to address: IPv4Address, port: UInt16) throws(NetworkError) {
        try send(payload, to: .v4(address), port: port)
    }

    public func send(_ payload: [UInt8], to address: IPv6Address, port: UInt16) throws(NetworkError) {
        try send(payload, to: IPAddress(address), port: port)
    }
}

/// Sleeping, as applications see it (the standard `Task.sleep` does not exist in Embedded Swift); each
/// target's run loop implements it with its timer queue.
public protocol Timers: AnyObject, Sendable {
    /// The run loop's current time.
    var now: Instant { get }
    /// Suspends the calling task until `deadline`.
    func sleep(until deadline: Instant) async
}

extension Timers {
    public func sleep(for duration: Duration) async { await sleep(until: now + duration) }
}

extension TCPListening {
    /// Runs `handler` for every connection, each in its own child task, until the listener is closed;
    /// then waits for the handlers still running. Finished children are discarded as they end, so a
    /// server that runs for months holds nothing for the connections it has served. (Child tasks keep the
    /// unikernel's executor; an unstructured `Task` would leave it on hosted targets.)
    public func serve(_ handler: @escaping @Sendable (Flow) async -> Void) async {
        await withDiscardingTaskGroup { group in
            for await flow in self {
                group.addTask { await handler(flow) }
            }
        }
    }
}
