// The dashboard example's manifest: a live picture of the running unikernel over VNC. Any VNC viewer
// (TigerVNC's vncviewer, Remmina, macOS Screen Sharing) connects to port 5900. `swiftlet run . -- --help`
// lists the arguments.
import SwiftletManifest

let application = Application(
    name: "dashboard",
    entry: "Dashboard",
    devices: [.console, .network, .timers, .entropy],
    arguments: [
        .port("port", default: 5900, help: "The VNC port."),
        .string("password", default: "", help: "VNC Authentication password (empty: none). VNC's DES challenge protects nothing on an untrusted link: use a tunnel there."),
        .int("width", default: 1024, help: "Screen width in pixels."),
        .int("height", default: 768, help: "Screen height in pixels."),
    ])
