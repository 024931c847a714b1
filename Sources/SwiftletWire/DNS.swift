// SwiftletWire: DNS messages (RFC 1035 §4.1; RFC 6891 EDNS0; RFC 2535/4035 AD and CD bits).
//
// `DNSPacket` validates and reads the fixed 12-byte header without allocating; `DNSMessage` is the full
// parsed message, with the OPT pseudo-record lifted out of the additional section into `edns`
// (at most one OPT, owned by the root name, else `badField`). Emit compresses names (RFC 1035 §4.1.4).

import Swiftlet

public struct DNSOpcode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0xF }
    public static let query = DNSOpcode(rawValue: 0)
    public static let status = DNSOpcode(rawValue: 2)
    public static let notify = DNSOpcode(rawValue: 4)
    public static let update = DNSOpcode(rawValue: 5)
}

public struct DNSRCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0xFFF }
    public static let noError = DNSRCode(rawValue: 0)
    public static let formatError = DNSRCode(rawValue: 1)
    public static let serverFailure = DNSRCode(rawValue: 2)
    public static let nameError = DNSRCode(rawValue: 3)
    public static let notImplemented = DNSRCode(rawValue: 4)
    public static let refused = DNSRCode(rawValue: 5)
    /// YXDOMAIN: a name that should not exist does (RFC 2136); also a DNAME substitution whose result
    /// would be longer than 255 octets (RFC 6672 §2.2).
    public static let nameExists = DNSRCode(rawValue: 6)
    /// EDNS version not supported (RFC 6891 §6.1.3); needs the extended bits.
    public static let badVersion = DNSRCode(rawValue: 16)
}

public struct DNSHeader: Hashable, Sendable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: DNSOpcode
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    public var authenticData: Bool
    public var checkingDisabled: Bool
    /// The full response code; the upper 8 bits travel in the OPT record.
    public var rcode: DNSRCode

    public init(id: UInt16, isResponse: Bool = false, opcode: DNSOpcode = .query, authoritative: Bool = false,
                truncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
                authenticData: Bool = false, checkingDisabled: Bool = false, rcode: DNSRCode = .noError) {
        self.id = id; self.isResponse = isResponse; self.opcode = opcode; self.authoritative = authoritative
        self.truncated = truncated; self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable; self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled; self.rcode = rcode
    }

    var flags: UInt16 {
        (isResponse ? 0x8000 : 0) | UInt16(opcode.rawValue) << 11 | (authoritative ? 0x0400 : 0)
            | (truncated ? 0x0200 : 0) | (recursionDesired ? 0x0100 : 0) | (recursionAvailable ? 0x0080 : 0)
            | (authenticData ? 0x0020 : 0) | (checkingDisabled ? 0x0010 : 0) | (rcode.rawValue & 0xF)
    }
}

public struct DNSPacket: ~Escapable {
    public let bytes: Span<UInt8>
    static let headerLength = 12

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try require(bytes, DNSPacket.headerLength, .dns)
        self.bytes = bytes
    }

    public var id: UInt16 { bytes.u16(0) }
    public var flags: UInt16 { bytes.u16(2) }
    public var isResponse: Bool { flags & 0x8000 != 0 }
    public var opcode: DNSOpcode { DNSOpcode(rawValue: UInt8(truncatingIfNeeded: flags >> 11)) }
    public var questionCount: Int { Int(bytes.u16(4)) }
    public var answerCount: Int { Int(bytes.u16(6)) }
    public var authorityCount: Int { Int(bytes.u16(8)) }
    public var additionalCount: Int { Int(bytes.u16(10)) }

    /// The header with the 4-bit response code (the OPT record may extend it).
    public var header: DNSHeader {
        let f = flags
        return DNSHeader(id: id, isResponse: f & 0x8000 != 0, opcode: opcode, authoritative: f & 0x0400 != 0,
                         truncated: f & 0x0200 != 0, recursionDesired: f & 0x0100 != 0,
                         recursionAvailable: f & 0x0080 != 0, authenticData: f & 0x0020 != 0,
                         checkingDisabled: f & 0x0010 != 0, rcode: DNSRCode(rawValue: f & 0xF))
    }
}

public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authorities: [DNSRecord]
    /// Additional records other than OPT.
    public var additionals: [DNSRecord]
    public var edns: EDNS?

    public init(header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                authorities: [DNSRecord] = [], additionals: [DNSRecord] = [], edns: EDNS? = nil) {
        self.header = header; self.questions = questions; self.answers = answers
        self.authorities = authorities; self.additionals = additionals; self.edns = edns
    }

    public init(_ packet: borrowing DNSPacket) throws(WireError) {
        let m = packet.bytes
        var header = packet.header
        var i = DNSPacket.headerLength
        var questions: [DNSQuestion] = []
        for _ in 0..<packet.questionCount {
            let (name, next) = try DNSName.read(from: m, at: i)
            try require(m, next + 4, .dns)
            questions.append(DNSQuestion(name: name, type: DNSType(rawValue: m.u16(next)), class: DNSClass(rawValue: m.u16(next + 2))))
            i = next + 4
        }
        func section(_ count: Int, _ i: inout Int) throws(WireError) -> [DNSRecord] {
            var out: [DNSRecord] = []
            for _ in 0..<count {
                let (name, next) = try DNSName.read(from: m, at: i)
                try require(m, next + 10, .dns)
                let type = DNSType(rawValue: m.u16(next))
                let cls = DNSClass(rawValue: m.u16(next + 2))
                let ttl = m.u32(next + 4)
                let length = Int(m.u16(next + 8))
                let data = try DNSRecordData.read(type: type, from: m, at: next + 10, length: length)
                out.append(DNSRecord(name: name, class: cls, ttl: ttl, data: data))
                i = next + 10 + length
            }
            return out
        }
        let answers = try section(packet.answerCount, &i)
        let authorities = try section(packet.authorityCount, &i)
        var additionals = try section(packet.additionalCount, &i)
        var edns: EDNS? = nil
        if let k = additionals.firstIndex(where: { $0.type == .opt }) {
            let opt = additionals.remove(at: k)
            guard opt.name.isRoot, !additionals.contains(where: { $0.type == .opt }),
                  case .opt(let options) = opt.data else { throw .badField(.dns) }
            edns = EDNS(udpPayloadSize: opt.class.rawValue,
                        version: UInt8(truncatingIfNeeded: opt.ttl >> 16), dnssecOK: opt.ttl & 0x8000 != 0,
                        options: options)
            header.rcode = DNSRCode(rawValue: UInt16(opt.ttl >> 24) << 4 | header.rcode.rawValue)
        }
        self.init(header: header, questions: questions, answers: answers, authorities: authorities,
                  additionals: additionals, edns: edns)
    }

    public init(parsing bytes: Span<UInt8>) throws(WireError) { try self.init(try DNSPacket(validating: bytes)) }

    /// Encodes the message with name compression. Response codes above 15 need `edns`.
    public func emit() throws(WireError) -> [UInt8] {
        guard header.rcode.rawValue <= 0xF || edns != nil else { throw .badField(.dns) }
        let additionalCount = additionals.count + (edns == nil ? 0 : 1)
        for count in [questions.count, answers.count, authorities.count, additionalCount] where count > 0xFFFF {
            throw .badLength(.dns)
        }
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.put16(header.id)
        out.put16(header.flags)
        out.put16(UInt16(questions.count))
        out.put16(UInt16(answers.count))
        out.put16(UInt16(authorities.count))
        out.put16(UInt16(additionalCount))
        var compressor = DNSNameCompressor()
        for q in questions {
            compressor.write(q.name, into: &out, compress: true)
            out.put16(q.type.rawValue)
            out.put16(q.class.rawValue)
        }
        for r in answers { try DNSMessage.write(r, into: &out, compressor: &compressor) }
        for r in authorities { try DNSMessage.write(r, into: &out, compressor: &compressor) }
        for r in additionals { try DNSMessage.write(r, into: &out, compressor: &compressor) }
        if let e = edns {
            let ttl = UInt32(header.rcode.rawValue >> 4) << 24 | UInt32(e.version) << 16 | (e.dnssecOK ? 0x8000 : 0)
            try DNSMessage.write(DNSRecord(name: .root, class: DNSClass(rawValue: e.udpPayloadSize), ttl: ttl,
                                           data: .opt(e.options)), into: &out, compressor: &compressor)
        }
        return out
    }

    static func write(_ r: DNSRecord, into out: inout [UInt8], compressor: inout DNSNameCompressor) throws(WireError) {
        compressor.write(r.name, into: &out, compress: true)
        out.put16(r.type.rawValue)
        out.put16(r.class.rawValue)
        out.put32(r.ttl)
        let lengthAt = out.count
        out.put16(0)
        try r.data.write(into: &out, compressor: &compressor)
        let length = out.count - lengthAt - 2
        guard length <= 0xFFFF else { throw .badLength(.dns) }
        out.set16(UInt16(length), at: lengthAt)
    }
}
