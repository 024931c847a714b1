// SwiftletNet: RACK, time-based loss detection (RFC 8985 §6), as state with no I/O and no clock.
//
// RACK remembers the most recently sent segment the peer has delivered (acknowledged or SACKed): when it
// went out (`xmit`), where it ended (`endSequence`) and its round trip (`rtt`). Any segment sent before it
// and still undelivered `rtt + reorderWindow` after its own transmission is lost. The reordering window
// starts at a quarter of the minimum RTT once reordering has been seen (zero before, in recovery or with
// DupThresh segments SACKed, so that a plain loss is repaired at once), grows by a quarter RTT for every
// round trip in which a D-SACK shows a retransmission was spurious, and shrinks back after 16 recoveries
// without one (§6.2 step 4). The connection (TCPConnection+LossRecovery.swift) walks its `SentSegments`
// with `isLost`, and arms a timer for the earliest segment not yet late enough.

import Swiftlet
import SwiftletWire

struct RACK {
    /// The most recently sent delivered segment: its transmission time and end; nil before any.
    private(set) var xmit: Instant? = nil
    private(set) var endSequence = TCPSequenceNumber(0)
    /// The round trip of that segment.
    private(set) var rtt = Duration.zero
    /// The minimum RTT seen (from unambiguous deliveries).
    private(set) var minRTT: Duration? = nil
    /// The highest end of a delivered segment (RFC 8985 RACK.fack).
    private(set) var forwardAcknowledged: TCPSequenceNumber? = nil
    /// A segment was delivered after one sent later (§6.2 step 3).
    private(set) var reorderingSeen = false
    private(set) var windowMultiplier = 1
    private var windowPersist = 16
    /// D-SACKs count once per round trip: until SND.UNA passes this.
    private var dsackRound: TCPSequenceNumber? = nil

    /// §6.2 steps 2-3 for one segment newly acknowledged or SACKed. `ambiguous`: it was retransmitted and
    /// the ACK cannot tell which transmission arrived (its timestamp echo is older than the last
    /// transmission, or the round trip would be shorter than the minimum RTT).
    mutating func delivered(sent: Instant, end: TCPSequenceNumber, retransmitted: Bool, echoOlderThanSend: Bool, now: Instant) {
        // Send times may lie a few nanoseconds ahead of the clock (`SentSegments.stamp`): never below 1 µs.
        let rtt = max(now - sent, .microseconds(1))
        if retransmitted {
            if echoOlderThanSend { return }
            if let m = minRTT, rtt < m { return }
        }
        if minRTT == nil || rtt < minRTT! { minRTT = rtt }
        if !retransmitted, let f = forwardAcknowledged, end < f {
            reorderingSeen = true
        } else if forwardAcknowledged == nil || end > forwardAcknowledged! {
            forwardAcknowledged = end
        }
        if RACK.sentAfter(sent, end, than: xmit, endSequence) {
            xmit = sent
            endSequence = end
            self.rtt = rtt
        }
    }

    /// RACK_sent_after: `t1, seq1` was sent after `t2, seq2` (later, or at the same instant and higher).
    static func sentAfter(_ t1: Instant, _ seq1: TCPSequenceNumber, than t2: Instant?, _ seq2: TCPSequenceNumber) -> Bool {
        guard let t2 else { return true }
        return t1 > t2 || (t1 == t2 && seq1 > seq2)
    }

    /// §6.2 step 4, the D-SACK part: a D-SACK arrived on an ACK with this SND.UNA; SND.NXT is `next`.
    mutating func noteDuplicateSACK(unacknowledged: TCPSequenceNumber, next: TCPSequenceNumber) {
        if let r = dsackRound, unacknowledged >= r { dsackRound = nil }
        guard dsackRound == nil else { return }
        dsackRound = next
        windowMultiplier = min(windowMultiplier + 1, 64)
        windowPersist = 16
    }

    /// A timeout turned out spurious: what RACK learnt from the retransmission's ACK (which the original
    /// may have drawn) is forgotten, so that it does not deem everything sent before it lost.
    mutating func forgetLastDelivery() {
        xmit = nil
    }

    /// A recovery (fast or after a timeout) ended: after 16 without a D-SACK the window goes back to
    /// its smallest.
    mutating func recoveryEnded() {
        windowPersist -= 1
        if windowPersist <= 0 { windowMultiplier = 1; windowPersist = 16 }
    }

    /// §6.2 step 4: the reordering window now.
    func reorderWindow(inRecovery: Bool, sackedSegments: Int, duplicateThreshold: Int, smoothedRTT: Duration?) -> Duration {
        if !reorderingSeen && (inRecovery || sackedSegments >= duplicateThreshold) { return .zero }
        guard let m = minRTT else { return .zero }
        let w = m / 4 * Int64(windowMultiplier)
        if let s = smoothedRTT, s < w { return s }
        return w
    }

    /// §6.2 step 5 for one undelivered segment: .lost, or the instant at which it will be (nil: it was
    /// sent after the most recently delivered one, so nothing is known of it yet).
    enum Verdict { case lost, lateAt(Instant), unknown }
    func verdict(sent: Instant, end: TCPSequenceNumber, reorderWindow: Duration, now: Instant) -> Verdict {
        guard let x = xmit, RACK.sentAfter(x, endSequence, than: sent, end) else { return .unknown }
        let deadline = sent + rtt + reorderWindow
        return deadline <= now ? .lost : .lateAt(deadline)
    }
}
