// SwiftletVNC: tests of the zlib stream code (RFC 1950, RFC 1951): round trips through our own inflater,
// streams made once by Python's zlib (fixed vectors), and malformed streams, which must throw, never trap.

import Testing
@testable import SwiftletVNC

@Suite struct DeflateTests {
    /// Deterministic bytes (xorshift64).
    struct Noise {
        var state: UInt64
        mutating func next() -> UInt8 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in next() } }
    }

    /// 32-bit pixels as a framebuffer holds them: a flat background, a gradient, a grid of dark lines, noise.
    static func pixels(width: Int, height: Int) -> [UInt8] {
        var noise = Noise(state: 99)
        var out: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let pixel: [UInt8]
                if y < height / 4 { pixel = [40, 30, 30, 0] }
                else if y < height / 2 { pixel = [UInt8(x * 255 / width), UInt8(y * 255 / height), 128, 0] }
                else if x % 37 < 2 || y % 29 == 0 { pixel = [0, 0, 0, 0] }
                else if y > height - 8 { pixel = [noise.next(), noise.next(), noise.next(), 0] }
                else { pixel = [235, 235, 240, 0] }
                out += pixel
            }
        }
        return out
    }

    static func text(rows: Int) -> [UInt8] {
        var out: [UInt8] = []
        for n in 0..<rows { out += Array("row \(n): value \(n * n)\n".utf8) }
        return out
    }

    static let inputs: [[UInt8]] = {
        var noise = Noise(state: 7)
        return [[], [0x41], noise.bytes(100_000), [UInt8](repeating: 0, count: 200_000),
                Array(repeating: Array("abcabcabd".utf8), count: 5000).flatMap { $0 },
                pixels(width: 256, height: 256), text(rows: 3000),
                noise.bytes(3000) + [UInt8](repeating: 7, count: 70_000)]
    }()

    /// One output piece per input chunk (each ends with a sync flush), then the piece `finish` writes.
    func compress(_ chunks: [[UInt8]], level: DeflateLevel) -> [[UInt8]] {
        var stream = DeflateStream(level: level)
        var pieces: [[UInt8]] = []
        for chunk in chunks {
            var out: [UInt8] = []
            stream.compress(chunk, into: &out)
            pieces.append(out)
        }
        var out: [UInt8] = []
        stream.finish(into: &out)
        return pieces + [out]
    }

    /// The output of each piece, and whether the stream ended.
    func inflate(_ pieces: [[UInt8]], limit: Int = 1 << 24) throws(InflateError) -> (outputs: [[UInt8]], finished: Bool) {
        var stream = InflateStream(outputLimit: limit)
        var outputs: [[UInt8]] = []
        for piece in pieces {
            var out: [UInt8] = []
            try stream.feed(piece, into: &out)
            outputs.append(out)
        }
        return (outputs, stream.isFinished)
    }

    func split(_ bytes: [UInt8], every n: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: n).map { Array(bytes[$0..<min($0 + n, bytes.count)]) }
    }

    @Test func testRoundTripsAtEveryLevel() throws {
        for data in Self.inputs {
            for level in [DeflateLevel.stored, .fast, .default] {
                let whole = compress([data], level: level).flatMap { $0 }
                var result = try inflate([whole])
                #expect(result.outputs.flatMap { $0 } == data)
                #expect(result.finished)
                // Fed in 7-byte pieces: the inflater keeps unfinished units between calls.
                result = try inflate(split(whole, every: 7))
                #expect(result.outputs.flatMap { $0 } == data)
                #expect(result.finished)
                // Compressed in 1000-byte calls: each sync-flushed piece decodes to exactly its chunk.
                let chunks = split(data, every: 1000)
                result = try inflate(compress(chunks, level: level))
                #expect(Array(result.outputs.dropLast()) == chunks)
                #expect(result.outputs.last == [])
                #expect(result.finished)
            }
        }
    }

    @Test func testCompressionRatios() {
        // Python's zlib makes 29878 (level 6) and 31334 (level 1) bytes of these pixels, 19107 of the text.
        let pixels = Self.pixels(width: 256, height: 256), text = Self.text(rows: 3000)
        #expect(compress([pixels], level: .default).flatMap { $0 }.count < 30_300)
        #expect(compress([pixels], level: .fast).flatMap { $0 }.count < 31_800)
        #expect(compress([text], level: .default).flatMap { $0 }.count < 19_400)
        // Incompressible data costs little more than stored blocks.
        let random = Self.inputs[2]
        #expect(compress([random], level: .default).flatMap { $0 }.count < random.count + 64)
    }

    @Test func testManySmallCallsShareHistory() throws {
        // Like ZRLE tiles: each update is small, and repeats what earlier ones sent.
        let chunks = (0..<400).map { i in Array("tile \(i % 9): palette 00ff00 ff0000 0000ff run 17 run 3\n".utf8) }
        let pieces = compress(chunks, level: .default)
        #expect(pieces.flatMap { $0 }.count < chunks.flatMap { $0 }.count / 3)
        let result = try inflate(pieces)
        #expect(Array(result.outputs.dropLast()) == chunks)
        #expect(result.finished)
    }

    // Streams written by Python's zlib (CPython 3, zlib 1.2/1.3).
    @Test func testStreamsFromZlib() throws {
        // zlib.compress(text(rows: 24), 9): one dynamic Huffman block.
        let level9: [UInt8] = [
            0x78, 0xda, 0x45, 0x90, 0x3b, 0x0e, 0x02, 0x31, 0x0c, 0x44, 0xfb, 0x3d, 0x45, 0x8e, 0x90, 0x71, 0x9c, 0x10,
            0x73, 0x1b, 0x0a, 0xba, 0x95, 0x90, 0x56, 0x02, 0xae, 0x0f, 0xf2, 0xb7, 0x7c, 0xca, 0x64, 0xfc, 0xec, 0xeb,
            0xf5, 0x6d, 0xfd, 0xde, 0x3e, 0x8f, 0xf3, 0xfd, 0x6c, 0xfd, 0xb8, 0xfe, 0x88, 0x40, 0x28, 0x52, 0x20, 0x2b,
            0x8e, 0x40, 0x51, 0xe4, 0x0c, 0x2f, 0xe5, 0x19, 0x4c, 0x53, 0x79, 0x05, 0x0f, 0x7b, 0xbf, 0x65, 0x9b, 0xfd,
            0xdf, 0xc1, 0xcb, 0xea, 0x25, 0x78, 0xdb, 0x74, 0xa4, 0x1c, 0xba, 0xeb, 0x95, 0x1f, 0x79, 0x26, 0x15, 0xc1,
            0xd6, 0x82, 0x51, 0x5a, 0x36, 0x07, 0x25, 0x2a, 0x66, 0x82, 0x52, 0x75, 0x57, 0xac, 0x92, 0xf7, 0x4c, 0xea,
            0xd2, 0xf6, 0x9e, 0x14, 0x1e, 0xe4, 0xb3, 0xa4, 0x56, 0xf4, 0x8b, 0xa5, 0x33, 0xbb, 0x33, 0xa5, 0x33, 0xb3,
            0x67, 0xea, 0xac, 0xdb, 0x7a, 0x28, 0x9d, 0x27, 0xc9, 0xf1, 0x03, 0x7c, 0x5e, 0x75, 0xa7,
        ]
        #expect(try inflate([level9]).outputs[0] == Self.text(rows: 24))
        #expect(try inflate(split(level9, every: 1)).outputs.flatMap { $0 } == Self.text(rows: 24))
        // zlib.compress(b"stored block!", 0): a stored block.
        let stored: [UInt8] = [0x78, 0x01, 0x01, 0x0d, 0x00, 0xf2, 0xff, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x64, 0x20,
                               0x62, 0x6c, 0x6f, 0x63, 0x6b, 0x21, 0x24, 0x5e, 0x04, 0xde]
        #expect(try inflate([stored]).outputs[0] == Array("stored block!".utf8))
        // zlib.compress(b"hello hello hello hello", 9): a fixed Huffman block.
        let fixed: [UInt8] = [0x78, 0xda, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27, 0x01, 0x68, 0x03,
                              0x08, 0xb1]
        #expect(try inflate([fixed]).outputs[0] == Array("hello hello hello hello".utf8))
        // compressobj(6): compress(b"first ") + flush(Z_SYNC_FLUSH),
        // compress(b"second first ") + flush(Z_SYNC_FLUSH), flush().
        let pieces: [[UInt8]] = [
            [0x78, 0x9c, 0x4a, 0xcb, 0x2c, 0x2a, 0x2e, 0x51, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff],
            [0x2a, 0x4e, 0x4d, 0xce, 0xcf, 0x4b, 0x51, 0x48, 0x03, 0x73, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff],
            [0x03, 0x00, 0x49, 0xf7, 0x07, 0x2d],
        ]
        let result = try inflate(pieces)
        #expect(result.outputs == [Array("first ".utf8), Array("second first ".utf8), []])
        #expect(result.finished)
    }

    // MARK: Malformed input

    func expect(_ expected: InflateError, _ pieces: [[UInt8]], limit: Int = 1 << 24, sourceLocation: SourceLocation = #_sourceLocation) {
        var stream = InflateStream(outputLimit: limit)
        var out: [UInt8] = []
        do throws(InflateError) {
            for piece in pieces { try stream.feed(piece, into: &out) }
            Issue.record("no error, expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error == expected, sourceLocation: sourceLocation)
            // The error ends the stream.
            #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try stream.feed([0], into: &out) }
        }
    }

    /// A zlib header and the bits `write` puts after it.
    func stream(_ write: (inout BitWriter) -> Void) -> [UInt8] {
        var writer = BitWriter()
        writer.put(0x78, 8)
        writer.put(0x9C, 8)
        write(&writer)
        writer.align()
        return writer.bytes
    }

    @Test func testMalformedStreamsThrow() {
        expect(.badHeader, [[0x78, 0x9D]])  // FCHECK
        expect(.badHeader, [[0x78, 0xBB]])  // a preset dictionary
        expect(.badHeader, [[0x88, 0x98]])  // a 64 KiB window
        let valid = compress([Self.text(rows: 200)], level: .default).flatMap { $0 }
        var corrupt = valid
        corrupt[corrupt.count - 1] ^= 1
        expect(.badChecksum, [corrupt])
        expect(.trailingData, [valid + [0]])
        // BTYPE 11; NLEN that is not ~LEN; a match before any output (fixed code 257, distance code 0).
        expect(.badBlockType, [stream { $0.put(0b111, 3) }])
        expect(.badStoredLength, [stream { w in w.put(0b001, 3); w.align(); w.put(5, 16); w.put(5, 16) }])
        expect(.badDistance, [stream { w in w.put(0b011, 3); w.put(0b100_0000, 7); w.put(0, 5) }])
        // A code-length code of four 1-bit codes is over-subscribed.
        expect(.badCodeLengths, [stream { w in
            w.put(0b101, 3); w.put(0, 5); w.put(0, 5); w.put(0, 4)
            for _ in 0..<4 { w.put(1, 3) }
        }])
        // Repeat code 16 with no previous length (code-length code: 16 and 0 of length 1).
        expect(.badCodeLengths, [stream { w in
            w.put(0b101, 3); w.put(0, 5); w.put(0, 5); w.put(0, 4)
            for length in [1, 0, 0, 1] { w.put(length, 3) }  // order 16, 17, 18, 0
            w.put(1, 1)  // 16 is the second code: bit 1
            w.put(0, 2)
        }])
        let zeros = compress([[UInt8](repeating: 0, count: 100_000)], level: .default).flatMap { $0 }
        expect(.tooLarge, [zeros], limit: 1000)
        expect(.tooLarge, [compress([Self.inputs[2]], level: .stored).flatMap { $0 }], limit: 1000)
        #expect(throws: Never.self) { try inflate([zeros], limit: 100_000) }
    }

    @Test func testTruncatedStreamWaitsForMore() throws {
        let data = Self.pixels(width: 64, height: 64)
        let whole = compress([data], level: .default).flatMap { $0 }
        var stream = InflateStream()
        var out: [UInt8] = []
        try stream.feed(Array(whole.dropLast(3)), into: &out)
        #expect(!(stream.isFinished))
        try stream.feed(Array(whole.suffix(3)), into: &out)
        #expect(stream.isFinished)
        #expect(out == data)
    }

    @Test func testCorruptedStreamsNeverTrap() {
        var noise = Noise(state: 3)
        let valid = compress(split(Self.text(rows: 300), every: 900), level: .default).flatMap { $0 }
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0...Int(noise.next() % 4) {
                bytes[2 + Int(noise.next()) * Int(noise.next()) % (bytes.count - 2)] ^= noise.next() | 1
            }
            _ = try? inflate(split(bytes, every: 1 + Int(noise.next() % 64)), limit: 1 << 16)
        }
    }

    // MARK: Parts

    @Test func testAdler32() {
        var adler = Adler32()
        adler.update(Array("Wikipedia".utf8))
        #expect(adler.value == 0x11E6_0398)
        var long = Adler32(), pieces = Adler32()
        let data = [UInt8](repeating: 255, count: 100_000)
        long.update(data)
        for chunk in split(data, every: 333) { pieces.update(chunk) }
        #expect(long.value == pieces.value)
    }

    @Test func testLengthAndDistanceSymbols() {
        for length in 3...258 {
            let i = DeflateAlphabet.lengthIndex(length)
            let base = DeflateAlphabet.lengthBase(i)
            #expect(base <= length && length < base + (1 << DeflateAlphabet.lengthExtraBits(i)))
        }
        #expect(DeflateAlphabet.lengthIndex(258) == 28)
        #expect(DeflateAlphabet.lengthIndex(257) == 27)
        for distance in 1...32768 {
            let i = DeflateAlphabet.distanceIndex(distance)
            let base = DeflateAlphabet.distanceBase(i)
            #expect(i < 30 && base <= distance && distance < base + (1 << DeflateAlphabet.distanceExtraBits(i)))
        }
    }

    @Test func testCodeLengthsAreLimitedAndComplete() {
        // Fibonacci frequencies make Huffman's tree as deep as there are symbols.
        for (count, limit) in [(30, 15), (19, 7), (286, 15)] {
            var frequencies = [Int](repeating: 0, count: count)
            var (a, b) = (1, 1)
            for s in 0..<count {
                frequencies[s] = a
                (a, b) = (b, min(a + b, 1 << 40))
            }
            var builder = HuffmanBuilder()
            var lengths = [UInt8](repeating: 0, count: count)
            builder.buildLengths(frequencies, count: count, limit: limit, into: &lengths)
            #expect(Int(lengths.max()!) <= limit)
            #expect(lengths.reduce(0) { $0 + (1 << (limit - Int($1))) } == 1 << limit)
            for s in 1..<count { #expect(lengths[s] <= lengths[s - 1]) }
        }
    }
}
