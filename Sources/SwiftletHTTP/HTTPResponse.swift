// SwiftletHTTP: a response and its serialisation (RFC 9112 §4, §6; RFC 9110 §15 status codes), and the
// HTTP date (RFC 9110 §5.6.7, IMF-fixdate).
//
// Serialising refuses (`HTTPMessageError`) a field name that is not a token, a field value with CR, LF,
// NUL or another control byte but tab (RFC 9110 §5.5), and a status outside 100-999: whatever a handler
// puts in a field, it cannot end the head early or add a field of its own (response splitting). The
// server answers 500 instead.

import Swiftlet
import SwiftletWire

/// Why a message could not be serialised: something in it would change the message's framing.
public enum HTTPMessageError: Error, Equatable, Sendable {
    /// A field name that is not a token (RFC 9110 §5.1).
    case invalidFieldName(String)
    /// The value of this field holds CR, LF, NUL or another control byte (RFC 9110 §5.5).
    case invalidFieldValue(name: String)
    /// A status code outside 100-999 (RFC 9110 §15).
    case invalidStatus(Int)
    /// A request method that is not a token (RFC 9110 §9.1).
    case invalidMethod(String)
    /// A request target that is empty or holds a space or control byte (RFC 9112 §3.2).
    case invalidTarget(String)
    /// A Host value that is not uri-host [":" port] (RFC 9112 §3.2).
    case invalidHost(String)
}

extension HTTPField {
    /// Refuses a name that is not a token or a value that could end the field early (RFC 9110 §5.5).
    func validate() throws(HTTPMessageError) {
        let name = self.name.utf8Span.span
        guard name.count > 0 else { throw .invalidFieldName(self.name) }
        var bad = false
        for i in 0..<name.count { bad = bad || !HTTPMessageBuffer.isTokenByte(name[i]) }
        if bad { throw .invalidFieldName(self.name) }
        let value = self.value.utf8Span.span
        for i in 0..<value.count {
            let b = value[i]
            bad = bad || (b < 32 && b != 9) || b == 127
        }
        if bad { throw .invalidFieldValue(name: self.name) }
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var fields: [HTTPField]
    public var body: [UInt8]

    public init(status: Int, fields: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.fields = fields
        self.body = body
    }

    /// A short plain-text response (errors and simple answers).
    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, fields: [HTTPField(name: "Content-Type", value: "text/plain; charset=utf-8")],
                     body: Array((text + "\n").utf8))
    }

    /// The status line and header block; Content-Length from the body unless `contentLength` says
    /// otherwise (HEAD answers with the length of what GET would send).
    /// Built as bytes, not through string interpolation, which would cost about a fifth of a request's
    /// instructions.
    /// Throws when a field or the status would break the message (see `HTTPMessageError`).
    public func head(date: String, contentLength: Int? = nil, close: Bool) throws(HTTPMessageError) -> [UInt8] {
        try message(date: Array(date.utf8), contentLength: contentLength, close: close, withBody: false)
    }

    /// The head, and the body after it when `withBody`, in one buffer of exactly their size. Every
    /// piece is measured first, then copied in with `Audited.copy` (the fixed parts are byte arrays made
    /// once; names and values are copied from their strings' UTF-8): appending piece by piece to a
    /// growing array would be most of this function's cost.
    /// Fields are checked while they are measured (`HTTPField.validate`).
    func message(date: [UInt8], contentLength: Int? = nil, close: Bool, withBody: Bool) throws(HTTPMessageError) -> [UInt8] {
        guard status >= 100 && status <= 999 else { throw .invalidStatus(status) }
        let reason = Self.reason(status)
        // RFC 9110 §8.6: no Content-Length in 1xx and 204; a 304 carries none here either.
        let hasLength = status != 204 && status != 304 && status >= 200
        let length = max(contentLength ?? body.count, 0)
        var total = status == 200
            ? Self.okThroughDate.count
            : Self.version.count + Self.digits(status) + 1 + reason.utf8.count + Self.dateName.count
        total += date.count + Self.serverLine.count
        for f in fields {
            try f.validate()
            total += f.name.utf8.count + 2 + f.value.utf8.count + 2
        }
        if hasLength { total += Self.contentLengthName.count + Self.digits(length) + 2 }
        if close { total += Self.connectionClose.count }
        total += 2
        let head = total
        if withBody { total += body.count }

        var out = [UInt8](repeating: 0, count: total)
        var span = out.mutableSpan
        var at = 0
        if status == 200 {
            Audited.copy(Self.okThroughDate.span, into: &span, advancing: &at)
        } else {
            Audited.copy(Self.version.span, into: &span, advancing: &at)
            Self.writeDecimal(status, into: &span, advancing: &at)
            span[at] = 0x20
            at += 1
            Audited.copy(reason.utf8Span.span, into: &span, advancing: &at)
            Audited.copy(Self.dateName.span, into: &span, advancing: &at)
        }
        Audited.copy(date.span, into: &span, advancing: &at)
        Audited.copy(Self.serverLine.span, into: &span, advancing: &at)
        for f in fields {
            Audited.copy(f.name.utf8Span.span, into: &span, advancing: &at)
            Audited.copy(Self.colonSpace.span, into: &span, advancing: &at)
            Audited.copy(f.value.utf8Span.span, into: &span, advancing: &at)
            Audited.copy(Self.crlf.span, into: &span, advancing: &at)
        }
        if hasLength {
            Audited.copy(Self.contentLengthName.span, into: &span, advancing: &at)
            Self.writeDecimal(length, into: &span, advancing: &at)
            Audited.copy(Self.crlf.span, into: &span, advancing: &at)
        }
        if close { Audited.copy(Self.connectionClose.span, into: &span, advancing: &at) }
        Audited.copy(Self.crlf.span, into: &span, advancing: &at)
        precondition(at == head, "HTTPResponse.message: head measured wrongly")
        if withBody { Audited.copy(body.span, into: &span, advancing: &at) }
        _ = consume span
        return out
    }

    static let okThroughDate: [UInt8] = Array("HTTP/1.1 200 OK\r\nDate: ".utf8)
    static let version: [UInt8] = Array("HTTP/1.1 ".utf8)
    static let dateName: [UInt8] = Array("\r\nDate: ".utf8)
    static let serverLine: [UInt8] = Array("\r\nServer: Swiftlet\r\n".utf8)
    static let colonSpace: [UInt8] = Array(": ".utf8)
    static let crlf: [UInt8] = Array("\r\n".utf8)
    static let contentLengthName: [UInt8] = Array("Content-Length: ".utf8)
    static let connectionClose: [UInt8] = Array("Connection: close\r\n".utf8)

    /// How many decimal digits `n` (not negative) has.
    static func digits(_ n: Int) -> Int {
        var count = 1
        var v = n
        while v >= 10 { v /= 10; count += 1 }
        return count
    }

    /// The decimal digits of `n` (not negative), most significant first, at `at`, which moves past them.
    static func writeDecimal(_ n: Int, into span: inout MutableSpan<UInt8>, advancing at: inout Int) {
        var v = n
        let count = digits(n)
        var i = at + count - 1
        repeat {
            span[i] = UInt8(48 + v % 10)
            v /= 10
            i -= 1
        } while i >= at
        at += count
    }

    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 416: "Range Not Satisfiable"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}

/// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    public static func format(_ time: WallTime) -> String {
        let seconds = time.secondsSinceEpoch
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        let (year, month, day) = civil(daysSinceEpoch: days)
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(names[Int(weekday)]), \(two(day)) \(months[month - 1]) \(year) \(two(Int(rest / 3600))):\(two(Int(rest / 60 % 60))):\(two(Int(rest % 60))) GMT"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    /// Gregorian date of a day count from 1970-01-01: whole years, then whole months, are taken off.
    /// (A few dozen steps for any date a server sees; clarity over a closed formula.)
    static func civil(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        var days = Int(daysSinceEpoch)
        var year = 1970
        while days < 0 { year -= 1; days += isLeap(year) ? 366 : 365 }
        while days >= (isLeap(year) ? 366 : 365) { days -= isLeap(year) ? 366 : 365; year += 1 }
        let lengths = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var month = 0
        while days >= lengths[month] { days -= lengths[month]; month += 1 }
        return (year, month + 1, days + 1)
    }
}
