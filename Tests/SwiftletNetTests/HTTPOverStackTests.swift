// HTTP client and server over two simulated stacks (SwiftletHTTP on SwiftletNet): one fetch with its own
// connection, then a kept-alive connection carrying a large GET, a large POST echoed back and a 404; and
// a server that closes without answering is a typed error; a crowd of clients holding half-sent heads stays
// within the server's capacity (issue 17: application memory). Nothing is left behind afterwards.

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
        r.get("/host") { request in HTTPResponse(status: 200, body: Array((request.field("Host") ?? "").utf8)) }
        return r
    }

    @Test func fetchAndKeepAlive() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 80)
        let router = Self.router()
        let clock = ManualWallClock(WallTime(secondsSinceEpoch: 1_800_000_000))
        pair.task { await HTTPServer.serve(listener, clock: clock) { await router.respond($0) } }
        var results: [HTTPClientResponse] = []
        var failure: HTTPClientError? = nil
        var done = false
        let upload = pattern(300_000, seed: 9)
        Task { @MainActor in
            do throws(HTTPClientError) {
                results.append(try await HTTPClient.fetch(pair.a, address: .v4(TwoStacks.addressB), port: 80, target: "/page"))
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

    /// Issue 22: the client and the server over IPv6 (2001:db8::1 to 2001:db8::2 on the simulated link);
    /// the Host field names the address in brackets (RFC 9110 §7.2).
    @Test func fetchOverIPv6() async throws {
        let pair = AsyncPair(TwoStacks(ipv6: true))
        #expect(await pair.run(for: .seconds(5)) {
            pair.net.a.ipv6!.isAssigned(TwoStacks.address6A) && pair.net.b.ipv6!.isAssigned(TwoStacks.address6B)
        })
        let listener = try pair.b.listen(port: 80)
        let router = Self.router()
        let clock = ManualWallClock(WallTime(secondsSinceEpoch: 1_800_000_000))
        pair.task { await HTTPServer.serve(listener, clock: clock) { await router.respond($0) } }
        var results: [HTTPClientResponse] = []
        var failure: HTTPClientError? = nil
        var done = false
        Task { @MainActor in
            do throws(HTTPClientError) {
                results.append(try await HTTPClient.fetch(pair.a, address: .v6(TwoStacks.address6B), port: 80, target: "/page"))
                results.append(try await HTTPClient.fetch(pair.a, address: .v6(TwoStacks.address6B), port: 80, target: "/host"))
            } catch { failure = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(failure == nil)
        #expect(results.map(\.status) == [200, 200])
        #expect(results.first?.body == Self.page)
        #expect(results.last.map { String(decoding: $0.body, as: UTF8.self) } == "[2001:db8::2]:80")
        listener.close()
    }

    /// A client that trickles its head gets 408 when the request timeout (30 s) has passed on the
    /// clock's steady reading, however the wall clock is set meanwhile: here it is set back an hour
    /// mid-request, which on the wall time alone gave the client an hour more (and a clock set forward
    /// would cut every request short).
    @Test func theRequestTimeoutHoldsWhenTheWallClockIsSetBack() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 80)
        let clock = ManualWallClock(WallTime(secondsSinceEpoch: 1_800_000_000), following: pair.net.clock)
        pair.task { await HTTPServer.serve(listener, clock: clock) { _ in .text(200, "ok") } }
        var answer: [UInt8] = []
        var answeredAfter: Duration? = nil
        var done = false
        Task { @MainActor in
            guard let flow = try? await pair.a.connect(to: TwoStacks.addressB, port: 80) else { done = true; return }
            let start = pair.a.now
            let head = Array("GET / HTTP/1.1\r\nHost: b.test\r\nX-Slow: ".utf8)
            var sent = 0
            while sent < head.count {
                try? await flow.write([head[sent]])
                sent += 1
                if sent == 2 { clock.current = WallTime(secondsSinceEpoch: 1_800_000_000 - 3600) }
                // A byte every 5 s: each read is well inside any per-read timeout.
                if let got = try? await flow.read(maximum: 4096, timeout: .seconds(5)) {
                    answer += got
                    answeredAfter = pair.a.now - start
                    break
                }
            }
            flow.abort()
            done = true
        }
        #expect(await pair.run(for: .seconds(300)) { done })
        #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
        #expect(answeredAfter.map { $0 >= .seconds(30) && $0 < .seconds(36) } == true)
        listener.close()
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
            do throws(HTTPClientError) { _ = try await HTTPClient.fetch(pair.a, address: .v4(TwoStacks.addressB), port: 80) } catch { failure = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(failure == .closed)
        var refused: HTTPClientError? = nil
        done = false
        Task { @MainActor in
            do throws(HTTPClientError) { _ = try await HTTPClient.fetch(pair.a, address: .v4(TwoStacks.addressB), port: 81) } catch { refused = error }
            done = true
        }
        #expect(await pair.run(for: .seconds(60)) { done })
        #expect(refused == .network(.refused))
        listener.close()
    }

    /// A crowd of clients, each sending a large head and never finishing it, cannot take more than the
    /// server's capacity: beyond 4 connections each is answered 503 at once; of those served, one whose
    /// buffered head (about 100 KiB of heap: the buffer and the fields read from it) would pass 256 KiB
    /// in all is answered 503 and closed; the rest get 408 after the request timeout. Memory never passed
    /// the bound, every connection got an answer, and once they are gone a real request is answered.
    @Test func aCrowdOfHalfSentRequestsStaysWithinTheServersCapacity() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 80)
        var capacity = HTTPServer.Capacity()
        capacity.connections = 4
        capacity.memory = 256 * 1024
        let load = HTTPServer.Load(capacity)
        let clock = ManualWallClock(WallTime(secondsSinceEpoch: 1_800_000_000))
        pair.task {
            await HTTPServer.serve(listener, clock: clock, load: load) { _ in .text(200, "ok") }
        }
        // 40 KiB in 40 fields: within the parser's limits (64 KiB, 100 fields), so only the capacity refuses it.
        var head = Array("GET / HTTP/1.1\r\nHost: b.test\r\n".utf8)
        while head.count < 40 * 1024 { head += Array("X-Padding: \(String(repeating: "a", count: 1000))\r\n".utf8) }
        let clients = 12
        var answers: [String] = []
        var mostMemory = 0
        var mostConnections = 0
        for _ in 0..<clients {
            Task { @MainActor in
                do throws(NetworkError) {
                    let flow = try await pair.a.connect(to: TwoStacks.addressB, port: 80)
                    try await flow.write(head)
                    var reply: [UInt8] = []
                    while let bytes = try await flow.read() { reply += bytes }
                    answers.append(String(decoding: reply.prefix(12), as: UTF8.self))
                    flow.close()
                } catch {
                    answers.append("error \(error)")
                }
            }
        }
        #expect(await pair.run(for: .seconds(60)) {
            mostMemory = max(mostMemory, load.memory.used)
            mostConnections = max(mostConnections, load.connections)
            return answers.count == clients
        })
        let refused = answers.filter { $0 == "HTTP/1.1 503" }.count
        let timedOut = answers.filter { $0 == "HTTP/1.1 408" }.count
        print("crowd: \(load.refusedConnections) refused at the door, \(load.shedForMemory) shed for memory, \(timedOut) timed out; memory peak \(load.memory.peak) of \(capacity.memory)")
        #expect(refused + timedOut == clients, "\(answers)")
        #expect(refused == load.refusedConnections + load.shedForMemory)
        #expect(load.refusedConnections >= 1 && load.shedForMemory >= 1 && timedOut >= 1)
        #expect(load.peakConnections <= capacity.connections && mostConnections <= capacity.connections)
        #expect(load.memory.peak <= capacity.memory && mostMemory <= capacity.memory)
        #expect(load.memory.peak > 80 * 1024, "the heads were charged as they arrived")
        #expect(load.connections == 0 && load.memory.used == 0 && load.memory.accountingErrors == 0)
        // With the crowd gone, a real request is served.
        var status = 0
        Task { @MainActor in
            if let response = try? await HTTPClient.fetch(pair.a, address: .v4(TwoStacks.addressB), port: 80) { status = response.status }
        }
        #expect(await pair.run(for: .seconds(10)) { status != 0 })
        #expect(status == 200)
        listener.close()
    }
}
