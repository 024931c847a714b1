// SwiftletVNC: the ZRLE encoding (RFC 6143 §7.7.6): the rectangle in 64x64 tiles, each sent raw, solid,
// as a packed palette, as runs of colours or as runs of palette indices, whichever is smallest, in
// compressed pixels (CPIXEL: three bytes for the usual 32-bit formats), all of it through one zlib stream
// that lasts as long as the connection (the viewer keeps one inflater for it).
//
// A tile's palette is found with a small open-addressing table (at most 127 colours, the most a palette
// tile can name); a tile with more colours is sent as runs or raw.

struct ZRLEEncoder {
    var stream = DeflateStream(level: .fast)
    /// The tiles' bytes before compression (reused).
    var plain: [UInt8] = []
    var compressed: [UInt8] = []
    var palette = TilePalette()

    mutating func encode(_ pixels: Span<Colour>, stride: Int, _ r: Rect, format: PixelFormat, into out: inout [UInt8]) {
        plain.removeAll(keepingCapacity: true)
        var ty = r.y
        while ty < r.maxY {
            let th = min(64, r.maxY - ty)
            var tx = r.x
            while tx < r.maxX {
                tile(pixels, stride: stride, Rect(x: tx, y: ty, width: min(64, r.maxX - tx), height: th), format: format)
                tx += 64
            }
            ty += 64
        }
        compressed.removeAll(keepingCapacity: true)
        stream.compress(plain, into: &compressed)
        out.appendU32(UInt32(compressed.count))
        out += compressed
    }

    /// Gives back the buffers a big band grew (the zlib stream itself stays: it lasts the connection).
    mutating func shrink() {
        if plain.capacity > 1 << 20 { plain = [] }
        if compressed.capacity > 1 << 20 { compressed = [] }
    }

    @inline(__always) static func runLengthBytes(_ run: Int) -> Int { (run - 1) / 255 + 1 }

    static func appendRunLength(_ run: Int, to out: inout [UInt8]) {
        var rest = run - 1
        while rest >= 255 { out.append(255); rest -= 255 }
        out.append(UInt8(rest))
    }

    mutating func tile(_ pixels: Span<Colour>, stride: Int, _ t: Rect, format: PixelFormat) {
        let cp = format.compressedPixelBytes, high = format.compressedPixelHigh
        palette.reset()
        var runs = 0, plainRunBytes = 0, paletteRunBytes = 0
        var previous = pixels[t.y * stride + t.x]
        var run = 0
        for y in t.y..<t.maxY {
            let row = y * stride
            for x in t.x..<t.maxX {
                let c = pixels[row + x]
                palette.insert(c)
                if c == previous { run += 1; continue }
                runs += 1
                plainRunBytes += cp + Self.runLengthBytes(run)
                paletteRunBytes += run == 1 ? 1 : 1 + Self.runLengthBytes(run)
                previous = c
                run = 1
            }
        }
        runs += 1
        plainRunBytes += cp + Self.runLengthBytes(run)
        paletteRunBytes += run == 1 ? 1 : 1 + Self.runLengthBytes(run)

        let n = palette.count
        if n == 1 {  // solid
            plain.append(1)
            format.appendCompressedPixel(previous, high: high, to: &plain)
            return
        }
        let rawSize = t.area * cp
        var best = 0, bestSize = rawSize  // 0 raw, 1 packed palette, 2 plain RLE, 3 palette RLE
        let bits = n <= 2 ? 1 : n <= 4 ? 2 : 4
        if n <= 16 {
            let packed = n * cp + (t.width * bits + 7) / 8 * t.height
            if packed < bestSize { best = 1; bestSize = packed }
        }
        if plainRunBytes < bestSize { best = 2; bestSize = plainRunBytes }
        if n <= 127, n * cp + paletteRunBytes < bestSize { best = 3; bestSize = n * cp + paletteRunBytes }

        switch best {
        case 1:
            plain.append(UInt8(n))
            for c in palette.colours { format.appendCompressedPixel(c, high: high, to: &plain) }
            for y in t.y..<t.maxY {
                var byte: UInt8 = 0, used = 0
                for x in t.x..<t.maxX {
                    byte = byte << UInt8(bits) | UInt8(palette.index(of: pixels[y * stride + x]))
                    used += bits
                    if used == 8 { plain.append(byte); byte = 0; used = 0 }
                }
                if used > 0 { plain.append(byte << UInt8(8 - used)) }
            }
        case 2, 3:
            let indexed = best == 3
            plain.append(indexed ? UInt8(128 + n) : 128)
            if indexed { for c in palette.colours { format.appendCompressedPixel(c, high: high, to: &plain) } }
            var current = pixels[t.y * stride + t.x]
            var length = 0
            func flush() {
                if indexed {
                    let i = UInt8(palette.index(of: current))
                    if length == 1 { plain.append(i) } else { plain.append(i | 128); Self.appendRunLength(length, to: &plain) }
                } else {
                    format.appendCompressedPixel(current, high: high, to: &plain)
                    Self.appendRunLength(length, to: &plain)
                }
            }
            for y in t.y..<t.maxY {
                for x in t.x..<t.maxX {
                    let c = pixels[y * stride + x]
                    if c == current { length += 1; continue }
                    flush()
                    current = c
                    length = 1
                }
            }
            flush()
        default:
            plain.append(0)
            for y in t.y..<t.maxY {
                for x in t.x..<t.maxX { format.appendCompressedPixel(pixels[y * stride + x], high: high, to: &plain) }
            }
        }
    }
}

/// The distinct colours of a tile in first-seen order, up to 128, found by hashing.
struct TilePalette {
    static let slots = 256
    var keys = [Colour](repeating: 0, count: TilePalette.slots)
    var values = [Int16](repeating: -1, count: TilePalette.slots)
    var colours: [Colour] = []
    /// How many distinct colours (128 means "more than 127").
    var count: Int { colours.count }

    /// Empties the table, latest colour first: each colour's probe sequence then still holds the colours
    /// inserted before it, so `slot(of:)` finds it.
    mutating func reset() {
        for c in colours.reversed() { values[slot(of: c)] = -1 }
        colours.removeAll(keepingCapacity: true)
    }

    @inline(__always) func hash(_ c: Colour) -> Int { Int((c &* 0x9E37_79B1) >> 24) }

    /// The slot that holds `c`, or the empty slot where it would go.
    @inline(__always) func slot(of c: Colour) -> Int {
        var s = hash(c)
        while values[s] >= 0 && keys[s] != c { s = (s + 1) & (TilePalette.slots - 1) }
        return s
    }

    @inline(__always) mutating func insert(_ c: Colour) {
        guard colours.count < 128 else { return }
        let s = slot(of: c)
        if values[s] >= 0 { return }
        keys[s] = c
        values[s] = Int16(colours.count)
        colours.append(c)
    }

    /// `c`'s index (`c` must have been inserted while there was room).
    @inline(__always) func index(of c: Colour) -> Int { Int(values[slot(of: c)]) }
}
