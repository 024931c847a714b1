// SwiftletVNC: the deflate decompressor for zlib streams fed in pieces (RFC 1950 §2.2–§2.3; RFC 1951 §3.2).
//
// The decoder is a state machine over units that are decoded whole or not at all: the zlib header, a block
// header (for a dynamic block, the whole code description: at most 74 + 316 × 7 bits, under 300 bytes), one
// literal or one length/distance pair (at most 48 bits), the Adler-32 trailer. When input runs out inside a
// unit, the reader rewinds to the unit's start and keeps the bytes from there (under 300) for the next
// `feed`; stored data is copied byte by byte as it arrives. So the stream holds the 32 KiB window, that short
// tail and its fixed tables, and a call appends at most `outputLimit` bytes; nothing is sized by a length
// read from the stream. Every index into the window, the tables and the input is checked; malformed input
// throws, and an error ends the stream (every later `feed` throws it again).
//
// Huffman codes are decoded through a table of the first 9 bits, with a bit-at-a-time canonical walk
// (§3.2.2) for longer codes. Code length sets must be neither over-subscribed nor incomplete, except a code
// with a single symbol of length 1 (which some encoders write for one distance); an all-zero distance code
// is accepted and fails only if a match uses it.

public enum InflateError: Error, Equatable {
    /// CMF/FLG: not deflate, a window above 32 KiB, a bad check, or a preset dictionary (RFC 1950 §2.2).
    case badHeader
    /// BTYPE 11 (RFC 1951 §3.2.3).
    case badBlockType
    /// NLEN is not the complement of LEN (§3.2.4).
    case badStoredLength
    /// A code description that is over-subscribed or incomplete, repeats a length before the first one,
    /// runs past its end, has more than 286 literal/length or 30 distance codes, or no end-of-block code.
    case badCodeLengths
    /// A bit pattern that is no code, or the literal/length symbols 286 and 287.
    case badCode
    /// Distance symbols 30 and 31, a match in a block without a distance code, or a distance beyond the
    /// output so far.
    case badDistance
    /// One call would append more than `outputLimit` bytes.
    case tooLarge
    /// The Adler-32 trailer does not match the output.
    case badChecksum
    /// Never thrown by `feed`, which cannot know that no more input will come: for callers whose input
    /// ended before `isFinished`.
    case truncated
    /// Bytes after the Adler-32 trailer.
    case trailingData
}

/// A zlib stream decoder fed in pieces; bounded: it never holds more than the 32 KiB window plus `outputLimit` bytes
/// of output per call, and never allocates in proportion to attacker-chosen lengths.
public struct InflateStream {
    private enum Phase { case header, blockHeader, stored, codes, trailer, done, failed }

    private let outputLimit: Int
    private var phase = Phase.header
    /// The error that ended the stream, once `phase` is `.failed`.
    private var failure = InflateError.truncated
    private var lastBlock = false
    private var storedLeft = 0
    private var fixedCodes = false

    private var reader = BitReader()
    /// Input from the start of an unfinished unit, and how many bits of its first byte were already read.
    private var tail: [UInt8] = []
    private var tailSkip = 0

    private var window: [UInt8]
    private var windowPosition = 0
    /// Bytes of history available to matches (at most the window).
    private var history = 0
    private var adler = Adler32()

    private var literals = HuffmanDecoder()
    private var distances = HuffmanDecoder()
    private var codeLengths = HuffmanDecoder()
    private var fixedLiterals = HuffmanDecoder()
    private var fixedDistances = HuffmanDecoder()
    private var lengths: [UInt8]

    public init(outputLimit: Int = 1 << 20) {
        self.outputLimit = outputLimit
        window = [UInt8](repeating: 0, count: Matcher.windowSize)
        lengths = [UInt8](repeating: 0, count: 320)
        // The fixed codes are complete and valid; building them cannot fail.
        try? fixedLiterals.build(DeflateAlphabet.fixedLiteralLengths(), from: 0, count: 288)
        try? fixedDistances.build([UInt8](repeating: 5, count: 32), from: 0, count: 32)
    }

    /// Whether the final block and the Adler-32 trailer have been read and checked.
    public var isFinished: Bool { phase == .done }

    /// Decodes as much of `input` as it can (buffering an incomplete tail internally, bounded), appending decoded
    /// bytes to `output`. Throws on malformed data, or when one call would produce more than outputLimit bytes
    /// (.tooLarge).
    public mutating func feed(_ input: [UInt8], into output: inout [UInt8]) throws(InflateError) {
        if phase == .failed { throw failure }
        if phase == .done {
            if input.isEmpty { return }
            fail(.trailingData)
            throw failure
        }
        if tail.isEmpty {
            reader.start(input, skipping: 0)
        } else {
            var bytes: [UInt8] = []
            swap(&bytes, &tail)
            bytes.append(contentsOf: input)
            reader.start(bytes, skipping: tailSkip)
        }
        let start = output.count
        var summed = start
        do throws(InflateError) {
            try run(into: &output, start: start, summed: &summed)
        } catch {
            fail(error)
            throw error
        }
        adler.update(output, from: summed, to: output.count)
        // Keep the unfinished unit's bytes; `run` left the reader at its start.
        let position = reader.position
        let remaining = reader.bytes.count - position >> 3
        if remaining > 0 {
            tail.reserveCapacity(remaining)
            for i in (position >> 3)..<reader.bytes.count { tail.append(reader.bytes[i]) }
            tailSkip = position & 7
        } else {
            tailSkip = 0
        }
        reader.start([], skipping: 0)
    }

    private mutating func fail(_ error: InflateError) {
        phase = .failed
        failure = error
        tail = []
        reader.start([], skipping: 0)
    }

    /// Decodes units until the input ends or the stream does.
    private mutating func run(into output: inout [UInt8], start: Int, summed: inout Int) throws(InflateError) {
        while true {
            let mark = reader.position
            let complete: Bool
            switch phase {
            case .header: complete = try readHeader()
            case .blockHeader: complete = try readBlockHeader()
            case .stored: complete = try copyStored(into: &output, start: start)
            case .codes: complete = try decodeCodes(into: &output, start: start)
            case .trailer:
                adler.update(output, from: summed, to: output.count)
                summed = output.count
                complete = try readTrailer()
            case .done:
                if reader.position < 8 * reader.bytes.count { throw .trailingData }
                return
            case .failed: throw failure
            }
            if !complete {
                // Stored data and codes commit as they go and stop at a unit's start themselves.
                if phase != .stored && phase != .codes { reader.rewind(to: mark) }
                return
            }
        }
    }

    /// RFC 1950 §2.2: CM 8, CINFO ≤ 7, (CMF·256 + FLG) a multiple of 31, no FDICT.
    private mutating func readHeader() throws(InflateError) -> Bool {
        let cmf = reader.take(8), flg = reader.take(8)
        if flg < 0 { return false }
        guard cmf & 0x0F == 8, cmf >> 4 <= 7, (cmf << 8 | flg) % 31 == 0, flg & 0x20 == 0 else { throw .badHeader }
        phase = .blockHeader
        return true
    }

    private mutating func readTrailer() throws(InflateError) -> Bool {
        reader.alignToByte()
        var check = 0
        for _ in 0..<4 {
            let b = reader.take(8)
            if b < 0 { return false }
            check = check << 8 | b
        }
        guard UInt32(check) == adler.value else { throw .badChecksum }
        phase = .done
        return true
    }

    /// BFINAL and BTYPE (§3.2.3), then LEN/NLEN (§3.2.4) or the code description (§3.2.7).
    private mutating func readBlockHeader() throws(InflateError) -> Bool {
        let header = reader.take(3)
        if header < 0 { return false }
        lastBlock = header & 1 == 1
        switch header >> 1 {
        case 0:
            reader.alignToByte()
            let length = reader.take(16), complement = reader.take(16)
            if complement < 0 { return false }
            guard length ^ 0xFFFF == complement else { throw .badStoredLength }
            storedLeft = length
            phase = .stored
        case 1:
            fixedCodes = true
            phase = .codes
        case 2:
            if try !readCodeDescription() { return false }
            fixedCodes = false
            phase = .codes
        default:
            throw .badBlockType
        }
        return true
    }

    private mutating func readCodeDescription() throws(InflateError) -> Bool {
        let hlit = reader.take(5), hdist = reader.take(5), hclen = reader.take(4)
        if hclen < 0 { return false }
        let literalCount = hlit + 257, distanceCount = hdist + 1
        guard literalCount <= 286, distanceCount <= 30 else { throw .badCodeLengths }
        for s in 0..<19 { lengths[s] = 0 }
        for k in 0..<(hclen + 4) {
            let length = reader.take(3)
            if length < 0 { return false }
            lengths[DeflateAlphabet.codeLengthOrder[k]] = UInt8(length)
        }
        try codeLengths.build(lengths, from: 0, count: 19)
        let total = literalCount + distanceCount
        var i = 0
        while i < total {
            let symbol = codeLengths.decode(&reader)
            if symbol == HuffmanDecoder.needInput { return false }
            if symbol < 0 { throw .badCodeLengths }
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            // 16: the previous length 3–6 times; 17: 3–10 zeros; 18: 11–138 zeros.
            var value: UInt8 = 0
            let extra: Int
            let repeatCount: Int
            switch symbol {
            case 16:
                guard i > 0 else { throw .badCodeLengths }
                value = lengths[i - 1]
                extra = reader.take(2)
                repeatCount = 3 + extra
            case 17:
                extra = reader.take(3)
                repeatCount = 3 + extra
            default:
                extra = reader.take(7)
                repeatCount = 11 + extra
            }
            if extra < 0 { return false }
            guard i + repeatCount <= total else { throw .badCodeLengths }
            for _ in 0..<repeatCount {
                lengths[i] = value
                i += 1
            }
        }
        guard lengths[DeflateAlphabet.endOfBlock] != 0 else { throw .badCodeLengths }
        try literals.build(lengths, from: 0, count: literalCount)
        try distances.build(lengths, from: literalCount, count: distanceCount)
        return true
    }

    private mutating func copyStored(into output: inout [UInt8], start: Int) throws(InflateError) -> Bool {
        while storedLeft > 0 {
            let byte = reader.takeByte()
            if byte < 0 { return false }
            guard output.count - start < outputLimit else { throw .tooLarge }
            emit(UInt8(byte), into: &output)
            storedLeft -= 1
        }
        phase = lastBlock ? .trailer : .blockHeader
        return true
    }

    @inline(__always) private mutating func emit(_ byte: UInt8, into output: inout [UInt8]) {
        output.append(byte)
        window[windowPosition] = byte
        windowPosition = (windowPosition + 1) & Matcher.windowMask
        if history < Matcher.windowSize { history += 1 }
    }

    /// Literals and matches up to the end of the block; returns false (at a symbol's start) when the input
    /// ends first.
    private mutating func decodeCodes(into output: inout [UInt8], start: Int) throws(InflateError) -> Bool {
        while true {
            let mark = reader.position
            let symbol = fixedCodes ? fixedLiterals.decode(&reader) : literals.decode(&reader)
            if symbol < 256 {
                if symbol == HuffmanDecoder.needInput { return false }
                if symbol < 0 { throw .badCode }
                guard output.count - start < outputLimit else { throw .tooLarge }
                emit(UInt8(symbol), into: &output)
                continue
            }
            if symbol == DeflateAlphabet.endOfBlock {
                phase = lastBlock ? .trailer : .blockHeader
                return true
            }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw .badCode }
            let lengthExtra = reader.take(DeflateAlphabet.lengthExtraBits(lengthIndex))
            let distanceSymbol = fixedCodes ? fixedDistances.decode(&reader) : distances.decode(&reader)
            if lengthExtra < 0 || distanceSymbol == HuffmanDecoder.needInput {
                reader.rewind(to: mark)
                return false
            }
            guard distanceSymbol >= 0, distanceSymbol < 30 else { throw .badDistance }
            let distanceExtra = reader.take(DeflateAlphabet.distanceExtraBits(distanceSymbol))
            if distanceExtra < 0 {
                reader.rewind(to: mark)
                return false
            }
            let length = DeflateAlphabet.lengthBase(lengthIndex) + lengthExtra
            let distance = DeflateAlphabet.distanceBase(distanceSymbol) + distanceExtra
            guard distance <= history else { throw .badDistance }
            guard output.count - start + length <= outputLimit else { throw .tooLarge }
            var from = (windowPosition - distance) & Matcher.windowMask
            for _ in 0..<length {
                let byte = window[from]
                output.append(byte)
                window[windowPosition] = byte
                windowPosition = (windowPosition + 1) & Matcher.windowMask
                from = (from + 1) & Matcher.windowMask
            }
            history = min(history + length, Matcher.windowSize)
        }
    }
}

/// Reads bit fields from the least significant bit of each byte up (RFC 1951 §3.1.1), through a 64-bit
/// accumulator; `position` is the number of bits consumed, and `rewind` returns to an earlier one.
struct BitReader {
    private(set) var bytes: [UInt8] = []
    private var next = 0
    private var accumulator: UInt64 = 0
    private var count = 0

    var position: Int { next * 8 - count }

    mutating func start(_ bytes: [UInt8], skipping bits: Int) {
        self.bytes = bytes
        next = 0
        accumulator = 0
        count = 0
        if bits > 0 { _ = take(bits) }
    }

    @inline(__always) mutating func refill() {
        while count <= 56 && next < bytes.count {
            accumulator |= UInt64(bytes[next]) << UInt64(count)
            next += 1
            count += 8
        }
    }

    /// The next `n` (0...32) bits, or −1 (consuming nothing) if the input has fewer.
    @inline(__always) mutating func take(_ n: Int) -> Int {
        if count < n {
            refill()
            if count < n { return -1 }
        }
        let value = Int(truncatingIfNeeded: accumulator & ((1 << UInt64(n)) - 1))
        accumulator >>= UInt64(n)
        count -= n
        return value
    }

    /// Up to 32 bits without consuming them (fewer at the end of input: see `available`).
    @inline(__always) mutating func peek() -> (bits: Int, available: Int) {
        if count < 32 { refill() }
        return (Int(truncatingIfNeeded: accumulator & 0xFFFF_FFFF), count)
    }

    @inline(__always) mutating func skip(_ n: Int) {
        accumulator >>= UInt64(n)
        count -= n
    }

    /// One byte when aligned to a byte boundary, or −1 at the end of input.
    @inline(__always) mutating func takeByte() -> Int {
        if count >= 8 { return take(8) }
        if next < bytes.count {
            next += 1
            return Int(bytes[next - 1])
        }
        return -1
    }

    mutating func alignToByte() {
        let r = count & 7
        accumulator >>= UInt64(r)
        count -= r
    }

    mutating func rewind(to bitPosition: Int) {
        next = bitPosition >> 3
        accumulator = 0
        count = 0
        let r = bitPosition & 7
        if r > 0 { _ = take(r) }
    }
}

/// A canonical Huffman code for decoding (RFC 1951 §3.2.2).
struct HuffmanDecoder {
    static let fastBits = 9
    static let needInput = -1
    static let invalid = -2

    /// Indexed by the next `fastBits` input bits: `length << 9 | symbol` for codes of at most `fastBits`
    /// bits, 0 for longer codes and for patterns that start no code.
    private var fast: [UInt16]
    /// Codes per length, 0...15.
    private var counts: [Int]
    /// Symbols ordered by code length, then by value: the canonical order.
    private var sorted: [UInt16]
    private var offsets: [Int]

    init() {
        offsets = [Int](repeating: 0, count: 16)
        fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
        counts = [Int](repeating: 0, count: 16)
        sorted = [UInt16](repeating: 0, count: 288)
    }

    /// Builds the code whose lengths (each 0...15) are `lengths[start..<start + count]` (count ≤ 288).
    mutating func build(_ lengths: [UInt8], from start: Int, count: Int) throws(InflateError) {
        for d in 0..<16 { counts[d] = 0 }
        for i in start..<(start + count) { counts[Int(lengths[i]) & 15] += 1 }
        counts[0] = 0
        for i in 0..<fast.count { fast[i] = 0 }
        var used = 0
        var left = 1
        for d in 1..<16 {
            left = left << 1 - counts[d]
            if left < 0 { throw .badCodeLengths }
            used += counts[d]
        }
        if used == 0 { return }
        if left > 0 && !(used == 1 && counts[1] == 1) { throw .badCodeLengths }
        // Where each length's symbols start in `sorted`; advanced while placing them.
        var offset = 0
        for d in 1..<16 {
            offsets[d] = offset
            offset += counts[d]
        }
        for i in start..<(start + count) {
            let d = Int(lengths[i]) & 15
            if d == 0 { continue }
            sorted[offsets[d]] = UInt16(i - start)
            offsets[d] += 1
        }
        // Short codes into the table: each code fills every entry whose low bits are its reversed bits.
        var code = 0
        var first = 0
        for d in 1...Self.fastBits {
            for k in 0..<counts[d] {
                let symbol = Int(sorted[first + k])
                let entry = UInt16(d << 9 | symbol)
                var index = DeflateAlphabet.reversed(code, d)
                while index < fast.count {
                    fast[index] = entry
                    index += 1 << d
                }
                code += 1
            }
            first += counts[d]
            code <<= 1
        }
    }

    /// The next symbol, `needInput` (consuming nothing) or `invalid`.
    @inline(__always) func decode(_ reader: inout BitReader) -> Int {
        let (bits, available) = reader.peek()
        let entry = Int(fast[bits & ((1 << Self.fastBits) - 1)])
        if entry != 0 {
            let length = entry >> 9
            if length > available { return Self.needInput }
            reader.skip(length)
            return entry & 511
        }
        // Longer codes: walk the canonical code one bit at a time (codes are read from their top bit).
        var code = 0, first = 0, index = 0
        for d in 1..<16 {
            if d > available { return Self.needInput }
            code |= bits >> (d - 1) & 1
            let n = counts[d]
            if code - first < n {
                reader.skip(d)
                return Int(sorted[index + code - first])
            }
            index += n
            first = (first + n) << 1
            code <<= 1
        }
        return Self.invalid
    }
}
