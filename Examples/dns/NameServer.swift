// The dns example: an authoritative name server for the zones in its store (`NAME.zone` files in
// RFC 1035 master format, the zone's name taken from the file's), over UDP and TCP on port 53 (or
// `-- --port N`). Written against the device protocols: the same code runs on unix, tap and kvm.
//
// UDP: one query per datagram. TCP (RFC 7766): queries framed with a two-byte length, several per
// connection, pipelined; a connection idle for 10 s is closed, and at most `maximumTCPClients` are
// served at once (RFC 7766 §6.2.2; one more is reset at once), so that what the connections hold (at
// most one 64 KiB message and one read each, about 34 MiB in all) stays well inside a kernel's heap.
//
// Zone transfers (Transfers.swift): AXFR (and IXFR, answered in full) over TCP to the addresses
// `--allow-transfer` lists; NOTIFY to the `--notify` secondaries once the zones load; and secondary zones
// (`--secondary ZONE=PRIMARY`) loaded by AXFR and refreshed by their SOA's timers or a NOTIFY.

import Swiftlet
import SwiftletWire
import SwiftletDNS

enum NameServer {
    static func start<Net: Network, Store: KeyValueStore>(console: some Console, network: Net, timers: some Timers, store: Store,
                                                          arguments: Arguments) async -> Int32 {
        let port = arguments.port
        let transfers: Transfers
        do throws(TransferError) {
            transfers = try Transfers(allow: arguments.allowTransfer, notify: arguments.notify, secondary: arguments.secondary)
        } catch {
            console.log("dns: \(error)")
            return 1
        }
        var zones: [Zone] = []
        do throws(KeyValueError) {
            for entry in try await store.list("") where entry.kind == .value && entry.name.hasByteSuffix(".zone") {
                let name = String(decoding: entry.name.utf8.dropLast(5), as: UTF8.self)  // bytes: no Unicode tables in the kernel
                let bytes = try await store.get(entry.name)
                guard let origin = DNSName(name + ".") else {
                    console.log("dns: \(entry.name): '\(name)' is not a domain name")
                    return 1
                }
                guard !transfers.secondaries.contains(where: { $0.apex == origin }) else {
                    console.log("dns: \(entry.name): \(origin) is also a secondary zone; it is loaded from its primary")
                    return 1
                }
                do throws(ZoneError) {
                    let records = try ZoneFile.parse(String(decoding: bytes, as: UTF8.self), origin: origin)
                    do throws(ZoneLoadError) { zones.append(try Zone(records: records)) } catch {
                        console.log("dns: \(entry.name): \(error)")
                        return 1
                    }
                } catch {
                    console.log("dns: \(entry.name): \(error)")
                    return 1
                }
            }
        } catch {
            console.log("dns: reading the zones: \(error)")
            return 1
        }
        guard !zones.isEmpty || !transfers.secondaries.isEmpty else {
            console.log("dns: no NAME.zone files in the store and no --secondary zone")
            return 1
        }
        let served = ServedZones(zones)
        let primaries = zones
        let udp: Net.Datagrams
        let listener: Net.Listener
        do throws(NetworkError) {
            (listener, udp) = try network.listenTCPAndUDP(port: port)
        } catch {
            console.log("dns: cannot listen on port \(port): \(error) (another port: -- --port N)")
            return 1
        }
        let names = zones.map { "\($0.apex)" } + transfers.secondaries.map { "\($0.apex) (secondary of \($0.primary))" }
        console.log("dns: serving \(names.joined(separator: " ")) on UDP and TCP port \(port)")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var generation = served.generation
                var cache = DNSResponseCache(responder: served.responder)
                while true {
                    do throws(NetworkError) {
                        let d = try await udp.receive()
                        if served.generation != generation {
                            generation = served.generation
                            cache = DNSResponseCache(responder: served.responder)
                        }
                        if let response = transfers.handleNotifyTraffic(d.payload, from: d.source, served: served) {
                            try udp.send(response, to: d.source, port: d.sourcePort)
                        } else if let response = cache.respond(to: d.payload) {
                            try udp.send(response, to: d.source, port: d.sourcePort)
                        }
                    } catch {
                        console.log("dns: udp: \(error)")
                    }
                }
            }
            group.addTask {
                let clients = TCPClients()
                await listener.serve { flow in
                    guard clients.count < maximumTCPClients else { flow.abort(); return }
                    clients.count += 1
                    await serveTCP(flow, served, transfers)
                    clients.count -= 1
                }
            }
            if !transfers.notify.isEmpty {
                group.addTask { await transfers.sendNotifies(for: primaries, on: udp, served: served, timers: timers, console: console) }
            }
            for secondary in transfers.secondaries {
                group.addTask {
                    await transfers.keepLoaded(secondary, network: network, timers: timers, served: served, console: console)
                }
            }
        }
        return 0
    }

    static let maximumTCPClients = 256

    /// TCP clients being served; shared by their tasks, which all run on the one executor.
    final class TCPClients: @unchecked Sendable { var count = 0 }

    /// Length-prefixed queries until the client closes, errs or idles for 10 s.
    static func serveTCP<F: TCPFlow>(_ flow: F, _ served: ServedZones, _ transfers: Transfers) async {
        var framer = DNSStreamFramer()  // linear in what arrives, however many queries are pipelined
        do throws(NetworkError) {
            while true {
                while let query = framer.next() {
                    if let messages = transfers.outgoing(query, from: flow.remote.address, served: served) {
                        for m in messages { try await flow.write(DNSStreamFramer.frame(m), timeout: .seconds(10)) }
                        continue
                    }
                    guard let response = served.responder.respond(to: query, overTCP: true) else { continue }
                    try await flow.write(DNSStreamFramer.frame(response), timeout: .seconds(10))
                }
                guard let bytes = try await flow.read(maximum: 65537, timeout: .seconds(10)), !bytes.isEmpty else { break }
                framer.append(bytes)
            }
            flow.close()
        } catch {
            flow.abort()
        }
    }
}

/// The zones served now, shared by the tasks (all on the one executor). A secondary zone loaded, refreshed
/// or expired replaces the list and moves `generation` on, so that the UDP task rebuilds its cache.
final class ServedZones: @unchecked Sendable {
    private(set) var zones: [Zone]
    private(set) var generation = 0
    private(set) var responder: DNSResponder

    init(_ zones: [Zone]) {
        self.zones = zones
        responder = DNSResponder(zones: zones)
    }

    func replace(_ zone: Zone) {
        zones.removeAll { $0.apex == zone.apex }
        zones.append(zone)
        changed()
    }

    func remove(_ apex: DNSName) {
        zones.removeAll { $0.apex == apex }
        changed()
    }

    func zone(_ apex: DNSName) -> Zone? { zones.first { $0.apex == apex } }

    private func changed() {
        responder = DNSResponder(zones: zones)
        generation += 1
    }
}
