// The dns example's manifest: the zones are the NAME.zone files in zones/. `swiftlet run . -- --help`
// lists the arguments.
import SwiftletManifest

let application = Application(
    name: "dns",
    entry: "NameServer",
    devices: [.console, .network, .store("zones")],
    arguments: [
        .port("port", default: 53, help: "The UDP and TCP port to answer on."),
    ])
