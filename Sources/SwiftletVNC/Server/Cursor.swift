// SwiftletVNC: the pointer shape the server gives viewers that take the Cursor pseudo-encoding (RFC 6143
// §7.8.1), so the viewer draws the pointer locally, with no round trip: an arrow, black with a white edge.

enum Cursor {
    /// '#' black, '+' white, '.' transparent; the hot spot is the top left corner.
    static let shape: [String] = [
        "+.........",
        "++........",
        "+#+.......",
        "+##+......",
        "+###+.....",
        "+####+....",
        "+#####+...",
        "+######+..",
        "+#######+.",
        "+########+",
        "+#####++++",
        "+##+##+...",
        "+#+.+##+..",
        "++..+##+..",
        "+....+##+.",
        ".....++++.",
    ]
    static let width = 10, height = 16

    /// The rectangle header's x and y are the hot spot; width and height the shape's.
    static let rect = Rect(x: 0, y: 0, width: width, height: height)

    /// The pixels (in the viewer's format) then the mask, one bit a pixel, rows padded to a byte.
    static func emit(format: PixelFormat, into out: inout [UInt8]) {
        var mask: [UInt8] = []
        for line in shape {
            var bits: UInt16 = 0
            var column = 0
            for c in line.utf8 {
                format.appendPixel(c == UInt8(ascii: "#") ? 0x000000 : 0xFFFFFF, to: &out)
                if c != UInt8(ascii: ".") { bits |= 0x8000 >> UInt16(column) }
                column += 1
            }
            mask.append(UInt8(bits >> 8))
            mask.append(UInt8(bits & 0xFF))
        }
        out += mask
    }
}
