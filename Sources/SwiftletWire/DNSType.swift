// SwiftletWire: DNS record types (RFC 1035 §3.2.2 and the IANA "Resource Record (RR) TYPEs" registry),
// with their mnemonics and RFC 3597 §5's `TYPEnnn` spelling for every other number.
//
// `DNSType` is an open struct: every 16-bit value is a type and round-trips. `mnemonics` is the one table
// of names (both directions use it); a type without a mnemonic prints and parses as `TYPEnnn`.

import Swiftlet

public struct DNSType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let a = DNSType(rawValue: 1)
    public static let ns = DNSType(rawValue: 2)
    public static let cname = DNSType(rawValue: 5)
    public static let soa = DNSType(rawValue: 6)
    public static let wks = DNSType(rawValue: 11)
    public static let ptr = DNSType(rawValue: 12)
    public static let hinfo = DNSType(rawValue: 13)
    public static let mx = DNSType(rawValue: 15)
    public static let txt = DNSType(rawValue: 16)
    public static let rp = DNSType(rawValue: 17)
    public static let afsdb = DNSType(rawValue: 18)
    public static let rt = DNSType(rawValue: 21)
    public static let sig = DNSType(rawValue: 24)
    public static let key = DNSType(rawValue: 25)
    public static let px = DNSType(rawValue: 26)
    public static let aaaa = DNSType(rawValue: 28)
    public static let loc = DNSType(rawValue: 29)
    public static let nxt = DNSType(rawValue: 30)
    public static let srv = DNSType(rawValue: 33)
    public static let naptr = DNSType(rawValue: 35)
    public static let kx = DNSType(rawValue: 36)
    public static let cert = DNSType(rawValue: 37)
    public static let dname = DNSType(rawValue: 39)
    public static let opt = DNSType(rawValue: 41)
    public static let apl = DNSType(rawValue: 42)
    public static let ds = DNSType(rawValue: 43)
    public static let sshfp = DNSType(rawValue: 44)
    public static let ipseckey = DNSType(rawValue: 45)
    public static let rrsig = DNSType(rawValue: 46)
    public static let nsec = DNSType(rawValue: 47)
    public static let dnskey = DNSType(rawValue: 48)
    public static let dhcid = DNSType(rawValue: 49)
    public static let nsec3 = DNSType(rawValue: 50)
    public static let nsec3param = DNSType(rawValue: 51)
    public static let tlsa = DNSType(rawValue: 52)
    public static let smimea = DNSType(rawValue: 53)
    public static let cds = DNSType(rawValue: 59)
    public static let cdnskey = DNSType(rawValue: 60)
    public static let openpgpkey = DNSType(rawValue: 61)
    public static let csync = DNSType(rawValue: 62)
    public static let zonemd = DNSType(rawValue: 63)
    public static let svcb = DNSType(rawValue: 64)
    public static let https = DNSType(rawValue: 65)
    public static let spf = DNSType(rawValue: 99)
    public static let eui48 = DNSType(rawValue: 108)
    public static let eui64 = DNSType(rawValue: 109)
    public static let tkey = DNSType(rawValue: 249)
    public static let tsig = DNSType(rawValue: 250)
    public static let ixfr = DNSType(rawValue: 251)
    public static let axfr = DNSType(rawValue: 252)
    public static let any = DNSType(rawValue: 255)
    public static let uri = DNSType(rawValue: 256)
    public static let caa = DNSType(rawValue: 257)

    /// The mnemonics this layer knows, one per type. Types that are not here print as `TYPEnnn`.
    static let mnemonics: [(UInt16, String)] = [
        (1, "A"), (2, "NS"), (5, "CNAME"), (6, "SOA"), (11, "WKS"), (12, "PTR"), (13, "HINFO"), (15, "MX"),
        (16, "TXT"), (17, "RP"), (18, "AFSDB"), (21, "RT"), (24, "SIG"), (25, "KEY"), (26, "PX"), (28, "AAAA"),
        (29, "LOC"), (30, "NXT"), (33, "SRV"), (35, "NAPTR"), (36, "KX"), (37, "CERT"), (39, "DNAME"),
        (41, "OPT"), (42, "APL"), (43, "DS"), (44, "SSHFP"), (45, "IPSECKEY"), (46, "RRSIG"), (47, "NSEC"),
        (48, "DNSKEY"), (49, "DHCID"), (50, "NSEC3"), (51, "NSEC3PARAM"), (52, "TLSA"), (53, "SMIMEA"),
        (59, "CDS"), (60, "CDNSKEY"), (61, "OPENPGPKEY"), (62, "CSYNC"), (63, "ZONEMD"), (64, "SVCB"),
        (65, "HTTPS"), (99, "SPF"), (108, "EUI48"), (109, "EUI64"), (249, "TKEY"), (250, "TSIG"),
        (251, "IXFR"), (252, "AXFR"), (255, "ANY"), (256, "URI"), (257, "CAA"),
    ]

    /// The mnemonic (`RRSIG`), or `TYPEnnn` for a type without one (RFC 3597 §5).
    public var description: String {
        for (value, name) in DNSType.mnemonics where value == rawValue { return name }
        return "TYPE" + rawValue.description
    }

    /// Parses a mnemonic (any case) or `TYPEnnn` (RFC 3597 §5, nnn at most 65535); nil for anything else.
    public init?(mnemonic text: String) {
        let bytes = Array(text.utf8)
        for (value, name) in DNSType.mnemonics where asciiEqualIgnoringCase(bytes, name) {
            self.init(rawValue: value)
            return
        }
        guard let n = prefixedNumber(bytes, "TYPE") else { return nil }
        self.init(rawValue: n)
    }
}

/// True when `bytes` spell `word` (ASCII, case ignored).
func asciiEqualIgnoringCase(_ bytes: [UInt8], _ word: String) -> Bool {
    var i = 0
    for c in word.utf8 {
        guard i < bytes.count, lower(bytes[i]) == lower(c) else { return false }
        i += 1
    }
    return i == bytes.count
}

/// The number in `PREFIXnnn` (prefix in any case; 1 to 5 decimal digits, at most 65535), else nil.
func prefixedNumber(_ bytes: [UInt8], _ prefix: String) -> UInt16? {
    let p = prefix.utf8.count
    guard bytes.count > p, bytes.count <= p + 5, asciiEqualIgnoringCase(Array(bytes[0..<p]), prefix) else { return nil }
    var value: UInt32 = 0
    for c in bytes[p...] {
        guard c >= 48 && c <= 57 else { return nil }
        value = value * 10 + UInt32(c - 48)
    }
    return value <= 0xFFFF ? UInt16(value) : nil
}
