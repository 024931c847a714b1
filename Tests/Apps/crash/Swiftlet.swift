// Test application: deliberate failures (kvm target tests).
import SwiftletManifest

let application = Application(
    name: "crash",
    entry: "Crash",
    devices: [.console],
    arguments: [
        .string("how", default: "fatal", help: "fatal, null, memory or status."),
    ])
