// TCP through whole stacks: closed ports, zero windows, listen backlogs, and leak checks.

import Foundation
import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting
import SwiftletWire

@Suite struct TCPStackTests {
    @Test func connectToClosedPortIsRefused() throws {
        let net = TwoStacks()
        let id = try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 81), now: net.now)
        #expect(net.run(for: .seconds(2), until: { net.a.tcpConnection(id)?.state == .closed }))
        #expect(net.a.tcpConnection(id)?.error == .refused)
        #expect(net.b.counters.tcpResetsSent == 1)
        #expect(throws: StackError.connection(.refused)) { try net.a.tcpRead(id, maximum: 10, now: net.now) }
        net.a.tcpClose(id, now: net.now)
        #expect(net.a.tcpConnectionCount == 0)
    }

    @Test func zeroWindowStallsThenReopens() throws {
        var small = TCPConfiguration()
        small.receiveBufferSize = 4096
        let net = TwoStacks(tcp: TCPConfiguration(), tcpB: small)
        let (client, server) = try connectPair(net)
        let data = pattern(100_000, seed: 4)
        var sent = 0
        // The server does not read: the window closes and the client's data waits.
        net.run(for: .seconds(5), step: {
            if sent < data.count { sent += (try? net.a.tcpWrite(client, data.span.extracting(sent...), now: net.now)) ?? 0 }
        }, until: { false })
        let stalled = try #require(net.b.tcpConnection(server))
        #expect(stalled.readable == 4096)
        #expect(sent < data.count || net.a.tcpConnection(client)!.sendSpace < TCPConfiguration().sendBufferSize)
        // Probes keep the connection alive; once the reader drains the buffer the rest arrives.
        var got: [UInt8] = []
        let done = net.run(for: .seconds(60), step: {
            if sent < data.count { sent += (try? net.a.tcpWrite(client, data.span.extracting(sent...), now: net.now)) ?? 0 }
            while let chunk = try? net.b.tcpRead(server, maximum: 1000, now: net.now), !chunk.isEmpty { got += chunk }
        }, until: { got.count == data.count })
        #expect(done && got == data)
    }

    @Test func listenBacklogFloodIsBounded() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 80, backlog: 8)
        var clients: [TCPSocketID] = []
        for _ in 0..<200 {
            clients.append(try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 80), now: net.now))
        }
        net.run(for: .seconds(3), until: { false })
        // Nobody accepts: the server holds at most the backlog; the rest of the SYNs were dropped.
        #expect(net.b.tcpConnectionCount <= 8)
        #expect(net.b.counters.tcpBacklogDrops > 0)
        var accepted = 0
        while net.b.tcpAccept(port: 80) != nil { accepted += 1 }
        #expect(accepted == 8)
        for c in clients { net.a.tcpAbort(c, now: net.now) }
    }

    /// A handshake that ends in a reset (the client gave up: its stack answers the SYN-ACK with RST)
    /// frees its place in the backlog. It used to be removed from a copy of the listener only, so every
    /// such handshake held a place for good and the listener soon dropped every SYN.
    @Test func resetHandshakesFreeTheirBacklogPlace() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 80, backlog: 2)
        for _ in 0..<4 {
            let gaveUp = try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 80), now: net.now)
            net.a.tcpAbort(gaveUp, now: net.now)  // in SYN-SENT: forgotten without a reset
            net.run(for: .seconds(1), until: { false })
        }
        #expect(net.b.counters.tcpBacklogDrops == 0)
        #expect(net.b.tcpConnectionCount == 0)
        let clients = try (0..<2).map { _ in try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 80), now: net.now) }
        #expect(net.run(for: .seconds(5), until: { clients.allSatisfy { net.a.tcpConnection($0)?.state == .established } }))
        net.run(for: .seconds(1), until: { false })  // the handshakes' last ACKs reach the server
        var accepted = 0
        while net.b.tcpAccept(port: 80) != nil { accepted += 1 }
        #expect(accepted == 2)
        #expect(net.b.counters.tcpBacklogDrops == 0)
    }

    @Test func tenThousandConnectionsLeaveNoStateBehind() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 7)
        var open: [TCPSocketID] = []
        var served = 0, completed = 0
        let total = Int(ProcessInfo.processInfo.environment["SWIFTLET_CONNECTIONS"] ?? "10000")!
        var started = 0
        let finished = net.run(for: .seconds(3600), step: {
            // Keep 50 connections in flight: connect, send 3 bytes, the server echoes them and both close.
            while started < total && open.count < 50 {
                if let id = try? net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 7), now: net.now) {
                    _ = try? net.a.tcpWrite(id, [1, 2, 3].span, now: net.now)
                    net.a.tcpShutdownWrite(id, now: net.now)
                    open.append(id)
                    started += 1
                }
            }
            while let s = net.b.tcpAccept(port: 7) {
                _ = s
                served += 1
            }
            for id in net.bServerSockets() {
                if let bytes = try? net.b.tcpRead(id, maximum: 10, now: net.now), !bytes.isEmpty {
                    _ = try? net.b.tcpWrite(id, bytes.span, now: net.now)
                }
                if net.b.tcpAtEndOfStream(id) { net.b.tcpClose(id, now: net.now) }
            }
            open.removeAll { id in
                _ = try? net.a.tcpRead(id, maximum: 10, now: net.now)
                if net.a.tcpAtEndOfStream(id) {
                    net.a.tcpClose(id, now: net.now)
                    completed += 1
                    return true
                }
                return false
            }
        }, until: { completed == total && net.a.tcpConnectionCount == 0 && net.b.tcpConnectionCount == 0 })
        #expect(finished, "completed \(completed) of \(total); a holds \(net.a.tcpConnectionCount), b \(net.b.tcpConnectionCount)")
        #expect(served == total)
        // Nothing left: no connections, no queued datagrams, no reassembly, only ARP's own expiry timer.
        #expect(net.a.tcpConnectionCount == 0 && net.b.tcpConnectionCount == 0)
        #expect(net.a.tcpTimerCount == 0 && net.b.tcpTimerCount == 0)
        #expect(net.a.udpQueued == 0 && net.b.udpQueued == 0)
        #expect(net.a.reassembly.inProgress == 0 && net.a.arp.waitingPackets == 0)
        #expect(net.link.framesInFlight == 0)
    }
}

extension TwoStacks {
    /// Server-side connections the test's server loop serves (all of b's connections).
    func bServerSockets() -> [TCPSocketID] { b.tcpSocketIDs }
}
