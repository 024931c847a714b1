// Whole-stack TCP: two stacks over the simulated link, in virtual time.

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting
import SwiftletWire

/// Moves `data` from `sender` to `receiver` over an open connection pair and back the other way at the
/// same time; returns what each side received. Both sides close when done writing.
func exchange(_ net: TwoStacks, client: TCPSocketID, server: TCPSocketID, up: [UInt8], down: [UInt8],
              limit: Duration) -> (up: [UInt8], down: [UInt8], finished: Bool) {
    var sentUp = 0, sentDown = 0
    var gotUp: [UInt8] = [], gotDown: [UInt8] = []
    var closedA = false, closedB = false
    gotUp.reserveCapacity(up.count)
    gotDown.reserveCapacity(down.count)
    let finished = net.run(for: limit, step: {
        if sentUp < up.count {
            sentUp += (try? net.a.tcpWrite(client, up.span.extracting(sentUp...), now: net.now)) ?? 0
        } else if !closedA { net.a.tcpShutdownWrite(client, now: net.now); closedA = true }
        if sentDown < down.count {
            sentDown += (try? net.b.tcpWrite(server, down.span.extracting(sentDown...), now: net.now)) ?? 0
        } else if !closedB { net.b.tcpShutdownWrite(server, now: net.now); closedB = true }
        while let chunk = try? net.b.tcpRead(server, maximum: 1 << 20, now: net.now), !chunk.isEmpty { gotUp += chunk }
        while let chunk = try? net.a.tcpRead(client, maximum: 1 << 20, now: net.now), !chunk.isEmpty { gotDown += chunk }
    }, until: {
        net.a.tcpAtEndOfStream(client) && net.b.tcpAtEndOfStream(server) && closedA && closedB
            && gotUp.count == up.count && gotDown.count == down.count
    })
    return (gotUp, gotDown, finished)
}

func connectPair(_ net: TwoStacks, port: UInt16 = 80, to address: IPAddress = .v4(TwoStacks.addressB)) throws -> (TCPSocketID, TCPSocketID) {
    try net.b.tcpListen(port: port)
    let client = try net.a.tcpConnect(to: TCPEndpoint(address: address, port: port), now: net.now)
    var server: TCPSocketID? = nil
    let ok = net.run(for: .seconds(5), step: { if server == nil { server = net.b.tcpAccept(port: port) } },
                     until: { server != nil && net.a.tcpState(client) == .established })
    guard ok, let server else { throw StackError.notConnected }
    return (client, server)
}

@Suite struct TCPTransferTests {
    @Test(arguments: [CongestionControl.newReno, .cubic])
    func bothCongestionControllersRecoverFromLoss(_ algorithm: CongestionControl) throws {
        var impair = LinkImpairment()
        impair.loss = 0.02
        impair.delay = .milliseconds(5)
        impair.bandwidth = 100_000_000
        var tcp = TCPConfiguration()
        tcp.congestionControl = algorithm
        let net = TwoStacks(seed: 11, impairment: impair, tcp: tcp)
        let (client, server) = try connectPair(net)
        let up = pattern(2_000_000, seed: 5)
        let r = exchange(net, client: client, server: server, up: up, down: [], limit: .seconds(120))
        #expect(r.finished && r.up == up)
        let c = try #require(net.a.tcpConnection(client))
        #expect(c.retransmittedSegments > 0)
    }

    @Test func keepAliveDetectsAVanishedPeer() throws {
        var tcp = TCPConfiguration()
        tcp.keepAliveIdle = .seconds(10)
        tcp.keepAliveInterval = .seconds(2)
        tcp.keepAliveProbes = 3
        let net = TwoStacks(tcp: tcp)
        let (client, _) = try connectPair(net)
        net.run(for: .seconds(5), until: { false })
        #expect(net.a.tcpState(client) == .established)  // idle but fine: probes are answered
        net.run(for: .seconds(30), until: { false })
        #expect(net.a.tcpState(client) == .established)
        net.link.impairment.loss = 1.0                    // the peer vanishes
        #expect(net.run(for: .seconds(60), until: { net.a.tcpConnection(client)?.error == .timedOut }))
    }


    @Test func handshakeNegotiatesOptions() throws {
        let net = TwoStacks()
        let (client, server) = try connectPair(net)
        let c = try #require(net.a.tcpConnection(client))
        let s = try #require(net.b.tcpConnection(server))
        #expect(c.state == .established && s.state == .established)
        #expect(c.remote == TCPEndpoint(address: TwoStacks.addressB, port: 80))
        #expect(s.remote.port == client.localPort)
        #expect((49152...65535).contains(client.localPort))
    }

    @Test func smallExchangeAndOrderlyCloseLeaveNothingBehind() throws {
        let net = TwoStacks()
        let (client, server) = try connectPair(net)
        let r = exchange(net, client: client, server: server, up: Array("hello".utf8), down: Array("world!".utf8), limit: .seconds(5))
        #expect(r.finished)
        #expect(r.up == Array("hello".utf8) && r.down == Array("world!".utf8))
        net.a.tcpClose(client, now: net.now)
        net.b.tcpClose(server, now: net.now)
        // One side sits in TIME-WAIT for 2 MSL, then everything is gone.
        #expect(net.run(for: .seconds(120), until: { net.a.tcpConnectionCount == 0 && net.b.tcpConnectionCount == 0 }))
    }

    @Test(arguments: [(0.0, 1 as UInt64), (0.01, 2), (0.10, 3)])
    func tenMegabytesBothWaysUnderLoss(loss: Double, seed: UInt64) throws {
        var impair = LinkImpairment()
        impair.loss = loss
        impair.reordering = loss > 0 ? 0.02 : 0
        impair.duplication = loss > 0 ? 0.01 : 0
        impair.corruption = loss > 0 ? 0.001 : 0  // flipped bits must be caught by checksums, never delivered
        impair.delay = .milliseconds(1)
        impair.bandwidth = 1_000_000_000
        let net = TwoStacks(seed: seed, impairment: impair)
        let (client, server) = try connectPair(net)
        let up = pattern(10_000_000, seed: 10 + seed), down = pattern(10_000_000, seed: 20 + seed)
        let start = net.now
        let r = exchange(net, client: client, server: server, up: up, down: down, limit: .seconds(600))
        let elapsed = net.now - start
        #expect(r.finished, "loss \(loss): transfer did not finish in 600 s of virtual time")
        if !r.finished || r.up != up || r.down != down { net.dumpCapture("tcp-10mb-loss-\(loss)") }
        #expect(ContentDigest.of(r.up.span) == ContentDigest.of(up.span) && r.up.count == up.count)
        #expect(ContentDigest.of(r.down.span) == ContentDigest.of(down.span) && r.down.count == down.count)
        let bound: Duration = loss == 0 ? .seconds(1) : loss < 0.05 ? .seconds(10) : .seconds(60)
        #expect(elapsed < bound, "took \(elapsed) of virtual time")
        #expect(loss == 0 || net.link.corrupted > 0)
        let cs = [net.a.tcpConnection(client), net.b.tcpConnection(server)].compactMap { $0 }
        let retransmitted = cs.map(\.retransmittedSegments), probes = cs.map(\.tailLossProbes)
        print("10 MB each way, loss \(loss): \(elapsed) virtual; link carried \(net.link.carried), lost \(net.link.lost); retransmitted \(retransmitted), tail loss probes \(probes)")
    }
}
