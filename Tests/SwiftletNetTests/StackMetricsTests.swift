// The stack's Prometheus metrics (SwiftletNet/StackMetrics.swift): bytes in and out counted with the
// frames, and retransmissions as a counter that keeps what a connection sent again after the connection
// is gone (it was a gauge of live connections only, which fell when one closed).

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting

@Suite struct StackMetricsTests {
    func value(_ name: String, in stack: NetworkStack<SimulatedDevice>) -> Int? {
        var out = MetricsText()
        stack.writeMetrics(&out)
        for line in String(decoding: out.bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(line.dropFirst(name.count + 1))
        }
        return nil
    }

    @Test func bytesAndRetransmissionsOutliveTheirConnection() throws {
        var impair = LinkImpairment()
        impair.loss = 0.05
        let net = TwoStacks(seed: 3, impairment: impair)
        let (client, server) = try connectPair(net)
        let up = pattern(300_000, seed: 9)
        let r = exchange(net, client: client, server: server, up: up, down: [], limit: .seconds(120))
        #expect(r.finished && r.up == up)
        let resent = try #require(net.a.tcpConnection(client)).retransmittedSegments
        #expect(resent > 0)
        #expect(value("swiftlet_tcp_retransmitted_segments_total", in: net.a) == resent)
        // Every byte of the upload crossed as frame bytes, with headers: more out of A than the data, and
        // B took in at most what A sent.
        let out = try #require(value("swiftlet_sent_bytes_total", in: net.a))
        let into = try #require(value("swiftlet_received_bytes_total", in: net.b))
        #expect(out > up.count && into > up.count && into <= out)
        net.link.impairment.loss = 0
        net.a.tcpClose(client, now: net.now)
        net.b.tcpClose(server, now: net.now)
        #expect(net.run(for: .seconds(120), until: { net.a.tcpConnectionCount == 0 && net.b.tcpConnectionCount == 0 }))
        #expect(try #require(value("swiftlet_tcp_retransmitted_segments_total", in: net.a)) >= resent)
    }
}
