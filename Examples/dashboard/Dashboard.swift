// The dashboard example: the kernel's own vital signs, live, in any VNC viewer.
//
// Once a second: uptime, heap in use, frames per second in and out (the stack's counters on tap and kvm;
// on unix the host kernel counts them and the graph shows VNC traffic alone), the VNC server's viewers,
// updates and bytes, and the addresses the kernel answers on. The graph scrolls with `FrameBuffer.copy`,
// which viewers receive as a CopyRect (a few bytes) rather than as new pixels. Below it, a canvas: drag
// with the left button to draw, the right button clears; typed keys go on the console line at the bottom
// (Return clears the line, Backspace deletes).

import Swiftlet
import SwiftletVNC

enum Dashboard {
    static let background: Colour = 0x101820, panel: Colour = 0x1C2833, ink: Colour = 0xE8EEF2, dim: Colour = 0x7F8C99
    static let accent: Colour = 0xF5A623, green: Colour = 0x4CD964, blue: Colour = 0x5AC8FA

    static func start<Net: Network, T: Timers, E: Entropy>(console: some Console, network: Net, timers: T, entropy: E,
                                                         arguments: Arguments) async -> Int32 {
        let frame = FrameBuffer(width: max(arguments.width, 640), height: max(arguments.height, 480))
        let layout = Layout(frame)
        let password = arguments.password
        let server = VNCServer(frame: frame, name: "Swiftlet dashboard", security: password.isEmpty ? .none : .password(Array(password.utf8)))
        let sketchpad = Sketchpad(frame: frame, area: layout.canvas, line: layout.consoleLine)
        server.onInput = { _, input in sketchpad.handle(input) }
        let listener: Net.Listener
        do throws(NetworkError) {
            listener = try network.listen(port: arguments.port)
        } catch {
            console.log("dashboard: cannot listen on port " + String(arguments.port) + ": " + error.description)
            return 1
        }
        layout.drawStatic(frame, addresses: network.reachable(port: arguments.port))
        sketchpad.redrawLine()
        console.log("dashboard: VNC on " + network.reachable(port: arguments.port))
        await withDiscardingTaskGroup { group in
            group.addTask { await server.serve(listener, entropy: entropy, timers: timers, console: console) }
            group.addTask {
                let started = timers.now
                var previous = Sample.take(network: network, server: server)
                var next = started
                while true {
                    next = next + .seconds(1)
                    await timers.sleep(until: next)
                    let sample = Sample.take(network: network, server: server)
                    layout.update(frame, uptime: timers.now - started, sample: sample, previous: previous, server: server)
                    previous = sample
                }
            }
        }
        return 0
    }
}

/// The counters read once a second.
struct Sample {
    var heap = 0, framesIn = 0, framesOut = 0, vncBytes = 0, vncUpdates = 0, stackCounts = false

    static func take<Net: Network>(network: Net, server: VNCServer) -> Sample {
        var text = MetricsText()
        network.writeMetrics(&text)
        PlatformMetrics.writer?(&text)
        var s = Sample()
        s.heap = value(text.bytes, "swiftlet_heap_bytes") ?? 0
        if let i = value(text.bytes, "swiftlet_frames_received_total"), let o = value(text.bytes, "swiftlet_frames_sent_total") {
            s.framesIn = i
            s.framesOut = o
            s.stackCounts = true
        }
        s.vncBytes = server.bytesSent
        s.vncUpdates = server.updatesSent
        return s
    }

    /// The value on the line "NAME VALUE" of a Prometheus text (no labels), if there is one.
    static func value(_ text: [UInt8], _ name: String) -> Int? {
        let key = Array(name.utf8) + [0x20]
        var lineStart = 0
        while lineStart < text.count {
            var end = lineStart
            while end < text.count && text[end] != 0x0A { end += 1 }
            if end - lineStart > key.count && text[lineStart..<(lineStart + key.count)].elementsEqual(key) {
                var v = 0
                for b in text[(lineStart + key.count)..<end] {
                    guard b >= 0x30 && b <= 0x39 else { break }
                    v = v &* 10 &+ Int(b - 0x30)
                }
                return v
            }
            lineStart = end + 1
        }
        return nil
    }
}
