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

public struct HTTPRequest: Equatable, Sendable {
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

    /// The first value of `name` (case-insensitive).
    public func field(_ name: String) -> String? {
        fields.first { HTTPRequestParser.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let tokens = (field("Connection") ?? "").split(separator: ",").map { HTTPRequestParser.lowercased(String($0)).trimmedSpaces }
        if tokens.contains("close") { return false }
        return minorVersion >= 1 || tokens.contains("keep-alive")
    }
}

public struct HTTPRequestParser {
    public struct Limits: Sendable {
        public var requestLine = 8 * 1024
        public var headerBlock = 64 * 1024
        public var fieldCount = 100
        public var maximumBodySize = 1 << 20
        public init() {}
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var start = 0
    private var failure: HTTPParseError? = nil
    /// Where the search for the blank line ending the header block resumes, so that a request arriving
    /// a byte at a time is scanned once, not once per byte (a slowloris client would otherwise cost
    /// quadratic time).
    private var searched = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Bytes received and not yet part of a returned request.
    public var buffered: Int { buffer.count - start }
    /// True when nothing is buffered (the connection is between requests).
    public var isIdle: Bool { buffered == 0 }

    /// Appends received bytes. Refuses them (keeping the error) once the parser has failed.
    public mutating func feed(_ bytes: Span<UInt8>) {
        guard failure == nil else { return }
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0; searched = 0 }
        for i in 0..<bytes.count { buffer.append(bytes[i]) }
    }

    /// The next complete request, nil when more bytes are needed.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        if let failure { throw failure }
        do throws(HTTPParseError) {
            guard let request = try parse() else { return nil }
            if start > 4096 && start * 2 > buffer.count {
                buffer.removeFirst(start)
                searched = max(0, searched - start)
                start = 0
            }
            return request
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Parsing

    /// Index just past the next line end at or after `from` (LF, optionally preceded by CR), and the
    /// index where the line's content ends; nil if no line end is buffered yet.
    private func line(from: Int) -> (contentEnd: Int, next: Int)? {
        var i = from
        while i < buffer.count {
            if buffer[i] == 10 {
                let end = i > from && buffer[i - 1] == 13 ? i - 1 : i
                return (end, i + 1)
            }
            i += 1
        }
        return nil
    }

    /// True once a blank line (LF LF or LF CR LF) follows `start`; remembers how far it looked.
    private mutating func headerBlockComplete() -> Bool {
        var i = max(start, searched - 2)
        while i < buffer.count {
            if buffer[i] == 10 {
                if i + 1 < buffer.count && buffer[i + 1] == 10 { return true }
                if i + 2 < buffer.count && buffer[i + 1] == 13 && buffer[i + 2] == 10 { return true }
            }
            i += 1
        }
        searched = buffer.count
        return false
    }

    private mutating func parse() throws(HTTPParseError) -> HTTPRequest? {
        if searched < start { searched = start }
        if !headerBlockComplete() {
            // Still in the head: only the limits can be checked.
            if let l = line(from: start) {
                if l.contentEnd - start > limits.requestLine { throw .uriTooLong }
                if buffer.count - l.next > limits.headerBlock { throw .headersTooLarge }
            } else if buffer.count - start > limits.requestLine {
                throw .uriTooLong
            }
            return nil
        }
        var at = start
        // RFC 9112 §2.2: ignore at least one empty line before the request line.
        while let l = line(from: at), l.contentEnd == at, at - start < 4 { at = l.next }
        guard let requestLine = line(from: at) else {
            if buffer.count - at > limits.requestLine { throw .uriTooLong }
            return nil
        }
        if requestLine.contentEnd - at > limits.requestLine { throw .uriTooLong }
        let (method, target, minor) = try parseRequestLine(at..<requestLine.contentEnd)
        var fields: [HTTPField] = []
        var cursor = requestLine.next
        var headerEnd: Int? = nil
        while let l = line(from: cursor) {
            if l.next - requestLine.next > limits.headerBlock { throw .headersTooLarge }
            if l.contentEnd == cursor {
                headerEnd = l.next
                break
            }
            if buffer[cursor] == 32 || buffer[cursor] == 9 { throw .badRequest("obsolete line folding") }
            guard fields.count < limits.fieldCount else { throw .headersTooLarge }
            fields.append(try parseField(cursor..<l.contentEnd))
            cursor = l.next
        }
        guard let bodyStart = headerEnd else {
            if buffer.count - requestLine.next > limits.headerBlock { throw .headersTooLarge }
            return nil
        }
        var request = HTTPRequest(method: method, target: target, minorVersion: minor, fields: fields, body: [])
        guard let (body, end) = try parseBody(request, from: bodyStart) else { return nil }
        request.body = body
        start = end
        return request
    }

    private func parseRequestLine(_ range: Range<Int>) throws(HTTPParseError) -> (String, String, Int) {
        // method SP request-target SP HTTP-version (RFC 9112 §3): exactly two single spaces.
        var spaces: [Int] = []
        for i in range where buffer[i] == 32 { spaces.append(i) }
        guard spaces.count == 2 else { throw .badRequest("malformed request line") }
        let methodRange = range.lowerBound..<spaces[0]
        let targetRange = (spaces[0] + 1)..<spaces[1]
        let versionRange = (spaces[1] + 1)..<range.upperBound
        guard !methodRange.isEmpty, methodRange.allSatisfy({ Self.isTokenByte(buffer[$0]) }) else {
            throw .badRequest("bad method")
        }
        guard !targetRange.isEmpty, targetRange.allSatisfy({ buffer[$0] > 32 && buffer[$0] < 127 }) else {
            throw .badRequest("bad request target")
        }
        let version = Array(buffer[versionRange])
        guard version.count == 8, Array(version[0..<5]) == Array("HTTP/".utf8), version[6] == 46,
              (48...57).contains(version[5]), (48...57).contains(version[7]) else {
            throw .badRequest("bad HTTP version")
        }
        guard version[5] == 49 else { throw .versionNotSupported }
        return (string(methodRange), string(targetRange), Int(version[7] - 48))
    }

    private func parseField(_ range: Range<Int>) throws(HTTPParseError) -> HTTPField {
        guard let colon = range.first(where: { buffer[$0] == 58 }) else { throw .badRequest("header field without a colon") }
        let nameRange = range.lowerBound..<colon
        // RFC 9112 §5.1: no whitespace between the name and the colon.
        guard !nameRange.isEmpty, nameRange.allSatisfy({ Self.isTokenByte(buffer[$0]) }) else {
            throw .badRequest("bad header field name")
        }
        var v = (colon + 1)..<range.upperBound
        while let f = v.first, buffer[f] == 32 || buffer[f] == 9 { v = (f + 1)..<v.upperBound }
        while let l = v.last, buffer[l] == 32 || buffer[l] == 9 { v = v.lowerBound..<l }
        // Field values: visible characters, spaces, tabs and obs-text; never CR, LF or NUL (RFC 9110 §5.5).
        guard v.allSatisfy({ buffer[$0] >= 32 || buffer[$0] == 9 }), !v.contains(where: { buffer[$0] == 127 }) else {
            throw .badRequest("bad header field value")
        }
        return HTTPField(name: string(nameRange), value: string(v))
    }

    /// The body and the index after it, nil when it has not all arrived.
    private func parseBody(_ request: HTTPRequest, from: Int) throws(HTTPParseError) -> ([UInt8], Int)? {
        let transferEncodings = request.fields.filter { Self.equalsIgnoringCase($0.name, "Transfer-Encoding") }
        let lengths = request.fields.filter { Self.equalsIgnoringCase($0.name, "Content-Length") }
        if !transferEncodings.isEmpty {
            guard lengths.isEmpty else { throw .badRequest("both Transfer-Encoding and Content-Length") }
            let codings = transferEncodings.flatMap { $0.value.split(separator: ",") }.map { Self.lowercased(String($0)).trimmedSpaces }
            guard codings == ["chunked"] else {
                if codings.last != "chunked" { throw .badRequest("transfer coding does not end with chunked") }
                throw .notImplemented("transfer coding \(codings.joined(separator: ", "))")
            }
            return try parseChunked(from: from)
        }
        guard !lengths.isEmpty else { return ([], from) }
        var length: Int? = nil
        for field in lengths {
            for part in field.value.split(separator: ",", omittingEmptySubsequences: false) {
                let text = String(part).trimmedSpaces
                guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ (48...57).contains($0) }), let n = Int(text) else {
                    throw .badRequest("bad Content-Length")
                }
                if let l = length, l != n { throw .badRequest("differing Content-Length values") }
                length = n
            }
        }
        let n = length ?? 0
        guard n <= limits.maximumBodySize else { throw .bodyTooLarge }
        guard buffer.count - from >= n else { return nil }
        return (Array(buffer[from..<(from + n)]), from + n)
    }

    /// RFC 9112 §7.1: chunk-size [; extensions] CRLF data CRLF ... 0 CRLF [trailers] CRLF.
    private func parseChunked(from: Int) throws(HTTPParseError) -> ([UInt8], Int)? {
        var body: [UInt8] = []
        var at = from
        while true {
            guard let sizeLine = line(from: at) else {
                if buffer.count - at > 1024 { throw .badRequest("chunk size line too long") }
                return nil
            }
            var size = 0
            var digits = 0
            var i = at
            while i < sizeLine.contentEnd, let d = Self.hexValue(buffer[i]) {
                size = size * 16 + d
                digits += 1
                guard digits <= 8 else { throw .bodyTooLarge }
                i += 1
            }
            guard digits > 0, i == sizeLine.contentEnd || buffer[i] == 59 || buffer[i] == 32 || buffer[i] == 9 else {
                throw .badRequest("bad chunk size")
            }
            at = sizeLine.next
            if size == 0 {
                // Trailer fields are read and dropped (RFC 9112 §7.1.2), up to the header-block limit.
                while true {
                    guard let t = line(from: at) else { return nil }
                    if t.next - from > limits.maximumBodySize + limits.headerBlock { throw .headersTooLarge }
                    let empty = t.contentEnd == at
                    at = t.next
                    if empty { return (body, at) }
                }
            }
            guard body.count + size <= limits.maximumBodySize else { throw .bodyTooLarge }
            guard buffer.count - at >= size else { return nil }
            body.append(contentsOf: buffer[at..<(at + size)])
            at += size
            guard let end = line(from: at) else { return nil }
            guard end.contentEnd == at else { throw .badRequest("chunk data longer than its size") }
            at = end.next
        }
    }

    // MARK: - Bytes and text

    private func string(_ range: Range<Int>) -> String {
        String(decoding: buffer[range], as: UTF8.self)
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 48...57, 65...90, 97...122: return true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }

    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 48...57: return Int(b - 48)
        case 65...70: return Int(b - 55)
        case 97...102: return Int(b - 87)
        default: return nil
        }
    }

    static func lowercased(_ s: String) -> String {
        String(decoding: s.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in
            (x == y) || ((65...90).contains(x) && x + 32 == y) || ((65...90).contains(y) && y + 32 == x)
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    var trimmedSpaces: String {
        var u = Substring(self)
        while let f = u.first, f == " " || f == "\t" { u = u.dropFirst() }
        while let l = u.last, l == " " || l == "\t" { u = u.dropLast() }
        return String(u)
    }
}
