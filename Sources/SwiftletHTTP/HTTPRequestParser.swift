// SwiftletHTTP: an incremental HTTP/1.1 request parser (RFC 9112 §2–§7, RFC 9110 §5).
//
// Bytes go in as they arrive (`feed`); complete requests come out (`next`). Each call reads on from
// where the last stopped (HTTPMessageBuffer.swift), so the work is linear in the bytes received however
// they are split. Nothing is allocated per byte and every buffer has a limit (`HTTPLimits`): the request
// line (8 KiB, else 414), the header block (64 KiB or 100 fields, else 431), the body
// (`maximumBodySize`, else 413), a chunk-size line (1 KiB, else 400) and the chunk framing beyond the
// body (16 KiB, else 413). Framing follows RFC 9112 §6.3: chunked (the only transfer coding accepted;
// others are 501), else Content-Length (differing duplicates or a bad value are 400), else no body. A
// request with both is refused (400), since it is the classic request-smuggling shape, and so is
// Transfer-Encoding in HTTP/1.0 (§6.1: the framing is faulty). After an error the parser stays failed:
// the connection must answer and close, and no later byte is read.
// Host (§3.2): 400 when an HTTP/1.1 request has none, or any request has two or an invalid one. Targets
// (§3.2.1-§3.2.4): origin-form; absolute-form, turned into origin-form with its authority as Host; the
// asterisk only for OPTIONS; CONNECT's authority-form is not served (501).
// Bare LF line ends are accepted (RFC 9112 §2.2), and so are empty lines before the request line (within
// the request line's limit); obsolete line folding is refused (400, §5.2).

import Swiftlet

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
    public var method: HTTPMethod
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var fields: [HTTPField]
    public var body: [UInt8]

    public init(method: HTTPMethod, target: String, minorVersion: Int = 1, fields: [HTTPField] = [], body: [UInt8] = []) {
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
    /// A request whose head is read and whose body has not all arrived.
    private var pending: HTTPRequest? = nil

    public init(limits: HTTPLimits = .request) {
        self.limits = limits
        message = HTTPMessageBuffer(limits: limits, startLineTooLong: .uriTooLong)
    }

    /// Bytes received and not yet part of a returned request.
    public var buffered: Int { message.buffered }
    /// Heap bytes the parser holds for requests not yet returned (buffer storage, a decoded chunked body,
    /// the fields of a request waiting for its body): what `HTTPServer` charges to its memory budget.
    public var memory: Int { message.memory }
    /// True when nothing is buffered (the connection is between requests).
    public var isIdle: Bool { buffered == 0 }
    /// Bytes examined so far (each received byte a bounded number of times; tests bound the work by it).
    var bytesExamined: Int { message.examined }

    /// Appends received bytes. Refuses them (keeping the error) once the parser has failed.
    public mutating func feed(_ bytes: Span<UInt8>) { message.feed(bytes) }
    /// Appends received bytes, without copying them when nothing else is pending.
    public mutating func feed(_ bytes: [UInt8]) { message.feed(bytes) }

    /// The next complete request, nil when more bytes are needed. Reads on from where the last call
    /// stopped. After an error it throws that error for good: answer it and close the connection.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        if let failure = message.failure { throw failure }
        if message.buffered == 0 { return nil }  // nothing buffered: no request, and nothing to check
        do throws(HTTPParseError) {
            var request: HTTPRequest
            if let waiting = pending.take() {
                request = waiting
            } else {
                guard let head = try message.head() else { return nil }
                request = try Self.request(head, &message)
                // RFC 9112 §6.3: chunked, else Content-Length, else no body.
                message.beginBody(try message.framing(of: head, minorVersion: request.minorVersion, untilClose: false))
            }
            guard let body = try message.body() else {
                pending = request
                return nil
            }
            request.body = body
            message.endMessage()
            return request
        } catch {
            message.failure = error
            throw error
        }
    }

    /// The request a complete head makes: its request line (RFC 9112 §3) and Host (§3.2) checked.
    private static func request(_ head: HTTPHead, _ m: inout HTTPMessageBuffer) throws(HTTPParseError) -> HTTPRequest {
        let range = head.startLine
        m.examine(range.count)
        // method SP request-target SP HTTP-version (RFC 9112 §3): exactly two single spaces.
        // The two spaces' positions, counted without an array (an array would cost two allocations a request).
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
        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with more than one
        // or with an invalid value.
        if head.noted.hostCount > 1 { throw .badRequest("more than one Host field") }
        if head.noted.hostCount == 0 && minor >= 1 { throw .badRequest("no Host field") }
        if !head.noted.hostValid { throw .badRequest("bad Host field") }
        let method = HTTPMethod(m.string(methodRange))
        var request = HTTPRequest(method: method, target: "", minorVersion: minor, fields: head.fields, body: [])
        let t = targetRange.lowerBound
        if m[t] == 47 {
            // origin-form (§3.2.1), the common case.
            request.target = m.string(targetRange)
        } else if targetRange.count == 1 && m[t] == 42 {
            // asterisk-form (§3.2.4): only for a server-wide OPTIONS.
            guard method == .options else { throw .badRequest("asterisk-form target for a method other than OPTIONS") }
            request.target = "*"
        } else if method == .connect {
            // authority-form (§3.2.3) is for CONNECT, which this server does not offer (RFC 9110 §9.3.6).
            throw .notImplemented("CONNECT")
        } else {
            try absoluteForm(targetRange, &request, m, hostIndex: head.noted.hostIndex)
        }
        return request
    }

    /// absolute-form (RFC 9112 §3.2.2): scheme "://" authority [path-abempty] ["?" query]. The target
    /// becomes the origin-form (the path, "/" when empty, and the query) and the authority replaces the
    /// Host field, as the server must use it and ignore Host. Userinfo is refused (RFC 9110 §4.2.4).
    private static func absoluteForm(_ range: Range<Int>, _ request: inout HTTPRequest, _ m: HTTPMessageBuffer, hostIndex: Int) throws(HTTPParseError) {
        var i = range.lowerBound
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1)
        func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 }
        guard isAlpha(m[i]) else { throw .badRequest("bad request target") }
        while i < range.upperBound && m[i] != 58 {
            let b = m[i]
            guard isAlpha(b) || (b >= 48 && b <= 57) || b == 43 || b == 45 || b == 46 else { throw .badRequest("bad request target") }
            i += 1
        }
        guard i + 2 < range.upperBound, m[i + 1] == 47, m[i + 2] == 47 else { throw .badRequest("bad request target") }
        let authorityStart = i + 3
        var authorityEnd = authorityStart
        while authorityEnd < range.upperBound && m[authorityEnd] != 47 && m[authorityEnd] != 63 { authorityEnd += 1 }
        let authority = m.string(authorityStart..<authorityEnd)
        let bytes = Array(authority.utf8)
        guard authorityEnd > authorityStart, bytes[0] != 58,
              HTTPMessageBuffer.isValidHost(bytes.span, 0..<bytes.count) else {
            throw .badRequest("bad authority in the request target")
        }
        let path = authorityEnd < range.upperBound ? m.string(authorityEnd..<range.upperBound) : ""
        request.target = path.utf8.first == 47 ? path : "/" + path
        if hostIndex >= 0 {
            request.fields[hostIndex].value = authority
        } else {
            request.fields.append(HTTPField(name: "Host", value: authority))
        }
    }
}
