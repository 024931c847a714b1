// swiftlet run --port HOST:GUEST: makes the application's TCP port GUEST reachable at 127.0.0.1:HOST on
// every target. A proxy in the `swiftlet run` process accepts on the host's loopback and connects to the
// application (127.0.0.1 for unix, its address on the tap for tap and kvm), copying both ways until each
// side has closed; it ends with `swiftlet run`, so nothing is left to remove.
//
// Built on SwiftletUnix's host sockets and run loop, on a thread of its own while the main thread waits
// for the application. TCP only: UDP services (the dns example) are reached at the guest's address.

import Foundation
import Swiftlet
import SwiftletUnix

struct PortForward: Equatable {
    var host: UInt16
    var guest: UInt16

    /// `HOST:GUEST`, or `PORT` for the same number on both sides.
    init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = UInt16(parts[0]), let g = UInt16(parts.last!), h > 0, g > 0 else {
            throw CLIError("--port '\(text)': HOST:GUEST with two port numbers (1-65535), e.g. --port 8080:80")
        }
        host = h
        guest = g
    }

    /// Listens on 127.0.0.1 for each forward now (so a port in use is reported before the application
    /// starts), then serves them on a new thread.
    static func start(_ forwards: [PortForward], to guest: IPv4Address) throws {
        guard !forwards.isEmpty else { return }
        let loop = SwiftletUnix.RunLoop()
        let network = HostNetwork(loop: loop, bindAddress: IPv4Address(127, 0, 0, 1))
        var listeners: [(HostListener, PortForward)] = []
        for f in forwards {
            do throws(NetworkError) {
                listeners.append((try network.listen(port: f.host), f))
            } catch {
                if error == .portInUse(f.host) { throw CLIError("port \(f.host) is in use on 127.0.0.1: choose another with --port OTHER:\(f.guest)") }
                throw CLIError("cannot listen on 127.0.0.1:\(f.host): \(error)")
            }
            say("forwarding 127.0.0.1:\(f.host) to \(guest):\(f.guest) (TCP)")
        }
        let serving = listeners
        let thread = Thread {
            _ = loop.run {
                await withDiscardingTaskGroup { group in
                    for (listener, f) in serving {
                        group.addTask { await listener.serve { client in await relay(client, network, guest, f.guest) } }
                    }
                }
                return 0
            }
        }
        thread.start()
    }

    /// One forwarded connection: to the application, then bytes both ways; a side's end of stream is
    /// passed on as a half-close, an error resets both.
    private static func relay(_ client: HostFlow, _ network: HostNetwork, _ guest: IPv4Address, _ port: UInt16) async {
        let upstream: HostFlow
        do throws(NetworkError) { upstream = try await network.connect(to: guest, port: port) } catch {
            client.abort()
            return
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await pump(client, upstream) }
            group.addTask { await pump(upstream, client) }
        }
        client.close()
        upstream.close()
    }

    private static func pump(_ from: HostFlow, _ to: HostFlow) async {
        do throws(NetworkError) {
            while let bytes = try await from.read(maximum: 65536) { try await to.write(bytes) }
            to.shutdownWrite()
        } catch {
            from.abort()
            to.abort()
        }
    }
}
