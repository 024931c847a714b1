// SwiftletVNC: the RFB pixel format (RFC 6143 §7.4) and the translation of the frame buffer's pixels
// into the one a viewer asked for.
//
// The frame buffer holds 0x00RRGGBB words. A viewer's format is true colour only (colour maps are not
// offered: §7.5.2 is optional and every viewer in use speaks true colour), 8, 16 or 32 bits a pixel, in
// either byte order, each channel an n-bit field (maximum 2^n - 1, n in 1...16) at its shift, inside the
// pixel and not overlapping another. Anything else is refused when it arrives (`problem`), so the
// translation below never sees a format it cannot write.

/// A PIXEL_FORMAT structure (16 bytes on the wire).
public struct PixelFormat: Equatable, Sendable {
    public var bitsPerPixel: UInt8
    public var depth: UInt8
    public var bigEndian: Bool
    public var trueColour: Bool
    public var redMax: UInt16, greenMax: UInt16, blueMax: UInt16
    public var redShift: UInt8, greenShift: UInt8, blueShift: UInt8

    public init(bitsPerPixel: UInt8, depth: UInt8, bigEndian: Bool, trueColour: Bool = true,
                redMax: UInt16, greenMax: UInt16, blueMax: UInt16, redShift: UInt8, greenShift: UInt8, blueShift: UInt8) {
        self.bitsPerPixel = bitsPerPixel
        self.depth = depth
        self.bigEndian = bigEndian
        self.trueColour = trueColour
        self.redMax = redMax
        self.greenMax = greenMax
        self.blueMax = blueMax
        self.redShift = redShift
        self.greenShift = greenShift
        self.blueShift = blueShift
    }

    /// The server's own: 32 bits, depth 24, little-endian, 0x00RRGGBB (what the frame buffer holds).
    public static let native = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: false, redMax: 255, greenMax: 255, blueMax: 255,
                                           redShift: 16, greenShift: 8, blueShift: 0)

    static let wireLength = 16

    /// Decodes the 16 bytes at `offset` (the caller has checked they are there).
    init(_ bytes: Span<UInt8>, at offset: Int) {
        bitsPerPixel = bytes[offset]
        depth = bytes[offset + 1]
        bigEndian = bytes[offset + 2] != 0
        trueColour = bytes[offset + 3] != 0
        redMax = UInt16(bytes[offset + 4]) << 8 | UInt16(bytes[offset + 5])
        greenMax = UInt16(bytes[offset + 6]) << 8 | UInt16(bytes[offset + 7])
        blueMax = UInt16(bytes[offset + 8]) << 8 | UInt16(bytes[offset + 9])
        redShift = bytes[offset + 10]
        greenShift = bytes[offset + 11]
        blueShift = bytes[offset + 12]
    }

    public func emit(into out: inout [UInt8]) {
        out.append(bitsPerPixel)
        out.append(depth)
        out.append(bigEndian ? 1 : 0)
        out.append(trueColour ? 1 : 0)
        out.appendU16(redMax)
        out.appendU16(greenMax)
        out.appendU16(blueMax)
        out.append(redShift)
        out.append(greenShift)
        out.append(blueShift)
        out.append(0); out.append(0); out.append(0)
    }

    /// Why a viewer's format cannot be served, or nil when it can.
    public var problem: String? {
        guard bitsPerPixel == 8 || bitsPerPixel == 16 || bitsPerPixel == 32 else { return "bits per pixel must be 8, 16 or 32" }
        guard trueColour else { return "colour-map formats are not supported (true colour only)" }
        guard depth >= 1, depth <= bitsPerPixel else { return "depth must be 1...bits per pixel" }
        var used: UInt32 = 0
        for (maximum, shift) in [(redMax, redShift), (greenMax, greenShift), (blueMax, blueShift)] {
            guard maximum != 0 else { return "a colour with zero bits" }
            guard maximum & (maximum &+ 1) == 0 else { return "a colour maximum that is not 2^n - 1" }
            let bits = 16 - maximum.leadingZeroBitCount
            guard Int(shift) + bits <= Int(bitsPerPixel) else { return "a colour field outside the pixel" }
            let field = UInt32(maximum) << UInt32(shift)
            guard used & field == 0 else { return "colour fields overlap" }
            used |= field
        }
        return nil
    }

    public var bytesPerPixel: Int { Int(bitsPerPixel) / 8 }

    /// Whether pixels go out as the frame buffer holds them (no translation, 4 bytes each).
    var isNative: Bool { self == .native || (bitsPerPixel == 32 && !bigEndian && redMax == 255 && greenMax == 255 && blueMax == 255 && redShift == 16 && greenShift == 8 && blueShift == 0) }

    /// `rgb` (0x00RRGGBB) as a pixel value of this format. Each channel is scaled with rounding.
    @inline(__always) public func pixel(_ rgb: UInt32) -> UInt32 {
        let r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF
        return PixelFormat.scale(r, UInt32(redMax)) << UInt32(redShift)
            | PixelFormat.scale(g, UInt32(greenMax)) << UInt32(greenShift)
            | PixelFormat.scale(b, UInt32(blueMax)) << UInt32(blueShift)
    }

    @inline(__always) static func scale(_ channel: UInt32, _ maximum: UInt32) -> UInt32 {
        maximum == 255 ? channel : (channel * maximum + 127) / 255
    }

    /// The 0x00RRGGBB colour a viewer shows for `value` of this format (each channel scaled back to 8
    /// bits): what a viewer decodes; tests and the server's own checks use it.
    public func colour(_ value: UInt32) -> UInt32 {
        func channel(_ maximum: UInt16, _ shift: UInt8) -> UInt32 {
            let m = UInt32(maximum)
            guard m != 0, shift < 32 else { return 0 }
            let v = (value >> UInt32(shift)) & m
            return m == 255 ? v : (v * 255 + m / 2) / m
        }
        return channel(redMax, redShift) << 16 | channel(greenMax, greenShift) << 8 | channel(blueMax, blueShift)
    }

    /// Appends `value` (a pixel of this format) in `bytes` bytes of this format's byte order.
    @inline(__always) func append(_ value: UInt32, bytes: Int, to out: inout [UInt8]) {
        switch bytes {
        case 1: out.append(UInt8(truncatingIfNeeded: value))
        case 2:
            if bigEndian { out.append(UInt8(truncatingIfNeeded: value >> 8)); out.append(UInt8(truncatingIfNeeded: value)) }
            else { out.append(UInt8(truncatingIfNeeded: value)); out.append(UInt8(truncatingIfNeeded: value >> 8)) }
        case 3:
            if bigEndian {
                out.append(UInt8(truncatingIfNeeded: value >> 16)); out.append(UInt8(truncatingIfNeeded: value >> 8)); out.append(UInt8(truncatingIfNeeded: value))
            } else {
                out.append(UInt8(truncatingIfNeeded: value)); out.append(UInt8(truncatingIfNeeded: value >> 8)); out.append(UInt8(truncatingIfNeeded: value >> 16))
            }
        default:
            if bigEndian {
                out.append(UInt8(truncatingIfNeeded: value >> 24)); out.append(UInt8(truncatingIfNeeded: value >> 16))
                out.append(UInt8(truncatingIfNeeded: value >> 8)); out.append(UInt8(truncatingIfNeeded: value))
            } else {
                out.append(UInt8(truncatingIfNeeded: value)); out.append(UInt8(truncatingIfNeeded: value >> 8))
                out.append(UInt8(truncatingIfNeeded: value >> 16)); out.append(UInt8(truncatingIfNeeded: value >> 24))
            }
        }
    }

    /// Appends the frame-buffer colour `rgb` as one pixel of this format.
    @inline(__always) public func appendPixel(_ rgb: UInt32, to out: inout [UInt8]) {
        append(pixel(rgb), bytes: bytesPerPixel, to: &out)
    }

    /// ZRLE's compressed pixel (RFC 6143 §7.7.6 CPIXEL): three bytes when the format is 32 bits with
    /// depth ≤ 24 and every colour in the low or the high three bytes; else a whole pixel.
    var compressedPixelBytes: Int { compressedPixelHigh == nil ? bytesPerPixel : 3 }

    /// For a three-byte CPIXEL, whether it is the pixel's high three bytes (else its low three); nil when
    /// a CPIXEL is a whole pixel. When the colours fit in either, the three that come first on the wire
    /// (high for big-endian, low for little-endian), as viewers read them (TigerVNC's ZRLE decoder).
    var compressedPixelHigh: Bool? {
        guard bitsPerPixel == 32, depth <= 24 else { return nil }
        let used = UInt32(redMax) << UInt32(redShift) | UInt32(greenMax) << UInt32(greenShift) | UInt32(blueMax) << UInt32(blueShift)
        let low = used & 0xFF00_0000 == 0, high = used & 0x0000_00FF == 0
        if low && high { return bigEndian }
        return low ? false : high ? true : nil
    }

    /// Appends `rgb` as a CPIXEL: the three bytes that hold the colours, in the pixel's byte order.
    @inline(__always) func appendCompressedPixel(_ rgb: UInt32, to out: inout [UInt8]) {
        appendCompressedPixel(rgb, high: compressedPixelHigh, to: &out)
    }

    /// The same with `compressedPixelHigh` worked out once by the caller.
    @inline(__always) func appendCompressedPixel(_ rgb: UInt32, high: Bool?, to out: inout [UInt8]) {
        let value = pixel(rgb)
        guard let high else { append(value, bytes: bytesPerPixel, to: &out); return }
        append(high ? value >> 8 : value, bytes: 3, to: &out)
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendU16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func appendU32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v >> 24)); append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
}
