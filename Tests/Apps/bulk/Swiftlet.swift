// Test and benchmark application: bulk TCP in either direction, as server or client.
import SwiftletManifest

let application = Application(
    name: "bulk",
    entry: "Bulk",
    devices: [.console, .network, .timers],
    arguments: [
        .string("mode", default: "server", help: "server (sink on 5001, source on 5002), send or receive."),
        .ipv4("peer", help: "send, receive: the server's address."),
        .port("port", help: "send, receive: the server's port."),
        .int("bytes", default: 0, help: "send, receive: how many bytes."),
    ])
