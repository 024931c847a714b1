// SwiftletNet: one TCP connection as a state machine (RFC 9293), with no I/O and no clock.
//
// Events come in as method calls that take `now`: a segment arrived (`handle`, in
// TCPConnection+Receive.swift), the application wrote, read, closed or aborted (this file), or time passed
// (`poll`). Segments to send collect in `outbox`, built by TCPConnection+Send.swift; the stack drains it.
// Sequence space: [iss] SYN, data from iss+1, then our FIN. `sendQueue` holds every byte from `sendQueueSeq`
// (= the oldest unacknowledged data byte) on, so retransmission reads from it and ACKs drop from it.
// Receive: `receiveQueue` holds in-order bytes the application has not read, and beyond them, at their
// place, bytes that arrived out of order (`outOfOrder` says which ranges). The window we advertise is the
// ring's free space, so every byte a peer may send has its place and nothing is ever buffered beyond
// `receiveBufferSize`; out-of-order holes are capped (`maximumOutOfOrderRanges`).

import Swiftlet
import SwiftletWire

/// A TCP peer: the application-level `Endpoint` of the core.
public typealias TCPEndpoint = Endpoint

/// A connection held by reference in the stack's table.
final class TCPConnectionBox {
    // Unchecked, as the stack's own hot properties are (see NetworkStack): only the stack reaches a box.
    @exclusivity(unchecked) var tcb: TCPConnection
    /// The deadline `timers` holds for this connection (`.distantFuture`: none), so `flush` touches
    /// that dictionary only when it changes.
    @exclusivity(unchecked) var timer = Instant.distantFuture
    /// Set while the connection sits in its listener's `embryonic` set.
    var embryonic = false
    /// Counted against the stack's budget while the box lives (its buffers count as they grow).
    let budget: MemoryBudget?
    /// A connection record's own memory (the struct, its small arrays, the tables' entries), counted
    /// against the budget as a whole; its buffers count as they grow.
    static let recordBytes = 2048

    /// `budget` must have granted `recordBytes` already (`NetworkStack.reserveConnection`).
    init(_ tcb: TCPConnection, budget: MemoryBudget? = nil) {
        self.tcb = tcb
        self.budget = budget
    }

    deinit {
        guard let budget else { return }
        budget.release(TCPConnectionBox.recordBytes + tcb.bufferBytesAllocated)
    }

    // Read-only calls on `tcb` through a class reference copy the whole struct first (callgrind: 420
    // instructions and a retain per array, twice per segment). A mutating call gets the stored struct
    // in place (an exclusive access), so these two go through mutating wrappers.
    var nextDeadline: Instant { tcb.nextDeadlineInPlace() }
    var readiness: TCPReadiness { tcb.readinessInPlace() }
}

/// What a task waiting on a connection asks of it, read in place (`NetworkStack.tcpReadiness`): a
/// `TCPConnection` returned by value is a copy of the whole struct, two per request on the tap target.
public struct TCPReadiness: Sendable {
    public var readable: Int
    public var sendSpace: Int
    public var atEndOfStream: Bool
    public var failed: Bool
    public var closed: Bool
}

/// A segment taken from a connection with its data as bytes (`drainOutbox`).
public struct TCPOutgoing: Sendable {
    public var header: TCPHeader
    public var payload: [UInt8]

    /// Bytes of data the segment carries.
    public var payloadLength: Int { payload.count }
}

/// A segment waiting in a connection's outbox, until `sendOutbox` hands it to the stack. Its data is
/// named in the send queue (`dataOffset` from `sendQueueSeq`, `dataLength` bytes), so that sending copies
/// it once, straight into the frame. If the queue is about to drop those bytes while the segment still
/// waits (acknowledged in the meantime), the segment takes a copy first (`holdOutboxData`, into `held`),
/// so no offset ever goes stale. Plain fields rather than an enum: copying an enum with an array payload
/// goes through value witnesses, a cost on every segment.
struct TCPPendingSegment {
    var header: TCPHeader
    var dataOffset = 0
    var dataLength = 0
    /// The data, once copied out of the send queue; empty while it is still there.
    var held: [UInt8] = []
}

public struct TCPConnection {
    public internal(set) var state: TCPState
    public let local: TCPEndpoint
    public let remote: TCPEndpoint
    let configuration: TCPConfiguration

    // Send sequence space (RFC 9293 §3.3.1).
    let iss: TCPSequenceNumber
    var sndUna: TCPSequenceNumber
    var sndNxt: TCPSequenceNumber
    /// The highest sequence number sent so far (sndNxt goes back to sndUna after a timeout).
    var sndMax: TCPSequenceNumber
    /// The end of the latest segment sent shorter than the MSS: Nagle holds a small segment only while such
    /// a one is unacknowledged (Minshall's variant, as Linux: a response's short tail after full segments
    /// goes at once, instead of waiting for the peer's delayed ACK).
    var sndSmall: TCPSequenceNumber
    var sndWnd = 0
    var sndWl1 = TCPSequenceNumber(0)
    var sndWl2 = TCPSequenceNumber(0)
    var maxSendWindow = 0
    var sendQueue: ByteQueue
    var sendQueueSeq: TCPSequenceNumber
    var finQueued = false
    var finAcked = false

    // Receive sequence space.
    var irs = TCPSequenceNumber(0)
    var rcvNxt = TCPSequenceNumber(0)
    var receiveQueue: ByteQueue
    var outOfOrder: OutOfOrderRanges
    /// Out-of-order segments dropped because they would have opened a hole beyond the cap.
    public internal(set) var outOfOrderDrops = 0
    /// Segments (or parts) dropped because the stack's memory budget refused the receive ring's growth.
    public internal(set) var memoryDrops = 0
    var remoteFin: TCPSequenceNumber? = nil
    public internal(set) var finReceived = false
    /// Right edge of the window we advertised; never moved left (RFC 9293 §3.8.6.2.1).
    var rcvAdvertisedEdge = TCPSequenceNumber(0)
    /// Most recently changed out-of-order block first, for SACK (RFC 2018 §4).
    var recentBlocks: [SACKBlock] = []

    // Negotiated options.
    var sendMSS: Int
    var sendScale: UInt8 = 0
    var receiveScale: UInt8 = 0
    var timestampsEnabled = false
    var sackEnabled = false
    var tsRecent: UInt32 = 0
    let tsOffset: UInt32
    /// With SACK: every segment in flight, with its send time and what the peer said of it (RFC 6675
    /// scoreboard, RFC 8985 per-segment state).
    var sent: SentSegments
    /// RACK's time-based loss detection (RFC 8985 §6) and its reordering timer.
    var rack = RACK()
    var rackDeadline: Instant? = nil
    /// The last 16 ranges sent again, to tell a D-SACK of a needless retransmission from a link duplicate.
    var recentRetransmissions: [SACKBlock] = []
    /// A D-SACK block (RFC 2883) to report first in the next ACK: a segment arrived that we already had.
    var duplicateReport: SACKBlock? = nil

    // Timers (absolute deadlines; nil when not running).
    var rto: RetransmissionTimer
    var retransmitDeadline: Instant? = nil
    var retransmissions = 0
    var rttProbe: (sequence: TCPSequenceNumber, sent: Instant)? = nil
    var persistDeadline: Instant? = nil
    var ackDeadline: Instant? = nil
    var timeWaitDeadline: Instant? = nil
    var keepAliveDeadline: Instant? = nil
    var keepAliveProbesSent = 0
    var connectDeadline: Instant? = nil
    /// FIN-WAIT-2 of a connection the application closed: it ends at this instant if the peer never
    /// sends its FIN (`finWait2Timeout`).
    var finWait2Deadline: Instant? = nil
    /// Since when data (or a window probe) has waited without progress: nothing new acknowledged and
    /// the window never opened. After `userTimeout` of that the connection is given up (RFC 5482).
    var stalledSince: Instant? = nil
    /// When TIME-WAIT began (its restarts are capped).
    var timeWaitStarted: Instant? = nil
    var lastReceived: Instant
    /// The application closed the connection and will not read again (Linux's "orphan").
    public internal(set) var orphaned = false

    // ACK generation.
    var segmentsSinceAck = 0
    /// In-order segments still to be acknowledged at once, not delayed: after data arrived out of order
    /// the sender is recovering, and each ACK it waits 40 ms for is a round trip's worth of sending lost
    /// (Linux's quick-ACK mode does the same for 16 segments).
    var quickAcks = 0
    static let quickAcksAfterDisorder = 16
    var ackNow = false
    var synNeedsSending = false

    // Congestion control and loss recovery.
    var congestion: CongestionController
    /// With BBR (and SACK): its model and state; `congestion` then only holds the window BBR sets.
    var bbr: BBRBox? = nil
    /// `bbr != nil`, as a plain flag: the hot paths test it without copying the optional.
    var usesBBR = false
    /// Pacing (BBR): the earliest instant the next segment may go, and the timer waiting for it.
    var pacingNext = Instant.zero
    var pacingDeadline: Instant? = nil
    var duplicateAcks = 0
    /// Set while in loss recovery (fast recovery, or after a timeout): SND.MAX when it began.
    var recoveryPoint: TCPSequenceNumber? = nil
    /// Fast recovery with SACK: Proportional Rate Reduction's counts (RFC 6937). nil otherwise.
    var prr: PRR? = nil
    /// The recovery began with a retransmission timeout (the window grows by slow start in it).
    var timeoutRecovery = false
    /// F-RTO (RFC 5682 §3) after a timeout: waiting for the first ACK, or for the one after two new segments.
    var forwardRTO: ForwardRTOPhase? = nil
    enum ForwardRTOPhase { case firstAck, secondAck }
    /// F-RTO step 2b: bytes of new data the next `output` sends instead of retransmissions.
    var forwardRTONewData = 0
    var forwardRTOSentNew = false
    /// RFC 3042 limited transmit (without SACK): bytes beyond the congestion window allowed by the first
    /// two duplicate ACKs. With SACK the pipe does this: each SACKed segment leaves it.
    var limitedTransmit = 0
    /// The retransmission timer is armed as a tail loss probe (RFC 8985 §7), not yet as the RTO.
    var probeArmed = false
    /// A probe went out and no ACK has advanced since: the next expiry is a real timeout.
    var probeSent = false
    /// Duplicate ACKs that mean loss without SACK (RFC 5681 DupThresh); with SACK, RACK decides by time.
    let duplicateThreshold = 3
    /// The congestion state before the current or latest recovery, kept until D-SACKs tell whether that
    /// recovery was spurious (RFC 2883 §5, Eifel response RFC 4015): then it is restored.
    var undo: (saved: CongestionController, retransmitted: [SACKBlock], dsacked: Int)? = nil
    /// Our timestamp on the first retransmission of the current fast recovery (Eifel detection, RFC 3522).
    var recoveryRetransmitStamp: UInt32? = nil
    /// Recoveries undone as spurious (diagnostics).
    public internal(set) var spuriousRecoveries = 0
    /// Tail loss probes sent (diagnostics).
    public internal(set) var tailLossProbes = 0
    /// Retransmission timeouts, and those F-RTO found spurious and undid (diagnostics).
    public internal(set) var timeouts = 0
    /// Fast recoveries entered, and retransmissions the peer reported as duplicates (D-SACK) (diagnostics).
    public internal(set) var fastRecoveries = 0
    public internal(set) var needlessRetransmissions = 0
    /// RACK's reordering window multiplier and whether it has seen reordering (diagnostics).
    public var reorderWindowMultiplier: Int { rack.windowMultiplier }
    public var reorderingSeen: Bool { rack.reorderingSeen }
    public var congestionWindow: Int { congestion.window }
    public internal(set) var spuriousTimeouts = 0

    /// Segments to send, oldest first; `sendOutbox` empties it.
    var outbox: [TCPPendingSegment] = []
    /// How many segments wait in the outbox, and the sequence number of the newest (for the fuzzer, which
    /// aims its ACKs near what the connection sent).
    public var queuedSegmentCount: Int { outbox.count }
    public var newestQueuedSequence: TCPSequenceNumber? { outbox.last?.header.sequenceNumber }
    public internal(set) var error: TCPError? = nil
    /// Counters for tests and diagnostics.
    public internal(set) var retransmittedSegments = 0
    public internal(set) var challengeAcks = 0

    init(state: TCPState, local: TCPEndpoint, remote: TCPEndpoint, iss: TCPSequenceNumber, tsOffset: UInt32,
         configuration: TCPConfiguration, budget: MemoryBudget? = nil, now: Instant) {
        self.state = state
        self.local = local
        self.remote = remote
        self.configuration = configuration
        self.iss = iss
        sndUna = iss
        sndNxt = iss
        sndMax = iss
        sndSmall = iss
        sendQueue = ByteQueue(capacity: configuration.sendBufferSize, budget: budget)
        sendQueueSeq = iss + 1
        receiveQueue = ByteQueue(capacity: configuration.receiveBufferSize, budget: budget)
        outOfOrder = OutOfOrderRanges(limit: configuration.maximumOutOfOrderRanges)
        sent = SentSegments(sendBufferSize: configuration.sendBufferSize, budget: budget)
        sendMSS = 536  // RFC 9293 §3.7.1 default until the peer says otherwise
        self.tsOffset = tsOffset
        rto = RetransmissionTimer(initial: configuration.initialRetransmissionTimeout,
                                  minimum: configuration.minimumRetransmissionTimeout,
                                  maximum: configuration.maximumRetransmissionTimeout)
        congestion = CongestionController(algorithm: configuration.congestionControl == .bbr ? .cubic : configuration.congestionControl, mss: 536)
        lastReceived = now
        if configuration.windowScaling { receiveScale = TCPConnection.receiveScale(for: configuration) }
    }

    /// Our window scale: the smallest shift that lets the receive buffer be advertised (RFC 7323 §2.3).
    static func receiveScale(for configuration: TCPConfiguration) -> UInt8 {
        var shift: UInt8 = 0
        while shift < 14 && configuration.receiveBufferSize >> Int(shift) > 0xFFFF { shift += 1 }
        return shift
    }

    /// Active open (RFC 9293 §3.10.1): SYN-SENT, with the SYN in the outbox.
    public static func connect(local: TCPEndpoint, remote: TCPEndpoint, iss: TCPSequenceNumber, tsOffset: UInt32,
                               configuration: TCPConfiguration, budget: MemoryBudget? = nil, now: Instant) -> TCPConnection {
        var c = TCPConnection(state: .synSent, local: local, remote: remote, iss: iss, tsOffset: tsOffset,
                              configuration: configuration, budget: budget, now: now)
        c.connectDeadline = now + configuration.connectTimeout
        c.synNeedsSending = true
        c.output(now: now)
        return c
    }

    /// Passive open: a listener received `syn`; SYN-RECEIVED, with the SYN-ACK in the outbox.
    public static func accept(_ syn: TCPHeader, local: TCPEndpoint, remote: TCPEndpoint, iss: TCPSequenceNumber,
                              tsOffset: UInt32, configuration: TCPConfiguration, budget: MemoryBudget? = nil,
                              now: Instant) -> TCPConnection {
        var c = TCPConnection(state: .synReceived, local: local, remote: remote, iss: iss, tsOffset: tsOffset,
                              configuration: configuration, budget: budget, now: now)
        c.irs = syn.sequenceNumber
        c.rcvNxt = syn.sequenceNumber + 1
        c.rcvAdvertisedEdge = c.rcvNxt
        c.negotiate(syn.options)
        c.sndWnd = Int(syn.window)  // never scaled in a SYN (RFC 7323 §2.2)
        c.sndWl1 = syn.sequenceNumber
        c.maxSendWindow = c.sndWnd
        c.connectDeadline = now + configuration.connectTimeout
        c.synNeedsSending = true
        c.output(now: now)
        return c
    }

    /// Passive open from a valid SYN cookie (RFC 4987 §3.6): the handshake's third segment `ack` came back
    /// for a SYN-ACK sent without keeping state; what that SYN-ACK negotiated is in `cookie`. ESTABLISHED.
    static func acceptCookie(_ ack: TCPHeader, cookie: SYNCookie.Decoded, local: TCPEndpoint, remote: TCPEndpoint,
                             tsOffset: UInt32, configuration: TCPConfiguration, budget: MemoryBudget?,
                             now: Instant) -> TCPConnection {
        let iss = ack.acknowledgmentNumber - 1
        var c = TCPConnection(state: .synReceived, local: local, remote: remote, iss: iss, tsOffset: tsOffset,
                              configuration: configuration, budget: budget, now: now)
        c.irs = ack.sequenceNumber - 1
        c.rcvNxt = ack.sequenceNumber
        var options = TCPOptions(maximumSegmentSize: cookie.mss)
        options.windowScale = cookie.windowScale
        options.sackPermitted = cookie.sackPermitted
        if cookie.timestamps, let ts = ack.options.timestamps { options.timestamps = ts }
        c.negotiate(options)
        // The window the SYN-ACK advertised (never scaled in a SYN).
        c.rcvAdvertisedEdge = c.rcvNxt + min(c.advertisableWindow, 0xFFFF)
        c.sndNxt = iss + 1
        c.sndMax = iss + 1
        c.sndWl1 = ack.sequenceNumber
        c.sendQueueSeq = iss + 1
        c.handshakeCompleted(ack, windowScaled: true, now: now)
        return c
    }

    // MARK: - Application side

    /// Bytes the application can still queue.
    public var sendSpace: Int { state.canSend && !finQueued ? sendQueue.writable : 0 }

    /// Queues bytes for sending; returns how many were taken (0 when the buffer is full).
    public mutating func write(_ bytes: Span<UInt8>, now: Instant) -> Int {
        guard state.canSend || state == .synSent || state == .synReceived, !finQueued else { return 0 }
        let n = sendQueue.append(bytes)
        if n > 0 { output(now: now) }
        return n
    }

    /// Bytes received in order and not yet read.
    public var readable: Int { receiveQueue.count }

    /// Holes out-of-order data is held around (at most `maximumOutOfOrderRanges`).
    public var outOfOrderRangeCount: Int { outOfOrder.count }

    /// Bytes of memory the connection's send and receive buffers hold now (what the stack's budget counts).
    public var bufferBytesAllocated: Int { sendQueue.allocated + receiveQueue.allocated + sent.allocatedBytes }

    /// True when the peer closed its side and every byte has been read.
    public var atEndOfStream: Bool { finReceived && receiveQueue.isEmpty }

    /// Removes up to `maximum` received bytes. Sends a window update when reading opened the window a lot.
    public mutating func read(_ maximum: Int, now: Instant) -> [UInt8] {
        let before = advertisableWindow
        let bytes = receiveQueue.read(maximum)
        if receiveQueue.isEmpty, state == .timeWait || state == .closed { receiveQueue.release() }
        // RFC 9293 §3.8.6.2.2 receiver SWS avoidance: announce when the window grew by ≥ min(MSS, buffer/2).
        let grown = advertisableWindow - before
        if !bytes.isEmpty, state.isSynchronized, grown >= min(configuration.maximumSegmentSize, configuration.receiveBufferSize / 2),
           currentWindowEdge > rcvAdvertisedEdge {
            ackNow = true
            output(now: now)
        }
        return bytes
    }

    /// Half-close: no more data from us; a FIN follows the queued bytes (RFC 9293 §3.10.4).
    public mutating func shutdownWrite(now: Instant) {
        switch state {
        case .synSent, .synReceived:
            // RFC 9293 §3.10.4: queue the FIN until ESTABLISHED; the handshake then goes to FIN-WAIT-1.
            finQueued = true
        case .established:
            finQueued = true
            state = .finWait1
        case .closeWait:
            finQueued = true
            state = .lastAck
        default:
            return
        }
        output(now: now)
    }

    /// Close: the FIN as for half-close, and the application will not read again (an orphan): data that
    /// arrives later draws a reset, and FIN-WAIT-2 lasts at most `finWait2Timeout`.
    public mutating func close(now: Instant) {
        orphaned = true
        // Nothing will read again: the receive ring, in order and out of order, is given back now.
        receiveQueue.drop(receiveQueue.count)
        outOfOrder.removeAll()
        recentBlocks = []
        receiveQueue.discardBeyondCount()
        receiveQueue.release()
        shutdownWrite(now: now)
        if state == .finWait2 { enterFinWait2(now: now) }
        if state == .timeWait || state == .closed { releaseBuffers() }
    }

    /// Abort (RFC 9293 §3.10.5): RST to the peer in synchronized states, drop everything.
    public mutating func abort(now: Instant) {
        if state.isSynchronized || state == .synReceived {
            outbox.append(TCPPendingSegment(header: TCPHeader(sourcePort: local.port, destinationPort: remote.port,
                                                              sequenceNumber: sndNxt, flags: .rst, window: 0)))
        }
        terminate(.aborted)
    }

    /// Empties the outbox through `send`, oldest segment first: each segment's header, the number of data
    /// bytes it carries, and a function that copies those bytes into a frame at an offset (call it before
    /// `send` returns). The one way segments leave a connection; the stack writes the headers around the data.
    @inline(__always)
    mutating func sendOutbox(_ send: (TCPHeader, Int, (inout MutableSpan<UInt8>, Int) -> Void) -> Void) {
        var i = 0
        while i < outbox.count {
            let offset = outbox[i].dataOffset, length = outbox[i].dataLength
            if !outbox[i].held.isEmpty {
                let held = outbox[i].held
                send(outbox[i].header, length) { frame, at in Audited.copy(held.span, into: &frame, at: at) }
            } else if length > 0 {
                send(outbox[i].header, length) { frame, at in sendQueue.copy(offset: offset, length: length, into: &frame, at: at) }
            } else {
                send(outbox[i].header, 0) { _, _ in }
            }
            i += 1
        }
        outbox.removeAll(keepingCapacity: true)
    }

    /// Takes the segments to send, each with its data as a byte array (for callers that keep segments,
    /// such as tests; the stack uses `sendOutbox`).
    public mutating func drainOutbox() -> [TCPOutgoing] {
        var segments: [TCPOutgoing] = []
        sendOutbox { header, length, write in
            var bytes = [UInt8](repeating: 0, count: length)
            var span = bytes.mutableSpan
            write(&span, 0)
            segments.append(TCPOutgoing(header: header, payload: bytes))
        }
        return segments
    }

    /// Gives each waiting segment that names send-queue bytes its own copy of them. Runs before the send
    /// queue drops bytes, so no waiting segment's offset goes stale.
    mutating func holdOutboxData() {
        for i in outbox.indices {
            if outbox[i].dataLength > 0, outbox[i].held.isEmpty {
                outbox[i].held = sendQueue.copy(offset: outbox[i].dataOffset, length: outbox[i].dataLength)
                outbox[i].dataOffset = -1  // names nothing in the queue any more
            }
        }
    }

    /// `nextDeadline` and `readiness` for `TCPConnectionBox`: mutating only so that a caller holding the
    /// connection in a class gets it in place instead of a copy. They change nothing.
    mutating func nextDeadlineInPlace() -> Instant { nextDeadline }
    mutating func readinessInPlace() -> TCPReadiness {
        TCPReadiness(readable: readable, sendSpace: sendSpace, atEndOfStream: atEndOfStream, failed: error != nil, closed: state == .closed)
    }

    /// True once the connection holds no state worth keeping (the stack then forgets it).
    public var isClosed: Bool { state == .closed && outbox.isEmpty }

    mutating func terminate(_ reason: TCPError?) {
        if let reason, error == nil { error = reason }
        state = .closed
        retransmitDeadline = nil
        persistDeadline = nil
        ackDeadline = nil
        timeWaitDeadline = nil
        keepAliveDeadline = nil
        connectDeadline = nil
        pacingDeadline = nil
        outOfOrder.removeAll()
        receiveQueue.discardBeyondCount()
        finWait2Deadline = nil
        stalledSince = nil
        holdOutboxData()
        sendQueue.drop(sendQueue.count)
        if reason != nil || orphaned { receiveQueue.drop(receiveQueue.count) }
        releaseBuffers()
    }

    /// Gives back the rings' storage once nothing is left in them (TIME-WAIT and CLOSED keep none).
    mutating func releaseBuffers() {
        if sendQueue.isEmpty { sendQueue.release() }
        if receiveQueue.isEmpty { receiveQueue.release() }
        sent.release()
        rackDeadline = nil
        pacingDeadline = nil
        recentRetransmissions = []
        recentBlocks = []
        undo = nil
    }

    // MARK: - Time

    /// The earliest deadline among the running timers.
    /// (Compared one by one: a loop over an array literal of them would allocate an array per call, three
    /// times a segment.)
    public var nextDeadline: Instant {
        var t = Instant.distantFuture
        if let d = retransmitDeadline, d < t { t = d }
        if let d = persistDeadline, d < t { t = d }
        if let d = ackDeadline, d < t { t = d }
        if let d = timeWaitDeadline, d < t { t = d }
        if let d = keepAliveDeadline, d < t { t = d }
        if let d = connectDeadline, d < t { t = d }
        if let d = finWait2Deadline, d < t { t = d }
        if let d = rackDeadline, d < t { t = d }
        if let d = pacingDeadline, d < t { t = d }
        if let s = stalledSince, let u = configuration.userTimeout, s + u < t { t = s + u }
        return t
    }

    /// Fires due timers.
    public mutating func poll(now: Instant) {
        if let d = timeWaitDeadline, d <= now { terminate(nil); return }
        if let d = connectDeadline, d <= now, state == .synSent || state == .synReceived { terminate(.timedOut); return }
        if let d = finWait2Deadline, d <= now, state == .finWait2 { terminate(.timedOut); return }
        if let s = stalledSince, let u = configuration.userTimeout, s + u <= now {
            // RFC 5482 / RFC 1122 R2: no progress for the user timeout; tell the peer, if it listens.
            sendReset(sequence: sndNxt)
            terminate(.timedOut)
            return
        }
        if let d = rackDeadline, d <= now { reorderTimeout(now: now) }
        if let d = retransmitDeadline, d <= now { retransmissionTimeout(now: now) }
        if let d = persistDeadline, d <= now { persistTimeout(now: now) }
        if let d = ackDeadline, d <= now { ackDeadline = nil; ackNow = true }
        if let d = keepAliveDeadline, d <= now { keepAliveTimeout(now: now) }
        if let d = pacingDeadline, d <= now { pacingDeadline = nil }
        output(now: now)
    }

    mutating func enterTimeWait(now: Instant) {
        state = .timeWait
        retransmitDeadline = nil
        persistDeadline = nil
        keepAliveDeadline = nil
        finWait2Deadline = nil
        stalledSince = nil
        timeWaitDeadline = now + configuration.maximumSegmentLifetime * 2
        timeWaitStarted = now
        releaseBuffers()
    }

    /// FIN-WAIT-2: our FIN is acknowledged; for an orphan, the peer's FIN has `finWait2Timeout` to come.
    mutating func enterFinWait2(now: Instant) {
        state = .finWait2
        stalledSince = nil
        if orphaned, finWait2Deadline == nil { finWait2Deadline = now + configuration.finWait2Timeout }
    }

    // MARK: - Options

    /// Applies the peer's SYN options; ours were (or will be) offered in our SYN.
    mutating func negotiate(_ options: TCPOptions) {
        let peerMSS = Int(options.maximumSegmentSize ?? 536)
        if configuration.windowScaling, let ws = options.windowScale {
            sendScale = min(ws, 14)  // RFC 7323 §2.3: treat larger shifts as 14
        } else {
            sendScale = 0
            receiveScale = 0
        }
        timestampsEnabled = configuration.timestamps && options.timestamps != nil
        if let ts = options.timestamps { tsRecent = ts.value }
        sackEnabled = configuration.selectiveAcknowledgments && options.sackPermitted
        // Effective send MSS: the peer's limit, ours, minus the timestamp option on every segment.
        sendMSS = max(64, min(peerMSS, configuration.maximumSegmentSize) - (timestampsEnabled ? 12 : 0))
        let algorithm = configuration.congestionControl
        congestion = CongestionController(algorithm: algorithm == .bbr ? .cubic : algorithm, mss: sendMSS)
        bbr = algorithm == .bbr && sackEnabled ? BBRBox(BBR(mss: sendMSS, initialWindow: congestion.window)) : nil
        usesBBR = bbr != nil
        sent.sampling = usesBBR
    }

    /// What counts as progress for the user timeout: an MSS acknowledged, or the window opening by one
    /// (half the largest window, if the peer's windows are smaller; never under 64 bytes).
    var progressQuantum: Int { min(sendMSS, max(64, maxSendWindow / 2)) }

    /// Bytes of receive buffer not holding in-order data: out-of-order bytes already sit at their place
    /// inside this window.
    var advertisableWindow: Int {
        max(0, configuration.receiveBufferSize - receiveQueue.count)
    }

    /// rcvNxt + the window we could advertise now.
    var currentWindowEdge: TCPSequenceNumber { rcvNxt + advertisableWindow }
}
