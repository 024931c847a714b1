// SwiftletHTTP: the HTTP/1.1 server loop over any `Network` (RFC 9112 §9: persistent connections and
// pipelining; RFC 9110 §9.3.2 HEAD).
//
// One child task per connection (`TCPListening.serve`). Requests on a connection are answered in order,
// each with one write; a response to HEAD carries the length GET would send and no body. A parse error
// is answered with its status and the connection is closed, and nothing after it is read (RFC 9112 §2.2
// and §6.3 leave nothing else safe: after a framing error, where the next request starts is unknown). A
// response that cannot be serialised (CR or LF in a field: `HTTPMessageError`) is replaced by a 500.
// Timeouts: a connection idle between requests is closed after `idle`; a request (head and body) must
// arrive within `request` of its first byte, else 408 and close, so a slowloris client that trickles a
// byte now and then holds a connection for at most that long (and at most the parser's limits in
// memory); a response the client does not take within `write` resets the connection. A server's
// connections together stay within its `Capacity` (HTTPServerLoad.swift): connections at once, and the
// memory of requests being read and responses being written; beyond either, 503 and close. Not yet:
// `Expect: 100-continue`.

import Swiftlet

public enum HTTPServer {
    public struct Timeouts: Sendable {
        public var idle = Duration.seconds(60)
        public var request = Duration.seconds(30)
        /// A response must be taken by the client within this long (a client that never reads would
        /// otherwise hold its connection and the response's memory); then the connection is reset.
        public var write = Duration.seconds(60)
        public init() {}
    }

    /// Serves `listener` until it is closed, answering every request with `handler`, within `capacity`.
    public static func serve<L: TCPListening, C: WallClock>(
        _ listener: L, clock: C, limits: HTTPLimits = .request, timeouts: Timeouts = .init(),
        capacity: Capacity = .init(), handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) async {
        await serve(listener, clock: clock, limits: limits, timeouts: timeouts, load: Load(capacity), handler: handler)
    }

    /// Serves `listener` within `load`'s capacity (which the caller may read while it runs, or share
    /// between listeners).
    public static func serve<L: TCPListening, C: WallClock>(
        _ listener: L, clock: C, limits: HTTPLimits = .request, timeouts: Timeouts = .init(),
        load: Load, handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) async {
        await listener.serve { flow in
            guard load.admit() else {
                // Refusals hold a task and a connection for a while too: beyond `maximumRefusing` at once
                // the connection is reset at once instead.
                guard load.beginRefusal() else { flow.abort(); return }
                load.responded(503)
                await refuse(flow, errorMessage(503, date: Array(HTTPDate.format(clock.now()).utf8), close: true))
                load.endRefusal()
                return
            }
            await connection(flow, clock: clock, limits: limits, timeouts: timeouts, load: load, handler: handler)
            load.leave()
        }
    }

    /// Serves `listener` as above, but each admitted connection is first turned into another flow by
    /// `upgrade` (a TLS handshake: `HTTPS.serve` in SwiftletTLS); nil drops the connection (the upgrade
    /// closed it). Over capacity a connection is reset at once: a plain-text 503 would mean nothing to a
    /// client that expects a TLS handshake.
    public static func serve<L: TCPListening, C: WallClock, F: TCPFlow>(
        _ listener: L, clock: C, limits: HTTPLimits = .request, timeouts: Timeouts = .init(),
        load: Load, upgrade: @escaping @Sendable (L.Flow) async -> F?,
        handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) async {
        await listener.serve { flow in
            guard load.admit() else { flow.abort(); return }
            if let upgraded = await upgrade(flow) {
                await connection(upgraded, clock: clock, limits: limits, timeouts: timeouts, load: load, handler: handler)
            }
            load.leave()
        }
    }

    /// How long a refused connection's 503 may take to go out, and then how much of the rest of its
    /// request is read and dropped before the connection is closed: at most 64 KiB in at most 16 reads
    /// of at most a second each (a client that trickles holds it no longer than that).
    static let refusalTimeout = Duration.seconds(1)
    static let refusalDrain = 64 * 1024
    static let refusalReads = 16

    /// Sends `message` (a 503), then reads and drops what the client is still sending, a bounded while,
    /// before closing: closing with unread input resets the connection (RFC 9293 §3.10.7.1), and a
    /// reset can reach the client before the 503 does (the "lingering close" of RFC 9112 §9.6).
    static func refuse<F: TCPFlow>(_ flow: F, _ message: [UInt8]) async {
        guard await sendLast(flow, message) else { return }
        flow.shutdownWrite()
        do throws(NetworkError) {
            var dropped = 0
            var reads = 0
            while dropped < refusalDrain && reads < refusalReads,
                  let bytes = try await flow.read(maximum: refusalDrain - dropped, timeout: refusalTimeout) {
                dropped += bytes.count
                reads += 1
            }
        } catch {}
        flow.close()
    }

    /// A last message (400, 408), then the end.
    static func closeAfter<F: TCPFlow>(_ flow: F, _ message: [UInt8]) async {
        if await sendLast(flow, message) { flow.close() }
    }

    /// Writes a connection's last message within `refusalTimeout`; a client that does not take even that
    /// (a zero window) is reset, not left an orphan holding it. False when it was reset.
    static func sendLast<F: TCPFlow>(_ flow: F, _ message: [UInt8]) async -> Bool {
        do throws(NetworkError) { try await flow.write(message, timeout: refusalTimeout) } catch { flow.abort(); return false }
        return true
    }

    /// Requests one connection may be served in a row before it lets the others run (`Task.yield`). A
    /// connection task runs until it has to wait, and a read that finds data waiting does not wait: a
    /// client that pipelines and keeps its socket full would otherwise hold the whole run loop.
    public static let requestsBetweenYields = 16

    /// A plain-text response with `status` and its reason (these always serialise).
    static func errorMessage(_ status: Int, date: [UInt8], close: Bool, withBody: Bool = true) -> [UInt8] {
        (try? HTTPResponse.text(status, HTTPResponse.reason(status)).message(date: date, close: close, withBody: withBody)) ?? []
    }

    /// Serves one connection until the client closes it, asks to, or sends something unparseable. With
    /// a `load`, its memory is charged there (503 and close when it does not fit); the caller admits it.
    public static func connection<F: TCPFlow, C: WallClock>(
        _ flow: F, clock: C, limits: HTTPLimits = .request, timeouts: Timeouts = .init(), load: Load? = nil,
        handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) async {
        var parser = HTTPRequestParser(limits: limits)
        var charge = HTTPConnectionCharge(load)
        defer { charge.releaseAll() }
        /// Over the memory capacity: 503, and the connection ends (nothing after it is read).
        func shed() async {
            httpLog.warning("memory capacity spent: 503 to " + flow.remote.description)
            load?.shed()
            load?.responded(503)
            parser = HTTPRequestParser(limits: limits)
            charge.releaseAll()
            await refuse(flow, errorMessage(503, date: currentDate(), close: true))
        }
        // On the clock's steady reading: a wall clock that is set would stretch or cut the request timeout.
        var requestStarted: Instant? = nil
        // The Date field changes once a second, so it is formatted once a second, not for every response.
        var dateSecond: Int64 = -1
        var date: [UInt8] = []
        func currentDate() -> [UInt8] {
            let now = clock.now()
            if now.secondsSinceEpoch != dateSecond {
                dateSecond = now.secondsSinceEpoch
                date = Array(HTTPDate.format(now).utf8)
            }
            return date
        }
        var served = 0
        while true {
            do throws(HTTPParseError) {
                while let request = try parser.next() {
                    served += 1
                    if served % requestsBetweenYields == 0 { await Task.yield() }
                    // Only a server with a load keeps figures, so only it reads the clock for them.
                    let parsed = load == nil ? nil : clock.elapsed()
                    let response = await handler(request)
                    let close = !request.keepAlive
                    let bytes: [UInt8]
                    var status = response.status
                    do throws(HTTPMessageError) {
                        bytes = try response.message(date: currentDate(), close: close, withBody: request.method != .head)
                    } catch {
                        // A field that would split the response (CR or LF in it): never sent.
                        bytes = errorMessage(500, date: currentDate(), close: close, withBody: request.method != .head)
                        status = 500
                    }
                    // The response is held until the client has taken it: charged with what the parser holds.
                    var last = close
                    if !charge.set(parser.memory + bytes.capacity) {
                        // A safe method (RFC 9110 §9.2.1) is refused: the client may simply ask again. Any
                        // other has had its effect, so its answer goes out anyway, over the bound (counted),
                        // and the connection ends after it.
                        if request.method.isSafe { await shed(); return }
                        load?.overBudgetResponse()
                        last = true
                    }
                    let message = last && !close
                        ? ((try? response.message(date: currentDate(), close: true, withBody: request.method != .head)) ?? bytes) : bytes
                    do throws(NetworkError) { try await flow.write(message, timeout: timeouts.write) } catch { flow.abort(); return }
                    httpLog.debug(request.method.name + " " + request.target + " " + String(status) + " " + String(message.count)
                                  + " bytes to " + flow.remote.description)
                    if let load, let parsed {
                        load.responded(status)
                        load.answered(in: clock.elapsed() - parsed)
                    }
                    if last { flow.close(); return }
                }
                guard charge.set(parser.memory) else { await shed(); return }
            } catch {
                httpLog.info("refused a request from " + flow.remote.description + ": " + String(error.status))
                load?.responded(error.status)
                await closeAfter(flow, errorMessage(error.status, date: currentDate(), close: true))
                return
            }
            let timeout: Duration
            if parser.isIdle {
                requestStarted = nil
                timeout = timeouts.idle
            } else {
                let started = requestStarted ?? clock.elapsed()
                requestStarted = started
                timeout = max(timeouts.request - (clock.elapsed() - started), .milliseconds(1))
            }
            let received: [UInt8]?
            do throws(NetworkError) {
                received = try await flow.read(maximum: 65536, timeout: timeout)
            } catch .timedOut {
                if parser.isIdle { flow.close() } else {
                    httpLog.info("request timeout: 408 to " + flow.remote.description)
                    load?.responded(408)
                    await closeAfter(flow, errorMessage(408, date: currentDate(), close: true))
                }
                return
            } catch {
                flow.abort()
                return
            }
            guard let bytes = received else { flow.close(); return }
            if requestStarted == nil { requestStarted = clock.elapsed() }
            parser.feed(bytes)
            guard charge.set(parser.memory) else { await shed(); return }
        }
    }
}
