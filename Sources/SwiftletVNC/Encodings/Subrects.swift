// SwiftletVNC: covering a region's non-background pixels with solid rectangles, for RRE (RFC 6143
// §7.7.3) and Hextile (§7.7.4).
//
// Greedy: scanning rows top to bottom, each pixel not yet covered and not background starts a rectangle
// as wide as its run of one colour, grown downwards while the rows below match. The rectangles never
// overlap. The search stops once more than `limit` are found: the caller then sends the region another way.

struct Subrect {
    var colour: Colour
    var x: Int, y: Int, width: Int, height: Int
}

enum Subrects {
    /// The rectangles covering every pixel of `r` that is not `background`, relative to r's corner, in
    /// `found`; false when more than `limit` are needed. `covered` is scratch space the caller keeps (reused, no allocation).
    static func find(_ pixels: Span<Colour>, stride: Int, _ r: Rect, background: Colour, limit: Int,
                     covered: inout [Bool], into found: inout [Subrect]) -> Bool {
        found.removeAll(keepingCapacity: true)
        let w = r.width, h = r.height
        if covered.count < w * h { covered = [Bool](repeating: false, count: w * h) } else {
            for i in 0..<(w * h) { covered[i] = false }
        }
        for y in 0..<h {
            let row = (r.y + y) * stride + r.x
            var x = 0
            while x < w {
                let c = pixels[row + x]
                if c == background || covered[y * w + x] { x += 1; continue }
                var x1 = x + 1
                while x1 < w, pixels[row + x1] == c, !covered[y * w + x1] { x1 += 1 }
                var y1 = y + 1
                grow: while y1 < h {
                    let below = (r.y + y1) * stride + r.x
                    for xx in x..<x1 where pixels[below + xx] != c || covered[y1 * w + xx] { break grow }
                    y1 += 1
                }
                for yy in y..<y1 {
                    for xx in x..<x1 { covered[yy * w + xx] = true }
                }
                found.append(Subrect(colour: c, x: x, y: y, width: x1 - x, height: y1 - y))
                if found.count > limit { return false }
                x = x1
            }
        }
        return true
    }

    /// The most frequent colour of `r` among a bounded sample (every pixel of a small region; an even
    /// grid of 1,024 of a large one).
    static func background(_ pixels: Span<Colour>, stride: Int, _ r: Rect) -> Colour {
        var colours: [Colour] = [], counts: [Int] = []
        // The grid's step: the integer square root of area / 1024 (no floating point: kernels have no libm).
        var step = 1
        while (step + 1) * (step + 1) * 1024 <= r.area { step += 1 }
        var y = r.y
        while y < r.maxY {
            var x = r.x
            while x < r.maxX {
                let c = pixels[y * stride + x]
                if let i = colours.firstIndex(of: c) { counts[i] += 1 } else if colours.count < 64 { colours.append(c); counts.append(1) }
                x += step
            }
            y += step
        }
        var best = 0
        for i in counts.indices where counts[i] > counts[best] { best = i }
        return colours.isEmpty ? 0 : colours[best]
    }
}
