// SwiftletCrypto/X509: a DER encoder (ITU-T X.690 §8 with the §10 and §11 restrictions), the writing half
// of DER.swift, for the certificates and keys `CertificateBuilder` makes. A `DERWriter` appends whole
// elements to its bytes; a constructed element (SEQUENCE, SET, an EXPLICIT context tag) is written by a
// closure into a nested writer whose bytes become its contents, so every length is known when its header is
// written and there is no back-patching.
//
// Invariants of what it writes (each is what DERReader checks on the way in):
// - definite lengths in the minimal form (§10.1): short form below 128, else the fewest octets;
// - INTEGER from an unsigned big-endian magnitude: leading zero octets dropped, one 0x00 put back when the top
//   bit is set (§8.3.2: the value stays positive and minimal); the empty magnitude is the INTEGER 0;
// - OBJECT IDENTIFIER from its arcs, base 128 with the fewest octets per subidentifier (§8.19);
// - BOOLEAN TRUE as 0xFF (§11.1); a named bit list without trailing zero bits (§11.2.2);
// - UTCTime YYMMDDHHMMSSZ for 1950 through 2049 and GeneralizedTime YYYYMMDDHHMMSSZ otherwise (RFC 5280
//   §4.1.2.5; X.690 §11.7, §11.8: seconds present, no fraction, "Z");
// - PrintableString and IA5String only with the characters their types allow.
// SET OF components are not sorted (§11.6): the writers here only ever put one component in a SET.
// No input is trusted to be well-formed: what cannot be encoded is a `DERError`, never a trap.

/// Appends DER elements to a byte array.
public struct DERWriter: Sendable {
    /// Everything written so far: whole elements, one after another.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// The length octets of a definite length `count` (X.690 §8.1.3, minimal per §10.1).
    public static func lengthOctets(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(truncatingIfNeeded: count)] }
        var octets: [UInt8] = []
        var n = count
        while n > 0 {
            octets.insert(UInt8(truncatingIfNeeded: n), at: 0)
            n >>= 8
        }
        return [0x80 | UInt8(truncatingIfNeeded: octets.count)] + octets
    }

    /// Appends one element: `tag`, the length of `contents`, `contents`.
    public mutating func element(_ tag: UInt8, contents: [UInt8]) {
        bytes.append(tag)
        bytes += Self.lengthOctets(contents.count)
        bytes += contents
    }

    /// Appends bytes that are already one or more whole DER elements (a Name copied from a certificate).
    public mutating func append(encoded: [UInt8]) {
        bytes += encoded
    }

    /// Appends a constructed element with `tag` whose contents `body` writes.
    public mutating func constructed<E: Error>(_ tag: UInt8, _ body: (inout DERWriter) throws(E) -> Void) throws(E) {
        var inner = DERWriter()
        try body(&inner)
        element(tag, contents: inner.bytes)
    }

    /// Appends a SEQUENCE whose contents `body` writes.
    public mutating func sequence<E: Error>(_ body: (inout DERWriter) throws(E) -> Void) throws(E) {
        try constructed(DERTag.sequence, body)
    }

    /// Appends a SET whose contents `body` writes (components in the order written: see the file comment).
    public mutating func set<E: Error>(_ body: (inout DERWriter) throws(E) -> Void) throws(E) {
        try constructed(DERTag.set, body)
    }

    /// Appends `[n] EXPLICIT`: a constructed context-specific element around what `body` writes.
    public mutating func explicit<E: Error>(_ n: UInt8, _ body: (inout DERWriter) throws(E) -> Void) throws(E) {
        try constructed(DERTag.contextConstructed(n), body)
    }

    /// Appends `[n] IMPLICIT` over a primitive type: the context-specific primitive tag with `contents` (the
    /// contents octets the underlying type would have, e.g. the characters of an IA5String).
    public mutating func implicit(_ n: UInt8, contents: [UInt8]) {
        element(DERTag.contextPrimitive(n), contents: contents)
    }

    // MARK: primitives

    /// Appends a non-negative INTEGER whose magnitude is `magnitude`, big-endian (leading zeros allowed;
    /// empty is zero): minimal, with a 0x00 sign octet when the top bit of the first octet is set.
    public mutating func integer(unsignedBigEndian magnitude: [UInt8]) {
        element(DERTag.integer, contents: Self.integerContents(magnitude))
    }

    /// Appends a non-negative INTEGER.
    public mutating func integer(_ value: UInt64) {
        var magnitude: [UInt8] = []
        var v = value
        while v > 0 {
            magnitude.insert(UInt8(truncatingIfNeeded: v), at: 0)
            v >>= 8
        }
        integer(unsignedBigEndian: magnitude)
    }

    /// The contents octets of the INTEGER with this unsigned magnitude (X.690 §8.3.2).
    static func integerContents(_ magnitude: [UInt8]) -> [UInt8] {
        var start = 0
        while start < magnitude.count, magnitude[start] == 0 { start += 1 }
        guard start < magnitude.count else { return [0] }
        let significant = Array(magnitude[start...])
        return significant[0] >= 0x80 ? [0] + significant : significant
    }

    /// Appends a BOOLEAN (TRUE is 0xFF, X.690 §11.1).
    public mutating func boolean(_ value: Bool) {
        element(DERTag.boolean, contents: [value ? 0xFF : 0x00])
    }

    /// Appends a NULL.
    public mutating func null() {
        element(DERTag.null, contents: [])
    }

    /// Appends an OBJECT IDENTIFIER given by its contents octets (the constants of ObjectIdentifiers.swift).
    public mutating func objectIdentifier(contents: [UInt8]) {
        element(DERTag.objectIdentifier, contents: contents)
    }

    /// Appends an OBJECT IDENTIFIER given by its arcs (1.2.840.10045.2.1 is `[1, 2, 840, 10045, 2, 1]`).
    /// `.badObjectIdentifier` for fewer than two arcs, a first arc above 2, or a second arc above 39 under
    /// a first arc of 0 or 1 (X.690 §8.19.4).
    public mutating func objectIdentifier(arcs: [UInt64]) throws(DERError) {
        objectIdentifier(contents: try Self.objectIdentifierContents(arcs))
    }

    /// The contents octets of the OBJECT IDENTIFIER with `arcs` (X.690 §8.19.2 to §8.19.5).
    public static func objectIdentifierContents(_ arcs: [UInt64]) throws(DERError) -> [UInt8] {
        guard arcs.count >= 2, arcs[0] <= 2, arcs[0] == 2 || arcs[1] < 40 else { throw .badObjectIdentifier }
        // The first subidentifier is 40·X + Y (§8.19.4); only under arc 2 can it overflow.
        guard arcs[1] <= UInt64.max - 80 else { throw .badObjectIdentifier }
        var out: [UInt8] = []
        for arc in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
            // Base 128, most significant group first, bit 8 set on all but the last octet (§8.19.2).
            var groups: [UInt8] = [UInt8(truncatingIfNeeded: arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 {
                groups.insert(0x80 | UInt8(truncatingIfNeeded: rest & 0x7F), at: 0)
                rest >>= 7
            }
            out += groups
        }
        return out
    }

    /// Appends a BIT STRING of whole octets (a key, a signature): unused-bits octet 0, then `octets`.
    public mutating func bitString(_ octets: [UInt8]) {
        element(DERTag.bitString, contents: [0] + octets)
    }

    /// Appends a BIT STRING for a named bit list (keyUsage): bit n of `bits` (`1 << n`) is bit n of the
    /// string, the most significant bit of the first octet being bit 0 (X.690 §8.6.2.4). Trailing zero bits
    /// are left out (§11.2.2), so no bits at all is the empty string (the single octet 0x00).
    public mutating func namedBitString(_ bits: UInt32) {
        guard bits != 0 else { element(DERTag.bitString, contents: [0]); return }
        var highest = 31
        while bits & (1 << UInt32(highest)) == 0 { highest -= 1 }
        var octets = [UInt8](repeating: 0, count: highest / 8 + 1)
        for n in 0...highest where bits & (1 << UInt32(n)) != 0 {
            octets[n / 8] |= 0x80 >> UInt8(n % 8)
        }
        element(DERTag.bitString, contents: [UInt8(7 - highest % 8)] + octets)
    }

    /// Appends an OCTET STRING.
    public mutating func octetString(_ octets: [UInt8]) {
        element(DERTag.octetString, contents: octets)
    }

    /// Appends a UTF8String (Swift strings are valid Unicode, so any string is allowed).
    public mutating func utf8String(_ text: String) {
        element(DERTag.utf8String, contents: Array(text.utf8))
    }

    /// Appends a PrintableString: `.badString` unless every character is a letter, digit, space or one of
    /// ' ( ) + , - . / : = ? (X.680 §41.4).
    public mutating func printableString(_ text: String) throws(DERError) {
        let octets = Array(text.utf8)
        for c in octets where !Self.isPrintable(c) { throw .badString }
        element(DERTag.printableString, contents: octets)
    }

    static func isPrintable(_ c: UInt8) -> Bool {
        switch c {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x20, 0x27, 0x28, 0x29, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x3A, 0x3D, 0x3F: true
        default: false
        }
    }

    /// Appends an IA5String: `.badString` for a character above 0x7F.
    public mutating func ia5String(_ text: String) throws(DERError) {
        let octets = Array(text.utf8)
        for c in octets where c >= 0x80 { throw .badString }
        element(DERTag.ia5String, contents: octets)
    }

    // MARK: time (RFC 5280 §4.1.2.5)

    /// Appends the time `seconds` (since 1970-01-01T00:00:00Z) as RFC 5280 §4.1.2.5 requires in a
    /// certificate: UTCTime for the years 1950 through 2049, GeneralizedTime before and after.
    /// `.badTime` for a year outside 0...9999.
    public mutating func time(_ seconds: Int64) throws(DERError) {
        let year = Self.civil(seconds).year
        if year >= 1950, year <= 2049 { try utcTime(seconds) } else { try generalizedTime(seconds) }
    }

    /// Appends a UTCTime YYMMDDHHMMSSZ; `.badTime` outside 1950 through 2049 (RFC 5280 §4.1.2.5.1 reads
    /// YY ≥ 50 as 19YY and YY < 50 as 20YY).
    public mutating func utcTime(_ seconds: Int64) throws(DERError) {
        let t = Self.civil(seconds)
        guard t.year >= 1950, t.year <= 2049 else { throw .badTime }
        element(DERTag.utcTime, contents: Self.timeDigits(t, yearDigits: 2))
    }

    /// Appends a GeneralizedTime YYYYMMDDHHMMSSZ; `.badTime` outside the years 0 through 9999.
    public mutating func generalizedTime(_ seconds: Int64) throws(DERError) {
        let t = Self.civil(seconds)
        guard t.year >= 0, t.year <= 9999 else { throw .badTime }
        element(DERTag.generalizedTime, contents: Self.timeDigits(t, yearDigits: 4))
    }

    struct CivilTime {
        var year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int
    }

    /// The proleptic Gregorian date and time (UTC, no leap seconds) of `seconds` since 1970: the inverse of
    /// `DER.secondsSinceEpoch`.
    static func civil(_ seconds: Int64) -> CivilTime {
        // Floor division, so that times before 1970 fall on the right day.
        var days = seconds / 86_400
        var inDay = seconds % 86_400
        if inDay < 0 { inDay += 86_400; days -= 1 }
        // Days to civil: count in 400-year eras of 146,097 days from 0000-03-01, so that the leap day is
        // the last day of a year.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 is March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return CivilTime(year: year, month: Int(month), day: Int(day), hour: Int(inDay / 3600),
                         minute: Int(inDay % 3600 / 60), second: Int(inDay % 60))
    }

    /// YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ in ASCII (the year already checked to fit).
    static func timeDigits(_ t: CivilTime, yearDigits: Int) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            for _ in 0..<width {
                out.append(0x30 + UInt8(truncatingIfNeeded: v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        put(Int(t.year % (yearDigits == 2 ? 100 : 10_000)), yearDigits)
        put(t.month, 2)
        put(t.day, 2)
        put(t.hour, 2)
        put(t.minute, 2)
        put(t.second, 2)
        out.append(0x5A)  // "Z"
        return out
    }
}
