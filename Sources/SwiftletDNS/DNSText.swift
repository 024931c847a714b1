// SwiftletDNS: the text codecs of DNS presentation format: base64 (RFC 4648 §4), base32hex without
// padding (RFC 4648 §7, as NSEC3 uses it: RFC 5155 §3.3), hex, RFC 1035 §5.1 escapes for names and
// character-strings, dates as YYYYMMDDHHmmSS (RFC 4034 §3.2), and decimals with a fixed number of
// fraction digits (RFC 1876 LOC).
//
// Decoders return nil on anything malformed (a character outside the alphabet, a wrong length, a bad
// pad, a value out of range) and never trap; encoders are total. Every loop is bounded by its input.

import Swiftlet
import SwiftletWire

enum DNSText {
    static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let base32Alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUV".utf8)
    static let hexDigits = Array("0123456789ABCDEF".utf8)

    // MARK: base64

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            var v: UInt32 = 0
            for k in 0..<3 { v = v << 8 | (k < n ? UInt32(bytes[i + k]) : 0) }
            for k in 0..<4 {
                out.append(k <= n ? base64Alphabet[Int(v >> UInt32(18 - 6 * k) & 0x3F)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded base64; nil when the length is not a multiple of 4, a character is outside the
    /// alphabet, or `=` appears anywhere but in the last two places.
    static func base64(decoding text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var i = 0
        while i < text.count {
            var v: UInt32 = 0
            var pads = 0
            for k in 0..<4 {
                let c = text[i + k]
                var d: UInt32 = 0
                if c == UInt8(ascii: "=") {
                    guard i + 4 == text.count, k >= 2 else { return nil }
                    pads += 1
                } else {
                    guard pads == 0, let value = base64Value(c) else { return nil }
                    d = value
                }
                v = v << 6 | d
            }
            for k in 0..<(3 - pads) { out.append(UInt8(truncatingIfNeeded: v >> UInt32(16 - 8 * k))) }
            i += 4
        }
        return out
    }

    static func base64Value(_ c: UInt8) -> UInt32? {
        switch c {
        case 65...90: UInt32(c - 65)
        case 97...122: UInt32(c - 97 + 26)
        case 48...57: UInt32(c - 48 + 52)
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    // MARK: base32hex, no padding

    static func base32hex(_ bytes: [UInt8]) -> String {
        String(decoding: base32hexOctets(bytes), as: UTF8.self)
    }

    /// `bytes` in base32hex as octets, uppercase (NSEC3 owner labels lowercase them).
    static func base32hexOctets(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for b in bytes {
            buffer = buffer << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(base32Alphabet[Int(buffer >> UInt32(bits - 5) & 0x1F)])
                bits -= 5
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(base32Alphabet[Int(buffer << UInt32(5 - bits) & 0x1F)]) }
        return out
    }

    /// Decodes unpadded base32hex (either case); nil for a character outside the alphabet, a length no
    /// octet count gives (1, 3, 6 mod 8) or non-zero leftover bits.
    static func base32hex(decoding text: [UInt8]) -> [UInt8]? {
        guard ![1, 3, 6].contains(text.count % 8) else { return nil }
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for c in text {
            let d: UInt32
            switch lowerASCII(c) {
            case 48...57: d = UInt32(c - 48)
            case 97...118: d = UInt32(lowerASCII(c) - 97 + 10)
            default: return nil
            }
            buffer = buffer << 5 | d
            bits += 5
            if bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        guard buffer == 0 else { return nil }
        return out
    }

    // MARK: hex

    static func hex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex digits (either case); nil for an odd count or another character.
    static func hex(decoding text: [UInt8]) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = 0
        while i < text.count {
            guard let h = hexDigitValue(text[i]), let l = hexDigitValue(text[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }


    // MARK: names and character-strings

    /// A name in presentation form, absolute, with every octet a zone file would misread escaped
    /// (`.` `\` `"` `;` `(` `)` `@` `$` as `\X`; space and non-printable octets as `\DDD`).
    static func name(_ n: DNSName) -> String {
        if n.isRoot { return "." }
        var out: [UInt8] = []
        for label in n.labels {
            for c in label { escape(c, into: &out, special: ".\\\";()@$") }
            out.append(UInt8(ascii: "."))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A character-string in double quotes, `"` and `\` escaped, non-printable octets as `\DDD`.
    static func quoted(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for c in bytes { escape(c, into: &out, special: "\"\\", space: true) }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ c: UInt8, into out: inout [UInt8], special: String, space: Bool = false) {
        if c < 0x20 || c >= 0x7F || (c == 0x20 && !space) {
            out.append(UInt8(ascii: "\\"))
            out.append(48 + c / 100); out.append(48 + c / 10 % 10); out.append(48 + c % 10)
        } else {
            if special.utf8.contains(c) { out.append(UInt8(ascii: "\\")) }
            out.append(c)
        }
    }

    // MARK: numbers and dates

    /// `value` with `decimals` fraction digits: 1234 with 2 is "12.34"; a negative value gets a `-`.
    static func fixed(_ value: Int64, decimals: Int) -> String {
        let negative = value < 0
        let magnitude = value.magnitude
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        var s = (negative ? "-" : "") + String(magnitude / scale)
        if decimals > 0 {
            var fraction = String(magnitude % scale)
            while fraction.utf8.count < decimals { fraction = "0" + fraction }
            s += "." + fraction
        }
        return s
    }

    /// Parses `[-]digits[.digits]` with at most `decimals` fraction digits into value × 10^decimals;
    /// nil for anything else or a magnitude above `limit`.
    static func fixed(decoding text: [UInt8], decimals: Int, limit: Int64, signed: Bool = false) -> Int64? {
        var i = 0
        var negative = false
        if signed, text.first == UInt8(ascii: "-") { negative = true; i = 1 }
        var value: Int64 = 0, digits = 0, fraction = -1
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "."), fraction < 0 {
                fraction = 0
            } else if c >= 48 && c <= 57 {
                if fraction >= 0 { fraction += 1; guard fraction <= decimals else { return nil } }
                value = value * 10 + Int64(c - 48)
                digits += 1
                guard value <= limit else { return nil }
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, fraction != 0 else { return nil }
        for _ in 0..<(decimals - max(fraction, 0)) { value *= 10; guard value <= limit else { return nil } }
        return negative ? -value : value
    }

    /// YYYYMMDDHHmmSS (UTC) for seconds since 1970 (RFC 4034 §3.2).
    static func date(_ seconds: UInt32) -> String {
        let days = Int64(seconds / 86400), rest = Int(seconds % 86400)
        let (year, month, day) = civil(fromDays: days)
        var s = String(year)
        for v in [month, day, rest / 3600, rest / 60 % 60, rest % 60] { s += (v < 10 ? "0" : "") + String(v) }
        return s
    }

    /// Seconds since 1970 for YYYYMMDDHHmmSS; nil for an impossible date or one after 2106-02-07 06:28:15.
    static func date(decoding text: [UInt8]) -> UInt32? {
        guard text.count == 14, text.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func number(_ from: Int, _ count: Int) -> Int {
            var v = 0
            for k in from..<(from + count) { v = v * 10 + Int(text[k] - 48) }
            return v
        }
        let year = number(0, 4), month = number(4, 2), day = number(6, 2)
        let hour = number(8, 2), minute = number(10, 2), second = number(12, 2)
        guard year >= 1970, month >= 1, month <= 12, day >= 1, day <= daysIn(month, year),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        let total = days(fromCivil: year, month, day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return total <= Int64(UInt32.max) ? UInt32(total) : nil
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        if month == 2 { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28 }
        return [4, 6, 9, 11].contains(month) ? 30 : 31
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (years from 1970 here, so no negatives).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = y / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day counted from 1970-01-01 (Swiftlet's `RFC3339.civil`, which the log uses too).
    static func civil(fromDays d: Int64) -> (Int, Int, Int) {
        let (year, month, day) = RFC3339.civil(daysSinceEpoch: d)
        return (Int(year), Int(month), Int(day))
    }
}

@inline(__always)
func lowerASCII(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
