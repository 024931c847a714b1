// SwiftletHTTP: an incremental HTTP/1.1 response parser for the client (RFC 9112 §4 status line, §6.3
// message body length), over the buffer, fields and framing it shares with the request parser
// (HTTPMessageBuffer.swift).
//
// Which body a response has depends on the request (RFC 9112 §6.3): none after HEAD, none for 1xx, 204
// and 304; else chunked, else Content-Length, else everything until the server closes the connection
// (`finish`). Interim 1xx responses are skipped. Limits: status line 8 KiB, header block 64 KiB or 100
// fields, body `maximumBodySize` (16 MiB by default); past them parsing fails for good.

import Swiftlet

public struct HTTPClientResponse: HTTPMessageHead, Equatable, Sendable {
    public var status: Int
    public var reason: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var fields: [HTTPField]
    public var body: [UInt8]
}

public struct HTTPResponseParser: Sendable {
    public let limits: HTTPLimits
    private var message: HTTPMessageBuffer
    /// A response whose head is read and whose body has not all arrived.
    private var pending: HTTPClientResponse? = nil

    public init(limits: HTTPLimits = .response) {
        self.limits = limits
        message = HTTPMessageBuffer(limits: limits, startLineTooLong: .badRequest("status line too long"))
    }

    public var buffered: Int { message.buffered }

    public mutating func feed(_ bytes: Span<UInt8>) { message.feed(bytes) }
    /// Appends received bytes, without copying them when nothing else is pending.
    public mutating func feed(_ bytes: [UInt8]) { message.feed(bytes) }

    /// The next complete response to a request with `method`; nil when more bytes are needed.
    public mutating func next(method: String) throws(HTTPParseError) -> HTTPClientResponse? {
        if let failure = message.failure { throw failure }
        do throws(HTTPParseError) {
            return try read(method: method)
        } catch {
            message.failure = error
            throw error
        }
    }

    private mutating func read(method: String) throws(HTTPParseError) -> HTTPClientResponse? {
        var response: HTTPClientResponse
        if let waiting = pending.take() {
            response = waiting
        } else {
            while true {
                if message.buffered == 0 { return nil }
                guard let head = try message.head() else { return nil }
                response = try Self.parseStatusLine(message, head.startLine)
                response.fields = head.fields
                if response.status < 200 {
                    message.beginBody(.length(0))
                    message.endMessage()  // 100 Continue, 103 Early Hints: the real response follows
                    continue
                }
                if method == "HEAD" || response.status == 204 || response.status == 304 {
                    message.beginBody(.length(0))
                } else {
                    message.beginBody(try message.framing(of: head, minorVersion: response.minorVersion, untilClose: true))
                }
                break
            }
        }
        guard let body = try message.body() else {
            pending = response
            return nil
        }
        response.body = body
        message.endMessage()
        return response
    }

    /// The server closed the connection: the response whose body the close delimits, nil when nothing
    /// was pending; throws when a response was cut short.
    public mutating func finish(method: String) throws(HTTPParseError) -> HTTPClientResponse? {
        if message.buffered == 0 && pending == nil { return nil }
        if let r = try next(method: method) { return r }
        guard var response = pending.take() else {
            message.failure = .badRequest("the connection closed inside a response head")
            throw .badRequest("the connection closed inside a response head")
        }
        guard message.delimitedByClose else {
            message.failure = .badRequest("the connection closed inside a response body")
            throw .badRequest("the connection closed inside a response body")
        }
        response.body = message.rest()
        message.endMessageAtEnd()
        return response
    }

    /// HTTP-version SP status-code SP [reason-phrase] (RFC 9112 §4).
    private static func parseStatusLine(_ m: HTTPMessageBuffer, _ range: Range<Int>) throws(HTTPParseError) -> HTTPClientResponse {
        guard range.count >= 12, m[range.lowerBound + 8] == 32 else { throw .badRequest("malformed status line") }
        let minor = try m.version(range.lowerBound..<(range.lowerBound + 8))
        var status = 0
        for i in (range.lowerBound + 9)..<(range.lowerBound + 12) {
            guard (48...57).contains(m[i]) else { throw .badRequest("bad status code") }
            status = status * 10 + Int(m[i] - 48)
        }
        guard status >= 100 else { throw .badRequest("bad status code") }
        var reason = ""
        if range.count > 12 {
            guard m[range.lowerBound + 12] == 32 else { throw .badRequest("malformed status line") }
            reason = m.string((range.lowerBound + 13)..<range.upperBound)
        }
        return HTTPClientResponse(status: status, reason: reason, minorVersion: minor, fields: [], body: [])
    }
}
