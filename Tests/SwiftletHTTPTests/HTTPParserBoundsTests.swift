// The request parser's work and memory under hostile input (issue 17, item 5): every received byte is
// examined a bounded number of times however the input is split, and chunk framing cannot make a small
// body cost much memory. Work is measured by the parser's own count of bytes examined, not by time.

import Testing
@testable import SwiftletHTTP

/// Feeds `bytes` in pieces of `piece` bytes, taking every request after each piece.
private func feedInPieces(_ bytes: [UInt8], piece: Int, into p: inout HTTPRequestParser) throws(HTTPParseError) -> [HTTPRequest] {
    var out: [HTTPRequest] = []
    var at = 0
    while at < bytes.count {
        let end = min(at + piece, bytes.count)
        p.feed(Array(bytes[at..<end]))
        at = end
        while let r = try p.next() { out.append(r) }
    }
    return out
}

@Suite struct HTTPParserBoundsTests {
    /// 2,000 one-byte chunks, one byte per read: the body is decoded once, not from its start on every
    /// read (that was quadratic: about 50 million bytes examined for these 10 KB).
    @Test func aChunkedBodyArrivingByteByByteIsDecodedOnce() throws {
        let text = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(repeating: "1\r\nx\r\n", count: 2000) + "0\r\n\r\n" + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        let bytes = Array(text.utf8)
        var p = HTTPRequestParser()
        let r = try feedInPieces(bytes, piece: 1, into: &p)
        #expect(r.count == 2 && r.first?.body == Array(repeating: UInt8(ascii: "x"), count: 2000) && r.last?.target == "/next")
        #expect(p.bytesExamined <= 4 * bytes.count, "examined \(p.bytesExamined) bytes for \(bytes.count)")
    }

    /// A Content-Length body arriving a byte at a time, then a head: linear too.
    @Test func aLengthBodyArrivingByteByByteIsCopiedOnce() throws {
        let text = "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n" + String(repeating: "y", count: 20000)
        let bytes = Array(text.utf8)
        var p = HTTPRequestParser()
        let r = try feedInPieces(bytes, piece: 1, into: &p)
        #expect(r.count == 1 && r.first?.body.count == 20000)
        #expect(p.bytesExamined <= 4 * bytes.count, "examined \(p.bytesExamined) bytes for \(bytes.count)")
    }

    /// Empty lines before the request line (RFC 9112 §2.2 lets a server skip them) must not make every
    /// later read parse the head again from its start, the slowloris case the head scan guards against.
    @Test func leadingEmptyLinesDoNotMakeTheHeadQuadratic() throws {
        let fields = (0..<50).map { "X-\($0): \(String(repeating: "v", count: 100))\r\n" }.joined()
        for prefix in ["\r\n", "\r\n\r\n", "\n\n"] {
            let bytes = Array("\(prefix)GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n".utf8)
            var p = HTTPRequestParser()
            let r = try feedInPieces(bytes, piece: 1, into: &p)
            #expect(r.count == 1 && r.first?.fields.count == 51, "prefix \(Array(prefix.utf8))")
            #expect(p.bytesExamined <= 4 * bytes.count, "prefix \(Array(prefix.utf8)): examined \(p.bytesExamined) bytes for \(bytes.count)")
        }
    }

    /// 12,000 chunks of one byte, each with 1,000 bytes of extensions: 12 MB of framing for a 12-byte body.
    /// Each size line is under the line limit, so only a limit on framing overhead refuses it, early.
    @Test func chunkExtensionsCannotBufferMegabytes() {
        let head = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let chunk = Array(("1;" + String(repeating: "a", count: 1000) + "\r\nx\r\n").utf8)
        var bytes = Array(head.utf8)
        bytes.reserveCapacity(bytes.count + chunk.count * 12_000 + 5)
        for _ in 0..<12_000 { bytes += chunk }
        bytes += Array("0\r\n\r\n".utf8)
        var p = HTTPRequestParser()
        var fed = 0
        var failure: HTTPParseError? = nil
        let piece = 64 * 1024
        while fed < bytes.count && failure == nil {
            let end = min(fed + piece, bytes.count)
            p.feed(Array(bytes[fed..<end]))
            fed = end
            do throws(HTTPParseError) { while try p.next() != nil {} } catch { failure = error }
        }
        #expect(failure?.status == 413)
        #expect(fed <= 2 * piece, "refused only after \(fed) bytes")
        #expect(p.buffered <= 2 * piece)
    }

    /// The limits on one chunk-size line and on the framing overhead are settings, with their statuses.
    @Test func chunkLineAndFramingLimits() {
        func failure(_ text: String, _ limits: HTTPLimits = .request) -> HTTPParseError? {
            var p = HTTPRequestParser(limits: limits)
            p.feed(Array(text.utf8))
            do throws(HTTPParseError) { _ = try p.next(); return nil } catch { return error }
        }
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let long = "1;" + String(repeating: "e", count: 2000) + "\r\nx\r\n0\r\n\r\n"
        #expect(failure(head + long)?.status == 400, "a size line over the chunk-line limit")
        #expect(failure(head + String(repeating: "e", count: 2000))?.status == 400, "even before its end arrives")
        var wide = HTTPLimits.request
        wide.chunkLine = 4096
        #expect(failure(head + long, wide) == nil)
        let small = String(repeating: "1\r\nx\r\n", count: 1000) + "0\r\n\r\n"
        #expect(failure(head + small) == nil, "5 KB of framing for 1,000 bytes is within the default allowance")
        var tight = HTTPLimits.request
        tight.chunkFramingAllowance = 1024
        #expect(failure(head + small, tight)?.status == 413)
    }
}
