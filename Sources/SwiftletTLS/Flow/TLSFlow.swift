// SwiftletTLS / Flow: TLS over any TCP flow, as a TCP flow (`TLSFlow` conforms to `TCPFlow`), so a service
// switches to TLS by wrapping the flows it accepts or opens; nothing else in it changes. The state machine
// (`TLSConnection`) does the protocol; this file only moves bytes between it and the transport, with the
// time from the wall clock (tickets' ages, certificates' validity) and deadlines on its steady reading
// (`WallClock.elapsed`), which setting the clock does not move.
//
// - `accept` / `connect` run the handshake within a deadline (a peer that stalls it is cut off);
// - `read` returns application data; nil at the peer's close_notify, or when the transport ends without
//   one (RFC 8446 §6.1 calls that a truncation; `truncated` tells which);
// - `write` encrypts and sends; `shutdownWrite` and `close` send close_notify first (§6.1), without
//   waiting: the 24 bytes go if the transport takes them now (`writeWithoutWaiting`);
// - a TLS failure sends its alert, closes the transport and surfaces as `NetworkError.tls(alert)`; the
//   `TLSError` itself stays in `failure`.

import Swiftlet

public final class TLSFlow<Underlying: TCPFlow, Random: Entropy, Clock: WallClock>: TCPFlow, @unchecked Sendable {
    public let underlying: Underlying
    let clock: Clock
    var connection: TLSConnection<Random>
    /// Application data decrypted but not yet returned by `read`.
    var pending: [UInt8] = []
    var pendingStart = 0
    /// Why the connection failed, if it did.
    public private(set) var failure: TLSError?
    /// The transport ended without close_notify.
    public private(set) var truncated = false
    /// Receives key log lines (NSS format): the one given to `accept`/`connect`, else `KeyLog.sink`
    /// (on hosted targets, the file `SSLKEYLOGFILE` names). Debugging only.
    public let keyLog: (@Sendable ([UInt8]) -> Void)?

    /// The longest a handshake may take by default.
    public static var defaultHandshakeTimeout: Duration { .seconds(10) }

    init(underlying: Underlying, connection: TLSConnection<Random>, clock: Clock, keyLog: (@Sendable ([UInt8]) -> Void)?) {
        self.underlying = underlying
        self.connection = connection
        self.clock = clock
        self.keyLog = keyLog ?? KeyLog.sink
        self.connection.keyLogEnabled = self.keyLog != nil
    }

    public var remote: Endpoint { underlying.remote }
    /// The ALPN protocol agreed on.
    public var applicationProtocol: [UInt8]? { connection.applicationProtocol }
    /// The name the client asked for (SNI).
    public var serverName: [UInt8]? { connection.serverName }
    /// Whether the handshake resumed a session.
    public var resumed: Bool { connection.resumed }
    /// The negotiated cipher suite.
    public var cipherSuite: CipherSuite? { connection.cipherSuite }

    var now: Instant { Instant(nanoseconds: UInt64(clamping: clock.now().nanosecondsSinceEpoch)) }

    /// Runs a server handshake over `flow`. On failure the transport is closed (after the alert).
    public static func accept(_ flow: Underlying, context: TLSServerContext<Random>, clock: Clock,
                              timeout: Duration = defaultHandshakeTimeout,
                              keyLog: (@Sendable ([UInt8]) -> Void)? = nil) async throws(NetworkError) -> TLSFlow {
        let tls = TLSFlow(underlying: flow, connection: .server(context: context), clock: clock, keyLog: keyLog)
        try await tls.handshake(timeout: timeout)
        return tls
    }

    /// Runs a client handshake over `flow` for `serverName` (checked against the certificate).
    public static func connect(_ flow: Underlying, context: TLSClientContext<Random>, serverName: String, clock: Clock,
                               timeout: Duration = defaultHandshakeTimeout,
                               keyLog: (@Sendable ([UInt8]) -> Void)? = nil) async throws(NetworkError) -> TLSFlow {
        let wall = clock.now()
        let connection: TLSConnection<Random>
        do throws(TLSError) {
            connection = try .client(context: context, serverName: serverName,
                                     now: Instant(nanoseconds: UInt64(clamping: wall.nanosecondsSinceEpoch)),
                                     validationTime: wall.secondsSinceEpoch)
        } catch {
            flow.close()
            throw NetworkError.tls(alert: AlertDescription.internalError.rawValue)
        }
        let tls = TLSFlow(underlying: flow, connection: connection, clock: clock, keyLog: keyLog)
        try await tls.handshake(timeout: timeout)
        return tls
    }

    func handshake(timeout: Duration) async throws(NetworkError) {
        let deadline = clock.elapsed() + timeout
        do throws(NetworkError) {
            try await flush(timeout: timeout)
            while !connection.isConnected {
                let left = deadline - clock.elapsed()
                guard left > .zero else { throw NetworkError.timedOut }
                guard let bytes = try await underlying.read(maximum: 32768, timeout: left) else {
                    truncated = true
                    throw NetworkError.reset
                }
                try await receive(bytes, timeout: left)
            }
        } catch {
            if failure == nil { underlying.abort() }
            throw error
        }
    }

    /// Feeds the state machine and sends what it answers; a TLS failure sends its alert and closes.
    func receive(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError) {
        do throws(TLSError) {
            _ = try connection.receive(bytes, now: now)
        } catch {
            failure = error
            logKeys()
            // The alert goes after whatever part of a record is still unsent, never into it.
            sendWithoutWaiting(connection.takeOutput())
            underlying.close()
            throw NetworkError.tls(alert: Self.alertCode(error))
        }
        logKeys()
        try await flush(timeout: timeout)
    }

    static func alertCode(_ error: TLSError) -> UInt8 {
        switch error {
        case .alert(let a), .peerAlert(let a): a.rawValue
        case .closed: AlertDescription.closeNotify.rawValue
        }
    }

    func logKeys() {
        guard let keyLog else { return }
        let lines = connection.takeKeyLog()
        if !lines.isEmpty { keyLog(lines) }
    }

    func flush(timeout: Duration) async throws(NetworkError) {
        let out = takeOutput()
        if !out.isEmpty { try await underlying.write(out, timeout: timeout) }
    }

    /// What the connection has for the transport, after anything left unsent.
    func takeOutput() -> [UInt8] {
        guard !unsent.isEmpty else { return connection.takeOutput() }
        var out = unsent
        unsent = []
        out.append(contentsOf: connection.takeOutput())
        return out
    }

    // MARK: TCPFlow

    public func read(maximum: Int) async throws(NetworkError) -> [UInt8]? {
        try await read(maximum: maximum, timeout: nil)
    }

    public func read(maximum: Int, timeout: Duration) async throws(NetworkError) -> [UInt8]? {
        try await read(maximum: maximum, timeout: Optional(timeout))
    }

    /// One deadline for the whole call: bytes that bring no application data (part of a record, an
    /// empty record, a KeyUpdate) do not restart it, so a peer trickling them cannot hold a reader that
    /// asked for a timeout.
    func read(maximum: Int, timeout: Duration?) async throws(NetworkError) -> [UInt8]? {
        let deadline = timeout.map { clock.elapsed() + $0 }
        while pendingStart >= pending.count {
            pending = connection.takeApplicationData()
            pendingStart = 0
            if !pending.isEmpty { break }
            if let failure { throw NetworkError.tls(alert: Self.alertCode(failure)) }
            if connection.peerClosed || truncated { return nil }
            let bytes: [UInt8]?
            if let deadline {
                let left = deadline - clock.elapsed()
                guard left > .zero else { throw NetworkError.timedOut }
                bytes = try await underlying.read(maximum: 65536, timeout: left)
            } else {
                bytes = try await underlying.read(maximum: 65536)
            }
            guard let bytes else {
                // The transport ended without close_notify (§6.1): the end of the stream, marked as a
                // truncation for callers that must tell (HTTPS.fetch with a body delimited by the close).
                truncated = true
                return nil
            }
            try await receive(bytes, timeout: timeout ?? .seconds(60))
        }
        let end = pendingStart + min(pending.count - pendingStart, max(1, maximum))
        let chunk = Array(pending[pendingStart..<end])
        pendingStart = end
        return chunk
    }

    public func write(_ bytes: [UInt8]) async throws(NetworkError) {
        try await write(bytes, timeout: nil)
    }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError) {
        try await write(bytes, timeout: Optional(timeout))
    }

    func write(_ bytes: [UInt8], timeout: Duration?) async throws(NetworkError) {
        if let failure { throw NetworkError.tls(alert: Self.alertCode(failure)) }
        do throws(TLSError) { try connection.send(bytes) } catch { throw NetworkError.notConnected }
        let out = takeOutput()
        if let timeout { try await underlying.write(out, timeout: timeout) } else { try await underlying.write(out) }
    }

    /// Sends a KeyUpdate (RFC 8446 §4.6.3) and moves this side's write key on; with `requestPeerUpdate`
    /// the peer is asked to move its own on too (its KeyUpdate is handled by `read`, like any record).
    /// - Throws: `.notConnected` before the handshake or after close; the transport's error.
    public func updateKeys(requestPeerUpdate: Bool) async throws(NetworkError) {
        if let failure { throw NetworkError.tls(alert: Self.alertCode(failure)) }
        do throws(TLSError) { try connection.updateKeys(requestPeerUpdate: requestPeerUpdate) } catch { throw NetworkError.notConnected }
        try await underlying.write(takeOutput())
    }

    /// Takes all of `bytes` (sealed records cannot be split back), or none when not connected or when
    /// records of an earlier call still wait. What the transport does not take now goes ahead of the next
    /// write's records, and is lost if the flow is closed first.
    public func writeWithoutWaiting(_ bytes: [UInt8]) -> Int {
        guard failure == nil, connection.isConnected, unsent.isEmpty else { return 0 }
        do throws(TLSError) { try connection.send(bytes) } catch { return 0 }
        sendWithoutWaiting(connection.takeOutput())
        return bytes.count
    }

    /// Records sealed but not yet taken by the transport (see `writeWithoutWaiting`).
    var unsent: [UInt8] = []

    func sendWithoutWaiting(_ records: [UInt8]) {
        unsent.append(contentsOf: records)
        let taken = underlying.writeWithoutWaiting(unsent)
        unsent = taken >= unsent.count ? [] : Array(unsent[taken...])
    }

    public func shutdownWrite() {
        connection.close()
        sendWithoutWaiting(connection.takeOutput())
        underlying.shutdownWrite()
    }

    public func close() {
        connection.close()
        sendWithoutWaiting(connection.takeOutput())
        underlying.close()
    }

    public func abort() { underlying.abort() }
}
