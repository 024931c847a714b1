// SwiftletDNS: zone transfers, sans I/O. Out: the messages of an AXFR (RFC 5936 §2.2): the SOA, every other
// record, the SOA again, packed into messages of about `messageSize` bytes, the question in the first, made
// one at a time by `AXFRWriter` so that a transfer holds one message, not the whole zone, in memory; an IXFR
// (RFC 1995) is answered the same way, as a full transfer, since no journal is kept (§4). NOTIFY (RFC 1996
// §3.7): the message a primary sends its secondaries (Notify.swift sends them). In: `AXFRReceiver` takes a
// primary's messages one at a time and checks them (RFC 5936 §2.2, §6: the ID, the RCODE, a first record that
// is the zone's SOA, the same SOA at the end, only records of the zone, at most `maximumRecords`), so that a
// transfer that fails leaves the zone served before in place (Secondary.swift adds a deadline and a byte
// bound). Serial numbers compare as RFC 1982 says.
//
// `TransferSettings` reads the dns example's --allow-transfer, --notify and --secondary arguments, each list
// bounded (`maximumAllowed`, `maximumNotifyTargets`, `maximumSecondaryZones`) and refused with a message when
// longer. When to refresh is Secondary.swift's business; this file builds and checks messages only.

import Swiftlet
import SwiftletWire

public struct TransferError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum ZoneTransfer {
    /// Bytes of records a transfer message holds at most (estimated uncompressed; well under 64 KiB).
    public static let messageSize = 16_384
    /// The message ID after `id` in a full-period sequence modulo 2^16 (c odd, a - 1 divisible by 4), so
    /// IDs in use at once are distinct; seed it from the Entropy device where IDs must not be guessed.
    public static func nextID(after id: UInt16) -> UInt16 { id &* 25_173 &+ 13_849 }

    /// Records a transfer in may bring at most (as a zone file).
    public static let maximumRecords = ZoneFile.maximumRecords

    /// The messages answering an AXFR or IXFR `question` for `zone` (its apex), with the query's `id`, all
    /// at once (`AXFRWriter` makes them one at a time).
    public static func messages(for zone: Zone, id: UInt16, question: DNSQuestion) throws(WireError) -> [[UInt8]] {
        var writer = AXFRWriter(zone: zone, id: id, question: question)
        var messages: [[UInt8]] = []
        while let m = try writer.next() { messages.append(m) }
        return messages
    }

    /// A record's size on the wire, never less than its compressed size.
    static func estimatedSize(_ r: DNSRecord) -> Int {
        let data: Int
        switch r.data {
        case .a: data = 4
        case .aaaa: data = 16
        case .ns(let n), .cname(let n), .ptr(let n): data = n.wire.count
        case .soa(let s): data = s.primary.wire.count + s.mailbox.wire.count + 20
        case .mx(_, let n): data = 2 + n.wire.count
        case .txt(let strings): data = strings.reduce(0) { $0 + 1 + $1.count }
        case .srv(_, _, _, let n): data = 6 + n.wire.count
        case .opt(let options): data = options.reduce(0) { $0 + 4 + $1.data.count }
        case .unknown(_, let bytes): data = bytes.count
        }
        return r.name.wire.count + 10 + data
    }

    /// A NOTIFY for `zone` (RFC 1996 §3.7): opcode NOTIFY, AA, the question (apex, SOA) and the SOA as a hint.
    public static func notify(_ zone: Zone, id: UInt16) throws(WireError) -> [UInt8] {
        let header = DNSHeader(id: id, opcode: .notify, authoritative: true)
        return try DNSMessage(header: header, questions: [DNSQuestion(name: zone.apex, type: .soa)], answers: [zone.soa]).emit()
    }

    /// A query for `apex`'s `type` (SOA for a refresh, AXFR for a transfer).
    public static func query(_ apex: DNSName, type: DNSType, id: UInt16) throws(WireError) -> [UInt8] {
        try DNSMessage(header: DNSHeader(id: id), questions: [DNSQuestion(name: apex, type: type)]).emit()
    }

    /// RFC 1982 §3.2: whether serial `a` is before `b` (undefined pairs, 2^31 apart, are not).
    public static func serial(_ a: UInt32, isBefore b: UInt32) -> Bool {
        a != b && (b &- a) < 0x8000_0000
    }

    /// The SOA serial in the answer to a SOA query for `apex` with `id`, checked like a transfer's.
    public static func serial(inAnswer bytes: [UInt8], apex: DNSName, id: UInt16) throws(TransferError) -> UInt32 {
        let message = try parse(bytes, id: id)
        guard let soa = message.answers.first(where: { $0.type == .soa && $0.name == apex }), case .soa(let s) = soa.data else {
            throw TransferError("the answer to the SOA query has no SOA for " + apex.description)
        }
        return s.serial
    }

    static func parse(_ bytes: [UInt8], id: UInt16) throws(TransferError) -> DNSMessage {
        let message: DNSMessage
        do throws(WireError) { message = try DNSMessage(parsing: bytes.span) } catch {
            throw TransferError("a malformed message from the primary: " + error.description)
        }
        guard message.header.isResponse, message.header.id == id, message.header.opcode == .query else {
            throw TransferError("a message that is not the answer to our query (ID " + String(message.header.id) + ")")
        }
        guard message.header.rcode == .noError else { throw TransferError("the primary answered RCODE " + String(message.header.rcode.rawValue)) }
        return message
    }
}

/// The sending side of an AXFR (RFC 5936 §2.2): the messages of one transfer, made one at a time. Each
/// holds records of about `ZoneTransfer.messageSize` bytes; the first carries the question and opens with
/// the SOA, the last closes with it.
public struct AXFRWriter: Sendable {
    public let zone: Zone
    public let id: UInt16
    public let question: DNSQuestion
    /// The next record of `zone.records` to send.
    private var index = 0
    private var messagesMade = 0
    public private(set) var isComplete = false

    public init(zone: Zone, id: UInt16, question: DNSQuestion) {
        self.zone = zone; self.id = id; self.question = question
    }

    /// The next message, nil once the closing SOA has gone.
    public mutating func next() throws(WireError) -> [UInt8]? {
        guard !isComplete else { return nil }
        var batch: [DNSRecord] = messagesMade == 0 ? [zone.soa] : []
        var size = messagesMade == 0 ? ZoneTransfer.estimatedSize(zone.soa) : 0
        while index < zone.records.count {
            let r = zone.records[index]
            if r.type == .soa { index += 1; continue }
            let s = ZoneTransfer.estimatedSize(r)
            if size + s > ZoneTransfer.messageSize && !batch.isEmpty { return try emit(batch) }
            batch.append(r)
            size += s
            index += 1
        }
        if size + ZoneTransfer.estimatedSize(zone.soa) > ZoneTransfer.messageSize && !batch.isEmpty { return try emit(batch) }
        batch.append(zone.soa)
        let last = try emit(batch)
        isComplete = true
        return last
    }

    private mutating func emit(_ batch: [DNSRecord]) throws(WireError) -> [UInt8] {
        let header = DNSHeader(id: id, isResponse: true, opcode: .query, authoritative: true)
        let message = try DNSMessage(header: header, questions: messagesMade == 0 ? [question] : [], answers: batch).emit()
        messagesMade += 1
        return message
    }
}

/// The receiving side of an AXFR (RFC 5936 §2.2): the messages of one transfer, in order.
public struct AXFRReceiver: Sendable {
    public let apex: DNSName
    public let id: UInt16
    /// The zone's records so far (the opening SOA first, the closing one left out).
    public private(set) var records: [DNSRecord] = []
    public private(set) var isComplete = false
    /// Records this transfer may bring at most.
    public let maximumRecords: Int
    private var serial: UInt32? = nil

    public init(apex: DNSName, id: UInt16, maximumRecords: Int = ZoneTransfer.maximumRecords) {
        self.apex = apex; self.id = id; self.maximumRecords = maximumRecords
    }

    /// Takes the next message; true once the closing SOA has come. After an error the transfer is over.
    public mutating func receive(_ bytes: [UInt8]) throws(TransferError) -> Bool {
        guard !isComplete else { throw TransferError("a message after the end of the transfer") }
        let message = try ZoneTransfer.parse(bytes, id: id)
        for r in message.answers {
            guard r.class == .internet else { throw TransferError(r.name.description + ": a record of class " + String(r.class.rawValue) + " in an IN zone") }
            guard r.name.isSubdomain(of: apex) else { throw TransferError(r.name.description + " is outside the zone " + apex.description) }
            guard !isComplete else { throw TransferError("records after the closing SOA") }
            if r.type == .soa, r.name == apex, case .soa(let s) = r.data {
                if let serial {
                    // §2.2: the closing SOA is the opening one.
                    guard s.serial == serial else { throw TransferError("the closing SOA's serial " + String(s.serial) + " is not " + String(serial)) }
                    isComplete = true
                    continue
                }
                serial = s.serial
            } else if serial == nil {
                throw TransferError("the transfer does not start with the zone's SOA")
            }
            records.append(r)
            guard records.count <= maximumRecords else { throw TransferError("more than " + String(maximumRecords) + " records") }
        }
        return isComplete
    }
}

/// The dns example's transfer arguments, read and bounded (see the top of the file).
public struct TransferSettings: Sendable {
    /// A zone loaded from a primary.
    public struct Secondary: Equatable, Sendable {
        public let apex: DNSName
        public let primary: Endpoint
        public init(apex: DNSName, primary: Endpoint) { self.apex = apex; self.primary = primary }
    }

    /// Addresses in --allow-transfer, at most (each query for a transfer is checked against the list).
    public static let maximumAllowed = 64
    /// Targets in --notify, at most (each zone is notified to each, `NotifySender.tries` times).
    public static let maximumNotifyTargets = 16
    /// Zones in --secondary, at most (each has its own task and timers).
    public static let maximumSecondaryZones = 64

    /// Addresses (either family) that may transfer the zones.
    public let allowed: [IPAddress]
    /// Secondaries to NOTIFY.
    public let notify: [Endpoint]
    public let secondaries: [Secondary]

    /// Parses `allow` "ADDR,ADDR", `notify` "ADDR[:PORT],..." and `secondary` "ZONE=ADDR[:PORT],..." (port 53
    /// by default; an IPv6 address with a port in brackets, `[2001:db8::1]:5353`; empty items are skipped). A list longer than its bound, a zone given twice, or an item
    /// that does not parse is refused with a message naming the argument.
    public init(allow: String, notify: String, secondary: String) throws(TransferError) {
        let allowItems = try Self.items(allow, "--allow-transfer", "addresses", Self.maximumAllowed)
        let notifyItems = try Self.items(notify, "--notify", "targets", Self.maximumNotifyTargets)
        let secondaryItems = try Self.items(secondary, "--secondary", "zones", Self.maximumSecondaryZones)
        var allowed: [IPAddress] = []
        for item in allowItems {
            guard let a = IPAddress(item) else { throw Self.refusal("--allow-transfer", item, "is not an IP address") }
            allowed.append(a)
        }
        var targets: [Endpoint] = []
        for item in notifyItems { targets.append(try Self.endpoint(item, argument: "--notify")) }
        var secondaries: [Secondary] = []
        for item in secondaryItems {
            let bytes = Array(item.utf8)
            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else { throw Self.refusal("--secondary", item, "is not ZONE=ADDRESS[:PORT]") }
            let zoneText = String(decoding: bytes[..<eq], as: UTF8.self)
            guard let apex = DNSName(zoneText.hasByteSuffix(".") ? zoneText : zoneText + ".") else {
                throw Self.refusal("--secondary", zoneText, "is not a domain name")
            }
            guard !secondaries.contains(where: { $0.apex == apex }) else { throw Self.refusal("--secondary", apex.description, "is given twice") }
            let primary = try Self.endpoint(String(decoding: bytes[(eq + 1)...], as: UTF8.self), argument: "--secondary")
            secondaries.append(Secondary(apex: apex, primary: primary))
        }
        self.allowed = allowed
        self.notify = targets
        self.secondaries = secondaries
    }

    /// The comma-separated items of `argument`'s `text` (bytes: no Unicode tables in the kernel), at most
    /// `maximum` of them.
    static func items(_ text: String, _ argument: String, _ what: String, _ maximum: Int) throws(TransferError) -> [String] {
        let items = Array(text.utf8).split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
        guard items.count <= maximum else {
            throw TransferError(argument + ": " + String(items.count) + " " + what + ", more than " + String(maximum))
        }
        return items
    }

    @inline(never)
    static func refusal(_ argument: String, _ item: String, _ problem: String) -> TransferError {
        TransferError(argument + ": '" + item + "' " + problem)
    }

    static func endpoint(_ text: String, argument: String) throws(TransferError) -> Endpoint {
        let bytes = Array(text.utf8)
        var address = text
        var port: UInt16 = 53
        var portAt: Int? = nil
        if bytes.first == UInt8(ascii: "[") {
            // [IPv6]:PORT or [IPv6]
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { throw refusal(argument, text, "has no closing bracket") }
            address = String(decoding: bytes[1..<close], as: UTF8.self)
            if close + 1 < bytes.count {
                guard bytes[close + 1] == UInt8(ascii: ":") else { throw refusal(argument, text, "has a bad port") }
                portAt = close + 1
            }
        } else if bytes.filter({ $0 == UInt8(ascii: ":") }).count == 1 {
            portAt = bytes.firstIndex(of: UInt8(ascii: ":"))
            address = String(decoding: bytes[..<portAt!], as: UTF8.self)
        }
        if let colon = portAt {
            var value = 0
            for c in bytes[(colon + 1)...] {
                guard c >= 48, c <= 57, value <= 6553 else { throw refusal(argument, text, "has a bad port") }
                value = value * 10 + Int(c - 48)
            }
            guard value >= 1, value <= 65535 else { throw refusal(argument, text, "has a bad port") }
            port = UInt16(value)
        }
        guard let a = IPAddress(address) else { throw refusal(argument, address, "is not an IP address") }
        return Endpoint(address: a, port: port)
    }
}
