// SwiftletVNC: the Hextile encoding (RFC 6143 §7.7.4): the rectangle in 16x16 tiles, left to right and
// top to bottom, each sent raw or as a background, a foreground and subrectangles with 4-bit corners.
//
// The background and foreground carry over from tile to tile when a tile does not specify them. This
// encoder specifies both again after a raw tile, and the foreground after a coloured-subrectangle tile
// (the background carries over, as the RFC defines), so it never depends on what the RFC leaves undefined.

enum HextileEncoding {
    enum Mask {
        static let raw: UInt8 = 1, backgroundSpecified: UInt8 = 2, foregroundSpecified: UInt8 = 4
        static let anySubrects: UInt8 = 8, subrectsColoured: UInt8 = 16
    }

    static func encode(_ pixels: Span<Colour>, stride: Int, _ r: Rect, format: PixelFormat, scratch: inout EncoderScratch,
                       into out: inout [UInt8]) {
        var background: Colour? = nil, foreground: Colour? = nil
        var ty = r.y
        while ty < r.maxY {
            let th = min(16, r.maxY - ty)
            var tx = r.x
            while tx < r.maxX {
                let tile = Rect(x: tx, y: ty, width: min(16, r.maxX - tx), height: th)
                tileEncode(pixels, stride: stride, tile, format: format, background: &background, foreground: &foreground,
                           scratch: &scratch, into: &out)
                tx += 16
            }
            ty += 16
        }
    }

    static func tileEncode(_ pixels: Span<Colour>, stride: Int, _ t: Rect, format: PixelFormat, background: inout Colour?,
                           foreground: inout Colour?, scratch: inout EncoderScratch, into out: inout [UInt8]) {
        let bytes = format.bytesPerPixel
        // The tile's colours, up to a few: more than that and subrectangles will not beat raw.
        var colours: [Colour] = [], counts: [Int] = []
        colours.reserveCapacity(8); counts.reserveCapacity(8)
        var many = false
        scan: for y in t.y..<t.maxY {
            for x in t.x..<t.maxX {
                let c = pixels[y * stride + x]
                if let i = colours.firstIndex(of: c) { counts[i] += 1; continue }
                if colours.count == 8 { many = true; break scan }
                colours.append(c); counts.append(1)
            }
        }
        let rawSize = 1 + t.area * bytes
        if !many {
            var best = 0
            for i in counts.indices where counts[i] > counts[best] { best = i }
            let bg = colours[best]
            if colours.count == 1 {
                if bg == background { out.append(0) } else {
                    out.append(Mask.backgroundSpecified)
                    format.appendPixel(bg, to: &out)
                    background = bg
                }
                return
            }
            let mono = colours.count == 2
            let fg = colours[best == 0 ? 1 : 0]
            let head = 1 + (bg == background ? 0 : bytes) + (mono && fg != foreground ? bytes : 0) + 1
            let each = mono ? 2 : bytes + 2
            let limit = min(255, (rawSize - 1 - head) / each)
            if limit > 0, Subrects.find(pixels, stride: stride, t, background: bg, limit: limit, covered: &scratch.covered, into: &scratch.subrects) {
                var mask = Mask.anySubrects
                if bg != background { mask |= Mask.backgroundSpecified }
                if mono { if fg != foreground { mask |= Mask.foregroundSpecified } } else { mask |= Mask.subrectsColoured }
                out.append(mask)
                if mask & Mask.backgroundSpecified != 0 { format.appendPixel(bg, to: &out) }
                if mask & Mask.foregroundSpecified != 0 { format.appendPixel(fg, to: &out) }
                out.append(UInt8(scratch.subrects.count))
                for s in scratch.subrects {
                    if !mono { format.appendPixel(s.colour, to: &out) }
                    out.append(UInt8(s.x << 4 | s.y))
                    out.append(UInt8((s.width - 1) << 4 | (s.height - 1)))
                }
                background = bg
                foreground = mono ? fg : nil
                return
            }
        }
        out.append(Mask.raw)
        RawEncoding.encode(pixels, stride: stride, t, format: format, into: &out)
        background = nil
        foreground = nil
    }
}
