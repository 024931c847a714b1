// HTTP client and server over two simulated stacks (SwiftletHTTP on SwiftletNet): one fetch with its own
// connection, then a kept-alive connection carrying a large GET, a large POST echoed back and a 404; and
// a server that closes without answering is a typed error. Nothing is left behind afterwards.

import Testing
import Swiftlet
import SwiftletNet
import SwiftletHTTP
import SwiftletTesting

@MainActor
@Suite struct HTTPOverStackTests {
    nonisolated static let page = pattern(200_000, seed: 5)

    nonisolated static func router() -> HTTPRouter {
        var r = HTTPRouter()
        r.get("/page") { _ in HTTPResponse(status: 200, body: page) }
        r.post("/echo") { request in HTTPResponse(status: 200, body: request.body) }
        return r
    }

    @Test func fetchAndKeepAlive() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 80)
        let router = Self.router()
        let clock = ManualWallClock(WallTime(secondsSinceEpoch: 1_800_000_000))
        Task { @MainActor in await HTTPServer.serve(listener, clock: clock) { await router.respond($0) } }
        var results: [HTTPClientResponse] = []
        var failure: HTTPClientError? = nil
        var done = false
        let upload = pattern(300_000, seed: 9)
        Task { @MainActor in
            do throws(HTTPClientError) {
                results.append(try await HTTPClient.fetch(pair.a, address: TwoStacks.addressB, port: 80, target: "/page"))
                let flow: TCPStream<SimulatedDevice>
                do throws(NetworkError) { flow = try await pair.a.connect(to: TwoStacks.addressB, port: 80) } catch { throw .network(error) }
                var connection = HTTPClientConnection(flow: flow, host: "b.test")
                results.append(try await connection.request("GET", "/page"))
                results.append(try await connection.request("POST", "/echo", fields: [HTTPField(name: "Content-Type", value: "application/octet-stream")], body: upload))
                results.append(try await connection.request("GET", "/missing"))
                flow.close()
            } catch { failure = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(failure == nil)
        if failure != nil { pair.net.dumpCapture("http-keepalive") }
        #expect(results.map(\.status) == [200, 200, 200, 404])
        #expect(results.count == 4 && results[0].body == Self.page && results[1].body == Self.page && results[2].body == upload)
        #expect(results.first?.field("Date") == "Fri, 15 Jan 2027 08:00:00 GMT")
        listener.close()
        #expect(await pair.run(for: .seconds(120)) { pair.net.a.tcpConnectionCount == 0 && pair.net.b.tcpConnectionCount == 0 })
    }

    @Test func aServerThatClosesIsATypedError() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 80)
        Task { @MainActor in
            for await flow in listener {
                _ = try? await flow.read()
                flow.close()
            }
        }
        var failure: HTTPClientError? = nil
        var done = false
        Task { @MainActor in
            do throws(HTTPClientError) { _ = try await HTTPClient.fetch(pair.a, address: TwoStacks.addressB, port: 80) } catch { failure = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(failure == .closed)
        var refused: HTTPClientError? = nil
        done = false
        Task { @MainActor in
            do throws(HTTPClientError) { _ = try await HTTPClient.fetch(pair.a, address: TwoStacks.addressB, port: 81) } catch { refused = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(refused == .network(.refused))
        listener.close()
    }
}
