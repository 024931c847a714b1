// SwiftletCrypto/X509: an X.509 v1/v2/v3 certificate (RFC 5280 §4.1), parsed strictly from DER. The value
// owns its bytes; every field is a range into them, checked once by the initialiser, so no accessor traps.
// Names (issuer, subject) are kept as their raw DER and compared byte for byte (no RFC 5280 §7.1
// normalisation: CAs copy the issuer name from the issuer's subject, and the chains we build are theirs).
// Rules beyond DER itself: version is v1, v2 or v3 (v1 encoded by omission, §4.1.2.1); issuer and subject
// unique identifiers only in v2/v3 and extensions only in v3; the serial number has at most 20 octets
// (§4.1.2.2, a leading 0x00 sign octet not counted); the algorithm inside tbsCertificate is the same DER as
// the outer signatureAlgorithm (§4.1.1.2); Names are SEQUENCE OF non-empty SET OF {OID, value}.

/// A parsed X.509 certificate.
public struct Certificate: Sendable {
    /// The certificate's DER encoding; every range below refers to it.
    public let bytes: [UInt8]
    /// The DER tbsCertificate: what the signature covers.
    public let tbsRange: Range<Int>
    /// 1, 2 or 3.
    public let version: Int
    /// The serial number's INTEGER contents (two's complement, as encoded).
    public let serialNumberRange: Range<Int>
    public let signatureAlgorithm: SignatureAlgorithm
    /// The issuer Name, whole DER element.
    public let issuerRange: Range<Int>
    /// The subject Name, whole DER element.
    public let subjectRange: Range<Int>
    /// Validity, seconds since 1970 UTC (inclusive at both ends, §4.1.2.5).
    public let notBefore: Int64
    public let notAfter: Int64
    public let publicKey: SubjectPublicKeyInfo
    public let extensions: CertificateExtensions
    /// The signature BIT STRING octets (after the unused-bits octet).
    public let signatureRange: Range<Int>
    /// Whether the signature BIT STRING is whole octets (it is for every algorithm we verify).
    public let signatureIsOctetAligned: Bool

    public var tbsCertificate: [UInt8] { Array(bytes[tbsRange]) }
    public var serialNumber: [UInt8] { Array(bytes[serialNumberRange]) }
    public var issuer: [UInt8] { Array(bytes[issuerRange]) }
    public var subject: [UInt8] { Array(bytes[subjectRange]) }
    public var signature: [UInt8] { Array(bytes[signatureRange]) }

    /// Whether issuer and subject are the same name (a root, or a self-issued key-rollover certificate).
    public var isSelfIssued: Bool { DERReader.equal(bytes, issuerRange, bytes, subjectRange) }

    /// Whether this certificate's subject is `other`'s issuer.
    public func isIssuer(of other: Certificate) -> Bool {
        DERReader.equal(bytes, subjectRange, other.bytes, other.issuerRange)
    }

    /// Parses the DER `Certificate` that is exactly `der`.
    public init(derEncoded der: [UInt8]) throws(DERError) {
        try DER.checkStructure(der, 0..<der.count)
        var top = try DERReader(der)
        var cert = try top.sequence()
        try top.finish()
        bytes = der

        let tbsElement = try cert.next(DERTag.sequence)
        tbsRange = tbsElement.encoded
        var tbs = try cert.reader(into: tbsElement)
        let outerAlgorithmStart = cert.position
        signatureAlgorithm = try SignatureAlgorithm.read(&cert)
        let outerAlgorithm = outerAlgorithmStart..<cert.position
        let (unused, signatureBits) = try cert.bitString()
        signatureRange = signatureBits
        signatureIsOctetAligned = unused == 0
        try cert.finish()

        // version [0] EXPLICIT Version DEFAULT v1
        var v = 1
        if let e = try tbs.optional(DERTag.contextConstructed(0)) {
            var explicit = try tbs.reader(into: e)
            let raw = try explicit.smallInteger(maximum: 2)
            try explicit.finish()
            guard raw != 0 else { throw .encodedDefault }
            v = raw + 1
        }
        version = v
        let serial = try tbs.integer()
        let serialOctets = der[serial.lowerBound] == 0 ? serial.count - 1 : serial.count
        guard serialOctets <= 20 else { throw .integerOutOfRange }
        serialNumberRange = serial
        let innerAlgorithmStart = tbs.position
        _ = try SignatureAlgorithm.read(&tbs)
        guard DERReader.equal(der, innerAlgorithmStart..<tbs.position, der, outerAlgorithm) else { throw .badStructure }
        issuerRange = try Self.readName(&tbs)
        var validity = try tbs.sequence()
        notBefore = try validity.time()
        notAfter = try validity.time()
        try validity.finish()
        subjectRange = try Self.readName(&tbs)
        publicKey = try SubjectPublicKeyInfo(&tbs)
        for n: UInt8 in 1...2 where tbs.nextTag == DERTag.contextPrimitive(n) {
            guard v >= 2 else { throw .badStructure }
            _ = try tbs.bitString(DERTag.contextPrimitive(n))
        }
        if let e = try tbs.optional(DERTag.contextConstructed(3)) {
            guard v == 3 else { throw .badStructure }
            var explicit = try tbs.reader(into: e)
            extensions = try CertificateExtensions(&explicit)
        } else {
            extensions = CertificateExtensions()
        }
        try tbs.finish()
    }

    /// Parses a certificate from a span (copied: the certificate keeps its own bytes).
    public init(derEncoded der: Span<UInt8>) throws(DERError) {
        try self.init(derEncoded: copyBytes(der))
    }

    /// Reads a Name (RFC 5280 §4.1.2.4): `SEQUENCE OF SET SIZE (1..MAX) OF SEQUENCE { type OID, value ANY }`.
    /// Returns the whole element's range.
    static func readName(_ reader: inout DERReader) throws(DERError) -> Range<Int> {
        let element = try reader.next(DERTag.sequence)
        var rdns = try reader.reader(into: element)
        while !rdns.isAtEnd {
            var set = try rdns.sequence(DERTag.set)
            guard !set.isAtEnd else { throw .badStructure }
            while !set.isAtEnd {
                var atv = try set.sequence()
                _ = try atv.objectIdentifier()
                _ = try atv.next()
                try atv.finish()
            }
        }
        return element.encoded
    }
}

/// A copy of `span` as an array.
func copyBytes(_ span: Span<UInt8>) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(span.count)
    for i in span.indices { out.append(span[i]) }
    return out
}
