// SwiftletVNC: the RRE encoding (RFC 6143 §7.7.3): a background colour and solid subrectangles, each
// with its colour and 16-bit position and size. Worth it for flat pictures; `encode` returns false,
// having written nothing, when RRE would be larger than Raw or need more than 4,096 subrectangles.

enum RREEncoding {
    static func encode(_ pixels: Span<Colour>, stride: Int, _ r: Rect, format: PixelFormat, scratch: inout EncoderScratch,
                       into out: inout [UInt8]) -> Bool {
        let bytes = format.bytesPerPixel
        let rawSize = r.area * bytes
        let background = Subrects.background(pixels, stride: stride, r)
        // At most 4,096 subrectangles: beyond, the search costs more than Raw would (and its list, memory).
        let limit = min(4096, (rawSize - 4 - bytes) / (bytes + 8))
        guard limit >= 0,
              Subrects.find(pixels, stride: stride, r, background: background, limit: limit, covered: &scratch.covered, into: &scratch.subrects)
        else { return false }
        out.appendU32(UInt32(scratch.subrects.count))
        format.appendPixel(background, to: &out)
        for s in scratch.subrects {
            format.appendPixel(s.colour, to: &out)
            out.appendU16(UInt16(s.x)); out.appendU16(UInt16(s.y)); out.appendU16(UInt16(s.width)); out.appendU16(UInt16(s.height))
        }
        return true
    }
}

/// Buffers an encoder reuses from one rectangle to the next (one per viewer).
struct EncoderScratch {
    var covered: [Bool] = []
    var subrects: [Subrect] = []
}
