// TCP loss recovery on its own: a scripted peer's ACKs against one sender: RACK's time-based marking and
// its reordering window (RFC 8985 §6), lost retransmissions found by later deliveries, PRR (RFC 6937),
// tail loss probes (RFC 8985 §7), F-RTO (RFC 5682) and D-SACK undo of a spurious recovery (RFC 2883).

import Testing
import Swiftlet
@testable import SwiftletNet
import SwiftletWire

private let A = TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
private let B = TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
private let t0 = Instant(nanoseconds: 1_000_000_000)
private let mss = 1460

/// A sender whose peer (port 80, ISS 5000) took the handshake, answering `handshake` after our SYN (with
/// timestamps if asked); data starts at sequence 1001.
private func sender(tailLossProbe: Bool = true, timestamps: Bool = false, handshake: Duration = .milliseconds(2)) -> TCPConnection {
    var c = TCPConfiguration()
    c.timestamps = timestamps
    c.nagle = false
    c.tailLossProbe = tailLossProbe
    var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: c, now: t0)
    let syn = client.drainOutbox()[0].header
    var options = TCPOptions(maximumSegmentSize: UInt16(mss))
    options.sackPermitted = true
    options.windowScale = 7
    if timestamps { options.timestamps = TCPTimestamps(value: 77, echoReply: syn.options.timestamps?.value ?? 0) }
    client.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5000),
                            acknowledgmentNumber: syn.sequenceNumber + 1, flags: [.syn, .ack], window: 65535, options: options),
                  payload: Span(), now: t0 + handshake)
    _ = client.drainOutbox()
    return client
}

/// The peer's ACK of everything below `ack` (offsets from the first data byte), SACKing `blocks`.
private func peerAck(_ ack: Int, sack blocks: [(Int, Int)] = [], window: UInt16 = 4096) -> TCPHeader {
    var options = TCPOptions()
    options.sackBlocks = SACKBlocks(blocks.map { SACKBlock(left: TCPSequenceNumber(1001) + $0.0, right: TCPSequenceNumber(1001) + $0.1) })
    return TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001),
                     acknowledgmentNumber: TCPSequenceNumber(1001) + ack, flags: .ack, window: window, options: options)
}

private func offsets(_ out: [TCPOutgoing]) -> [Int] {
    out.filter { !$0.payload.isEmpty }.map { $0.header.sequenceNumber - TCPSequenceNumber(1001) }
}

@Suite struct TCPRecoveryTests {
    /// Data segments that also report SACK blocks carry less data, so that options and data together stay
    /// within the peer's MSS (RFC 9293 §3.7.1): full-size ones were 12 bytes over and left as two IP
    /// fragments. New data, a retransmission and the tail loss probe alike.
    @Test func sackBlocksComeOutOfTheSegmentsData() {
        var c = sender()
        // The peer's data arrives with a hole: from now on our segments report a SACK block.
        var options = TCPOptions()
        options.timestamps = nil
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001) + 100,
                           acknowledgmentNumber: TCPSequenceNumber(1001), flags: .ack, window: 4096, options: options),
                 payload: [UInt8](repeating: 7, count: 100).span, now: t0 + .milliseconds(1))
        _ = c.drainOutbox()
        _ = c.write([UInt8](repeating: 1, count: 6 * mss).span, now: t0 + .milliseconds(1))
        var segments = c.drainOutbox().filter { !$0.payload.isEmpty }
        // The first one again, by the tail loss probe's timer or the timeout.
        if let deadline = c.retransmitDeadline { c.poll(now: deadline); segments += c.drainOutbox().filter { !$0.payload.isEmpty } }
        #expect(segments.count >= 3)
        for s in segments {
            #expect(s.header.options.sackBlocks.count == 1)
            #expect(s.payload.count + s.header.options.length <= mss, "\(s.payload.count) bytes of data and \(s.header.options.length) of options")
        }
        #expect(segments.contains { s in s.payload.count == mss - 12 }, "full segments carry the MSS less the SACK option")
    }

    /// A peer that filled our receive window exactly and lost its last segment sends its ACKs with the
    /// window's right edge as their sequence number. Their acknowledgments count: dropped as unacceptable
    /// (RFC 9293's table is one short there), our data stayed unacknowledged until the peer's timeout.
    @Test func anAcknowledgmentFromTheWindowsRightEdgeCounts() {
        var c = sender()
        _ = c.write([UInt8](repeating: 1, count: 1000).span, now: t0)
        _ = c.drainOutbox()
        let window = c.advertisableWindowForCheck
        #expect(window > 0)
        let ack = TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001) + window,
                            acknowledgmentNumber: TCPSequenceNumber(1001) + 1000, flags: .ack, window: 4096, options: TCPOptions())
        c.handle(ack, payload: Span(), now: t0 + .milliseconds(1))
        #expect(c.sndUna == TCPSequenceNumber(1001) + 1000, "the ACK from the right edge acknowledged our data")
        // One past the edge is still unacceptable: answered with an ACK, its acknowledgment not taken.
        var d = sender()
        _ = d.write([UInt8](repeating: 1, count: 1000).span, now: t0)
        _ = d.drainOutbox()
        let beyond = TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001) + window + 1,
                               acknowledgmentNumber: TCPSequenceNumber(1001) + 1000, flags: .ack, window: 4096, options: TCPOptions())
        d.handle(beyond, payload: Span(), now: t0 + .milliseconds(1))
        #expect(d.sndUna == TCPSequenceNumber(1001))
    }

    /// RTT samples come from the send times of segments sent once (microseconds), not from timestamp
    /// echoes (milliseconds): a 300 us round trip within one millisecond read as 0 ms, and SRTT went to
    /// 1 us (every sample clamped), which also made RACK's reordering window (capped at SRTT) nothing.
    /// (Round trips that straddle millisecond ticks read 0 or 1 ms and average out, noisily.)
    @Test func roundTripsUnderAMillisecondAreMeasuredInMicroseconds() {
        var client = sender(timestamps: true, handshake: .microseconds(300))
        #expect(client.timestampsEnabled && client.sackEnabled)
        var acked = 0
        for k in 1...20 {
            // Sent 100 us into a millisecond, acknowledged 300 us later: the same millisecond.
            var now = t0 + .milliseconds(Int64(k)) + .microseconds(100)
            _ = client.write([UInt8](repeating: 1, count: 1000).span, now: now)
            let out = client.drainOutbox().filter { !$0.payload.isEmpty }
            #expect(out.count == 1)
            guard let echo = out.first?.header.options.timestamps?.value else { break }
            now = now + .microseconds(300)
            acked += 1000
            var ack = peerAck(acked)
            ack.options.timestamps = TCPTimestamps(value: 78, echoReply: echo)
            client.handle(ack, payload: Span(), now: now)
            _ = client.drainOutbox()
        }
        let srtt = client.rto.smoothed ?? .zero
        #expect(srtt >= .microseconds(250) && srtt <= .microseconds(350), "SRTT \(srtt) for a 300 us round trip")
    }

    @Test func limitedTransmitSendsNewDataOnTheFirstTwoDuplicates() {
        var c = sender()
        _ = c.write([UInt8](repeating: 1, count: 40 * mss).span, now: t0)
        let first = offsets(c.drainOutbox())
        #expect(first.count >= 2 && first.count < 40, "the congestion window limits the first flight")
        let flight = first.count
        // Segment 0 lost: the peer SACKs segment 1.
        c.handle(peerAck(0, sack: [(mss, 2 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [flight * mss], "one new segment past the window")
        c.handle(peerAck(0, sack: [(mss, 3 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [(flight + 1) * mss])
        // The third SACKed segment means loss: segment 0 goes again at once.
        c.handle(peerAck(0, sack: [(mss, 4 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()).first == 0)
        #expect(c.retransmittedSegments == 1)
    }

    /// RFC 8985 §6.2: one SACK above a hole is not yet a loss; the hole is lost once it is a reordering
    /// window (a quarter of the minimum RTT, no reordering seen yet) older than the RTT of the segment
    /// SACKed, and the reordering timer fires then without any further ACK.
    @Test func rackWaitsAReorderingWindowThenMarksTheHoleLost() {
        var c = sender()
        _ = c.write([UInt8](repeating: 6, count: 40 * mss).span, now: t0)
        #expect(offsets(c.drainOutbox()).count == 10)
        // 3 ms later the peer SACKs segment 1: segment 0 is late, not lost; the SACK lets one new out.
        c.handle(peerAck(0, sack: [(mss, 2 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [10 * mss])
        #expect(c.retransmittedSegments == 0)
        // RTT 3 ms, window 3 ms / 4: the timer is due 3.75 ms after segment 0 went out.
        // (Transmissions made in one instant are a nanosecond apart: segment 1 went 1 ns after segment 0.)
        let due = c.nextDeadline
        #expect(due > t0 + .microseconds(3749) && due <= t0 + .microseconds(3750))
        c.poll(now: due - .nanoseconds(1))
        #expect(offsets(c.drainOutbox()).isEmpty, "not before")
        c.poll(now: due)
        #expect(offsets(c.drainOutbox()).first == 0, "segment 0 resent when the reordering window ran out")
        #expect(c.retransmittedSegments == 1 && c.fastRecoveries == 1)
    }

    /// RFC 8985 §6.2 step 4: with DupThresh segments SACKed and no reordering seen, the window is zero: the
    /// hole is lost at once, as RFC 6675 would have it.
    @Test func threeSACKedSegmentsMeanLossAtOnce() {
        var c = sender()
        _ = c.write([UInt8](repeating: 1, count: 40 * mss).span, now: t0)
        _ = c.drainOutbox()
        c.handle(peerAck(0, sack: [(mss, 2 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        c.handle(peerAck(0, sack: [(mss, 3 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(c.retransmittedSegments == 0)
        c.handle(peerAck(0, sack: [(mss, 4 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()).contains(0))
        #expect(c.retransmittedSegments == 1)
    }

    /// RFC 6937 §3: during recovery PRR sends ssthresh/RecoverFS of what is delivered while the pipe is
    /// above ssthresh (CUBIC: ssthresh 0.7 of the window), not a burst and not a stop.
    @Test func prrSendsInProportionToWhatIsDelivered() {
        var c = sender()
        _ = c.write([UInt8](repeating: 4, count: 60 * mss).span, now: t0)
        #expect(offsets(c.drainOutbox()).count == 10, "initial window: ten segments")
        // Segment 0 lost: SACKs of 1 and 2 each let one new segment out (the pipe shrinks by one), the
        // third SACK starts recovery with 12 segments outstanding.
        var sent = 0
        for n in 2...3 {
            c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3))
            sent += offsets(c.drainOutbox()).count
        }
        #expect(sent == 2)
        c.handle(peerAck(0, sack: [(mss, 4 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [0], "the fast retransmission, and nothing else")
        // Eight more segments delivered, one per ACK: PRR lets out ceil(delivered * 7/12) segments in all
        // (RecoverFS 12 segments, ssthresh 7), never more than one per ACK here.
        var inRecovery = 1
        for n in 5...12 {
            c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3))
            let out = offsets(c.drainOutbox()).count
            #expect(out <= 1)
            inRecovery += out
        }
        let delivered = 9
        #expect(inRecovery == (delivered * 7 + 11) / 12, "PRR: \(inRecovery) segments for \(delivered) delivered")
        #expect(c.retransmittedSegments == 1)
    }

    /// RFC 8985 §6: a retransmission that is lost again is found like any loss, once something sent after
    /// it is delivered: no retransmission timeout.
    @Test func aLostRetransmissionIsFoundWithoutTheTimeout() {
        var c = sender(tailLossProbe: false)
        _ = c.write([UInt8](repeating: 5, count: 60 * mss).span, now: t0)
        _ = c.drainOutbox()
        for n in 2...4 { c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        #expect(offsets(c.drainOutbox()).contains(0))
        // New data goes out after the retransmission (PRR, as segments are delivered).
        for n in 5...10 { c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        let after = offsets(c.drainOutbox())
        #expect(!after.isEmpty && after.allSatisfy { $0 >= 12 * mss })
        // The retransmission is lost; 3 ms later everything above it arrives, including what was sent after it.
        let top = (after.max() ?? 0) + mss
        c.handle(peerAck(0, sack: [(mss, top)]), payload: Span(), now: t0 + .milliseconds(6))
        #expect(offsets(c.drainOutbox()).contains(0), "segment 0 sent a third time")
        #expect(c.retransmittedSegments == 2 && c.timeouts == 0)
    }

    @Test func tailLossProbeComesBeforeTheRetransmissionTimeout() {
        var c = sender()
        _ = c.write([UInt8](repeating: 2, count: 3 * mss).span, now: t0)
        #expect(offsets(c.drainOutbox()) == [0, mss, 2 * mss])
        // The first segment is acknowledged after 2 ms (an RTT sample); the last two are lost.
        c.handle(peerAck(mss), payload: Span(), now: t0 + .milliseconds(2))
        _ = c.drainOutbox()
        let deadline = c.nextDeadline
        #expect(deadline < t0 + .milliseconds(200), "probe timeout \(deadline - t0) is not below the minimum RTO")
        c.poll(now: deadline)
        #expect(offsets(c.drainOutbox()) == [2 * mss], "the probe resends the last segment")
        #expect(c.tailLossProbes == 1)
        // Its ACK SACKs the probe: the hole at segment 1 is retransmitted by recovery, not by the RTO.
        c.handle(peerAck(mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: deadline + .milliseconds(2))
        c.handle(peerAck(mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: deadline + .milliseconds(2))
        c.handle(peerAck(mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: deadline + .milliseconds(2))
        #expect(offsets(c.drainOutbox()).contains(mss))
    }

    @Test func duplicateSACKOfTheRetransmissionUndoesASpuriousRecovery() {
        var c = sender()
        _ = c.write([UInt8](repeating: 3, count: 40 * mss).span, now: t0)
        _ = c.drainOutbox()
        // Segment 0 is only late: three SACKs put the sender into recovery, which resends it.
        for n in 2...4 { c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        #expect(offsets(c.drainOutbox()).contains(0))
        #expect(c.spuriousRecoveries == 0)
        // The original arrives, then the retransmission: the peer reports it with a D-SACK (RFC 2883).
        c.handle(peerAck(8 * mss), payload: Span(), now: t0 + .milliseconds(4))
        c.handle(peerAck(8 * mss, sack: [(0, mss)]), payload: Span(), now: t0 + .milliseconds(5))
        #expect(c.spuriousRecoveries == 1)
        // The undo ends the recovery: left running, its end would have set cwnd to the restored ssthresh,
        // which before any loss is unbounded (an attacker's review found the overflow that followed).
        #expect(!c.inRecovery && c.congestionWindow <= CongestionController.maximumWindow)
        // A D-SACK of a segment the link duplicated (never retransmitted) undoes nothing.
        var d = sender()
        _ = d.write([UInt8](repeating: 3, count: 40 * mss).span, now: t0)
        _ = d.drainOutbox()
        for n in 2...4 { d.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        d.handle(peerAck(8 * mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: t0 + .milliseconds(4))
        #expect(d.spuriousRecoveries == 0)
    }

    /// A sender whose first segment was acknowledged and whose timer then ran out (nothing else came
    /// back); its window before the timeout, and the sequence offset just past what it had sent.
    private func timedOut(_ fill: UInt8) -> (c: TCPConnection, rto: Instant, top: Int, before: Int) {
        var c = sender(tailLossProbe: false)
        _ = c.write([UInt8](repeating: fill, count: 60 * mss).span, now: t0)
        _ = c.drainOutbox()
        c.handle(peerAck(mss), payload: Span(), now: t0 + .milliseconds(2))
        let flight = offsets(c.drainOutbox())
        let before = c.congestionWindow
        let rto = c.nextDeadline
        c.poll(now: rto)
        return (c, rto, (flight.max() ?? 0) + mss, before)
    }

    /// Karn's rule per ACK: the cumulative ACK that a retransmission drew also covers segments sent once,
    /// long before (they sat at the peer behind the hole): their send times are no round trip. SRTT stays
    /// at the 2 ms measured before, not the 200 ms since they were sent.
    @Test func anACKThatPassedARetransmissionGivesNoSampleFromOlderSegments() {
        var (c, rto, top, _) = timedOut(5)
        _ = c.drainOutbox()
        let before = c.rto.smoothed ?? .zero
        #expect(before < .milliseconds(5))
        c.handle(peerAck(top), payload: Span(), now: rto + .microseconds(300))
        let after = c.rto.smoothed ?? .zero
        #expect(after < .milliseconds(10), "SRTT \(before) -> \(after)")
    }

    /// RFC 5682 §3: after a timeout the first ACK moves SND.UNA, so two new segments go instead of
    /// retransmissions; the next ACK acknowledges data sent before the timeout and never resent: the
    /// timeout was spurious, and the window from before it comes back (RFC 4015).
    @Test func forwardRTOUndoesASpuriousTimeout() {
        // The rest of the flight is only delayed, for longer than the RTO.
        var (c, rto, top, before) = timedOut(7)
        #expect(offsets(c.drainOutbox()) == [mss], "the RTO resends the first unacknowledged segment")
        #expect(c.timeouts == 1)
        c.handle(peerAck(2 * mss), payload: Span(), now: rto + .milliseconds(2))
        #expect(offsets(c.drainOutbox()) == [top, top + mss], "F-RTO: two new segments, no retransmission")
        c.handle(peerAck(5 * mss), payload: Span(), now: rto + .milliseconds(2))
        #expect(c.spuriousTimeouts == 1)
        #expect(c.congestionWindow >= before)
        #expect(c.retransmittedSegments == 1)
    }

    /// RFC 5682 §3 step 3a: the ACK after the two new segments only SACKs them: the timeout was real, and
    /// the segments sent before it go again.
    @Test func forwardRTOKeepsARealTimeout() {
        var (c, rto, top, _) = timedOut(8)
        _ = c.drainOutbox()
        c.handle(peerAck(2 * mss), payload: Span(), now: rto + .milliseconds(2))
        #expect(offsets(c.drainOutbox()) == [top, top + mss])
        c.handle(peerAck(2 * mss, sack: [(top, top + 2 * mss)]), payload: Span(), now: rto + .milliseconds(4))
        #expect(c.spuriousTimeouts == 0)
        #expect(offsets(c.drainOutbox()).first == 2 * mss, "back to the oldest segment lost in the timeout")
    }
}

/// RFC 6937 on its own, with the numbers of its §3 example: RecoverFS 20 segments, ssthresh 10, one
/// segment delivered per ACK. While the pipe is above ssthresh PRR sends one segment for every two
/// delivered; once it is below, at most what was delivered plus one segment (PRR-SSRB), up to ssthresh.
@Suite struct PRRTests {
    @Test func proportionalThenSlowStartBound() {
        var prr = PRR(flightSize: 20 * mss)
        var sentSegments: [Int] = []
        var pipe = 19 * mss  // one segment lost
        for _ in 0..<10 {
            let n = prr.allowance(deliveredNow: mss, pipe: pipe, slowStartThreshold: 10 * mss, mss: mss)
            prr.noteSent(n)
            sentSegments.append(n / mss)
            pipe = pipe - mss + n
        }
        // The first ACK sends the retransmission; then one segment every other ACK.
        #expect(sentSegments == [1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
        // Below ssthresh (the pipe fell to 6): refilled up to ssthresh (4 segments), as the bound allows
        // (delivered 11 - sent 5, + 1 segment = 7).
        let n = prr.allowance(deliveredNow: mss, pipe: 6 * mss, slowStartThreshold: 10 * mss, mss: mss)
        #expect(n == 4 * mss)
        // And with little delivered beyond what was sent, the bound holds it to delivered + 1 segment.
        var fresh = PRR(flightSize: 20 * mss)
        fresh.noteSent(3 * mss)
        #expect(fresh.allowance(deliveredNow: mss, pipe: 2 * mss, slowStartThreshold: 10 * mss, mss: mss) == 2 * mss)
    }
}
