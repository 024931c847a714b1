// SwiftletNet: the async API applications see, identical on every target (docs/ARCHITECTURE.md, "Concurrency").
//
// A thin layer of continuations over the synchronous `NetworkStack`: an operation that cannot finish
// now parks its task with a readiness test, on the socket whose changes can make it true. The run loop,
// after feeding frames and firing timers, calls `wake(now:)`, which tests only the tasks parked on the
// sockets the stack touched this turn, those whose deadline passed, and those parked on no socket, and
// resumes each whose test holds. A turn with nothing touched and no deadline due costs nothing however many
// tasks are parked. All of it runs on the one executor of the
// unikernel (or the test's), so no locks are needed. The types are `@unchecked Sendable` so that an
// application in Swift 6 mode can hand a connection to a child task; that is sound because every task
// of a unikernel runs on its one executor (docs/ARCHITECTURE.md, "One executor, Sendable by contract").

import _Concurrency
import Swiftlet
import SwiftletWire

/// A parked task: its readiness test, its deadline, and how to resume it. Outside the generic class so
/// that an array of them is a type known at compile time: nested in `AsyncStack<Device>`, every new list
/// (one per park on a socket) looked its metadata up at run time (perf on tap: `swift_getGenericMetadata`
/// and its cache, about 3% of the server's time).
struct AsyncWaiter {
    let ready: () -> Bool
    /// When the run loop must look again even if no frame arrives (timeouts, sleeps).
    let deadline: Instant?
    let continuation: UnsafeContinuation<Void, Never>
}

public final class AsyncStack<Device: NetworkDevice>: Network, Timers, @unchecked Sendable {
    public let stack: NetworkStack<Device>
    /// The time of the run loop's latest turn; operations use it as `now`.
    @exclusivity(unchecked) public private(set) var now: Instant

    /// What can make a parked task's test true.
    enum WakeOn {
        /// A change to this socket (or the task's deadline).
        case socket(SocketKey)
        /// Its deadline alone (a sleep).
        case deadline
        /// Anything: tested after every turn (conditions on the application's own state).
        case anything
    }
    // Unchecked, as the stack's hot properties are (NetworkStack): only the one executor reaches them, and
    // run-time exclusivity checks cost on every park and wake.
    @exclusivity(unchecked) private var bySocket: [SocketKey: [AsyncWaiter]] = [:]
    @exclusivity(unchecked) private var sleepers: [AsyncWaiter] = []
    @exclusivity(unchecked) private var anytime: [AsyncWaiter] = []
    @exclusivity(unchecked) private var parked = 0
    /// No parked task's deadline is before this (it may be earlier than the earliest one left).
    @exclusivity(unchecked) private var earliestDeadline: Instant = .distantFuture
    /// The stack's touched sockets, taken each turn (the storage is reused).
    @exclusivity(unchecked) private var touched: [SocketKey] = []

    public init(_ stack: NetworkStack<Device>, now: Instant) {
        self.stack = stack
        self.now = now
        stack.recordsTouches = true
    }

    /// Tasks parked waiting for the network (for diagnostics and leak checks).
    public var waiting: Int { parked }
    /// How many times a parked task's test was run (diagnostics; a test checks that a turn tests only
    /// the tasks its changes concern).
    @exclusivity(unchecked) public private(set) var testsRun = 0

    public func writeMetrics(_ out: inout MetricsText) { stack.writeMetrics(&out) }

    /// The stack's IPv4 address (none before DHCP leased one) and its IPv6 addresses in use or on their way
    /// (manual, autoconfigured; not link-local ones, which need a scope, nor duplicates).
    public var addresses: [IPAddress] {
        var out: [IPAddress] = []
        if !stack.ipv4.address.isUnspecified { out.append(.v4(stack.ipv4.address)) }
        for a in stack.ipv6?.addresses ?? [] where !a.address.isLinkLocal && a.state != .duplicate {
            out.append(.v6(a.address))
        }
        return out
    }

    /// Called by the run loop after each turn: resumes every parked task whose test holds, testing only
    /// those a change this turn can concern.
    public func wake(now: Instant) {
        self.now = now
        let overflowed = stack.takeTouched(into: &touched)
        defer {
            touched.removeAll(keepingCapacity: true)
            if parked == 0 { earliestDeadline = .distantFuture }
        }
        guard parked > 0 else { return }
        var emptied: [SocketKey] = []
        if overflowed {
            for i in bySocket.indices {
                settle(&bySocket.values[i], expiredOnly: false)
                if bySocket.values[i].isEmpty { emptied.append(bySocket.keys[i]) }
            }
        } else {
            for key in touched {
                guard let i = bySocket.index(forKey: key) else { continue }
                settle(&bySocket.values[i], expiredOnly: false)
                if bySocket.values[i].isEmpty { bySocket.remove(at: i) }
            }
        }
        settle(&anytime, expiredOnly: false)
        if now >= earliestDeadline {
            earliestDeadline = .distantFuture
            for i in bySocket.indices {
                settle(&bySocket.values[i], expiredOnly: true)
                if bySocket.values[i].isEmpty { emptied.append(bySocket.keys[i]) }
            }
            settle(&sleepers, expiredOnly: true)
            for w in anytime { if let d = w.deadline, d > now { earliestDeadline = min(earliestDeadline, d) } }
        }
        // Sockets nobody waits on any more leave the table (it holds at most one entry per parked task).
        for key in emptied where bySocket[key]?.isEmpty == true { bySocket[key] = nil }
    }

    /// Resumes the tasks of `list` whose test holds, keeping the others in order. With `expiredOnly`, only
    /// tasks whose deadline has passed are tested, and the deadlines still ahead are noted: a deadline
    /// asks for one turn at that time, and a task whose test is still false after it waits on without one
    /// (noting it again would ask for a turn at once, every turn: a busy loop).
    private func settle(_ list: inout [AsyncWaiter], expiredOnly: Bool) {
        var kept = 0
        for i in list.indices {
            let w = list[i]
            let due = !expiredOnly || (w.deadline.map { $0 <= now } ?? false)
            if due, { testsRun &+= 1; return w.ready() }() {
                w.continuation.resume()
                parked -= 1
                continue
            }
            if expiredOnly, let d = w.deadline, d > now { earliestDeadline = min(earliestDeadline, d) }
            list[kept] = w
            kept += 1
        }
        list.removeLast(list.count - kept)
    }

    /// Suspends until `condition` holds (tested now, then whenever `on` says it may have changed). A
    /// `deadline` tells the run loop to take a turn then, for conditions that become true with time alone.
    func wait(on: WakeOn, deadline: Instant? = nil, until condition: @escaping () -> Bool) async {
        if condition() { return }
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            let w = AsyncWaiter(ready: condition, deadline: deadline, continuation: c)
            switch on {
            case .socket(let key): bySocket[key, default: []].append(w)
            case .deadline: sleepers.append(w)
            case .anything: anytime.append(w)
            }
            parked += 1
            if let deadline { earliestDeadline = min(earliestDeadline, deadline) }
        }
    }

    /// Suspends until `condition` holds, for drivers and platform code built on this stack (DHCP
    /// outcome, link state): tested after every run-loop turn. `deadline` asks the run loop to look again then.
    public func waitUntil(deadline: Instant? = nil, _ condition: @escaping () -> Bool) async {
        await wait(on: .anything, deadline: deadline, until: condition)
    }

    /// The run loop's timer queue: the earliest of the stack's timers and the parked tasks' deadlines.
    public var nextDeadline: Instant { min(stack.nextDeadline, earliestDeadline) }

    /// Suspends the calling task until `deadline` (the standard `Task.sleep` does not exist in Embedded Swift).
    public func sleep(until deadline: Instant) async {
        await wait(on: .deadline, deadline: deadline) { [self] in now >= deadline }
    }

    // MARK: - TCP

    /// Listens on `port`; connections arrive through the listener's `accept()` or `for await`.
    public func listen(port: UInt16, backlog: Int?) throws(NetworkError) -> TCPListener<Device> {
        do throws(StackError) { try stack.tcpListen(port: port, backlog: backlog) } catch { throw NetworkError(error) }
        return TCPListener(self, port: port)
    }

    /// Opens a connection to an address of either family; returns once it is established.
    public func connect(to address: IPAddress, port: UInt16) async throws(NetworkError) -> TCPStream<Device> {
        let id: TCPSocketID
        do throws(StackError) { id = try stack.tcpConnect(to: TCPEndpoint(address: address, port: port), now: now) } catch { throw NetworkError(error) }
        await wait(on: .socket(.connection(id))) { [stack] in
            guard let s = stack.tcpState(id) else { return true }
            return s != .synSent && s != .synReceived
        }
        guard let c = stack.tcpConnection(id) else { throw .notConnected }
        if let e = c.error {
            stack.tcpClose(id, now: now)
            throw NetworkError(.connection(e))
        }
        return TCPStream(self, id: id)
    }

    // MARK: - UDP and ICMP

    public func udp(port: UInt16) throws(NetworkError) -> UDPSocket<Device> { try udp(port: port, queueLimit: 64) }

    public func udp(port: UInt16, queueLimit: Int) throws(NetworkError) -> UDPSocket<Device> {
        let bound: UInt16
        do throws(StackError) { bound = try stack.udpBind(port: port, queueLimit: queueLimit) } catch { throw NetworkError(error) }
        return UDPSocket(self, port: bound)
    }

    /// Sends one echo request and waits for its reply; nil after `timeout`.
    public func ping(_ address: IPv4Address, sequence: UInt16, payload: [UInt8] = [], timeout: Duration) async throws(NetworkError) -> Duration? {
        let start = now
        let identifier = UInt16(truncatingIfNeeded: start.nanoseconds >> 10)
        do throws(StackError) {
            try stack.ping(address, identifier: identifier, sequence: sequence, payload: payload, now: now)
        } catch { throw NetworkError(error) }
        var reply: EchoReply? = nil
        await wait(on: .socket(.echo), deadline: start + timeout) { [self] in
            reply = stack.takeEchoReply(from: address, identifier: identifier, sequence: sequence)
            return reply != nil || now >= start + timeout
        }
        return reply == nil ? nil : now - start
    }
}

/// Incoming TCP connections on one port.
public final class TCPListener<Device: NetworkDevice>: TCPListening, @unchecked Sendable {
    public typealias Flow = TCPStream<Device>
    public typealias Element = TCPStream<Device>
    public typealias Failure = Never
    public typealias AsyncIterator = TCPListeningIterator<TCPListener<Device>>
    let owner: AsyncStack<Device>
    public let port: UInt16
    private var closed = false

    init(_ owner: AsyncStack<Device>, port: UInt16) {
        self.owner = owner
        self.port = port
    }

    /// The next established connection; nil once the listener is closed.
    public func accept() async -> TCPStream<Device>? {
        var id: TCPSocketID? = nil
        await owner.wait(on: .socket(.listener(port))) { [self] in
            if closed { return true }
            id = owner.stack.tcpAccept(port: port)
            return id != nil
        }
        guard let id else { return nil }
        return TCPStream(owner, id: id)
    }

    /// Stops listening; connections not accepted yet are reset and a waiting `accept` returns nil.
    public func close() {
        closed = true
        owner.stack.tcpUnlisten(port: port, now: owner.now)
    }
}

/// One TCP connection as the application sees it.
public final class TCPStream<Device: NetworkDevice>: TCPFlow, @unchecked Sendable {
    let owner: AsyncStack<Device>
    public let id: TCPSocketID
    private var released = false

    init(_ owner: AsyncStack<Device>, id: TCPSocketID) {
        self.owner = owner
        self.id = id
    }

    public var remote: TCPEndpoint { id.remote }

    /// Up to `maximum` bytes; waits for data; nil at the end of the stream.
    public func read(maximum: Int) async throws(NetworkError) -> [UInt8]? {
        try await read(maximum: maximum, deadline: nil)
    }

    public func read(maximum: Int, timeout: Duration) async throws(NetworkError) -> [UInt8]? {
        try await read(maximum: maximum, deadline: owner.now + timeout)
    }

    private func read(maximum: Int, deadline: Instant?) async throws(NetworkError) -> [UInt8]? {
        let stack = owner.stack
        let owner = self.owner
        var expired = false
        await owner.wait(on: .socket(.connection(id)), deadline: deadline) { [id] in
            guard let c = stack.tcpReadiness(id) else { return true }
            if c.readable > 0 || c.atEndOfStream || c.failed || c.closed { return true }
            if let deadline, owner.now >= deadline { expired = true }
            return expired
        }
        if expired { throw .timedOut }
        let bytes: [UInt8]
        do throws(StackError) { bytes = try stack.tcpRead(id, maximum: maximum, now: owner.now) } catch { throw NetworkError(error) }
        if bytes.isEmpty {
            if stack.tcpAtEndOfStream(id) { return nil }
            if stack.tcpState(id) == .closed { return nil }
        }
        return bytes
    }

    /// Queues all of `bytes`, waiting whenever the send buffer is full.
    public func write(_ bytes: [UInt8]) async throws(NetworkError) {
        try await write(bytes, timeout: nil)
    }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError) {
        try await write(bytes, timeout: Optional(timeout))
    }

    private func write(_ bytes: [UInt8], timeout: Duration?) async throws(NetworkError) {
        let stack = owner.stack
        let owner = self.owner
        var sent = 0
        var deadline: Instant? = nil
        while sent < bytes.count {
            do throws(StackError) {
                sent += try stack.tcpWrite(id, bytes.span.extracting(sent...), now: owner.now)
            } catch { throw NetworkError(error) }
            if sent < bytes.count {
                if let timeout, deadline == nil { deadline = owner.now + timeout }
                var expired = false
                // Tested every turn, not on its connection's changes alone: send space also comes from the
                // stack's shared memory budget, which other connections' releases refill.
                await owner.wait(on: .anything, deadline: deadline) { [id] in
                    guard let c = stack.tcpReadiness(id) else { return true }
                    if c.sendSpace > 0 || c.failed || c.closed { return true }
                    if let deadline, owner.now >= deadline { expired = true }
                    return expired
                }
                if expired { throw .timedOut }
            }
        }
    }

    public func writeWithoutWaiting(_ bytes: [UInt8]) -> Int {
        (try? owner.stack.tcpWrite(id, bytes.span, now: owner.now)) ?? 0
    }

    /// No more data from us; reading continues until the peer closes.
    public func shutdownWrite() { owner.stack.tcpShutdownWrite(id, now: owner.now) }

    /// Orderly close; the stack finishes the handshake on its own.
    public func close() {
        guard !released else { return }
        released = true
        owner.stack.tcpClose(id, now: owner.now)
    }

    /// Reset the connection at once.
    public func abort() {
        guard !released else { return }
        released = true
        owner.stack.tcpAbort(id, now: owner.now)
    }
}

/// A bound UDP port.
public final class UDPSocket<Device: NetworkDevice>: UDPSocketProtocol, @unchecked Sendable {
    let owner: AsyncStack<Device>
    public let port: UInt16

    init(_ owner: AsyncStack<Device>, port: UInt16) {
        self.owner = owner
        self.port = port
    }

    /// Waits for the next datagram.
    public func receive() async throws(NetworkError) -> UDPDatagram { try await receive(deadline: nil) }

    public func receive(timeout: Duration) async throws(NetworkError) -> UDPDatagram {
        try await receive(deadline: owner.now + timeout)
    }

    private func receive(deadline: Instant?) async throws(NetworkError) -> UDPDatagram {
        let stack = owner.stack
        var datagram: UDPDatagram? = nil
        var failure: StackError? = nil
        await owner.wait(on: .socket(.udp(port)), deadline: deadline) { [port, owner] in
            do throws(StackError) { datagram = try stack.udpReceive(port: port) } catch { failure = error }
            return datagram != nil || failure != nil || (deadline.map { owner.now >= $0 } ?? false)
        }
        if let failure { throw NetworkError(failure) }
        guard let datagram else { throw .timedOut }
        return datagram
    }

    public func send(_ payload: [UInt8], to address: IPAddress, port destinationPort: UInt16) throws(NetworkError) {
        do throws(StackError) {
            try owner.stack.udpSend(from: port, to: address, port: destinationPort, payload: payload.span, now: owner.now)
        } catch { throw NetworkError(error) }
    }

    public func close() { owner.stack.udpUnbind(port: port) }

    /// Queues nothing from now on (a socket that only sends).
    public func discardIncoming() { owner.stack.udpDiscardIncoming(port: port) }
}
