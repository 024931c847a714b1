// The sender's per-segment records (SentSegments): the pipe's counters as flags change, and the bounds:
// the record cap (segments merge into the last record beyond it) and the memory budget (no new record
// when it refuses, and everything given back on release).

import Testing
import Swiftlet
import SwiftletWire
@testable import SwiftletNet

private let t0 = Instant(nanoseconds: 1_000_000_000)
private func seq(_ n: Int) -> TCPSequenceNumber { TCPSequenceNumber(1000) + n }

@Suite struct SentSegmentsTests {
    @Test func pipeFollowsSACKsLossesAndRetransmissions() {
        var s = SentSegments(sendBufferSize: 256 * 1024, budget: nil)
        for i in 0..<10 { s.append(seq(i * 100), seq(i * 100 + 100), now: t0) }
        #expect(s.pipe(outstanding: 1000) == 1000)
        s.sack(seq(300), seq(550), now: t0) { _ in }          // segments 3, 4 and half of 5 (split)
        #expect(s.sackedBytes == 250 && s.count == 11)
        s.markLost(0)
        #expect(s.pipe(outstanding: 1000) == 1000 - 250 - 100)
        s.retransmitted(seq(0), seq(100), now: t0 + .milliseconds(1))
        #expect(s.lostCount == 0 && s.retransmittedBytes == 100)
        #expect(s.pipe(outstanding: 1000) == 1000 - 250 + 100)
        // The cumulative ACK passes segment 0 and half of segment 1.
        var delivered = 0
        s.acknowledge(through: seq(150), now: t0) { _, n in delivered += n }
        #expect(delivered == 150 && s.retransmittedBytes == 0)
        #expect(s.pipe(outstanding: 850) == 850 - 250)
        s.acknowledge(through: seq(1000), now: t0) { _, _ in }
        #expect(s.isEmpty && s.sackedBytes == 0 && s.lostBytes == 0 && s.retransmittedBytes == 0)
    }

    @Test func recordsStopAtTheirCapAndMergeBeyondIt() {
        var s = SentSegments(sendBufferSize: 64 * 1024, budget: nil)  // cap: 64 KiB / 512 + 64 = 192
        for i in 0..<1_000 { s.append(seq(i * 10), seq(i * 10 + 10), now: t0 + .microseconds(Int64(i))) }
        #expect(s.count == s.limit && s.limit == 192)
        #expect(s.last?.end == seq(10_000), "every byte is still covered")
        // A SACK of part of the merged record cannot split it (no room): not recorded.
        s.sack(seq(9_000), seq(10_000), now: t0) { _ in }
        #expect(s.sackedBytes == 0)
        // Once the last record is SACKed whole nothing can merge into it: the sender must wait.
        s.sack(seq(1_910), seq(10_000), now: t0) { _ in }
        #expect(s.sackedBytes == 10_000 - 1_910)
        // A retransmission of part of a record that cannot be split marks the whole record resent (never
        // nothing: the sender would send the same bytes again and again).
        var r = SentSegments(sendBufferSize: 64 * 1024, budget: nil)
        for i in 0..<1_000 { r.append(seq(i * 10), seq(i * 10 + 10), now: t0) }
        r.markLost(r.count - 1)
        r.retransmitted(seq(1_910), seq(2_000), now: t0 + .milliseconds(1))
        #expect(r.lostCount == 0 && r.retransmittedBytes == 10_000 - 1_910)
        let room = s.canAppend(seq(10_000))
        #expect(!room)
    }

    @Test func theMemoryBudgetIsAskedAndRepaid() {
        let budget = MemoryBudget(limit: SentSegments.growth * SentSegments.recordBytes)
        var s = SentSegments(sendBufferSize: 256 * 1024, budget: budget)
        for i in 0..<100 { s.append(seq(i * 100), seq(i * 100 + 100), now: t0) }
        // The first 32 records are the connection's own; the budget paid for 32 more, then refused.
        #expect(s.count == 64 && budget.used == budget.limit && budget.refusals > 0)
        s.release()
        #expect(budget.used == 0 && budget.accountingErrors == 0)
    }

    /// Send times may be stamped a few nanoseconds past the clock; RACK's RTT never goes below 1 µs (a
    /// negative minimum RTT would pin the reordering window at zero for good).
    @Test func rackNeverLearnsANegativeRTT() {
        var rack = RACK()
        rack.delivered(sent: t0 + .nanoseconds(3), end: seq(100), retransmitted: false, echoOlderThanSend: false, now: t0)
        #expect((rack.minRTT ?? .zero) >= .microseconds(1))
    }
}
