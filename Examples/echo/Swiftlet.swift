// The echo example's manifest. `swiftlet run . -- --help` lists the arguments.
import SwiftletManifest

let application = Application(
    name: "echo",
    entry: "Echo",
    devices: [.console, .network, .timers],
    arguments: [
        .port("port", default: 7, help: "The TCP and UDP port to echo on."),
        .int("idle", default: 300, help: "Seconds a TCP connection may send nothing, or take none of its echo, before it is closed."),
    ])
