// SwiftletNet: a bounded FIFO of bytes (a ring), used for TCP send and receive buffers.
// Invariant: 0 <= count <= extent <= limit; bytes are read in the order written. Storage grows on demand
// (doubling) up to `limit`, so a connection that moves little data costs little memory. It is kept once
// grown, so a busy connection does not reallocate on every drain; `release` gives it back when empty.
// The receive side also writes bytes that arrived out of order straight into their place beyond `count`
// (`write(_:at:)`), and commits them when the gap before them fills: out-of-order data costs no memory
// beyond the ring itself. `extent` is how far from the front such bytes may lie, so growing keeps them.

import SwiftletWire

struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0
    private(set) var count = 0
    /// Bytes from the front that hold data: `count` in-order bytes, then any written out of order.
    private var extent = 0
    /// The most bytes the queue will hold.
    let limit: Int
    /// Asked before the storage grows, and given back what `release` frees (nil: no budget).
    let budget: MemoryBudget?

    init(capacity: Int, budget: MemoryBudget? = nil) {
        limit = max(capacity, 1)
        self.budget = budget
    }

    var capacity: Int { limit }
    var free: Int { limit - count }
    /// Bytes `append` would take now: `free`, less what the memory budget cannot give the storage. A
    /// writer waits while this is 0; waiting on `free` alone, it would be told there is room that
    /// `append` then refuses, and try again at once, for ever, without letting the run loop turn.
    var writable: Int {
        guard let budget else { return free }
        return min(free, max(0, storage.count - count + max(0, budget.available)))
    }
    var isEmpty: Bool { count == 0 }
    /// Bytes of memory held now.
    var allocated: Int { storage.count }

    /// Makes room for `needed` bytes in all, linearising the ring into a bigger array. False when the
    /// budget refuses even `needed` (the storage then stays as it is).
    /// `optional` growth (for out-of-order bytes) must leave half the budget free.
    @discardableResult
    private mutating func grow(to needed: Int, optional: Bool = false) -> Bool {
        var size = min(limit, max(needed, storage.count * 2, 4096))
        if let budget {
            let leaving = optional ? budget.limit / 2 : 0
            // The doubling if the budget allows it, else just what is needed.
            if !budget.reserve(size - storage.count, leaving: leaving) {
                size = needed
                guard budget.reserve(size - storage.count, leaving: leaving) else { return false }
            }
        }
        var bigger = [UInt8](repeating: 0, count: size)
        if extent > 0 {
            var dst = bigger.mutableSpan
            let src = storage.span
            let first = min(extent, storage.count - head)
            Audited.copy(src.extracting(head..<(head + first)), into: &dst, at: 0)
            if first < extent { Audited.copy(src.extracting(0..<(extent - first)), into: &dst, at: first) }
        }
        storage = bigger
        head = 0
        return true
    }

    /// Appends as much of `bytes` as fits; returns how many were taken. At most two bulk copies (the ring wraps).
    mutating func append(_ bytes: Span<UInt8>) -> Int {
        var n = min(bytes.count, free)
        guard n > 0 else { return 0 }
        if count + n > storage.count, !grow(to: count + n) {
            // Over budget: as much as the budget lets the storage grow by (not nothing because all of
            // `bytes` would not fit), else what the storage already has room for.
            n = min(n, writable)
            guard n > 0 else { return 0 }
            if count + n > storage.count, !grow(to: count + n) { n = min(n, storage.count - count) }
            guard n > 0 else { return 0 }
        }
        let tail = (head + count) % storage.count
        let first = min(n, storage.count - tail)
        var out = storage.mutableSpan
        Audited.copy(bytes.extracting(0..<first), into: &out, at: tail)
        if first < n { Audited.copy(bytes.extracting(first..<n), into: &out, at: 0) }
        count += n
        if extent < count { extent = count }
        return n
    }

    /// Writes `bytes` `offset` bytes past the in-order data without counting them yet (out-of-order
    /// arrival). The caller keeps `offset + bytes.count <= free`. False (nothing written) when the
    /// storage would have to grow and the budget refuses (such growth must leave half the budget free:
    /// a peer that sends one byte far beyond a hole would otherwise cost a whole ring per connection).
    mutating func write(_ bytes: Span<UInt8>, at offset: Int) -> Bool {
        let n = bytes.count
        precondition(offset >= 0 && offset + n <= free, "ByteQueue.write beyond the limit")
        guard n > 0 else { return true }
        let end = count + offset + n
        if end > storage.count, !grow(to: end, optional: true) { return false }
        let at = (head + count + offset) % storage.count
        let first = min(n, storage.count - at)
        var out = storage.mutableSpan
        Audited.copy(bytes.extracting(0..<first), into: &out, at: at)
        if first < n { Audited.copy(bytes.extracting(first..<n), into: &out, at: 0) }
        if extent < end { extent = end }
        return true
    }

    /// Counts `n` bytes already written by `write(_:at:)` just past the in-order data as in order.
    mutating func commit(_ n: Int) {
        precondition(n >= 0 && count + n <= extent, "ByteQueue.commit of bytes never written")
        count += n
    }

    /// Forgets bytes written out of order and not committed (the connection ended or reneged).
    mutating func discardBeyondCount() { extent = count }

    /// Gives the storage back when nothing is held (a connection in TIME-WAIT keeps no buffers).
    mutating func release() {
        guard extent == 0, !storage.isEmpty else { return }
        budget?.release(storage.count)
        storage = []
        head = 0
    }

    /// A copy of `length` bytes starting `offset` bytes from the front.
    func copy(offset: Int, length: Int) -> [UInt8] {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "ByteQueue.copy out of range")
        var out: [UInt8] = []
        guard length > 0 else { return out }
        // Appending slices copies without zero-filling first (an array made at full size and then filled
        // would memset every byte read).
        out.reserveCapacity(length)
        let at = (head + offset) % storage.count
        let first = min(length, storage.count - at)
        out.append(contentsOf: storage[at..<(at + first)])
        if first < length { out.append(contentsOf: storage[0..<(length - first)]) }
        return out
    }

    /// Copies `length` bytes starting `offset` bytes from the front into `destination` at `at`.
    func copy(offset: Int, length: Int, into destination: inout MutableSpan<UInt8>, at: Int) {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "ByteQueue.copy out of range")
        guard length > 0 else { return }
        let start = (head + offset) % storage.count
        let first = min(length, storage.count - start)
        let src = storage.span
        Audited.copy(src.extracting(start..<(start + first)), into: &destination, at: at)
        if first < length { Audited.copy(src.extracting(0..<(length - first)), into: &destination, at: at + first) }
    }

    /// Removes `n` bytes from the front.
    mutating func drop(_ n: Int) {
        precondition(n >= 0 && n <= count, "ByteQueue.drop beyond count")
        guard n > 0 else { return }
        head = (head + n) % storage.count
        count -= n
        extent -= n
        if extent == 0 { head = 0 }
    }

    /// Removes and returns up to `n` bytes from the front.
    mutating func read(_ n: Int) -> [UInt8] {
        let k = min(n, count)
        let out = copy(offset: 0, length: k)
        drop(k)
        return out
    }
}
