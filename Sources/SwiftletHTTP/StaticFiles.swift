// SwiftletHTTP: serving a key-value store as files: GET and HEAD, `index.html` for directories,
// entity tags and `If-None-Match` (RFC 9110 §8.8.3, §13.1.2: 304), single byte ranges (RFC 9110 §14:
// 206, or 416 with `Content-Range: bytes */size`), content types by extension.

import Swiftlet

public struct StaticFiles<Store: KeyValueStore>: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    public func respond(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            var r = HTTPResponse.text(405, "Method Not Allowed")
            r.fields.append(HTTPField(name: "Allow", value: "GET, HEAD"))
            return r
        }
        guard let path = Self.path(of: request.target) else { return .text(400, "Bad Request") }
        let key = path.hasSuffix("/") || path.isEmpty ? path + "index.html" : path
        let size: Int
        do throws(KeyValueError) {
            size = try await store.size(key)
        } catch .wrongKind {
            // A directory named without its slash: send the client to the slash form.
            var r = HTTPResponse.text(301, "Moved Permanently")
            r.fields.append(HTTPField(name: "Location", value: "/" + path + "/"))
            return r
        } catch {
            return .text(404, "Not Found")
        }
        let etag: String
        do throws(KeyValueError) { etag = "\"" + (try await store.digest(key)) + "\"" } catch { return .text(500, "Internal Server Error") }
        var fields = [HTTPField(name: "Content-Type", value: Self.contentType(key)), HTTPField(name: "ETag", value: etag),
                      HTTPField(name: "Accept-Ranges", value: "bytes")]
        if let match = request.field("If-None-Match"),
           match.trimmedSpaces == "*" || match.split(separator: ",").contains(where: { String($0).trimmedSpaces == etag || String($0).trimmedSpaces == "W/" + etag }) {
            return HTTPResponse(status: 304, fields: fields.filter { $0.name == "ETag" })
        }
        var status = 200
        var offset = 0
        var length = size
        if let range = request.field("Range") {
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
        guard target.hasPrefix("/") else { return nil }
        let raw = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var bytes: [UInt8] = []
        var u = Array(raw.utf8)[...]
        while let b = u.first {
            u = u.dropFirst()
            if b == 37 {  // %XX
                guard u.count >= 2, let h = HTTPMessageBuffer.hexValue(u[u.startIndex]), let l = HTTPMessageBuffer.hexValue(u[u.startIndex + 1]) else { return nil }
                bytes.append(UInt8(h * 16 + l))
                u = u.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        if bytes.contains(0) { return nil }
        let decoded = String(decoding: bytes, as: UTF8.self)
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if parts.contains(where: { $0 == ".." || $0 == "." }) { return nil }
        return parts.joined(separator: "/")
    }

    enum ByteRange: Equatable { case whole, unsatisfiable, part(Int, Int) }

    /// One `bytes=` range (RFC 9110 §14.1.2); several ranges or other units are served whole, which the
    /// RFC allows.
    static func byteRange(_ field: String, size: Int) -> ByteRange {
        let text = field.trimmedSpaces
        guard text.hasPrefix("bytes="), !text.contains(",") else { return .whole }
        let spec = text.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmedSpaces }
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

    static func contentType(_ key: String) -> String {
        let ext = key.split(separator: "/").last.flatMap { name in name.contains(".") ? name.split(separator: ".").last : nil }
        switch ext.map({ HTTPMessageBuffer.lowercased(String($0)) }) {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        case "md": return "text/markdown; charset=utf-8"
        case "xml": return "application/xml"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "pdf": return "application/pdf"
        case "wasm": return "application/wasm"
        default: return "application/octet-stream"
        }
    }
}
