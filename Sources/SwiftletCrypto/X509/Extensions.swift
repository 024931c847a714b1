// SwiftletCrypto/X509: the certificate extensions chain validation and host-name matching use (RFC 5280
// §4.2.1): basicConstraints (§4.2.1.9), keyUsage (§4.2.1.3), extendedKeyUsage (§4.2.1.12), subjectAltName
// (§4.2.1.6: dNSName and iPAddress kept, the other GeneralName forms checked for shape and skipped),
// authorityKeyIdentifier (§4.2.1.1, keyIdentifier only) and subjectKeyIdentifier (§4.2.1.2).
// certificatePolicies (§4.2.1.4) is recognised so that a critical one is not refused, but no policy
// processing is done (RFC 5280 §6.1 with initial-policy-set any-policy and no explicit policy required:
// policies never make a path fail). Every other extension is skipped without reading its value; if it is
// critical, `hasUnknownCriticalExtension` is set and chain validation refuses the certificate (§4.2).
// `critical FALSE` and `cA FALSE` encoded explicitly are refused (DER omits DEFAULT values, X.690 §11.5).
// A recognised extension with a malformed value makes the whole certificate malformed; an extension that
// appears twice is refused (§4.2: "MUST NOT include more than one instance of a particular extension").

/// The keyUsage bits (RFC 5280 §4.2.1.3), bit n of the BIT STRING as `1 << n`.
public struct KeyUsage: Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let digitalSignature = KeyUsage(rawValue: 1 << 0)
    public static let nonRepudiation = KeyUsage(rawValue: 1 << 1)
    public static let keyEncipherment = KeyUsage(rawValue: 1 << 2)
    public static let dataEncipherment = KeyUsage(rawValue: 1 << 3)
    public static let keyAgreement = KeyUsage(rawValue: 1 << 4)
    public static let keyCertSign = KeyUsage(rawValue: 1 << 5)
    public static let cRLSign = KeyUsage(rawValue: 1 << 6)
    public static let encipherOnly = KeyUsage(rawValue: 1 << 7)
    public static let decipherOnly = KeyUsage(rawValue: 1 << 8)
    public func contains(_ other: KeyUsage) -> Bool { rawValue & other.rawValue == other.rawValue }
}

/// The purposes listed by extendedKeyUsage that validation looks at.
public struct ExtendedKeyUsage: Hashable, Sendable {
    public var serverAuth = false
    public var clientAuth = false
    public var any = false
    /// How many other purposes were listed.
    public var others = 0
}

/// basicConstraints (RFC 5280 §4.2.1.9).
public struct BasicConstraints: Hashable, Sendable {
    public var isCA: Bool
    /// The most non-self-issued intermediates that may follow this CA in a path; nil for no limit.
    public var pathLengthConstraint: Int?
}

/// The extensions of one certificate, parsed.
public struct CertificateExtensions: Sendable {
    public var basicConstraints: BasicConstraints?
    public var keyUsage: KeyUsage?
    public var extendedKeyUsage: ExtendedKeyUsage?
    /// Whether a subjectAltName extension is present (then the subject's CN is never used).
    public var hasSubjectAltName = false
    /// The dNSName entries, as ranges of the certificate's bytes (IA5String contents, ASCII).
    public var dnsNames: [Range<Int>] = []
    /// The iPAddress entries (4 or 16 octets in a SAN; other lengths are kept and never match).
    public var ipAddresses: [Range<Int>] = []
    public var subjectKeyIdentifier: Range<Int>?
    public var authorityKeyIdentifier: Range<Int>?
    /// Whether some extension marked critical was not one of those above.
    public var hasUnknownCriticalExtension = false
    /// Whether a nameConstraints extension is present (critical or not): `ChainValidator` refuses an
    /// issuer that has one, since it does not process them.
    public var hasNameConstraints = false
    /// How many extensions there were.
    public var count = 0

    /// The most extensions a certificate may carry (duplicates are searched pairwise).
    public static let maximumCount = 64

    init() {}

    /// Reads `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` from the contents of the `[3]` wrapper.
    init(_ outer: inout DERReader) throws(DERError) {
        var list = try outer.sequence()
        var oids: [Range<Int>] = []
        guard !list.isAtEnd else { throw .badStructure }
        while !list.isAtEnd {
            var ext = try list.sequence()
            let oid = try ext.objectIdentifier()
            var critical = false
            if ext.nextTag == DERTag.boolean {
                critical = try ext.boolean()
                guard critical else { throw .encodedDefault }  // DEFAULT FALSE: X.690 §11.5
            }
            let value = try ext.octetString()
            try ext.finish()
            for seen in oids where DERReader.equal(list.bytes, seen, list.bytes, oid) { throw .duplicateExtension }
            oids.append(oid)
            guard oids.count <= Self.maximumCount else { throw .tooManyElements }
            guard Self.isKnown(list, oid) else {
                // Not ours to read: its value is not even parsed. Refused at validation if critical.
                if critical { hasUnknownCriticalExtension = true }
                // Name constraints are not processed, and ignoring them would trust a constrained CA for every
                // name: noted whatever their criticality, and refused in an issuer (RFC 5280 §4.2.1.10).
                if list.isOID(oid, OID.nameConstraints) { hasNameConstraints = true }
                continue
            }
            var inner = try list.encapsulated(value)
            if list.isOID(oid, OID.basicConstraints) {
                var seq = try inner.sequence()
                var isCA = false
                if seq.nextTag == DERTag.boolean {
                    isCA = try seq.boolean()
                    guard isCA else { throw .encodedDefault }
                }
                var pathLength: Int?
                if seq.nextTag == DERTag.integer { pathLength = try seq.smallInteger() }
                try seq.finish()
                basicConstraints = BasicConstraints(isCA: isCA, pathLengthConstraint: pathLength)
            } else if list.isOID(oid, OID.keyUsage) {
                let (_, bits) = try inner.bitString()
                var raw: UInt16 = 0
                // Only the nine defined bits are read; trailing zero octets (not DER, §11.2.2) are tolerated.
                for (k, i) in bits.prefix(2).enumerated() {
                    // Bit 0 is the most significant bit of the first octet (X.690 §8.6.2.4).
                    let octet = UInt16(list.bytes[i])
                    for b in 0..<8 where octet & (0x80 >> UInt16(b)) != 0 { raw |= 1 << UInt16(8 * k + b) }
                }
                keyUsage = KeyUsage(rawValue: raw)
            } else if list.isOID(oid, OID.extendedKeyUsage) {
                var seq = try inner.sequence()
                guard !seq.isAtEnd else { throw .badStructure }
                var eku = ExtendedKeyUsage()
                while !seq.isAtEnd {
                    let purpose = try seq.objectIdentifier()
                    if seq.isOID(purpose, OID.serverAuth) { eku.serverAuth = true }
                    else if seq.isOID(purpose, OID.clientAuth) { eku.clientAuth = true }
                    else if seq.isOID(purpose, OID.anyExtendedKeyUsage) { eku.any = true }
                    else { eku.others += 1 }
                }
                extendedKeyUsage = eku
            } else if list.isOID(oid, OID.subjectAltName) {
                hasSubjectAltName = true
                try readGeneralNames(&inner)
            } else if list.isOID(oid, OID.subjectKeyIdentifier) {
                subjectKeyIdentifier = try inner.octetString()
            } else if list.isOID(oid, OID.authorityKeyIdentifier) {
                var seq = try inner.sequence()
                authorityKeyIdentifier = try seq.optional(DERTag.contextPrimitive(0))?.contents
                if let names = try seq.optional(DERTag.contextConstructed(1)) {
                    var r = try seq.reader(into: names)
                    while !r.isAtEnd { _ = try readGeneralName(&r) }
                }
                if seq.nextTag == DERTag.contextPrimitive(2) {
                    let serial = try seq.next()
                    try DERReader.checkInteger(seq.bytes, serial.contents)
                }
                try seq.finish()
            } else if list.isOID(oid, OID.certificatePolicies) {
                var seq = try inner.sequence()
                guard !seq.isAtEnd else { throw .badStructure }
                while !seq.isAtEnd {
                    var info = try seq.sequence()
                    _ = try info.objectIdentifier()
                    if !info.isAtEnd { _ = try info.next(DERTag.sequence) }
                    try info.finish()
                }
            }
            try inner.finish()
        }
        count = oids.count
        try outer.finish()
    }

    private static func isKnown(_ reader: DERReader, _ oid: Range<Int>) -> Bool {
        for known in [OID.basicConstraints, OID.keyUsage, OID.extendedKeyUsage, OID.subjectAltName, OID.subjectKeyIdentifier,
                      OID.authorityKeyIdentifier, OID.certificatePolicies] where reader.isOID(oid, known) { return true }
        return false
    }

    /// `GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName` of a subjectAltName.
    private mutating func readGeneralNames(_ reader: inout DERReader) throws(DERError) {
        var seq = try reader.sequence()
        guard !seq.isAtEnd else { throw .badStructure }
        while !seq.isAtEnd {
            let element = try readGeneralName(&seq)
            switch element.tag {
            case DERTag.contextPrimitive(2): dnsNames.append(element.contents)
            case DERTag.contextPrimitive(7): ipAddresses.append(element.contents)
            default: break
            }
        }
    }

    /// One GeneralName (RFC 5280 §4.2.1.6), checked for its tag's form; IA5String ones must be ASCII.
    private func readGeneralName(_ reader: inout DERReader) throws(DERError) -> DERElement {
        let element = try reader.next()
        switch element.tag {
        case DERTag.contextPrimitive(1), DERTag.contextPrimitive(2), DERTag.contextPrimitive(6):
            for i in element.contents where reader.bytes[i] >= 0x80 { throw .badString }
        case DERTag.contextPrimitive(7):
            break
        case DERTag.contextPrimitive(8):
            try DERReader.checkObjectIdentifier(reader.bytes, element.contents)
        case DERTag.contextConstructed(0), DERTag.contextConstructed(3), DERTag.contextConstructed(5):
            break
        case DERTag.contextConstructed(4):
            var explicit = try reader.reader(into: element)
            _ = try Certificate.readName(&explicit)
            try explicit.finish()
        default:
            throw .unexpectedTag
        }
        return element
    }
}
