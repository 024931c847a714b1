// SwiftletHTTP: routes requests to handlers by method and path (RFC 9110 §9 methods, §15 status codes).
//
// A route is a method and a path: exact (`/api/echo`) or a prefix ending in `/*` (`/docs/*`, `/*`). The
// longest matching path wins; a path that matches with another method gets 405 with `Allow` (RFC 9110
// §15.5.6), none at all 404. GET routes answer HEAD too (the server drops the body). Handlers throw a
// typed `HTTPError`, which becomes its status and message; the query string is not part of the path.

import Swiftlet

/// What a handler throws to answer with an error status.
public struct HTTPError: Error, Equatable, Sendable {
    public var status: Int
    public var message: String
    public init(_ status: Int, _ message: String? = nil) {
        self.status = status
        self.message = message ?? HTTPResponse.reason(status)
    }
}

public struct HTTPRouter: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async throws(HTTPError) -> HTTPResponse

    private struct Route: Sendable {
        var method: HTTPMethod
        var path: String
        var prefix: Bool
        var handler: Handler
    }
    private var routes: [Route] = []

    public init() {}

    /// Adds a route; `path` ending in `/*` matches everything below it.
    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        let prefix = path.hasSuffix("/*")
        routes.append(Route(method: method, path: prefix ? String(path.dropLast()) : path, prefix: prefix, handler: handler))
    }

    public mutating func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    public mutating func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }

    /// The response from the matching route's handler, or the error the routing or the handler gives.
    public func respond(_ request: HTTPRequest) async -> HTTPResponse {
        let target = request.target
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(target[..<$0]) } ?? target
        var best: Route? = nil
        var bestLength = -1
        func matches(_ r: Route) -> Bool { r.prefix ? path.hasBytePrefix(r.path) : path.sameBytes(r.path) }
        // An exact path beats a prefix of the same text.
        func length(_ r: Route) -> Int { r.path.utf8.count + (r.prefix ? 0 : 1) }
        for r in routes where matches(r) {
            let l = length(r)
            if l > bestLength { bestLength = l; best = nil }
            guard l == bestLength else { continue }
            // A GET route answers HEAD too (RFC 9110 §9.3.2).
            if r.method == request.method || (r.method == .get && request.method == .head) { best = r }
        }
        guard bestLength >= 0 else { return .text(404, HTTPResponse.reason(404)) }
        guard let route = best else {
            // Only a 405 needs the methods the path allows: built here, not for every request (two
            // allocations each time).
            var allowed: [String] = []
            func allow(_ name: String) { if !allowed.contains(where: { $0.sameBytes(name) }) { allowed.append(name) } }
            for r in routes where matches(r) && length(r) == bestLength {
                allow(r.method.name)
                if r.method == .get { allow("HEAD") }
            }
            var r = HTTPResponse.text(405, HTTPResponse.reason(405))
            r.fields.append(HTTPField(name: "Allow", value: allowed.joined(separator: ", ")))
            return r
        }
        do throws(HTTPError) {
            return try await route.handler(request)
        } catch {
            return .text(error.status, error.message)
        }
    }
}
