// SwiftletNet: segment arrival (RFC 9293 §3.10.7), in the RFC's order of checks, with RFC 5961 challenge
// ACKs for RSTs and SYNs that are in the window but not exact, RFC 7323 PAWS and RTTM, RFC 2018 SACK
// bookkeeping on both sides (D-SACK, RFC 2883, for duplicates), and RFC 5681/6582 duplicate-ACK loss
// recovery for peers without SACK (with SACK: TCPConnection+LossRecovery.swift).

import Swiftlet
import SwiftletWire

extension TCPConnection {
    /// Processes one segment addressed to this connection.
    public mutating func handle(_ segment: TCPHeader, payload: Span<UInt8>, now: Instant) {
        lastReceived = now
        keepAliveProbesSent = 0
        if let idle = configuration.keepAliveIdle, state.isSynchronized { keepAliveDeadline = now + idle }
        switch state {
        case .closed, .listen:
            return
        case .synSent:
            handleInSynSent(segment, now: now)
        default:
            handleSynchronized(segment, payload: payload, now: now)
        }
        output(now: now)
    }

    private mutating func handleInSynSent(_ s: TCPHeader, now: Instant) {
        let f = s.flags
        var ackAcceptable = false
        if f.contains(.ack) {
            // RFC 9293 §3.10.7.3 first: an ACK outside (ISS, SND.NXT] gets a reset unless it is one.
            guard s.acknowledgmentNumber > iss, s.acknowledgmentNumber <= sndNxt else {
                if !f.contains(.rst) { sendReset(sequence: s.acknowledgmentNumber) }
                return
            }
            ackAcceptable = true
        }
        if f.contains(.rst) {
            if ackAcceptable { terminate(.refused) }
            return
        }
        guard f.contains(.syn) else { return }
        irs = s.sequenceNumber
        rcvNxt = s.sequenceNumber + 1
        rcvAdvertisedEdge = rcvNxt
        negotiate(s.options)
        if ackAcceptable {
            sendQueueSeq = iss + 1
            handshakeCompleted(s, windowScaled: false, now: now)
            ackNow = true
        } else {
            // Simultaneous open (RFC 9293 §3.5 figure 8): SYN-RECEIVED, answer with SYN-ACK.
            state = .synReceived
            sndWnd = Int(s.window)
            sndWl1 = s.sequenceNumber
            synNeedsSending = true
            sndNxt = iss
        }
    }

    private mutating func handleSynchronized(_ segment: TCPHeader, payload: Span<UInt8>, now: Instant) {
        var s = segment
        // Simultaneous open (RFC 9293 §3.5 figure 8, line 7): the peer's SYN-ACK repeats its SYN, which we
        // already counted; take it as the ACK that completes our half.
        if state == .synReceived, s.flags.contains([.syn, .ack]), s.sequenceNumber == irs {
            s.flags.remove(.syn)
            s.sequenceNumber = irs + 1
        }
        let f = s.flags
        let length = payload.count + (f.contains(.syn) ? 1 : 0) + (f.contains(.fin) ? 1 : 0)
        let window = advertisableWindowForCheck

        // PAWS (RFC 7323 §5.3): a segment with an older timestamp than the last in-order one is a duplicate.
        if timestampsEnabled, !f.contains(.rst), let ts = s.options.timestamps,
           Int32(bitPattern: ts.value &- tsRecent) < 0 {
            ackNow = true
            return
        }

        // 1. Sequence check (RFC 9293 §3.10.7.4 table).
        let seq = s.sequenceNumber
        let acceptable: Bool
        if length == 0 {
            // RCV.NXT =< SEG.SEQ =< RCV.NXT+RCV.WND: the right edge itself too (as Linux's tcp_sequence), where
            // RFC 9293's table stops one short. A peer that filled our window exactly and lost its last
            // segment sends its ACKs from the right edge; dropping them as unacceptable would also drop the
            // acknowledgment of our data, stalling until the peer's retransmission timeout (200 ms).
            acceptable = seq.isIn(rcvNxt, rcvNxt + window + 1)
        } else {
            acceptable = window > 0 && (seq.isIn(rcvNxt, rcvNxt + window) || (seq + length - 1).isIn(rcvNxt, rcvNxt + window))
        }
        if !acceptable {
            if f.contains(.rst) { return }
            // A SYN retransmitted by a peer that lost our SYN-ACK: answer it again.
            if state == .synReceived, f.contains(.syn), seq == irs { synNeedsSending = true; sndNxt = iss; return }
            // Data we already had: report it (D-SACK, RFC 2883 §4.1.1), so that the sender learns that its
            // retransmission was not needed.
            if sackEnabled, payload.count > 0, seq + payload.count <= rcvNxt, rcvNxt - seq <= maxSendWindow + 65535 {
                duplicateReport = SACKBlock(left: seq, right: seq + payload.count)
            }
            ackNow = true
            return
        }

        // 2. RST (RFC 5961 §3.2): exact match resets; in-window but not exact draws a challenge ACK.
        if f.contains(.rst) {
            if seq == rcvNxt {
                terminate(state == .synReceived ? .refused : .reset)
            } else {
                challengeAck()
            }
            return
        }

        // 4. SYN in a synchronized state (RFC 5961 §4.2): challenge ACK, never a reset of the connection.
        if f.contains(.syn) {
            if state == .synReceived && seq == irs { synNeedsSending = true; sndNxt = iss; return }
            challengeAck()
            return
        }

        // 5. ACK.
        guard f.contains(.ack) else { return }
        if state == .synReceived {
            guard s.acknowledgmentNumber > sndUna, s.acknowledgmentNumber <= sndNxt else {
                sendReset(sequence: s.acknowledgmentNumber)
                return
            }
            handshakeCompleted(s, windowScaled: true, now: now)
        } else if !processAck(s, payloadLength: payload.count, now: now) {
            return
        }

        // Timestamps: remember the peer's clock for echo when the segment covers rcvNxt (RFC 7323 §4.3).
        if timestampsEnabled, let ts = s.options.timestamps, seq <= rcvNxt {
            tsRecent = ts.value
        }

        // State changes that our FIN being acknowledged causes.
        switch state {
        case .finWait1 where finAcked: enterFinWait2(now: now)
        case .closing where finAcked: enterTimeWait(now: now)
        case .lastAck where finAcked: terminate(nil); return
        case .timeWait:
            // A retransmitted FIN restarts 2×MSL (RFC 9293 §3.10.7.4), but TIME-WAIT never lasts beyond
            // twice that: a peer resending its FIN cannot keep the record for ever.
            if f.contains(.fin), let started = timeWaitStarted {
                timeWaitDeadline = min(now + configuration.maximumSegmentLifetime * 2, started + configuration.maximumSegmentLifetime * 4)
                ackNow = true
            }
            return
        default: break
        }

        // 7. Segment text. The application closed and will never read: new data draws a reset (RFC 2525
        // §2.17, as Linux does), so a peer cannot keep an orphan alive by sending into it.
        if payload.count > 0, orphaned, seq + payload.count > rcvNxt, state.acceptsData {
            sendReset(sequence: sndNxt)
            terminate(.aborted)
            return
        }
        if payload.count > 0 {
            if state.acceptsData {
                receiveData(seq: seq, payload: payload)
            } else {
                ackNow = true  // data after the peer's FIN: just acknowledge what we have
            }
        }

        // 8. FIN.
        if f.contains(.fin) {
            let finSeq = seq + payload.count
            if remoteFin == nil && state.acceptsData || state == .synReceived { remoteFin = finSeq }
            ackNow = true
        }
        consumeFinIfReached(now: now)
    }

    /// Our SYN was acknowledged: ESTABLISHED (or FIN-WAIT-1 if the application already closed), with
    /// the first RTT sample from the SYN's timestamp echo. A SYN's window is never scaled (RFC 7323 §2.2).
    mutating func handshakeCompleted(_ s: TCPHeader, windowScaled: Bool, now: Instant) {
        sndUna = s.acknowledgmentNumber
        state = finQueued ? .finWait1 : .established
        connectDeadline = nil
        retransmitDeadline = nil
        retransmissions = 0
        rto.resetBackoff()
        if let ts = s.options.timestamps, timestampsEnabled, ts.echoReply != 0 {
            rto.sample(Duration.milliseconds(Int64(timestampClock(now) &- ts.echoReply)))
        }
        updateWindow(s, scaled: windowScaled)
        if let idle = configuration.keepAliveIdle { keepAliveDeadline = now + idle }
    }

    /// RFC 9293 §3.10.7.4 fifth check for synchronized states. Returns false when the segment is done with.
    private mutating func processAck(_ s: TCPHeader, payloadLength: Int, now: Instant) -> Bool {
        let ack = s.acknowledgmentNumber
        // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
        if ack > sndMax {
            challengeAck()
            return false
        }
        if ack < sndUna - max(maxSendWindow, 1) {
            challengeAck()
            return false
        }
        if sackEnabled {
            if let first = s.options.sackBlocks.first { noteDuplicateSACK(first, ack: ack, second: s.options.sackBlocks.dropFirst().first) }
            let advanced = ack > sndUna
            let acked = ack - sndUna
            let delivered = deliver(ack: ack, blocks: s.options.sackBlocks, echo: timestampsEnabled ? s.options.timestamps?.echoReply : nil, now: now)
            if advanced { newlyAcknowledged(acked, ack: ack, header: s, measured: delivered.rtt, now: now) }
            // A segment that delivered nothing new, carried no data and left the window as it was: a
            // duplicate ACK. With SACK it only matters when the peer sent no SACK blocks (RFC 6675 §5).
            if !advanced, delivered.bytes == 0, payloadLength == 0, !s.flags.contains(.fin), sndMax > sndUna, scaledWindow(s) == sndWnd {
                duplicateAcks += 1
            }
            // (Also when this ACK acknowledged everything: the window grows on it.)
            if advanced || sndMax > sndUna || inRecovery {
                sackAcknowledgment(advanced: advanced, acked: acked, delivered: delivered,
                                   echo: timestampsEnabled ? s.options.timestamps?.echoReply : nil, now: now)
                // Recovery may have ended: the timer restarted by the ACK takes the state after it.
                if advanced, sndUna != sndMax { armRetransmitTimer(now: now) }
                if duplicateAcks >= duplicateThreshold, !inRecovery, sent.lostCount == 0, sent.sackedBytes == 0, !sent.isEmpty {
                    sent.markLost(0)  // duplicate ACKs without SACK blocks: the RFC 5681 rule
                    enterFastRecovery(now: now)
                    setRecoveryWindow(deliveredNow: 0)
                }
            }
        } else if ack > sndUna {
            let acked = ack - sndUna
            newlyAcknowledged(acked, ack: ack, header: s, measured: nil, now: now)
        } else if ack == sndUna {
            // RFC 5681 §2 duplicate ACK: no data, window unchanged, data outstanding.
            if payloadLength == 0, !s.flags.contains(.fin), scaledWindow(s) == sndWnd, sndMax > sndUna {
                duplicateAck(now: now)
            }
        }
        // Window update (RFC 9293 §3.10.7.4: SND.WL1/WL2 rule).
        if sndWl1 < s.sequenceNumber || (sndWl1 == s.sequenceNumber && sndWl2 <= ack) {
            updateWindow(s, scaled: true)
        }
        return true
    }

    /// `measured`: the round trip of a segment this ACK delivered that was sent once (from its record's
    /// send time, with SACK).
    private mutating func newlyAcknowledged(_ acked: Int, ack: TCPSequenceNumber, header s: TCPHeader, measured: Duration?,
                                            now: Instant) {
        // Data bytes acknowledged (the FIN is one sequence number past the data).
        let dataAcked = TCPSequenceNumber.min(ack, dataEnd) - sendQueueSeq
        if dataAcked > 0 {
            holdOutboxData()
            sendQueue.drop(dataAcked)
            sendQueueSeq = sendQueueSeq + dataAcked
        }
        if finQueued && ack == dataEnd + 1 { finAcked = true }
        sndUna = ack
        if sndNxt < sndUna { sndNxt = sndUna }
        // Progress for the user timeout: a segment's worth, or everything (re-armed by `output` while
        // data stays outstanding). A peer acknowledging a byte now and then is not progress.
        if acked >= progressQuantum || sndUna == sndMax { stalledSince = nil }
        retransmissions = 0
        probeSent = false
        limitedTransmit = 0
        rto.resetBackoff()
        // RTT sample: the send time of a segment sent once (microseconds: on a LAN or between VMs the
        // round trip is well under the timestamps' millisecond, which read it as 0 or 1 ms and left SRTT
        // meaningless, and RACK's reordering window is capped by SRTT), else timestamps (RFC 7323 §4.1),
        // else a probe never retransmitted (Karn).
        if let measured {
            rto.sample(measured)
        } else if timestampsEnabled, let ts = s.options.timestamps, ts.echoReply != 0 {
            rto.sample(Duration.milliseconds(Int64(timestampClock(now) &- ts.echoReply)))
        } else if let probe = rttProbe, ack > probe.sequence {
            rto.sample(now - probe.sent)
            rttProbe = nil
        }
        // Without SACK, congestion control and NewReno recovery (RFC 6582 §3.2); with SACK,
        // `sackAcknowledgment` does it once the SACK blocks are in.
        if !sackEnabled {
            if let recover = recoveryPoint {
                if ack >= recover {
                    recoveryPoint = nil
                    if !timeoutRecovery { congestion.recoveryEnded(flight: sndMax - sndUna) }
                    timeoutRecovery = false
                } else if timeoutRecovery {
                    congestion.acknowledged(acked, now: now, smoothedRTT: rto.smoothed)  // slow start again
                } else {
                    // RFC 6582 §3.2 step 5: the partial ACK points at the next loss; retransmit it.
                    congestion.partialAck(acked)
                    _ = retransmit(from: sndUna, before: nil, now: now)
                }
            } else {
                congestion.acknowledged(acked, now: now, smoothedRTT: rto.smoothed)
            }
        }
        duplicateAcks = 0
        if sndUna == sndMax {
            retransmitDeadline = nil
            probeArmed = false
        } else {
            armRetransmitTimer(now: now)
        }
    }

    /// A duplicate ACK from a peer without SACK (RFC 5681 §3.2, RFC 6582).
    private mutating func duplicateAck(now: Instant) {
        duplicateAcks += 1
        if recoveryPoint != nil {
            if !timeoutRecovery { congestion.inflate() }
            return
        }
        if duplicateAcks == duplicateThreshold {
            limitedTransmit = 0
            undo = nil
            congestion.lossDetected(flight: sndMax - sndUna)
            recoveryPoint = sndMax
            timeoutRecovery = false
            // RFC 6582's window inflated by the three duplicates, and the fast retransmission.
            congestion.inflate(); congestion.inflate(); congestion.inflate()
            _ = retransmit(from: sndUna, before: nil, now: now)
        } else if duplicateAcks < duplicateThreshold {
            // RFC 3042 limited transmit: each duplicate ACK below the threshold lets one new segment out,
            // so that a small window still produces enough of them.
            limitedTransmit = duplicateAcks * sendMSS
        }
    }

    /// RFC 2883 §4: the first SACK block reports a duplicate segment when it lies below the cumulative
    /// ACK or inside the second block. A duplicate of a segment we fast-retransmitted means the original
    /// arrived after all: once every retransmission of a recovery comes back duplicated, the recovery was
    /// spurious, so the congestion window is restored. The duplicate threshold is not raised as well (at
    /// 5% loss, windows are too small to produce the extra duplicates before the RTO): RACK's reordering
    /// window, grown here, answers reordering instead.
    private mutating func noteDuplicateSACK(_ first: SACKBlock, ack: TCPSequenceNumber, second: SACKBlock?) {
        let isDuplicate = first.right <= ack || second.map { first.left >= $0.left && first.right <= $0.right } ?? false
        guard isDuplicate else { return }
        // RACK (RFC 8985 §6.2 step 4): a retransmission turned out needless, so the reordering window
        // grows. Only for data we sent twice: the link's own duplicates say nothing about reordering.
        if recentRetransmissions.contains(where: { first.left < $0.right && $0.left < first.right }) {
            needlessRetransmissions += 1
            rack.noteDuplicateSACK(unacknowledged: sndUna, next: sndMax)
        }
        guard var u = undo, !u.retransmitted.isEmpty else { return }
        // Only a duplicate of a segment we retransmitted counts (the link may duplicate others).
        guard let i = u.retransmitted.firstIndex(where: { $0.left == first.left && $0.right == first.right }) else { return }
        u.retransmitted.remove(at: i)
        u.dsacked += 1
        undo = u
        guard u.retransmitted.isEmpty else { return }
        // Every retransmission came back duplicated. If nothing is deemed lost or still resent in flight,
        // the recovery answered reordering: its reduction is undone and it ends (as `eifelUndo`); else
        // another hole is open and the recovery goes on.
        guard prr == nil || (sent.lostCount == 0 && sent.retransmittedBytes == 0) else { return }
        if prr != nil { eifelUndo(); return }
        undo = nil
        spuriousRecoveries += 1
        if u.saved.window > congestion.window { congestion = u.saved }
    }

    func scaledWindow(_ s: TCPHeader) -> Int { Int(s.window) << Int(sendScale) }

    /// RFC 6191 §2 (and RFC 1122 §4.2.2.13 without timestamps): in TIME-WAIT, a SYN may open a new
    /// incarnation of the connection when it cannot be an old duplicate: its timestamp is newer than
    /// the last one seen, or, without timestamps, its sequence number lies beyond RCV.NXT.
    public func acceptsNewIncarnation(_ syn: TCPHeader) -> Bool {
        guard state == .timeWait else { return false }
        if timestampsEnabled {
            guard let ts = syn.options.timestamps else { return false }
            return Int32(bitPattern: ts.value &- tsRecent) > 0
        }
        return syn.options.timestamps == nil && syn.sequenceNumber > rcvNxt
    }

    mutating func updateWindow(_ s: TCPHeader, scaled: Bool) {
        let before = sndWnd
        sndWnd = scaled ? scaledWindow(s) : Int(s.window)
        if before == 0 && sndWnd >= progressQuantum { stalledSince = nil }  // the window opened: progress
        sndWl1 = s.sequenceNumber
        sndWl2 = s.acknowledgmentNumber
        if sndWnd > maxSendWindow { maxSendWindow = sndWnd }
    }

    /// The window used for the acceptability test: what we advertised (we never shrink it).
    var advertisableWindowForCheck: Int {
        max(rcvAdvertisedEdge - rcvNxt, 0)
    }

    /// Queues in-order data for the application and places out-of-order data in the receive ring at its
    /// offset from RCV.NXT (`OutOfOrderRanges` remembers where): every byte in the window has its place,
    /// so out-of-order data costs no memory beyond the buffer, and each segment bounded work.
    private mutating func receiveData(seq: TCPSequenceNumber, payload: Span<UInt8>) {
        var start = seq
        var offset = 0
        if start < rcvNxt {  // trim what we already have, and report it (D-SACK, RFC 2883 §4.1.1)
            offset = rcvNxt - start
            start = rcvNxt
            if sackEnabled { duplicateReport = SACKBlock(left: seq, right: TCPSequenceNumber.min(rcvNxt, seq + payload.count)) }
        }
        var end = TCPSequenceNumber.min(seq + payload.count, rcvNxt + receiveQueue.free)
        if let fin = remoteFin, fin < end { end = fin }  // nothing after the peer's FIN (RFC 9293 §3.10.7.4)
        guard offset < payload.count, end > start else { ackNow = true; return }
        let length = end - start
        let bytes = payload.extracting(offset..<(offset + length))
        if start == rcvNxt {
            // Less than all (or nothing) only when the stack's memory budget refused the ring's growth.
            let taken = receiveQueue.append(bytes)
            guard taken > 0 else { memoryDrops += 1; ackNow = true; return }
            if taken < length { memoryDrops += 1 }
            rcvNxt = rcvNxt + taken
            // A segment over our MSS is several the device coalesced (virtio-net's GUEST_TSO): ACK it at
            // once, as the two full-sized segments it stands for at least (RFC 5681 §4.2).
            segmentsSinceAck += length > configuration.maximumSegmentSize ? 2 : 1
            if quickAcks > 0 { quickAcks -= 1; ackNow = true }
            if !outOfOrder.isEmpty {
                pullOutOfOrder()
                ackNow = true  // RFC 5681 §4.2: ACK at once when a segment fills a hole
            }
        } else {
            ackNow = true  // RFC 5681 §4.2: out-of-order data is acknowledged at once (duplicate ACK)
            quickAcks = TCPConnection.quickAcksAfterDisorder
            // A segment that would open one hole too many is dropped; the peer sends it again.
            if sackEnabled, outOfOrder.ranges.contains(where: { $0.left <= start && end <= $0.right }) {
                duplicateReport = SACKBlock(left: start, right: end)  // RFC 2883 §4.1.2: held already
            }
            guard outOfOrder.accepts(start, end) else { outOfOrderDrops += 1; return }
            guard receiveQueue.write(bytes, at: start - rcvNxt) else { memoryDrops += 1; return }
            let block = outOfOrder.insert(start, end)
            // SACK: report the block containing this segment first (RFC 2018 §4).
            recentBlocks.removeAll { $0.left >= block.left && $0.right <= block.right || $0.right <= rcvNxt }
            recentBlocks.insert(block, at: 0)
            if recentBlocks.count > 4 { recentBlocks.removeLast() }
        }
    }

    /// Counts as in order the out-of-order ranges that RCV.NXT has reached (their bytes are in place).
    private mutating func pullOutOfOrder() {
        while let r = outOfOrder.popFirst(reachedBy: rcvNxt) {
            if r.right > rcvNxt {
                receiveQueue.commit(r.right - rcvNxt)
                rcvNxt = r.right
            }
        }
        recentBlocks.removeAll { $0.right <= rcvNxt }
    }

    /// Once every byte before the peer's FIN has arrived, the FIN is consumed (RFC 9293 §3.10.7.4 eighth).
    private mutating func consumeFinIfReached(now: Instant) {
        guard let fin = remoteFin, !finReceived, fin == rcvNxt else { return }
        finReceived = true
        rcvNxt = rcvNxt + 1
        ackNow = true
        switch state {
        case .synReceived, .established: state = .closeWait
        case .finWait1: if finAcked { enterTimeWait(now: now) } else { state = .closing }
        case .finWait2: enterTimeWait(now: now)
        default: break
        }
    }

    /// RFC 5961 §3.2 and §4.2: an ACK that tells a legitimate peer where we are.
    mutating func challengeAck() {
        challengeAcks += 1
        ackNow = true
    }

    /// A bare RST with the given sequence number (for unacceptable ACKs in SYN states).
    mutating func sendReset(sequence: TCPSequenceNumber) {
        outbox.append(TCPPendingSegment(header: TCPHeader(sourcePort: local.port, destinationPort: remote.port,
                                                          sequenceNumber: sequence, flags: .rst, window: 0)))
    }
}
