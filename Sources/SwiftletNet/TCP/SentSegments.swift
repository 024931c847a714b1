// SwiftletNet: the sender's record of every segment in flight, for SACK loss recovery with RACK
// (RFC 8985 §5.2 "per-segment variables", RFC 6675 §3 scoreboard).
//
// One record per transmitted range of sequence space from SND.UNA to SND.MAX, in sequence order and
// contiguous: its last transmission time, and whether the peer SACKed it, it is deemed lost (and not yet
// sent again), it is a retransmission still in flight, or it was ever retransmitted (which makes its
// acknowledgment ambiguous, RFC 8985 §6.2 step 2). The pipe (RFC 6675 SetPipe) follows from counters kept
// as flags change, in constant time: bytes in flight, less SACKed and lost bytes, plus retransmissions in
// flight.
//
// Bounds: at most `limit` records (one per 512 bytes of send buffer, plus 64: 576, about 18 KiB, for the
// default 256 KiB), each growth of the storage asked of the stack's memory budget. A segment that would
// need one more record than allowed is merged into the last record (when that one is plain, sent once and
// not SACKed), or waits for ACKs: loss detection is then coarser (a SACK of part of a merged record is not
// recorded, so a loss in it resends all of it), never wrong about which bytes are outstanding.

import Swiftlet
import SwiftletWire

struct SentSegment {
    var start: TCPSequenceNumber
    var end: TCPSequenceNumber
    /// When it was (last) transmitted.
    var sent: Instant
    var flags: UInt8 = 0
    /// The connection's delivery counters when it was (last) sent, for its delivery-rate sample
    /// (`DeliveryRate`): bytes delivered so far, and when the latest of them was delivered and when the
    /// segment whose delivery that was went out (both in microseconds). 32-bit and wrapping: only their
    /// differences, far below 2^31, are used.
    var delivered: UInt32 = 0
    var deliveredAt: UInt32 = 0
    var firstSentAt: UInt32 = 0

    static let sacked: UInt8 = 1
    static let lost: UInt8 = 2
    /// A retransmission not yet acknowledged, SACKed or deemed lost again (counts once more in the pipe).
    static let retransmittedInFlight: UInt8 = 4
    static let everRetransmitted: UInt8 = 8
    /// Sent while the application had nothing more to send: its rate sample says little of the path.
    static let applicationLimited: UInt8 = 16

    var length: Int { end - start }
    func has(_ flag: UInt8) -> Bool { flags & flag != 0 }
    var isSacked: Bool { has(SentSegment.sacked) }
    var isLost: Bool { has(SentSegment.lost) }
    var wasRetransmitted: Bool { has(SentSegment.everRetransmitted) }
}

struct SentSegments {
    /// The most records: one per 512 bytes of send buffer, plus 64 (576 for 256 KiB, about 18 KiB), so
    /// that even segments of a 536-byte MSS each keep a record of their own.
    let limit: Int
    /// Records per growth of the storage, each growth reserved from the budget.
    static let growth = 32
    static let recordBytes = 32

    private var storage: [SentSegment] = []
    private var head = 0
    private var reservedRecords = 0
    let budget: MemoryBudget?
    /// With BBR: the connection's delivery counters, which every record is stamped with when sent and
    /// which every delivery advances (DeliveryRate.swift). Off, neither costs anything.
    var sampling = false
    var rate = DeliveryRate()

    /// Bytes SACKed, deemed lost (and not resent), and resent and still in flight, over all records.
    private(set) var sackedBytes = 0
    private(set) var lostBytes = 0
    private(set) var retransmittedBytes = 0
    /// Records deemed lost and not resent.
    private(set) var lostCount = 0
    /// The last transmission's time. Transmissions get strictly increasing times (a nanosecond apart when
    /// the clock has not moved), so that "sent after" is the order they went out in: a retransmission
    /// made in the same instant as new data with higher sequence numbers must not count as sent before it.
    private var lastSent = Instant.zero

    private mutating func stamp(_ now: Instant) -> Instant {
        lastSent = now > lastSent ? now : lastSent + .nanoseconds(1)
        return lastSent
    }

    init(sendBufferSize: Int, budget: MemoryBudget?) {
        limit = min(8192, sendBufferSize / 512 + 64)
        self.budget = budget
    }

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }
    var allocatedBytes: Int { reservedRecords * SentSegments.recordBytes }
    var first: SentSegment? { isEmpty ? nil : storage[head] }
    var last: SentSegment? { isEmpty ? nil : storage[storage.count - 1] }
    subscript(i: Int) -> SentSegment { storage[head + i] }

    /// RFC 6675 SetPipe over records: outstanding bytes not SACKed and not lost, plus retransmissions in flight.
    func pipe(outstanding: Int) -> Int { max(0, outstanding - sackedBytes - lostBytes + retransmittedBytes) }

    // MARK: - Transmissions

    /// Whether a new segment starting at `start` can be recorded (`append`): a record is free or can be
    /// had from the budget, or the last record can take it. When not, the sender waits for ACKs.
    mutating func canAppend(_ start: TCPSequenceNumber) -> Bool {
        if let l = last, l.flags & ~SentSegment.applicationLimited == 0, l.end == start { return true }
        return grow(compacting: true)
    }

    /// A new segment [start, end) went out at `now` (start is the last record's end; `canAppend` said yes).
    /// When sampling, the new record is stamped with the delivery counters (a merged record keeps its own).
    mutating func append(_ start: TCPSequenceNumber, _ end: TCPSequenceNumber, now: Instant) {
        let idle = isEmpty
        let now = stamp(now)
        if grow(compacting: true) {
            var r = SentSegment(start: start, end: end, sent: now)
            if sampling { rate.stamp(&r, idle: idle, now: now) }
            storage.append(r)
        } else if let l = last, l.flags & ~SentSegment.applicationLimited == 0, l.end == start {
            storage[storage.count - 1].end = end
            storage[storage.count - 1].sent = now
        }
    }

    /// Makes room for one more record; false when the cap or the budget says no. The first `growth`
    /// records are part of the connection's own record (`TCPConnectionBox.recordBytes`).
    private mutating func grow(compacting: Bool) -> Bool {
        if compacting, head > 0, head * 2 >= storage.count { compact() }
        let capacity = min(limit, reservedRecords + SentSegments.growth)
        if count < capacity { return true }
        guard capacity < limit else { return false }
        let step = min(SentSegments.growth, limit - capacity)
        if let budget, !budget.reserve(step * SentSegments.recordBytes) { return false }
        reservedRecords += step
        return true
    }

    private mutating func compact() {
        storage.removeFirst(head)
        head = 0
    }

    /// [start, end) was sent again at `now`: its records are split at the edges if need be, no longer
    /// lost, and in flight once more.
    /// When sampling, they are stamped afresh with the delivery counters.
    mutating func retransmitted(_ start: TCPSequenceNumber, _ end: TCPSequenceNumber, now: Instant) {
        guard let range = split(start, end, includeUnsplit: true) else { return }
        let now = stamp(now)
        for i in range {
            var r = storage[i]
            if r.isSacked { continue }
            if r.isLost { lostBytes -= r.length; lostCount -= 1 }
            if !r.has(SentSegment.retransmittedInFlight) { retransmittedBytes += r.length }
            r.flags = (r.flags & ~SentSegment.lost) | SentSegment.retransmittedInFlight | SentSegment.everRetransmitted
            r.sent = now
            if sampling { rate.stamp(&r, idle: false, now: now) }
            storage[i] = r
        }
    }

    // MARK: - Acknowledgments

    /// Removes the records the cumulative ACK covers (trimming one it covers in part), calling `delivered`
    /// with each record (before removal) that was not SACKed before and the bytes of it now delivered
    /// (when sampling, also counted as delivered at `now`).
    mutating func acknowledge(through ack: TCPSequenceNumber, now: Instant, _ delivered: (SentSegment, Int) -> Void) {
        while head < storage.count, storage[head].start < ack {
            let r = storage[head]
            if r.end <= ack {
                if !r.isSacked {
                    if sampling { rate.delivered(r, bytes: r.length, now: now) }
                    delivered(r, r.length)
                }
                clearCounts(r)
                head += 1
            } else {
                let gone = ack - r.start
                if !r.isSacked {
                    if sampling { rate.delivered(r, bytes: gone, now: now) }
                    delivered(r, gone)
                } else { sackedBytes -= gone }
                if r.isLost { lostBytes -= gone }
                if r.has(SentSegment.retransmittedInFlight) { retransmittedBytes -= gone }
                storage[head].start = ack
                break
            }
        }
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= SentSegments.growth, head * 2 >= storage.count {
            compact()  // records already acknowledged do not linger in the storage
        }
    }

    /// Marks the records inside [left, right) SACKed (splitting at the edges), calling `delivered` with each
    /// newly SACKed one (when sampling, also counted as delivered at `now`).
    mutating func sack(_ left: TCPSequenceNumber, _ right: TCPSequenceNumber, now: Instant, _ delivered: (SentSegment) -> Void) {
        guard let range = split(left, right) else { return }
        for i in range where !storage[i].isSacked {
            let r = storage[i]
            clearCounts(r)
            storage[i].flags = (r.flags & SentSegment.everRetransmitted) | SentSegment.sacked
            sackedBytes += r.length
            if sampling { rate.delivered(r, bytes: r.length, now: now) }
            delivered(r)
        }
    }

    /// Deems record `i` (relative to the first) lost: it leaves the pipe until it is sent again.
    mutating func markLost(_ i: Int) {
        let j = head + i
        let r = storage[j]
        guard !r.isSacked, !r.isLost else { return }
        if r.has(SentSegment.retransmittedInFlight) { retransmittedBytes -= r.length }
        storage[j].flags = (r.flags & ~SentSegment.retransmittedInFlight) | SentSegment.lost
        lostBytes += r.length
        lostCount += 1
    }

    /// The peer reneged: nothing it SACKed counts any more.
    mutating func forgetSACKs() {
        for j in head..<storage.count where storage[j].isSacked { storage[j].flags &= ~SentSegment.sacked }
        sackedBytes = 0
    }

    /// A timeout was spurious: the segments marked lost are in flight after all.
    mutating func forgetLosses() {
        for j in head..<storage.count where storage[j].isLost { storage[j].flags &= ~SentSegment.lost }
        lostBytes = 0
        lostCount = 0
    }

    /// The first record the peer has not SACKed (relative index), or nil.
    var firstUnsacked: Int? {
        var j = head
        while j < storage.count, storage[j].isSacked { j += 1 }
        return j < storage.count ? j - head : nil
    }

    /// The first record deemed lost and not yet resent, as an index relative to the first record.
    func firstLost(from i: Int = 0) -> Int? {
        guard lostCount > 0 else { return nil }
        var j = head + i
        while j < storage.count {
            if storage[j].isLost { return j - head }
            j += 1
        }
        return nil
    }

    /// Forgets everything (the connection ended, or its buffers are released); gives the budget back.
    mutating func release() {
        storage = []
        head = 0
        budget?.release(allocatedBytes)
        reservedRecords = 0
        sackedBytes = 0
        lostBytes = 0
        retransmittedBytes = 0
        lostCount = 0
    }

    private mutating func clearCounts(_ r: SentSegment) {
        if r.isSacked { sackedBytes -= r.length }
        if r.isLost { lostBytes -= r.length; lostCount -= 1 }
        if r.has(SentSegment.retransmittedInFlight) { retransmittedBytes -= r.length }
    }

    /// The storage indices of the records inside [left, right), splitting the records that straddle an
    /// edge. When the cap allows no split, a straddling record stays whole: outside the range (a SACK
    /// must not claim bytes the peer did not report), or, with `includeUnsplit` (a retransmission: bytes
    /// sent again), inside it.
    private mutating func split(_ left: TCPSequenceNumber, _ right: TCPSequenceNumber, includeUnsplit: Bool = false) -> Range<Int>? {
        guard !isEmpty, left < right else { return nil }
        var lo = index(containing: left)
        guard lo < storage.count else { return nil }
        if storage[lo].start < left, !splitRecord(lo, at: left) {
            if !includeUnsplit { lo += 1 }
        } else if storage[lo].start < left {
            lo += 1
        }
        var hi = lo
        while hi < storage.count, storage[hi].end <= right { hi += 1 }
        if hi < storage.count, storage[hi].start < right, splitRecord(hi, at: right) || includeUnsplit { hi += 1 }
        return lo < hi ? lo..<hi : nil
    }

    /// The storage index of the first record whose end lies beyond `seq` (binary search).
    private func index(containing seq: TCPSequenceNumber) -> Int {
        var lo = head, hi = storage.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if storage[mid].end <= seq { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Splits record `j` into [start, at) and [at, end) with the same flags and time.
    private mutating func splitRecord(_ j: Int, at seq: TCPSequenceNumber) -> Bool {
        guard storage[j].start < seq, seq < storage[j].end else { return false }
        guard grow(compacting: false) else { return false }
        let k = j
        var second = storage[k]
        second.start = seq
        storage[k].end = seq
        storage.insert(second, at: k + 1)
        if storage[k].isLost { lostCount += 1 }
        return true
    }
}
