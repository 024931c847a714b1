// The dns example's zone transfers: the I/O around SwiftletDNS's sans-I/O parts, which decide everything.
// Out: AXFR (and IXFR, answered with the whole zone, RFC 1995 §4, as no journal is kept) over TCP to the
// --allow-transfer addresses (RFC 5936), made one message at a time by `AXFRWriter`; NOTIFY (RFC 1996) to the
// --notify secondaries once the zones load, as `NotifySender` says (up to 5 sends 2 s apart, at most 64
// waiting at once). In: each --secondary zone has a task that runs what its `SecondaryZone` asks for (a SOA
// check or an AXFR, each one `PrimaryExchange` over TCP with a per-read timeout, a deadline and a byte bound;
// RFC 1034 §4.3.5's refresh, retry and expire, clamped), then serves, keeps or drops the zone as the outcome
// says: a transfer that fails, or brings a zone that does not load, leaves the zone served before in place.
// A NOTIFY from a zone's primary makes its task check at once (within the 1 s the task sleeps between looks).
// The arguments are read and bounded by `TransferSettings`.

import Swiftlet
import SwiftletWire
import SwiftletDNS

final class Transfers: @unchecked Sendable {
    typealias Secondary = TransferSettings.Secondary

    let settings: TransferSettings
    /// Secondaries to NOTIFY.
    var notify: [Endpoint] { settings.notify }
    var secondaries: [Secondary] { settings.secondaries }
    /// Each secondary zone's timers, in `secondaries`' order: changed by its task and by NOTIFYs.
    private var zones: [SecondaryZone]
    private var notifier = NotifySender(zones: [], targets: [])
    private var nextID: UInt16 = 0x5EED

    /// How long a secondary zone's task sleeps when nothing is due (how soon a NOTIFY is seen).
    static let idle = Duration.seconds(1)

    /// Parses the arguments (see `TransferSettings`).
    init(allow: String, notify: String, secondary: String) throws(TransferError) {
        settings = try TransferSettings(allow: allow, notify: notify, secondary: secondary)
        zones = settings.secondaries.map { SecondaryZone(apex: $0.apex, primary: $0.primary) }
        exchanges = Array(repeating: nil, count: zones.count)
    }

    private func newID() -> UInt16 {
        nextID = ZoneTransfer.nextID(after: nextID)
        return nextID
    }

    // MARK: out

    /// The transfer `query` asks for (AXFR or IXFR over TCP) from an allowed address for a zone served
    /// here; nil otherwise (the responder then refuses it).
    func outgoing(_ query: [UInt8], from address: IPAddress, served: ServedZones) -> AXFRWriter? {
        guard query.count >= 12, query[2] & 0xF8 == 0, settings.allowed.contains(address) else { return nil }
        guard let message = try? DNSMessage(parsing: query.span), message.questions.count == 1 else { return nil }
        let q = message.questions[0]
        guard q.type == .axfr || q.type.rawValue == 251, q.class == .internet, let zone = served.zone(q.name) else { return nil }
        return AXFRWriter(zone: zone, id: message.header.id, question: q)
    }

    /// NOTIFY traffic on the UDP port: a secondary's answer to our NOTIFY (nothing to send back), or a
    /// primary's NOTIFY for one of our secondary zones (the answer; the zone is checked at once). Nil for
    /// anything else, which goes to the responder.
    func handleNotifyTraffic(_ payload: [UInt8], from address: IPAddress, served: ServedZones) -> [UInt8]? {
        guard payload.count >= 12, (payload[2] >> 3) & 0xF == DNSOpcode.notify.rawValue else { return nil }
        guard let message = try? DNSMessage(parsing: payload.span) else { return nil }
        if message.header.isResponse {
            _ = notifier.answered(id: message.header.id, from: address)
            return nil
        }
        var header = DNSHeader(id: message.header.id, isResponse: true, opcode: .notify)
        if message.questions.count == 1, message.questions[0].type == .soa,
           let i = zones.firstIndex(where: { $0.apex == message.questions[0].name }), zones[i].primary.address == address {
            header.authoritative = true
            zones[i].notified()
        } else {
            header.rcode = .refused  // RFC 1996 §3.10: only the zone's primary may notify
        }
        return try? DNSMessage(header: header, questions: message.questions).emit()
    }

    /// NOTIFY for every zone to every `notify` target, as `NotifySender` says, until all are answered or
    /// given up. (The async functions here only wait and do I/O; what they do next comes from the
    /// non-generic functions below them, kept out of line so that the code is not copied into every
    /// suspension point of an async function.)
    func sendNotifies<U: UDPSocketProtocol>(for zones: [Zone], on udp: U, served: ServedZones, timers: some Timers,
                                             console: some Console) async {
        notifier = NotifySender(zones: zones, targets: notify, seed: newID())
        while let wake = notifier.wake(now: timers.now) {
            await timers.sleep(until: wake)
            for send in notifyStep(now: timers.now) {  // a send that fails is retried; the last word is logged
                try? udp.send(send.message, to: send.target.address, port: send.target.port)
            }
            flush(console)
        }
    }

    /// The NOTIFYs to send at `now`; answers and give-ups are logged.
    @inline(never)
    private func notifyStep(now: Instant) -> [(message: [UInt8], target: Endpoint)] {
        var sends: [(message: [UInt8], target: Endpoint)] = []
        for event in notifier.step(now: now) {
            switch event {
            case .send(let message, let target): sends.append((message, target))
            case .finished(let apex, let target, let result):
                lines.append("dns: NOTIFY " + apex.description + " to " + target.description + ": " + result.description)
            }
        }
        return sends
    }

    /// Log lines not printed yet.
    private var lines: [String] = []

    private func flush(_ console: some Console) {
        for line in lines { console.log(line) }
        lines.removeAll()
    }

    // MARK: in

    /// Loads `secondary` from its primary and keeps it fresh, forever: runs what its `SecondaryZone` asks for,
    /// one exchange (a SOA check or an AXFR) at a time.
    func keepLoaded<Net: Network>(_ secondary: Secondary, network: Net, timers: some Timers, served: ServedZones,
                                  console: some Console) async {
        guard let index = secondaries.firstIndex(of: secondary) else { return }
        let primary = secondary.primary
        while true {
            let query = begin(index, now: timers.now, served: served)
            flush(console)
            guard let query else {
                await timers.sleep(for: Self.idle)
                continue
            }
            do throws(NetworkError) {
                let flow = try await network.connect(to: primary.address, port: primary.port)
                do throws(NetworkError) {
                    try await flow.write(query, timeout: timeout(index, now: timers.now))
                    while !take(index, try await flow.read(maximum: PrimaryExchange.readSize, timeout: timeout(index, now: timers.now)),
                                now: timers.now) {}
                } catch {
                    flow.abort()
                    throw error
                }
                if succeeded(index) { flow.close() } else { flow.abort() }
            } catch {
                failed(index, error, now: timers.now)
            }
            end(index, now: timers.now, served: served)
            flush(console)
        }
    }

    /// The exchange each secondary zone's task is running.
    private var exchanges: [PrimaryExchange?] = []

    /// What secondary `index` does at `now`: the framed query of the exchange it starts, or nil (nothing is
    /// due; an expiry is carried out here).
    @inline(never)
    private func begin(_ index: Int, now: Instant, served: ServedZones) -> [UInt8]? {
        let expire = zones[index].timers.expire
        guard let action = zones[index].next(now: now) else { return nil }
        let apex = zones[index].apex
        if action == .expire {
            served.remove(apex)
            say(apex, "expired (no successful check for " + expire.description + "); no longer served")
            return nil
        }
        let exchange = PrimaryExchange(action, apex: apex, id: newID(), now: now)
        exchanges[index] = exchange
        guard exchange.isRunning else {  // the query could not be built: a failure, retried later
            end(index, now: now, served: served)
            return nil
        }
        return exchange.query
    }

    @inline(never)
    private func timeout(_ index: Int, now: Instant) -> Duration { exchanges[index]?.timeout(now: now) ?? .milliseconds(1) }

    /// Gives what a read brought to the exchange: true when it is over.
    @inline(never)
    private func take(_ index: Int, _ bytes: [UInt8]?, now: Instant) -> Bool { exchanges[index]?.receive(bytes, now: now) ?? true }

    @inline(never)
    private func succeeded(_ index: Int) -> Bool {
        if case .failed = exchanges[index]?.state { return false }
        return true
    }

    @inline(never)
    private func failed(_ index: Int, _ error: NetworkError, now: Instant) { exchanges[index]?.failed(error, now: now) }

    /// Feeds the finished exchange to the zone's state and serves, keeps or logs what it came to.
    @inline(never)
    private func end(_ index: Int, now: Instant, served: ServedZones) {
        guard let exchange = exchanges[index] else { return }
        exchanges[index] = nil
        let apex = zones[index].apex, primary = zones[index].primary
        switch zones[index].finish(exchange, now: now) {
        case .current, .newer: break
        case .loaded(let zone, let records):
            served.replace(zone)
            say(apex, "serial " + String(zones[index].serial ?? 0) + " transferred from " + primary.description + ", " + String(records) + " records")
        case .failed(let error): say(apex, "from " + primary.description + ": " + error.description)
        }
    }

    @inline(never)
    private func say(_ apex: DNSName, _ text: String) { lines.append("dns: " + apex.description + ": " + text) }
}
