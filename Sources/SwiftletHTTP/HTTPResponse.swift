// SwiftletHTTP: a response and its serialisation (RFC 9112 §4, §6; RFC 9110 §15 status codes), and the
// HTTP date (RFC 9110 §5.6.7, IMF-fixdate).

import Swiftlet

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
    /// Built as bytes, not through string interpolation: interpolating cost a fifth of a request's
    /// instructions (callgrind, the website example under wrk).
    public func head(date: String, contentLength: Int? = nil, close: Bool) -> [UInt8] {
        message(date: Array(date.utf8), contentLength: contentLength, close: close, withBody: false)
    }

    /// The head, and the body after it when `withBody`, in one buffer sized for both. The fixed parts
    /// are byte arrays made once: appending a String's UTF-8 goes through the runtime (callgrind: a tenth
    /// of a request's instructions went on the head's twenty appends).
    func message(date: [UInt8], contentLength: Int? = nil, close: Bool, withBody: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + fields.count * 48 + (withBody ? body.count : 0))
        if status == 200 {
            out.append(contentsOf: Self.okThroughDate)
        } else {
            out.append(contentsOf: Self.version)
            Self.appendDecimal(status, to: &out)
            out.append(0x20)
            out.append(contentsOf: Self.reason(status).utf8)
            out.append(contentsOf: Self.dateName)
        }
        out.append(contentsOf: date)
        out.append(contentsOf: Self.serverLine)
        for f in fields {
            out.append(contentsOf: f.name.utf8)
            out.append(contentsOf: Self.colonSpace)
            out.append(contentsOf: f.value.utf8)
            out.append(contentsOf: Self.crlf)
        }
        // RFC 9110 §8.6: no Content-Length in 1xx and 204; a 304 carries none here either.
        if status != 204 && status != 304 && status >= 200 {
            out.append(contentsOf: Self.contentLengthName)
            Self.appendDecimal(contentLength ?? body.count, to: &out)
            out.append(contentsOf: Self.crlf)
        }
        if close { out.append(contentsOf: Self.connectionClose) }
        out.append(contentsOf: Self.crlf)
        if withBody { out.append(contentsOf: body) }
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

    /// `n` (not negative) in decimal ASCII.
    /// The decimal digits of `n` (0 for negatives), most significant first, appended in place (reversing
    /// a slice of `out` afterwards copied the array: an allocation per response).
    static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        let v = UInt(max(n, 0))
        var scale: UInt = 1
        while scale <= v / 10 { scale *= 10 }
        repeat {
            out.append(UInt8(48 + (v / scale) % 10))
            scale /= 10
        } while scale > 0
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
