// SwiftletHTTP: a minimal HTTP/1.1 client over any `Network` (RFC 9112): GET and POST (any method, in
// fact) on a connection it opens, or several requests in turn on one kept-alive connection.
//
// Requests carry Host and, with a body, Content-Length. A method, target, Host or field that would put
// CR, LF or another control byte on the wire (request splitting) is refused before anything is sent
// (`HTTPClientError.invalidRequest`). Responses are read with `HTTPResponseParser`
// (chunked, Content-Length or until close; limits on every part). Every read has a timeout, so a server
// that stops answering costs at most `timeout`; errors are typed.

import Swiftlet

public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Connecting, reading or writing failed.
    case network(NetworkError)
    /// The response broke HTTP/1.1 or a limit.
    case badResponse(String)
    /// The server closed the connection before a whole response arrived.
    case closed
    /// The request could not be serialised (nothing was sent).
    case invalidRequest(HTTPMessageError)

    public var description: String {
        switch self {
        case .network(let e): "network: \(e)"
        case .badResponse(let why): "bad response: \(why)"
        case .closed: "the server closed the connection before answering"
        case .invalidRequest(let e): "invalid request: \(e)"
        }
    }
}

/// One connection to a server, requests answered in turn. Not for concurrent use.
public struct HTTPClientConnection<Flow: TCPFlow>: Sendable {
    public let flow: Flow
    public let host: String
    public var timeout: Duration
    private var parser: HTTPResponseParser

    public init(flow: Flow, host: String, timeout: Duration = .seconds(30), limits: HTTPLimits = .response) {
        self.flow = flow
        self.host = host
        self.timeout = timeout
        parser = HTTPResponseParser(limits: limits)
    }

    /// Sends one request and returns its response.
    public mutating func request(_ method: String, _ target: String, fields: [HTTPField] = [],
                                 body: [UInt8]? = nil) async throws(HTTPClientError) -> HTTPClientResponse {
        do throws(HTTPMessageError) { try Self.validate(method, target, host: host, fields: fields) } catch { throw .invalidRequest(error) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for f in fields { head += "\(f.name): \(f.value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        do throws(NetworkError) { try await flow.write(bytes) } catch { throw .network(error) }
        while true {
            do throws(HTTPParseError) {
                if let response = try parser.next(method: method) { return response }
            } catch {
                throw .badResponse(Self.reason(error))
            }
            let received: [UInt8]?
            do throws(NetworkError) { received = try await flow.read(maximum: 65536, timeout: timeout) } catch { throw .network(error) }
            guard let received, !received.isEmpty else {
                do throws(HTTPParseError) {
                    if let response = try parser.finish(method: method) { return response }
                } catch {
                    throw .badResponse(Self.reason(error))
                }
                throw .closed
            }
            parser.feed(received)
        }
    }

    /// Refuses what would break the request line or the head (RFC 9112 §3, §3.2; RFC 9110 §5.5).
    static func validate(_ method: String, _ target: String, host: String, fields: [HTTPField]) throws(HTTPMessageError) {
        let m = method.utf8
        guard !m.isEmpty, m.allSatisfy(HTTPMessageBuffer.isTokenByte) else { throw .invalidMethod(method) }
        let t = target.utf8
        guard !t.isEmpty, t.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .invalidTarget(target) }
        let h = Array(host.utf8)
        guard HTTPMessageBuffer.isValidHost(h.span, 0..<h.count) else { throw .invalidHost(host) }
        for f in fields { try f.validate() }
    }

    private static func reason(_ e: HTTPParseError) -> String {
        switch e {
        case .badRequest(let why): why
        case .headersTooLarge: "header block over the limit"
        case .bodyTooLarge: "body over the limit"
        case .uriTooLong: "status line too long"
        case .notImplemented(let what): what
        case .versionNotSupported: "not HTTP/1.x"
        }
    }
}

public enum HTTPClient {
    /// Connects to `address`:`port` (either family), sends one request with `Connection: close`, returns the
    /// response. The Host field defaults to the address and port (an IPv6 address in brackets, RFC 9110 §7.2).
    public static func fetch<N: Network>(_ network: N, address: IPAddress, port: UInt16 = 80, method: String = "GET",
                                         target: String = "/", host: String? = nil, fields: [HTTPField] = [],
                                         body: [UInt8]? = nil, timeout: Duration = .seconds(30)) async throws(HTTPClientError) -> HTTPClientResponse {
        let flow: N.Flow
        do throws(NetworkError) { flow = try await network.connect(to: address, port: port) } catch { throw .network(error) }
        var connection = HTTPClientConnection(flow: flow, host: host ?? Endpoint(address: address, port: port).description, timeout: timeout)
        do throws(HTTPClientError) {
            let response = try await connection.request(method, target, fields: fields + [HTTPField(name: "Connection", value: "close")], body: body)
            flow.close()
            return response
        } catch {
            flow.abort()
            throw error
        }
    }
}
