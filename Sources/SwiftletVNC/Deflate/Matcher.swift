// SwiftletVNC: the LZ77 match finder of the deflater (RFC 1951 §4): a 32 KiB window searched through hash
// chains of 3-byte prefixes.
//
// `window` holds two windows' worth of bytes: up to 32 KiB of history before the bytes being encoded and
// the bytes still to encode. Positions are indices into `window`. `head[h]` is the latest position whose
// next three bytes hash to `h`, `prev[p & mask]` the position inserted into the same chain before `p`
// (−1 for none); positions are inserted in increasing order, so a chain strictly decreases and a walk stops
// at the first entry that does not (one overwritten by a position 32 KiB later) or that is more than 32 KiB
// back (§3.2.5: distances are at most 32768). When the window is full, `slide` drops the older half and
// shifts every stored position down, so no position ever grows with the length of the stream.

struct Matcher {
    static let windowSize = 1 << 15
    static let windowMask = windowSize - 1
    static let minMatch = 3
    static let maxMatch = 258
    static let hashBits = 15

    /// History and lookahead; `window[0..<count]` is valid.
    var window: [UInt8]
    private(set) var count = 0
    private var head: [Int32]
    private var prev: [Int32]

    /// `chains`: whether to allocate the hash chains (a stored-only stream needs none).
    init(chains: Bool) {
        window = [UInt8](repeating: 0, count: 2 * Self.windowSize)
        head = chains ? [Int32](repeating: -1, count: 1 << Self.hashBits) : []
        prev = chains ? [Int32](repeating: -1, count: Self.windowSize) : []
    }

    var isFull: Bool { count == window.count }

    /// Copies as much of `input[start...]` as fits behind the valid bytes; returns how many bytes it took.
    mutating func append(_ input: [UInt8], from start: Int) -> Int {
        let n = min(input.count - start, window.count - count)
        for i in 0..<n { window[count + i] = input[start + i] }
        count += n
        return n
    }

    /// Drops the older half of a full window; every position (here and the caller's) moves down by
    /// `windowSize`, and chain entries that fall off become −1.
    mutating func slide() {
        let w = Self.windowSize
        for i in 0..<(count - w) { window[i] = window[i + w] }
        count -= w
        let shift = Int32(w)
        for i in 0..<head.count {
            let v = head[i]
            head[i] = v >= shift ? v - shift : -1
        }
        for i in 0..<prev.count {
            let v = prev[i]
            prev[i] = v >= shift ? v - shift : -1
        }
    }

    /// Multiplicative hashing of the three bytes at `p` (which needs `p + 2 < count`).
    @inline(__always) private func hash(_ p: Int) -> Int {
        let v = UInt32(window[p]) << 16 | UInt32(window[p + 1]) << 8 | UInt32(window[p + 2])
        return Int((v &* 0x9E37_79B1) >> UInt32(32 - Self.hashBits))
    }

    /// Inserts `p` (with `p + 2 < count`) at the head of its chain; returns the previous head (−1: none).
    @inline(__always) mutating func insert(_ p: Int) -> Int {
        let h = hash(p)
        let old = head[h]
        head[h] = Int32(truncatingIfNeeded: p)
        prev[p & Self.windowMask] = old
        return Int(old)
    }

    /// Inserts the positions `start..<end` (each with `p + 2 < count`), in order.
    mutating func insert(from start: Int, to end: Int) {
        if start >= end { return }
        // Work on local arrays (moved out, not copied) so the loop does no uniqueness checks on `self`.
        var heads: [Int32] = [], chains: [Int32] = []
        swap(&heads, &head)
        swap(&chains, &prev)
        for p in start..<end {
            let v = UInt32(window[p]) << 16 | UInt32(window[p + 1]) << 8 | UInt32(window[p + 2])
            let h = Int((v &* 0x9E37_79B1) >> UInt32(32 - Self.hashBits))
            chains[p & Self.windowMask] = heads[h]
            heads[h] = Int32(truncatingIfNeeded: p)
        }
        swap(&heads, &head)
        swap(&chains, &prev)
    }

    /// The longest match for the bytes at `p` that is longer than `shorterBound` (≥ 2), searching at most
    /// `chainLimit` candidates from `candidate` and stopping early at `nice` bytes. Returns (0, 0) if none
    /// is longer. Matches end at `count`.
    func longestMatch(at p: Int, candidate: Int, longerThan shorterBound: Int, chainLimit: Int, nice: Int)
        -> (length: Int, distance: Int)
    {
        let maxLength = min(Self.maxMatch, count - p)
        var best = shorterBound
        if maxLength <= best { return (0, 0) }
        var bestDistance = 0
        let lowest = p - Self.windowSize
        var cand = candidate
        var chain = chainLimit
        // Spans: indexing them is checked but takes no reference (the arrays' accessors did, per byte).
        let window = self.window.span, prev = self.prev.span
        while cand >= 0 && cand >= lowest && chain > 0 {
            // Cheap test first: a longer match must agree at index `best`.
            if window[cand + best] == window[p + best] && window[cand] == window[p] {
                var n = 1
                while n < maxLength && window[cand + n] == window[p + n] { n += 1 }
                if n > best {
                    best = n
                    bestDistance = p - cand
                    if n >= nice || n == maxLength { break }
                }
            }
            let next = Int(prev[cand & Self.windowMask])
            if next >= cand { break }
            cand = next
            chain -= 1
        }
        return bestDistance == 0 ? (0, 0) : (best, bestDistance)
    }
}
