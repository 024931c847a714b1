// The website example: serves the `store` device over HTTP/1.1 on port 8080 (or `-- --port N`), and
// echoes what is POSTed to /api/echo (a route of its own, to show the router). With `-- --https-port N`
// it serves the same over TLS 1.3 too, with the certificate and key read from the store (`.tls/` by
// default; hidden names are never served), and with `--redirect` its HTTP port only redirects there.
//
// On `unix` and `tap` the store is a directory (`site/` here, a link to the project's docs/ with its
// index.html, or `--store DIR`); on `kvm` the same code serves site/ embedded in the kernel image. The
// store follows no symbolic link below its root: a site is real files (docs/ARCHITECTURE.md, "Store").
// With `-- --metrics-port N` it serves Prometheus metrics at /metrics on port N: the network stack's
// (tap and kvm) and the HTTP server's (responses by class, latency, connections, memory).

import Swiftlet
import SwiftletCrypto
import SwiftletHTTP
import SwiftletTLS

enum Website {
    static func start<Net: Network, Store: KeyValueStore, Random: Entropy>(
        console: some Console, network: Net, wallclock: some WallClock, entropy: Random, store: Store, arguments: Arguments
    ) async -> Int32 {
        let port = arguments.port
        let listener: Net.Listener
        do throws(NetworkError) {
            listener = try network.listen(port: port)
        } catch {
            console.log("website: cannot listen on port \(port): \(error) (another port: -- --port N)")
            return 1
        }
        let files = StaticFiles(store: store)
        var router = HTTPRouter()
        router.get("/*") { request in await files.respond(request) }
        // A dynamic route next to the files: the request body back, as a client sent it (chunked or not).
        router.post("/api/echo") { request in
            HTTPResponse(status: 200, fields: [HTTPField(name: "Content-Type", value: request.field("Content-Type") ?? "application/octet-stream")],
                         body: request.body)
        }
        let routes = router
        // One capacity for both ports: connections and memory are the machine's, not the listener's.
        let load = HTTPServer.Load()
        let scrapes: Net.Listener?
        do throws(NetworkError) {
            scrapes = try MetricsEndpoint.listen(port: arguments.metricsPort, on: network, console: console, name: "website")
        } catch { return 1 }
        // The metrics port (Swiftlet's MetricsEndpoint): the network's figures and the HTTP server's.
        @Sendable func serveMetrics(_ listener: Net.Listener) async {
            await MetricsEndpoint.serve(listener) { out in network.writeMetrics(&out); load.writeMetrics(&out) }
        }
        guard arguments.httpsPort != 0 else {
            console.log("website: serving on port " + String(port) + ": open " + network.reachable(port: port, scheme: "http"))
            await withDiscardingTaskGroup { group in
                group.addTask { await HTTPServer.serve(listener, clock: wallclock, load: load) { request in await routes.respond(request) } }
                if let scrapes { group.addTask { await serveMetrics(scrapes) } }
            }
            return 0
        }

        // HTTPS: the credential from the store, randomness from the entropy device.
        let credential: TLSCredential
        do throws(KeyValueError) {
            let chain = try await store.get(arguments.tlsCertificate)
            let key = try await store.get(arguments.tlsKey)
            do throws(TLSError) {
                credential = try TLSCredential(certificatePEM: chain, keyPEM: key)
            } catch {
                console.log("website: \(arguments.tlsCertificate) and \(arguments.tlsKey) are not a usable certificate chain and key")
                return 1
            }
        } catch {
            console.log("website: cannot read \(arguments.tlsCertificate) or \(arguments.tlsKey) from the store: \(error)"
                        + " (make them with: swiftlet cert --out STORE/.tls NAME)")
            return 1
        }
        let random: RandomGenerator<Random>
        do throws(CryptoError) { random = try RandomGenerator(source: entropy) } catch {
            console.log("website: the entropy device is predictable; refusing to serve HTTPS with it")
            return 1
        }
        var configuration = TLSServerConfiguration(credentials: [credential])
        configuration.applicationProtocols = [HTTPS.http11]
        let tls = TLSServerContext(configuration: configuration, random: random)
        let securePort = arguments.httpsPort
        let secureListener: Net.Listener
        do throws(NetworkError) { secureListener = try network.listen(port: securePort) } catch {
            console.log("website: cannot listen on port \(securePort): \(error)")
            return 1
        }
        console.log("website: serving on port \(port) (HTTP\(arguments.redirect ? ", redirecting" : "")) and \(securePort) (HTTPS):"
                    + " open " + network.reachable(port: securePort, scheme: "https"))
        let redirect = arguments.redirect
        let toHTTPS = HTTPS.redirect(to: securePort)
        let plain: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
            redirect ? await toHTTPS(request) : await routes.respond(request)
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await HTTPServer.serve(listener, clock: wallclock, load: load) { request in await plain(request) } }
            group.addTask { await HTTPS.serve(secureListener, tls: tls, clock: wallclock, load: load) { request in await routes.respond(request) } }
            if let scrapes { group.addTask { await serveMetrics(scrapes) } }
        }
        return 0
    }
}
