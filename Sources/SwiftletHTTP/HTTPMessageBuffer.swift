// SwiftletHTTP: what parsing requests and responses share (RFC 9112 §2, §5, §6, §7): a buffer of received
// bytes with limits, the search for the end of the header block, header fields, and body framing
// (chunked, Content-Length, or, for responses, until the connection closes).
//
// `HTTPRequestParser` and `HTTPResponseParser` differ only in their start line and in which framing
// applies; everything else is here, once. Nothing is allocated per byte; a head arriving a byte at a
// time is scanned once (`searched`), so a slowloris peer cannot make parsing quadratic.

/// What requests and responses have alike: a version and header fields.
public protocol HTTPMessageHead {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int { get }
    var fields: [HTTPField] { get }
}

extension HTTPMessageHead {
    /// The first value of `name` (case-insensitive).
    public func field(_ name: String) -> String? {
        fields.first { HTTPMessageBuffer.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Whether the connection stays open after this message (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let tokens = (field("Connection") ?? "").split(separator: ",").map { HTTPMessageBuffer.lowercased(String($0)).trimmedSpaces }
        if tokens.contains("close") { return false }
        return minorVersion >= 1 || tokens.contains("keep-alive")
    }
}

/// Limits on one message; past one, parsing fails for good (a request gets the status of its error).
public struct HTTPLimits: Sendable {
    /// The request line (414) or status line.
    public var startLine = 8 * 1024
    /// The header block (431), in bytes and in fields.
    public var headerBlock = 64 * 1024
    public var fieldCount = 100
    public var chunkLine = 1024
    public var chunkFramingAllowance = 16 * 1024
    /// The body after decoding (413).
    public var maximumBodySize: Int

    public init(maximumBodySize: Int) { self.maximumBodySize = maximumBodySize }

    /// What the server accepts by default: bodies up to 1 MiB.
    public static let request = HTTPLimits(maximumBodySize: 1 << 20)
    /// What the client accepts by default: bodies up to 16 MiB.
    public static let response = HTTPLimits(maximumBodySize: 16 << 20)
}

struct HTTPMessageBuffer: Sendable {
    let startLineLimit: Int
    let headerBlockLimit: Int
    let fieldCountLimit: Int
    let maximumBodySize: Int
    /// What an over-long start line is: 414 for a request line.
    let startLineTooLong: HTTPParseError
    private var buffer: [UInt8] = []
    private var start = 0
    private var failure: HTTPParseError? = nil
    private var searched = 0
    final class Box: @unchecked Sendable { var n = 0 }
    let counter = Box()
    var examined: Int { counter.n }

    init(limits: HTTPLimits, startLineTooLong: HTTPParseError) {
        startLineLimit = limits.startLine
        headerBlockLimit = limits.headerBlock
        fieldCountLimit = limits.fieldCount
        maximumBodySize = limits.maximumBodySize
        self.startLineTooLong = startLineTooLong
    }

    subscript(i: Int) -> UInt8 { buffer[i] }
    var buffered: Int { buffer.count - start }
    var end: Int { buffer.count }

    /// Appends received bytes; refuses them (keeping the error) once parsing has failed.
    mutating func feed(_ bytes: Span<UInt8>) {
        guard failure == nil else { return }
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0; searched = 0 }
        for i in 0..<bytes.count { buffer.append(bytes[i]) }
    }

    /// Appends a received array: taken as the buffer when nothing is pending (the usual case: a request
    /// arrives whole), so its bytes are not copied; appended in one piece otherwise.
    mutating func feed(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        if start == buffer.count {
            buffer = bytes
            start = 0
            searched = 0
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Runs `parse` unless parsing failed before; a failure sticks. Drops consumed bytes now and then.
    mutating func next<T>(_ parse: (inout HTTPMessageBuffer) throws(HTTPParseError) -> T?) throws(HTTPParseError) -> T? {
        if let failure { throw failure }
        do throws(HTTPParseError) {
            if searched < start { searched = start }
            if start == buffer.count { return nil }  // nothing buffered: no message, and nothing to check
            guard let message = try parse(&self) else { return nil }
            if start > 4096 && start * 2 > buffer.count {
                buffer.removeFirst(start)
                searched = max(0, searched - start)
                start = 0
            }
            return message
        } catch {
            failure = error
            throw error
        }
    }

    /// The message ends at `index`: the next one starts there.
    mutating func consume(to index: Int) { start = index }

    /// Index just past the next line end at or after `from` (LF, optionally preceded by CR), and the
    /// index where the line's content ends; nil if no line end is buffered yet.
    func line(from: Int) -> (contentEnd: Int, next: Int)? {
        var i = from
        while i < buffer.count {
            counter.n += 1
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
            counter.n += 1
            if buffer[i] == 10 {
                if i + 1 < buffer.count && buffer[i + 1] == 10 { return true }
                if i + 2 < buffer.count && buffer[i + 1] == 13 && buffer[i + 2] == 10 { return true }
            }
            i += 1
        }
        searched = buffer.count
        return false
    }

    /// The start line, the fields and where the body starts, once the whole head has arrived.
    mutating func head() throws(HTTPParseError) -> (startLine: Range<Int>, fields: [HTTPField], bodyStart: Int)? {
        if !headerBlockComplete() {
            // Still in the head: only the limits can be checked.
            if let l = line(from: start) {
                if l.contentEnd - start > startLineLimit { throw startLineTooLong }
                if buffer.count - l.next > headerBlockLimit { throw .headersTooLarge }
            } else if buffer.count - start > startLineLimit {
                throw startLineTooLong
            }
            return nil
        }
        var at = start
        // RFC 9112 §2.2: ignore at least one empty line before the start line.
        var startLine = line(from: at)
        while let l = startLine, l.contentEnd == at, at - start < 4 { at = l.next; startLine = line(from: at) }
        guard let first = startLine else {
            if buffer.count - at > startLineLimit { throw startLineTooLong }
            return nil
        }
        if first.contentEnd - at > startLineLimit { throw startLineTooLong }
        var fields: [HTTPField] = []
        var cursor = first.next
        while let l = line(from: cursor) {
            if l.next - first.next > headerBlockLimit { throw .headersTooLarge }
            if l.contentEnd == cursor { return (at..<first.contentEnd, fields, l.next) }
            if buffer[cursor] == 32 || buffer[cursor] == 9 { throw .badRequest("obsolete line folding") }
            guard fields.count < fieldCountLimit else { throw .headersTooLarge }
            fields.append(try parseField(cursor..<l.contentEnd))
            cursor = l.next
        }
        if buffer.count - first.next > headerBlockLimit { throw .headersTooLarge }
        return nil
    }

    /// `HTTP/1.x` (RFC 9112 §2.3): the minor version; 505 for another major version.
    /// `HTTP/d.d` at `range` (RFC 9112 §2.3), read in place: copies of it cost three allocations a request.
    func version(_ range: Range<Int>) throws(HTTPParseError) -> Int {
        let s = range.lowerBound
        guard range.count == 8, buffer[s] == 72, buffer[s + 1] == 84, buffer[s + 2] == 84, buffer[s + 3] == 80,
              buffer[s + 4] == 47, buffer[s + 6] == 46,
              (48...57).contains(buffer[s + 5]), (48...57).contains(buffer[s + 7]) else {
            throw .badRequest("bad HTTP version")
        }
        guard buffer[s + 5] == 49 else { throw .versionNotSupported }
        return Int(buffer[s + 7] - 48)
    }

    /// name ":" OWS value OWS (RFC 9112 §5), read in one pass over the bytes (closures over index
    /// ranges cost the website a few hundred instructions a field).
    private func parseField(_ range: Range<Int>) throws(HTTPParseError) -> HTTPField {
        let bytes = buffer.span
        var colon = range.lowerBound
        // RFC 9112 §5.1: a token, then the colon with no whitespace before it.
        while colon < range.upperBound && bytes[colon] != 58 {
            guard Self.isTokenByte(bytes[colon]) else { throw .badRequest("bad header field name") }
            colon += 1
        }
        guard colon < range.upperBound else { throw .badRequest("header field without a colon") }
        guard colon > range.lowerBound else { throw .badRequest("bad header field name") }
        var first = colon + 1
        var end = range.upperBound
        while first < end && (bytes[first] == 32 || bytes[first] == 9) { first += 1 }
        while end > first && (bytes[end - 1] == 32 || bytes[end - 1] == 9) { end -= 1 }
        // Field values: visible characters, spaces, tabs and obs-text; never CR, LF, NUL or DEL
        // (RFC 9110 §5.5).
        var i = first
        while i < end {
            let b = bytes[i]
            guard (b >= 32 && b != 127) || b == 9 else { throw .badRequest("bad header field value") }
            i += 1
        }
        return HTTPField(name: string(range.lowerBound..<colon), value: string(first..<end))
    }

    /// The body and the index after it, nil when it has not all arrived (RFC 9112 §6.3): chunked, else
    /// Content-Length, else nothing (`untilClose` false: requests) or everything until the peer closes
    /// (`untilClose` true: responses; `finish` returns it).
    func body(fields: [HTTPField], from: Int, untilClose: Bool) throws(HTTPParseError) -> ([UInt8], Int)? {
        let transferEncodings = fields.filter { Self.equalsIgnoringCase($0.name, "Transfer-Encoding") }
        let lengths = fields.filter { Self.equalsIgnoringCase($0.name, "Content-Length") }
        if !transferEncodings.isEmpty {
            // Both is the classic request-smuggling shape.
            guard lengths.isEmpty else { throw .badRequest("both Transfer-Encoding and Content-Length") }
            let codings = transferEncodings.flatMap { $0.value.split(separator: ",") }.map { Self.lowercased(String($0)).trimmedSpaces }
            guard codings == ["chunked"] else {
                if codings.last != "chunked" { throw .badRequest("transfer coding does not end with chunked") }
                throw .notImplemented("transfer coding \(codings.joined(separator: ", "))")
            }
            return try parseChunked(from: from)
        }
        guard !lengths.isEmpty else {
            if !untilClose { return ([], from) }
            guard buffer.count - from <= maximumBodySize else { throw .bodyTooLarge }
            return nil
        }
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
        guard n <= maximumBodySize else { throw .bodyTooLarge }
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
                    if t.next - from > maximumBodySize + headerBlockLimit { throw .headersTooLarge }
                    let empty = t.contentEnd == at
                    at = t.next
                    if empty { return (body, at) }
                }
            }
            guard body.count + size <= maximumBodySize else { throw .bodyTooLarge }
            guard buffer.count - at >= size else { return nil }
            body.append(contentsOf: buffer[at..<(at + size)])
            counter.n += size
            at += size
            guard let end = line(from: at) else { return nil }
            guard end.contentEnd == at else { throw .badRequest("chunk data longer than its size") }
            at = end.next
        }
    }

    /// The bytes from `from` to the end (a body delimited by the connection closing).
    func rest(from: Int) -> [UInt8] { Array(buffer[from...]) }

    // MARK: - Bytes and text

    func string(_ range: Range<Int>) -> String {
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
