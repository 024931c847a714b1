// SwiftletVNC: rectangles of the frame buffer, and the bounded set of them that has changed since a
// viewer's last update (its damage).
//
// `Damage` holds at most `capacity` rectangles. A change that would make one more is merged into the
// rectangle whose bounding box grows least by it, so a picture changing in many small places costs a
// bounded amount of memory and a bounded number of rectangles an update, at the price of sending some
// pixels that did not change.

public struct Rect: Equatable, Sendable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    /// Coordinates are clamped to ±2^40 and sizes to 0...2^41, so that no sum or product of them (an edge,
    /// an area) can overflow, whatever numbers an application passes; a frame buffer is at most 8192 a side.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = min(max(x, -Rect.limit), Rect.limit)
        self.y = min(max(y, -Rect.limit), Rect.limit)
        self.width = min(max(0, width), 2 * Rect.limit)
        self.height = min(max(0, height), 2 * Rect.limit)
    }

    static let limit = 1 << 40

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var area: Int { width * height }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    public func intersection(_ o: Rect) -> Rect {
        let x0 = max(x, o.x), y0 = max(y, o.y), x1 = min(maxX, o.maxX), y1 = min(maxY, o.maxY)
        guard x1 > x0, y1 > y0 else { return Rect(x: 0, y: 0, width: 0, height: 0) }
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    public func intersects(_ o: Rect) -> Bool { !intersection(o).isEmpty }

    /// The smallest rectangle holding both.
    public func union(_ o: Rect) -> Rect {
        if isEmpty { return o }
        if o.isEmpty { return self }
        let x0 = min(x, o.x), y0 = min(y, o.y)
        return Rect(x: x0, y: y0, width: max(maxX, o.maxX) - x0, height: max(maxY, o.maxY) - y0)
    }

    public func contains(_ o: Rect) -> Bool { o.x >= x && o.y >= y && o.maxX <= maxX && o.maxY <= maxY }

    public var description: String { String(width) + "x" + String(height) + "+" + String(x) + "+" + String(y) }
}

/// The changed parts of the frame buffer a viewer has not been sent yet.
public struct Damage: Sendable {
    public private(set) var rects: [Rect] = []
    public let capacity: Int

    public init(capacity: Int = 16) { self.capacity = max(1, capacity) }

    public var isEmpty: Bool { rects.isEmpty }

    /// Records `r` as changed.
    public mutating func add(_ r: Rect) {
        guard !r.isEmpty else { return }
        var r = r
        // Absorb every rectangle the new one overlaps or touches; repeat, since the union can reach more.
        var merged = true
        while merged {
            merged = false
            var i = 0
            while i < rects.count {
                let o = rects[i]
                if r.contains(o) { rects.remove(at: i); continue }
                if o.contains(r) { return }
                if touches(o, r) {
                    r = r.union(o)
                    rects.remove(at: i)
                    merged = true
                    continue
                }
                i += 1
            }
        }
        if rects.count < capacity { rects.append(r); return }
        // Full: merge into the one whose bounding box grows least.
        var best = 0, bestGrowth = Int.max
        for (i, o) in rects.enumerated() {
            let growth = o.union(r).area - o.area
            if growth < bestGrowth { best = i; bestGrowth = growth }
        }
        let grown = rects[best].union(r)
        rects.remove(at: best)
        add(grown)
    }

    /// Overlapping or edge to edge: merging costs no pixel that is not changed or adjacent.
    private func touches(_ a: Rect, _ b: Rect) -> Bool {
        a.x <= b.maxX && b.x <= a.maxX && a.y <= b.maxY && b.y <= a.maxY
            && (a.intersects(b) || (a.y == b.y && a.height == b.height) || (a.x == b.x && a.width == b.width))
    }

    public func intersects(_ r: Rect) -> Bool { rects.contains { $0.intersects(r) } }

    /// Removes and returns the damage inside `area` (clipped to it); what lies outside stays.
    public mutating func take(within area: Rect) -> [Rect] {
        var taken: [Rect] = []
        var kept: [Rect] = []
        for r in rects {
            let inside = r.intersection(area)
            if inside.isEmpty { kept.append(r); continue }
            taken.append(inside)
            // The parts of r outside `area`: up to four bands.
            if r.y < inside.y { kept.append(Rect(x: r.x, y: r.y, width: r.width, height: inside.y - r.y)) }
            if inside.maxY < r.maxY { kept.append(Rect(x: r.x, y: inside.maxY, width: r.width, height: r.maxY - inside.maxY)) }
            if r.x < inside.x { kept.append(Rect(x: r.x, y: inside.y, width: inside.x - r.x, height: inside.height)) }
            if inside.maxX < r.maxX { kept.append(Rect(x: inside.maxX, y: inside.y, width: r.maxX - inside.maxX, height: inside.height)) }
        }
        rects = []
        for r in kept { add(r) }
        return taken
    }

    public mutating func removeAll() { rects.removeAll() }
}
