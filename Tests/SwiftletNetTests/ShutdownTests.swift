// The end of a run (Swiftlet's `Shutdown`, NetworkStack.closeAllConnections): every connection is closed
// with a FIN the peer sees, the listener stops (a new SYN is reset), the drivers count as settled once the
// FINs are acknowledged, and the line says how many were closed; a peer that never acknowledges leaves the
// shutdown to its grace period.

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting

@Suite struct ShutdownTests {
    /// A driver over a stack of TwoStacks, as StackDriver is over the platform's.
    final class Driver: RunLoopDriver {
        let stack: NetworkStack<SimulatedDevice>
        init(_ stack: NetworkStack<SimulatedDevice>) { self.stack = stack }
        func turn(now: Instant) -> Bool { false }
        var nextDeadline: Instant { .distantFuture }
        func shutDown(now: Instant) -> Int { stack.closeAllConnections(now: now) }
        var isSettled: Bool { stack.connectionsSettled }
    }

    @Test func connectionsAreClosedWithAFinAndTheListenerStops() throws {
        let net = TwoStacks()
        let (client1, _) = try connectPair(net, port: 80)
        let client2 = try net.a.tcpConnect(to: TCPEndpoint(address: .v4(TwoStacks.addressB), port: 80), now: net.now)
        net.run(for: .seconds(2), until: { net.a.tcpState(client2) == .established })
        let drivers: [RunLoopDriver] = [Driver(net.b)]
        let shutdown = Shutdown(reason: "SIGTERM", drivers: drivers, now: net.now)
        #expect(shutdown.closed == 2)  // one accepted, one still in the accept queue
        #expect(shutdown.finished(drivers: drivers, now: net.now) == nil)  // the FINs are not acknowledged yet
        var line: String? = nil
        net.run(for: .seconds(2), until: { line = shutdown.finished(drivers: drivers, now: net.now); return line != nil })
        #expect(line == "SIGTERM: closed 2 connections; exiting")
        // The client saw the end of the stream on both (CLOSE-WAIT), not a reset.
        #expect(net.a.tcpState(client1) == .closeWait && net.a.tcpState(client2) == .closeWait)
        // The listener is gone: a new connection is refused.
        let late = try net.a.tcpConnect(to: TCPEndpoint(address: .v4(TwoStacks.addressB), port: 80), now: net.now)
        net.run(for: .seconds(2), until: { net.a.tcpState(late) == .closed || net.a.tcpState(late) == nil })
        #expect(net.a.tcpConnection(late)?.error == .refused)
    }

    @Test func aPeerThatNeverAcknowledgesLeavesItToTheGrace() throws {
        let net = TwoStacks()
        _ = try connectPair(net, port: 80)
        let drivers: [RunLoopDriver] = [Driver(net.b)]
        net.link.impairment.loss = 1  // from now on nothing arrives
        let start = net.now
        let shutdown = Shutdown(reason: "shutdown requested", drivers: drivers, now: start)
        net.run(for: .milliseconds(1900), until: { false })
        #expect(shutdown.finished(drivers: drivers, now: net.now) == nil)
        net.run(for: .milliseconds(200), until: { false })
        #expect(shutdown.finished(drivers: drivers, now: net.now) == "shutdown requested: closed 1 connection (not all acknowledged after 2s); exiting")
    }
}
