// SwiftletVNC: the deflate compressor, one zlib stream per connection (RFC 1950 §2.2; RFC 1951 §3.2, §4).
//
// RFB's ZRLE (RFC 6143 §7.7.6) keeps one zlib stream for the whole connection: each update is compressed
// with the 32 KiB history of every earlier one and ends with a sync flush (an empty stored block, §3.2.4),
// so the viewer can decode all of it at once. `compress` does exactly that; `finish` ends the stream with a
// final block and the Adler-32 of everything compressed (RFC 1950 §2.2).
//
// Matches come from `Matcher` (hash chains); `.fast` takes the longest of up to 8 candidates at once (no lookahead), `.default`
// looks one byte ahead for a longer one ("lazy" matching, RFC 1951 §4). Symbols are collected into blocks of
// at most `blockSymbols`, which end early at the end of every call, and before the window slides if
// stored is then the cheapest form (a stored block needs its bytes, which the slide drops). Each block is
// written as whichever of stored, fixed Huffman and dynamic Huffman (§3.2.7) takes the fewest bits.
// Memory is fixed per stream, whatever the input: the 64 KiB window, 256 KiB of hash chains and 64 KiB of
// symbols (`.stored`: the window only).

public enum DeflateLevel {
    /// Stored blocks only: no compression, least work.
    case stored
    /// Greedy matching over short hash chains.
    case fast
    /// Lazy matching over longer chains.
    case `default`
}

/// One zlib stream (RFC 1950 header, deflate blocks, no trailer until finish) that lives as long as a
/// connection: history (the 32 KiB window) carries over between calls, as RFB's ZRLE requires.
public struct DeflateStream {
    /// Symbols per block before it is written out.
    static let blockSymbols = 1 << 14

    private let level: DeflateLevel
    private let maxChain: Int
    private let niceLength: Int
    /// `.default`: no lookahead search after a match this long.
    private let lazyLength: Int
    /// `.default`: a quarter of the chain after a match this long.
    private let goodLength: Int
    /// `.fast`: the positions inside a match are indexed only when it is at most this long (hashing every
    /// byte of long matches was most of the time on repetitive pictures).
    private let insertLength: Int
    /// A 3-byte match farther back than this costs more than three literals, typically.
    private static let farThree = 4096

    private var matcher: Matcher
    private var writer = BitWriter()
    private var adler = Adler32()
    private var started = false
    private var finished = false

    // Positions in `matcher.window`: next byte to parse, end of the bytes the block's symbols cover, start of
    // the block, first position not yet inserted into the hash chains.
    private var position = 0
    private var covered = 0
    private var blockStart = 0
    private var inserted = 0

    /// A literal byte, or `1 << 31 | (length − 3) << 16 | (distance − 1)`.
    private var symbols: [UInt32]
    private var symbolCount = 0
    private var literalFrequencies: [Int]
    private var distanceFrequencies: [Int]

    private var huffman = HuffmanBuilder()
    private var literalLengths: [UInt8]
    private var literalCodes: [UInt16]
    private var distanceLengths: [UInt8]
    private var distanceCodes: [UInt16]
    private let fixedLiteralLengths: [UInt8]
    private let fixedLiteralCodes: [UInt16]
    private let fixedDistanceLengths: [UInt8]
    private let fixedDistanceCodes: [UInt16]
    // The dynamic header: both code-length lists, their run-length form, and the code-length code.
    private var allLengths: [UInt8]
    private var runSymbols: [UInt8]
    private var runExtras: [UInt8]
    private var runCount = 0
    private var codeLengthFrequencies: [Int]
    private var codeLengthLengths: [UInt8]
    private var codeLengthCodes: [UInt16]
    private var literalCount = 257
    private var distanceCount = 1
    private var codeLengthCount = 4

    public init(level: DeflateLevel = .default) {
        self.level = level
        switch level {
        case .stored: (maxChain, niceLength, lazyLength, goodLength, insertLength) = (0, 0, 0, 0, 0)
        case .fast: (maxChain, niceLength, lazyLength, goodLength, insertLength) = (8, 32, 0, 0, 6)
        case .default: (maxChain, niceLength, lazyLength, goodLength, insertLength) = (128, 144, 24, 12, 144)
        }
        matcher = Matcher(chains: level != .stored)
        symbols = [UInt32](repeating: 0, count: level == .stored ? 0 : Self.blockSymbols)
        literalFrequencies = [Int](repeating: 0, count: 288)
        distanceFrequencies = [Int](repeating: 0, count: 32)
        literalLengths = [UInt8](repeating: 0, count: 288)
        literalCodes = [UInt16](repeating: 0, count: 288)
        distanceLengths = [UInt8](repeating: 0, count: 32)
        distanceCodes = [UInt16](repeating: 0, count: 32)
        let fixedLiterals = DeflateAlphabet.fixedLiteralLengths()
        var fixedCodes = [UInt16](repeating: 0, count: 288)
        huffman.assignCodes(fixedLiterals, count: 288, into: &fixedCodes)
        fixedLiteralLengths = fixedLiterals
        fixedLiteralCodes = fixedCodes
        let fixedDistances = [UInt8](repeating: 5, count: 32)
        var fixedDistanceCodes = [UInt16](repeating: 0, count: 32)
        huffman.assignCodes(fixedDistances, count: 32, into: &fixedDistanceCodes)
        self.fixedDistanceLengths = fixedDistances
        self.fixedDistanceCodes = fixedDistanceCodes
        allLengths = [UInt8](repeating: 0, count: 320)
        runSymbols = [UInt8](repeating: 0, count: 320)
        runExtras = [UInt8](repeating: 0, count: 320)
        codeLengthFrequencies = [Int](repeating: 0, count: 19)
        codeLengthLengths = [UInt8](repeating: 0, count: 19)
        codeLengthCodes = [UInt16](repeating: 0, count: 19)
    }

    /// Compresses `input`, appending to `output`; ends with a sync flush (an empty stored block, RFC 1951 §3.2.4 /
    /// zlib Z_SYNC_FLUSH) so the peer can decode all of it now. The first call writes the 2-byte zlib header.
    /// Calls after `finish` append nothing.
    public mutating func compress(_ input: [UInt8], into output: inout [UInt8]) {
        if finished { return }
        swap(&output, &writer.bytes)
        writeHeaderOnce()
        adler.update(input)
        var taken = 0
        repeat {
            if matcher.isFull {
                // The block's bytes are about to leave the window: last chance to send them stored.
                flushBlock(onlyIfStored: true)
                slide()
            }
            taken += matcher.append(input, from: taken)
            // Keep a whole match of lookahead while more input waits to come into the window.
            let end = taken == input.count ? matcher.count : matcher.count - Matcher.maxMatch
            switch level {
            case .stored:
                if end > position { position = end; covered = end }
            case .fast: parseGreedy(upTo: end)
            case .default: parseLazy(upTo: end)
            }
        } while taken < input.count
        flushBlock()
        // Sync flush: an empty stored block leaves the stream byte-aligned after everything so far.
        writer.put(0, 3)
        writer.align()
        writer.put(0, 16)
        writer.put(0xFFFF, 16)
        swap(&output, &writer.bytes)
    }

    /// Ends the stream: a final block and the Adler-32 trailer.
    /// Calls after the first append nothing.
    public mutating func finish(into output: inout [UInt8]) {
        if finished { return }
        finished = true
        swap(&output, &writer.bytes)
        writeHeaderOnce()
        // An empty final block with the fixed code: BFINAL, BTYPE 01, end-of-block (seven zero bits).
        writer.put(1, 1)
        writer.put(1, 2)
        writer.put(Int(fixedLiteralCodes[DeflateAlphabet.endOfBlock]), 7)
        writer.align()
        let check = adler.value
        writer.put(Int(check >> 24), 8)
        writer.put(Int(check >> 16 & 0xFF), 8)
        writer.put(Int(check >> 8 & 0xFF), 8)
        writer.put(Int(check & 0xFF), 8)
        swap(&output, &writer.bytes)
        // The stream is over: let the big buffers go.
        matcher = Matcher(chains: false)
        symbols = []
    }

    /// CMF: method 8 (deflate), a 32 KiB window; FLG: the level hint and the check bits (RFC 1950 §2.2).
    private mutating func writeHeaderOnce() {
        if started { return }
        started = true
        let cmf = 0x78
        let hint: Int
        switch level {
        case .stored: hint = 0
        case .fast: hint = 1
        case .default: hint = 2
        }
        var flg = hint << 6
        flg += (31 - (cmf << 8 | flg) % 31) % 31
        writer.put(cmf, 8)
        writer.put(flg, 8)
    }

    private mutating func slide() {
        matcher.slide()
        let w = Matcher.windowSize
        position -= w
        covered -= w
        blockStart -= w
        inserted = max(inserted - w, 0)
    }

    // MARK: Parsing

    /// Inserts positions `inserted..<stop` into the hash chains, as far as three bytes are there to hash.
    private mutating func insertPositions(upTo stop: Int) {
        let last = min(stop, matcher.count - 2)
        if inserted < last {
            matcher.insert(from: inserted, to: last)
            inserted = last
        }
    }

    /// Matches at `position` longer than `shorterBound` bytes, after inserting `position`.
    private mutating func findMatch(longerThan shorterBound: Int, chainLimit: Int) -> (length: Int, distance: Int) {
        insertPositions(upTo: position)
        guard position + 2 < matcher.count else { return (0, 0) }
        let candidate = matcher.insert(position)
        inserted = position + 1
        if chainLimit == 0 { return (0, 0) }
        let found = matcher.longestMatch(
            at: position, candidate: candidate, longerThan: max(shorterBound, Matcher.minMatch - 1),
            chainLimit: chainLimit, nice: niceLength)
        if found.length == Matcher.minMatch && found.distance > Self.farThree { return (0, 0) }
        return found
    }

    private mutating func parseGreedy(upTo end: Int) {
        while position < end {
            let match = findMatch(longerThan: 0, chainLimit: maxChain)
            if match.length >= Matcher.minMatch {
                let stop = position + match.length
                // Long matches are not indexed inside: repeats of them are found from their start.
                if match.length <= insertLength { insertPositions(upTo: stop) } else { inserted = stop }
                position = stop
                recordMatch(match.length, match.distance)
            } else {
                recordLiteral(matcher.window[position])
                position += 1
            }
        }
    }

    /// Lazy matching: a match found at p − 1 is taken only if the one at p is not longer; otherwise
    /// p − 1 becomes a literal and the match at p waits for the same test at p + 1.
    private mutating func parseLazy(upTo end: Int) {
        var pending = false
        var pendingLength = 0, pendingDistance = 0
        while position < end {
            var match = (length: 0, distance: 0)
            if pendingLength < lazyLength {
                let chain = pendingLength >= goodLength ? maxChain >> 2 : maxChain
                match = findMatch(longerThan: pendingLength, chainLimit: chain)
            } else {
                _ = findMatch(longerThan: 0, chainLimit: 0)
            }
            if pending && pendingLength >= Matcher.minMatch && match.length <= pendingLength {
                let stop = position - 1 + pendingLength
                insertPositions(upTo: stop)
                position = stop
                recordMatch(pendingLength, pendingDistance)
                pending = false
                pendingLength = 0
            } else {
                if pending { recordLiteral(matcher.window[position - 1]) }
                pending = true
                pendingLength = match.length
                pendingDistance = match.distance
                position += 1
            }
        }
        if pending {
            if pendingLength >= Matcher.minMatch {
                let stop = position - 1 + pendingLength
                insertPositions(upTo: stop)
                position = stop
                recordMatch(pendingLength, pendingDistance)
            } else {
                recordLiteral(matcher.window[position - 1])
            }
        }
    }

    @inline(__always) private mutating func recordLiteral(_ byte: UInt8) {
        symbols[symbolCount] = UInt32(byte)
        symbolCount += 1
        literalFrequencies[Int(byte)] += 1
        covered += 1
        if symbolCount == Self.blockSymbols { flushBlock() }
    }

    @inline(__always) private mutating func recordMatch(_ length: Int, _ distance: Int) {
        symbols[symbolCount] = 1 << 31 | UInt32(length - 3) << 16 | UInt32(distance - 1)
        symbolCount += 1
        literalFrequencies[257 + DeflateAlphabet.lengthIndex(length)] += 1
        distanceFrequencies[DeflateAlphabet.distanceIndex(distance)] += 1
        covered += length
        if symbolCount == Self.blockSymbols { flushBlock() }
    }

    // MARK: Blocks

    /// Writes the symbols since `blockStart` as one non-final block of the cheapest type. Stored is
    /// possible only while the block's bytes are all in the window (`blockStart ≥ 0`); `onlyIfStored`
    /// writes the block only if stored is the cheapest, and otherwise lets it grow.
    private mutating func flushBlock(onlyIfStored: Bool = false) {
        let rawLength = covered - blockStart
        if rawLength == 0 { return }
        if level == .stored {
            writeStored(from: blockStart, length: rawLength)
            blockStart = covered
            return
        }
        if onlyIfStored && blockStart < 0 { return }
        // Stored: per piece of at most 65535 bytes, 3 header bits, padding to a byte, LEN and NLEN.
        let pieces = (rawLength + 65534) / 65535
        let storedBits = blockStart >= 0 ? 8 * rawLength + pieces * 40 : Int.max
        literalFrequencies[DeflateAlphabet.endOfBlock] = 1
        var extraBits = 0
        for i in 0..<29 { extraBits += literalFrequencies[257 + i] * DeflateAlphabet.lengthExtraBits(i) }
        for i in 0..<30 { extraBits += distanceFrequencies[i] * DeflateAlphabet.distanceExtraBits(i) }

        var fixedBits = 3 + extraBits
        for s in 0..<286 { fixedBits += literalFrequencies[s] * Int(fixedLiteralLengths[s]) }
        for s in 0..<30 { fixedBits += distanceFrequencies[s] * 5 }

        huffman.buildLengths(literalFrequencies, count: 286, limit: 15, into: &literalLengths)
        huffman.buildLengths(distanceFrequencies, count: 30, limit: 15, into: &distanceLengths)
        var dynamicBits = 3 + extraBits + prepareDynamicHeader()
        for s in 0..<286 { dynamicBits += literalFrequencies[s] * Int(literalLengths[s]) }
        for s in 0..<30 { dynamicBits += distanceFrequencies[s] * Int(distanceLengths[s]) }

        let storedWins = storedBits <= fixedBits && storedBits <= dynamicBits
        if onlyIfStored && !storedWins { return }
        defer {
            for i in 0..<literalFrequencies.count { literalFrequencies[i] = 0 }
            for i in 0..<distanceFrequencies.count { distanceFrequencies[i] = 0 }
            symbolCount = 0
            blockStart = covered
        }
        if storedWins {
            writeStored(from: blockStart, length: rawLength)
        } else if fixedBits <= dynamicBits {
            writer.put(0b010, 3)  // BFINAL 0, BTYPE 01
            writeSymbols(fixedLiteralCodes, fixedLiteralLengths, fixedDistanceCodes, fixedDistanceLengths)
        } else {
            huffman.assignCodes(literalLengths, count: 286, into: &literalCodes)
            huffman.assignCodes(distanceLengths, count: 30, into: &distanceCodes)
            writer.put(0b100, 3)  // BFINAL 0, BTYPE 10
            writeDynamicHeader()
            writeSymbols(literalCodes, literalLengths, distanceCodes, distanceLengths)
        }
    }

    /// Stored blocks (§3.2.4) of `window[start..<start + length]`, at most 65535 bytes each.
    private mutating func writeStored(from start: Int, length: Int) {
        var start = start, left = length
        repeat {
            let n = min(left, 65535)
            writer.put(0, 3)
            writer.align()
            writer.put(n, 16)
            writer.put(n ^ 0xFFFF, 16)
            for i in start..<(start + n) { writer.bytes.append(matcher.window[i]) }
            start += n
            left -= n
        } while left > 0
    }

    private mutating func writeSymbols(
        _ literalCodes: [UInt16], _ literalLengths: [UInt8], _ distanceCodes: [UInt16], _ distanceLengths: [UInt8]
    ) {
        for i in 0..<symbolCount {
            let symbol = symbols[i]
            if symbol < 256 {
                let s = Int(symbol)
                writer.put(Int(literalCodes[s]), Int(literalLengths[s]))
                continue
            }
            let length = Int(symbol >> 16 & 0xFF) + 3
            let distance = Int(symbol & 0xFFFF) + 1
            let li = DeflateAlphabet.lengthIndex(length)
            writer.put(Int(literalCodes[257 + li]), Int(literalLengths[257 + li]))
            let lengthExtra = DeflateAlphabet.lengthExtraBits(li)
            if lengthExtra > 0 { writer.put(length - DeflateAlphabet.lengthBase(li), lengthExtra) }
            let di = DeflateAlphabet.distanceIndex(distance)
            writer.put(Int(distanceCodes[di]), Int(distanceLengths[di]))
            let distanceExtra = DeflateAlphabet.distanceExtraBits(di)
            if distanceExtra > 0 { writer.put(distance - DeflateAlphabet.distanceBase(di), distanceExtra) }
        }
        let eob = DeflateAlphabet.endOfBlock
        writer.put(Int(literalCodes[eob]), Int(literalLengths[eob]))
    }

    /// Run-length codes the literal/length and distance code lengths (§3.2.7: 16 repeats the previous
    /// length 3–6 times, 17 and 18 give 3–10 and 11–138 zeros), builds the code-length code, and returns
    /// the header's size in bits (after BFINAL and BTYPE).
    private mutating func prepareDynamicHeader() -> Int {
        literalCount = 286
        while literalCount > 257 && literalLengths[literalCount - 1] == 0 { literalCount -= 1 }
        distanceCount = 30
        while distanceCount > 1 && distanceLengths[distanceCount - 1] == 0 { distanceCount -= 1 }
        let total = literalCount + distanceCount
        for i in 0..<literalCount { allLengths[i] = literalLengths[i] }
        for i in 0..<distanceCount { allLengths[literalCount + i] = distanceLengths[i] }

        runCount = 0
        var i = 0
        while i < total {
            let value = allLengths[i]
            var run = 1
            while i + run < total && allLengths[i + run] == value { run += 1 }
            i += run
            if value == 0 {
                while run >= 11 {
                    let n = min(run, 138)
                    addRun(18, n - 11)
                    run -= n
                }
                if run >= 3 {
                    addRun(17, run - 3)
                    run = 0
                }
            } else {
                addRun(value, 0)
                run -= 1
                while run >= 3 {
                    let n = min(run, 6)
                    addRun(16, n - 3)
                    run -= n
                }
            }
            for _ in 0..<run { addRun(value, 0) }
        }

        for s in 0..<19 { codeLengthFrequencies[s] = 0 }
        for r in 0..<runCount { codeLengthFrequencies[Int(runSymbols[r])] += 1 }
        huffman.buildLengths(codeLengthFrequencies, count: 19, limit: 7, into: &codeLengthLengths)
        codeLengthCount = 19
        while codeLengthCount > 4
            && codeLengthLengths[DeflateAlphabet.codeLengthOrder[codeLengthCount - 1]] == 0
        {
            codeLengthCount -= 1
        }
        var bits = 5 + 5 + 4 + 3 * codeLengthCount
        for s in 0..<19 { bits += codeLengthFrequencies[s] * Int(codeLengthLengths[s]) }
        bits += codeLengthFrequencies[16] * 2 + codeLengthFrequencies[17] * 3 + codeLengthFrequencies[18] * 7
        return bits
    }

    @inline(__always) private mutating func addRun(_ symbol: UInt8, _ extra: Int) {
        runSymbols[runCount] = symbol
        runExtras[runCount] = UInt8(extra)
        runCount += 1
    }

    private mutating func writeDynamicHeader() {
        huffman.assignCodes(codeLengthLengths, count: 19, into: &codeLengthCodes)
        writer.put(literalCount - 257, 5)
        writer.put(distanceCount - 1, 5)
        writer.put(codeLengthCount - 4, 4)
        for k in 0..<codeLengthCount {
            writer.put(Int(codeLengthLengths[DeflateAlphabet.codeLengthOrder[k]]), 3)
        }
        for r in 0..<runCount {
            let s = Int(runSymbols[r])
            writer.put(Int(codeLengthCodes[s]), Int(codeLengthLengths[s]))
            switch s {
            case 16: writer.put(Int(runExtras[r]), 2)
            case 17: writer.put(Int(runExtras[r]), 3)
            case 18: writer.put(Int(runExtras[r]), 7)
            default: break
            }
        }
    }
}

/// Packs bit fields into bytes from the least significant bit up (RFC 1951 §3.1.1).
struct BitWriter {
    var bytes: [UInt8] = []
    private var accumulator: UInt64 = 0
    private(set) var bitCount = 0

    /// Appends the low `count` (≤ 32) bits of `value`, which has no higher bits set.
    @inline(__always) mutating func put(_ value: Int, _ count: Int) {
        accumulator |= UInt64(truncatingIfNeeded: value) << UInt64(bitCount)
        bitCount += count
        if bitCount >= 32 {
            let word = UInt32(truncatingIfNeeded: accumulator)
            bytes.append(UInt8(truncatingIfNeeded: word))
            bytes.append(UInt8(truncatingIfNeeded: word >> 8))
            bytes.append(UInt8(truncatingIfNeeded: word >> 16))
            bytes.append(UInt8(truncatingIfNeeded: word >> 24))
            accumulator >>= 32
            bitCount -= 32
        }
    }

    /// Pads with zero bits to a byte boundary and writes out every pending bit.
    mutating func align() {
        while bitCount > 0 {
            bytes.append(UInt8(truncatingIfNeeded: accumulator))
            accumulator >>= 8
            bitCount -= 8
        }
        accumulator = 0
        bitCount = 0
    }
}
