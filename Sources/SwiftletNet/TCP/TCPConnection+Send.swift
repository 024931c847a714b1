// SwiftletNet: what a TCP connection sends and when (RFC 9293 §3.8, §3.10; RFC 6298 timers; RFC 5681 and
// RFC 6582 recovery without SACK; with SACK, the pipe and RACK's marks (TCPConnection+LossRecovery.swift)
// decide what goes;
// Nagle RFC 9293 §3.7.4; zero-window probing RFC 9293 §3.8.6.1; keep-alive RFC 1122 §4.2.3.6).

import Swiftlet
import SwiftletWire

extension TCPConnection {
    /// Sequence number just past the last queued data byte: where our FIN goes.
    var dataEnd: TCPSequenceNumber { sendQueueSeq + sendQueue.count }

    /// Generates every segment that may be sent now.
    mutating func output(now: Instant) {
        guard state != .closed, state != .listen else { return }
        if synNeedsSending {
            sendSyn(now: now)
            return
        }
        guard state != .synSent else { return }
        if state == .synReceived {
            if ackNow { sendAck(now: now) }
            return
        }
        var sent = false
        pacingDeadline = nil
        let mss = segmentPayloadLimit
        // With SACK, segments deemed lost go first (RFC 6675 NextSeg rule 1), while cwnd - pipe allows;
        // then new data, by the pipe too (rule 2). SND.NXT never goes back: there is nothing to skip.
        var pipe = 0
        if sackEnabled {
            pipe = self.pipe
            if self.sent.lostCount > 0, forwardRTONewData == 0 { sent = retransmitLost(pipe: &pipe, now: now) }
        }
        while true {
            let inFlight = sndNxt - sndUna
            let unsent = dataEnd - sndNxt
            let sendFin = finQueued && !finAcked && sndNxt == dataEnd
            if unsent <= 0 && !sendFin { break }
            if sackEnabled, sndNxt >= sndMax, !self.sent.canAppend(sndNxt) { break }  // records full: wait for ACKs
            // Within the peer's window, and the congestion window: by the pipe with SACK, else by the bytes
            // in flight (and NewReno's inflation).
            let budget = forwardRTONewData > 0 ? min(sndWnd - inFlight, forwardRTONewData)
                : sackEnabled ? min(sndWnd - inFlight, congestion.window - pipe)
                : min(sndWnd, congestion.window + limitedTransmit) - inFlight
            let length = max(0, min(unsent, mss, budget))
            if length == 0 && !(sendFin && unsent <= 0) { break }
            // Small new segment while data is in flight: Nagle holds it while an earlier small segment is
            // unacknowledged (Minshall's variant), unless it is the last before our FIN; sender SWS avoidance
            // holds a window-limited sliver (RFC 9293 §3.8.6.2.1).
            if length > 0, length < mss, sndNxt >= sndMax, inFlight > 0 {
                let smallInFlight = sndSmall > sndUna && sndSmall <= sndNxt
                let nagleHolds = configuration.nagle && smallInFlight && !(finQueued && length == unsent)
                let sliver = length < unsent && length < maxSendWindow / 2
                if nagleHolds || sliver { break }
            }
            if !pacingAllows(now: now) { break }
            let fin = finQueued && !finAcked && sndNxt + length == dataEnd
            var flags: TCPFlags = .ack
            if length > 0 && length == unsent { flags.insert(.psh) }
            if fin { flags.insert(.fin) }
            if sndNxt < sndMax {
                retransmittedSegments += 1
                if let probe = rttProbe, probe.sequence.isIn(sndNxt, sndNxt + max(length, 1)) { rttProbe = nil }
            } else if rttProbe == nil && !timestampsEnabled && length > 0 {
                rttProbe = (sndNxt, now)
            }
            emit(flags: flags, sequence: sndNxt, dataLength: length, now: now)
            if usesBBR { paced(length, now: now) }
            sndNxt = sndNxt + length + (fin ? 1 : 0)
            if length > 0, length < mss { sndSmall = sndNxt }
            if sndNxt > sndMax { sndMax = sndNxt }
            pipe += length
            if forwardRTONewData > 0 {
                forwardRTONewData = max(0, forwardRTONewData - length)
                forwardRTOSentNew = true
            }
            if retransmitDeadline == nil { armRetransmitTimer(now: now) }
            sent = true
            if fin { break }
        }
        forwardRTONewData = 0
        // Nothing left to send (no new data, no loss waiting to be resent, pacing not holding anything) and the
        // window not full: BBR's rate samples from here on are the application's rate, not the path's, until
        // what is in flight now is delivered (delivery-rate draft §3.4).
        if usesBBR, dataEnd <= sndNxt, self.sent.lostCount == 0, pacingDeadline == nil, pipe < congestion.window {
            self.sent.rate.applicationLimited(inFlight: pipe)
        }
        // Zero window with data waiting and nothing in flight: probe (RFC 9293 §3.8.6.1).
        if sndWnd == 0, dataEnd > sndNxt || (finQueued && !finAcked && sndMax <= dataEnd), sndUna == sndMax {
            if persistDeadline == nil { persistDeadline = now + rto.current }
        } else {
            persistDeadline = nil
        }
        if !sent {
            if ackNow || segmentsSinceAck >= 2 {
                sendAck(now: now)
            } else if segmentsSinceAck == 1, ackDeadline == nil {
                ackDeadline = now + configuration.delayedAckTimeout
            }
        }
        // Data outstanding always has a timer (RFC 6298 §5.1): never a connection waiting on nothing.
        if sndMax > sndUna, retransmitDeadline == nil, persistDeadline == nil, state.isSynchronized {
            armRetransmitTimer(now: now)
        }
        // The user timeout's clock runs while something waits on the peer: data in flight or a window probe.
        if sndMax > sndUna || persistDeadline != nil {
            if stalledSince == nil, state.isSynchronized { stalledSince = now }
        } else {
            stalledSince = nil
        }
    }

    /// Pacing (BBR): whether a data segment may go now; when not, the pacing timer waits for its time.
    mutating func pacingAllows(now: Instant) -> Bool {
        guard usesBBR, configuration.pacing, pacingNext > now else { return true }
        pacingDeadline = pacingNext
        return false
    }

    /// A data segment of `length` bytes went out at `now`: the next may go when it has taken its time at
    /// the pacing rate (headers counted). Time the timer lost is made up for, at most `pacingBurst` of it.
    mutating func paced(_ length: Int, now: Instant) {
        guard configuration.pacing, let rate = bbr?.model.pacingRate, rate > 0 else { return }
        let from = pacingNext > now - configuration.pacingBurst ? pacingNext : now - configuration.pacingBurst
        pacingNext = from + .nanoseconds(Int64(Double(length + 40) * 1e9 / Double(rate)))
    }

    mutating func sendAck(now: Instant) {
        emit(flags: .ack, sequence: sndNxt, now: now)
    }

    /// SYN (active open) or SYN-ACK (passive), with our options (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
    mutating func sendSyn(now: Instant) {
        synNeedsSending = false
        var options = TCPOptions(maximumSegmentSize: UInt16(min(configuration.maximumSegmentSize, 0xFFFF)))
        let passive = state == .synReceived
        // In a SYN-ACK, offer only what the peer offered.
        if configuration.windowScaling && (!passive || sendScale > 0 || receiveScale > 0) { options.windowScale = receiveScale }
        if configuration.selectiveAcknowledgments && (!passive || sackEnabled) { options.sackPermitted = true }
        if configuration.timestamps && (!passive || timestampsEnabled) {
            options.timestamps = TCPTimestamps(value: timestampClock(now), echoReply: passive ? tsRecent : 0)
        }
        let header = TCPHeader(sourcePort: local.port, destinationPort: remote.port, sequenceNumber: iss,
                               acknowledgmentNumber: passive ? rcvNxt : TCPSequenceNumber(0),
                               flags: passive ? [.syn, .ack] : .syn,
                               window: UInt16(min(advertisableWindow, 0xFFFF)), options: options)
        outbox.append(TCPPendingSegment(header: header))
        if passive {
            rcvAdvertisedEdge = rcvNxt + min(advertisableWindow, 0xFFFF)
            segmentsSinceAck = 0
            ackNow = false
        }
        sndNxt = iss + 1
        if sndNxt > sndMax { sndMax = sndNxt }
        if retransmitDeadline == nil { retransmitDeadline = now + rto.current }
    }

    /// Our timestamp clock: milliseconds, offset per connection (RFC 7323 §5.4, RFC 9293 ISN-style hiding).
    func timestampClock(_ now: Instant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ tsOffset
    }

    /// The window field for a non-SYN segment: never shrinks the right edge already advertised
    /// (RFC 9293 §3.8.6.2.1), never negative.
    mutating func windowField() -> UInt16 {
        var edge = currentWindowEdge
        if edge < rcvAdvertisedEdge { edge = rcvAdvertisedEdge }
        let window = max(0, min(edge - rcvNxt, 0xFFFF << Int(receiveScale)))
        rcvAdvertisedEdge = rcvNxt + window
        return UInt16(window >> Int(receiveScale))
    }

    /// The data the next segment may carry: the MSS (less the timestamps, in `sendMSS`) less the room the
    /// SACK blocks it will report take (RFC 9293 §3.7.1: the MSS counts data only, and options beyond
    /// those assumed come out of it). Otherwise a full-size segment with SACK blocks would be 12 to 28
    /// bytes over the MTU and go as two IP fragments: one more frame to lose, and dropped whole by paths
    /// that drop fragments.
    var segmentPayloadLimit: Int {
        guard sackEnabled, !outOfOrder.isEmpty || duplicateReport != nil else { return sendMSS }
        let blocks = min(timestampsEnabled ? 3 : 4, (duplicateReport != nil ? 1 : 0) + recentBlocks.count)
        guard blocks > 0 else { return sendMSS }
        return max(64, sendMSS - (2 + 8 * blocks + 3) / 4 * 4)  // kind, length, 8 per block; NOP-padded to 4
    }

    /// Appends one non-SYN segment carrying the current ACK, window, timestamps and SACK blocks, and
    /// `dataLength` bytes of data from `sequence` on. The data stays in the send queue until the segment is
    /// sent (`sendOutbox` copies it into the frame).
    mutating func emit(flags: TCPFlags, sequence: TCPSequenceNumber, dataLength: Int = 0, now: Instant) {
        var options = TCPOptions()
        if timestampsEnabled { options.timestamps = TCPTimestamps(value: timestampClock(now), echoReply: tsRecent) }
        if sackEnabled && (!outOfOrder.isEmpty || duplicateReport != nil) {
            // RFC 2883: a D-SACK block first, once; then the most recent blocks (RFC 2018 §4).
            var blocks = SACKBlocks()
            let room = timestampsEnabled ? 3 : 4
            if let d = duplicateReport { _ = blocks.append(d); duplicateReport = nil }
            for b in recentBlocks where blocks.count < room { _ = blocks.append(b) }
            options.sackBlocks = blocks
        }
        let header = TCPHeader(sourcePort: local.port, destinationPort: remote.port, sequenceNumber: sequence,
                               acknowledgmentNumber: rcvNxt, flags: flags, window: windowField(), options: options)
        outbox.append(TCPPendingSegment(header: header, dataOffset: sequence - sendQueueSeq, dataLength: dataLength))
        let occupies = dataLength + (flags.contains(.fin) ? 1 : 0)
        if sackEnabled, occupies > 0, state != .synSent { noteTransmission(sequence, sequence + occupies, now: now) }
        if flags.contains(.ack) {
            segmentsSinceAck = 0
            ackNow = false
            ackDeadline = nil
        }
    }

    /// Sends old data again: one segment from `start`, stopping at `stop` (a SACKed block) and at SND.MAX,
    /// with the FIN if it fits. Returns the end of what it sent.
    mutating func retransmit(from start: TCPSequenceNumber, before stop: TCPSequenceNumber?, now: Instant) -> TCPSequenceNumber? {
        var end = TCPSequenceNumber.min(sndMax, start + segmentPayloadLimit)
        if let stop { end = TCPSequenceNumber.min(end, stop) }
        let dataStop = TCPSequenceNumber.min(end, dataEnd)
        let dataLength = max(0, dataStop - start)
        let fin = finQueued && end > dataEnd && start + dataLength == dataEnd
        guard dataLength > 0 || fin else { return nil }
        emit(flags: fin ? [.ack, .fin] : .ack, sequence: start, dataLength: dataLength, now: now)
        retransmittedSegments += 1
        if let probe = rttProbe, probe.sequence.isIn(start, start + dataLength + 1) { rttProbe = nil }
        if retransmitDeadline == nil { armRetransmitTimer(now: now) }
        return start + dataLength + (fin ? 1 : 0)
    }

    /// Arms the retransmission timer: as a tail loss probe when one is allowed (RFC 8985 §7.2: PTO =
    /// 2·SRTT, plus the worst-case delayed-ACK time when one segment is in flight, never beyond the RTO),
    /// otherwise as the RTO.
    mutating func armRetransmitTimer(now: Instant) {
        let rtoNow = rto.current
        // Whenever the cumulative ACK may stall (RFC 8985 §7.2): if the whole flight is lost, or its last
        // segments, a probe after two round trips draws the SACK that lets RACK repair it instead of the
        // RTO. Also in recovery, where RFC 8985 does not probe: a lost retransmission with nothing sent
        // after it to reveal it (the send buffer full behind the hole, say) is then sent again after two
        // round trips, not after the RTO.
        if configuration.tailLossProbe, sackEnabled, !probeSent, retransmissions == 0,
           state.isSynchronized, let srtt = rto.smoothed {
            var pto = max(srtt * 2, .milliseconds(10))
            if sndMax - sndUna <= sendMSS { pto = pto + configuration.delayedAckTimeout }
            if pto < rtoNow {
                retransmitDeadline = now + pto
                probeArmed = true
                return
            }
        }
        retransmitDeadline = now + rtoNow
        probeArmed = false
    }

    /// RFC 8985 §7.3: the probe is one new segment if the windows allow, else the last segment sent.
    mutating func sendTailLossProbe(now: Instant) {
        probeArmed = false
        probeSent = true
        tailLossProbes += 1
        let unsent = dataEnd - sndMax
        if inRecovery, let i = sent.firstUnsacked {
            // The first segment not SACKed, most likely a lost retransmission, goes again.
            let r = sent[i]
            sent.markLost(i)
            _ = retransmit(from: r.start, before: r.end, now: now)
        } else if sndNxt == sndMax, unsent > 0, sndMax - sndUna + min(unsent, segmentPayloadLimit) <= sndWnd, sent.canAppend(sndMax) {
            let length = min(unsent, segmentPayloadLimit)
            let fin = finQueued && !finAcked && sndMax + length == dataEnd
            emit(flags: fin ? [.ack, .psh, .fin] : (length == unsent ? [.ack, .psh] : .ack), sequence: sndMax,
                 dataLength: length, now: now)
            sndNxt = sndMax + length + (fin ? 1 : 0)
            if length < segmentPayloadLimit { sndSmall = sndNxt }  // a small probe counts for Nagle too
            sndMax = sndNxt
        } else {
            let last = TCPSequenceNumber.max(sndUna, sndMax - segmentPayloadLimit)
            _ = retransmit(from: last, before: nil, now: now)
        }
        retransmitDeadline = now + rto.current
    }

    /// RFC 6298 §5.4–5.7: back off, go back to the oldest unacknowledged byte, collapse the window.
    mutating func retransmissionTimeout(now: Instant) {
        retransmitDeadline = nil
        let outstanding = sndMax - sndUna
        guard outstanding > 0 else { probeArmed = false; return }
        if probeArmed {
            sendTailLossProbe(now: now)
            return
        }
        retransmissions += 1
        guard retransmissions <= configuration.maximumRetransmissions else { terminate(.timedOut); return }
        rto.backOff()
        rttProbe = nil
        if state == .synReceived, retransmissions > configuration.synAckRetries { terminate(.timedOut); return }
        if state == .synSent || state == .synReceived {
            synNeedsSending = true
            retransmittedSegments += 1
            return
        }
        duplicateAcks = 0
        limitedTransmit = 0
        if sackEnabled {
            // SACK information is kept: a receiver that reneges is seen by its cumulative ACK stopping at a
            // SACKed segment, which the RTO then sends again (the first unSACKed segment is lost).
            sackRetransmissionTimeout(now: now)
            return
        }
        timeouts += 1
        congestion.timedOut(flight: outstanding)
        recoveryPoint = sndMax
        undo = nil
        sndNxt = sndUna
    }

    /// Zero-window probe: a segment one byte below sndUna draws an ACK with the current window.
    mutating func persistTimeout(now: Instant) {
        emit(flags: .ack, sequence: sndUna - 1, now: now)
        rto.backOff()
        persistDeadline = now + rto.current
    }

    mutating func keepAliveTimeout(now: Instant) {
        guard configuration.keepAliveIdle != nil, state.isSynchronized else { keepAliveDeadline = nil; return }
        if keepAliveProbesSent >= configuration.keepAliveProbes { terminate(.timedOut); return }
        keepAliveProbesSent += 1
        emit(flags: .ack, sequence: sndUna - 1, now: now)
        keepAliveDeadline = now + configuration.keepAliveInterval
    }
}
