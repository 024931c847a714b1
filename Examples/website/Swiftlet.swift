// The website example's manifest: the store is the directory site/ (the project's documentation),
// read from disk on unix and tap, embedded in the kernel on kvm, or a tar archive of it on a kvm kernel's
// disk when one is attached (`disk: true`; swiftlet run --target kvm --disk site.tar). `swiftlet run . -- --help` lists the
// arguments.
import SwiftletManifest

let application = Application(
    name: "website",
    entry: "Website",
    devices: [.console, .network, .wallclock, .store("site", disk: true)],
    arguments: [
        .port("port", default: 8080, help: "The TCP port to serve HTTP on."),
    ])
