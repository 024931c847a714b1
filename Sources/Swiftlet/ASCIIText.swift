// Swiftlet: byte-wise text helpers for protocol keywords, file names and paths (ASCII case, prefixes,
// suffixes, splitting on one byte, trimming spaces, hexadecimal digits). Every module's protocol text uses
// these; a module does not write its own.
//
// String's own `uppercased()`, `hasPrefix`, `hasSuffix`, `split(separator:)` and hashing work on Unicode
// characters and canonical equivalence, which in a kernel links the Unicode data tables and the code
// that reads them (case mappings, normalisation, grapheme breaks: 81 KB of the dns kernel's 529 KB).
// Keywords, zone-file tokens and store paths are compared byte for byte, as their formats define them,
// so these helpers do that.

extension String {
    /// The text with `a`-`z` turned into `A`-`Z`; every other byte unchanged.
    public var asciiUppercased: String {
        String(decoding: utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// True when the text's bytes start with `prefix`'s bytes.
    public func hasBytePrefix(_ prefix: String) -> Bool {
        utf8.count >= prefix.utf8.count && utf8.prefix(prefix.utf8.count).elementsEqual(prefix.utf8)
    }

    /// True when the text's bytes end with `suffix`'s bytes.
    public func hasByteSuffix(_ suffix: String) -> Bool {
        utf8.count >= suffix.utf8.count && utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8)
    }

    /// The parts between occurrences of `separator` (an ASCII byte), empty parts left out.
    public func splitBytes(_ separator: UInt8) -> [String] {
        utf8.split(separator: separator).map { String(decoding: $0, as: UTF8.self) }
    }

    /// True when the two texts are the same bytes (no Unicode equivalence).
    public func sameBytes(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }

    /// The text with `A`-`Z` turned into `a`-`z`; every other byte unchanged.
    public var asciiLowercased: String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// True when the texts are the same bytes but for the case of ASCII letters (HTTP field names, DNS names).
    public func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.count == other.utf8.count && zip(utf8, other.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && x | 0x20 >= 0x61 && x | 0x20 <= 0x7A)
        }
    }

    /// Without leading and trailing spaces and tabs (HTTP's OWS, RFC 9110 §5.6.3).
    public var trimmingSpacesAndTabs: String {
        let bytes = utf8
        let kept = bytes.drop { $0 == 0x20 || $0 == 0x09 }
        var end = kept.endIndex
        while end > kept.startIndex, case let b = bytes[bytes.index(before: end)], b == 0x20 || b == 0x09 { end = bytes.index(before: end) }
        return String(decoding: kept[kept.startIndex..<end], as: UTF8.self)
    }
}

/// The value of the hexadecimal digit `c` (`0`-`9`, `a`-`f`, `A`-`F`); nil for any other byte.
public func hexDigitValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return nil
    }
}

/// A String key hashed and compared by its UTF-8 bytes: for dictionaries of paths and names, which String's
/// own hashing would normalise (linking the Unicode tables into a kernel).
public struct ByteKey: Hashable, Sendable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public static func == (a: ByteKey, b: ByteKey) -> Bool { a.text.sameBytes(b.text) }
    /// Lets `switch ByteKey(word) { case "A": ... }` match string literals byte for byte.
    public static func ~= (pattern: String, value: ByteKey) -> Bool { pattern.sameBytes(value.text) }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        for b in text.utf8 { hasher.combine(b) }
    }
}
