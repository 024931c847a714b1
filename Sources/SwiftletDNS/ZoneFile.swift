// SwiftletDNS: the zone-file parser, RFC 1035 §5 master format (with RFC 2308's $TTL).
//
// Entries are lines, continued across lines inside parentheses; `;` starts a comment; quoted strings keep
// spaces and `;`; `\X` and `\DDD` escape inside names and strings. Directives: `$ORIGIN name`, `$TTL ttl`
// (`$INCLUDE` is refused: a zone is one file). An entry that starts with white space belongs to the
// previous owner; `@` is the origin; a name without a trailing dot is relative to the origin. TTL and
// class come in either order and may be left out (the TTL then comes from `$TTL`, else the last explicit
// one). TTLs may use BIND's units (`1h30m`, `2d`, `1w`). Types: A, AAAA, NS, CNAME, SOA, PTR, MX, TXT,
// SRV here; every other type with a `DNSRDataFormat` in RDataText.swift, and any type in RFC 3597 §5's
// generic form `TYPEnnn \# LENGTH HEX` (checked against the type's format when it has one). Classes: IN,
// or CLASS1; any other class is refused, as NSD refuses it. Every error names its line.

import Swiftlet
import SwiftletWire

public struct ZoneError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public init(line: Int, _ message: String) { self.line = line; self.message = message }
    public var description: String { "line \(line): \(message)" }
}

public enum ZoneFile {
    /// Limits on what a zone file may hold.
    public static let maximumRecords = 1_000_000

    struct Token {
        var bytes: [UInt8]
        var quoted: Bool
        /// Begun right where the previous token ended, with no space between (`key="value"` in SVCB).
        var attached: Bool = false
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    struct Entry {
        let line: Int
        let continuesOwner: Bool
        var tokens: [Token]
    }

    /// Parses `text`; `origin` is the zone's name until a `$ORIGIN` says otherwise.
    public static func parse(_ text: String, origin: DNSName? = nil) throws(ZoneError) -> [DNSRecord] {
        var state = State(origin: origin)
        for entry in try entries(Array(text.utf8)) {
            try state.apply(entry)
            if state.records.count > maximumRecords { throw ZoneError(line: entry.line, "more than \(maximumRecords) records") }
        }
        return state.records
    }

    /// Splits the text into entries of tokens (comments, parentheses and quotes handled).
    static func entries(_ b: [UInt8]) throws(ZoneError) -> [Entry] {
        var result: [Entry] = []
        var line = 1
        var i = 0
        var depth = 0
        var current: Entry? = nil
        var atLineStart = true
        var lastTokenEnd = -1
        func finish() {
            if let e = current, !e.tokens.isEmpty { result.append(e) }
            current = nil
        }
        while i < b.count {
            let c = b[i]
            if c == 10 {  // newline
                if depth == 0 { finish() }
                line += 1
                atLineStart = true
                i += 1
                continue
            }
            if c == 32 || c == 9 || c == 13 {
                if atLineStart && depth == 0 && current == nil { current = Entry(line: line, continuesOwner: true, tokens: []) }
                atLineStart = false
                i += 1
                continue
            }
            if current == nil { current = Entry(line: line, continuesOwner: false, tokens: []) }
            atLineStart = false
            switch c {
            case UInt8(ascii: ";"):
                while i < b.count && b[i] != 10 { i += 1 }
            case UInt8(ascii: "("):
                depth += 1
                i += 1
            case UInt8(ascii: ")"):
                guard depth > 0 else { throw ZoneError(line: line, "')' without '('") }
                depth -= 1
                i += 1
            case UInt8(ascii: "\""):
                var bytes: [UInt8] = []
                let start = i
                i += 1
                while true {
                    guard i < b.count else { throw ZoneError(line: line, "a quoted string is not closed") }
                    if b[i] == UInt8(ascii: "\"") { i += 1; break }
                    if b[i] == 10 { line += 1 }
                    if b[i] == UInt8(ascii: "\\") && i + 1 < b.count {
                        bytes.append(b[i]); bytes.append(b[i + 1]); i += 2
                        continue
                    }
                    bytes.append(b[i])
                    i += 1
                }
                current!.tokens.append(Token(bytes: bytes, quoted: true, attached: start == lastTokenEnd))
                lastTokenEnd = i
            default:
                var bytes: [UInt8] = []
                let start = i
                while i < b.count {
                    let d = b[i]
                    if d == 32 || d == 9 || d == 10 || d == 13 || d == UInt8(ascii: ";") || d == UInt8(ascii: "(")
                        || d == UInt8(ascii: ")") || d == UInt8(ascii: "\"") { break }
                    if d == UInt8(ascii: "\\") && i + 1 < b.count { bytes.append(d); bytes.append(b[i + 1]); i += 2; continue }
                    bytes.append(d)
                    i += 1
                }
                current!.tokens.append(Token(bytes: bytes, quoted: false, attached: start == lastTokenEnd))
                lastTokenEnd = i
            }
        }
        guard depth == 0 else { throw ZoneError(line: line, "'(' without ')' at the end of the file") }
        finish()
        return result
    }

    /// A TTL: seconds, or BIND units (`1h30m`, `2d`, `1w`); nil when it is not one or exceeds 2^32 - 1
    /// seconds. Every step is checked: the number so far stays at most `UInt32.max` (so `number * 10 + 9`
    /// and `number * 604_800` fit in UInt64) and the total is bounded after every term, whatever the
    /// number of terms (an unchecked sum of 8,000 `4294967295w` terms overflowed and trapped).
    static func ttl(_ text: String) -> UInt32? {
        let limit = UInt64(UInt32.max)
        var total: UInt64 = 0
        var number: UInt64 = 0
        var digits = 0
        var sawUnit = false
        for c in text.utf8 {
            if c >= 48 && c <= 57 {
                number = number * 10 + UInt64(c - 48)
                digits += 1
                guard number <= limit else { return nil }
                continue
            }
            guard digits > 0 else { return nil }
            let unit: UInt64
            switch c | 0x20 {
            case UInt8(ascii: "s"): unit = 1
            case UInt8(ascii: "m"): unit = 60
            case UInt8(ascii: "h"): unit = 3600
            case UInt8(ascii: "d"): unit = 86400
            case UInt8(ascii: "w"): unit = 604_800
            default: return nil
            }
            total += number * unit  // both at most UInt32.max before: no overflow
            guard total <= limit else { return nil }
            number = 0
            digits = 0
            sawUnit = true
        }
        if digits > 0 { total += number } else if !sawUnit { return nil }
        return total <= limit ? UInt32(total) : nil
    }

    /// Plain decimal digits (no sign, no spaces) as a `T`, nil when empty, not digits or above `T.max`:
    /// every step checked with the overflow-reporting operations.
    static func decimal<T: FixedWidthInteger & UnsignedInteger>(_ bytes: [UInt8], _: T.Type) -> T? {
        guard !bytes.isEmpty else { return nil }
        var value: T = 0
        for c in bytes {
            guard c >= 48 && c <= 57 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(T(c - 48))
            guard !o1 && !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// The bytes of a character-string, `\X` and `\DDD` undone.
    static func unescape(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return nil }
                if b[i + 1] >= 48 && b[i + 1] <= 57 {
                    var v = 0
                    for k in 1...3 {
                        guard i + k < b.count, b[i + k] >= 48 && b[i + k] <= 57 else { return nil }
                        v = v * 10 + Int(b[i + k] - 48)
                    }
                    guard v <= 255 else { return nil }
                    out.append(UInt8(v))
                    i += 4
                } else {
                    out.append(b[i + 1])
                    i += 2
                }
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    /// A name token: `@` is the origin, a name without a trailing dot is relative to it.
    static func resolve(_ token: Token, origin: DNSName?, line: Int) throws(ZoneError) -> DNSName {
        let text = token.text
        if text.sameBytes("@") {
            guard let origin else { throw ZoneError(line: line, "'@' with no origin (add $ORIGIN)") }
            return origin
        }
        guard let parsed = DNSName(text) else { throw ZoneError(line: line, "'\(text)' is not a domain name") }
        if isAbsolute(token.bytes) { return parsed }
        guard let origin else { throw ZoneError(line: line, "relative name '\(text)' with no origin (add $ORIGIN or end it with '.')") }
        do throws(WireError) { return try parsed.appending(origin) } catch {
            throw ZoneError(line: line, "'\(text)' is longer than 255 bytes with the origin")
        }
    }

    /// True when the name ends with a dot that is not escaped: an even number of backslashes before it
    /// (`a\\.` is absolute, its label ends with a backslash; `a\.` is relative).
    static func isAbsolute(_ b: [UInt8]) -> Bool {
        guard b.last == UInt8(ascii: ".") else { return false }
        var backslashes = 0
        var i = b.count - 2
        while i >= 0, b[i] == UInt8(ascii: "\\") { backslashes += 1; i -= 1 }
        return backslashes % 2 == 0
    }

    /// An IPv6 address, also with a dotted IPv4 tail (`::ffff:192.0.2.1`, RFC 4291 §2.2 form 3).
    static func ipv6(_ text: String) -> IPv6Address? {
        let b = Array(text.utf8)
        guard let dot = b.firstIndex(of: UInt8(ascii: ".")) else { return IPv6Address(text) }
        guard let colon = b[..<dot].lastIndex(of: UInt8(ascii: ":")),
              let v4 = IPv4Address(String(decoding: b[(colon + 1)...], as: UTF8.self)) else { return nil }
        let high = String(decoding: DNSText.hex([v4.octet(0), v4.octet(1)]).utf8, as: UTF8.self)
        let low = String(decoding: DNSText.hex([v4.octet(2), v4.octet(3)]).utf8, as: UTF8.self)
        return IPv6Address(String(decoding: b[...colon], as: UTF8.self) + high + ":" + low)
    }

    struct State {
        var origin: DNSName?
        var defaultTTL: UInt32? = nil
        var lastTTL: UInt32? = nil
        var lastOwner: DNSName? = nil
        var records: [DNSRecord] = []

        init(origin: DNSName?) { self.origin = origin }

        func name(_ token: Token, line: Int) throws(ZoneError) -> DNSName {
            try ZoneFile.resolve(token, origin: origin, line: line)
        }

        mutating func apply(_ entry: Entry) throws(ZoneError) {
            let line = entry.line
            var tokens = entry.tokens[...]
            let first = tokens.first!.text
            if first.hasBytePrefix("$") && !entry.continuesOwner {
                let upper = first.asciiUppercased
                guard tokens.count == 2 else { throw ZoneError(line: line, "\(upper) takes one value") }
                switch ByteKey(upper) {
                case "$ORIGIN":  // a relative name is relative to the current origin
                    origin = try name(tokens.last!, line: line)
                case "$TTL":
                    guard let t = ZoneFile.ttl(tokens.last!.text) else { throw ZoneError(line: line, "'\(tokens.last!.text)' is not a TTL") }
                    defaultTTL = t
                case "$INCLUDE": throw ZoneError(line: line, "$INCLUDE is not supported: a zone is one file")
                default: throw ZoneError(line: line, "unknown directive \(first)")
                }
                return
            }
            let owner: DNSName
            if entry.continuesOwner {
                guard let lastOwner else { throw ZoneError(line: line, "a record with no owner name and none before it") }
                owner = lastOwner
            } else {
                owner = try name(tokens.removeFirst(), line: line)
            }
            var ttl: UInt32? = nil
            var sawClass = false
            while let t = tokens.first, !t.quoted {
                let upper = t.text.asciiUppercased
                if upper.sameBytes("IN") || upper.sameBytes("CH") || upper.sameBytes("HS") || upper.hasBytePrefix("CLASS"),
                   let cls = DNSClass(mnemonic: upper) {
                    guard !sawClass else { throw ZoneError(line: line, "two classes") }
                    // As NSD: a zone is class IN, and a record of another class is refused (CLASS1 is IN).
                    guard cls == .internet else { throw ZoneError(line: line, "class \(upper) is not served (only IN)") }
                    sawClass = true
                } else if let first = t.bytes.first, first >= 48 && first <= 57, ttl == nil, let value = ZoneFile.ttl(t.text) {
                    ttl = value
                } else {
                    break
                }
                tokens.removeFirst()
            }
            guard let typeToken = tokens.first else { throw ZoneError(line: line, "a record without a type") }
            tokens.removeFirst()
            let rdata = Array(tokens)
            if let ttl { lastTTL = ttl }
            guard let recordTTL = ttl ?? defaultTTL ?? lastTTL else {
                throw ZoneError(line: line, "no TTL for this record (give one, or add $TTL)")
            }
            guard let type = DNSType(mnemonic: typeToken.text) else {
                throw ZoneError(line: line, "unknown record type '\(typeToken.text)' (any type can be written TYPEnnn \\# LENGTH HEX, RFC 3597 §5)")
            }
            guard type != .opt, type.rawValue < 128 || type.rawValue > 255 else {
                throw ZoneError(line: line, "\(type) is a meta type, not a record (RFC 6895 §3.1)")
            }
            let data = try self.data(type, rdata, line: line)
            lastOwner = owner
            records.append(DNSRecord(name: owner, ttl: recordTTL, data: data))
        }

        func data(_ type: DNSType, _ r: [Token], line: Int) throws(ZoneError) -> DNSRecordData {
            try ZoneFile.rdata(type, r, origin: origin, line: line)
        }
    }
}
