// Test application for SwiftletVNC: a fixed picture served over VNC, changed only by viewers' input (or,
// with --animate, Benchmarks/run vnc's moving picture),
// and its frame buffer's exact pixels on a second port, for Tests/Integration/vnc_peer.py to compare
// with what real viewers decode.
import SwiftletManifest

let application = Application(
    name: "canvas",
    entry: "Canvas",
    devices: [.console, .network, .timers, .entropy],
    arguments: [
        .port("port", default: 5900, help: "The VNC port."),
        .port("dump-port", default: 5901, help: "Each connection gets the frame buffer: width, height (16 bits each), then 0x00RRGGBB pixels (32 bits each, big-endian)."),
        .string("password", default: "", help: "VNC Authentication password (empty: no authentication)."),
        .int("width", default: 640, help: "Frame buffer width."),
        .int("height", default: 480, help: "Frame buffer height."),
        .flag("animate", help: "Benchmarks/run vnc: draw the benchmark's moving picture instead, a new frame each time a viewer has taken the last."),
    ])
