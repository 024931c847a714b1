// SwiftletHTTP: what parsing requests and responses share (RFC 9112 §2, §5, §6, §7): a buffer of received
// bytes with limits, an incremental reader of the head (start line and header fields), and body framing
// (chunked, Content-Length, or, for responses, until the connection closes).
//
// `HTTPRequestParser` and `HTTPResponseParser` differ only in their start line and in which framing
// applies; everything else is here, once. The reader is a state machine over the bytes of the message
// that starts at `start`: it remembers how far it has looked (`scan`), the line it is in, the fields it
// has read and, in a chunked body, which part of which chunk it is in. So however the peer splits its
// bytes (one at a time, say), each byte is examined a bounded number of times: found in a line search,
// read once more as part of a field or the start line, copied once into the body. `examined` counts
// those examinations so that tests can bound the work. Nothing is allocated per byte.
//
// Every buffer has a limit (`HTTPLimits`): the start line with any empty lines before it, the header
// block, the field count, the decoded body, one chunk-size line with its extensions, and the chunk
// framing (size lines, the line ends after data, trailer fields) beyond the decoded body's size, so that
// framing cannot make a small body cost much memory. Past a limit parsing fails for good.

import Swiftlet

/// What requests and responses have alike: a version and header fields.
public protocol HTTPMessageHead {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int { get }
    var fields: [HTTPField] { get }
}

extension HTTPMessageHead {
    /// The first value of `name` (case-insensitive).
    public func field(_ name: String) -> String? {
        fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// Whether the connection stays open after this message (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let tokens = (field("Connection") ?? "").split(separator: ",").map { String($0).asciiLowercased.trimmingSpacesAndTabs }
        if tokens.contains("close") { return false }
        return minorVersion >= 1 || tokens.contains("keep-alive")
    }
}

/// Limits on one message; past one, parsing fails for good (a request gets the status of its error).
/// Change them by passing another value to `HTTPServer.serve(_:clock:limits:)`, `HTTPRequestParser`,
/// `HTTPResponseParser` or `HTTPClientConnection`.
public struct HTTPLimits: Sendable {
    /// The request line (414) or status line, with any empty lines before it: 8 KiB.
    public var startLine = 8 * 1024
    /// The header block after the start line, in bytes (431): 64 KiB.
    public var headerBlock = 64 * 1024
    /// The header fields in one message (431): 100.
    public var fieldCount = 100
    /// One chunk-size line with its chunk extensions, without its line end (RFC 9112 §7.1.1; 400): 1 KiB.
    public var chunkLine = 1024
    /// The chunk framing of one body (size lines with extensions, the line ends after chunk data, trailer
    /// fields) may exceed the decoded body's size by this many bytes (413): 16 KiB. 1,000 chunks of one
    /// byte pass (5 KB of framing for 1 KB); 12,000 chunks of one byte with a kilobyte of extensions each
    /// are refused after about 16 of them.
    public var chunkFramingAllowance = 16 * 1024
    /// The body after decoding (413).
    public var maximumBodySize: Int

    public init(maximumBodySize: Int) { self.maximumBodySize = maximumBodySize }

    /// What the server accepts by default: bodies up to 1 MiB.
    public static let request = HTTPLimits(maximumBodySize: 1 << 20)
    /// What the client accepts by default: bodies up to 16 MiB.
    public static let response = HTTPLimits(maximumBodySize: 16 << 20)
}

/// The fields that decide framing and routing, noted while the head is read (so that the common
/// request, which has none of the framing ones, needs no search of its fields).
struct NotedFields: Sendable {
    var hostCount = 0
    /// Index in the fields of the first Host field.
    var hostIndex = -1
    var hostValid = true
    /// A Transfer-Encoding or Content-Length field was seen.
    var framing = false
}

/// A complete head: the start line's bytes, the fields, and what was noted about them.
struct HTTPHead {
    var startLine: Range<Int>
    var fields: [HTTPField]
    var noted: NotedFields
}

/// How the body of the message being read ends (RFC 9112 §6.3).
enum HTTPFraming: Equatable {
    case length(Int)
    case chunked
    case untilClose
}

struct HTTPMessageBuffer: Sendable {
    let limits: HTTPLimits
    /// What an over-long start line is: 414 for a request line.
    let startLineTooLong: HTTPParseError
    private var buffer: [UInt8] = []
    /// The first byte of the message being read.
    private var start = 0
    /// Set once parsing failed; it sticks.
    var failure: HTTPParseError? = nil

    private enum Phase { case startLine, fields, body }
    private enum ChunkPhase: Equatable { case size, data(Int), dataEnd, trailers }
    private var phase = Phase.startLine
    /// The next byte not yet examined.
    private var scan = 0
    /// The first byte of the line being read (in the head, and in chunk framing).
    private var lineStart = 0
    /// Where the header block starts (after the start line).
    private var blockStart = 0
    private var startLine = 0..<0
    private var fields: [HTTPField] = []
    private var noted = NotedFields()
    private var framing = HTTPFraming.length(0)
    private var bodyStart = 0
    private var chunkPhase = ChunkPhase.size
    /// The chunked body decoded so far, and the framing bytes read around it.
    private var decoded: [UInt8] = []
    private var framingBytes = 0
    /// Bytes examined so far, over the parser's life (for tests that bound the work).
    private(set) var examined = 0
    /// What the fields of the message being read hold: their lines' bytes and a record each.
    private var fieldMemory = 0

    init(limits: HTTPLimits, startLineTooLong: HTTPParseError) {
        self.limits = limits
        self.startLineTooLong = startLineTooLong
    }

    subscript(i: Int) -> UInt8 { buffer[i] }
    var buffered: Int { buffer.count - start }
    /// Heap bytes held for the message being read: the receive buffer's storage, the decoded chunked body,
    /// and the fields read so far (until the message ends: a request waiting for its body holds them).
    var memory: Int { buffer.capacity + decoded.capacity + fieldMemory }
    var end: Int { buffer.count }

    /// Appends received bytes; refuses them (keeping the error) once parsing has failed.
    mutating func feed(_ bytes: Span<UInt8>) {
        guard failure == nil else { return }
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); rebase() }
        for i in 0..<bytes.count { buffer.append(bytes[i]) }
    }

    /// Appends a received array: taken as the buffer when nothing is pending (the usual case: a request
    /// arrives whole), so its bytes are not copied; appended in one piece otherwise.
    mutating func feed(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        if start == buffer.count {
            buffer = bytes
            rebase()
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Nothing of a message is buffered: every position starts again at 0.
    private mutating func rebase() {
        start = 0
        scan = 0
        lineStart = 0
    }

    /// The message ends where reading stopped: the next one starts there. Drops consumed bytes now and
    /// then (not at every message: that would copy the rest of a pipelined batch each time).
    mutating func endMessage() {
        fieldMemory = 0
        start = scan
        lineStart = scan
        phase = .startLine
        framingBytes = 0
        chunkPhase = .size
        if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            rebase()
        }
    }

    /// The message ends with everything buffered (a body delimited by the connection closing).
    mutating func endMessageAtEnd() {
        scan = buffer.count
        endMessage()
    }

    /// The index of the first LF at or after `from`, nil if none is buffered.
    private func lineFeed(from: Int) -> Int? {
        let bytes = buffer.span
        var i = from
        while i < bytes.count {
            if bytes[i] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// Where the content of the line ending with the LF at `lf` ends: before an optional CR.
    private func contentEnd(_ lf: Int) -> Int {
        lf > lineStart && buffer[lf - 1] == 13 ? lf - 1 : lf
    }

    /// The head, once all of it has arrived; nil until then. Each call reads on from where the last
    /// one stopped. Call it only before the body (`inBody` false).
    mutating func head() throws(HTTPParseError) -> HTTPHead? {
        while true {
            guard let lf = lineFeed(from: scan) else {
                examined += buffer.count - scan
                scan = buffer.count
                // Still in a line: only the limits can be checked.
                if phase == .startLine {
                    // (+ 1: the line's CR may be here already, and it is not part of the line)
                    if buffer.count - start > limits.startLine + 1 { throw startLineTooLong }
                } else if buffer.count - blockStart > limits.headerBlock {
                    throw .headersTooLarge
                }
                return nil
            }
            examined += lf + 1 - scan
            scan = lf + 1
            let end = contentEnd(lf)
            if phase == .startLine {
                // The start line, and any empty lines before it (RFC 9112 §2.2), within the limit.
                if end - start > limits.startLine { throw startLineTooLong }
                if end == lineStart { lineStart = scan; continue }
                startLine = lineStart..<end
                phase = .fields
                blockStart = scan
                lineStart = scan
                fields = []
                fieldMemory = 0
                noted = NotedFields()
                continue
            }
            if scan - blockStart > limits.headerBlock { throw .headersTooLarge }
            if end == lineStart {
                lineStart = scan
                phase = .body
                bodyStart = scan
                var taken: [HTTPField] = []
                swap(&taken, &fields)
                return HTTPHead(startLine: startLine, fields: taken, noted: noted)
            }
            if buffer[lineStart] == 32 || buffer[lineStart] == 9 { throw .badRequest("obsolete line folding") }
            guard fields.count < limits.fieldCount else { throw .headersTooLarge }
            try readField(lineStart..<end)
            lineStart = scan
        }
    }

    /// `HTTP/d.d` at `range` (RFC 9112 §2.3), read in place: the minor version; 505 for another major.
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

    /// Counts `n` more bytes examined (the start line, read once it is complete).
    mutating func examine(_ n: Int) { examined += n }

    /// name ":" OWS value OWS (RFC 9112 §5), read in one pass over the bytes, appended to `fields`;
    /// Host, Content-Length and Transfer-Encoding are noted by their names' bytes.
    private mutating func readField(_ range: Range<Int>) throws(HTTPParseError) {
        examined += range.count
        let (colon, first, end, kind) = try Self.scanField(buffer.span, range)
        switch kind {
        case .host, .invalidHost:
            noted.hostCount += 1
            if noted.hostIndex < 0 { noted.hostIndex = fields.count }
            if kind == .invalidHost { noted.hostValid = false }
        case .framing:
            noted.framing = true
        case .other: break
        }
        fields.append(HTTPField(name: string(range.lowerBound..<colon), value: string(first..<end)))
        fieldMemory += range.count + Self.fieldRecordBytes
    }

    private enum FieldKind { case other, host, invalidHost, framing }
    /// A field's record beside its bytes: two strings' headers and their heap blocks' own headers.
    static let fieldRecordBytes = 64

    /// The colon, the value's bounds without OWS, and which of the noted fields this is.
    private static func scanField(_ bytes: Span<UInt8>, _ range: Range<Int>) throws(HTTPParseError) -> (Int, Int, Int, FieldKind) {
        var colon = range.lowerBound
        // RFC 9112 §5.1: a token, then the colon with no whitespace before it.
        while colon < range.upperBound && bytes[colon] != 58 {
            guard isTokenByte(bytes[colon]) else { throw .badRequest("bad header field name") }
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
        let name = range.lowerBound..<colon
        switch name.count {
        case 4 where nameIs(bytes, name, hostName):
            return (colon, first, end, isValidHost(bytes, first..<end) ? .host : .invalidHost)
        case 14 where nameIs(bytes, name, contentLengthName), 17 where nameIs(bytes, name, transferEncodingName):
            return (colon, first, end, .framing)
        default:
            return (colon, first, end, .other)
        }
    }

    static let hostName: [UInt8] = Array("host".utf8)
    static let contentLengthName: [UInt8] = Array("content-length".utf8)
    static let transferEncodingName: [UInt8] = Array("transfer-encoding".utf8)

    /// Whether the token at `range` is `lowercase` in any case (token bytes: OR 0x20 lowers letters and
    /// maps no other token byte onto a letter or `-`).
    private static func nameIs(_ bytes: Span<UInt8>, _ range: Range<Int>, _ lowercase: [UInt8]) -> Bool {
        for k in 0..<lowercase.count where bytes[range.lowerBound + k] | 0x20 != lowercase[k] { return false }
        return true
    }

    /// uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2): an IP literal in brackets, or a reg-name
    /// (unreserved, percent-encoded and sub-delims bytes; IPv4 addresses are reg-names by their bytes),
    /// then digits after a colon. Empty is valid (RFC 9112 §3.2: an empty authority).
    static func isValidHost(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        if i < end && bytes[i] == 91 {  // "["
            i += 1
            let literal = i
            while i < end && bytes[i] != 93 {
                guard isHostByte(bytes[i]) || bytes[i] == 58 else { return false }
                i += 1
            }
            guard i < end, i > literal else { return false }
            i += 1
        } else {
            while i < end && bytes[i] != 58 {
                if bytes[i] == 37 {  // "%" HEXDIG HEXDIG
                    guard i + 2 < end, hexDigitValue(bytes[i + 1]) != nil, hexDigitValue(bytes[i + 2]) != nil else { return false }
                    i += 3
                    continue
                }
                guard isHostByte(bytes[i]) else { return false }
                i += 1
            }
        }
        if i == end { return true }
        guard bytes[i] == 58 else { return false }
        i += 1
        while i < end {
            guard bytes[i] >= 48 && bytes[i] <= 57 else { return false }
            i += 1
        }
        return true
    }

    /// unreserved / sub-delims (RFC 3986 §2.2, §2.3), by a bit mask of the bytes below 128.
    static func isHostByte(_ b: UInt8) -> Bool {
        b < 64 ? (0x2bff_7fd2_0000_0000 as UInt64) &>> UInt64(b) & 1 == 1
            : b < 128 && (0x47ff_fffe_87ff_fffe as UInt64) &>> UInt64(b - 64) & 1 == 1
    }

    // MARK: - Body

    /// Decides how the body ends (RFC 9112 §6.1, §6.3): chunked, else Content-Length, else nothing
    /// (`untilClose` false: requests) or everything until the peer closes (`untilClose` true: responses).
    /// A message with no body at all (HEAD responses, 1xx, 204, 304) passes `.length(0)` to `beginBody`
    /// instead.
    func framing(of head: HTTPHead, minorVersion: Int, untilClose: Bool) throws(HTTPParseError) -> HTTPFraming {
        guard head.noted.framing else { return untilClose ? .untilClose : .length(0) }
        let transferEncodings = head.fields.filter { $0.name.equalsIgnoringASCIICase("Transfer-Encoding") }
        let lengths = head.fields.filter { $0.name.equalsIgnoringASCIICase("Content-Length") }
        if !transferEncodings.isEmpty {
            // Both is the classic request-smuggling shape.
            guard lengths.isEmpty else { throw .badRequest("both Transfer-Encoding and Content-Length") }
            // RFC 9112 §6.1: in an HTTP/1.0 message the framing is faulty; answer and close.
            guard minorVersion >= 1 else { throw .badRequest("Transfer-Encoding in an HTTP/1.0 message") }
            let codings = transferEncodings.flatMap { $0.value.split(separator: ",") }.map { String($0).asciiLowercased.trimmingSpacesAndTabs }
            guard codings == ["chunked"] else {
                if codings.last != "chunked" { throw .badRequest("transfer coding does not end with chunked") }
                throw .notImplemented("transfer coding \(codings.joined(separator: ", "))")
            }
            return .chunked
        }
        var length: Int? = nil
        for field in lengths {
            for part in field.value.split(separator: ",", omittingEmptySubsequences: false) {
                let text = String(part).trimmingSpacesAndTabs
                guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ (48...57).contains($0) }), let n = Int(text) else {
                    throw .badRequest("bad Content-Length")
                }
                if let l = length, l != n { throw .badRequest("differing Content-Length values") }
                length = n
            }
        }
        let n = length ?? 0
        guard n <= limits.maximumBodySize else { throw .bodyTooLarge }
        return .length(n)
    }

    /// The body of the message whose head was just read ends as `framing` says.
    mutating func beginBody(_ framing: HTTPFraming) {
        self.framing = framing
        if framing == .chunked {
            chunkPhase = .size
            decoded = []
            framingBytes = 0
        }
    }

    /// The body, once all of it has arrived; nil until then (always nil when it ends with the connection:
    /// see `rest`). Each call reads on from where the last one stopped.
    mutating func body() throws(HTTPParseError) -> [UInt8]? {
        switch framing {
        case .length(let n):
            if n == 0 { return [] }
            guard buffer.count - bodyStart >= n else { return nil }
            examined += n
            scan = bodyStart + n
            return Array(buffer[bodyStart..<scan])
        case .untilClose:
            guard buffer.count - bodyStart <= limits.maximumBodySize else { throw .bodyTooLarge }
            return nil
        case .chunked:
            return try chunked()
        }
    }

    /// Whether the body being read ends when the connection closes.
    var delimitedByClose: Bool { phase == .body && framing == .untilClose }

    /// The bytes from the body's start to the end (a body delimited by the connection closing).
    func rest() -> [UInt8] { Array(buffer[bodyStart...]) }

    /// RFC 9112 §7.1: chunk-size [; extensions] CRLF data CRLF ... 0 CRLF [trailers] CRLF, decoded as it
    /// arrives: size lines and trailers are searched once, data is copied once into `decoded`.
    private mutating func chunked() throws(HTTPParseError) -> [UInt8]? {
        while true {
            switch chunkPhase {
            case .size, .trailers:
                guard let lf = lineFeed(from: scan) else {
                    examined += buffer.count - scan
                    scan = buffer.count
                    if chunkPhase == .size && buffer.count - lineStart > limits.chunkLine + 1 {
                        throw .badRequest("chunk size line too long")
                    }
                    try checkFraming(pending: buffer.count - lineStart)
                    return nil
                }
                examined += lf + 1 - scan
                scan = lf + 1
                let end = contentEnd(lf)
                framingBytes += scan - lineStart
                try checkFraming(pending: 0)
                if chunkPhase == .trailers {
                    // Trailer fields are read and dropped (RFC 9112 §7.1.2); an empty line ends the body.
                    if end == lineStart {
                        var body: [UInt8] = []
                        swap(&body, &decoded)
                        return body
                    }
                    lineStart = scan
                    continue
                }
                if end - lineStart > limits.chunkLine { throw .badRequest("chunk size line too long") }
                let size = try chunkSize(lineStart..<end)
                lineStart = scan
                if size == 0 {
                    chunkPhase = .trailers
                } else {
                    guard decoded.count + size <= limits.maximumBodySize else { throw .bodyTooLarge }
                    chunkPhase = .data(size)
                }
            case .data(let remaining):
                let available = buffer.count - scan
                if available == 0 { return nil }
                let n = min(remaining, available)
                decoded.append(contentsOf: buffer[scan..<(scan + n)])
                examined += n
                scan += n
                guard n == remaining else { chunkPhase = .data(remaining - n); return nil }
                chunkPhase = .dataEnd
                lineStart = scan
            case .dataEnd:
                // The data's CRLF (or bare LF) follows at once; anything else means the size lied.
                guard scan < buffer.count else { return nil }
                let b = buffer[scan]
                examined += 1
                scan += 1
                if b == 13 && scan - 1 == lineStart { continue }
                guard b == 10 else { throw .badRequest("chunk data longer than its size") }
                framingBytes += scan - lineStart
                lineStart = scan
                chunkPhase = .size
            }
        }
    }

    /// chunk-size [ BWS ";" extensions ]: the size in hexadecimal (8 digits at most: 413 beyond), then
    /// nothing, or extensions of visible bytes, spaces and tabs (RFC 9112 §7.1.1).
    private func chunkSize(_ line: Range<Int>) throws(HTTPParseError) -> Int {
        var size = 0
        var i = line.lowerBound
        while i < line.upperBound, let d = hexDigitValue(buffer[i]) {
            size = size * 16 + Int(d)
            guard i - line.lowerBound < 8 else { throw .bodyTooLarge }
            i += 1
        }
        guard i > line.lowerBound, i == line.upperBound || buffer[i] == 59 || buffer[i] == 32 || buffer[i] == 9 else {
            throw .badRequest("bad chunk size")
        }
        while i < line.upperBound {
            let b = buffer[i]
            guard (b >= 32 && b != 127) || b == 9 else { throw .badRequest("bad chunk extension") }
            i += 1
        }
        return size
    }

    /// Refuses framing (with `pending` bytes of a line still open) that exceeds the decoded body by more
    /// than the allowance.
    private func checkFraming(pending: Int) throws(HTTPParseError) {
        if framingBytes + pending > limits.chunkFramingAllowance + decoded.count { throw .bodyTooLarge }
    }

    // MARK: - Bytes and text

    func string(_ range: Range<Int>) -> String {
        String(decoding: buffer[range], as: UTF8.self)
    }

    /// tchar (RFC 9110 §5.6.2), by a bit mask of the bytes below 128 (a few instructions, no table).
    static func isTokenByte(_ b: UInt8) -> Bool {
        b < 64 ? (0x03ff_6cfa_0000_0000 as UInt64) &>> UInt64(b) & 1 == 1
            : b < 128 && (0x57ff_ffff_c7ff_fffe as UInt64) &>> UInt64(b - 64) & 1 == 1
    }
}
