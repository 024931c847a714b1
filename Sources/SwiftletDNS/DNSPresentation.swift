// SwiftletDNS: records as presentation text (RFC 1035 §5.1 master-file lines), the inverse of
// ZoneFile + RDataText.swift: `owner TTL CLASS TYPE rdata`.
//
// Every value is written so that the zone-file parser reads back the same octets: names absolute with
// every special octet escaped, character-strings quoted, base64/hex/base32hex as one word. Data of a
// type without a presentation format here, and data that does not pass its type's wire check (which
// `DNSRecordData` built by this project's parsers never holds), are written in RFC 3597 §5's generic
// form `\# LENGTH HEX`. Formats: those of DNSRDataFormat.swift; LOC as RFC 1876 §3, APL as RFC 3123 §5,
// SvcParams as RFC 9460 §2.1 and Appendix A, RRSIG times as YYYYMMDDHHmmSS (RFC 4034 §3.2).

import Swiftlet
import SwiftletWire

public enum DNSPresentation {
    /// One master-file line: `owner TTL CLASS TYPE rdata` (no newline).
    public static func record(_ r: DNSRecord) -> String {
        let data = rdata(r.data)
        return "\(DNSText.name(r.name)) \(r.ttl) \(r.class) \(r.type)" + (data.isEmpty ? "" : " " + data)
    }

    /// The record data as presentation text.
    public static func rdata(_ d: DNSRecordData) -> String {
        switch d {
        case .a(let a): return a.description
        case .aaaa(let a): return a.description
        case .ns(let n), .cname(let n), .ptr(let n): return DNSText.name(n)
        case .soa(let s):
            return "\(DNSText.name(s.primary)) \(DNSText.name(s.mailbox)) \(s.serial) \(s.refresh) \(s.retry) \(s.expire) \(s.minimum)"
        case .mx(let preference, let exchange): return "\(preference) \(DNSText.name(exchange))"
        case .txt(let strings): return joined(strings.map(DNSText.quoted))
        case .srv(let priority, let weight, let port, let target): return "\(priority) \(weight) \(port) \(DNSText.name(target))"
        case .opt: return generic(d.rdata)
        case .unknown(let type, let bytes):
            guard let fields = DNSRDataFormat.fields(of: type) else {
                // A typed type held as octets (built by hand): shown typed when its octets are valid.
                if let typed = try? DNSRecordData(type: type, rdata: bytes), typed != d { return rdata(typed) }
                return generic(bytes)
            }
            guard let starts = try? DNSRDataFormat.check(type, bytes), starts.count == fields.count else { return generic(bytes) }
            var words: [String] = []
            for (k, field) in fields.enumerated() {
                let end = k + 1 < starts.count ? starts[k + 1] : bytes.count
                let word = format(field, Array(bytes[starts[k]..<end]), rdata: bytes)
                if !word.isEmpty { words.append(word) }
            }
            return joined(words)
        }
    }

    /// RFC 3597 §5: `\# LENGTH HEX` (`\# 0` for no data).
    public static func generic(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "\\# 0" : "\\# \(bytes.count) \(DNSText.hex(bytes))"
    }

    static func joined(_ words: [String]) -> String {
        var s = ""
        for w in words { if !s.isEmpty { s += " " }; s += w }
        return s
    }

    static func number(_ b: [UInt8]) -> UInt64 {
        var v: UInt64 = 0
        for x in b { v = v << 8 | UInt64(x) }
        return v
    }

    /// One field's text from its octets (already checked against the format).
    static func format(_ field: DNSRDataField, _ b: [UInt8], rdata: [UInt8]) -> String {
        switch field {
        case .u8, .u16, .u32, .seconds, .algorithm, .certType: return String(number(b))
        case .type: return DNSType(rawValue: UInt16(truncatingIfNeeded: number(b))).description
        case .time: return DNSText.date(UInt32(truncatingIfNeeded: number(b)))
        case .ipv4: return IPv4Address(rawValue: UInt32(truncatingIfNeeded: number(b))).description
        case .ipv6: return IPv6Address(octets: b)?.description ?? ""
        case .eui48, .eui64:
            var s = ""
            for x in b { if !s.isEmpty { s += "-" }; s += String(decoding: DNSText.hex([x]).utf8.map(lowerASCII), as: UTF8.self) }
            return s
        case .name, .compressibleName: return name(b)
        case .string: return DNSText.quoted(Array(b.dropFirst()))
        case .strings:
            var words: [String] = []
            var i = 0
            while i < b.count {
                let n = Int(b[i])
                words.append(DNSText.quoted(Array(b[(i + 1)..<min(b.count, i + 1 + n)])))
                i += 1 + n
            }
            return joined(words)
        case .caaTag: return String(decoding: b.dropFirst(), as: UTF8.self)
        case .text: return DNSText.quoted(b)
        case .base64: return DNSText.base64(b)
        case .hex: return DNSText.hex(b)
        case .salt: return b.count <= 1 ? "-" : DNSText.hex(Array(b.dropFirst()))
        case .hash: return DNSText.base32hex(Array(b.dropFirst()))
        case .typeBitmaps: return joined(types(b).map { DNSType(rawValue: $0).description })
        case .gateway:
            switch rdata.count > 1 ? rdata[1] : 0 {
            case 1: return format(.ipv4, b, rdata: rdata)
            case 2: return format(.ipv6, b, rdata: rdata)
            case 3: return name(b)
            default: return "."
            }
        case .loc: return loc(b)
        case .apl: return apl(b)
        case .svcParams: return svcParams(b)
        }
    }

    /// A name from its uncompressed wire form (already checked).
    static func name(_ wire: [UInt8]) -> String {
        var labels: [[UInt8]] = []
        var i = 0
        while i < wire.count, wire[i] != 0 {
            let n = Int(wire[i])
            labels.append(Array(wire[(i + 1)..<min(wire.count, i + 1 + n)]))
            i += 1 + n
        }
        guard let n = try? DNSName(labels: labels) else { return "." }
        return DNSText.name(n)
    }

    /// The types of RFC 4034 §4.1.2 bitmaps, ascending.
    static func types(_ b: [UInt8]) -> [UInt16] {
        var out: [UInt16] = []
        var i = 0
        while i + 1 < b.count {
            let window = UInt16(b[i]), n = Int(b[i + 1])
            for k in 0..<n where i + 2 + k < b.count {
                for bit in 0..<8 where b[i + 2 + k] & (0x80 >> UInt8(bit)) != 0 {
                    out.append(window << 8 | UInt16(k * 8 + bit))
                }
            }
            i += 2 + n
        }
        return out
    }

    // MARK: LOC (RFC 1876 §3)

    static func loc(_ b: [UInt8]) -> String {
        guard b.count == 16 else { return generic(b) }
        func angle(_ v: UInt64, _ positive: String, _ negative: String) -> String {
            let centre: UInt64 = 1 << 31
            let d = v >= centre ? v - centre : centre - v
            return "\(d / 3_600_000) \(d / 60_000 % 60) \(DNSText.fixed(Int64(d % 60_000), decimals: 3)) \(v >= centre ? positive : negative)"
        }
        func size(_ x: UInt8) -> String {
            var cm: Int64 = Int64(x >> 4)
            for _ in 0..<(x & 0xF) { cm *= 10 }
            return (cm % 100 == 0 ? String(cm / 100) : DNSText.fixed(cm, decimals: 2)) + "m"
        }
        let latitude = number(Array(b[4..<8])), longitude = number(Array(b[8..<12]))
        let altitude = Int64(number(Array(b[12..<16]))) - 10_000_000
        return "\(angle(latitude, "N", "S")) \(angle(longitude, "E", "W")) \(DNSText.fixed(altitude, decimals: 2))m \(size(b[1])) \(size(b[2])) \(size(b[3]))"
    }

    // MARK: APL (RFC 3123 §5)

    static func apl(_ b: [UInt8]) -> String {
        var words: [String] = []
        var i = 0
        while i + 4 <= b.count {
            let family = UInt16(b[i]) << 8 | UInt16(b[i + 1]), prefix = b[i + 2], n = Int(b[i + 3] & 0x7F)
            var address = Array(b[(i + 4)..<min(b.count, i + 4 + n)])
            let text: String
            if family == 1 {
                while address.count < 4 { address.append(0) }
                text = format(.ipv4, address, rdata: b)
            } else {
                while address.count < 16 { address.append(0) }
                text = format(.ipv6, address, rdata: b)
            }
            words.append("\(b[i + 3] & 0x80 != 0 ? "!" : "")\(family):\(text)/\(prefix)")
            i += 4 + n
        }
        return joined(words)
    }

    // MARK: SvcParams (RFC 9460 §2.1, Appendix A)

    static func svcParams(_ b: [UInt8]) -> String {
        var words: [String] = []
        var i = 0
        while i + 4 <= b.count {
            let key = UInt16(b[i]) << 8 | UInt16(b[i + 1]), n = Int(b[i + 2]) << 8 | Int(b[i + 3])
            let v = Array(b[(i + 4)..<min(b.count, i + 4 + n)])
            let name = Int(key) < SvcParamKey.names.count ? SvcParamKey.names[Int(key)] : "key\(key)"
            var items: [[UInt8]] = []
            switch key {
            case SvcParamKey.mandatory:
                var k = 0
                while k + 1 < v.count {
                    let listed = Int(v[k]) << 8 | Int(v[k + 1])
                    items.append(Array((listed < SvcParamKey.names.count ? SvcParamKey.names[listed] : "key\(listed)").utf8))
                    k += 2
                }
            case SvcParamKey.alpn:
                var k = 0
                while k < v.count {
                    let s = Int(v[k])
                    items.append(Array(v[(k + 1)..<min(v.count, k + 1 + s)]))
                    k += 1 + s
                }
            case SvcParamKey.port: items = [Array(String(number(v)).utf8)]
            case SvcParamKey.ipv4hint, SvcParamKey.ipv6hint:
                let size = key == SvcParamKey.ipv4hint ? 4 : 16
                var k = 0
                while k + size <= v.count {
                    items.append(Array(format(size == 4 ? .ipv4 : .ipv6, Array(v[k..<(k + size)]), rdata: b).utf8))
                    k += size
                }
            case SvcParamKey.ech: items = [Array(DNSText.base64(v).utf8)]
            default:
                // Octets: one item, not a list, so commas and backslashes need no list escape.
                words.append(v.isEmpty ? name : "\(name)=\(DNSText.quoted(v))")
                i += 4 + n
                continue
            }
            if items.isEmpty {
                words.append(name)
            } else {
                // Value-list escapes (`\,` `\\`) inside items, then the character-string's own.
                var list: [UInt8] = []
                for (k, item) in items.enumerated() {
                    if k > 0 { list.append(UInt8(ascii: ",")) }
                    for c in item {
                        if c == UInt8(ascii: ",") || c == UInt8(ascii: "\\") { list.append(UInt8(ascii: "\\")) }
                        list.append(c)
                    }
                }
                words.append("\(name)=\(DNSText.quoted(list))")
            }
            i += 4 + n
        }
        return joined(words)
    }
}
