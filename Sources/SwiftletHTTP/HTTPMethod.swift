// SwiftletHTTP: a request's method (RFC 9110 §9; PATCH, RFC 5789). The standard methods are cases, any other
// token keeps its text. Methods are case-sensitive (§9.1: "get" is not GET) and compared as bytes.

import Swiftlet

public enum HTTPMethod: Equatable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    case get, head, post, put, delete, connect, options, trace, patch
    /// Any other method token, as sent.
    case other(String)

    /// The method named `name` exactly (a standard one's case, or `.other`).
    public init(_ name: String) {
        switch ByteKey(name) {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "CONNECT": self = .connect
        case "OPTIONS": self = .options
        case "TRACE": self = .trace
        case "PATCH": self = .patch
        default: self = .other(name)
        }
    }

    public init(stringLiteral name: String) { self.init(name) }

    /// The method's token, as it goes on the wire.
    public var name: String {
        switch self {
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .delete: return "DELETE"
        case .connect: return "CONNECT"
        case .options: return "OPTIONS"
        case .trace: return "TRACE"
        case .patch: return "PATCH"
        case .other(let name): return name
        }
    }

    public var description: String { name }

    /// Safe methods (RFC 9110 §9.2.1): the client may send them again.
    public var isSafe: Bool { self == .get || self == .head || self == .options || self == .trace }

    /// By the token's bytes, so `.other("GET")`, which the public case allows, equals `.get`; two standard
    /// methods by their case alone (the router compares methods for every route on every request).
    public static func == (a: HTTPMethod, b: HTTPMethod) -> Bool {
        if let x = a.standardIndex, let y = b.standardIndex { return x == y }
        return a.name.sameBytes(b.name)
    }

    private var standardIndex: Int? {
        switch self {
        case .get: 0
        case .head: 1
        case .post: 2
        case .put: 3
        case .delete: 4
        case .connect: 5
        case .options: 6
        case .trace: 7
        case .patch: 8
        case .other: nil
        }
    }
}
