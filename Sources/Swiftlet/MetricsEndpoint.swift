// Swiftlet: the metrics port: answers Prometheus scrapes (Metrics.swift) over HTTP/1.1 on a listener of
// its own, for any application on any target, without the HTTP library (a dns kernel carries none).
//
// One request per connection (RFC 9112 §9.6: every response says `Connection: close`, and the server
// closes after it; Prometheus opens a new connection for the next scrape). The request head is read up
// to its blank line, at most 8 KiB in at most 2 reads of 5 s each; a body is not expected and not read. `GET /metrics` and
// `HEAD /metrics` (a query string is allowed) get 200 and the figures `write` puts in a MetricsText, then
// the platform's (`PlatformMetrics`);
// another target 404; another method 405 with `Allow`; a head that is not `METHOD SP TARGET SP
// HTTP/1.x` 400; too long 431; too slow nothing (the connection is reset). At most 16 scrapes are
// answered at once, 4 from one address, so a crowd on the metrics port holds at most 16 heads of 8 KiB
// and 16 responses, and one host cannot take every slot.

/// The platform's own figures, written after the application's on every metrics port: the kvm kernel's
/// heap and boot times (SwiftletKVM/Boot.swift), a hosted process's memory and CPU time
/// (SwiftletUnix/Host.swift). Set once by the platform before the application starts.
public enum PlatformMetrics {
    public nonisolated(unsafe) static var writer: (@Sendable (inout MetricsText) -> Void)? = nil
}

/// Serves the metrics port.
public enum MetricsEndpoint {
    public static let maximumHead = 8192
    public static let maximumConnections = 16
    public static let headTimeout: Duration = .seconds(5)
    /// Reads of one head at most: with `headTimeout` each, a connection is held at most 10 s (a scrape's
    /// head comes in one segment).
    public static let maximumReads = 2
    /// Connections from one address at once, so one host cannot hold every slot.
    public static let maximumPerAddress = 4

    /// Opens the metrics port an application's `--metrics-port` names (0: none, nil) and says where it is:
    /// "NAME: metrics at URL (path /metrics)". A port that cannot be had is one line, "NAME: cannot listen on
    /// port N for metrics: WHY", and the error (the application ends with status 1).
    public static func listen<Net: Network>(port: UInt16, on network: Net, console: some Console, name: String) throws(NetworkError) -> Net.Listener? {
        guard port != 0 else { return nil }
        let listener: Net.Listener
        do throws(NetworkError) { listener = try network.listen(port: port) } catch {
            console.log(name + ": cannot listen on port " + String(port) + " for metrics: " + error.description)
            throw error
        }
        console.log(name + ": metrics at " + network.reachable(port: port, scheme: "http") + " (path /metrics)")
        return listener
    }

    /// Answers scrapes on `listener` until it is closed.
    public static func serve<L: TCPListening>(_ listener: L, write: @escaping @Sendable (inout MetricsText) -> Void) async {
        let open = OpenCount()
        await listener.serve { flow in
            let address = flow.remote.address
            guard open.count < maximumConnections, open.from(address) < maximumPerAddress else { flow.abort(); return }
            open.add(address)
            await answer(flow, write: write)
            open.remove(address)
        }
    }

    /// The connections being answered, and their addresses (at most `maximumConnections` entries).
    final class OpenCount: @unchecked Sendable {
        var addresses: [IPAddress] = []
        var count: Int { addresses.count }
        func from(_ address: IPAddress) -> Int { addresses.reduce(0) { $0 + ($1 == address ? 1 : 0) } }
        func add(_ address: IPAddress) { addresses.append(address) }
        func remove(_ address: IPAddress) {
            if let i = addresses.firstIndex(of: address) { addresses.remove(at: i) }
        }
    }

    static func answer<F: TCPFlow>(_ flow: F, write: @Sendable (inout MetricsText) -> Void) async {
        var head: [UInt8] = []
        var reads = 0
        while true {
            guard head.count < maximumHead else {
                await send(flow, status: "431 Request Header Fields Too Large", body: [])
                return
            }
            // A head comes in a segment or two; one dribbled a byte at a time holds a slot for a bounded time.
            reads += 1
            guard reads <= maximumReads else { flow.abort(); return }
            let chunk: [UInt8]?
            do throws(NetworkError) { chunk = try await flow.read(maximum: maximumHead - head.count, timeout: headTimeout) } catch {
                flow.abort()
                return
            }
            guard let chunk, !chunk.isEmpty else { flow.close(); return }
            let before = max(0, head.count - 3)
            head += chunk
            if endsHead(head, from: before) { break }
        }
        switch route(head) {
        case .metrics(let withBody):
            var out = MetricsText()
            write(&out)
            PlatformMetrics.writer?(&out)
            await send(flow, status: "200 OK", contentType: MetricsText.contentType, body: out.bytes, withBody: withBody)
        case .notFound: await send(flow, status: "404 Not Found", body: Array("only /metrics here\n".utf8))
        case .methodNotAllowed: await send(flow, status: "405 Method Not Allowed", extra: "Allow: GET, HEAD\r\n", body: [])
        case .badRequest: await send(flow, status: "400 Bad Request", body: [])
        }
    }

    enum Route: Equatable { case metrics(withBody: Bool), notFound, methodNotAllowed, badRequest }

    /// What the request line of `head` asks for.
    static func route(_ head: [UInt8]) -> Route {
        var lineEnd = 0
        while lineEnd < head.count, head[lineEnd] != UInt8(ascii: "\r"), head[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let parts = head[..<lineEnd].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].starts(with: "HTTP/1.".utf8), parts[2].count == 8, !parts[1].isEmpty else { return .badRequest }
        let method = parts[0], target = parts[1]
        let get = method.elementsEqual("GET".utf8), headOnly = method.elementsEqual("HEAD".utf8)
        guard get || headOnly else { return .methodNotAllowed }
        let path = target.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false)[0]
        return path.elementsEqual("/metrics".utf8) ? .metrics(withBody: get) : .notFound
    }

    /// Whether `bytes` hold the blank line that ends a head (CRLF CRLF, or bare LF LF, RFC 9112 §2.2);
    /// whatever follows it is not read.
    static func endsHead(_ bytes: [UInt8], from start: Int = 0) -> Bool {
        var i = start + 1
        while i < bytes.count {
            if bytes[i] == 10 && (bytes[i - 1] == 10 || (i >= 3 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13)) {
                return true
            }
            i += 1
        }
        return false
    }

    static func send<F: TCPFlow>(_ flow: F, status: String, contentType: String = "text/plain; charset=utf-8", extra: String = "",
                                 body: [UInt8], withBody: Bool = true) async {
        var message = Array(("HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + String(body.count)
                             + "\r\n" + extra + "Connection: close\r\n\r\n").utf8)
        if withBody { message += body }
        do throws(NetworkError) { try await flow.write(message, timeout: headTimeout) } catch {
            flow.abort()
            return
        }
        flow.close()
    }
}
