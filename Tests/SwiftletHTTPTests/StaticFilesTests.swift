// Static files over a key-value store, the HTTP date, and the server loop over a scripted flow.

import Testing
import Swiftlet
import SwiftletHTTP
import SwiftletTesting

private func get(_ target: String, _ fields: [HTTPField] = [], method: HTTPMethod = .get) -> HTTPRequest {
    HTTPRequest(method: method, target: target, minorVersion: 1, fields: fields, body: [])
}

@Suite struct StaticFilesTests {
    let files = StaticFiles(store: MemoryKeyValueStore([
        "index.html": Array("<h1>home</h1>".utf8),
        "css/site.css": Array("body{}".utf8),
        "docs/a b.txt": Array("0123456789".utf8),
        "img/Logo.SVG": [1],
        "v1.2/notes": [2],
        "archive.tar.gz": [3],
        "a.toolongext": [4],
        ".md": [5],
        "data.JSON": [6],
        "news/feed.atom": [7],
    ]))

    /// Media types by the last component's extension, any case; a dot in a directory does not count.
    @Test func contentTypesByExtension() async {
        let expected = [
            "/img/Logo.SVG": "image/svg+xml", "/v1.2/notes": "application/octet-stream",
            "/archive.tar.gz": "application/octet-stream", "/a.toolongext": "application/octet-stream",
            "/data.JSON": "application/json",
        ]
        for (target, type) in expected {
            let r = await files.respond(get(target))
            #expect(r.status == 200 && r.fields.first { $0.name == "Content-Type" }?.value == type, "\(target)")
        }
        // A name that is only an extension is hidden, and hidden names are never served.
        #expect(await files.respond(get("/.md")).status == 404)
    }

    /// The head is built byte by byte: status line, Date, Server, fields, Content-Length, Connection.
    @Test func responseHeads() throws {
        let r = HTTPResponse(status: 404, fields: [HTTPField(name: "X-A", value: "b")], body: Array(repeating: 0, count: 1234567))
        #expect(String(decoding: try r.head(date: "D", close: true), as: UTF8.self)
                == "HTTP/1.1 404 Not Found\r\nDate: D\r\nServer: Swiftlet\r\nX-A: b\r\nContent-Length: 1234567\r\nConnection: close\r\n\r\n")
        #expect(String(decoding: try HTTPResponse(status: 200).head(date: "D", close: false), as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nDate: D\r\nServer: Swiftlet\r\nContent-Length: 0\r\n\r\n")
        #expect(String(decoding: try HTTPResponse(status: 304).head(date: "D", contentLength: 10, close: false), as: UTF8.self)
                == "HTTP/1.1 304 Not Modified\r\nDate: D\r\nServer: Swiftlet\r\n\r\n")
    }

    @Test func servesFilesWithTypesAndIndexes() async {
        let home = await files.respond(get("/"))
        #expect(home.status == 200 && home.body == Array("<h1>home</h1>".utf8))
        #expect(home.fields.contains(HTTPField(name: "Content-Type", value: "text/html; charset=utf-8")))
        let css = await files.respond(get("/css/site.css?v=3"))
        #expect(css.status == 200 && css.fields.contains(HTTPField(name: "Content-Type", value: "text/css; charset=utf-8")))
        #expect(await files.respond(get("/docs/a%20b.txt")).body == Array("0123456789".utf8))
        #expect(await files.respond(get("/missing")).status == 404)
        let dir = await files.respond(get("/css"))
        #expect(dir.status == 301 && dir.fields.contains(HTTPField(name: "Location", value: "/css/")))
        #expect(await files.respond(get("/../secret")).status == 400)
        #expect(await files.respond(get("/%2e%2e/secret")).status == 400)
        #expect(await files.respond(get("/a%zz")).status == 400)
        for bad in ["/a/./b", "/a/..", "/css/.", "/x%00y", "/a%2", "/a%", "css/site.css", "/..", "/.", "/a/../b", "//.."] {
            #expect(await files.respond(get(bad)).status == 400, "\(bad)")
        }
        #expect(await files.respond(get("/css%2Fsite.css")).status == 200)  // decoded before splitting, as before
        #expect(await files.respond(get("/.../x")).status == 404)  // three dots are a name
        #expect(await files.respond(get("/css/..x")).status == 404)  // so are dots with more after them
        #expect(await files.respond(get("/css/site.css?v=2")).status == 200)  // the query is not the path
        #expect(await files.respond(get("/", method: "DELETE")).status == 405)
    }

    @Test func entityTagsAndConditionalRequests() async throws {
        let first = await files.respond(get("/"))
        let etag = try #require(first.fields.first { $0.name == "ETag" }?.value)
        #expect(etag == "\"" + ContentDigest.of(Array("<h1>home</h1>".utf8).span) + "\"")
        #expect(await files.respond(get("/", [HTTPField(name: "If-None-Match", value: etag)])).status == 304)
        #expect(await files.respond(get("/", [HTTPField(name: "If-None-Match", value: "\"other\", \(etag)")])).status == 304)
        #expect(await files.respond(get("/", [HTTPField(name: "If-None-Match", value: "*")])).status == 304)
        #expect(await files.respond(get("/", [HTTPField(name: "If-None-Match", value: "\"stale\"")])).status == 200)
    }

    /// Pages and feeds are revalidated on every use (no-cache); stylesheets and images may be reused for an
    /// hour; a 304 carries the same Cache-Control as the 200 (RFC 9110 §15.4.5).
    @Test func cacheControlByMediaType() async throws {
        func cache(_ r: HTTPResponse) -> String? { r.fields.first { $0.name == "Cache-Control" }?.value }
        let page = await files.respond(get("/"))
        #expect(cache(page) == "no-cache")
        let feed = await files.respond(get("/news/feed.atom"))
        #expect(feed.fields.first { $0.name == "Content-Type" }?.value == "application/atom+xml" && cache(feed) == "no-cache")
        #expect(cache(await files.respond(get("/data.JSON"))) == "no-cache")
        #expect(cache(await files.respond(get("/css/site.css"))) == "max-age=3600")
        #expect(cache(await files.respond(get("/img/Logo.SVG"))) == "max-age=3600")
        let etag = try #require(page.fields.first { $0.name == "ETag" }?.value)
        let notModified = await files.respond(get("/", [HTTPField(name: "If-None-Match", value: etag)]))
        #expect(notModified.status == 304 && cache(notModified) == "no-cache")
    }

    @Test func singleByteRanges() async {
        func range(_ r: String) async -> HTTPResponse { await files.respond(get("/docs/a%20b.txt", [HTTPField(name: "Range", value: r)])) }
        let mid = await range("bytes=2-4")
        #expect(mid.status == 206 && mid.body == Array("234".utf8))
        #expect(mid.fields.contains(HTTPField(name: "Content-Range", value: "bytes 2-4/10")))
        #expect(await range("bytes=7-").body == Array("789".utf8))
        #expect(await range("bytes=-3").body == Array("789".utf8))
        #expect(await range("bytes=5-100").body == Array("56789".utf8))
        let beyond = await range("bytes=10-")
        #expect(beyond.status == 416 && beyond.fields.contains(HTTPField(name: "Content-Range", value: "bytes */10")))
        #expect(await range("bytes=0-1,4-5").status == 200, "several ranges: served whole")
        #expect(await range("items=0-1").status == 200)
        #expect(await range("bytes=5-2").status == 200, "an invalid range is ignored")
    }

    @Test func httpDates() {
        #expect(HTTPDate.format(WallTime(secondsSinceEpoch: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")  // RFC 9110 §5.6.7
        #expect(HTTPDate.format(WallTime(secondsSinceEpoch: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(WallTime(secondsSinceEpoch: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(WallTime(secondsSinceEpoch: 4_102_444_799)) == "Thu, 31 Dec 2099 23:59:59 GMT")
        // 2100 is not a leap year (values checked against Python's email.utils.formatdate).
        #expect(HTTPDate.format(WallTime(secondsSinceEpoch: 4_107_542_399)) == "Sun, 28 Feb 2100 23:59:59 GMT")
        #expect(HTTPDate.format(WallTime(secondsSinceEpoch: 4_107_542_400)) == "Mon, 01 Mar 2100 00:00:00 GMT")
    }
}
