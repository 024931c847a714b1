// The website example: serves the `store` device over HTTP/1.1 on port 8080 (or `-- --port N`), and
// echoes what is POSTed to /api/echo (a route of its own, to show the router).
//
// On `unix` and `tap` the store is a directory (`site/` here, a link to the project's docs/ with its
// index.html, or `--store DIR`); on `kvm` the same code serves site/ embedded in the kernel image. The
// store follows no symbolic link below its root: a site is real files (docs/ARCHITECTURE.md, "Store").

import Swiftlet
import SwiftletHTTP

enum Website {
    static func start<Net: Network, Store: KeyValueStore>(console: some Console, network: Net, wallclock: some WallClock,
                                                          store: Store, arguments: Arguments) async -> Int32 {
        let port = arguments.port
        let listener: Net.Listener
        do throws(NetworkError) {
            listener = try network.listen(port: port)
        } catch {
            console.log("website: cannot listen on port \(port): \(error) (another port: -- --port N)")
            return 1
        }
        console.log("website: serving on port \(port): open http://127.0.0.1:\(port)/")
        let files = StaticFiles(store: store)
        var router = HTTPRouter()
        router.get("/*") { request in await files.respond(request) }
        // A dynamic route next to the files: the request body back, as a client sent it (chunked or not).
        router.post("/api/echo") { request in
            HTTPResponse(status: 200, fields: [HTTPField(name: "Content-Type", value: request.field("Content-Type") ?? "application/octet-stream")],
                         body: request.body)
        }
        let routes = router
        await HTTPServer.serve(listener, clock: wallclock) { request in await routes.respond(request) }
        return 0
    }
}
