// Test application for the block device (kvm target only).
import SwiftletManifest

let application = Application(
    name: "disk",
    entry: "Disk",
    devices: [.console, .block],
    arguments: [
        .int("sectors", default: 1024, help: "How many sectors to write and read back from sector 8."),
    ])
