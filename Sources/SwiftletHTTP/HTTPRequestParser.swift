// SwiftletHTTP: an incremental HTTP/1.1 request parser (RFC 9112 §2–§7, RFC 9110 §5).
//
// Bytes go in as they arrive (`feed`); complete requests come out (`next`). Nothing is allocated per
// byte and every buffer has a limit: the request line (8 KiB, else 414), the header block (64 KiB or 100
// fields, else 431), the body (`maximumBodySize`, else 413). Framing follows RFC 9112 §6.3: chunked
// (the only transfer coding accepted; others are 501), else Content-Length (differing duplicates or a
// bad value are 400), else no body. A request with both is refused (400), since it is the classic
// request-smuggling shape. After an error the parser stays failed: the connection must answer and close.
// Bare LF line ends are accepted (RFC 9112 §2.2); obsolete line folding is refused (400, §5.2).

/// Why a request was refused, with the status to answer.
public enum HTTPParseError: Error, Equatable, Sendable {
    case badRequest(String)           // 400
    case uriTooLong                   // 414
    case headersTooLarge              // 431
    case bodyTooLarge                 // 413
    case notImplemented(String)       // 501: an unknown transfer coding
    case versionNotSupported          // 505

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .uriTooLong: 414
        case .headersTooLarge: 431
        case .bodyTooLarge: 413
        case .notImplemented: 501
        case .versionNotSupported: 505
        }
    }
}

/// One header field; names compare case-insensitively (RFC 9110 §5.1).
public struct HTTPField: Equatable, Sendable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

public struct HTTPRequest: HTTPMessageHead, Equatable, Sendable {
    public var method: String
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var fields: [HTTPField]
    public var body: [UInt8]

    public init(method: String, target: String, minorVersion: Int = 1, fields: [HTTPField] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.fields = fields
        self.body = body
    }
}

public struct HTTPRequestParser {
    public let limits: HTTPLimits
    private var message: HTTPMessageBuffer

    public init(limits: HTTPLimits = .request) {
        self.limits = limits
        message = HTTPMessageBuffer(limits: limits, startLineTooLong: .uriTooLong)
    }

    /// Bytes received and not yet part of a returned request.
    public var buffered: Int { message.buffered }
    /// True when nothing is buffered (the connection is between requests).
    public var isIdle: Bool { buffered == 0 }
    var bytesExamined: Int { message.examined }

    /// Appends received bytes. Refuses them (keeping the error) once the parser has failed.
    public mutating func feed(_ bytes: Span<UInt8>) { message.feed(bytes) }
    /// Appends received bytes, without copying them when nothing else is pending.
    public mutating func feed(_ bytes: [UInt8]) { message.feed(bytes) }

    /// The next complete request, nil when more bytes are needed.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        try message.next { (m: inout HTTPMessageBuffer) throws(HTTPParseError) -> HTTPRequest? in
            guard let head = try m.head() else { return nil }
            let (method, target, minor) = try Self.parseRequestLine(m, head.startLine)
            var request = HTTPRequest(method: method, target: target, minorVersion: minor, fields: head.fields, body: [])
            // RFC 9112 §6.3: chunked, else Content-Length, else no body.
            guard let (body, end) = try m.body(fields: head.fields, from: head.bodyStart, untilClose: false) else { return nil }
            request.body = body
            m.consume(to: end)
            return request
        }
    }

    private static func parseRequestLine(_ m: HTTPMessageBuffer, _ range: Range<Int>) throws(HTTPParseError) -> (String, String, Int) {
        // method SP request-target SP HTTP-version (RFC 9112 §3): exactly two single spaces.
        // The two spaces' positions, counted without an array (that was two allocations a request).
        var first = -1, second = -1, count = 0
        for i in range where m[i] == 32 {
            count += 1
            if count == 1 { first = i } else if count == 2 { second = i }
        }
        guard count == 2 else { throw .badRequest("malformed request line") }
        let methodRange = range.lowerBound..<first
        let targetRange = (first + 1)..<second
        let versionRange = (second + 1)..<range.upperBound
        guard !methodRange.isEmpty, methodRange.allSatisfy({ HTTPMessageBuffer.isTokenByte(m[$0]) }) else {
            throw .badRequest("bad method")
        }
        guard !targetRange.isEmpty, targetRange.allSatisfy({ m[$0] > 32 && m[$0] < 127 }) else {
            throw .badRequest("bad request target")
        }
        let minor = try m.version(versionRange)
        return (m.string(methodRange), m.string(targetRange), minor)
    }
}

