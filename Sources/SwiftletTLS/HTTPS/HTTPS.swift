// SwiftletTLS / HTTPS: HTTP/1.1 over TLS (RFC 9110 §4.2.2 "https" URIs, RFC 2818): the server is
// SwiftletHTTP's, each connection upgraded by a TLS handshake first (ALPN "http/1.1", RFC 7301); a
// redirecting handler for the plain-HTTP port; and a one-request client.

import Swiftlet
import SwiftletHTTP

public enum HTTPS {
    /// The ALPN name of HTTP/1.1 (RFC 7301 §6).
    public static let http11: [UInt8] = Array("http/1.1".utf8)

    /// Serves HTTPS on `listener` until it is closed: a TLS handshake (within `timeouts.request`) on each
    /// connection, then HTTP/1.1 with `handler`, within `load`'s capacity.
    public static func serve<L: TCPListening, C: WallClock, R: Entropy>(
        _ listener: L, tls: TLSServerContext<R>, clock: C, limits: HTTPLimits = .request,
        timeouts: HTTPServer.Timeouts = .init(), load: HTTPServer.Load = .init(),
        keyLog: (@Sendable ([UInt8]) -> Void)? = nil,
        handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) async {
        await HTTPServer.serve(listener, clock: clock, limits: limits, timeouts: timeouts, load: load,
                               upgrade: { (flow: L.Flow) async -> TLSFlow<L.Flow, R, C>? in
                                   try? await TLSFlow.accept(flow, context: tls, clock: clock, timeout: timeouts.request, keyLog: keyLog)
                               }, handler: handler)
    }

    /// A handler for the plain-HTTP port that sends every request to the same target over HTTPS
    /// (301, RFC 9110 §15.4.2), on `port` of the host the request named.
    public static func redirect(to port: UInt16) -> @Sendable (HTTPRequest) async -> HTTPResponse {
        { request in
            var host = request.field("Host") ?? ""
            // The Host field without its port (an IPv6 literal keeps its brackets).
            if let colon = host.utf8.lastIndex(of: UInt8(ascii: ":")), !host.hasSuffix("]") {
                host = String(host[..<colon])
            }
            if host.isEmpty { host = "localhost" }
            let authority = port == 443 ? host : "\(host):\(port)"
            let target = request.target.hasPrefix("/") ? request.target : "/"
            var response = HTTPResponse.text(301, "Moved Permanently")
            response.fields.append(HTTPField(name: "Location", value: "https://\(authority)\(target)"))
            return response
        }
    }

    /// Connects to `address`:`port`, runs a TLS handshake for `serverName`, sends one request with
    /// `Connection: close` and returns the response.
    public static func fetch<N: Network, R: Entropy, C: WallClock>(
        _ network: N, address: IPAddress, port: UInt16 = 443, serverName: String, tls: TLSClientContext<R>, clock: C,
        method: String = "GET", target: String = "/", fields: [HTTPField] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws(HTTPClientError) -> HTTPClientResponse {
        let flow: N.Flow
        do throws(NetworkError) { flow = try await network.connect(to: address, port: port) } catch { throw .network(error) }
        let secure: TLSFlow<N.Flow, R, C>
        do throws(NetworkError) {
            secure = try await TLSFlow.connect(flow, context: tls, serverName: serverName, clock: clock, timeout: timeout)
        } catch { throw .network(error) }
        let host = port == 443 ? serverName : "\(serverName):\(port)"
        var connection = HTTPClientConnection(flow: secure, host: host, timeout: timeout)
        do throws(HTTPClientError) {
            let response = try await connection.request(method, target, fields: fields + [HTTPField(name: "Connection", value: "close")], body: body)
            // A body delimited by the close must end with close_notify: without it an attacker who
            // injected a FIN could cut the body short unseen (RFC 8446 §6.1).
            let delimited = response.field("Content-Length") != nil || response.field("Transfer-Encoding") != nil
            if secure.truncated && !delimited {
                secure.abort()
                throw .network(.tls(alert: AlertDescription.closeNotify.rawValue))
            }
            secure.close()
            return response
        } catch {
            secure.abort()
            throw error
        }
    }
}
