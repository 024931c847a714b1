// SwiftletCrypto/X509: a strict reader of DER (ITU-T X.690 §8 basic rules restricted by §10 and §11, the
// Distinguished Encoding Rules). A `DERReader` walks the elements of one constructed value inside a byte
// array it shares (copy-on-write, never copied); elements are tags and index ranges into that array, so a
// parsed value (a certificate, a key) keeps its own bytes and the ranges stay valid after the caller's
// buffer is gone.
//
// Invariants, checked once where an element is read and never trapped on afterwards:
// - a header is a low-tag-number tag (§8.1.2.2; the high-tag-number form §8.1.2.4 is refused: nothing in
//   X.509 or PKCS#8 needs it) and a definite length in the minimal form (§10.1): short form below 128, long
//   form with no leading zero octet, never the indefinite form (§8.1.3.6) nor the reserved 0xFF;
// - every element lies inside its parent (`contents.upperBound <= end` of the reader that read it);
// - readers nest at most `DER.maxDepth` deep; `DER.checkStructure` also bounds the total element count;
// - typed reads enforce §8.3 / §10 content rules: minimal INTEGER (§8.3.2), BOOLEAN 0x00/0xFF (§11.1), BIT
//   STRING unused bits 0...7 and zero padding bits (§11.2.1), OID subidentifiers minimal (§8.19.2), NULL
//   empty, UTCTime YYMMDDHHMMSSZ / GeneralizedTime YYYYMMDDHHMMSSZ (§11.7, §11.8, RFC 5280 §4.1.2.5).
// Not checked: the ordering of SET OF components (§11.6) and the trimming of trailing zero bits of named
// bit lists (§11.2.2); both are about producers, and refusing them breaks deployed certificates.
// Everything here is variable time in the structure (tags, lengths), which is public for certificates; for
// private keys it reveals the lengths of the components, not their values.

/// What is wrong with a DER encoding. Every refusal of the reader is one of these.
public enum DERError: Error, Hashable, Sendable {
    /// The input ends inside a header or the contents of an element.
    case truncated
    /// A length in long form that fits the short form, or with a leading zero octet (X.690 §10.1).
    case nonMinimalLength
    /// The indefinite length form (0x80), not allowed in DER.
    case indefiniteLength
    /// A length of more than four octets, or the reserved initial octet 0xFF.
    case lengthTooLarge
    /// An element's contents run past the end of the element that holds it.
    case lengthBeyondParent
    /// A tag in the high-tag-number form (tag number ≥ 31).
    case highTagNumber
    /// An element with a tag other than the one the structure requires here.
    case unexpectedTag
    /// Bytes after the last element a structure has.
    case trailingData
    /// An INTEGER with no contents, or a redundant leading 0x00 or 0xFF octet (X.690 §8.3.2).
    case nonMinimalInteger
    /// An INTEGER out of the range a field allows (negative where it must not be, too many octets).
    case integerOutOfRange
    /// A BOOLEAN whose contents are not one octet 0x00 or 0xFF (X.690 §11.1).
    case badBoolean
    /// A BIT STRING with no unused-bits octet, more than 7 unused bits, or non-zero padding bits.
    case badBitString
    /// An OBJECT IDENTIFIER that is empty, ends inside a subidentifier or has a non-minimal one.
    case badObjectIdentifier
    /// A UTCTime or GeneralizedTime not in the exact DER form, or naming a date that does not exist.
    case badTime
    /// A NULL with contents.
    case badNull
    /// A string with characters its type does not allow (IA5String above 0x7F, say).
    case badString
    /// A DEFAULT value encoded explicitly (X.690 §11.5): `critical FALSE`, `cA FALSE`, `version v1`.
    case encodedDefault
    /// A certificate with two extensions of the same type (RFC 5280 §4.2).
    case duplicateExtension
    /// Constructed values nested deeper than `DER.maxDepth`.
    case tooDeep
    /// More elements than the limit in one structure.
    case tooManyElements
    /// A value that is well-formed DER but breaks the rules of the structure (an empty SEQUENCE SIZE (1..MAX),
    /// a missing field, a field not allowed in this version).
    case badStructure
}

/// One element: its tag octet and where its header and contents are in the reader's bytes.
public struct DERElement: Hashable, Sendable {
    /// The identifier octet (class, constructed bit and tag number, X.690 §8.1.2).
    public let tag: UInt8
    /// The index of the identifier octet.
    public let start: Int
    /// The contents octets.
    public let contents: Range<Int>
    /// The whole element, header and contents (what a signature or a name comparison covers).
    public var encoded: Range<Int> { start..<contents.upperBound }
    public var isConstructed: Bool { tag & 0x20 != 0 }
}

/// Tag octets used in X.509 and PKCS#8.
public enum DERTag {
    public static let boolean: UInt8 = 0x01
    public static let integer: UInt8 = 0x02
    public static let bitString: UInt8 = 0x03
    public static let octetString: UInt8 = 0x04
    public static let null: UInt8 = 0x05
    public static let objectIdentifier: UInt8 = 0x06
    public static let utf8String: UInt8 = 0x0C
    public static let printableString: UInt8 = 0x13
    public static let ia5String: UInt8 = 0x16
    public static let utcTime: UInt8 = 0x17
    public static let generalizedTime: UInt8 = 0x18
    public static let sequence: UInt8 = 0x30
    public static let set: UInt8 = 0x31
    /// `[n]` context-specific, constructed (EXPLICIT tagging, or IMPLICIT over a constructed type).
    public static func contextConstructed(_ n: UInt8) -> UInt8 { 0xA0 | n }
    /// `[n]` context-specific, primitive (IMPLICIT over a primitive type).
    public static func contextPrimitive(_ n: UInt8) -> UInt8 { 0x80 | n }
}

public enum DER {
    /// The deepest nesting of constructed values a reader accepts (a certificate needs 6).
    public static let maxDepth = 16
    /// The most elements `checkStructure` accepts in one top-level value by default.
    public static let maxElements = 8192

    /// Reads one header at `position` in `bytes`, not past `end`: the element it starts.
    /// Applies every header rule of the file comment.
    public static func readHeader(_ bytes: [UInt8], at position: Int, end: Int) throws(DERError) -> DERElement {
        guard position < end, end <= bytes.count else { throw .truncated }
        let tag = bytes[position]
        guard tag & 0x1F != 0x1F else { throw .highTagNumber }
        var i = position + 1
        guard i < end else { throw .truncated }
        let first = bytes[i]
        i += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else if first == 0x80 {
            throw .indefiniteLength
        } else {
            let count = Int(first & 0x7F)
            guard count <= 4, first != 0xFF else { throw .lengthTooLarge }
            guard end - i >= count else { throw .truncated }
            guard bytes[i] != 0 else { throw .nonMinimalLength }
            for k in 0..<count { length = length << 8 | Int(bytes[i + k]) }
            i += count
            guard length >= 0x80 else { throw .nonMinimalLength }
        }
        guard length <= end - i else { throw length > bytes.count - i ? .truncated : .lengthBeyondParent }
        return DERElement(tag: tag, start: position, contents: i..<(i + length))
    }

    /// Walks every element of the value that fills `range` of `bytes` (exactly one element), descending into
    /// constructed ones, and refuses any header error, nesting deeper than `maxDepth` or more than
    /// `maxElements` elements. Run before parsing a certificate or key so that a hostile input is refused
    /// before any structure is built from it.
    public static func checkStructure(_ bytes: [UInt8], _ range: Range<Int>, maxElements: Int = DER.maxElements) throws(DERError) {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { throw .truncated }
        var count = 0
        let top = try readHeader(bytes, at: range.lowerBound, end: range.upperBound)
        guard top.contents.upperBound == range.upperBound else { throw .trailingData }
        try walk(bytes, top, depth: 1, count: &count, limit: maxElements)
    }

    private static func walk(_ bytes: [UInt8], _ element: DERElement, depth: Int, count: inout Int, limit: Int) throws(DERError) {
        count += 1
        guard count <= limit else { throw .tooManyElements }
        guard element.isConstructed else { return }
        guard depth < maxDepth else { throw .tooDeep }
        var position = element.contents.lowerBound
        while position < element.contents.upperBound {
            let child = try readHeader(bytes, at: position, end: element.contents.upperBound)
            try walk(bytes, child, depth: depth + 1, count: &count, limit: limit)
            position = child.contents.upperBound
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z of a proleptic Gregorian date and time (no leap seconds).
    static func secondsSinceEpoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        // Days from civil: shift the year to start in March so that the leap day is the last of a year.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * m + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = Int64(era) * 146_097 + Int64(dayOfEra) - 719_468
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A cursor over the elements inside one constructed value (or a whole top-level buffer).
public struct DERReader: Sendable {
    /// The shared bytes every range refers to.
    public let bytes: [UInt8]
    /// The index of the next element's header.
    public private(set) var position: Int
    /// One past the last byte this reader may read.
    public let end: Int
    /// How many constructed values enclose this reader's elements.
    public let depth: Int

    /// A reader over `range` of `bytes` (all of it by default) at depth 0.
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) throws(DERError) {
        let r = range ?? 0..<bytes.count
        guard r.lowerBound >= 0, r.upperBound <= bytes.count else { throw .truncated }
        self.init(bytes: bytes, range: r, depth: 0)
    }

    init(bytes: [UInt8], range: Range<Int>, depth: Int) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
    }

    public var isAtEnd: Bool { position >= end }

    /// The tag of the next element, if there is one.
    public var nextTag: UInt8? { position < end ? bytes[position] : nil }

    /// Reads the next element, whatever its tag.
    public mutating func next() throws(DERError) -> DERElement {
        let element = try DER.readHeader(bytes, at: position, end: end)
        position = element.contents.upperBound
        return element
    }

    /// Reads the next element, which must have `tag`.
    public mutating func next(_ tag: UInt8) throws(DERError) -> DERElement {
        guard nextTag == tag else { throw isAtEnd ? .badStructure : .unexpectedTag }
        return try next()
    }

    /// Reads the next element if it has `tag`; nil (and nothing read) otherwise.
    public mutating func optional(_ tag: UInt8) throws(DERError) -> DERElement? {
        guard nextTag == tag else { return nil }
        return try next()
    }

    /// Refuses anything left unread.
    public func finish() throws(DERError) {
        guard isAtEnd else { throw .trailingData }
    }

    /// A reader over the contents of `element` (one of this reader's), one level deeper.
    public func reader(into element: DERElement) throws(DERError) -> DERReader {
        guard element.isConstructed else { throw .unexpectedTag }
        guard depth + 1 < DER.maxDepth else { throw .tooDeep }
        return DERReader(bytes: bytes, range: element.contents, depth: depth + 1)
    }

    /// A depth-0 reader over the contents of a primitive element that encapsulates DER (an OCTET STRING
    /// holding an extension value or a private key), after `DER.checkStructure` on them.
    public func encapsulated(_ contents: Range<Int>) throws(DERError) -> DERReader {
        guard depth + 1 < DER.maxDepth else { throw .tooDeep }
        try DER.checkStructure(bytes, contents)
        return DERReader(bytes: bytes, range: contents, depth: depth + 1)
    }

    /// Reads a SEQUENCE (or another constructed `tag`) and returns a reader over its contents.
    public mutating func sequence(_ tag: UInt8 = DERTag.sequence) throws(DERError) -> DERReader {
        let element = try next(tag)
        return try reader(into: element)
    }

    // MARK: typed primitives

    /// Reads an INTEGER (or IMPLICIT `tag`), checks it is minimal, returns its contents (two's complement).
    public mutating func integer(_ tag: UInt8 = DERTag.integer) throws(DERError) -> Range<Int> {
        let element = try next(tag)
        try Self.checkInteger(bytes, element.contents)
        return element.contents
    }

    static func checkInteger(_ bytes: [UInt8], _ c: Range<Int>) throws(DERError) {
        guard !c.isEmpty else { throw .nonMinimalInteger }
        if c.count > 1 {
            let a = bytes[c.lowerBound], b = bytes[c.lowerBound + 1]
            guard !(a == 0x00 && b < 0x80), !(a == 0xFF && b >= 0x80) else { throw .nonMinimalInteger }
        }
    }

    /// Reads a non-negative INTEGER that must fit in `Int` and be at most `maximum`.
    public mutating func smallInteger(maximum: Int = Int(Int32.max)) throws(DERError) -> Int {
        let c = try integer()
        guard bytes[c.lowerBound] < 0x80, c.count <= 5 else { throw .integerOutOfRange }
        var value = 0
        for i in c { value = value << 8 | Int(bytes[i]) }
        guard value <= maximum else { throw .integerOutOfRange }
        return value
    }

    /// Reads a positive INTEGER (a modulus, an exponent) and returns its magnitude without the sign octet.
    public mutating func unsignedInteger() throws(DERError) -> Range<Int> {
        let c = try integer()
        guard bytes[c.lowerBound] < 0x80 else { throw .integerOutOfRange }
        if bytes[c.lowerBound] == 0, c.count > 1 { return (c.lowerBound + 1)..<c.upperBound }
        return c
    }

    /// Reads a BOOLEAN.
    public mutating func boolean() throws(DERError) -> Bool {
        let element = try next(DERTag.boolean)
        guard element.contents.count == 1 else { throw .badBoolean }
        switch bytes[element.contents.lowerBound] {
        case 0x00: return false
        case 0xFF: return true
        default: throw .badBoolean
        }
    }

    /// Reads a NULL.
    public mutating func null() throws(DERError) {
        let element = try next(DERTag.null)
        guard element.contents.isEmpty else { throw .badNull }
    }

    /// Reads an OBJECT IDENTIFIER and returns its contents octets (OIDs are compared as these bytes).
    public mutating func objectIdentifier() throws(DERError) -> Range<Int> {
        let element = try next(DERTag.objectIdentifier)
        try Self.checkObjectIdentifier(bytes, element.contents)
        return element.contents
    }

    static func checkObjectIdentifier(_ bytes: [UInt8], _ c: Range<Int>) throws(DERError) {
        guard !c.isEmpty, bytes[c.upperBound - 1] & 0x80 == 0 else { throw .badObjectIdentifier }
        // §8.19.2: each subidentifier's first octet is not 0x80.
        var startOfArc = true
        for i in c {
            if startOfArc, bytes[i] == 0x80 { throw .badObjectIdentifier }
            startOfArc = bytes[i] & 0x80 == 0
        }
    }

    /// Reads a BIT STRING (or IMPLICIT `tag`): its unused-bit count and the octets after that count.
    public mutating func bitString(_ tag: UInt8 = DERTag.bitString) throws(DERError) -> (unusedBits: Int, bits: Range<Int>) {
        let element = try next(tag)
        let c = element.contents
        guard !c.isEmpty else { throw .badBitString }
        let unused = Int(bytes[c.lowerBound])
        guard unused <= 7 else { throw .badBitString }
        if c.count == 1 {
            guard unused == 0 else { throw .badBitString }
        } else {
            let last = bytes[c.upperBound - 1]
            guard last & UInt8((1 << unused) - 1) == 0 else { throw .badBitString }
        }
        return (unused, (c.lowerBound + 1)..<c.upperBound)
    }

    /// Reads a BIT STRING that must be whole octets (keys, signatures).
    public mutating func octetAlignedBitString() throws(DERError) -> Range<Int> {
        let (unused, bits) = try bitString()
        guard unused == 0 else { throw .badBitString }
        return bits
    }

    /// Reads an OCTET STRING (or IMPLICIT `tag`) and returns its contents.
    public mutating func octetString(_ tag: UInt8 = DERTag.octetString) throws(DERError) -> Range<Int> {
        try next(tag).contents
    }

    /// Reads a UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as seconds since 1970 UTC.
    public mutating func time() throws(DERError) -> Int64 {
        let element = try next()
        let c = element.contents
        var i = c.lowerBound
        func digits(_ n: Int) throws(DERError) -> Int {
            var value = 0
            for _ in 0..<n {
                let d = bytes[i]
                guard d >= 0x30, d <= 0x39 else { throw .badTime }
                value = value * 10 + Int(d - 0x30)
                i += 1
            }
            return value
        }
        let year: Int
        switch element.tag {
        case DERTag.utcTime:
            guard c.count == 13 else { throw .badTime }
            let yy = try digits(2)
            year = yy >= 50 ? 1900 + yy : 2000 + yy  // RFC 5280 §4.1.2.5.1
        case DERTag.generalizedTime:
            guard c.count == 15 else { throw .badTime }
            year = try digits(4)
        default:
            throw .unexpectedTag
        }
        let month = try digits(2), day = try digits(2)
        let hour = try digits(2), minute = try digits(2), second = try digits(2)
        guard bytes[i] == 0x5A else { throw .badTime }  // "Z"
        guard (1...12).contains(month), day >= 1, day <= DER.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59 else { throw .badTime }
        return DER.secondsSinceEpoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}
