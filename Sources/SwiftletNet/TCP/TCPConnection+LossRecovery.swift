// SwiftletNet: loss recovery with SACK: RACK-TLP loss detection (RFC 8985), Proportional Rate Reduction
// in fast recovery (RFC 6937), F-RTO after a retransmission timeout (RFC 5682 §3, the SACK variant), and
// the pipe of RFC 6675 deciding what goes out.
//
// Every data segment sent is recorded (`SentSegments`) with its send time. An ACK delivers records (the
// cumulative point removes them, SACK blocks mark them); RACK learns from each delivery which segment
// was sent last and arrived, and every record sent before that one that has not arrived within an RTT
// plus the reordering window is lost: it leaves the pipe and is sent again before new data. Records not
// yet late enough arm the reordering timer. The first loss starts fast recovery: ssthresh from the
// congestion controller, then PRR sets cwnd = pipe + its allowance on every ACK. A retransmission that is
// lost again is found the same way (it carries its new send time), so a hole never waits for the RTO
// while later data gets through. A retransmission timeout marks the first segment lost (and, unless F-RTO
// runs, every segment RACK would); F-RTO then sends new data instead of going back, and if the next ACKs
// show that original transmissions were arriving, the timeout was spurious and the congestion state
// from before it comes back (RFC 4015). Without SACK the connection uses RFC 6582 NewReno
// (TCPConnection+Receive.swift).

import Swiftlet
import SwiftletWire

extension TCPConnection {
    var inRecovery: Bool { recoveryPoint != nil }

    /// RFC 6675 SetPipe from the records (constant time).
    var pipe: Int { sent.pipe(outstanding: sndMax - sndUna) }

    /// Records a transmission of [start, end) (data and/or FIN) made by `emit`, with SACK in use.
    mutating func noteTransmission(_ start: TCPSequenceNumber, _ end: TCPSequenceNumber, now: Instant) {
        if start >= sndMax {
            sent.append(start, end, now: now)
        } else {
            sent.retransmitted(start, TCPSequenceNumber.min(end, sndMax), now: now)
            if prr != nil, recoveryRetransmitStamp == nil, timestampsEnabled { recoveryRetransmitStamp = timestampClock(now) }
            if recentRetransmissions.count >= 16 { recentRetransmissions.removeFirst() }
            recentRetransmissions.append(SACKBlock(left: start, right: end))
            // Remembered for D-SACK undo of a spurious recovery (`noteDuplicateSACK`).
            if inRecovery, undo != nil {
                if undo!.retransmitted.count < 32 { undo!.retransmitted.append(SACKBlock(left: start, right: end)) } else { undo = nil }
            }
        }
        if prr != nil { prr!.noteSent(end - start) }
    }

    /// Takes an ACK's cumulative point and SACK blocks into the records; RACK learns of every segment
    /// delivered. Returns the bytes newly delivered (acknowledged or SACKed, for PRR), whether any of
    /// them was sent before the recovery began and never again (for F-RTO: proof that data sent before
    /// a timeout was still arriving), and an RTT sample in microseconds (timestamps give milliseconds):
    /// the round trip of the newest segment delivered whole that was sent only once. Karn's rule per ACK,
    /// as Linux applies it: when the cumulative point passed a retransmitted segment, the segments it
    /// acknowledged with it may have sat at the peer since long before (never SACKed: more holes than
    /// blocks, lost ACKs), so none of them gives a sample, only segments SACKed by this ACK do (or the
    /// timestamps, whose echo comes from the retransmission that filled the hole). A record partly
    /// acknowledged gives none (a merged record's send time is its last extension).
    mutating func deliver(ack: TCPSequenceNumber, blocks: SACKBlocks, echo: UInt32?, now: Instant)
        -> (bytes: Int, original: Bool, rtt: Duration?) {
        var rack = self.rack
        var bytes = 0
        var original = false
        var newestAcknowledged: Instant? = nil, newestSacked: Instant? = nil
        var passedRetransmission = false
        let offset = tsOffset
        let before = recoveryPoint ?? sndMax
        // One record delivered (`n` of its bytes): counted, and taught to RACK. Its acknowledgment is
        // ambiguous when the echo is older than its last transmission (it acknowledges an earlier one).
        func delivered(_ r: SentSegment, _ n: Int) {
            bytes += n
            if !r.wasRetransmitted, r.end <= before { original = true }
            var older = false
            if let echo {
                let stamp = UInt32(truncatingIfNeeded: r.sent.nanoseconds / 1_000_000) &+ offset
                older = Int32(bitPattern: echo &- stamp) < 0
            }
            rack.delivered(sent: r.sent, end: r.end, retransmitted: r.wasRetransmitted, echoOlderThanSend: older, now: now)
        }
        sent.acknowledge(through: ack, now: now) { r, n in
            delivered(r, n)
            if r.wasRetransmitted { passedRetransmission = true }
            else if n == r.length, newestAcknowledged == nil || r.sent > newestAcknowledged! { newestAcknowledged = r.sent }
        }
        for b in blocks where b.left < b.right && b.left >= ack && b.right <= sndMax {
            sent.sack(b.left, b.right, now: now) { r in
                delivered(r, r.length)
                if !r.wasRetransmitted, newestSacked == nil || r.sent > newestSacked! { newestSacked = r.sent }
            }
        }
        self.rack = rack
        var newest = newestSacked
        if !passedRetransmission, let a = newestAcknowledged, newest == nil || a > newest! { newest = a }
        return (bytes, original, newest.map { now - $0 })
    }

    /// RFC 8985 §6.2 step 5: marks lost every record RACK says is, and arms the reordering timer for the
    /// earliest one not yet late enough. Returns whether it marked any.
    @discardableResult
    mutating func detectLosses(now: Instant) -> Bool {
        rackDeadline = nil
        guard sackEnabled, !sent.isEmpty, rack.xmit != nil else { return false }
        let window = rack.reorderWindow(inRecovery: inRecovery, sackedSegments: sent.sackedBytes / max(sendMSS, 1),
                                        duplicateThreshold: duplicateThreshold, smoothedRTT: rto.smoothed)
        var marked = false
        var earliest: Instant? = nil
        var i = 0
        scan: while i < sent.count {
            let r = sent[i]
            if !r.isSacked && !r.isLost {
                switch rack.verdict(sent: r.sent, end: r.end, reorderWindow: window, now: now) {
                case .lost:
                    sent.markLost(i)
                    marked = true
                case .lateAt(let t):
                    if earliest == nil || t < earliest! { earliest = t }
                case .unknown:
                    // Sent after the last delivered segment; so is every later one sent only once.
                    if !r.wasRetransmitted { break scan }
                }
            }
            i += 1
        }
        rackDeadline = earliest
        if marked && !inRecovery { enterFastRecovery(now: now) }
        return marked
    }

    /// The reordering timer fired (RFC 8985 §6.2 step 6): segments that were not yet late enough may be now.
    mutating func reorderTimeout(now: Instant) {
        rackDeadline = nil
        if detectLosses(now: now), prr != nil { setRecoveryWindow(deliveredNow: 0) }
    }

    /// Loss detected by RACK with SACK: fast recovery with PRR (RFC 6937), ssthresh from the controller.
    mutating func enterFastRecovery(now: Instant) {
        let flight = sndMax - sndUna
        fastRecoveries += 1
        recoveryPoint = sndMax
        timeoutRecovery = false
        forwardRTO = nil
        if !usesBBR {
            undo = (congestion, [], 0)
            congestion.lossDetected(flight: flight)
            prr = PRR(flightSize: flight)
        } else {
            // BBR keeps its window through the recovery (its own packet conservation and loss
            // accounting on the ACKs); there is no reduction to undo.
            undo = nil
        }
        recoveryRetransmitStamp = nil
        if probeArmed { armRetransmitTimer(now: now) }  // a probe now would resend the hole
    }

    /// PRR's window for the next sends: the pipe now plus what PRR allows for the bytes just delivered.
    mutating func setRecoveryWindow(deliveredNow: Int) {
        guard prr != nil else { return }
        let p = pipe
        let allowance = prr!.allowance(deliveredNow: deliveredNow, pipe: p, slowStartThreshold: congestion.slowStartThreshold, mss: sendMSS)
        congestion.setWindow(p + allowance)
    }

    /// An ACK with SACK in use (after `deliver`): loss detection, the recovery's window and its end, and
    /// F-RTO's decision after a timeout.
    mutating func sackAcknowledgment(advanced: Bool, acked: Int, delivered: (bytes: Int, original: Bool, rtt: Duration?), echo: UInt32?,
                                     now: Instant) {
        forwardRTONewData = 0
        if advanced, prr != nil, let stamp = recoveryRetransmitStamp, let echo, echo != 0,
           Int32(bitPattern: echo &- stamp) < 0, Int32(bitPattern: echo &- (stamp &- 60_000)) > 0 {
            // (An echo of 0, or more than a minute older than the retransmission, is no evidence.)
            eifelUndo()
        }
        if let phase = forwardRTO { forwardRTOStep(phase, advanced: advanced, original: delivered.original, now: now) }
        let lostBefore = sent.lostBytes
        detectLosses(now: now)
        var ended = false
        if let recover = recoveryPoint, sndUna >= recover {
            endRecovery()
            ended = true
        }
        if usesBBR {
            let sample = sent.rate.takeSample(minimumRTT: rack.minRTT, now: now)
            bbr!.model.acknowledged(sample: sample, delivered: sent.rate.delivered, newlyDelivered: delivered.bytes,
                              newlyLost: max(0, sent.lostBytes - lostBefore), inFlight: pipe, inRecovery: inRecovery,
                              rtt: delivered.rtt, smoothedRTT: rto.smoothed, now: now)
            congestion.setWindow(bbr!.model.window)
        } else if ended {
            // (The window was set by the recovery's end.)
        } else if prr != nil {
            setRecoveryWindow(deliveredNow: delivered.bytes)
        } else if advanced, acked > 0 {
            // Open, or after a timeout: slow start or congestion avoidance (RFC 5681 §3.1).
            congestion.acknowledged(acked, now: now, smoothedRTT: rto.smoothed)
        }
    }

    /// RFC 3522 detection, RFC 4015 response: the cumulative ACK moved, and its timestamp echo is older
    /// than our first retransmission of this recovery, so the hole was filled by the original segment,
    /// only delayed: the recovery answered reordering, not loss. With no retransmission still in flight
    /// the congestion state from before it comes back and the connection is open again; with some, the
    /// recovery goes on (their fate is not known yet).
    mutating func eifelUndo() {
        guard sent.retransmittedBytes == 0, sent.lostCount == 0 else { return }
        if let u = undo, u.saved.window > congestion.window { congestion = u.saved }
        undo = nil
        spuriousRecoveries += 1
        recoveryPoint = nil
        prr = nil
        recoveryRetransmitStamp = nil
        rack.recoveryEnded()
    }

    /// Recovery is over: the cumulative ACK passed the recovery point.
    mutating func endRecovery() {
        // RFC 6937 §3: at the end of recovery cwnd = ssthresh (the reduction is complete). Not the flight
        // size: after a recovery that repaired everything that is near zero, and a window of one segment
        // leaves no later segment whose ACK could reveal the next loss, only the RTO.
        if prr != nil { congestion.setWindow(congestion.slowStartThreshold) }
        recoveryPoint = nil
        prr = nil
        recoveryRetransmitStamp = nil
        timeoutRecovery = false
        forwardRTO = nil
        rack.recoveryEnded()
    }

    /// RFC 8985 §6.3 and RFC 5682: a retransmission timeout with SACK. The first unSACKed segment is lost,
    /// and so is every segment RACK deems lost by now; the window is one segment. On the first timeout of
    /// an episode F-RTO then watches the next ACKs (`forwardRTOStep`).
    mutating func sackRetransmissionTimeout(now: Instant) {
        timeouts += 1
        let first = retransmissions == 1 && !inRecovery
        if first { undo = (congestion, [], 0) }
        if usesBBR {
            bbr!.model.timedOut()
            congestion.setWindow(bbr!.model.window)
        } else {
            congestion.timedOut(flight: sndMax - sndUna)
        }
        recoveryPoint = sndMax
        timeoutRecovery = true
        prr = nil
        forwardRTONewData = 0
        // The peer SACKed the segment at SND.UNA yet never acknowledged it: it reneged (RFC 2018 §8).
        // Forget what it SACKed; the cumulative ACK is all that counts.
        if sent.first?.isSacked == true { sent.forgetSACKs() }
        let oldest = sent.firstUnsacked
        if let i = oldest { sent.markLost(i) }
        markTimedOut(now: now)
        forwardRTO = first && configuration.forwardRTORecovery ? .firstAck : nil
        // RFC 6298 §5.4: the earliest unacknowledged segment goes now, whatever the pipe says (a
        // retransmission still counted in flight could otherwise hold it back, with no timer left).
        if let i = oldest {
            let r = sent[i]
            _ = retransmit(from: r.start, before: r.end, now: now)
        }
    }

    /// After a timeout: every unSACKed segment sent at least an RTT and the reordering window ago is lost
    /// (RFC 8985 §6.3).
    mutating func markTimedOut(now: Instant) {
        let window = rack.reorderWindow(inRecovery: true, sackedSegments: 0, duplicateThreshold: duplicateThreshold, smoothedRTT: rto.smoothed)
        let age = (rack.xmit == nil ? (rto.smoothed ?? .zero) : rack.rtt) + window
        for i in 0..<sent.count where !sent[i].isSacked && !sent[i].isLost && sent[i].sent + age <= now {
            sent.markLost(i)
        }
    }

    /// RFC 5682 §3 steps 2 and 3 on the ACKs after a timeout.
    mutating func forwardRTOStep(_ phase: ForwardRTOPhase, advanced: Bool, original: Bool, now: Instant) {
        switch phase {
        case .firstAck:
            // A duplicate ACK: the timeout was real (step 2a); the lost segments go again as marked. Or
            // everything is acknowledged and recovery ends.
            guard advanced, let recover = recoveryPoint, sndUna < recover else { forwardRTO = nil; return }
            // Step 2b: two new segments instead of retransmissions, if there is new data the peer may take.
            if dataEnd > sndMax || (finQueued && !finAcked && sndMax <= dataEnd), sndWnd > sndMax - sndUna {
                forwardRTONewData = 2 * sendMSS
                forwardRTOSentNew = false
                forwardRTO = .secondAck
            } else {
                forwardRTO = nil
            }
        case .secondAck:
            forwardRTO = nil
            // Only an ACK of data sent before the timeout and never resent is proof (the SACK-enhanced
            // rule); and only if step 2b really sent new data (Nagle or the window may have held it).
            if original && forwardRTOSentNew {
                // Step 3b: data sent before the timeout is still arriving: the timeout was spurious. Undo it
                // (RFC 4015: the congestion state from before), and carry on with new data.
                spuriousTimeouts += 1
                if let u = undo, u.saved.window > congestion.window { congestion = u.saved }
                undo = nil
                sent.forgetLosses()
                rack.forgetLastDelivery()
                recoveryPoint = nil
                timeoutRecovery = false
                rack.recoveryEnded()
            }
            // Otherwise (step 3a) the timeout was real: the segments marked lost go again.
        }
    }

    /// RFC 6675 NextSeg rule 1 with RACK's marks: lost segments go again, in order, while cwnd - pipe
    /// leaves room. Returns whether it sent anything.
    mutating func retransmitLost(pipe: inout Int, now: Instant) -> Bool {
        var did = false
        var from = 0
        while let i = sent.firstLost(from: from) {
            let r = sent[i]
            guard congestion.window - pipe >= min(r.length, sendMSS), pacingAllows(now: now) else { break }
            guard let end = retransmit(from: r.start, before: r.end, now: now) else { from = i + 1; continue }
            if usesBBR { paced(end - r.start, now: now) }
            pipe += end - r.start
            did = true
            // Normally the record is split and its first part no longer lost; if it could not be split
            // (record cap), it was marked resent whole: either way never the same record twice.
            from = i < sent.count && sent[i].isLost ? i + 1 : i
        }
        return did
    }
}

extension TCPConnection {
    /// A Packet Too Big (RFC 8201 §5.4) for this connection: from now on segments fit a path of `mtu`
    /// bytes with `headerBytes` of IP and TCP headers; the records in flight longer than that are deemed
    /// lost and go again at the new size at once (as Linux's tcp_simple_retransmit does), since the router
    /// dropped them. Not a congestion signal: the window stays. Returns whether the MSS went down.
    mutating func pathMTUDecreased(to mtu: Int, headerBytes: Int, now: Instant) -> Bool {
        let limit = Swift.max(64, mtu - headerBytes - (timestampsEnabled ? 12 : 0))
        guard state.isSynchronized, limit < sendMSS else { return false }
        sendMSS = limit
        congestion.mss = limit
        if usesBBR { bbr!.model.mss = limit }
        if sackEnabled {
            for i in 0..<sent.count where sent[i].length > limit { sent.markLost(i) }
            output(now: now)
        } else if sndUna < sndMax {
            _ = retransmit(from: sndUna, before: nil, now: now)
        }
        return true
    }
}
