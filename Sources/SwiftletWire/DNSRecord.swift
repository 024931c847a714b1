// SwiftletWire: DNS resource records and their data (RFC 1035 §3.2–3.4, §4.1.3; RFC 3596 AAAA;
// RFC 2782 SRV; RFC 6891 OPT; RFC 3597 unknown types).
//
// RDATA is parsed strictly: the fields must consume exactly RDLENGTH octets. Names inside RDATA may be
// compressed for the RFC 1035 types (NS, CNAME, SOA, PTR, MX) and are written compressed only for those
// (RFC 3597 §4); SRV targets are read compressed (RFC 2052 servers, RFC 3597 §4) but never written so
// (RFC 2782). Every other type is `.unknown(type, uncompressed RDATA)`: checked and decompressed by `DNSRDataFormat` when this layer
// knows the type's format, kept as octets when it does not, and written back as they are.

import Swiftlet

public struct DNSClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let internet = DNSClass(rawValue: 1)
    public static let chaos = DNSClass(rawValue: 3)
    public static let none = DNSClass(rawValue: 254)
    public static let any = DNSClass(rawValue: 255)

    /// `IN`, `CH`, `HS`, `NONE`, `ANY`, else RFC 3597 §5's `CLASSnnn`.
    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS" + rawValue.description
        }
    }

    /// Parses `IN`, `CH`, `HS`, `NONE`, `ANY` (any case) or `CLASSnnn` (RFC 3597 §5); nil for anything else.
    public init?(mnemonic text: String) {
        let bytes = Array(text.utf8)
        for (value, name) in [(UInt16(1), "IN"), (3, "CH"), (4, "HS"), (254, "NONE"), (255, "ANY")]
        where asciiEqualIgnoringCase(bytes, name) {
            self.init(rawValue: value)
            return
        }
        guard let n = prefixedNumber(bytes, "CLASS") else { return nil }
        self.init(rawValue: n)
    }
}

public struct DNSSOA: Hashable, Sendable {
    public var primary: DNSName
    public var mailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32
    public init(primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32,
                expire: UInt32, minimum: UInt32) {
        self.primary = primary; self.mailbox = mailbox; self.serial = serial; self.refresh = refresh
        self.retry = retry; self.expire = expire; self.minimum = minimum
    }
}

/// An EDNS option (RFC 6891 §6.1.2): code and raw data.
public struct EDNSOption: Hashable, Sendable {
    public var code: UInt16
    public var data: [UInt8]
    public init(code: UInt16, data: [UInt8]) { self.code = code; self.data = data }
    /// Extended DNS Error (RFC 8914): a 16-bit INFO-CODE, then optional UTF-8 text.
    public static let extendedError: UInt16 = 15
}

public enum DNSRecordData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case ns(DNSName)
    case cname(DNSName)
    case soa(DNSSOA)
    case ptr(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    /// One or more character-strings of at most 255 octets each.
    case txt([[UInt8]])
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case opt([EDNSOption])
    /// Any other type, held as its uncompressed wire RDATA, checked against the type's format when the
    /// type is known (`DNSRDataFormat`). Written as it is: names inside are never compressed (RFC 3597 §4).
    case unknown(DNSType, [UInt8])

    /// The record data of `type` from its uncompressed wire RDATA (RFC 3597 §5's generic form carries
    /// this): a typed case where there is one, else `.unknown`, checked against the type's format. A
    /// compression pointer anywhere is `badPointer`.
    public init(type: DNSType, rdata: [UInt8]) throws(WireError) {
        self = try DNSRecordData.read(type: type, from: rdata.span, at: 0, length: rdata.count, pointers: false)
    }

    /// The uncompressed wire RDATA (what RFC 3597 §5's generic form shows).
    public var rdata: [UInt8] {
        var out: [UInt8] = []
        var compressor = DNSNameCompressor()
        try? write(into: &out, compressor: &compressor, compress: false)
        return out
    }

    public var type: DNSType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .soa: .soa
        case .ptr: .ptr
        case .mx: .mx
        case .txt: .txt
        case .srv: .srv
        case .opt: .opt
        case .unknown(let t, _): t
        }
    }

    /// Reads RDATA strictly (exactly `length` octets). With `pointers`, names may be compressed where
    /// RFC 3597 §4 lets a receiver meet that (the RFC 1035 types, and `DNSRDataFormat`'s compressible
    /// names); other types' names must not be.
    static func read(type: DNSType, from message: Span<UInt8>, at start: Int, length: Int,
                     pointers: Bool = true) throws(WireError) -> DNSRecordData {
        let end = start + length
        guard end <= message.count else { throw .truncated(.dns, needed: end, available: message.count) }
        let rdata = message.extracting(0..<end)  // names may point anywhere before, never past the RDATA
        func name(_ at: Int) throws(WireError) -> (DNSName, Int) {
            let (n, next) = try DNSName.read(from: rdata, at: at, pointers: pointers)
            return (n, next)
        }
        func expect(_ at: Int) throws(WireError) { guard at == end else { throw .badLength(.dns) } }
        func fixed(_ n: Int) throws(WireError) { guard length == n else { throw .badLength(.dns) } }
        switch type {
        case .a:
            try fixed(4)
            return .a(message.ipv4(start))
        case .aaaa:
            try fixed(16)
            return .aaaa(message.ipv6(start))
        case .ns, .cname, .ptr:
            let (n, next) = try name(start)
            try expect(next)
            return type == .ns ? .ns(n) : type == .cname ? .cname(n) : .ptr(n)
        case .soa:
            let (primary, p1) = try name(start)
            let (mailbox, p2) = try name(p1)
            try expect(p2 + 20)
            return .soa(DNSSOA(primary: primary, mailbox: mailbox, serial: message.u32(p2), refresh: message.u32(p2 + 4),
                               retry: message.u32(p2 + 8), expire: message.u32(p2 + 12), minimum: message.u32(p2 + 16)))
        case .mx:
            guard length >= 3 else { throw .badLength(.dns) }
            let (n, next) = try name(start + 2)
            try expect(next)
            return .mx(preference: message.u16(start), exchange: n)
        case .txt:
            guard length >= 1 else { throw .badLength(.dns) }
            var strings: [[UInt8]] = []
            var i = start
            while i < end {
                let n = Int(message[i])
                guard i + 1 + n <= end else { throw .badLength(.dns) }
                strings.append(message.copy(i + 1, n))
                i += 1 + n
            }
            return .txt(strings)
        case .srv:
            guard length >= 7 else { throw .badLength(.dns) }
            let (n, next) = try name(start + 6)
            try expect(next)
            return .srv(priority: message.u16(start), weight: message.u16(start + 2), port: message.u16(start + 4), target: n)
        case .opt:
            var options: [EDNSOption] = []
            var i = start
            while i < end {
                guard i + 4 <= end else { throw .badLength(.dns) }
                let n = Int(message.u16(i + 2))
                guard i + 4 + n <= end else { throw .badLength(.dns) }
                options.append(EDNSOption(code: message.u16(i), data: message.copy(i + 4, n)))
                i += 4 + n
            }
            return .opt(options)
        default:
            guard let fields = DNSRDataFormat.fields(of: type) else { return .unknown(type, message.copy(start, length)) }
            var starts: [Int] = []
            return .unknown(type, try DNSRDataFormat.decode(fields, from: message, at: start, length: length,
                                                            pointers: pointers, starts: &starts))
        }
    }

    func write(into out: inout [UInt8], compressor: inout DNSNameCompressor, compress: Bool = true) throws(WireError) {
        switch self {
        case .a(let a): out.put32(a.rawValue)
        case .aaaa(let a): for i in 0..<16 { out.append(a.octet(i)) }
        case .ns(let n), .cname(let n), .ptr(let n): compressor.write(n, into: &out, compress: compress)
        case .soa(let s):
            compressor.write(s.primary, into: &out, compress: compress)
            compressor.write(s.mailbox, into: &out, compress: compress)
            for v in [s.serial, s.refresh, s.retry, s.expire, s.minimum] { out.put32(v) }
        case .mx(let preference, let exchange):
            out.put16(preference)
            compressor.write(exchange, into: &out, compress: compress)
        case .txt(let strings):
            guard !strings.isEmpty else { throw .badLength(.dns) }
            for s in strings {
                guard s.count <= 255 else { throw .badLength(.dns) }
                out.append(UInt8(s.count))
                out += s
            }
        case .srv(let priority, let weight, let port, let target):
            out.put16(priority); out.put16(weight); out.put16(port)
            compressor.write(target, into: &out, compress: false)
        case .opt(let options):
            for o in options {
                guard o.data.count <= 0xFFFF else { throw .badLength(.dns) }
                out.put16(o.code); out.put16(UInt16(o.data.count)); out += o.data
            }
        case .unknown(_, let bytes): out += bytes
        }
    }
}

public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSType
    public var `class`: DNSClass
    public init(name: DNSName, type: DNSType, class: DNSClass = .internet) {
        self.name = name; self.type = type; self.class = `class`
    }
}

public struct DNSRecord: Hashable, Sendable {
    public var name: DNSName
    public var `class`: DNSClass
    public var ttl: UInt32
    public var data: DNSRecordData
    public var type: DNSType { data.type }

    public init(name: DNSName, class: DNSClass = .internet, ttl: UInt32, data: DNSRecordData) {
        self.name = name; self.class = `class`; self.ttl = ttl; self.data = data
    }
}

/// EDNS0 parameters carried by the OPT pseudo-record (RFC 6891 §6.1.3). The extended response code bits
/// are not here: `DNSHeader.rcode` holds the whole 12-bit code.
public struct EDNS: Hashable, Sendable {
    /// Requestor's UDP payload size (the OPT record's CLASS); values below 512 are treated as 512.
    public var udpPayloadSize: UInt16
    public var version: UInt8
    public var dnssecOK: Bool
    public var options: [EDNSOption]

    public init(udpPayloadSize: UInt16 = 1232, version: UInt8 = 0, dnssecOK: Bool = false, options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize; self.version = version
        self.dnssecOK = dnssecOK; self.options = options
    }
}
