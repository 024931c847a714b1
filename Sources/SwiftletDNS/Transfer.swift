// SwiftletDNS: zone transfers, sans I/O. Out: the messages of an AXFR (RFC 5936 §2.2): the SOA, every other
// record, the SOA again, packed into messages of about `messageSize` bytes, the question in the first; an
// IXFR (RFC 1995) is answered the same way, as a full transfer, since no journal is kept (§4). NOTIFY (RFC
// 1996 §3.7): the message a primary sends its secondaries. In: `AXFRReceiver` takes a primary's messages
// one at a time and checks them (RFC 5936 §2.2, §6: the ID, the RCODE, a first record that is the zone's SOA,
// the same SOA at the end, only records of the zone, at most `maximumRecords`), so that a transfer that
// fails leaves the zone served before in place. Serial numbers compare as RFC 1982 says.
//
// Who may transfer and when to refresh are the server's business (Examples/dns/NameServer.swift): this file
// builds and checks messages only.

import Swiftlet
import SwiftletWire

public struct TransferError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum ZoneTransfer {
    /// Bytes of records a transfer message holds at most (estimated uncompressed; well under 64 KiB).
    public static let messageSize = 16_384
    /// Records a transfer in may bring at most (as a zone file).
    public static let maximumRecords = ZoneFile.maximumRecords

    /// The messages answering an AXFR or IXFR `question` for `zone` (its apex), with the query's `id`.
    public static func messages(for zone: Zone, id: UInt16, question: DNSQuestion) throws(WireError) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var batch: [DNSRecord] = [zone.soa]
        var size = estimatedSize(zone.soa)
        func flush() throws(WireError) {
            let header = DNSHeader(id: id, isResponse: true, opcode: .query, authoritative: true)
            let message = DNSMessage(header: header, questions: messages.isEmpty ? [question] : [], answers: batch)
            messages.append(try message.emit())
            batch = []
            size = 0
        }
        for r in zone.records where r.type != .soa {
            let s = estimatedSize(r)
            if size + s > messageSize && !batch.isEmpty { try flush() }
            batch.append(r)
            size += s
        }
        if size + estimatedSize(zone.soa) > messageSize && !batch.isEmpty { try flush() }
        batch.append(zone.soa)
        try flush()
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
            throw TransferError("the answer to the SOA query has no SOA for \(apex)")
        }
        return s.serial
    }

    static func parse(_ bytes: [UInt8], id: UInt16) throws(TransferError) -> DNSMessage {
        let message: DNSMessage
        do throws(WireError) { message = try DNSMessage(parsing: bytes.span) } catch {
            throw TransferError("a malformed message from the primary: \(error)")
        }
        guard message.header.isResponse, message.header.id == id, message.header.opcode == .query else {
            throw TransferError("a message that is not the answer to our query (ID \(message.header.id))")
        }
        guard message.header.rcode == .noError else { throw TransferError("the primary answered RCODE \(message.header.rcode.rawValue)") }
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
            guard r.class == .internet else { throw TransferError("\(r.name): a record of class \(r.class.rawValue) in an IN zone") }
            guard r.name.isSubdomain(of: apex) else { throw TransferError("\(r.name) is outside the zone \(apex)") }
            guard !isComplete else { throw TransferError("records after the closing SOA") }
            if r.type == .soa, r.name == apex, case .soa(let s) = r.data {
                if let serial {
                    // §2.2: the closing SOA is the opening one.
                    guard s.serial == serial else { throw TransferError("the closing SOA's serial \(s.serial) is not \(serial)") }
                    isComplete = true
                    continue
                }
                serial = s.serial
            } else if serial == nil {
                throw TransferError("the transfer does not start with the zone's SOA")
            }
            records.append(r)
            guard records.count <= maximumRecords else { throw TransferError("more than \(maximumRecords) records") }
        }
        return isComplete
    }
}
