// SwiftletWire: the wire format of every record type this layer knows beyond its typed cases, as data
// (one field list per type), and the strict reader that checks RDATA against it.
//
// Formats: RFC 1035 §3.3 (HINFO), RFC 1183 (RP, AFSDB, RT), RFC 1876 (LOC), RFC 3403 (NAPTR), RFC 2230 (KX),
// RFC 4398 (CERT), RFC 6672 (DNAME), RFC 3123 (APL), RFC 4034 (DS, RRSIG, NSEC, DNSKEY), RFC 4255 (SSHFP),
// RFC 4025 (IPSECKEY), RFC 4701 (DHCID), RFC 5155 (NSEC3, NSEC3PARAM), RFC 6698 (TLSA), RFC 8162 (SMIMEA),
// RFC 7344 (CDS, CDNSKEY), RFC 7929 (OPENPGPKEY), RFC 7477 (CSYNC), RFC 8976 (ZONEMD), RFC 9460 (SVCB,
// HTTPS), RFC 7208 (SPF), RFC 7043 (EUI48, EUI64), RFC 7553 (URI), RFC 8659 (CAA).
//
// Invariants of what `decode` accepts: the fields consume exactly RDLENGTH octets; every inner length is
// checked against what is left; type bitmaps have ascending windows of 1...32 octets without trailing
// zero octets (RFC 4034 §4.1.2); SvcParams have strictly ascending keys and values of the key's form
// (RFC 9460 §2.2, §7, §8); LOC is version 0 with sizes and precisions of digits 0-9 (RFC 1876 §2).
// Compression (RFC 3597 §4): names of `compressibleName` fields (RP, AFSDB, RT, NAPTR here, like the
// RFC 1035 types) are decompressed; a pointer in any other name (RRSIG signer, NSEC next name, KX, SVCB
// target, IPSECKEY gateway, DNAME target: RFC 6672 §2.5 forbids sending it compressed and RFC 3597 §4
// does not let a receiver expect it) is `badPointer`. The result is always the uncompressed RDATA.
// Where a wire value has two spellings that would present alike (LOC size 0 with exponent > 0), the
// odd one is refused, so that presentation → wire gives back the same octets.

import Swiftlet

/// One field of an RDATA format. Several kinds share a wire form and differ in presentation only
/// (`algorithm`, `type`, `time`, `certType` are integers; `base64` and `hex` are octets to the end).
public enum DNSRDataField: Hashable, Sendable {
    case u8, u16, u32
    /// u32: seconds, BIND's units (`1h30m`) accepted in text (SOA timers).
    case seconds
    /// u8: a DNSSEC algorithm number (RFC 4034 Appendix A.1); mnemonics are accepted in text.
    case algorithm
    /// u16: a record type, presented by mnemonic (RRSIG's type covered).
    case type
    /// u32: seconds since 1970, presented as YYYYMMDDHHmmSS (RFC 4034 §3.2).
    case time
    /// u16: a CERT type, with RFC 4398 §2.1 mnemonics.
    case certType
    case ipv4, ipv6, eui48, eui64
    /// A domain name that must arrive uncompressed.
    case name
    /// A domain name a receiver may meet compressed (RFC 3597 §4).
    case compressibleName
    /// One character-string: a length octet and that many octets.
    case string
    /// One or more character-strings, to the end.
    case strings
    /// A CAA tag: a character-string of 1...255 ASCII letters and digits (RFC 8659 §4.1.1).
    case caaTag
    /// The octets to the end, presented as one quoted string (CAA value, URI target).
    case text
    /// The octets to the end, presented in base64 (possibly none).
    case base64
    /// The octets to the end, presented in hex (possibly none).
    case hex
    /// A length octet and that many octets, presented in hex or `-` for none (NSEC3 salt).
    case salt
    /// A length octet (at least 1) and that many octets, presented in base32hex (NSEC3 next owner).
    case hash
    /// Type bitmaps to the end (RFC 4034 §4.1.2), possibly none.
    case typeBitmaps
    /// The IPSECKEY gateway; its form is given by the RDATA's second octet (RFC 4025 §2.3).
    case gateway
    /// The 16 octets of a LOC record (RFC 1876 §2).
    case loc
    /// APL items to the end (RFC 3123 §4).
    case apl
    /// SvcParams to the end (RFC 9460 §2.2).
    case svcParams
}

public enum DNSRDataFormat {
    /// The format of `type`, or nil when this layer has none for it: the typed cases of `DNSRecordData`
    /// (A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT) are read by their own code, and other types are
    /// opaque octets.
    public static func fields(of type: DNSType) -> [DNSRDataField]? {
        switch type.rawValue {
        case 13: [.string, .string]                                       // HINFO
        case 17: [.compressibleName, .compressibleName]                   // RP
        case 18, 21: [.u16, .compressibleName]                            // AFSDB, RT
        case 29: [.loc]                                                   // LOC
        case 35: [.u16, .u16, .string, .string, .string, .compressibleName]  // NAPTR
        case 36: [.u16, .name]                                            // KX
        case 37: [.certType, .u16, .algorithm, .base64]                   // CERT
        case 39: [.name]                                                  // DNAME
        case 42: [.apl]                                                   // APL
        case 43, 59: [.u16, .algorithm, .u8, .hex]                        // DS, CDS
        case 44: [.u8, .u8, .hex]                                         // SSHFP
        case 45: [.u8, .u8, .u8, .gateway, .base64]                       // IPSECKEY
        case 46: [.type, .algorithm, .u8, .u32, .time, .time, .u16, .name, .base64]  // RRSIG
        case 47: [.name, .typeBitmaps]                                    // NSEC
        case 48, 60: [.u16, .u8, .algorithm, .base64]                     // DNSKEY, CDNSKEY
        case 49, 61: [.base64]                                            // DHCID, OPENPGPKEY
        case 50: [.u8, .u8, .u16, .salt, .hash, .typeBitmaps]             // NSEC3
        case 51: [.u8, .u8, .u16, .salt]                                  // NSEC3PARAM
        case 52, 53: [.u8, .u8, .u8, .hex]                                // TLSA, SMIMEA
        case 62: [.u32, .u16, .typeBitmaps]                               // CSYNC
        case 63: [.u32, .u8, .u8, .hex]                                   // ZONEMD
        case 64, 65: [.u16, .name, .svcParams]                            // SVCB, HTTPS
        case 99: [.strings]                                               // SPF
        case 108: [.eui48]                                                // EUI48
        case 109: [.eui64]                                                // EUI64
        case 256: [.u16, .u16, .text]                                     // URI
        case 257: [.u8, .caaTag, .text]                                   // CAA
        default: nil
        }
    }

    /// Checks uncompressed RDATA of `type` against its format (any octets pass for a type without one) and
    /// returns the offset where each field starts, one per field.
    public static func check(_ type: DNSType, _ rdata: [UInt8]) throws(WireError) -> [Int] {
        guard let fields = fields(of: type) else { return [] }
        var starts: [Int] = []
        let out = try decode(fields, from: rdata.span, at: 0, length: rdata.count, pointers: false, starts: &starts)
        guard out == rdata else { throw .badField(.dns) }  // cannot happen without pointers; kept as a guard
        return starts
    }

    /// Reads RDATA of the given format at `start` in `message` and returns it uncompressed. With
    /// `pointers`, names of `compressibleName` fields may point anywhere before the RDATA's end.
    static func decode(_ fields: [DNSRDataField], from message: Span<UInt8>, at start: Int, length: Int,
                       pointers: Bool, starts: inout [Int]) throws(WireError) -> [UInt8] {
        let end = start + length
        guard end <= message.count else { throw .truncated(.dns, needed: end, available: message.count) }
        let rdata = message.extracting(0..<end)
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var i = start
        func need(_ n: Int) throws(WireError) { guard n <= end - i else { throw .badLength(.dns) } }
        func take(_ n: Int) throws(WireError) {
            try need(n)
            for k in 0..<n { out.append(message[i + k]) }
            i += n
        }
        func string(minimum: Int) throws(WireError) {
            try need(1)
            let n = Int(message[i])
            guard n >= minimum else { throw .badLength(.dns) }
            try take(1 + n)
        }
        func name(_ compressible: Bool) throws(WireError) {
            guard i < end else { throw .badLength(.dns) }
            let (n, next) = try DNSName.read(from: rdata, at: i, pointers: pointers && compressible)
            out += n.wire
            i = next
        }
        for field in fields {
            starts.append(out.count)
            switch field {
            case .u8, .algorithm: try take(1)
            case .u16, .type, .certType: try take(2)
            case .u32, .time, .seconds, .ipv4: try take(4)
            case .ipv6: try take(16)
            case .eui48: try take(6)
            case .eui64: try take(8)
            case .name: try name(false)
            case .compressibleName: try name(true)
            case .string, .salt: try string(minimum: 0)
            case .hash: try string(minimum: 1)
            case .strings:
                guard i < end else { throw .badLength(.dns) }
                while i < end { try string(minimum: 0) }
            case .caaTag:
                let at = i
                try string(minimum: 1)
                for k in (at + 1)..<i where !isLetterOrDigit(message[k]) { throw .badField(.dns) }
            case .text, .base64, .hex: try take(end - i)
            case .typeBitmaps:
                var previous = -1
                while i < end {
                    try need(2)
                    let window = Int(message[i]), n = Int(message[i + 1])
                    guard window > previous, n >= 1, n <= 32 else { throw .badField(.dns) }
                    try need(2 + n)
                    guard message[i + 1 + n] != 0 else { throw .badField(.dns) }  // trailing zero octet
                    previous = window
                    try take(2 + n)
                }
            case .gateway:
                guard out.count >= 2 else { throw .badField(.dns) }
                switch out[1] {
                case 0: break
                case 1: try take(4)
                case 2: try take(16)
                case 3: try name(false)
                default: throw .badField(.dns)
                }
            case .loc:
                guard end - i == 16 else { throw .badLength(.dns) }
                guard message[i] == 0 else { throw .badVersion(.dns) }
                for k in 1...3 where !locSizeIsValid(message[i + k]) { throw .badField(.dns) }
                let latitude = message.u32(i + 4), longitude = message.u32(i + 8)
                guard distanceFromCentre(latitude) <= 90 * 3_600_000,
                      distanceFromCentre(longitude) <= 180 * 3_600_000 else { throw .badField(.dns) }
                try take(16)
            case .apl:
                while i < end {
                    try need(4)
                    let family = message.u16(i), prefix = Int(message[i + 2]), n = Int(message[i + 3] & 0x7F)
                    let bits = family == 1 ? 32 : family == 2 ? 128 : 0
                    guard bits > 0, prefix <= bits, n <= bits / 8 else { throw .badField(.dns) }
                    try need(4 + n)
                    guard n == 0 || message[i + 3 + n] != 0 else { throw .badField(.dns) }  // RFC 3123 §4
                    try take(4 + n)
                }
            case .svcParams:
                try svcParams(message, from: i, to: end)
                try take(end - i)
            }
        }
        guard i == end else { throw .badLength(.dns) }
        return out
    }

    /// RFC 9460 §2.2: bounded by RDLENGTH (at most 16,383 params of 4 octets, 32,767 mandatory keys of 2).
    /// Keys strictly ascending, each value within the RDATA and of its key's form (§7, §8);
    /// the keys `mandatory` lists are present, ascending, and do not include `mandatory` itself.
    static func svcParams(_ m: Span<UInt8>, from start: Int, to end: Int) throws(WireError) {
        var keys: [UInt16] = []
        var mandatory: [UInt16] = []
        var i = start
        while i < end {
            guard end - i >= 4 else { throw .badLength(.dns) }
            let key = m.u16(i), n = Int(m.u16(i + 2))
            guard keys.last.map({ key > $0 }) ?? true, key != 65535 else { throw .badField(.dns) }
            guard n <= end - i - 4 else { throw .badLength(.dns) }
            let v = i + 4
            switch key {
            case SvcParamKey.mandatory:
                guard n > 0, n % 2 == 0 else { throw .badField(.dns) }
                var k = v
                while k < v + n {
                    let listed = m.u16(k)
                    guard listed != SvcParamKey.mandatory, mandatory.last.map({ listed > $0 }) ?? true else { throw .badField(.dns) }
                    mandatory.append(listed)
                    k += 2
                }
            case SvcParamKey.alpn:
                guard n > 0 else { throw .badField(.dns) }
                var k = v
                while k < v + n {
                    let s = Int(m[k])
                    guard s > 0, k + 1 + s <= v + n else { throw .badField(.dns) }
                    k += 1 + s
                }
            case SvcParamKey.noDefaultALPN, SvcParamKey.ohttp: guard n == 0 else { throw .badField(.dns) }
            case SvcParamKey.port: guard n == 2 else { throw .badField(.dns) }
            case SvcParamKey.ipv4hint: guard n > 0, n % 4 == 0 else { throw .badField(.dns) }
            case SvcParamKey.ipv6hint: guard n > 0, n % 16 == 0 else { throw .badField(.dns) }
            case SvcParamKey.ech: guard n > 0 else { throw .badField(.dns) }
            default: break
            }
            keys.append(key)
            i = v + n
        }
        // Both lists ascend strictly: one merge walk, linear in the two.
        var j = 0
        for k in mandatory {
            while j < keys.count, keys[j] < k { j += 1 }
            guard j < keys.count, keys[j] == k else { throw .badField(.dns) }
        }
    }

    /// A LOC size or precision octet: mantissa and exponent 0-9, and 0 only as 0e0 (RFC 1876 §2).
    static func locSizeIsValid(_ b: UInt8) -> Bool {
        let mantissa = b >> 4, exponent = b & 0xF
        return mantissa <= 9 && exponent <= 9 && (mantissa > 0 || exponent == 0)
    }

    /// |value - 2^31|: a LOC latitude or longitude's distance from the equator or meridian, in 1/1000".
    static func distanceFromCentre(_ v: UInt32) -> UInt32 { v >= 1 << 31 ? v - (1 << 31) : (1 << 31) - v }
}

/// SvcParamKeys (RFC 9460 §14.3.2; dohpath RFC 9461, ohttp RFC 9540).
public enum SvcParamKey {
    public static let mandatory: UInt16 = 0
    public static let alpn: UInt16 = 1
    public static let noDefaultALPN: UInt16 = 2
    public static let port: UInt16 = 3
    public static let ipv4hint: UInt16 = 4
    public static let ech: UInt16 = 5
    public static let ipv6hint: UInt16 = 6
    public static let dohpath: UInt16 = 7
    public static let ohttp: UInt16 = 8
    /// The names, in key order; other keys are written `keyNNNNN`.
    public static let names = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
                               "dohpath", "ohttp"]
}

@inline(__always)
func isLetterOrDigit(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (lower(c) >= 97 && lower(c) <= 122) }
