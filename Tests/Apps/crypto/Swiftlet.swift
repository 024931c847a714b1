// Test and benchmark application: SwiftletCrypto inside a kernel. Known answers for every primitive, then
// (with --bench) operations per second measured on the clock device.
import SwiftletManifest

let application = Application(
    name: "crypto",
    entry: "CryptoCheck",
    devices: [.console, .clock, .entropy],
    arguments: [
        .flag("bench", help: "After the known answers, print FIGURE lines: the speed of each primitive."),
    ])
