// SwiftletNet: fragment reassembly, one engine for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5); hole
// bookkeeping in the spirit of RFC 815. `IPv4Reassembly` and `IPv6Reassembly` wrap it with their keys and
// what their first fragment carries.
//
// Each datagram keeps one payload buffer, grown to the highest fragment end seen, and the byte ranges it
// holds as a sorted array of disjoint, merged runs: a fragment is placed by binary search (O(log n)
// comparisons) and merged with the runs it touches, so a duplicate costs a few comparisons and no copy.
// Datagrams live in an array changed in place (never copied out of a dictionary and back, which would copy
// their buffers on write).
//
// Overlaps follow RFC 5722 (for IPv6; Linux does the same for IPv4): a fragment wholly inside data already
// held is a duplicate and is dropped (the first copy wins); one that overlaps held data only in part
// makes the whole datagram invalid, and it is discarded (a crafted overlap cannot choose which bytes the
// upper layer sees).
//
// Bounds, all in `ReassemblyConfiguration`: a datagram may not exceed the family's largest payload, at
// most `maximumDatagrams` are in progress, each holds at most `maximumRanges` disjoint runs, and the
// memory they really allocate (buffer capacity, run array capacity and a fixed per-datagram overhead)
// together stays within `memoryLimit`. A new fragment that needs room evicts the oldest other datagrams
// first; it is dropped only when its own datagram cannot fit. Evicting the oldest (rather than refusing
// newcomers, as Linux does above its threshold) means a few crafted fragments cannot block reassembly
// for a whole timeout: an attacker must keep sending faster than a real datagram's fragments arrive.
// Unfinished datagrams are dropped after `timeout`, counted from their first fragment; the caller may
// then send time exceeded (code 1) if fragment zero had arrived.

import Swiftlet
import SwiftletWire

public struct ReassemblyConfiguration: Sendable {
    /// How long an unfinished datagram is kept, from its first fragment (RFC 1122 §3.3.2 suggests 60 to
    /// 120 s for IPv4, RFC 8200 §4.5 says 60 s for IPv6; 30 s is Linux's default for both).
    public var timeout = Duration.seconds(30)
    /// Datagrams in progress at once; one more evicts the oldest.
    public var maximumDatagrams = 64
    /// Real bytes allocated for all datagrams in progress (buffers, run arrays, per-datagram overhead).
    public var memoryLimit = 256 * 1024
    /// Disjoint runs of data one datagram may hold (its holes plus one). A 65535-byte datagram sent over
    /// a 576-byte MTU is 117 fragments; even reordered one in two, that is under 64 runs. A fragment
    /// that would make one more drops the datagram (FreeBSD's `maxfragsperpacket` does the same).
    public var maximumRanges = 64
    public init() {}
}

struct FragmentAssembler<Key: Hashable, First> {
    struct Datagram {
        let key: Key
        var data: [UInt8] = []             // allocated size; bytes beyond `highest` are not yet data
        var highest = 0                    // the highest end of a fragment with data (≤ data.count)
        var ranges: [Range<Int>] = []      // sorted, disjoint, never touching (merged)
        var totalLength: Int? = nil        // known once the last fragment (MF = 0) arrives
        var first: First? = nil            // what fragment zero said
        let deadline: Instant
        /// Bytes the family keeps beside the data (IPv6's quote of fragment zero), counted from the start.
        let extra: Int
        /// Bytes this datagram has allocated, as counted against the budget.
        var allocated: Int { FragmentAssembler.overhead + extra + data.count + ranges.capacity * MemoryLayout<Range<Int>>.stride }
    }

    /// The fixed cost of a datagram in progress beyond its two arrays' elements: its slot, its index
    /// entry, and the two array headers (an estimate that errs high).
    static var overhead: Int { MemoryLayout<Datagram>.stride + 2 * MemoryLayout<Key>.stride + 2 * 32 }
    public let configuration: ReassemblyConfiguration
    /// The largest reassembled payload (the family's limit).
    let maximumPayload: Int
    /// Bytes each datagram holds beyond its data and runs (counted in `allocated`).
    let extraPerDatagram: Int
    private var slots: [Datagram] = []
    private var index: [Key: Int] = [:]
    /// Real bytes allocated by the datagrams in progress; never above `configuration.memoryLimit` between
    /// calls.
    public private(set) var bufferedBytes = 0
    /// Fragments dropped (malformed, over a cap, duplicates, or arriving for a datagram that had to go).
    public private(set) var dropped = 0
    /// Datagrams discarded: conflicting overlap or length, too many runs, or evicted for room.
    public private(set) var discarded = 0
    public private(set) var timedOut = 0
    /// Comparisons made to place fragments among the runs held: work is O(log n) per fragment, and tests
    /// count it.
    public private(set) var rangeComparisons = 0

    init(configuration: ReassemblyConfiguration, maximumPayload: Int, extraPerDatagram: Int = 0) {
        self.configuration = configuration
        self.maximumPayload = maximumPayload
        self.extraPerDatagram = extraPerDatagram
    }

    public var inProgress: Int { slots.count }

    /// Adds one fragment: `payload` at byte `start` of the datagram's payload, `moreFragments` its flag,
    /// `first` what fragment zero tells (given with fragment zero). Returns what fragment zero told and the
    /// whole payload when this fragment completed it.
    mutating func add(_ key: Key, start: Int, moreFragments: Bool, payload: Span<UInt8>, first: First?,
                      now: Instant) -> (First, [UInt8])? {
        let length = payload.count
        let end = start + length
        guard end <= maximumPayload, length > 0 || !moreFragments else { dropped += 1; return nil }
        // Every fragment but the last carries a multiple of 8 bytes (RFC 791, RFC 8200 §4.5).
        if moreFragments && length % 8 != 0 { dropped += 1; return nil }

        var i: Int
        if let found = index[key] {
            i = found
        } else {
            while slots.count >= configuration.maximumDatagrams, let oldest = oldest(except: nil) { evict(oldest) }
            guard slots.count < configuration.maximumDatagrams else { dropped += 1; return nil }
            i = slots.count
            slots.append(Datagram(key: key, deadline: now + configuration.timeout, extra: extraPerDatagram))
            index[key] = i
            bufferedBytes += slots[i].allocated
        }

        // The last fragment fixes the length; nothing may lie beyond it, and it may not change.
        if !moreFragments {
            if let t = slots[i].totalLength, t != end { return discard(i) }
            if slots[i].highest > end { return discard(i) }
            slots[i].totalLength = end
        } else if let t = slots[i].totalLength, end > t {
            return discard(i)
        }

        // Place the fragment: the first run that ends after `start` (binary search).
        var low = 0, high = slots[i].ranges.count
        while low < high {
            let mid = (low + high) / 2
            rangeComparisons += 1
            if slots[i].ranges[mid].upperBound <= start { low = mid + 1 } else { high = mid }
        }
        let at = low
        let count = slots[i].ranges.count
        if length > 0 && at < count && slots[i].ranges[at].lowerBound < end {
            rangeComparisons += 1
            if slots[i].ranges[at].lowerBound <= start && end <= slots[i].ranges[at].upperBound {
                dropped += 1  // a duplicate: the first copy wins
                return complete(i)
            }
            return discard(i)  // a partial overlap (RFC 5722)
        }
        let joinsLeft = at > 0 && slots[i].ranges[at - 1].upperBound == start
        let joinsRight = at < count && slots[i].ranges[at].lowerBound == end
        let newRun = length > 0 && !joinsLeft && !joinsRight
        if newRun && count >= configuration.maximumRanges { return discard(i) }

        // Room: what this fragment will allocate, found before allocating; older datagrams make way.
        var dataSize = slots[i].data.count
        if length > 0 && end > dataSize {
            // Grow geometrically (in-order arrival must not copy the buffer per fragment), never past the
            // known total or the largest datagram.
            dataSize = Swift.max(end, Swift.min(2 * dataSize, slots[i].totalLength ?? maximumPayload))
        }
        var rangeCapacity = slots[i].ranges.capacity
        if newRun && count == rangeCapacity { rangeCapacity = Swift.min(Swift.max(4, 2 * count), configuration.maximumRanges) }
        let growth = (dataSize - slots[i].data.count)
            + (rangeCapacity - slots[i].ranges.capacity) * MemoryLayout<Range<Int>>.stride
        guard makeRoom(growth, keeping: &i) else { return discard(i) }

        // Copy the fragment in and record its run.
        let before = slots[i].allocated
        if dataSize > slots[i].data.count { Self.grow(&slots[i].data, to: dataSize, keeping: slots[i].highest) }
        if length > 0 { Self.write(payload, into: &slots[i].data, at: start) }
        if length > 0 { slots[i].highest = Swift.max(slots[i].highest, end) }
        if rangeCapacity > slots[i].ranges.capacity { slots[i].ranges.reserveCapacity(rangeCapacity) }
        if length > 0 {
            switch (joinsLeft, joinsRight) {
            case (true, true):
                slots[i].ranges[at - 1] = slots[i].ranges[at - 1].lowerBound..<slots[i].ranges[at].upperBound
                slots[i].ranges.remove(at: at)
            case (true, false):
                slots[i].ranges[at - 1] = slots[i].ranges[at - 1].lowerBound..<end
            case (false, true):
                slots[i].ranges[at] = start..<slots[i].ranges[at].upperBound
            case (false, false):
                slots[i].ranges.insert(start..<end, at: at)
            }
        }
        if start == 0, let first { slots[i].first = first }
        bufferedBytes += slots[i].allocated - before
        // The allocator may have rounded the run array's capacity up; those bytes count too.
        guard makeRoom(0, keeping: &i) else { return discard(i) }
        return complete(i)
    }

    /// Moves the first `n` bytes of `data` into a zeroed buffer of `size` bytes (one bulk copy).
    private static func grow(_ data: inout [UInt8], to size: Int, keeping n: Int) {
        var bigger = [UInt8](repeating: 0, count: size)
        var out = bigger.mutableSpan
        Audited.copy(data.span.extracting(0..<n), into: &out, at: 0)
        data = bigger
    }

    /// Copies a fragment's payload into place (in place: `data` is uniquely held).
    private static func write(_ payload: Span<UInt8>, into data: inout [UInt8], at offset: Int) {
        var out = data.mutableSpan
        Audited.copy(payload, into: &out, at: offset)
    }

    /// Evicts the oldest datagrams other than the one at `i` until `growth` more bytes fit in the budget;
    /// false if they cannot. `i` follows its datagram as slots move.
    private mutating func makeRoom(_ growth: Int, keeping i: inout Int) -> Bool {
        let key = slots[i].key
        while bufferedBytes + growth > configuration.memoryLimit, let oldest = oldest(except: i) {
            evict(oldest)
            i = index[key]!
        }
        return bufferedBytes + growth <= configuration.memoryLimit
    }

    /// The datagram at `i` if it is whole, taken out (its buffer is moved, not copied).
    private mutating func complete(_ i: Int) -> (First, [UInt8])? {
        guard let total = slots[i].totalLength, let first = slots[i].first, slots[i].ranges.count == 1,
              slots[i].ranges[0] == 0..<total else { return nil }
        var data = remove(i).data
        if data.count > total { data.removeLast(data.count - total) }
        return (first, data)
    }

    /// Counts a completed datagram the caller refuses (too long with its headers).
    mutating func refuse() {
        discarded += 1
        dropped += 1
    }

    /// Drops datagram `i` and the fragment that condemned it.
    private mutating func discard(_ i: Int) -> (First, [UInt8])? {
        _ = remove(i)
        discarded += 1
        dropped += 1
        return nil
    }

    private mutating func evict(_ i: Int) {
        _ = remove(i)
        discarded += 1
    }

    /// The datagram closest to its deadline (the first to have arrived), other than `keep`.
    private func oldest(except keep: Int?) -> Int? {
        var best: Int? = nil
        for j in slots.indices where j != keep {
            if let b = best, slots[b].deadline <= slots[j].deadline { continue }
            best = j
        }
        return best
    }

    /// Removes slot `i` (the last slot moves into its place).
    private mutating func remove(_ i: Int) -> Datagram {
        bufferedBytes -= slots[i].allocated
        index[slots[i].key] = nil
        let last = slots.count - 1
        if i != last {
            slots.swapAt(i, last)
            index[slots[i].key] = i
        }
        return slots.removeLast()
    }

    /// Drops datagrams whose time ran out. Returns what fragment zero told and the first data bytes (up to
    /// 8) of those whose first fragment had arrived, for the time exceeded error (code 1).
    mutating func poll(now: Instant) -> [(first: First, leading: [UInt8])] {
        var expired: [(first: First, leading: [UInt8])] = []
        var i = slots.count - 1
        while i >= 0 {
            if slots[i].deadline <= now {
                let d = remove(i)
                if let h = d.first {
                    // Fragment zero arrived, so the first run starts at 0.
                    let n = Swift.min(8, d.ranges.first?.upperBound ?? 0)
                    expired.append((h, Array(d.data[0..<n])))
                }
                timedOut += 1
            }
            i -= 1
        }
        return expired
    }

    public var nextDeadline: Instant {
        var t = Instant.distantFuture
        for d in slots where d.deadline < t { t = d.deadline }
        return t
    }
}
