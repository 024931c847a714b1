// SwiftletVNC: the deflate alphabets and the building of Huffman codes (RFC 1951 §3.2.2, §3.2.5–§3.2.7).
//
// `DeflateAlphabet` maps match lengths and distances to their symbols and extra bits by arithmetic on the
// tables of §3.2.5 (both grow in groups of four, or two, symbols that double their range). `HuffmanBuilder`
// turns symbol frequencies into code lengths no longer than a limit (15 for literals/lengths and
// distances, 7 for the code-length code, §3.2.7) and lengths into canonical codes (§3.2.2). Every code it
// builds is complete (the Kraft sum is exactly 1) and has at least two codes, which every inflater
// accepts. Codes are stored bit-reversed, because deflate packs Huffman codes from their most significant
// bit into a stream that is filled from the least significant bit of each byte (§3.1.1).
//
// Length limiting: a Huffman tree is built from the sorted frequencies with two queues; leaves deeper than
// the limit are lifted to it, leaves are pushed one level down (the deepest first) until the Kraft sum is at
// most 1, then lifted one level up until it is exactly 1; the lengths are finally dealt out again so that
// more frequent symbols never get longer codes.

enum DeflateAlphabet {
    static let endOfBlock = 256
    /// Literal/length symbols that may occur (286 and 287 take part in the fixed code only, §3.2.6).
    static let literalLengthSymbols = 286
    static let distanceSymbols = 30
    static let codeLengthSymbols = 19
    /// The order in which a dynamic block header lists the lengths of the code-length code (§3.2.7).
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// floor(log2(v)) for v ≥ 1.
    @inline(__always) static func log2(_ v: Int) -> Int { Int.bitWidth - 1 - v.leadingZeroBitCount }

    /// The index (symbol − 257, 0...28) of a match length 3...258.
    @inline(__always) static func lengthIndex(_ length: Int) -> Int {
        if length == 258 { return 28 }
        let v = length - 3
        if v < 8 { return v }
        let top = log2(v)
        return 4 * (top - 1) + ((v >> (top - 2)) & 3)
    }

    @inline(__always) static func lengthExtraBits(_ index: Int) -> Int {
        index < 8 || index == 28 ? 0 : (index >> 2) - 1
    }

    @inline(__always) static func lengthBase(_ index: Int) -> Int {
        if index < 8 { return index + 3 }
        if index == 28 { return 258 }
        return 3 + ((4 + (index & 3)) << ((index >> 2) - 1))
    }

    /// The distance symbol (0...29) of a distance 1...32768.
    @inline(__always) static func distanceIndex(_ distance: Int) -> Int {
        let v = distance - 1
        if v < 4 { return v }
        let top = log2(v)
        return 2 * top + ((v >> (top - 1)) & 1)
    }

    @inline(__always) static func distanceExtraBits(_ index: Int) -> Int {
        index < 4 ? 0 : (index >> 1) - 1
    }

    @inline(__always) static func distanceBase(_ index: Int) -> Int {
        index < 4 ? index + 1 : 1 + ((2 + (index & 1)) << ((index >> 1) - 1))
    }

    /// The code lengths of the fixed literal/length code (§3.2.6), all 288 symbols.
    static func fixedLiteralLengths() -> [UInt8] {
        var lengths = [UInt8](repeating: 8, count: 288)
        for s in 144..<256 { lengths[s] = 9 }
        for s in 256..<280 { lengths[s] = 7 }
        return lengths
    }

    /// `code`'s low `length` bits in reverse order.
    @inline(__always) static func reversed(_ code: Int, _ length: Int) -> Int {
        var code = code, result = 0
        for _ in 0..<length {
            result = result << 1 | code & 1
            code >>= 1
        }
        return result
    }
}

/// Scratch space for building codes of up to 288 symbols, allocated once per stream.
struct HuffmanBuilder {
    static let maxSymbols = 288
    static let maxLength = 15

    /// Used symbols as `frequency << 9 | symbol`, sorted ascending.
    private var order: [Int]
    /// Tree nodes: leaves 0..<m in `order`'s order, then internal nodes in the order they were made.
    private var weight: [Int]
    private var parent: [Int]
    /// Leaves per code length, 0...maxLength (and canonical code starts in `assignCodes`).
    private var perLength: [Int]

    init() {
        order = [Int](repeating: 0, count: Self.maxSymbols)
        weight = [Int](repeating: 0, count: 2 * Self.maxSymbols)
        parent = [Int](repeating: 0, count: 2 * Self.maxSymbols)
        perLength = [Int](repeating: 0, count: Self.maxLength + 2)
    }

    /// Sets `lengths[0..<count]` to a complete prefix code for `frequencies[0..<count]` with no length above
    /// `limit` (≤ 15, and 2^limit ≥ count). Unused symbols get 0; with fewer than two used symbols, symbols
    /// 0 and 1 (or the used one and another) get length 1.
    mutating func buildLengths(_ frequencies: [Int], count: Int, limit: Int, into lengths: inout [UInt8]) {
        var m = 0
        for s in 0..<count {
            lengths[s] = 0
            if frequencies[s] > 0 {
                order[m] = frequencies[s] << 9 | s
                m += 1
            }
        }
        if m < 2 {
            let used = m == 1 ? order[0] & 511 : 0
            lengths[used] = 1
            lengths[used == 0 ? 1 : 0] = 1
            return
        }
        order[0..<m].sort()

        // Huffman's tree with two queues: leaves in ascending order, and internal nodes, which are made in
        // ascending order of weight too. Children always have smaller indices than their parent.
        for i in 0..<m { weight[i] = order[i] >> 9 }
        var leaf = 0, inner = m, next = m
        while next < 2 * m - 1 {
            var pair = (0, 0)
            for k in 0..<2 {
                let pick: Int
                if leaf < m && (inner >= next || weight[leaf] <= weight[inner]) {
                    pick = leaf
                    leaf += 1
                } else {
                    pick = inner
                    inner += 1
                }
                if k == 0 { pair.0 = pick } else { pair.1 = pick }
            }
            weight[next] = weight[pair.0] + weight[pair.1]
            parent[pair.0] = next
            parent[pair.1] = next
            next += 1
        }
        // Depths, root first (reusing `weight`), then leaves per length with deeper ones lifted to `limit`.
        let root = 2 * m - 2
        weight[root] = 0
        for i in stride(from: root - 1, through: 0, by: -1) { weight[i] = weight[parent[i]] + 1 }
        for d in 0...limit { perLength[d] = 0 }
        for i in 0..<m { perLength[min(weight[i], limit)] += 1 }

        // Kraft sum in units of 2^-limit: push leaves down until it is at most 1, then lift until exactly 1.
        let full = 1 << limit
        var kraft = 0
        for d in 1...limit { kraft += perLength[d] << (limit - d) }
        while kraft > full {
            var d = limit - 1
            while perLength[d] == 0 { d -= 1 }
            perLength[d] -= 1
            perLength[d + 1] += 1
            kraft -= 1 << (limit - d - 1)
        }
        while kraft < full {
            // The deepest leaf always fits the gap (every term divides it), so this finds one.
            var d = 2
            while perLength[d] == 0 || (1 << (limit - d)) > full - kraft { d += 1 }
            perLength[d] -= 1
            perLength[d - 1] += 1
            kraft += 1 << (limit - d)
        }
        // Deal lengths out again: the most frequent symbols get the shortest codes.
        var i = m - 1
        for d in 1...limit {
            for _ in 0..<perLength[d] {
                lengths[order[i] & 511] = UInt8(d)
                i -= 1
            }
        }
    }

    /// Canonical codes (§3.2.2) for `lengths[0..<count]`, stored bit-reversed for the bit writer.
    mutating func assignCodes(_ lengths: [UInt8], count: Int, into codes: inout [UInt16]) {
        for d in 0...Self.maxLength { perLength[d] = 0 }
        for s in 0..<count { perLength[Int(lengths[s])] += 1 }
        perLength[0] = 0
        // perLength[d] becomes the next code of length d.
        var code = 0
        var previousCount = 0
        for d in 1...Self.maxLength {
            code = (code + previousCount) << 1
            previousCount = perLength[d]
            perLength[d] = code
        }
        for s in 0..<count {
            let d = Int(lengths[s])
            if d == 0 { continue }
            codes[s] = UInt16(DeflateAlphabet.reversed(perLength[d], d))
            perLength[d] += 1
        }
    }
}
