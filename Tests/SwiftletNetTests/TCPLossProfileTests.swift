// The four link profiles of `Benchmarks/run tcp-loss` (issue 18's table), between two Swiftlet stacks over
// the simulated link in virtual time: each way at once, every byte checked, corrupted frames (10% profile)
// caught by checksums. Issue 18's goal is twice Linux's time through the impairing bridge (Linux, with
// this machine's default BBR, 20 MB each way, 2026-12-05: clean 0.19 s, 1% loss 0.16-0.19 s, 5% with
// reordering 0.35-0.44 s, 10% 0.63-2.4 s). With BBR (and the buffers the benchmark gives it) Swiftlet meets
// it on every profile here and is held to it. With CUBIC, a loss-based controller, it cannot at 5% and 10%
// (docs/ARCHITECTURE.md, "TCP loss recovery"): those rows are held to about twice what they measured
// (3.4 s and 11.2 s for 4 MB each way), so that a regression fails, and each run prints how far the goal is.

import Foundation
import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting

/// One row of the table: the impairment each way, and the bound for `TCPLossProfileTests.bytes`.
struct LossProfile: Sendable, CustomStringConvertible {
    let name: String
    let impairment: LinkImpairment
    /// Linux's time for 20 MB each way through the bridge (issue 18).
    let linuxSeconds: Double
    /// The bound for 4 MB each way when the goal is not met yet (nil: the goal is the bound).
    var regressionBound: Double? = nil

    var description: String { name }

    static func make(_ name: String, loss: Double = 0, reorder: Double = 0, duplicate: Double = 0, corrupt: Double = 0,
                     delay: Duration = .microseconds(100), linux: Double, regression: Double? = nil) -> LossProfile {
        var i = LinkImpairment()
        i.loss = loss
        i.reordering = reorder
        i.duplication = duplicate
        i.corruption = corrupt
        i.delay = delay
        i.bandwidth = 1_000_000_000
        return LossProfile(name: name, impairment: i, linuxSeconds: linux, regressionBound: regression)
    }

    static let all = [
        make("clean", linux: 0.3),
        make("1% loss", loss: 0.01, linux: 0.3),
        make("5% loss, 25% reorder, 1% dup, 1 ms", loss: 0.05, reorder: 0.25, duplicate: 0.01, delay: .milliseconds(1),
             linux: 0.4, regression: 7),
        make("10% loss, 25% reorder, 2% dup, 0.5% corrupt, 2 ms", loss: 0.10, reorder: 0.25, duplicate: 0.02, corrupt: 0.005,
             delay: .milliseconds(2), linux: 0.63, regression: 25),
    ]
}

@Suite struct TCPLossProfileTests {
    /// Bytes each way (SWIFTLET_LOSS_SIM_BYTES to change; 20 MB is the benchmark's size).
    static let bytes = ProcessInfo.processInfo.environment["SWIFTLET_LOSS_SIM_BYTES"].flatMap(Int.init) ?? 4_000_000

    /// CUBIC with the default settings (held to the regression bounds at 5% and 10%), and BBR as the
    /// benchmark runs it (`--tcp cc=bbr,buffer=1M,holes=128`), held to the goal on every profile.
    @Test(arguments: LossProfile.all, [CongestionControl.cubic, .bbr])
    func profileMovesEveryByteWithinTwiceLinuxsTime(_ profile: LossProfile, _ algorithm: CongestionControl) throws {
        let n = TCPLossProfileTests.bytes
        var tcp = TCPConfiguration()
        tcp.congestionControl = algorithm
        if algorithm == .bbr {
            tcp.sendBufferSize = 1 << 20
            tcp.receiveBufferSize = 1 << 20
            tcp.maximumOutOfOrderRanges = 128
        }
        let net = TwoStacks(seed: 18, impairment: profile.impairment, tcp: tcp)
        let (client, server) = try connectPair(net)
        let up = pattern(n, seed: 181), down = pattern(n, seed: 182)
        let start = net.now
        let r = exchange(net, client: client, server: server, up: up, down: down, limit: .seconds(600))
        let elapsed = Double((net.now - start).nanoseconds) / 1e9
        if !r.finished || r.up != up || r.down != down { net.dumpCapture("tcp-loss-\(profile.name.prefix(3))-\(algorithm)") }
        #expect(r.finished, "\(profile): did not finish in 600 s of virtual time")
        #expect(r.up == up && r.down == down, "\(profile): bytes differ")
        // Twice Linux's time scaled to this size (never below 50 ms: a few round trips and slow start).
        let goal = max(0.05, 2 * profile.linuxSeconds * Double(n) / 20_000_000)
        let bound = algorithm == .bbr ? goal : profile.regressionBound.map { $0 * Double(n) / 4_000_000 } ?? goal
        let cs = [net.a.tcpConnection(client), net.b.tcpConnection(server)].compactMap { $0 }
        print("tcp-loss sim \(algorithm) \(profile): \(elapsed) s virtual for \(n) bytes each way (bound \(bound) s, goal twice Linux \(goal) s: \(elapsed <= goal ? "met" : "not met")); link carried \(net.link.carried), lost \(net.link.lost), corrupted \(net.link.corrupted); retransmitted \(cs.map(\.retransmittedSegments)), probes \(cs.map(\.tailLossProbes)), spurious \(cs.map(\.spuriousRecoveries)), timeouts \(cs.map(\.timeouts)) spurious \(cs.map(\.spuriousTimeouts)); recoveries \(cs.map(\.fastRecoveries)), D-SACKed \(cs.map(\.needlessRetransmissions)), reordering \(cs.map(\.reorderingSeen)) x\(cs.map(\.reorderWindowMultiplier)), cwnd \(cs.map(\.congestionWindow)), out-of-order drops \(cs.map(\.outOfOrderDrops)), memory drops \(cs.map(\.memoryDrops))")
        #expect(elapsed <= bound, "\(profile): \(elapsed) s of virtual time, bound \(bound) s")
        if profile.impairment.corruption > 0 { #expect(net.link.corrupted > 0) }
    }
}
