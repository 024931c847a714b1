// SwiftletVNC: the frame buffer an application draws on and the VNC server shows.
//
// Pixels are 0x00RRGGBB words, row after row. Every drawing call clips to the buffer (no coordinate can
// trap) and records what it changed in each attached viewer's damage, so a viewer is sent only the
// changes, and rings the viewer's doorbell so an update it is waiting for goes out. `copy` moves pixels
// inside the buffer and tells viewers that can take it as a CopyRect (RFC 6143 §7.7.2) rather than as
// new pixels. Drawing happens on the one executor, as everything in a Swiftlet application does.

/// A colour as the frame buffer holds it: 0x00RRGGBB.
public typealias Colour = UInt32

public func rgb(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Colour { Colour(r) << 16 | Colour(g) << 8 | Colour(b) }

public final class FrameBuffer: @unchecked Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    /// The pixels, `width * height` of them, top row first.
    public private(set) var pixels: [Colour]
    /// The viewers watching: each gets the damage.
    var watchers: [ViewerState] = []

    /// Sizes are clamped to 1...8192 (RFB sizes are 16-bit; 8192 bounds the memory at 256 MiB).
    public init(width: Int, height: Int, colour: Colour = 0) {
        self.width = min(max(width, 1), FrameBuffer.maximumSide)
        self.height = min(max(height, 1), FrameBuffer.maximumSide)
        pixels = [Colour](repeating: colour, count: self.width * self.height)
    }

    public static let maximumSide = 8192

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The colour at (x, y); 0 outside the buffer.
    public func pixel(x: Int, y: Int) -> Colour {
        guard x >= 0, y >= 0, x < width, y < height else { return 0 }
        return pixels[y * width + x]
    }

    /// Records `rect` (clipped) as changed, for pixels written by other means than the calls here.
    public func changed(_ rect: Rect) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for w in watchers { w.damaged(r) }
    }

    public func set(x: Int, y: Int, _ colour: Colour) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        pixels[y * width + x] = colour
        changed(Rect(x: x, y: y, width: 1, height: 1))
    }

    public func fill(_ rect: Rect, _ colour: Colour) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            let row = y * width
            for x in r.x..<r.maxX { pixels[row + x] = colour }
        }
        changed(r)
    }

    public func clear(_ colour: Colour) { fill(bounds, colour) }

    /// A line from (x0, y0) to (x1, y1), both ends included (Bresenham), clipped to the buffer first
    /// (Liang-Barsky), so its cost is bounded by the buffer's size and its slope is the one asked for.
    public func line(x0: Int, y0: Int, x1: Int, y1: Int, _ colour: Colour) {
        // Clip the segment to the buffer in floating point (plain arithmetic, no libm), then round the ends.
        let fx0 = Double(x0), fy0 = Double(y0), dxf = Double(x1) - Double(x0), dyf = Double(y1) - Double(y0)
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dxf, fx0), (dxf, Double(width - 1) - fx0), (-dyf, fy0), (dyf, Double(height - 1) - fy0)] {
            if p == 0 {
                if q < 0 { return }
            } else {
                let t = q / p
                if p < 0 { if t > t1 { return }; if t > t0 { t0 = t } } else { if t < t0 { return }; if t < t1 { t1 = t } }
            }
        }
        func round(_ v: Double) -> Int { Int(v < 0 ? v - 0.5 : v + 0.5) }
        let x0 = min(max(round(fx0 + t0 * dxf), 0), width - 1), y0 = min(max(round(fy0 + t0 * dyf), 0), height - 1)
        let x1 = min(max(round(fx0 + t1 * dxf), 0), width - 1), y1 = min(max(round(fy0 + t1 * dyf), 0), height - 1)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy, x = x0, y = y0
        while true {
            pixels[y * width + x] = colour
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
        changed(Rect(x: min(x0, x1), y: min(y0, y1), width: dx + 1, height: -dy + 1))
    }

    /// The outline of `rect`, one pixel wide.
    public func stroke(_ rect: Rect, _ colour: Colour) {
        guard !rect.isEmpty else { return }
        fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), colour)
        fill(Rect(x: rect.x, y: rect.maxY - 1, width: rect.width, height: 1), colour)
        fill(Rect(x: rect.x, y: rect.y, width: 1, height: rect.height), colour)
        fill(Rect(x: rect.maxX - 1, y: rect.y, width: 1, height: rect.height), colour)
    }

    /// Copies `source` (`sourceWidth` pixels a row, `source.count / sourceWidth` rows) with its top left
    /// corner at (x, y).
    public func blit(_ source: [Colour], width sourceWidth: Int, x: Int, y: Int) {
        guard sourceWidth > 0 else { return }
        let sourceHeight = source.count / sourceWidth
        let r = Rect(x: x, y: y, width: sourceWidth, height: sourceHeight).intersection(bounds)
        guard !r.isEmpty else { return }
        for row in r.y..<r.maxY {
            let from = (row - y) * sourceWidth + (r.x - x), to = row * width + r.x
            pixels.replaceSubrange(to..<(to + r.width), with: source[from..<(from + r.width)])
        }
        changed(r)
    }

    /// Draws `text` (ASCII; other bytes as '?') in the built-in font with its top left corner at (x, y),
    /// `scale` pixels a font pixel; a nil `background` leaves the pixels between strokes as they were.
    /// Returns the width drawn.
    @discardableResult
    public func text(_ text: String, x: Int, y: Int, _ colour: Colour, background: Colour? = nil, scale: Int = 1) -> Int {
        let scale = min(max(scale, 1), 16)
        let cellWidth = BitmapFont.width * scale, cellHeight = BitmapFont.height * scale
        let x = min(max(x, -Rect.limit), Rect.limit), y = min(max(y, -Rect.limit), Rect.limit)
        var cx = x
        for c in text.utf8 {
            if cx >= width || cx > Rect.limit { break }
            if cx + cellWidth > 0 {
                for row in 0..<BitmapFont.height {
                    let bits = BitmapFont.row(c, row)
                    for column in 0..<BitmapFont.width {
                        let ink = bits & (0x80 >> UInt8(column)) != 0
                        guard ink || background != nil else { continue }
                        let colourHere = ink ? colour : background!
                        for sy in 0..<scale {
                            let py = y + row * scale + sy
                            guard py >= 0, py < height else { continue }
                            for sx in 0..<scale {
                                let px = cx + column * scale + sx
                                if px >= 0, px < width { pixels[py * width + px] = colourHere }
                            }
                        }
                    }
                }
            }
            cx += cellWidth
        }
        changed(Rect(x: x, y: y, width: cx - x, height: cellHeight))
        return cx - x
    }

    /// Moves the pixels of `source` so its top left corner lands at (x, y) (scrolling); the parts of the
    /// destination outside the buffer are dropped. Viewers that take CopyRect are told to copy.
    public func copy(_ source: Rect, toX x: Int, y: Int) {
        // Clip the source so that both it and the destination lie inside the buffer.
        let x = min(max(x, -Rect.limit), Rect.limit), y = min(max(y, -Rect.limit), Rect.limit)
        var s = source.intersection(bounds)
        var dx = x + (s.x - source.x), dy = y + (s.y - source.y)
        let d = Rect(x: dx, y: dy, width: s.width, height: s.height).intersection(bounds)
        guard !d.isEmpty else { return }
        s = Rect(x: s.x + (d.x - dx), y: s.y + (d.y - dy), width: d.width, height: d.height)
        dx = d.x; dy = d.y
        // Rows in the order that does not overwrite rows still to be read; within a row likewise.
        let down = dy > s.y
        for i in 0..<s.height {
            let row = down ? s.height - 1 - i : i
            let from = (s.y + row) * width + s.x, to = (dy + row) * width + dx
            if dx > s.x {
                var c = s.width - 1
                while c >= 0 { pixels[to + c] = pixels[from + c]; c -= 1 }
            } else {
                for c in 0..<s.width { pixels[to + c] = pixels[from + c] }
            }
        }
        for w in watchers { w.copied(s, to: d) }
    }

    /// Changes the size (the picture is kept where it fits, the rest is `colour`); viewers that take the
    /// DesktopSize pseudo-encoding are told.
    public func resize(width newWidth: Int, height newHeight: Int, colour: Colour = 0) {
        let w = min(max(newWidth, 1), FrameBuffer.maximumSide), h = min(max(newHeight, 1), FrameBuffer.maximumSide)
        guard w != width || h != height else { return }
        var next = [Colour](repeating: colour, count: w * h)
        for y in 0..<min(h, height) {
            for x in 0..<min(w, width) { next[y * w + x] = pixels[y * width + x] }
        }
        pixels = next
        width = w
        height = h
        for v in watchers { v.resized(bounds) }
    }
}
