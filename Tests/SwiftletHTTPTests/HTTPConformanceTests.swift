// HTTP/1.1 conformance where it matters for safety (issue 17, item 6): Host (RFC 9112 §3.2), the
// request-target forms (§3.2.1-§3.2.4), CONNECT, If-Range (RFC 9110 §13.1.5), framing errors closing the
// connection (RFC 9112 §6.1, §6.3), no CR or LF into a serialised message (RFC 9110 §5.5), and no
// protocol-relative redirect from StaticFiles.

import Testing
import Swiftlet
import SwiftletHTTP
import SwiftletTesting

private func parse(_ text: String) -> Result<[HTTPRequest], HTTPParseError> {
    var p = HTTPRequestParser()
    p.feed(Array(text.utf8))
    var out: [HTTPRequest] = []
    do throws(HTTPParseError) {
        while let r = try p.next() { out.append(r) }
        return .success(out)
    } catch {
        return .failure(error)
    }
}

private func status(_ text: String) -> Int? {
    if case .failure(let e) = parse(text) { return e.status }
    return nil
}

/// A connection whose input is given in advance; it records what the server writes and how it ends.
private final class ScriptedFlow: TCPFlow, @unchecked Sendable {
    let remote = Endpoint(address: IPv4Address(127, 0, 0, 1), port: 40000)
    var input: [[UInt8]]
    var written: [UInt8] = []
    var closed = false
    init(_ input: [String]) { self.input = input.map { Array($0.utf8) } }
    func read(maximum: Int) async throws(NetworkError) -> [UInt8]? { input.isEmpty ? nil : input.removeFirst() }
    func read(maximum: Int, timeout: Duration) async throws(NetworkError) -> [UInt8]? { try await read(maximum: maximum) }
    func write(_ bytes: [UInt8]) async throws(NetworkError) { written += bytes }
    func write(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError) { written += bytes }
    func writeWithoutWaiting(_ bytes: [UInt8]) -> Int { written += bytes; return bytes.count }
    func shutdownWrite() {}
    func close() { closed = true }
    func abort() { closed = true }
    var text: String { String(decoding: written, as: UTF8.self) }
    /// How many status lines were written.
    var responses: Int {
        let mark = Array("HTTP/1.1 ".utf8)
        guard written.count >= mark.count else { return 0 }
        return (0...(written.count - mark.count)).filter { written[$0..<($0 + mark.count)].elementsEqual(mark) }.count
    }
}

private final class Calls: @unchecked Sendable { var targets: [String] = [] }

/// Serves `input` on one connection; returns the flow and the targets the handler saw.
private func serve(_ input: [String], _ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse = { _ in .text(200, "ok") }) async -> (ScriptedFlow, [String]) {
    let flow = ScriptedFlow(input)
    let calls = Calls()
    await HTTPServer.connection(flow, clock: ManualWallClock(WallTime(secondsSinceEpoch: 1_800_000_000))) { request in
        calls.targets.append(request.target)
        return respond(request)
    }
    return (flow, calls.targets)
}

@Suite struct HTTPConformanceTests {
    /// RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, for any request with two, and for any
    /// with an invalid value.
    @Test func hostIsRequiredOnceAndValid() {
        #expect(status("GET / HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n") == 400)
        for bad in ["exa mple.org", "a/b", "user@a", "[::1", "a:b", "a:80:81", "a\"b", "a%zz", "[::1]x", "a?b"] {
            #expect(status("GET / HTTP/1.1\r\nHost: \(bad)\r\n\r\n") == 400, "\(bad)")
        }
        for good in ["example.org", "example.org:8080", "[::1]:80", "[fe80::1]", "10.0.0.1", "a-b_c~d.e", "%41b", "", "a:"] {
            #expect(status("GET / HTTP/1.1\r\nHost: \(good)\r\n\r\n") == nil, "\(good)")
        }
        #expect(status("GET / HTTP/1.0\r\n\r\n") == nil, "HTTP/1.0 may omit Host")
    }

    /// RFC 9112 §3.2.2: an absolute-form target is accepted; the path (and query) is the target, and the
    /// target's authority replaces the Host field.
    @Test func absoluteFormTargets() throws {
        let r = try parse("GET http://example.org:8080/a/b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n").get()
        #expect(r.first?.target == "/a/b?q=1")
        #expect(r.first?.field("Host") == "example.org:8080")
        #expect(try parse("GET HTTP://example.org HTTP/1.1\r\nHost: x\r\n\r\n").get().first?.target == "/")
        #expect(try parse("GET https://example.org?x HTTP/1.1\r\nHost: x\r\n\r\n").get().first?.target == "/?x")
        #expect(status("GET http://user@example.org/ HTTP/1.1\r\nHost: x\r\n\r\n") == 400, "userinfo is an error (RFC 9110 §4.2.4)")
        #expect(status("GET http:/x HTTP/1.1\r\nHost: x\r\n\r\n") == 400)
        #expect(status("GET index.html HTTP/1.1\r\nHost: x\r\n\r\n") == 400, "origin form starts with a slash")
    }

    /// RFC 9112 §3.2.4: the asterisk form only for OPTIONS; CONNECT (authority form) is not served: 501.
    @Test func asteriskOnlyForOptionsAndNoConnect() async throws {
        #expect(try parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").get().first?.target == "*")
        #expect(status("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n") == 501)
        let (flow, targets) = await serve(["CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n"])
        #expect(flow.text.hasPrefix("HTTP/1.1 501 Not Implemented\r\n") && flow.closed && targets.isEmpty)
    }

    /// RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means the framing is faulty: 400, and the
    /// connection closes with nothing after it processed.
    @Test func aFramingErrorClosesTheConnection() async {
        #expect(status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400)
        let (flow, targets) = await serve([
            "GET /first HTTP/1.1\r\nHost: a\r\n\r\n",
            "POST /smuggle HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /later HTTP/1.1\r\nHost: a\r\n\r\n",
        ])
        #expect(targets == ["/first"])
        #expect(flow.responses == 2, "one 200, one 400: \(flow.text)")
        #expect(flow.text.contains("HTTP/1.1 400 Bad Request\r\n") && flow.closed)
        #expect(flow.input.count == 1, "the bytes after the error are never read")
    }

    /// RFC 9110 §5.5: CR, LF and NUL never reach the wire in a field; names are tokens; the status has
    /// three digits. Serialising such a response fails; the server answers 500 instead.
    @Test func responsesRefuseFieldsThatWouldSplitTheMessage() async {
        let split = HTTPResponse(status: 200, fields: [HTTPField(name: "X-A", value: "a\r\nSet-Cookie: b=c")])
        #expect((try? split.head(date: "D", close: false)) == nil)
        #expect((try? HTTPResponse(status: 200, fields: [HTTPField(name: "X-A", value: "a\nb")]).head(date: "D", close: false)) == nil)
        #expect((try? HTTPResponse(status: 200, fields: [HTTPField(name: "X A", value: "b")]).head(date: "D", close: false)) == nil)
        #expect((try? HTTPResponse(status: 200, fields: [HTTPField(name: "", value: "b")]).head(date: "D", close: false)) == nil)
        #expect((try? HTTPResponse(status: -1).head(date: "D", close: false)) == nil)
        #expect((try? HTTPResponse(status: 1000).head(date: "D", close: false)) == nil)
        #expect((try? HTTPResponse(status: 200, fields: [HTTPField(name: "X-A", value: "tab\there, obs-text \u{e9}")]).head(date: "D", close: false)) != nil)
        let (flow, _) = await serve(["GET / HTTP/1.1\r\nHost: a\r\n\r\n"]) { _ in split }
        #expect(flow.text.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n") && !flow.text.contains("Set-Cookie"))
    }

    /// The client refuses a method, target, host or field that would put CR or LF on the wire, and sends
    /// nothing.
    @Test func theClientRefusesRequestsThatWouldSplitTheMessage() async {
        for (method, target, host, fields) in [
            ("GET", "/a\r\nX: y", "h", [HTTPField]()), ("GET", "/a b", "h", []), ("GE T", "/", "h", []),
            ("GET", "/", "h\r\nX: y", []), ("GET", "/", "h", [HTTPField(name: "X", value: "a\nb")]),
            ("GET", "/", "h", [HTTPField(name: "X:", value: "a")]),
        ] {
            let flow = ScriptedFlow(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
            var connection = HTTPClientConnection(flow: flow, host: host)
            var failure: HTTPClientError? = nil
            do throws(HTTPClientError) { _ = try await connection.request(method, target, fields: fields) } catch { failure = error }
            #expect(failure != nil && flow.written.isEmpty, "\(method) \(target) \(host) \(fields)")
        }
    }

    /// RFC 9110 §13.1.5: a Range with an If-Range that does not match the current entity tag (strongly;
    /// a weak tag or a date never matches here, as there is no Last-Modified) gives the whole file.
    @Test func ifRangeThatDoesNotMatchGivesTheWholeFile() async throws {
        let files = StaticFiles(store: MemoryKeyValueStore(["f.txt": Array("0123456789".utf8)]))
        let plain = await files.respond(HTTPRequest(method: "GET", target: "/f.txt"))
        let etag = try #require(plain.fields.first { $0.name == "ETag" }?.value)
        func get(_ ifRange: String) async -> HTTPResponse {
            await files.respond(HTTPRequest(method: "GET", target: "/f.txt", fields: [
                HTTPField(name: "Range", value: "bytes=2-4"), HTTPField(name: "If-Range", value: ifRange),
            ]))
        }
        let match = await get(etag)
        #expect(match.status == 206 && match.body == Array("234".utf8))
        for other in ["\"stale\"", "W/" + etag, "Sun, 06 Nov 1994 08:49:37 GMT", ""] {
            let r = await get(other)
            #expect(r.status == 200 && r.body == Array("0123456789".utf8), "If-Range: \(other)")
        }
    }

    /// `GET //evil.example` naming a directory must not redirect to `//evil.example/`, which a browser
    /// reads as another host (a store that skips empty path segments, as DirectoryStore does, finds the
    /// directory).
    @Test func directoryRedirectsAreNeverProtocolRelative() async {
        let files = StaticFiles(store: MemoryKeyValueStore(["/evil.example/index.html": [1], "dir/index.html": [2]]))
        for target in ["//evil.example", "///evil.example", "/%2Fevil.example"] {
            let r = await files.respond(HTTPRequest(method: "GET", target: target))
            let location = r.fields.first { $0.name == "Location" }?.value ?? ""
            #expect(r.status != 301 || (location.hasPrefix("/") && !location.hasPrefix("//")), "\(target): \(location)")
        }
        let dir = await files.respond(HTTPRequest(method: "GET", target: "/dir"))
        #expect(dir.status == 301 && dir.fields.contains(HTTPField(name: "Location", value: "/dir/")))
    }

    /// Hidden names are never served (a TLS key may live in the store under `.tls/`), however the target
    /// spells them; `.well-known` (RFC 8615) is served.
    @Test func hiddenNamesAreNotServed() async {
        let files = StaticFiles(store: MemoryKeyValueStore([
            ".tls/server.key": [1], "a/.secret": [2], ".well-known/x": [3], "ok.txt": [4], "a.b/c": [5],
        ]))
        for target in ["/.tls/server.key", "/%2Etls/server.key", "//.tls/server.key", "/a/.secret", "/.well-knownx/x"] {
            let r = await files.respond(HTTPRequest(method: "GET", target: target))
            #expect(r.status == 404 || r.status == 400, "\(target): \(r.status)")
            #expect(r.body != [1] && r.body != [2], "\(target)")
        }
        for (target, body) in [("/.well-known/x", [UInt8(3)]), ("/ok.txt", [4]), ("/a.b/c", [5])] {
            let r = await files.respond(HTTPRequest(method: "GET", target: target))
            #expect(r.status == 200 && r.body == body, "\(target)")
        }
    }
}
