// Where the dashboard's parts are and how each is drawn.

import Swiftlet
import SwiftletVNC

final class Layout: @unchecked Sendable {
    let title: Rect, stats: Rect, graph: Rect, plot: Rect, canvas: Rect, consoleLine: Rect
    /// The plot's scale: log2 steps from 1 to 2^20 per second.
    static let decades = 20

    init(_ f: FrameBuffer) {
        let w = f.width, h = f.height
        title = Rect(x: 0, y: 0, width: w, height: 40)
        stats = Rect(x: 16, y: 52, width: 300, height: 300)
        graph = Rect(x: 332, y: 52, width: w - 348, height: 300)
        plot = Rect(x: graph.x + 48, y: graph.y + 36, width: graph.width - 60, height: graph.height - 52)
        canvas = Rect(x: 16, y: 368, width: w - 32, height: h - 368 - 56)
        consoleLine = Rect(x: 16, y: h - 44, width: w - 32, height: 28)
    }

    func drawStatic(_ f: FrameBuffer, addresses: String) {
        f.clear(Dashboard.background)
        f.fill(title, Dashboard.panel)
        f.text("Swiftlet", x: 16, y: 4, Dashboard.accent, scale: 2)
        f.text("dashboard", x: 16 + 8 * 2 * 9, y: 12, Dashboard.ink)
        f.fill(stats, Dashboard.panel)
        f.fill(graph, Dashboard.panel)
        f.text("per second (log scale)", x: graph.x + 12, y: graph.y + 6, Dashboard.dim)
        f.text("frames", x: graph.maxX - 200, y: graph.y + 6, Dashboard.green)
        f.text("VNC bytes", x: graph.maxX - 136, y: graph.y + 6, Dashboard.accent)
        for step in stride(from: 0, through: Layout.decades, by: 5) {
            let y = plotY(1 << step)
            f.fill(Rect(x: plot.x, y: y, width: plot.width, height: 1), 0x2A3A4A)
            let label = step == 0 ? "1" : step == 10 ? "1k" : step == 20 ? "1M" : step == 5 ? "32" : "32k"
            f.text(label, x: graph.x + 8, y: y - 8, Dashboard.dim)
        }
        f.fill(canvas, 0x0B1015)
        f.stroke(canvas, 0x2A3A4A)
        f.text("draw here: left button draws, right button clears; type below", x: canvas.x + 8, y: canvas.y + 6, Dashboard.dim)
        f.fill(consoleLine, Dashboard.panel)
        f.text(addresses, x: 16 + 8 * 2 * 9 + 8 * 11, y: 12, Dashboard.dim)
    }

    func plotY(_ perSecond: Int) -> Int {
        let v = max(perSecond, 1)
        let log2 = Int.bitWidth - 1 - v.leadingZeroBitCount  // floor(log2)
        let fraction = Double(v) / Double(1 << log2) - 1  // 0..<1, linear between powers of two
        let scaled = (Double(log2) + fraction) / Double(Layout.decades)
        return plot.maxY - 1 - Int(min(scaled, 1) * Double(plot.height - 1))
    }

    func update(_ f: FrameBuffer, uptime: Duration, sample: Sample, previous: Sample, server: VNCServer) {
        let framesPerSecond = max(0, sample.framesIn - previous.framesIn) + max(0, sample.framesOut - previous.framesOut)
        let vncPerSecond = max(0, sample.vncBytes - previous.vncBytes)
        let seconds = Int(uptime.nanoseconds / 1_000_000_000)
        let clock = two(seconds / 3600) + ":" + two(seconds / 60 % 60) + ":" + two(seconds % 60)
        f.text("up " + clock, x: title.maxX - 8 * 2 * 12 - 16, y: 4, Dashboard.ink, background: Dashboard.panel, scale: 2)

        var lines: [(String, String)] = [
            ("heap in use", kilobytes(sample.heap)),
            ("frames/s", sample.stackCounts ? String(framesPerSecond) : "(host sockets)"),
            ("frames in", sample.stackCounts ? String(sample.framesIn) : "-"),
            ("frames out", sample.stackCounts ? String(sample.framesOut) : "-"),
            ("VNC viewers", String(server.viewers)),
            ("VNC updates", String(sample.vncUpdates)),
            ("VNC sent", kilobytes(sample.vncBytes)),
            ("VNC bytes/s", String(vncPerSecond)),
        ]
        lines.append(("screen", String(f.width) + "x" + String(f.height)))
        for (i, (name, value)) in lines.enumerated() {
            let y = stats.y + 12 + i * 24
            f.text(pad(name, 14), x: stats.x + 12, y: y, Dashboard.dim, background: Dashboard.panel)
            f.text(pad(value, 16), x: stats.x + 12 + 8 * 14, y: y, Dashboard.ink, background: Dashboard.panel)
        }

        // Scroll the plot left by `step` pixels (a CopyRect for viewers) and draw the newest second.
        let step = 4
        f.copy(Rect(x: plot.x + step, y: plot.y, width: plot.width - step, height: plot.height), toX: plot.x, y: plot.y)
        let column = Rect(x: plot.maxX - step, y: plot.y, width: step, height: plot.height)
        f.fill(column, Dashboard.panel)
        for s in stride(from: 0, through: Layout.decades, by: 5) {
            f.fill(Rect(x: column.x, y: plotY(1 << s), width: step, height: 1), 0x2A3A4A)
        }
        for (value, colour) in [(framesPerSecond, Dashboard.green), (vncPerSecond, Dashboard.accent)] where value > 0 || colour == Dashboard.accent {
            let y = plotY(value)
            f.fill(Rect(x: column.x, y: y - 1, width: step, height: 3), colour)
        }
    }

    func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
    func kilobytes(_ n: Int) -> String { n < 10_240 ? String(n) + " B" : String(n / 1024) + " KiB" }
    func pad(_ s: String, _ n: Int) -> String {
        var out = s
        while out.utf8.count < n { out += " " }
        return out
    }
}

/// The drawing area and the console line: what viewers' pointers and keys do.
final class Sketchpad: @unchecked Sendable {
    let frame: FrameBuffer, area: Rect, line: Rect
    var typed: [UInt8] = []
    var last: (x: Int, y: Int)? = nil
    static let palette: [Colour] = [0x4CD964, 0x5AC8FA, 0xF5A623, 0xFF3B30, 0xE8EEF2]
    var strokes = 0

    init(frame: FrameBuffer, area: Rect, line: Rect) {
        self.frame = frame
        self.area = area
        self.line = line
    }

    func handle(_ input: VNCInput) {
        switch input {
        case .pointer(let buttons, let x, let y):
            if buttons & 4 != 0 {
                frame.fill(Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 2), 0x0B1015)
                last = nil
                return
            }
            guard buttons & 1 != 0, x > area.x, y > area.y, x < area.maxX - 1, y < area.maxY - 1 else {
                if last != nil { strokes += 1 }
                last = nil
                return
            }
            let colour = Sketchpad.palette[strokes % Sketchpad.palette.count]
            if let from = last {
                // A 2-pixel wide stroke from the last position.
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    frame.line(x0: from.x + dx, y0: from.y + dy, x1: x + dx, y1: y + dy, colour)
                }
            } else {
                frame.fill(Rect(x: x, y: y, width: 2, height: 2), colour)
            }
            last = (x, y)
        case .key(let down, let keysym):
            guard down else { return }
            switch keysym {
            case 0xFF08: if !typed.isEmpty { typed.removeLast() }  // BackSpace
            case 0xFF0D: typed.removeAll()  // Return
            case 0x20..<0x7F: if typed.count < 120 { typed.append(UInt8(keysym)) }
            default: return
            }
            redrawLine()
        case .cutText(let text):
            for b in text where b >= 0x20 && b < 0x7F && typed.count < 120 { typed.append(b) }
            redrawLine()
        }
    }

    func redrawLine() {
        frame.fill(line, Dashboard.panel)
        let columns = (line.width - 24) / 8
        let shown = typed.count > columns ? Array(typed.suffix(columns)) : typed
        let width = frame.text("> " + String(decoding: shown, as: UTF8.self), x: line.x + 8, y: line.y + 6, Dashboard.ink)
        frame.fill(Rect(x: line.x + 8 + width, y: line.y + 6, width: 8, height: 16), Dashboard.accent)
    }
}
