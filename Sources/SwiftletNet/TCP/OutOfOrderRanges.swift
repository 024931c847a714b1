// SwiftletNet: which sequence ranges beyond RCV.NXT a TCP receiver holds (RFC 9293 §3.10.7.4 seventh
// step keeps out-of-order segments; RFC 2018 §4 reports them as SACK blocks).
//
// The bytes themselves live in the receive ring at their place (`ByteQueue.write(_:at:)`); this type only
// remembers the ranges, sorted, disjoint and never adjacent (touching ranges merge), so it holds at most one
// entry per hole. A segment costs a binary search plus a shift of at most `limit` entries, whatever the peer
// sends: 1-byte segments at RCV.NXT+1, +2, +3 … all merge into one range. A segment that would open a new
// range beyond `limit` is refused (the caller drops it; the peer retransmits), so an attacker who leaves
// holes on purpose cannot grow the table or the work per segment.

import SwiftletWire

struct OutOfOrderRanges {
    /// Sorted by `left`, disjoint, with a gap between neighbours.
    private(set) var ranges: [SACKBlock] = []
    /// Sum of the ranges' lengths.
    private(set) var bytes = 0
    /// The most ranges (holes) held at once.
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    var isEmpty: Bool { ranges.isEmpty }
    var count: Int { ranges.count }
    var first: SACKBlock? { ranges.first }

    /// Index of the first range whose right edge is at or beyond `seq` (binary search).
    private func firstIndex(reaching seq: TCPSequenceNumber) -> Int {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].right < seq { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether `[left, right)` can be added: it touches or overlaps a held range, or a new entry fits.
    func accepts(_ left: TCPSequenceNumber, _ right: TCPSequenceNumber) -> Bool {
        let i = firstIndex(reaching: left)
        if i < ranges.count, ranges[i].left <= right { return true }
        return ranges.count < limit
    }

    /// Adds `[left, right)` (the caller checked `accepts`) and returns the range that now contains it.
    @discardableResult
    mutating func insert(_ left: TCPSequenceNumber, _ right: TCPSequenceNumber) -> SACKBlock {
        precondition(left < right, "OutOfOrderRanges.insert of an empty range")
        let i = firstIndex(reaching: left)
        // Ranges i..<j touch or overlap the new one.
        var j = i
        var merged = SACKBlock(left: left, right: right)
        while j < ranges.count, ranges[j].left <= right {
            merged.left = TCPSequenceNumber.min(merged.left, ranges[j].left)
            merged.right = TCPSequenceNumber.max(merged.right, ranges[j].right)
            bytes -= ranges[j].right - ranges[j].left
            j += 1
        }
        precondition(j > i || ranges.count < limit, "OutOfOrderRanges.insert beyond the limit")
        bytes += merged.right - merged.left
        if j == i {
            ranges.insert(merged, at: i)
        } else {
            ranges[i] = merged
            if j > i + 1 { ranges.removeSubrange((i + 1)..<j) }
        }
        return merged
    }

    /// Removes the first range once RCV.NXT has reached it and returns it (its bytes are now in order).
    mutating func popFirst(reachedBy rcvNxt: TCPSequenceNumber) -> SACKBlock? {
        guard let f = ranges.first, f.left <= rcvNxt else { return nil }
        ranges.removeFirst()
        bytes -= f.right - f.left
        return f
    }

    mutating func removeAll() {
        ranges.removeAll()
        bytes = 0
    }
}
