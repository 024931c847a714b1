// SwiftletVNC: the Raw encoding (RFC 6143 §7.7.1): a rectangle's pixels, left to right, top to bottom,
// in the viewer's pixel format. Every viewer takes it, so it is also what the other encoders fall back
// to when they would not be smaller.

enum RawEncoding {
    static func encode(_ pixels: Span<Colour>, stride: Int, _ r: Rect, format: PixelFormat, into out: inout [UInt8]) {
        if format.isNative {
            // Grown once, then written in place: no capacity check per byte.
            var at = out.count
            out.append(contentsOf: repeatElement(0, count: r.area * 4))
            var bytes = out.mutableSpan
            for y in r.y..<r.maxY {
                let row = y * stride
                for x in r.x..<r.maxX {
                    let v = pixels[row + x]
                    bytes[at] = UInt8(truncatingIfNeeded: v); bytes[at + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    bytes[at + 2] = UInt8(truncatingIfNeeded: v >> 16)
                    at += 4
                }
            }
            return
        }
        let bytes = format.bytesPerPixel
        for y in r.y..<r.maxY {
            let row = y * stride
            for x in r.x..<r.maxX { format.append(format.pixel(pixels[row + x]), bytes: bytes, to: &out) }
        }
    }
}
