// The HTTP/1.1 request parser: framing, pipelining, limits and hostile input (RFC 9112, RFC 9110).

import Testing
import SwiftletHTTP

private func parseAll(_ text: String, limits: HTTPLimits = .request, byteByByte: Bool = false) throws(HTTPParseError) -> [HTTPRequest] {
    var p = HTTPRequestParser(limits: limits)
    var out: [HTTPRequest] = []
    let bytes = Array(text.utf8)
    if byteByByte {
        for b in bytes {
            let one = [b]
            p.feed(one.span)
            while let r = try p.next() { out.append(r) }
        }
    } else {
        p.feed(bytes.span)
        while let r = try p.next() { out.append(r) }
    }
    return out
}

private func failure(_ text: String, limits: HTTPLimits = .request) -> HTTPParseError? {
    do throws(HTTPParseError) { _ = try parseAll(text, limits: limits); return nil } catch { return error }
}

@Suite struct HTTPRequestParserTests {
    /// Methods are case-sensitive tokens (RFC 9110 §9.1): the standard ones are cases, any other keeps its text.
    @Test func methodsAreTypedAndCaseSensitive() throws {
        let r = try parseAll("get / HTTP/1.1\r\nHost: a\r\n\r\nPATCH / HTTP/1.1\r\nHost: a\r\n\r\nPURGE / HTTP/1.1\r\nHost: a\r\n\r\n", byteByByte: false)
        #expect(r.map(\.method) == [.other("get"), .patch, .other("PURGE")])
        #expect(HTTPMethod("GET") == .get && HTTPMethod("GET").name == "GET" && HTTPMethod("get") != .get)
        #expect(HTTPMethod.head.isSafe && HTTPMethod.options.isSafe && !HTTPMethod.post.isSafe && !HTTPMethod("PURGE").isSafe)
    }

    @Test func simpleGetAndPipelining() throws {
        let text = "GET /index.html HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n"
            + "HEAD /a%20b?x=1 HTTP/1.1\r\nhost: example.org\r\nConnection: close\r\n\r\n"
        for byteByByte in [false, true] {
            let r = try parseAll(text, byteByByte: byteByByte)
            #expect(r.count == 2)
            #expect(r[0].method == "GET" && r[0].target == "/index.html" && r[0].minorVersion == 1)
            #expect(r[0].field("HOST") == "example.org" && r[0].keepAlive)
            #expect(r[1].method == "HEAD" && r[1].target == "/a%20b?x=1" && !r[1].keepAlive)
        }
    }

    @Test func bareLineFeedsAndLeadingEmptyLineAreAccepted() throws {
        let r = try parseAll("\r\nGET / HTTP/1.0\nHost: x\n\n")
        #expect(r.count == 1 && r[0].minorVersion == 0 && !r[0].keepAlive)
        let k = try parseAll("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        #expect(k[0].keepAlive)
    }

    @Test func contentLengthBodySplitAcrossFeeds() throws {
        var p = HTTPRequestParser()
        p.feed(Array("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello".utf8).span)
        #expect(try p.next() == nil)
        p.feed(Array(" worldGET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8).span)
        let r = try #require(try p.next())
        #expect(r.body == Array("hello world".utf8))
        #expect(try p.next()?.method == "GET")
        #expect(p.isIdle)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let text = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        for byteByByte in [false, true] {
            let r = try parseAll(text, byteByByte: byteByByte)
            #expect(r.count == 2)
            #expect(r[0].body == Array("hello world".utf8))
            #expect(r[1].target == "/next")
        }
    }

    @Test func limitsGiveTheirStatus() {
        let long = String(repeating: "a", count: 9000)
        #expect(failure("GET /\(long) HTTP/1.1\r\nHost: a\r\n\r\n")?.status == 414)
        #expect(failure("GET /\(long)")?.status == 414, "too long even before the line ends")
        let many = (0..<101).map { "X-\($0): v\r\n" }.joined()
        #expect(failure("GET / HTTP/1.1\r\nHost: a\r\n\(many)\r\n")?.status == 431)
        let big = (0..<40).map { "X-\($0): \(String(repeating: "v", count: 2000))\r\n" }.joined()
        #expect(failure("GET / HTTP/1.1\r\nHost: a\r\n\(big)\r\n")?.status == 431)
        var small = HTTPLimits.request
        small.maximumBodySize = 10
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: small)?.status == 413)
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n", limits: small)?.status == 413)
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFF\r\n")?.status == 413)
    }

    @Test func smugglingShapesAndBadSyntaxAreRefused() {
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") == .badRequest("both Transfer-Encoding and Content-Length"))
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")?.status == 400)
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc")?.status == 400)
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc") == nil, "equal duplicates are allowed")
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == 501)
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")?.status == 400)
        #expect(failure("GET / HTTP/2.0\r\n\r\n")?.status == 505)
        #expect(failure("GET /  HTTP/1.1\r\nHost: a\r\n\r\n")?.status == 400)
        #expect(failure("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  folded\r\n\r\n") == .badRequest("obsolete line folding"))
        #expect(failure("GET / HTTP/1.1\r\nHost: a\r\nHost : x\r\n\r\n")?.status == 400)
        #expect(failure("G(T / HTTP/1.1\r\nHost: a\r\n\r\n")?.status == 400)
        #expect(failure("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n")?.status == 400)
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n") == .badRequest("chunk data longer than its size"))
        #expect(failure("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")?.status == 400)
    }

    @Test func aHeadArrivingByteByByteIsScannedOnce() throws {
        // 60 KiB of header fields, one byte per feed: linear work, so this finishes at once.
        let fields = (0..<60).map { "X-\($0): \(String(repeating: "v", count: 1000))\r\n" }.joined()
        let r = try parseAll("GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n", byteByByte: true)
        #expect(r.count == 1 && r[0].fields.count == 61)
    }

    @Test func failureIsSticky() {
        var p = HTTPRequestParser()
        p.feed(Array("BAD\r\n\r\n".utf8).span)
        #expect(throws: HTTPParseError.badRequest("malformed request line")) { try p.next() }
        p.feed(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8).span)
        #expect(throws: HTTPParseError.badRequest("malformed request line")) { try p.next() }
    }
}
