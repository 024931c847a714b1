// The website example's manifest: the store is the project's website, rendered by `swiftlet build` from the
// Markdown in site/ (`renderMarkdown: true`: its pages link the project's docs; its .site file holds the
// title, navigation and API modules) into .swiftlet/site/, which is read from disk on unix and tap,
// embedded in the kernel on kvm, or a tar archive of it on a kvm kernel's disk when one is attached
// (`disk: true`; tar -chf site.tar -C .swiftlet/site . then swiftlet run --target kvm --disk site.tar). `swiftlet run . -- --help` lists the
// arguments. HTTPS: `swiftlet cert --out site/.tls NAME` writes a certificate and key where the defaults
// below look (names starting with a dot are never served, nor embedded in a kernel: on kvm the site with
// its .tls/ comes as a tar archive on the disk), then `-- --https-port 8443`.
import SwiftletManifest

let application = Application(
    name: "website",
    entry: "Website",
    devices: [.console, .network, .wallclock, .entropy, .store("site", disk: true, renderMarkdown: true)],
    arguments: [
        .port("port", default: 8080, help: "The TCP port to serve HTTP on."),
        .port("https-port", default: 0, help: "The TCP port to serve HTTPS on (0: no HTTPS)."),
        .string("tls-certificate", default: ".tls/server.pem", help: "Store key of the PEM certificate chain, leaf first."),
        .string("tls-key", default: ".tls/server.key", help: "Store key of the PEM private key (P-256, Ed25519 or RSA)."),
        .flag("redirect", help: "With HTTPS, answer every plain-HTTP request with a redirect to HTTPS."),
        .port("metrics-port", default: 0, help: "The TCP port to serve Prometheus metrics on, at /metrics (0: none)."),
    ])
