// The client's response parser (SwiftletHTTP/HTTPResponseParser.swift): framing by request method and
// status, chunked and close-delimited bodies, interim responses, pipelining, bad input and limits; and
// the router (HTTPRouter.swift): longest path, 404/405 with Allow, HEAD via GET, typed errors.

import Testing
import Swiftlet
import SwiftletHTTP

private func responses(_ text: String, methods: [String], byteByByte: Bool = false, limits: HTTPLimits = .response,
                       close: Bool = false) throws(HTTPParseError) -> [HTTPClientResponse] {
    var parser = HTTPResponseParser(limits: limits)
    var out: [HTTPClientResponse] = []
    var pending = methods[...]
    let bytes = Array(text.utf8)
    let pieces = byteByByte ? bytes.map { [$0] } : [bytes]
    for piece in pieces {
        parser.feed(piece.span)
        while let m = pending.first, let r = try parser.next(method: m) { out.append(r); pending = pending.dropFirst() }
    }
    if close, let m = pending.first, let r = try parser.finish(method: m) { out.append(r) }
    return out
}

@Suite struct HTTPResponseParserTests {
    @Test func contentLengthChunkedAndPipelined() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
            + "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
        for byteByByte in [false, true] {
            let r = try responses(text, methods: ["GET", "GET", "DELETE"], byteByByte: byteByByte)
            #expect(r.map(\.status) == [200, 404, 204])
            #expect(r[0].body == Array("hello".utf8) && r[0].field("x-a") == "1" && r[0].reason == "OK")
            #expect(r[1].body == Array("abcde".utf8) && r[1].reason == "Not Found")
            #expect(r[2].body.isEmpty)
        }
    }

    @Test func bodiesDependOnTheRequestAndStatus() throws {
        // HEAD and 304: a Content-Length but no body; the next response follows at once.
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        let r = try responses(text, methods: ["HEAD", "GET", "GET"])
        #expect(r.map(\.status) == [200, 304, 200] && r.allSatisfy { $0.body.isEmpty })
        // 100 Continue is skipped; a response without length runs to the close.
        let close = try responses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil the end", methods: ["POST"], close: true)
        #expect(close.count == 1 && close[0].status == 200 && close[0].body == Array("until the end".utf8))
        #expect(close[0].minorVersion == 0 && !close[0].keepAlive)
        #expect(try responses("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", methods: ["GET"]).first?.reason == "")
    }

    @Test func truncatedBadAndOversizedResponsesFail() {
        #expect(throws: HTTPParseError.self) { try responses("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", methods: ["GET"], close: true) }
        #expect(throws: HTTPParseError.self) { try responses("HTTP/1.1 200 OK\r\nContent-", methods: ["GET"], close: true) }
        #expect(throws: HTTPParseError.self) { try responses("HTTP/1.1 2x0 OK\r\n\r\n", methods: ["GET"]) }
        #expect(throws: HTTPParseError.self) { try responses("HTTP/2 200 OK\r\n\r\n", methods: ["GET"]) }
        #expect(throws: HTTPParseError.self) { try responses("ICY 200 OK\r\n\r\n", methods: ["GET"]) }
        #expect(throws: HTTPParseError.self) {
            try responses("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", methods: ["GET"])
        }
        var small = HTTPLimits.response
        small.maximumBodySize = 4
        #expect(throws: HTTPParseError.bodyTooLarge) { try responses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", methods: ["GET"], limits: small) }
        #expect(throws: HTTPParseError.bodyTooLarge) { try responses("HTTP/1.1 200 OK\r\n\r\nhello", methods: ["GET"], limits: small) }
        #expect(throws: HTTPParseError.bodyTooLarge) {
            try responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", methods: ["GET"], limits: small)
        }
    }
}

@Suite struct HTTPRouterTests {
    static let router: HTTPRouter = {
        var r = HTTPRouter()
        r.get("/*") { request in .text(200, "files \(request.target)") }
        r.get("/api/*") { (_) throws(HTTPError) in throw HTTPError(403) }
        r.post("/api/echo") { request in HTTPResponse(status: 201, body: request.body) }
        r.get("/api/teapot") { (_) throws(HTTPError) in throw HTTPError(418, "short and stout") }
        return r
    }()

    static func ask(_ method: HTTPMethod, _ target: String, body: [UInt8] = []) async -> HTTPResponse {
        await router.respond(HTTPRequest(method: method, target: target, body: body))
    }

    @Test func longestPathWinsAndErrorsAreTyped() async {
        #expect(await Self.ask("GET", "/index.html?x=1").body == Array("files /index.html?x=1\n".utf8))
        #expect(await Self.ask("HEAD", "/index.html").status == 200)
        #expect(await Self.ask("GET", "/api/other").status == 403)
        let echo = await Self.ask("POST", "/api/echo?q", body: [1, 2, 3])
        #expect(echo.status == 201 && echo.body == [1, 2, 3])
        let teapot = await Self.ask("GET", "/api/teapot")
        #expect(teapot.status == 418 && teapot.body == Array("short and stout\n".utf8))
        let wrong = await Self.ask("DELETE", "/api/echo")
        #expect(wrong.status == 405 && wrong.fields.contains(HTTPField(name: "Allow", value: "POST")))
        let post = await Self.ask("POST", "/")
        #expect(post.status == 405 && post.fields.contains(HTTPField(name: "Allow", value: "GET, HEAD")))
        var both = HTTPRouter()  // a HEAD route beside the GET one: HEAD is allowed once
        both.get("/x") { _ in .text(200, "") }
        both.add(.head, "/x") { _ in .text(200, "") }
        both.get("/x") { _ in .text(200, "") }
        let allow = await both.respond(HTTPRequest(method: "POST", target: "/x")).fields.filter { $0.name == "Allow" }
        #expect(allow.map(\.value) == ["GET, HEAD"])
        var empty = HTTPRouter()
        empty.post("/only") { _ in .text(200, "") }
        #expect(await empty.respond(HTTPRequest(method: "GET", target: "/elsewhere")).status == 404)
    }
}
