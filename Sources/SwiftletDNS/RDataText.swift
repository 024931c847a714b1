// SwiftletDNS: RDATA in presentation format → wire octets, for every type with a `DNSRDataFormat`
// field list, and RFC 3597 §5's generic form (`\# length hex`) for any type.
//
// The field list drives the parse, as it drives the wire reader; LOC (RFC 1876 §3), APL (RFC 3123 §5)
// and SvcParams (RFC 9460 §2.1, Appendix A) have their own grammars below. The octets built are then
// checked by the wire reader (`DNSRecordData(type:rdata:)`), so nothing this file accepts can be data
// the wire layer would refuse. Every error names the line and says what was expected.
// The inverse, wire → text, is DNSPresentation.swift.

import Swiftlet
import SwiftletWire

extension ZoneFile {
    /// Most SvcParams in one SVCB/HTTPS record (each takes at least 4 octets of a 65,535-octet RDATA).
    static let maximumSvcParams = 16_384
    /// RDLENGTH is 16 bits (RFC 1035 §3.2.1).
    static let maximumRDATA = 65_535

    /// The record data of `type` from the tokens after the type.
    static func rdata(_ type: DNSType, _ tokens: [Token], origin: DNSName?, line: Int) throws(ZoneError) -> DNSRecordData {
        if let first = tokens.first, !first.quoted, first.bytes == [UInt8(ascii: "\\"), UInt8(ascii: "#")] {
            return try generic(type, Array(tokens.dropFirst()), line: line)
        }
        guard let fields = textFields(of: type) else {
            throw ZoneError(line: line, "\(type) has no presentation format here: write its data as \\# LENGTH HEX (RFC 3597 §5)")
        }
        var reader = RDataReader(type: type, tokens: tokens, line: line, origin: origin)
        for field in fields { try reader.read(field) }
        guard reader.next == tokens.count else {
            throw ZoneError(line: line, "\(type): unexpected '\(tokens[reader.next].text)' after the data")
        }
        guard reader.out.count <= maximumRDATA else {
            throw ZoneError(line: line, "\(type): \(reader.out.count) octets of data (at most \(maximumRDATA))")
        }
        guard let data = try? DNSRecordData(type: type, rdata: reader.out) else {
            throw ZoneError(line: line, type.description + ": the data is not valid for the type")
        }
        return data
    }

    /// The presentation fields of `type`: the typed cases' own (their wire reading is `DNSRecordData`'s
    /// code), else `DNSRDataFormat`'s list.
    static func textFields(of type: DNSType) -> [DNSRDataField]? {
        switch type {
        case .a: [.ipv4]
        case .aaaa: [.ipv6]
        case .ns, .cname, .ptr: [.compressibleName]
        case .mx: [.u16, .compressibleName]
        case .srv: [.u16, .u16, .u16, .name]
        case .soa: [.compressibleName, .compressibleName, .u32, .seconds, .seconds, .seconds, .seconds]
        case .txt: [.strings]
        default: DNSRDataFormat.fields(of: type)
        }
    }

    /// `\# LENGTH HEX...` (RFC 3597 §5): the hex may be split into words; for a known type the octets
    /// must be valid for it.
    static func generic(_ type: DNSType, _ tokens: [Token], line: Int) throws(ZoneError) -> DNSRecordData {
        guard let lengthToken = tokens.first, let length = decimal(lengthToken.bytes, UInt16.self) else {
            throw ZoneError(line: line, "\\# must be followed by the data's length (0 to 65535)")
        }
        var text: [UInt8] = []
        for t in tokens.dropFirst() { text += t.bytes }
        guard let bytes = DNSText.hex(decoding: text) else { throw ZoneError(line: line, "\\# data is not hex digits") }
        guard bytes.count == Int(length) else {
            throw ZoneError(line: line, "\\# says \(length) octets but the hex holds \(bytes.count)")
        }
        guard let data = try? DNSRecordData(type: type, rdata: bytes) else {
            throw ZoneError(line: line, "\\# data is not valid " + type.description + " data")
        }
        return data
    }
}

/// Reads the fields of one record's data from its tokens, appending their wire form to `out`.
struct RDataReader {
    let type: DNSType
    let tokens: [ZoneFile.Token]
    let line: Int
    let origin: DNSName?
    var next = 0
    var out: [UInt8] = []

    init(type: DNSType, tokens: [ZoneFile.Token], line: Int, origin: DNSName?) {
        self.type = type; self.tokens = tokens; self.line = line; self.origin = origin
    }

    @inline(never)
    func error(_ message: String) -> ZoneError { ZoneError(line: line, type.description + ": " + message) }

    mutating func token(_ what: String) throws(ZoneError) -> ZoneFile.Token {
        guard next < tokens.count else { throw error("missing \(what)") }
        next += 1
        return tokens[next - 1]
    }

    /// The remaining tokens' bytes run together (base64 and hex may be split into words).
    mutating func rest() -> [UInt8] {
        var all: [UInt8] = []
        while next < tokens.count { all += tokens[next].bytes; next += 1 }
        return all
    }

    /// The next token as a decimal of `octets` octets (one copy for every width: the kernel is small).
    @inline(never)
    mutating func number(_ octets: Int) throws(ZoneError) -> UInt64 {
        let max: UInt64 = octets == 1 ? 255 : octets == 2 ? 65535 : 4_294_967_295
        guard next < tokens.count else { throw error("missing a number from 0 to \(max)") }
        let t = tokens[next]
        next += 1
        guard let v = ZoneFile.decimal(t.bytes, UInt32.self), UInt64(v) <= max else { throw error("'\(t.text)' is not a number from 0 to \(max)") }
        return UInt64(v)
    }

    @inline(never)
    func escapeError(_ t: ZoneFile.Token) -> ZoneError { error("a bad escape in '" + t.text + "'") }

    /// "'PARAM': WHAT" (a SvcParam's error), out of line.
    @inline(never)
    func param(_ text: String, _ what: StaticString, colon: Bool = true) -> ZoneError {
        error("'" + text + (colon ? "': " : "' ") + what.description)
    }

    /// "'TEXT' is not WHAT", out of line: each call site is then a call, not an interpolation.
    @inline(never)
    func bad(_ t: ZoneFile.Token, _ what: StaticString) -> ZoneError {
        error("'" + t.text + "' is not " + what.description)
    }

    mutating func put(_ v: UInt64, _ octets: Int) {
        for k in stride(from: octets - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * k))) }
    }

    mutating func read(_ field: DNSRDataField) throws(ZoneError) {
        switch field {
        case .u8: put(try number(1), 1)
        case .u16: put(try number(2), 2)
        case .u32: put(try number(4), 4)
        case .seconds:
            let t = try token("a time")
            guard let v = ZoneFile.ttl(t.text) else { throw bad(t, "a time") }
            put(UInt64(v), 4)
        case .algorithm:
            let t = try token("an algorithm")
            guard let v = ZoneFile.decimal(t.bytes, UInt8.self).map(UInt16.init) ?? RDataReader.lookup(t.bytes, RDataReader.algorithms) else {
                throw bad(t, "an algorithm number or mnemonic")
            }
            put(UInt64(v), 1)
        case .certType:
            let t = try token("a certificate type")
            guard let v = ZoneFile.decimal(t.bytes, UInt16.self) ?? RDataReader.lookup(t.bytes, RDataReader.certTypes) else {
                throw bad(t, "a certificate type number or mnemonic")
            }
            put(UInt64(v), 2)
        case .type:
            let t = try token("a record type")
            guard let v = DNSType(mnemonic: t.text) else { throw bad(t, "a record type") }
            put(UInt64(v.rawValue), 2)
        case .time:
            let t = try token("a time (YYYYMMDDHHmmSS or seconds)")
            guard let v = t.bytes.count == 14 ? DNSText.date(decoding: t.bytes) : ZoneFile.decimal(t.bytes, UInt32.self) else {
                throw bad(t, "a time (YYYYMMDDHHmmSS or seconds since 1970)")
            }
            put(UInt64(v), 4)
        case .ipv4:
            let t = try token("an IPv4 address")
            guard let a = IPv4Address(t.text) else { throw bad(t, "an IPv4 address") }
            put(UInt64(a.rawValue), 4)
        case .ipv6:
            let t = try token("an IPv6 address")
            guard let a = ZoneFile.ipv6(t.text) else { throw bad(t, "an IPv6 address") }
            put(a.high, 8); put(a.low, 8)
        case .eui48, .eui64:
            let octets = field == .eui48 ? 6 : 8
            let t = try token("an EUI-\(octets * 8) address")
            guard let v = RDataReader.eui(t.bytes, octets) else {
                throw error("'\(t.text)' is not \(octets) hex pairs joined by '-' (RFC 7043 §3.2)")
            }
            out += v
        case .name, .compressibleName:
            let t = try token("a domain name")
            out += try ZoneFile.resolve(t, origin: origin, line: line).wire
        case .string:
            out += try string(try token("a character-string"), limit: 255, withLength: true)
        case .strings:
            guard next < tokens.count else { throw error("missing a character-string") }
            while next < tokens.count { out += try string(tokens[next], limit: 255, withLength: true); next += 1 }
        case .caaTag:
            let t = try token("a tag")
            guard !t.quoted, !t.bytes.isEmpty, t.bytes.count <= 255, t.bytes.allSatisfy(isAlphanumeric) else {
                throw bad(t, "a tag of ASCII letters and digits (RFC 8659 §4.1.1)")
            }
            out.append(UInt8(t.bytes.count)); out += t.bytes
        case .text:
            out += try string(try token("a string"), limit: 65535, withLength: false)
        case .base64:
            let text = rest()
            guard let v = DNSText.base64(decoding: text) else { throw error("'\(String(decoding: text, as: UTF8.self))' is not base64") }
            out += v
        case .hex:
            let text = rest()
            guard let v = DNSText.hex(decoding: text) else { throw error("'\(String(decoding: text, as: UTF8.self))' is not hex") }
            out += v
        case .salt:
            let t = try token("a salt (hex, or - for none)")
            if t.bytes == [UInt8(ascii: "-")] { out.append(0); break }
            guard let v = DNSText.hex(decoding: t.bytes), !v.isEmpty, v.count <= 255 else {
                throw bad(t, "a salt: 1 to 255 octets in hex, or - for none")
            }
            out.append(UInt8(v.count)); out += v
        case .hash:
            let t = try token("a hashed owner name (base32hex)")
            guard let v = DNSText.base32hex(decoding: t.bytes), !v.isEmpty, v.count <= 255 else {
                throw bad(t, "a hash in base32hex (RFC 4648 §7) of 1 to 255 octets")
            }
            out.append(UInt8(v.count)); out += v
        case .typeBitmaps:
            var types: [UInt16] = []
            while next < tokens.count {
                let t = tokens[next]
                guard let v = DNSType(mnemonic: t.text) else { throw bad(t, "a record type") }
                types.append(v.rawValue)
                next += 1
            }
            out += RDataReader.bitmaps(types)
        case .gateway:
            let t = try token("a gateway")
            switch out.count >= 2 ? out[1] : 255 {
            case 0: guard t.bytes == [UInt8(ascii: ".")] else { throw error("gateway type 0 takes '.' as its gateway") }
            case 1:
                guard let a = IPv4Address(t.text) else { throw bad(t, "an IPv4 address (gateway type 1)") }
                put(UInt64(a.rawValue), 4)
            case 2:
                guard let a = ZoneFile.ipv6(t.text) else { throw bad(t, "an IPv6 address (gateway type 2)") }
                put(a.high, 8); put(a.low, 8)
            case 3: out += try ZoneFile.resolve(t, origin: origin, line: line).wire
            default: throw error("gateway type \(out.count >= 2 ? out[1] : 0) is not 0, 1, 2 or 3 (RFC 4025 §2.3)")
            }
        case .loc: try loc()
        case .apl: try apl()
        case .svcParams: try svcParams()
        }
    }

    /// A character-string's octets (escapes undone), after a length octet when `withLength`.
    func string(_ t: ZoneFile.Token, limit: Int, withLength: Bool) throws(ZoneError) -> [UInt8] {
        guard let s = ZoneFile.unescape(t.bytes) else { throw escapeError(t) }
        guard s.count <= limit else { throw error("a string of \(s.count) octets (at most \(limit))") }
        return withLength ? [UInt8(s.count)] + s : s
    }

    static let algorithms: [(String, UInt16)] = [
        ("RSAMD5", 1), ("DH", 2), ("DSA", 3), ("RSASHA1", 5), ("DSA-NSEC3-SHA1", 6), ("RSASHA1-NSEC3-SHA1", 7),
        ("RSASHA256", 8), ("RSASHA512", 10), ("ECC-GOST", 12), ("ECDSAP256SHA256", 13), ("ECDSAP384SHA384", 14),
        ("ED25519", 15), ("ED448", 16), ("INDIRECT", 252), ("PRIVATEDNS", 253), ("PRIVATEOID", 254),
    ]
    static let certTypes: [(String, UInt16)] = [
        ("PKIX", 1), ("SPKI", 2), ("PGP", 3), ("IPKIX", 4), ("ISPKI", 5), ("IPGP", 6), ("ACPKIX", 7), ("IACPKIX", 8),
        ("URI", 253), ("OID", 254),
    ]

    static func lookup(_ bytes: [UInt8], _ table: [(String, UInt16)]) -> UInt16? {
        for (name, value) in table where bytes.count == name.utf8.count {
            if zip(bytes, name.utf8).allSatisfy({ lowerASCII($0) == lowerASCII($1) }) { return value }
        }
        return nil
    }

    /// `xx-xx-...` with `octets` hex pairs (RFC 7043 §3.2, §4.2).
    static func eui(_ b: [UInt8], _ octets: Int) -> [UInt8]? {
        guard b.count == octets * 3 - 1 else { return nil }
        var v: [UInt8] = []
        for k in 0..<octets {
            if k > 0 { guard b[3 * k - 1] == UInt8(ascii: "-") else { return nil } }
            guard let h = hexDigitValue(b[3 * k]), let l = hexDigitValue(b[3 * k + 1]) else { return nil }
            v.append(h << 4 | l)
        }
        return v
    }

    /// Type bitmaps for a set of types (RFC 4034 §4.1.2): windows ascending, trailing zero octets left out.
    /// A presence set of all 65,536 types (8 KiB) orders them without sorting.
    static func bitmaps(_ types: [UInt16]) -> [UInt8] {
        var present = [UInt8](repeating: 0, count: 8192)
        for t in types { present[Int(t >> 3)] |= 0x80 >> UInt8(t & 7) }
        var out: [UInt8] = []
        for window in 0..<256 {
            var length = 0
            for k in 0..<32 where present[window * 32 + k] != 0 { length = k + 1 }
            guard length > 0 else { continue }
            out.append(UInt8(window)); out.append(UInt8(length)); out += present[(window * 32)..<(window * 32 + length)]
        }
        return out
    }

    // MARK: LOC (RFC 1876 §3)

    /// `d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt[m] [siz[m] [hp[m] [vp[m]]]]`.
    mutating func loc() throws(ZoneError) {
        let latitude = try angle(hemispheres: ("N", "S"), maximumDegrees: 90)
        let longitude = try angle(hemispheres: ("E", "W"), maximumDegrees: 180)
        let altitudeToken = try token("an altitude")
        // Altitude in centimetres above a base 100,000 m below the WGS 84 ellipsoid.
        guard let altitude = DNSText.fixed(decoding: meters(altitudeToken.bytes), decimals: 2, limit: 4_294_967_295, signed: true),
              altitude + 10_000_000 >= 0, altitude + 10_000_000 <= 4_294_967_295 else {
            throw bad(altitudeToken, "an altitude from -100000.00m to 42849672.95m")
        }
        var sizes: [UInt8] = [0x12, 0x16, 0x13]  // defaults: 1 m, 10,000 m, 10 m
        for k in 0..<3 where next < tokens.count {
            let t = tokens[next]
            next += 1
            guard let cm = DNSText.fixed(decoding: meters(t.bytes), decimals: 2, limit: 9_000_000_000) else {
                throw bad(t, "a size from 0 to 90000000.00m")
            }
            var mantissa = cm, exponent: UInt8 = 0
            while mantissa > 9 { mantissa /= 10; exponent += 1 }
            sizes[k] = UInt8(mantissa) << 4 | exponent
        }
        out.append(0)
        out += sizes
        put(UInt64(latitude), 4); put(UInt64(longitude), 4); put(UInt64(altitude + 10_000_000), 4)
    }

    /// The text without a trailing `m`.
    func meters(_ b: [UInt8]) -> [UInt8] { b.last == UInt8(ascii: "m") || b.last == UInt8(ascii: "M") ? Array(b.dropLast()) : b }

    /// Degrees, optional minutes and seconds (to thousandths), then a hemisphere letter: 2^31 ± the angle
    /// in thousandths of a second of arc.
    mutating func angle(hemispheres: (String, String), maximumDegrees: Int64) throws(ZoneError) -> UInt32 {
        var parts: [Int64] = []
        while true {
            let t = try token("\(hemispheres.0) or \(hemispheres.1) after the degrees")
            let letter = t.bytes.count == 1 ? lowerASCII(t.bytes[0]) : 0
            let positive = letter == lowerASCII(hemispheres.0.utf8.first ?? 0)
            if positive || letter == lowerASCII(hemispheres.1.utf8.first ?? 0) {
                guard !parts.isEmpty else { throw error("degrees before '\(t.text)'") }
                var total = parts[0] * 3_600_000
                if parts.count > 1 { total += parts[1] * 60_000 }
                if parts.count > 2 { total += parts[2] }
                guard total <= maximumDegrees * 3_600_000 else { throw error("more than \(maximumDegrees) degrees") }
                let centre: Int64 = 1 << 31
                return UInt32(positive ? centre + total : centre - total)
            }
            guard parts.count < 3 else { throw error("'\(t.text)' where \(hemispheres.0) or \(hemispheres.1) was expected") }
            let value: Int64?
            switch parts.count {
            case 0: value = ZoneFile.decimal(t.bytes, UInt8.self).map(Int64.init).flatMap { $0 <= maximumDegrees ? $0 : nil }
            case 1: value = ZoneFile.decimal(t.bytes, UInt8.self).map(Int64.init).flatMap { $0 <= 59 ? $0 : nil }
            default: value = DNSText.fixed(decoding: t.bytes, decimals: 3, limit: 59_999)
            }
            guard let value else { throw bad(t, "a degree, minute or second value") }
            parts.append(value)
        }
    }

    // MARK: APL (RFC 3123 §5)

    /// Items `[!]afi:address/prefix`, family 1 (IPv4) or 2 (IPv6), trailing zero octets left out (§4).
    mutating func apl() throws(ZoneError) {
        while next < tokens.count {
            let t = tokens[next]
            next += 1
            var b = t.bytes[...]
            let negated = b.first == UInt8(ascii: "!")
            if negated { b = b.dropFirst() }
            guard let colon = b.firstIndex(of: UInt8(ascii: ":")), let slash = b.lastIndex(of: UInt8(ascii: "/")), colon < slash,
                  let family = ZoneFile.decimal(Array(b[..<colon]), UInt16.self),
                  let prefix = ZoneFile.decimal(Array(b[(slash + 1)...]), UInt8.self) else {
                throw bad(t, "an APL item ([!]family:address/prefix)")
            }
            let text = String(decoding: b[(colon + 1)..<slash], as: UTF8.self)
            var address: [UInt8]
            switch family {
            case 1:
                guard let a = IPv4Address(text), prefix <= 32 else { throw bad(t, "an IPv4 item with a prefix up to 32") }
                address = (0..<4).map { a.octet($0) }
            case 2:
                guard let a = ZoneFile.ipv6(text), prefix <= 128 else { throw bad(t, "an IPv6 item with a prefix up to 128") }
                address = (0..<16).map { a.octet($0) }
            default: throw error("address family \(family) in '\(t.text)' is not 1 or 2")
            }
            while address.last == 0 { address.removeLast() }
            put(UInt64(family), 2)
            out.append(prefix)
            out.append((negated ? 0x80 : 0) | UInt8(address.count))
            out += address
        }
    }

    // MARK: SvcParams (RFC 9460 §2.1, Appendix A)

    /// `key[=value]` words in any order, each key once, written in ascending key order.
    mutating func svcParams() throws(ZoneError) {
        var params: [(UInt16, [UInt8])] = []
        while next < tokens.count {
            var t = tokens[next]
            next += 1
            // `key="value"`: the tokenizer splits at the quote; the quoted part is attached to `key=`.
            if !t.quoted, t.bytes.last == UInt8(ascii: "="), next < tokens.count, tokens[next].attached {
                t = ZoneFile.Token(bytes: t.bytes + tokens[next].bytes, quoted: true)
                next += 1
            }
            guard !t.quoted || t.bytes.contains(UInt8(ascii: "=")) else { throw bad(t, "a SvcParam") }
            let equals = t.bytes.firstIndex(of: UInt8(ascii: "="))
            let keyBytes = Array(t.bytes[..<(equals ?? t.bytes.count)])
            guard let key = RDataReader.svcKey(keyBytes) else { throw error("'\(String(decoding: keyBytes, as: UTF8.self))' is not a SvcParamKey") }
            guard params.count < ZoneFile.maximumSvcParams else { throw error("more than \(ZoneFile.maximumSvcParams) SvcParams") }
            var value: [UInt8] = []
            if let equals {
                guard let v = ZoneFile.unescape(Array(t.bytes[(equals + 1)...])) else { throw escapeError(t) }
                value = try svcValue(key, v, t.text, hasValue: true)
            } else {
                value = try svcValue(key, [], t.text, hasValue: false)
            }
            guard value.count <= 65535 else { throw error("the value of '\(t.text)' is too long") }
            params.append((key, value))
        }
        var order = params.indices.map { UInt32(params[$0].0) << 16 | UInt32($0) }  // at most 16,384: fits 16 bits
        order.sort()
        params = order.map { params[Int($0 & 0xFFFF)] }
        func keyName(_ key: UInt16) -> String { Int(key) < SvcParamKey.names.count ? SvcParamKey.names[Int(key)] : "key\(key)" }
        for k in params.indices.dropFirst() where params[k].0 == params[k - 1].0 {
            throw error("the SvcParamKey \(keyName(params[k].0)) appears twice")
        }
        // RFC 9460 §8: every key the mandatory list names is present (both ascend: one merge walk).
        if let mandatory = params.first?.0 == SvcParamKey.mandatory ? params.first?.1 : nil {
            var k = 0, j = 0
            while k + 1 < mandatory.count {
                let listed = UInt16(mandatory[k]) << 8 | UInt16(mandatory[k + 1])
                while j < params.count, params[j].0 < listed { j += 1 }
                guard j < params.count, params[j].0 == listed else {
                    throw error("the mandatory list names \(keyName(listed)), which is not there")
                }
                k += 2
            }
        }
        for (key, value) in params {
            put(UInt64(key), 2); put(UInt64(value.count), 2); out += value
        }
    }

    /// `mandatory`, `alpn`, ... or `keyNNNNN` (65535 is reserved).
    static func svcKey(_ b: [UInt8]) -> UInt16? {
        for (k, name) in SvcParamKey.names.enumerated() where b.elementsEqual(name.utf8) { return UInt16(k) }
        guard b.count > 3, b.count <= 8, b[0] == UInt8(ascii: "k"), b[1] == UInt8(ascii: "e"), b[2] == UInt8(ascii: "y"),
              let n = ZoneFile.decimal(Array(b[3...]), UInt16.self), n != 65535 else { return nil }
        guard b.count == 4 || b[3] != UInt8(ascii: "0") else { return nil }  // no leading zeros
        return n
    }

    /// The wire value of one SvcParam from its presentation value (escapes already undone).
    func svcValue(_ key: UInt16, _ v: [UInt8], _ text: String, hasValue: Bool) throws(ZoneError) -> [UInt8] {
        switch key {
        case SvcParamKey.noDefaultALPN, SvcParamKey.ohttp:
            guard v.isEmpty else { throw param(text, "this key takes no value") }
            return []
        case SvcParamKey.mandatory, SvcParamKey.alpn, SvcParamKey.ipv4hint, SvcParamKey.ipv6hint, SvcParamKey.port, SvcParamKey.ech:
            guard !v.isEmpty else { throw param(text, "needs a value", colon: false) }
        default: break
        }
        var out: [UInt8] = []
        switch key {
        case SvcParamKey.mandatory:
            var keys: [UInt16] = []
            for item in try list(v, text) {
                guard let k = RDataReader.svcKey(item), k != SvcParamKey.mandatory else {
                    throw param(text, "the mandatory list must name other keys, each once")
                }
                keys.append(k)
            }
            // Each once, written ascending: through a presence set of the 65,536 keys, as type bitmaps are.
            var present = [UInt8](repeating: 0, count: 8192)
            for k in keys {
                guard present[Int(k >> 3)] & (0x80 >> UInt8(k & 7)) == 0 else {
                    throw param(text, "the mandatory list must name other keys, each once")
                }
                present[Int(k >> 3)] |= 0x80 >> UInt8(k & 7)
            }
            for k in 0..<65536 where present[k >> 3] & (0x80 >> UInt8(k & 7)) != 0 { out.append(UInt8(k >> 8)); out.append(UInt8(k & 0xFF)) }
        case SvcParamKey.alpn:
            for item in try list(v, text) {
                guard item.count <= 255 else { throw param(text, "an ALPN id over 255 octets") }
                out.append(UInt8(item.count)); out += item
            }
        case SvcParamKey.port:
            guard let p = ZoneFile.decimal(v, UInt16.self) else { throw param(text, "the port is not a number from 0 to 65535") }
            out.append(UInt8(p >> 8)); out.append(UInt8(p & 0xFF))
        case SvcParamKey.ipv4hint:
            for item in try list(v, text) {
                guard let a = IPv4Address(String(decoding: item, as: UTF8.self)) else { throw param(text, "not IPv4 addresses") }
                for k in 0..<4 { out.append(a.octet(k)) }
            }
        case SvcParamKey.ipv6hint:
            for item in try list(v, text) {
                guard let a = ZoneFile.ipv6(String(decoding: item, as: UTF8.self)) else { throw param(text, "not IPv6 addresses") }
                for k in 0..<16 { out.append(a.octet(k)) }
            }
        case SvcParamKey.ech:
            guard let b = DNSText.base64(decoding: v) else { throw param(text, "the ECH config is not base64") }
            out = b
        default:
            out = v  // dohpath and unknown keys: the octets
        }
        return out
    }

    /// A comma-separated value-list (RFC 9460 Appendix A.1): `\,` and `\\` escape inside an item; nil
    /// when an item is empty.
    static func list(_ v: [UInt8]) -> [[UInt8]]? {
        var items: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < v.count {
            if v[i] == UInt8(ascii: "\\"), i + 1 < v.count {
                current.append(v[i + 1]); i += 2; continue
            }
            if v[i] == UInt8(ascii: ",") {
                guard !current.isEmpty else { return nil }
                items.append(current); current = []
            } else {
                current.append(v[i])
            }
            i += 1
        }
        guard !current.isEmpty else { return nil }
        items.append(current)
        return items
    }

    func list(_ v: [UInt8], _ text: String) throws(ZoneError) -> [[UInt8]] {
        guard let items = RDataReader.list(v) else { throw param(text, "an empty item in the list") }
        return items
    }
}

func isAlphanumeric(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (lowerASCII(c) >= 97 && lowerASCII(c) <= 122) }
