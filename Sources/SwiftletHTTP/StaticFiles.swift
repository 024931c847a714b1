// SwiftletHTTP: serving a key-value store as files: GET and HEAD, `index.html` for directories,
// entity tags and `If-None-Match` (RFC 9110 §8.8.3, §13.1.2: 304), single byte ranges (RFC 9110 §14:
// 206, or 416 with `Content-Range: bytes */size`) unless an `If-Range` does not match the entity tag
// strongly (§13.1.5: then the whole file), content types by extension, and `Cache-Control` (RFC 9111
// §5.2.2): pages and feeds `no-cache` (a cache asks again each time, and the entity tag makes that a 304),
// other files (stylesheets, images, fonts, scripts) `max-age=3600`, as their names do not change with
// their content, so an hour is how stale a changed asset may look. A directory named without its
// slash is redirected to the slash form, built from the target's own path with one leading slash, so a
// target such as `//host` never gives a protocol-relative `Location` (one that names another host).
// Hidden names (a path segment starting with a dot, `.well-known` apart, RFC 8615) are never served: a
// store may hold what the service itself reads, such as a TLS key under `.tls/`; they answer 404.

import Swiftlet

public struct StaticFiles<Store: KeyValueStore>: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    public func respond(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            var r = HTTPResponse.text(405, "Method Not Allowed")
            r.fields.append(HTTPField(name: "Allow", value: "GET, HEAD"))
            return r
        }
        guard let path = Self.path(of: request.target) else { return .text(400, "Bad Request") }
        guard !Self.hasHiddenSegment(path.utf8) else { return .text(404, "Not Found") }
        let key = path.hasSuffix("/") || path.isEmpty ? path + "index.html" : path
        // One store call for the head: the size and the digest (the entity tag) together.
        let info: KeyValueInfo
        do throws(KeyValueError) {
            info = try await store.info(key)
        } catch .wrongKind {
            // A directory named without its slash: send the client to the slash form.
            var r = HTTPResponse.text(301, "Moved Permanently")
            r.fields.append(HTTPField(name: "Location", value: Self.slashForm(of: request.target)))
            return r
        } catch .storage {
            return .text(500, "Internal Server Error")
        } catch {
            return .text(404, "Not Found")
        }
        let size = info.size
        var etag = "\""  // built in one buffer: two concatenations would be two allocations
        etag.reserveCapacity(info.digest.utf8.count + 2)
        etag += info.digest
        etag += "\""
        let type = Self.contentType(key)
        var fields = [HTTPField(name: "Content-Type", value: type), HTTPField(name: "ETag", value: etag),
                      HTTPField(name: "Cache-Control", value: MediaType.cacheControl(type)), HTTPField(name: "Accept-Ranges", value: "bytes")]
        if let match = request.field("If-None-Match"),
           match.trimmingSpacesAndTabs == "*" || match.split(separator: ",").contains(where: { String($0).trimmingSpacesAndTabs == etag || String($0).trimmingSpacesAndTabs == "W/" + etag }) {
            // RFC 9110 §15.4.5: a 304 carries the Cache-Control and ETag a 200 would.
            return HTTPResponse(status: 304, fields: fields.filter { $0.name == "ETag" || $0.name == "Cache-Control" })
        }
        var status = 200
        var offset = 0
        var length = size
        // RFC 9110 §13.1.5: an If-Range that is not this entity tag (compared strongly: a weak tag never
        // matches) or is a date (there is no Last-Modified here to match it) means the whole file.
        if let range = request.field("Range"), request.field("If-Range").map({ $0.trimmingSpacesAndTabs.sameBytes(etag) }) ?? true {
            switch Self.byteRange(range, size: size) {
            case .whole: break
            case .unsatisfiable:
                return HTTPResponse(status: 416, fields: [HTTPField(name: "Content-Range", value: "bytes */\(size)")])
            case .part(let first, let last):
                status = 206
                offset = first
                length = last - first + 1
                fields.append(HTTPField(name: "Content-Range", value: "bytes \(first)-\(last)/\(size)"))
            }
        }
        do throws(KeyValueError) {
            let body = try await store.get(key, offset: offset, length: length)
            return HTTPResponse(status: status, fields: fields, body: body)
        } catch {
            return .text(500, "Internal Server Error")
        }
    }

    /// The store key for a request target: the path without its query, percent-decoded, without the
    /// leading slash; nil for targets that are not absolute paths or that climb (`..`) or hold NUL.
    static func path(of target: String) -> String? {
        // The common target needs no decoding: a slash, then bytes with no `%`, `?` or NUL and no dot
        // segment. It is returned as it is, without building a copy byte by byte (an allocation).
        let bytes = target.utf8
        if bytes.first == UInt8(ascii: "/"), !Self.hasDotSegment(bytes),
           !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "?") || $0 == 0 }) {
            return String(decoding: bytes.dropFirst(), as: UTF8.self)
        }
        // Otherwise decoded byte by byte (splitting the target as a String would cost a request a few
        // thousand instructions), then checked for dot segments by the same rule, after decoding.
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var u = bytes.makeIterator()
        guard u.next() == UInt8(ascii: "/") else { return nil }
        while var b = u.next(), b != UInt8(ascii: "?") {
            if b == UInt8(ascii: "%") {
                guard let h = u.next().flatMap(hexDigitValue), let l = u.next().flatMap(hexDigitValue) else { return nil }
                b = h * 16 + l
            }
            if b == 0 { return nil }
            out.append(b)
        }
        if Self.hasDotSegment(out) { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// The target's path (without its query) with exactly one leading slash and a trailing slash:
    /// `/css` -> `/css/`, `//evil.example` -> `/evil.example/`. The target's bytes are visible ASCII
    /// (the parser checked), so nothing needs encoding.
    static func slashForm(of target: String) -> String {
        let bytes = target.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        var first = bytes.startIndex
        while first < end && bytes[first] == UInt8(ascii: "/") { first = bytes.index(after: first) }
        return "/" + String(decoding: bytes[first..<end], as: UTF8.self) + "/"
    }

    /// Whether a slash-separated path has a `.` or `..` segment.
    static func hasDotSegment(_ u: some Sequence<UInt8>) -> Bool {
        var dots = 0           // dots since the last slash, -1 once the segment has anything else
        for b in u {
            if b == UInt8(ascii: "/") {
                if dots == 1 || dots == 2 { return true }
                dots = 0
            } else if b == UInt8(ascii: "."), dots >= 0 {
                dots += 1
            } else {
                dots = -1
            }
        }
        return dots == 1 || dots == 2
    }

    /// Whether a slash-separated path has a segment that starts with a dot, other than `.well-known`.
    static func hasHiddenSegment(_ u: some Collection<UInt8>) -> Bool {
        var atSegmentStart = true
        var i = u.startIndex
        while i != u.endIndex {
            let b = u[i]
            if atSegmentStart && b == UInt8(ascii: ".") {
                let rest = u[i...]
                let wellKnown = Array(".well-known".utf8)
                var matches = rest.count >= wellKnown.count
                if matches {
                    var j = i
                    for w in wellKnown { if u[j] != w { matches = false; break }; j = u.index(after: j) }
                    if matches && j != u.endIndex && u[j] != UInt8(ascii: "/") { matches = false }
                }
                if !matches { return true }
            }
            atSegmentStart = b == UInt8(ascii: "/")
            i = u.index(after: i)
        }
        return false
    }

    enum ByteRange: Equatable { case whole, unsatisfiable, part(Int, Int) }

    /// One `bytes=` range (RFC 9110 §14.1.2); several ranges or other units are served whole, which the
    /// RFC allows.
    static func byteRange(_ field: String, size: Int) -> ByteRange {
        let text = field.trimmingSpacesAndTabs
        guard text.hasPrefix("bytes="), !text.contains(",") else { return .whole }
        let spec = text.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingSpacesAndTabs }
        guard spec.count == 2 else { return .whole }
        let digits: (String) -> Bool = { !$0.isEmpty && $0.utf8.count <= 18 && $0.utf8.allSatisfy { (48...57).contains($0) } }
        if spec[0].isEmpty {
            guard digits(spec[1]), let n = Int(spec[1]) else { return .whole }
            guard n > 0, size > 0 else { return .unsatisfiable }
            return .part(max(0, size - n), size - 1)
        }
        guard digits(spec[0]), let first = Int(spec[0]) else { return .whole }
        guard first < size else { return .unsatisfiable }
        if spec[1].isEmpty { return .part(first, size - 1) }
        guard digits(spec[1]), let last = Int(spec[1]), last >= first else { return .whole }
        return .part(first, min(last, size - 1))
    }

    static func contentType(_ key: String) -> String { MediaType.of(key) }
}

/// Media types by extension (a generic type cannot hold the table itself).
enum MediaType {
    /// The media type for a key's extension (case-insensitive), by bytes and without allocating:
    /// splitting the key as a String would cost more instructions than the rest of a request, and even a
    /// copy of the extension would be an allocation per request.
    static func of(_ key: String) -> String {
        let bytes = key.utf8
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return fallback }
        let ext = bytes[bytes.index(after: dot)...]
        guard !ext.contains(UInt8(ascii: "/")) else { return fallback }
        for (extensions, type) in types
        where extensions.contains(where: { $0.elementsEqual(ext.lazy.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }) }) {
            return type
        }
        return fallback
    }

    static let fallback = "application/octet-stream"

    /// `Cache-Control` for a file of this media type: documents (HTML, feeds, XML, JSON, text, Markdown)
    /// are revalidated on every use; anything else may be reused for an hour.
    static func cacheControl(_ type: String) -> String {
        let t = type.utf8
        if t.starts(with: "text/".utf8) && !t.starts(with: "text/css".utf8) && !t.starts(with: "text/javascript".utf8)
            || t.starts(with: "application/atom+xml".utf8) || t.starts(with: "application/xml".utf8) || t.starts(with: "application/json".utf8) {
            return "no-cache"
        }
        return "max-age=3600"
    }

    static let types: [([[UInt8]], String)] = [
        ([Array("html".utf8), Array("htm".utf8)], "text/html; charset=utf-8"),
        ([Array("css".utf8)], "text/css; charset=utf-8"),
        ([Array("js".utf8), Array("mjs".utf8)], "text/javascript; charset=utf-8"),
        ([Array("json".utf8)], "application/json"),
        ([Array("txt".utf8)], "text/plain; charset=utf-8"),
        ([Array("md".utf8)], "text/markdown; charset=utf-8"),
        ([Array("xml".utf8)], "application/xml"),
        ([Array("atom".utf8)], "application/atom+xml"),
        ([Array("svg".utf8)], "image/svg+xml"),
        ([Array("png".utf8)], "image/png"),
        ([Array("jpg".utf8), Array("jpeg".utf8)], "image/jpeg"),
        ([Array("gif".utf8)], "image/gif"),
        ([Array("webp".utf8)], "image/webp"),
        ([Array("ico".utf8)], "image/x-icon"),
        ([Array("woff2".utf8)], "font/woff2"),
        ([Array("pdf".utf8)], "application/pdf"),
        ([Array("wasm".utf8)], "application/wasm"),
    ]
}
