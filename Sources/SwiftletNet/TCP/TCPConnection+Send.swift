// SwiftletNet: what a TCP connection sends and when (RFC 9293 §3.8, §3.10; RFC 6298 timers; RFC 5681 and
// RFC 6582 recovery without SACK; with SACK, RFC 6675 (TCPConnection+SACKRecovery.swift) decides what goes;
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
        // In SACK recovery (RFC 6675 §5 step C) lost holes go first, each while cwnd - pipe allows.
        var pipe = 0
        if pipeRecovery {
            pipe = pipeEstimate()
            sent = retransmitHoles(lostOnly: true, pipe: &pipe, now: now)
        }
        while true {
            // Skip what the peer already holds when going back over old data (RFC 6675).
            if sackEnabled, sndNxt < sndMax, let block = scoreboard.first(where: { sndNxt.isIn($0.left, $0.right) }) {
                sndNxt = block.right
                continue
            }
            let inFlight = sndNxt - sndUna
            let window = min(sndWnd, congestion.window + limitedTransmit)
            let unsent = dataEnd - sndNxt
            let sendFin = finQueued && !finAcked && sndNxt == dataEnd
            if unsent <= 0 && !sendFin { break }
            // New data (NextSeg rule 2): in SACK recovery one segment per SMSS that cwnd - pipe leaves,
            // within the peer's window; otherwise within the (NewReno-inflated) congestion window.
            let budget = pipeRecovery ? (congestion.window - pipe >= sendMSS ? sndWnd - inFlight : 0) : window - inFlight
            var length = max(0, min(unsent, sendMSS, budget))
            if sackEnabled, sndNxt < sndMax, let next = scoreboard.first(where: { $0.left > sndNxt }) {
                length = min(length, next.left - sndNxt)
            }
            if length == 0 && !(sendFin && unsent <= 0) { break }
            // Small new segment while data is in flight: Nagle holds it unless it is the last before our
            // FIN; sender SWS avoidance holds a window-limited sliver (RFC 9293 §3.8.6.2.1).
            if length > 0, length < sendMSS, sndNxt >= sndMax, inFlight > 0 {
                let nagleHolds = configuration.nagle && !(finQueued && length == unsent)
                let sliver = length < unsent && length < maxSendWindow / 2
                if nagleHolds || sliver { break }
            }
            let queued = length > 0 ? (offset: sndNxt - sendQueueSeq, length: length) : nil
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
            emit(flags: flags, sequence: sndNxt, queued: queued, now: now)
            sndNxt = sndNxt + length + (fin ? 1 : 0)
            if sndNxt > sndMax { sndMax = sndNxt }
            pipe += length
            if retransmitDeadline == nil { armRetransmitTimer(now: now) }
            sent = true
            if fin { break }
        }
        // NextSeg rule 3: holes below the highest SACKed byte not yet deemed lost.
        if pipeRecovery, retransmitHoles(lostOnly: false, pipe: &pipe, now: now) { sent = true }
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
        // The user timeout's clock runs while something waits on the peer: data in flight or a window probe.
        if sndMax > sndUna || persistDeadline != nil {
            if stalledSince == nil, state.isSynchronized { stalledSince = now }
        } else {
            stalledSince = nil
        }
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
        outbox.append(TCPOutgoing(header: header, payload: []))
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

    /// Appends one non-SYN segment carrying the current ACK, window, timestamps and SACK blocks. Its data,
    /// if any, stays in the send queue (`queued`: offset from `sendQueueSeq` and length) until the stack
    /// copies it straight into the frame, or `drainOutbox` materialises it.
    mutating func emit(flags: TCPFlags, sequence: TCPSequenceNumber, queued: (offset: Int, length: Int)? = nil, now: Instant) {
        var options = TCPOptions()
        if timestampsEnabled { options.timestamps = TCPTimestamps(value: timestampClock(now), echoReply: tsRecent) }
        if sackEnabled && !outOfOrder.isEmpty {
            options.sackBlocks = SACKBlocks(Array(recentBlocks.prefix(timestampsEnabled ? 3 : 4)))
        }
        let header = TCPHeader(sourcePort: local.port, destinationPort: remote.port, sequenceNumber: sequence,
                               acknowledgmentNumber: rcvNxt, flags: flags, window: windowField(), options: options)
        outbox.append(TCPOutgoing(header: header, payload: [], queued: queued))
        if flags.contains(.ack) {
            segmentsSinceAck = 0
            ackNow = false
            ackDeadline = nil
        }
    }

    /// Retransmits one segment at the first hole at or above HighRxt (RFC 6675 §5 NextSeg). Without
    /// `force`, only a hole below the highest SACKed byte counts as lost.
    mutating func retransmitHole(force: Bool, now: Instant) {
        guard let start = firstUnretransmittedHole else { return }
        if !force && !scoreboard.contains(where: { $0.left > start }) { return }
        _ = retransmitSegment(at: start, now: now)
    }

    /// Retransmits one segment from `start` (up to the next SACKed block) and records it: HighRxt, the
    /// undo list, the holes watched for a lost retransmission. Returns the end of what it sent.
    mutating func retransmitSegment(at start: TCPSequenceNumber, now: Instant) -> TCPSequenceNumber? {
        let nextSacked = scoreboard.first { $0.left > start }
        guard let end = retransmit(from: start, before: nextSacked?.left, now: now) else { return nil }
        highRetransmitted = end
        if recoveryPoint != nil, let u = undo, u.retransmitted.count < 32 {
            undo!.retransmitted.append(SACKBlock(left: start, right: end))
        } else if recoveryPoint != nil {
            undo = nil  // too many to track: this recovery cannot be undone
        }
        if recoveryPoint != nil && retransmittedHoles.count < 64 {
            retransmittedHoles.append((start, end, sndMax))
        }
        return end
    }

    /// Sends old data again: one segment from `start`, stopping at `stop` (a SACKed block) and at SND.MAX,
    /// with the FIN if it fits. Returns the end of what it sent.
    mutating func retransmit(from start: TCPSequenceNumber, before stop: TCPSequenceNumber?, now: Instant) -> TCPSequenceNumber? {
        var end = TCPSequenceNumber.min(sndMax, start + sendMSS)
        if let stop { end = TCPSequenceNumber.min(end, stop) }
        let dataStop = TCPSequenceNumber.min(end, dataEnd)
        let dataLength = max(0, dataStop - start)
        let fin = finQueued && end > dataEnd && start + dataLength == dataEnd
        let queued = dataLength > 0 ? (offset: start - sendQueueSeq, length: dataLength) : nil
        guard dataLength > 0 || fin else { return nil }
        emit(flags: fin ? [.ack, .fin] : .ack, sequence: start, queued: queued, now: now)
        retransmittedSegments += 1
        if let probe = rttProbe, probe.sequence.isIn(start, start + dataLength + 1) { rttProbe = nil }
        if retransmitDeadline == nil { armRetransmitTimer(now: now) }
        return start + dataLength + (fin ? 1 : 0)
    }

    /// RFC 6675 §5 with lost retransmissions: a hole retransmitted in this recovery that is still open
    /// although the peer has SACKed three segments sent after it is lost again; NextSeg goes back to it.
    mutating func detectLostRetransmissions() {
        guard let highestSacked = scoreboard.last?.right else { return }
        retransmittedHoles.removeAll { $0.end <= sndUna }
        guard let first = retransmittedHoles.first, highestSacked > first.sentBefore + 2 * sendMSS else { return }
        retransmittedHoles.removeFirst()
        if first.start < highRetransmitted { highRetransmitted = TCPSequenceNumber.max(first.start, sndUna) }
    }

    /// Arms the retransmission timer: as a tail loss probe when one is allowed (RFC 8985 §7.2: PTO =
    /// 2·SRTT, plus the worst-case delayed-ACK time when one segment is in flight, never beyond the RTO),
    /// otherwise as the RTO.
    mutating func armRetransmitTimer(now: Instant) {
        let rtoNow = rto.current
        // Only at the tail (nothing more queued to send): elsewhere later segments draw the ACKs that
        // reveal a loss, and a probe would only add spurious retransmissions.
        if configuration.tailLossProbe, sackEnabled, recoveryPoint == nil, !probeSent, retransmissions == 0,
           dataEnd <= sndMax, state.isSynchronized, let srtt = rto.smoothed {
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
        if sndNxt == sndMax, unsent > 0, sndMax - sndUna + min(unsent, sendMSS) <= sndWnd {
            let length = min(unsent, sendMSS)
            let fin = finQueued && !finAcked && sndMax + length == dataEnd
            emit(flags: fin ? [.ack, .psh, .fin] : (length == unsent ? [.ack, .psh] : .ack), sequence: sndMax,
                 queued: (offset: sndMax - sendQueueSeq, length: length), now: now)
            sndNxt = sndMax + length + (fin ? 1 : 0)
            sndMax = sndNxt
        } else {
            let last = TCPSequenceNumber.max(sndUna, sndMax - sendMSS)
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
        congestion.timedOut(flight: outstanding)
        recoveryPoint = sndMax
        pipeRecovery = false
        highRetransmitted = sndUna
        retransmittedHoles.removeAll()
        limitedTransmit = 0
        undo = nil
        duplicateAcks = 0
        scoreboard.removeAll()  // RFC 2018 §8: the receiver may renege; rely on cumulative ACKs after a timeout
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
