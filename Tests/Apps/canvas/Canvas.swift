// The canvas test application: a picture with flat areas, text, lines and a gradient (so every encoder
// takes each of its paths), then what viewers do: a click paints an 8x8 square at the pointer (red for
// the left button, green for the middle, blue for the right), typed keys are drawn on a line and logged,
// cut text is logged. Port `dump-port` gives the exact frame buffer to compare with. With --animate it shows
// Benchmarks/run vnc's moving picture instead, a new frame each time a viewer has taken the last.

import Swiftlet
import SwiftletVNC

enum Canvas {
    static func start<Net: Network, T: Timers, E: Entropy>(console: some Console, network: Net, timers: T, entropy: E,
                                                         arguments: Arguments) async -> Int32 {
        let frame = FrameBuffer(width: arguments.width, height: arguments.height)
        draw(frame)
        let password = arguments.password
        let server = VNCServer(frame: frame, name: "canvas", security: password.isEmpty ? .none : .password(Array(password.utf8)))
        var typed: [UInt8] = []
        server.onInput = { viewer, input in
            switch input {
            case .pointer(let buttons, let x, let y):
                guard buttons & 7 != 0 else { return }
                let colour: Colour = buttons & 1 != 0 ? 0xFF0000 : buttons & 2 != 0 ? 0x00FF00 : 0x0000FF
                frame.fill(Rect(x: x - 4, y: y - 4, width: 8, height: 8), colour)
            case .key(let down, let keysym):
                guard down, keysym >= 0x20, keysym < 0x7F else { return }
                if typed.count == 70 { typed.removeFirst() }
                typed.append(UInt8(keysym))
                let line = String(decoding: typed, as: UTF8.self)
                frame.text(line, x: 8, y: frame.height - 24, 0xFFFFFF, background: 0x000000)
                console.log("canvas: viewer " + String(viewer) + " typed " + line)
            case .cutText(let text):
                console.log("canvas: viewer " + String(viewer) + " cut text " + String(decoding: text, as: UTF8.self))
            }
        }
        let listener: Net.Listener, dump: Net.Listener
        do throws(NetworkError) {
            listener = try network.listen(port: arguments.port)
            dump = try network.listen(port: arguments.dumpPort)
        } catch {
            console.log("canvas: cannot listen: " + error.description)
            return 1
        }
        console.log("canvas: VNC on port " + String(arguments.port) + ", frame buffer on port " + String(arguments.dumpPort))
        let animate = arguments.animate
        await withDiscardingTaskGroup { group in
            if animate {
                group.addTask {
                    // The picture repeats every 4 frames: made once, then copied in (as x11vnc's is).
                    var pictures: [[Colour]] = []
                    for k in 0..<UInt32(4) {
                        var picture = [Colour](repeating: 0, count: frame.width * frame.height)
                        for y in 0..<frame.height {
                            for x in 0..<frame.width { picture[y * frame.width + x] = animationPixel(k, UInt32(x), UInt32(y)) }
                        }
                        pictures.append(picture)
                    }
                    var k = 0, taken = -1
                    while true {
                        if server.updatesSent == taken { await timers.sleep(for: .milliseconds(1)); continue }
                        taken = server.updatesSent
                        frame.blit(pictures[k & 3], width: frame.width, x: 0, y: 0)
                        k &+= 1
                    }
                }
            }
            group.addTask { await server.serve(listener, entropy: entropy, timers: timers, console: console) }
            group.addTask {
                await dump.serve { flow in
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(4 + frame.pixels.count * 4)
                    for v in [frame.width, frame.height] { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
                    for p in frame.pixels { bytes += [0, UInt8(p >> 16 & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p & 0xFF)] }
                    do throws(NetworkError) { try await flow.write(bytes, timeout: .seconds(10)); flow.close() } catch { flow.abort() }
                }
            }
        }
        return 0
    }

    /// The benchmark's picture, frame k (it repeats every 4 frames): a band of gradient moving 64 pixels a
    /// frame over flat 64x64 blocks whose colours turn every frame (Benchmarks/vnc-peers.c draws the same
    /// for x11vnc).
    static func animationPixel(_ k: UInt32, _ x: UInt32, _ y: UInt32) -> Colour {
        if y < 256 { return ((x &+ 64 &* k) & 255) << 16 | (y & 255) << 8 | (((x &+ y) >> 1) &+ 64 &* k) & 255 }
        return animationPalette[Int(((x >> 6) &+ (y >> 6) &+ k) & 3)]
    }
    static let animationPalette: [Colour] = [0x102030, 0x405060, 0xC0C0C0, 0xF5A623]

    static func draw(_ f: FrameBuffer) {
        f.clear(rgb(32, 40, 56))
        var gradient: [Colour] = []
        for y in 0..<96 { for x in 0..<160 { gradient.append(rgb(UInt8(x * 255 / 159), UInt8(y * 255 / 95), UInt8(128 + (x ^ y) % 128))) } }
        f.blit(gradient, width: 160, x: f.width - 170, y: 10)
        let colours: [Colour] = [0xE53935, 0x43A047, 0x1E88E5, 0xFDD835, 0x8E24AA, 0x00ACC1]
        for (i, c) in colours.enumerated() { f.fill(Rect(x: 20 + i * 50, y: 120, width: 40, height: 40 + i * 10), c) }
        f.text("Swiftlet VNC canvas", x: 20, y: 20, 0xFFFFFF, scale: 2)
        f.text("The quick brown fox jumps over the lazy dog. 0123456789", x: 20, y: 60, 0xC0C0C0)
        f.text("{}[]()<>|\\/@#$%^&*_+-=~`'\";:,.?!", x: 20, y: 80, 0xFFCC00, background: 0x203040)
        for i in 0..<16 { f.line(x0: 20, y0: 260 + i * 4, x1: 300, y1: 230 + i * 12, rgb(UInt8(i * 16), 200, UInt8(255 - i * 16))) }
        for i in 0..<12 { f.stroke(Rect(x: 340 + i * 6, y: 200 + i * 6, width: 120 - i * 12, height: 100 - i * 8), 0x10101 * Colour(40 + i * 16)) }
        for y in stride(from: 330, to: min(f.height - 40, 420), by: 2) { f.fill(Rect(x: 20, y: y, width: 200, height: 1), y % 4 == 0 ? 0xFFFFFF : 0x000000) }
    }
}
