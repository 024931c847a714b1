// The echo example: RFC 862 echo over TCP and UDP, on port 7 (or `-- --port N`).
//
// Written once against the device protocols; `swiftlet run --target unix|tap|kvm .` runs it unchanged.
// Each TCP connection gets its own child task (`serve`); UDP datagrams go back to their sender. A connection
// whose peer sends nothing for `--idle` seconds (default 300), or takes none of its echo for as long, is
// reset: a client that vanished without FIN or RST, or one that never reads, does not hold it for ever.

import Swiftlet

enum Echo {
    static func start<Net: Network>(console: some Console, network: Net, timers: some Timers, arguments: Arguments) async -> Int32 {
        let port = arguments.port
        let idle = Duration.seconds(Int64(max(1, arguments.idle)))
        let listener: Net.Listener
        let udp: Net.Datagrams
        do throws(NetworkError) {
            (listener, udp) = try network.listenTCPAndUDP(port: port)
        } catch {
            console.log("echo: cannot listen on port \(port): \(error) (another port: -- --port N)")
            return 1
        }
        console.log("echo: listening on TCP and UDP port " + String(port) + " (" + network.reachable(port: port) + ")")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    do throws(NetworkError) {
                        let d = try await udp.receive()
                        try udp.send(d.payload, to: d.source, port: d.sourcePort)
                    } catch {
                        console.log("echo: udp: \(error)")
                        await timers.sleep(for: .milliseconds(10))
                    }
                }
            }
            group.addTask {
                await listener.serve { flow in await serve(flow, idle: idle) }
            }
        }
        return 0
    }

    static func serve<F: TCPFlow>(_ flow: F, idle: Duration) async {
        do throws(NetworkError) {
            while let bytes = try await flow.read(maximum: 65536, timeout: idle) {
                try await flow.write(bytes, timeout: idle)
            }
            flow.close()
        } catch {
            flow.abort()
        }
    }
}
