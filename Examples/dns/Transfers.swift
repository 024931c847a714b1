// The dns example's zone transfers: who may transfer a zone (AXFR, RFC 5936; IXFR answered with the whole
// zone, RFC 1995 §4, as no journal is kept), whom to tell when the zones load (NOTIFY, RFC 1996: up to
// `notifyTries` sends, 2 s apart, until the secondary answers), and the secondary zones: loaded by AXFR
// from their primary over TCP, checked by a SOA query every refresh interval of their SOA (RFC 1034 §4.3.5)
// or at once when the primary sends a NOTIFY, retried every retry interval after a failure, and dropped
// (REFUSED from then on) once expire has passed without a successful check. A transfer that fails, or brings
// a zone that does not load, leaves the zone served before in place. Messages are built and checked by
// SwiftletDNS (ZoneTransfer, AXFRReceiver); this file does the I/O and keeps the timers.

import Swiftlet
import SwiftletWire
import SwiftletDNS

final class Transfers: @unchecked Sendable {
    struct Secondary: Sendable {
        let apex: DNSName
        let primary: Endpoint
    }

    /// Addresses that may transfer the zones.
    let allowed: [IPv4Address]
    /// Secondaries to NOTIFY.
    let notify: [Endpoint]
    let secondaries: [Secondary]
    /// NOTIFYs sent and not yet answered, by message ID.
    private var unanswered: [UInt16: Endpoint] = [:]
    /// Secondary zones whose primary has sent a NOTIFY since they were last checked.
    private var notified: [DNSName] = []
    private var nextID: UInt16 = 0x5EED

    static let notifyTries = 5
    /// Timers before a secondary zone has loaded (then its SOA's are used): a first try every 5 s.
    static let firstRetry = Duration.seconds(5)
    /// How long one TCP read from a primary may take.
    static let readTimeout = Duration.seconds(10)

    /// Parses the arguments: `allow` "ADDR,ADDR", `notify` "ADDR[:PORT],...", `secondary` "ZONE=ADDR[:PORT],...".
    init(allow: String, notify: String, secondary: String) throws(TransferError) {
        var allowed: [IPv4Address] = []
        for item in Self.items(allow) {
            guard let a = IPv4Address(item) else { throw TransferError("--allow-transfer: '\(item)' is not an IPv4 address") }
            allowed.append(a)
        }
        var targets: [Endpoint] = []
        for item in Self.items(notify) { targets.append(try Self.endpoint(item, argument: "--notify")) }
        var secondaries: [Secondary] = []
        for item in Self.items(secondary) {
            let bytes = Array(item.utf8)
            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else {
                throw TransferError("--secondary: '\(item)' is not ZONE=ADDRESS[:PORT]")
            }
            let zoneText = String(decoding: bytes[..<eq], as: UTF8.self)
            guard let apex = DNSName(zoneText.hasByteSuffix(".") ? zoneText : zoneText + ".") else {
                throw TransferError("--secondary: '\(zoneText)' is not a domain name")
            }
            secondaries.append(Secondary(apex: apex, primary: try Self.endpoint(String(decoding: bytes[(eq + 1)...], as: UTF8.self),
                                                                               argument: "--secondary")))
        }
        self.allowed = allowed
        self.notify = targets
        self.secondaries = secondaries
    }

    /// The comma-separated items of an argument (bytes: no Unicode tables in the kernel).
    static func items(_ text: String) -> [String] {
        Array(text.utf8).split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
    }

    static func endpoint(_ text: String, argument: String) throws(TransferError) -> Endpoint {
        let bytes = Array(text.utf8)
        var address = text
        var port: UInt16 = 53
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            address = String(decoding: bytes[..<colon], as: UTF8.self)
            var value = 0
            for c in bytes[(colon + 1)...] {
                guard c >= 48, c <= 57, value <= 6553 else { throw TransferError("\(argument): '\(text)' has a bad port") }
                value = value * 10 + Int(c - 48)
            }
            guard value >= 1, value <= 65535 else { throw TransferError("\(argument): '\(text)' has a bad port") }
            port = UInt16(value)
        }
        guard let a = IPv4Address(address) else { throw TransferError("\(argument): '\(address)' is not an IPv4 address") }
        return Endpoint(address: a, port: port)
    }

    private func newID() -> UInt16 {
        nextID = nextID &* 25_173 &+ 13_849
        return nextID
    }

    // MARK: out

    /// The messages of a transfer when `query` asks for one (AXFR or IXFR over TCP) from an allowed address
    /// for a zone served here; nil otherwise (the responder then refuses it).
    func outgoing(_ query: [UInt8], from address: IPv4Address, served: ServedZones) -> [[UInt8]]? {
        guard query.count >= 12, query[2] & 0xF8 == 0, allowed.contains(address) else { return nil }
        guard let message = try? DNSMessage(parsing: query.span), message.questions.count == 1 else { return nil }
        let q = message.questions[0]
        guard q.type == .axfr || q.type.rawValue == 251, q.class == .internet, let zone = served.zone(q.name) else { return nil }
        return try? ZoneTransfer.messages(for: zone, id: message.header.id, question: q)
    }

    /// NOTIFY traffic on the UDP port: a secondary's answer to our NOTIFY (nothing to send back), or a
    /// primary's NOTIFY for one of our secondary zones (the answer; the zone is checked at once). Nil for
    /// anything else, which goes to the responder.
    func handleNotifyTraffic(_ payload: [UInt8], from address: IPv4Address, served: ServedZones) -> [UInt8]? {
        guard payload.count >= 12, (payload[2] >> 3) & 0xF == DNSOpcode.notify.rawValue else { return nil }
        guard let message = try? DNSMessage(parsing: payload.span) else { return nil }
        if message.header.isResponse {
            if let target = unanswered[message.header.id], target.address == address { unanswered[message.header.id] = nil }
            return nil
        }
        var header = DNSHeader(id: message.header.id, isResponse: true, opcode: .notify)
        if message.questions.count == 1, message.questions[0].type == .soa,
           let secondary = secondaries.first(where: { $0.apex == message.questions[0].name }), secondary.primary.address == address {
            header.authoritative = true
            if !notified.contains(secondary.apex) { notified.append(secondary.apex) }
        } else {
            header.rcode = .refused  // RFC 1996 §3.10: only the zone's primary may notify
        }
        return try? DNSMessage(header: header, questions: message.questions).emit()
    }

    /// NOTIFY for every zone to every `notify` target, resent every 2 s until answered, `notifyTries` times.
    func sendNotifies<U: UDPSocketProtocol>(for zones: [Zone], on udp: U, served: ServedZones, timers: some Timers,
                                             console: some Console) async {
        var pending: [(id: UInt16, zone: Zone, target: Endpoint)] = []
        for zone in zones {
            for target in notify {
                let id = newID()
                unanswered[id] = target
                pending.append((id, zone, target))
            }
        }
        for _ in 0..<Self.notifyTries {
            for p in pending where unanswered[p.id] != nil {
                guard let message = try? ZoneTransfer.notify(p.zone, id: p.id) else { continue }
                do throws(NetworkError) { try udp.send(message, to: p.target.address, port: p.target.port) } catch {
                    console.log("dns: NOTIFY \(p.zone.apex) to \(p.target): \(error)")
                }
            }
            await timers.sleep(for: .seconds(2))
            if pending.allSatisfy({ unanswered[$0.id] == nil }) { break }
        }
        for p in pending {
            if unanswered[p.id] == nil {
                console.log("dns: NOTIFY \(p.zone.apex) to \(p.target): answered")
            } else {
                unanswered[p.id] = nil
                console.log("dns: NOTIFY \(p.zone.apex) to \(p.target): no answer after \(Self.notifyTries) tries")
            }
        }
    }

    // MARK: in

    /// Loads `secondary` from its primary and keeps it fresh, forever.
    func keepLoaded<Net: Network>(_ secondary: Secondary, network: Net, timers: some Timers, served: ServedZones,
                                  console: some Console) async {
        let apex = secondary.apex
        var serial: UInt32? = nil
        var refresh = Self.firstRetry, retry = Self.firstRetry, expire = Duration.seconds(0)
        var lastChecked: Instant? = nil
        var nextCheck = timers.now
        while true {
            let now = timers.now
            if now >= nextCheck || notified.contains(apex) {
                notified.removeAll { $0 == apex }
                do throws(TransferError) {
                    let current = try await querySerial(apex, from: secondary.primary, network: network)
                    if serial.map({ ZoneTransfer.serial($0, isBefore: current) }) ?? true {
                        let records = try await transfer(apex, from: secondary.primary, network: network)
                        let zone: Zone
                        do throws(ZoneLoadError) { zone = try Zone(records: records) } catch {
                            throw TransferError("the transferred zone does not load: \(error)")
                        }
                        served.replace(zone)
                        if case .soa(let s) = zone.soa.data {
                            serial = s.serial
                            refresh = .seconds(Int64(s.refresh)); retry = .seconds(Int64(s.retry)); expire = .seconds(Int64(s.expire))
                        }
                        console.log("dns: \(apex): serial \(serial ?? 0) transferred from \(secondary.primary), \(records.count) records")
                    }
                    lastChecked = timers.now
                    nextCheck = timers.now + refresh
                } catch {
                    console.log("dns: \(apex): from \(secondary.primary): \(error)")
                    nextCheck = timers.now + retry
                    if let lastChecked, serial != nil, timers.now - lastChecked > expire {
                        served.remove(apex)
                        serial = nil
                        refresh = Self.firstRetry; retry = Self.firstRetry
                        console.log("dns: \(apex): expired (no successful check for \(expire)); no longer served")
                    }
                }
            }
            await timers.sleep(for: .seconds(1))
        }
    }

    /// The primary's SOA serial for `apex`, asked over TCP.
    private func querySerial<Net: Network>(_ apex: DNSName, from primary: Endpoint, network: Net) async throws(TransferError) -> UInt32 {
        let id = newID()
        var serial: UInt32 = 0
        try await exchange(try Self.query(apex, .soa, id), with: primary, network: network) { message throws(TransferError) in
            serial = try ZoneTransfer.serial(inAnswer: message, apex: apex, id: id)
            return true
        }
        return serial
    }

    /// The zone's records by AXFR from `primary`.
    private func transfer<Net: Network>(_ apex: DNSName, from primary: Endpoint, network: Net) async throws(TransferError) -> [DNSRecord] {
        var receiver = AXFRReceiver(apex: apex, id: newID())
        try await exchange(try Self.query(apex, .axfr, receiver.id), with: primary, network: network) { message throws(TransferError) in
            try receiver.receive(message)
        }
        return receiver.records
    }

    private static func query(_ apex: DNSName, _ type: DNSType, _ id: UInt16) throws(TransferError) -> [UInt8] {
        do throws(WireError) { return try ZoneTransfer.query(apex, type: type, id: id) } catch {
            throw TransferError("cannot build the query: \(error)")
        }
    }

    /// Sends `query` over a new TCP connection to `primary` and gives each answer message to `take` until it
    /// returns true.
    private func exchange<Net: Network>(_ query: [UInt8], with primary: Endpoint, network: Net,
                                        take: ([UInt8]) throws(TransferError) -> Bool) async throws(TransferError) {
        let flow: Net.Flow
        do throws(NetworkError) { flow = try await network.connect(to: primary.address, port: primary.port) } catch {
            throw TransferError("cannot connect: \(error)")
        }
        var framer = DNSStreamFramer()
        var failure = TransferError("the primary closed the connection before the answer was complete")
        do throws(NetworkError) {
            try await flow.write(DNSStreamFramer.frame(query), timeout: Self.readTimeout)
            reading: while true {
                while let message = framer.next() {
                    do throws(TransferError) {
                        if try take(message) {
                            flow.close()
                            return
                        }
                    } catch {
                        failure = error
                        break reading
                    }
                }
                guard let bytes = try await flow.read(maximum: 65537, timeout: Self.readTimeout), !bytes.isEmpty else { break }
                framer.append(bytes)
            }
        } catch {
            failure = TransferError("the connection failed: \(error)")
        }
        flow.abort()
        throw failure
    }
}
