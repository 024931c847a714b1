// Updates built by the server, decoded by a viewer written here from RFC 6143 §7.6.1, §7.7 and §7.8
// (Raw, CopyRect, RRE, Hextile, ZRLE, DesktopSize, Cursor), for several pixel formats: what the viewer
// shows must be the frame buffer, pixel for pixel, after every kind of drawing. The real viewers'
// decoders (vncdotool, TigerVNC) check the same in Tests/Integration.

import Testing
@testable import SwiftletVNC

/// A viewer's screen, decoded from the server's FramebufferUpdate messages.
struct TestViewer {
    var format: PixelFormat
    var width: Int, height: Int
    var screen: [UInt32]
    var inflater = InflateStream()
    var cursorSeen = false

    init(format: PixelFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
        screen = [UInt32](repeating: 0xDEAD_BEEF, count: width * height)
    }

    /// Colours as the viewer shows them (0x00RRGGBB).
    var colours: [UInt32] { screen.map { format.colour($0) } }

    struct Reader {
        let bytes: [UInt8]
        var at = 0
        mutating func u8() -> UInt8 { defer { at += 1 }; return bytes[at] }
        mutating func u16() -> Int { Int(u8()) << 8 | Int(u8()) }
        mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }
        mutating func pixel(_ n: Int, bigEndian: Bool) -> UInt32 {
            var v: UInt32 = 0
            for i in 0..<n { let b = UInt32(u8()); v = bigEndian ? v << 8 | b : v | b << UInt32(8 * i) }
            return v
        }
        var done: Bool { at >= bytes.count }
    }

    mutating func apply(_ message: [UInt8]) throws {
        var r = Reader(bytes: message)
        #expect(r.u8() == 0, "FramebufferUpdate")
        _ = r.u8()
        let count = r.u16()
        for _ in 0..<count {
            let x = r.u16(), y = r.u16(), w = r.u16(), h = r.u16()
            let encoding = Int32(bitPattern: r.u32())
            try rect(&r, x, y, w, h, RFBEncoding(rawValue: encoding))
        }
        #expect(r.done, "trailing bytes")
    }

    mutating func put(_ x: Int, _ y: Int, _ v: UInt32) {
        precondition(x >= 0 && y >= 0 && x < width && y < height, "pixel outside the screen")
        screen[y * width + x] = v
    }

    mutating func rect(_ r: inout Reader, _ x: Int, _ y: Int, _ w: Int, _ h: Int, _ e: RFBEncoding) throws {
        let bpp = format.bytesPerPixel, be = format.bigEndian
        switch e {
        case .raw:
            for j in 0..<h { for i in 0..<w { put(x + i, y + j, r.pixel(bpp, bigEndian: be)) } }
        case .copyRect:
            let sx = r.u16(), sy = r.u16()
            let old = screen
            for j in 0..<h { for i in 0..<w { put(x + i, y + j, old[(sy + j) * width + sx + i]) } }
        case .rre:
            let n = Int(r.u32())
            let bg = r.pixel(bpp, bigEndian: be)
            for j in 0..<h { for i in 0..<w { put(x + i, y + j, bg) } }
            for _ in 0..<n {
                let c = r.pixel(bpp, bigEndian: be)
                let sx = r.u16(), sy = r.u16(), sw = r.u16(), sh = r.u16()
                #expect(sx + sw <= w && sy + sh <= h)
                for j in 0..<sh { for i in 0..<sw { put(x + sx + i, y + sy + j, c) } }
            }
        case .hextile:
            var bg: UInt32? = nil, fg: UInt32? = nil
            for ty in stride(from: 0, to: h, by: 16) {
                for tx in stride(from: 0, to: w, by: 16) {
                    let tw = min(16, w - tx), th = min(16, h - ty)
                    let mask = r.u8()
                    if mask & 1 != 0 {
                        for j in 0..<th { for i in 0..<tw { put(x + tx + i, y + ty + j, r.pixel(bpp, bigEndian: be)) } }
                        bg = nil; fg = nil
                        continue
                    }
                    if mask & 2 != 0 { bg = r.pixel(bpp, bigEndian: be) }
                    guard let background = bg else { Issue.record("tile without a known background"); return }
                    for j in 0..<th { for i in 0..<tw { put(x + tx + i, y + ty + j, background) } }
                    if mask & 4 != 0 { fg = r.pixel(bpp, bigEndian: be) }
                    if mask & 8 != 0 {
                        let n = Int(r.u8())
                        for _ in 0..<n {
                            var c = fg
                            if mask & 16 != 0 { c = r.pixel(bpp, bigEndian: be) }
                            guard let colour = c else { Issue.record("subrect without a foreground"); return }
                            let xy = r.u8(), wh = r.u8()
                            let sx = Int(xy >> 4), sy = Int(xy & 15), sw = Int(wh >> 4) + 1, sh = Int(wh & 15) + 1
                            #expect(sx + sw <= tw && sy + sh <= th)
                            for j in 0..<sh { for i in 0..<sw { put(x + tx + sx + i, y + ty + sy + j, colour) } }
                        }
                    }
                    if mask & 16 != 0 { fg = nil }
                }
            }
        case .zrle:
            let length = Int(r.u32())
            let compressed = Array(r.bytes[r.at..<(r.at + length)])
            r.at += length
            var plain: [UInt8] = []
            try inflater.feed(compressed, into: &plain)
            var z = Reader(bytes: plain)
            let cp = format.compressedPixelBytes
            func cpixel() -> UInt32 {
                let v = z.pixel(cp, bigEndian: be)
                guard cp == 3 else { return v }
                // §7.7.6: the three bytes that hold the colours; when both would, the first three on the wire.
                let used = UInt32(format.redMax) << UInt32(format.redShift) | UInt32(format.greenMax) << UInt32(format.greenShift)
                    | UInt32(format.blueMax) << UInt32(format.blueShift)
                let fitsLow = used & 0xFF00_0000 == 0, fitsHigh = used & 0xFF == 0
                return (fitsLow && fitsHigh ? be : fitsHigh) ? v << 8 : v
            }
            func runLength() -> Int {
                var n = 1
                while true { let b = Int(z.u8()); n += b; if b != 255 { return n } }
            }
            for ty in stride(from: 0, to: h, by: 64) {
                for tx in stride(from: 0, to: w, by: 64) {
                    let tw = min(64, w - tx), th = min(64, h - ty)
                    var pixels: [UInt32] = []
                    let sub = Int(z.u8())
                    switch sub {
                    case 0: for _ in 0..<(tw * th) { pixels.append(cpixel()) }
                    case 1: pixels = [UInt32](repeating: cpixel(), count: tw * th)
                    case 2...16:
                        let palette = (0..<sub).map { _ in cpixel() }
                        let bits = sub == 2 ? 1 : sub <= 4 ? 2 : 4
                        for _ in 0..<th {
                            var byte = 0, left = 0
                            for _ in 0..<tw {
                                if left == 0 { byte = Int(z.u8()); left = 8 }
                                left -= bits
                                pixels.append(palette[(byte >> left) & ((1 << bits) - 1)])
                            }
                        }
                    case 128:
                        while pixels.count < tw * th { let c = cpixel(); pixels += [UInt32](repeating: c, count: runLength()) }
                    case 130...255:
                        let palette = (0..<(sub - 128)).map { _ in cpixel() }
                        while pixels.count < tw * th {
                            let i = Int(z.u8())
                            pixels += [UInt32](repeating: palette[i & 127], count: i & 128 != 0 ? runLength() : 1)
                        }
                    default: Issue.record("ZRLE subencoding \(sub)"); return
                    }
                    #expect(pixels.count == tw * th, "run past the tile")
                    for j in 0..<th { for i in 0..<tw { put(x + tx + i, y + ty + j, pixels[j * tw + i]) } }
                }
            }
            #expect(z.done, "ZRLE bytes left over")
        case .desktopSize:
            width = w; height = h
            screen = [UInt32](repeating: 0xDEAD_BEEF, count: w * h)
        case .cursor:
            r.at += w * h * bpp + (w + 7) / 8 * h
            cursorSeen = true
        default:
            Issue.record("encoding \(e.rawValue)")
        }
    }
}

@Suite struct EncodingTests {
    static let formats: [PixelFormat] = [
        .native,
        PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: true, redMax: 255, greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16),
        PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: false, redMax: 255, greenMax: 255, blueMax: 255, redShift: 24, greenShift: 16, blueShift: 8),
        PixelFormat(bitsPerPixel: 16, depth: 16, bigEndian: false, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0),
        PixelFormat(bitsPerPixel: 16, depth: 15, bigEndian: true, redMax: 31, greenMax: 31, blueMax: 31, redShift: 10, greenShift: 5, blueShift: 0),
        PixelFormat(bitsPerPixel: 8, depth: 8, bigEndian: false, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6),
    ]

    /// A picture with flat areas, text, lines, a gradient and noise.
    static func draw(_ f: FrameBuffer, seed: UInt64) {
        var s = seed
        func next() -> Int { s = s &* 6364136223846793005 &+ 1442695040888963407; return Int(s >> 33) }
        f.clear(rgb(20, 30, 40))
        for _ in 0..<12 {
            f.fill(Rect(x: next() % f.width, y: next() % f.height, width: next() % 90, height: next() % 70), Colour(next() & 0xFFFFFF))
        }
        f.text("Swiftlet VNC 0123 gjpqy", x: 3, y: 5, 0xFFFFFF)
        f.text("big", x: next() % 100, y: 60, 0xFFCC00, background: 0x000080, scale: 3)
        for i in 0..<8 { f.line(x0: next() % f.width, y0: next() % f.height, x1: next() % f.width, y1: next() % f.height, Colour(0x10101 * (i * 30))) }
        var gradient: [Colour] = []
        for y in 0..<40 { for x in 0..<70 { gradient.append(rgb(UInt8(x * 3), UInt8(y * 6), UInt8((x + y) & 255))) } }
        f.blit(gradient, width: 70, x: next() % f.width, y: next() % f.height)
        for _ in 0..<200 { f.set(x: next() % f.width, y: next() % f.height, Colour(next() & 0xFFFFFF)) }
    }

    func check(_ encodings: [RFBEncoding], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (n, format) in Self.formats.enumerated() {
            let frame = FrameBuffer(width: 203, height: 151)
            let viewer = Self.watching(frame, encodings: encodings, format: format)
            var screen = TestViewer(format: format, width: frame.width, height: frame.height)
            func expect(_ what: String) {
                let expected = frame.pixels.map { format.colour(format.pixel($0)) }
                let shown = screen.colours
                let wrong = zip(expected, shown).enumerated().first { $0.element.0 != $0.element.1 }
                #expect(wrong.map { "pixel \($0.offset % frame.width),\($0.offset / frame.width): want \(String($0.element.0, radix: 16)) got \(String($0.element.1, radix: 16))" } == nil, "\(encodings.map(\.rawValue)) format \(n) \(what)", sourceLocation: sourceLocation)
            }
            Self.draw(frame, seed: UInt64(n))
            viewer.request(incremental: false, frame.bounds, bounds: frame.bounds)
            #expect(viewer.hasWork)
            try screen.apply(viewer.nextMessages(frame))
            expect("full")
            for round in 0..<4 {
                // Incremental: only changes go out.
                // A copy first (sent as CopyRect to viewers that take it), then changes in and around it.
                frame.copy(Rect(x: 0, y: 0, width: 100, height: 60), toX: 50 + round, y: 70)
                frame.fill(Rect(x: 10 * round, y: 20, width: 30, height: 10), rgb(255, 0, UInt8(round * 60)))
                frame.text("round \(round)", x: 100, y: 100 + round, 0x00FF00, background: 0x202020)
                viewer.request(incremental: true, frame.bounds, bounds: frame.bounds)
                #expect(viewer.hasWork)
                let update = viewer.nextMessages(frame)
                try screen.apply(update)
                expect("round \(round)")
                viewer.request(incremental: true, frame.bounds, bounds: frame.bounds)
                #expect(!(viewer.hasWork), "nothing changed, nothing to send")
            }
            // A request for part of the screen gets that part now, the rest later. (The viewer above left a
            // request for the whole screen outstanding; requests add up, so drop it first.)
            viewer.requested = nil
            frame.fill(Rect(x: 0, y: 0, width: 203, height: 151), 0x123456)
            viewer.request(incremental: true, Rect(x: 0, y: 0, width: 100, height: 151), bounds: frame.bounds)
            try screen.apply(viewer.nextMessages(frame))
            viewer.request(incremental: true, frame.bounds, bounds: frame.bounds)
            #expect(viewer.hasWork)
            try screen.apply(viewer.nextMessages(frame))
            expect("in two parts")
            // A new size, told to viewers that take DesktopSize.
            frame.resize(width: 120, height: 90)
            Self.draw(frame, seed: 99)
            viewer.request(incremental: true, frame.bounds, bounds: frame.bounds)
            try screen.apply(viewer.nextMessages(frame))
            if encodings.contains(.desktopSize) {
                // The DesktopSize update comes alone; the pixels follow the viewer's next request.
                #expect(screen.width == 120)
                viewer.request(incremental: true, frame.bounds, bounds: frame.bounds)
                try screen.apply(viewer.nextMessages(frame))
                #expect(screen.width == 120)
                expect("after the resize")
            }
            #expect(screen.cursorSeen == encodings.contains(.cursor))
        }
    }

    /// A viewer past its handshake, attached to `frame`.
    static func watching(_ frame: FrameBuffer, encodings: [RFBEncoding], format: PixelFormat = .native) -> ViewerState {
        let viewer = ViewerState(number: 1, bounds: frame.bounds)
        frame.watchers.append(viewer)
        viewer.ready = true
        viewer.format = format
        viewer.encodings = encodings
        return viewer
    }

    @Test func testRaw() throws { try check([.raw]) }
    @Test func testRawCopyRectDesktopSizeCursor() throws { try check([.copyRect, .raw, .desktopSize, .cursor]) }
    @Test func testRRE() throws { try check([.rre, .copyRect, .desktopSize]) }
    @Test func testHextile() throws { try check([.hextile, .desktopSize]) }
    @Test func testZRLE() throws { try check([.zrle, .copyRect, .desktopSize]) }

    @Test func testZRLETileKinds() throws {
        // Solid, two colours, sixteen, a hundred, and more than 127: every subencoding's path.
        let frame = FrameBuffer(width: 64 * 5, height: 64)
        frame.fill(Rect(x: 0, y: 0, width: 64, height: 64), 0xFF0000)
        for i in 0..<64 { frame.fill(Rect(x: 64 + i, y: 0, width: 1, height: 64), i % 3 == 0 ? 0xFFFFFF : 0x000000) }
        for i in 0..<(64 * 64) { frame.set(x: 128 + i % 64, y: i / 64, Colour((i * 7919) % 16) * 0x0F0F0F) }
        for i in 0..<(64 * 64) { frame.set(x: 192 + i % 64, y: i / 64, Colour((i / 41) % 100) * 0x020304) }
        for i in 0..<(64 * 64) { frame.set(x: 256 + i % 64, y: i / 64, Colour(i &* 2654435761 & 0xFFFFFF)) }
        let viewer = Self.watching(frame, encodings: [.zrle])
        var screen = TestViewer(format: .native, width: frame.width, height: frame.height)
        viewer.request(incremental: false, frame.bounds, bounds: frame.bounds)
        try screen.apply(viewer.nextMessages(frame))
        #expect(screen.colours == frame.pixels)
    }

    @Test func testZRLEStreamOutlivesAPixelFormatChange() throws {
        // One zlib stream per connection (§7.7.6): a viewer that changes its format keeps its inflater.
        let frame = FrameBuffer(width: 150, height: 100)
        Self.draw(frame, seed: 5)
        let viewer = Self.watching(frame, encodings: [.zrle])
        var screen = TestViewer(format: .native, width: frame.width, height: frame.height)
        viewer.request(incremental: false, frame.bounds, bounds: frame.bounds)
        try screen.apply(viewer.nextMessages(frame))
        for format in Self.formats {
            viewer.format = format
            screen.format = format
            let inflater = screen.inflater
            screen = TestViewer(format: format, width: frame.width, height: frame.height)
            screen.inflater = inflater
            viewer.request(incremental: false, frame.bounds, bounds: frame.bounds)
            try screen.apply(viewer.nextMessages(frame))
            #expect(screen.colours == frame.pixels.map { format.colour(format.pixel($0)) })
        }
    }

    @Test func testRequestsAreNotLost() throws {
        // A non-incremental request followed by an incremental one before the answer: the whole area is
        // still sent. A new viewer's first incremental request gets the whole screen too.
        let frame = FrameBuffer(width: 64, height: 48)
        Self.draw(frame, seed: 3)
        for first in [false, true] {
            let viewer = ViewerState(number: 1, bounds: frame.bounds)
            frame.watchers = [viewer]
            viewer.ready = true
            var screen = TestViewer(format: .native, width: frame.width, height: frame.height)
            if first {
                viewer.request(incremental: true, frame.bounds, bounds: frame.bounds)
            } else {
                viewer.request(incremental: false, frame.bounds, bounds: frame.bounds)
                viewer.request(incremental: true, Rect(x: 0, y: 0, width: 10, height: 10), bounds: frame.bounds)
            }
            try screen.apply(viewer.nextMessages(frame))
            #expect(screen.colours == frame.pixels)
        }
    }

    @Test func testDamageIsBounded() {
        var d = Damage(capacity: 16)
        for i in 0..<10_000 { d.add(Rect(x: (i * 37) % 1000, y: (i * 91) % 700, width: 3, height: 2)) }
        #expect(d.rects.count <= 16)
        // Nothing lost: every added rectangle lies inside the damage.
        for i in 0..<10_000 {
            let r = Rect(x: (i * 37) % 1000, y: (i * 91) % 700, width: 3, height: 2)
            var left = [r]
            for c in d.rects { left = left.flatMap { piece -> [Rect] in
                let inside = piece.intersection(c)
                if inside.isEmpty { return [piece] }
                var out: [Rect] = []
                if piece.y < inside.y { out.append(Rect(x: piece.x, y: piece.y, width: piece.width, height: inside.y - piece.y)) }
                if inside.maxY < piece.maxY { out.append(Rect(x: piece.x, y: inside.maxY, width: piece.width, height: piece.maxY - inside.maxY)) }
                if piece.x < inside.x { out.append(Rect(x: piece.x, y: inside.y, width: inside.x - piece.x, height: inside.height)) }
                if inside.maxX < piece.maxX { out.append(Rect(x: inside.maxX, y: inside.y, width: piece.maxX - inside.maxX, height: inside.height)) }
                return out
            } }
            #expect(left.isEmpty, "\(r) lost")
        }
    }

    @Test func testDrawingOutsideTheBufferDoesNotTrap() {
        let f = FrameBuffer(width: 10, height: 10)
        f.fill(Rect(x: -5, y: -5, width: 100, height: 3), 1)
        f.line(x0: -1_000_000_000, y0: 5, x1: Int.max / 4, y1: -Int.max / 4, 2)
        f.text("xyz", x: -20, y: 8, 3, background: 4, scale: 1000)
        f.blit([1, 2, 3], width: 2, x: 9, y: 9)
        f.copy(Rect(x: -3, y: -3, width: 50, height: 50), toX: 4, y: -2)
        f.set(x: 10, y: 0, 5)
        f.fill(Rect(x: 1, y: 0, width: Int.max, height: 1), 6)
        f.stroke(Rect(x: Int.min, y: Int.min, width: Int.max, height: Int.max), 6)
        f.blit([0], width: Int.max, x: 1, y: 0)
        f.copy(Rect(x: Int.min, y: 0, width: 1, height: 1), toX: 0, y: 0)
        f.copy(Rect(x: 0, y: 0, width: 10, height: 10), toX: Int.max, y: Int.min)
        f.text("a", x: Int.max - 10, y: Int.max - 10, 7, scale: Int.max)
        f.changed(Rect(x: Int.max, y: Int.max, width: Int.max, height: Int.max))
        #expect(Rect(x: Int.min, y: Int.max, width: Int.max, height: Int.min).area == 0)
        // A long line keeps its slope: from (0, 0) towards (1000000, 10) it is still on row 0 at the edge.
        let g = FrameBuffer(width: 100, height: 10)
        g.line(x0: 0, y0: 0, x1: 1_000_000, y1: 10, 1)
        #expect(g.pixel(x: 99, y: 0) == 1)
        #expect(f.pixel(x: 100, y: 0) == 0)
        f.resize(width: 0, height: 100_000)
        #expect(f.width == 1)
        #expect(f.height == FrameBuffer.maximumSide)
    }

    @Test func testCopyMovesPixels() {
        let f = FrameBuffer(width: 8, height: 8)
        for i in 0..<64 { f.set(x: i % 8, y: i / 8, Colour(i)) }
        f.copy(Rect(x: 0, y: 0, width: 4, height: 4), toX: 2, y: 1)  // overlapping, down and right
        for y in 0..<4 { for x in 0..<4 { #expect(f.pixel(x: 2 + x, y: 1 + y) == Colour(y * 8 + x)) } }
    }
}
