// The dns example: an authoritative name server for the zones in its store (`NAME.zone` files in
// RFC 1035 master format, the zone's name taken from the file's), over UDP and TCP on port 53 (or
// `-- --port N`). Written against the device protocols: the same code runs on unix, tap and kvm. On kvm
// the zone files are parsed when the image is built (the manifest's `compileZones`, SwiftletDNS
// ZoneImage), so a broken zone stops the build and the kernel carries no zone-file parser.
//
// UDP: one query per datagram. TCP (RFC 7766): queries framed with a two-byte length, several per
// connection, pipelined; a connection idle for 10 s is closed, and at most `maximumTCPClients` are
// served at once (RFC 7766 §6.2.2; one more is reset at once), so that what the connections hold (at
// most one 64 KiB message and one read each, about 34 MiB in all) stays well inside a kernel's heap.
//
// Zone transfers (Transfers.swift): AXFR (and IXFR, answered in full) over TCP to the addresses
// `--allow-transfer` lists; NOTIFY to the `--notify` secondaries once the zones load; and secondary zones
// (`--secondary ZONE=PRIMARY`) loaded by AXFR and refreshed by their SOA's timers or a NOTIFY.
//
// Response rate limiting (SwiftletDNS/RateLimiter.swift), on by default with NSD's defaults: at most
// `--rrl-rate` responses a second (200; 0 turns it off) of one kind to one `--rrl-ipv4-prefix` network
// (/24) over UDP; beyond that every `--rrl-slip`th response (2; 0: none) goes out truncated so a real
// client retries over TCP, and the rest are dropped. TCP is never limited. DNS cookies (RFC 7873, with
// RFC 9018 server cookies) are answered with a secret drawn from the entropy device at start; a client
// that returns a valid server cookie is not rate limited (unless that device is predictable).
//
// With `-- --metrics-port N` it serves Prometheus metrics at /metrics on port N: queries by type and
// transport, responses by RCODE, what the rate limiter held back (SwiftletDNS/ServerCounts.swift), and
// the network stack's figures (tap and kvm).


import Swiftlet
import SwiftletWire
import SwiftletDNS

enum NameServer {
    static func start<Net: Network, Clock: MonotonicClock, Random: Entropy, Store: KeyValueStore>(
        console: some Console, network: Net, timers: some Timers, clock: Clock, wallclock: some WallClock, entropy: Random,
        store: Store, arguments: Arguments
    ) async -> Int32 {
        let port = arguments.port
        let transfers: Transfers
        do throws(TransferError) {
            transfers = try Transfers(allow: arguments.allowTransfer, notify: arguments.notify, secondary: arguments.secondary)
        } catch {
            console.log("dns: " + error.description)
            return 1
        }
        var zones: [Zone] = []
        do throws(KeyValueError) {
            for entry in try await store.list("") where entry.kind == .value && entry.name.hasByteSuffix(".zone") {
                let name = String(decoding: entry.name.utf8.dropLast(5), as: UTF8.self)  // bytes: no Unicode tables in the kernel
                let bytes = try await store.get(entry.name)
                guard let origin = DNSName(name + ".") else {
                    console.log("dns: " + entry.name + ": '" + name + "' is not a domain name")
                    return 1
                }
                guard !transfers.secondaries.contains(where: { $0.apex == origin }) else {
                    console.log("dns: " + entry.name + ": " + origin.description + " is also a secondary zone; it is loaded from its primary")
                    return 1
                }
                let records: [DNSRecord]
                #if SWIFTLET_COMPILED_ZONES
                // Parsed by `swiftlet build` (the manifest's compileZones): the kernel carries no zone-file parser.
                do throws(TransferError) { records = try ZoneImage.records(bytes, apex: origin) } catch {
                    console.log("dns: " + entry.name + ": " + error.description)
                    return 1
                }
                #else
                do throws(ZoneError) { records = try ZoneFile.parse(String(decoding: bytes, as: UTF8.self), origin: origin) } catch {
                    console.log("dns: " + entry.name + ": " + error.description)
                    return 1
                }
                #endif
                do throws(ZoneLoadError) { zones.append(try Zone(records: records)) } catch {
                    console.log("dns: " + entry.name + ": " + error.description)
                    return 1
                }
            }
        } catch {
            console.log("dns: reading the zones: " + error.description)
            return 1
        }
        guard !zones.isEmpty || !transfers.secondaries.isEmpty else {
            console.log("dns: no NAME.zone files in the store and no --secondary zone")
            return 1
        }
        // The rate limiter's hash key and the cookie secret: 16 random bytes each.
        var random = [UInt8](repeating: 0, count: 32)
        var span = random.mutableSpan
        entropy.fill(&span)
        let limiter = DNSRateLimiter(rate: arguments.rrlRate, slip: arguments.rrlSlip, ipv4PrefixLength: arguments.rrlIpv4Prefix,
                                     key: random[0..<16].span)
        let start = clock.now()
        var front = DNSServerFront(responder: DNSResponder(zones: zones), limiter: limiter, cookieSecret: random[16..<32].span,
                                   unixTimeAtZero: wallclock.now().secondsSinceEpoch - Int64(start.nanoseconds / 1_000_000_000))
        if !entropy.isUnpredictable {
            // Cookies made from a guessable secret could be forged: they still work, but exempt nobody.
            front.validCookiesAreExempt = false
            console.log("dns: the entropy device is predictable: DNS cookies exempt no client from rate limiting")
        }
        let served = ServedZones(zones, front: front)
        let primaries = zones
        let udp: Net.Datagrams
        let listener: Net.Listener
        do throws(NetworkError) {
            (listener, udp) = try network.listenTCPAndUDP(port: port)
        } catch {
            console.log("dns: cannot listen on port " + String(port) + ": " + error.description + " (another port: -- --port N)")
            return 1
        }
        let scrapes: Net.Listener?
        do throws(NetworkError) {
            scrapes = try MetricsEndpoint.listen(port: arguments.metricsPort, on: network, console: console, name: "dns")
        } catch { return 1 }
        let names = zones.map { $0.apex.description } + transfers.secondaries.map { $0.apex.description + " (secondary of " + $0.primary.description + ")" }
        // Concatenation, not interpolation: each interpolation site costs a kernel about a kilobyte.
        console.log("dns: serving " + names.joined(separator: " ") + " on UDP and TCP port " + String(port)
                    + (limiter.isOn ? ", rate limit " + String(limiter.rate) + "/s per /" + String(limiter.ipv4PrefixLength)
                                      + ", slip " + String(limiter.slip) : ", no rate limit")
                    + "; at " + network.reachable(port: port))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    do throws(NetworkError) {
                        let d = try await udp.receive()
                        if let response = transfers.handleNotifyTraffic(d.payload, from: d.source, served: served) {
                            try udp.send(response, to: d.source, port: d.sourcePort)
                        } else if let response = served.respond(to: d.payload, from: d.source, now: clock.now()) {
                            try udp.send(response, to: d.source, port: d.sourcePort)
                        }
                    } catch {
                        console.log("dns: udp: " + error.description)
                    }
                }
            }
            group.addTask {
                let clients = TCPClients()
                await listener.serve { flow in
                    guard clients.count < maximumTCPClients else { flow.abort(); return }
                    clients.count += 1
                    await serveTCP(flow, served, transfers, clock)
                    clients.count -= 1
                }
            }
            if let scrapes {
                group.addTask { await MetricsEndpoint.serve(scrapes) { out in network.writeMetrics(&out); served.writeMetrics(&out) } }
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
    static func serveTCP<F: TCPFlow>(_ flow: F, _ served: ServedZones, _ transfers: Transfers, _ clock: some MonotonicClock) async {
        var framer = DNSStreamFramer()  // linear in what arrives, however many queries are pipelined
        do throws(NetworkError) {
            while true {
                while let query = framer.next() {
                    if var transfer = transfers.outgoing(query, from: flow.remote.address, served: served) {
                        while let m = try? transfer.next() { try await flow.write(DNSStreamFramer.frame(m), timeout: .seconds(10)) }
                        continue
                    }
                    guard let response = served.respondOverTCP(to: query, from: flow.remote.address, now: clock.now()) else { continue }
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

/// The zones served now and the front that answers from them, shared by the tasks (all on the one
/// executor). A secondary zone loaded, refreshed or expired replaces the zone list and the front's responder.
final class ServedZones: @unchecked Sendable {
    private(set) var zones: [Zone]
    /// No run-time exclusivity check: a class's `var` otherwise costs each query one (about 120
    /// instructions). Safe because it is reached only through the methods below, none of which calls
    /// another or suspends while it holds the front.
    @exclusivity(unchecked) private var front: DNSServerFront

    init(_ zones: [Zone], front: DNSServerFront) {
        self.zones = zones
        self.front = front
    }

    func replace(_ zone: Zone) {
        zones.removeAll { $0.apex == zone.apex }
        zones.append(zone)
        front.replace(responder: DNSResponder(zones: zones))
    }

    func remove(_ apex: DNSName) {
        zones.removeAll { $0.apex == apex }
        front.replace(responder: DNSResponder(zones: zones))
    }

    func zone(_ apex: DNSName) -> Zone? { zones.first { $0.apex == apex } }

    /// The answer to a query over UDP (`DNSServerFront.respond`).
    func respond(to query: [UInt8], from source: IPAddress, now: Instant) -> [UInt8]? {
        front.respond(to: query, from: source, now: now)
    }

    /// The answer to a query over TCP (`DNSServerFront.respondOverTCP`).
    func respondOverTCP(to query: [UInt8], from source: IPAddress, now: Instant) -> [UInt8]? {
        front.respondOverTCP(to: query, from: source, now: now)
    }

    /// The front's counts and the zones served, for the metrics port.
    func writeMetrics(_ out: inout MetricsText) {
        front.counts.writeMetrics(&out)
        out.metric("swiftlet_dns_zones", .gauge, help: "Zones served.", zones.count)
    }
}
