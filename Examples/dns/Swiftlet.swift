// The dns example's manifest: the zones are the NAME.zone files in zones/ (on kvm parsed when the image is
// built, so a broken zone stops the build and the kernel needs no zone-file parser). `swiftlet run . -- --help`
// lists the arguments.
import SwiftletManifest

let application = Application(
    name: "dns",
    entry: "NameServer",
    devices: [.console, .network, .timers, .clock, .wallclock, .entropy, .store("zones", compileZones: true)],
    arguments: [
        .port("port", default: 53, help: "The UDP and TCP port to answer on."),
        .port("metrics-port", default: 0, help: "The TCP port to serve Prometheus metrics on, at /metrics (0: none)."),
        .int("rrl-rate", default: 200, help: "Response rate limit: UDP responses a second of one kind to one network (NSD's default); 0 turns it off."),
        .int("rrl-slip", default: 2, help: "Every Nth rate-limited response is sent truncated (TC=1) so real clients retry over TCP; 0: none."),
        .int("rrl-ipv4-prefix", default: 24, help: "Sources are counted by their first N address bits (a /24 network by default)."),
        .string("allow-transfer", default: "",
                help: "IPv4 addresses, comma-separated, that may transfer the zones (AXFR, or IXFR answered in full, over TCP)."),
        .string("notify", default: "",
                help: "Secondaries to send NOTIFY when the zones load: ADDRESS[:PORT], comma-separated (port 53 by default)."),
        .string("secondary", default: "",
                help: "Zones to load from a primary by AXFR and keep refreshed: ZONE=ADDRESS[:PORT], comma-separated."),
    ])
