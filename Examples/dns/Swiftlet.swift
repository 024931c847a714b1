// The dns example's manifest: the zones are the NAME.zone files in zones/. `swiftlet run . -- --help`
// lists the arguments.
import SwiftletManifest

let application = Application(
    name: "dns",
    entry: "NameServer",
    devices: [.console, .network, .timers, .store("zones")],
    arguments: [
        .port("port", default: 53, help: "The UDP and TCP port to answer on."),
        .string("allow-transfer", default: "",
                help: "IPv4 addresses, comma-separated, that may transfer the zones (AXFR, or IXFR answered in full, over TCP)."),
        .string("notify", default: "",
                help: "Secondaries to send NOTIFY when the zones load: ADDRESS[:PORT], comma-separated (port 53 by default)."),
        .string("secondary", default: "",
                help: "Zones to load from a primary by AXFR and keep refreshed: ZONE=ADDRESS[:PORT], comma-separated."),
    ])
