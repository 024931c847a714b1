// SwiftletCrypto/X509: making X.509 v3 certificates (RFC 5280 §4.1) signed with ECDSA P-256/SHA-256 or
// Ed25519, for a development CA and the server certificates it issues (`swiftlet cert`). No clock is read
// and no randomness drawn here: the caller passes the validity and the serial number.
//
// What a certificate gets (each field as RFC 5280 says, and as ChainValidator and HostName read it back):
// - version v3 (§4.1.2.1); the serial number a positive INTEGER of at most `maximumSerialNumberLength`
//   contents octets, sign octet included (§4.1.2.2);
// - issuer and subject (§4.1.2.4): Name = O (if given) then CN, each a UTF8String of 1 to `maximumNameLength`
//   octets (the upper bounds ub-organization-name and ub-common-name of Appendix A.1); an issued
//   certificate's issuer is a byte-for-byte copy of the issuer's subject, so path building matches it;
// - validity (§4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050 (DERWriter.time);
// - extensions (§4.2.1): basicConstraints, critical (§4.2.1.9: cA TRUE with the pathLenConstraint for a CA;
//   the empty SEQUENCE, cA FALSE by default, otherwise); keyUsage, critical (§4.2.1.3); extendedKeyUsage
//   when purposes are given (§4.2.1.12); subjectAltName when names are given (§4.2.1.6: dNSName for a DNS
//   name, "*.example.com" allowed, a trailing dot dropped; iPAddress with 4 or 16 octets for an IPv4 or
//   IPv6 literal; not critical, since the subject is never empty); subjectKeyIdentifier and
//   authorityKeyIdentifier (§4.2.1.2, §4.2.1.1) with the key identifier of RFC 7093 §2 method 1: the first
//   160 bits of SHA-256 over the subjectPublicKey BIT STRING's value (SHA-1, the §4.2.1.2 method, is not in
//   this module). An issued certificate's authorityKeyIdentifier is the issuer's subjectKeyIdentifier.
// - the signature (§4.1.1.3) over the DER tbsCertificate, with the issuer's key.
// Refusals are `CertificateError`s (each documented where it is thrown); nothing traps on the caller's
// strings or numbers. Not done: other name attributes, name constraints, policies, CRL distribution points.

import Swiftlet

/// The fields of one certificate to make; `selfSigned(key:)` and `issued(for:issuer:issuerKey:)` sign it.
public struct CertificateBuilder: Sendable {
    /// The serial number, an unsigned big-endian magnitude (leading zero octets ignored): not zero, and at
    /// most `maximumSerialNumberLength` octets once encoded. `randomSerialNumber(using:)` makes one.
    public var serialNumber: [UInt8]
    /// The subject's commonName (1 to `maximumNameLength` octets of UTF-8).
    public var commonName: String
    /// The subject's organizationName, if any (1 to `maximumNameLength` octets of UTF-8).
    public var organization: String?
    /// The start of the validity period, seconds since 1970 UTC, inclusive.
    public var notBefore: Int64
    /// The end of the validity period, seconds since 1970 UTC, inclusive; not before `notBefore`.
    public var notAfter: Int64
    /// Written as a critical basicConstraints extension.
    public var basicConstraints: BasicConstraints
    /// Written as a critical keyUsage extension.
    public var keyUsage: KeyUsage
    /// Written as an extendedKeyUsage extension unless empty.
    public var extendedKeyUsage: [KeyPurpose]
    /// DNS names and IP literals, written as a subjectAltName extension unless empty (at most
    /// `maximumSubjectAlternativeNames`).
    public var subjectAlternativeNames: [String]

    /// RFC 5280 §4.1.2.2: "MUST NOT use serialNumber values longer than 20 octets".
    public static let maximumSerialNumberLength = 20
    /// ub-common-name and ub-organization-name (RFC 5280 Appendix A.1), in octets of UTF-8.
    public static let maximumNameLength = 64
    /// The most subjectAltName entries one certificate is given.
    public static let maximumSubjectAlternativeNames = 100
    /// Octets in a key identifier (RFC 7093 §2 method 1: 160 bits).
    public static let keyIdentifierLength = 20

    /// A certificate for `commonName` with no extensions beyond basicConstraints (cA FALSE) and keyUsage
    /// (digitalSignature); set the other fields before signing.
    public init(serialNumber: [UInt8], commonName: String, organization: String? = nil, notBefore: Int64, notAfter: Int64) {
        self.serialNumber = serialNumber
        self.commonName = commonName
        self.organization = organization
        self.notBefore = notBefore
        self.notAfter = notAfter
        basicConstraints = BasicConstraints(isCA: false, pathLengthConstraint: nil)
        keyUsage = .digitalSignature
        extendedKeyUsage = []
        subjectAlternativeNames = []
    }

    /// A CA that issues end-entity certificates only: cA TRUE with pathLenConstraint 0, keyUsage keyCertSign
    /// and cRLSign.
    public static func certificateAuthority(commonName: String, organization: String? = nil, serialNumber: [UInt8],
                                            notBefore: Int64, notAfter: Int64) -> CertificateBuilder {
        var builder = CertificateBuilder(serialNumber: serialNumber, commonName: commonName, organization: organization,
                                         notBefore: notBefore, notAfter: notAfter)
        builder.basicConstraints = BasicConstraints(isCA: true, pathLengthConstraint: 0)
        builder.keyUsage = KeyUsage(rawValue: KeyUsage.keyCertSign.rawValue | KeyUsage.cRLSign.rawValue)
        return builder
    }

    /// A TLS server certificate for `names` (DNS names or IP literals): the first is the commonName, every one
    /// a subjectAltName; cA FALSE, keyUsage digitalSignature, extendedKeyUsage serverAuth.
    public static func server(names: [String], organization: String? = nil, serialNumber: [UInt8],
                              notBefore: Int64, notAfter: Int64) -> CertificateBuilder {
        var builder = CertificateBuilder(serialNumber: serialNumber, commonName: names.first ?? "", organization: organization,
                                         notBefore: notBefore, notAfter: notAfter)
        builder.extendedKeyUsage = [.serverAuth]
        builder.subjectAlternativeNames = names
        return builder
    }

    /// A random serial number of exactly 20 octets: the top bit clear (positive without a sign octet) and
    /// the next one set (never shorter, never zero), 158 random bits.
    public static func randomSerialNumber<R: Entropy>(using random: R) -> [UInt8] {
        var serial = [UInt8](repeating: 0, count: maximumSerialNumberLength)
        var span = serial.mutableSpan
        random.fill(&span)
        serial[0] = serial[0] & 0x3F | 0x40
        return serial
    }

    /// The key identifier of a public key (the subjectPublicKey octets): the first 160 bits of its SHA-256
    /// (RFC 7093 §2 method 1).
    public static func keyIdentifier(_ publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(publicKey)[0..<keyIdentifierLength])
    }

    /// Whether `name` can be a subjectAltName entry: an IPv4 or IPv6 literal, or a DNS name (letters,
    /// digits, '-' but not first or last in a label, '_', labels of 1 to 63 octets, at most 253 octets, "*"
    /// allowed as the whole first label, one trailing dot ignored).
    public static func isValidName(_ name: String) -> Bool {
        (try? generalName(name)) != nil
    }

    // MARK: signing

    /// The certificate signed by its own `key`: its issuer is its subject, and its authorityKeyIdentifier
    /// its own subjectKeyIdentifier. Errors as `issued(for:issuer:issuerKey:)`.
    public func selfSigned(key: CertificateSigningKey) throws(CertificateError) -> Certificate {
        let subject = try subjectName()
        let identifier = Self.keyIdentifier(key.publicKey)
        return try sign(subjectKey: key.subjectPublicKeyInfo, issuerName: subject, authorityKeyIdentifier: identifier, key: key)
    }

    /// The certificate of `subjectKey` issued by `issuer`, signed with `issuerKey`.
    /// - Throws: `.notACA` when `issuer` has no basicConstraints cA TRUE; `.badSignature` when `issuerKey`
    ///   is not the key of `issuer`; `.malformed(.integerOutOfRange)` for a zero or too long serial number;
    ///   `.malformed(.badString)` for an empty or too long commonName or organization, or a subjectAltName
    ///   that is neither a DNS name nor an IP literal; `.malformed(.tooManyElements)` for more than
    ///   `maximumSubjectAlternativeNames`; `.malformed(.badTime)` when notBefore is after notAfter or a
    ///   time is outside the years 0 to 9999; `.unsupportedAlgorithm` for a subject key of a kind
    ///   `SubjectPublicKeyInfo` does not know (`.unsupported`).
    public func issued(for subjectKey: SubjectPublicKeyInfo, issuer: Certificate, issuerKey: CertificateSigningKey) throws(CertificateError) -> Certificate {
        guard let constraints = issuer.extensions.basicConstraints, constraints.isCA else { throw .notACA }
        guard issuer.publicKey.keyBytes == issuerKey.publicKey, issuer.publicKey.algorithm == issuerKey.algorithm else { throw .badSignature }
        let identifier: [UInt8]
        if let ski = issuer.extensions.subjectKeyIdentifier {
            identifier = Array(issuer.bytes[ski])
        } else {
            identifier = Self.keyIdentifier(issuerKey.publicKey)
        }
        return try sign(subjectKey: subjectKey, issuerName: issuer.subject, authorityKeyIdentifier: identifier, key: issuerKey)
    }

    private func sign(subjectKey: SubjectPublicKeyInfo, issuerName: [UInt8], authorityKeyIdentifier: [UInt8],
                      key: CertificateSigningKey) throws(CertificateError) -> Certificate {
        guard subjectKey.algorithm != .unsupported else { throw .unsupportedAlgorithm }
        let serial = DERWriter.integerContents(serialNumber)
        guard serial != [0] else { throw .malformed(.integerOutOfRange) }
        guard serial.count <= Self.maximumSerialNumberLength else { throw .malformed(.integerOutOfRange) }
        guard notBefore <= notAfter else { throw .malformed(.badTime) }
        guard subjectAlternativeNames.count <= Self.maximumSubjectAlternativeNames else { throw .malformed(.tooManyElements) }
        let subject = try subjectName()
        var names: [(tag: UInt8, contents: [UInt8])] = []
        for name in subjectAlternativeNames { names.append(try Self.generalName(name)) }
        let subjectKeyIdentifier = Self.keyIdentifier(subjectKey.keyBytes)

        // TBSCertificate (§4.1).
        var tbs = DERWriter()
        do throws(DERError) {
            try tbs.sequence { (t: inout DERWriter) throws(DERError) in
                t.explicit(0) { version in version.integer(2) }  // v3
                t.element(DERTag.integer, contents: serial)
                key.writeSignatureAlgorithm(&t)
                t.append(encoded: issuerName)
                try t.sequence { (validity: inout DERWriter) throws(DERError) in
                    try validity.time(notBefore)
                    try validity.time(notAfter)
                }
                t.append(encoded: subject)
                t.append(encoded: subjectKey.derEncoded)
                t.explicit(3) { extensions in
                    extensions.sequence { list in writeExtensions(&list, names: names, subjectKeyIdentifier: subjectKeyIdentifier,
                                                                  authorityKeyIdentifier: authorityKeyIdentifier) }
                }
            }
        } catch {
            throw .malformed(error)
        }

        // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (§4.1.1).
        let signature = key.certificateSignature(tbs.bytes)
        var certificate = DERWriter()
        certificate.sequence { c in
            c.append(encoded: tbs.bytes)
            key.writeSignatureAlgorithm(&c)
            c.bitString(signature)
        }
        do { return try Certificate(derEncoded: certificate.bytes) } catch { throw .malformed(error) }
    }

    private func writeExtensions(_ list: inout DERWriter, names: [(tag: UInt8, contents: [UInt8])],
                                 subjectKeyIdentifier: [UInt8], authorityKeyIdentifier: [UInt8]) {
        Self.writeExtension(&list, OID.basicConstraints, critical: true) { value in
            value.sequence { c in
                guard basicConstraints.isCA else { return }  // cA FALSE is the DEFAULT: left out (X.690 §11.5)
                c.boolean(true)
                if let limit = basicConstraints.pathLengthConstraint, limit >= 0 { c.integer(UInt64(limit)) }
            }
        }
        Self.writeExtension(&list, OID.keyUsage, critical: true) { value in value.namedBitString(UInt32(keyUsage.rawValue)) }
        if !extendedKeyUsage.isEmpty {
            Self.writeExtension(&list, OID.extendedKeyUsage, critical: false) { value in
                value.sequence { purposes in
                    for purpose in extendedKeyUsage {
                        purposes.objectIdentifier(contents: purpose == .serverAuth ? OID.serverAuth : OID.clientAuth)
                    }
                }
            }
        }
        if !names.isEmpty {
            Self.writeExtension(&list, OID.subjectAltName, critical: false) { value in
                value.sequence { generalNames in
                    for name in names { generalNames.element(name.tag, contents: name.contents) }
                }
            }
        }
        Self.writeExtension(&list, OID.subjectKeyIdentifier, critical: false) { value in value.octetString(subjectKeyIdentifier) }
        // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier OPTIONAL, ... }
        Self.writeExtension(&list, OID.authorityKeyIdentifier, critical: false) { value in
            value.sequence { aki in aki.implicit(0, contents: authorityKeyIdentifier) }
        }
    }

    /// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (§4.1).
    private static func writeExtension(_ list: inout DERWriter, _ oid: [UInt8], critical: Bool, _ value: (inout DERWriter) -> Void) {
        var inner = DERWriter()
        value(&inner)
        list.sequence { e in
            e.objectIdentifier(contents: oid)
            if critical { e.boolean(true) }
            e.octetString(inner.bytes)
        }
    }

    /// The subject Name: `SEQUENCE { SET { O }, SET { CN } }`, one attribute per RDN (§4.1.2.4).
    private func subjectName() throws(CertificateError) -> [UInt8] {
        let cn = Array(commonName.utf8)
        guard !cn.isEmpty, cn.count <= Self.maximumNameLength else { throw .malformed(.badString) }
        if let o = organization {
            guard !o.utf8.isEmpty, o.utf8.count <= Self.maximumNameLength else { throw .malformed(.badString) }
        }
        var w = DERWriter()
        w.sequence { name in
            if let o = organization { Self.writeAttribute(&name, OID.organizationName, o) }
            Self.writeAttribute(&name, OID.commonName, commonName)
        }
        return w.bytes
    }

    private static func writeAttribute(_ name: inout DERWriter, _ type: [UInt8], _ value: String) {
        name.set { rdn in
            rdn.sequence { atv in
                atv.objectIdentifier(contents: type)
                atv.utf8String(value)  // RFC 5280 §4.1.2.4: UTF8String for new certificates
            }
        }
    }

    /// The GeneralName (§4.2.1.6) for `name`: `[7]` iPAddress for an IP literal, `[2]` dNSName for a DNS
    /// name (without a trailing dot); `.malformed(.badString)` for anything else.
    static func generalName(_ name: String) throws(CertificateError) -> (tag: UInt8, contents: [UInt8]) {
        let text = Array(name.utf8)
        if let address = HostName.parseIPv4(text) ?? HostName.parseIPv6(text) { return (DERTag.contextPrimitive(7), address) }
        guard let normal = HostName.normalised(text, allowWildcard: true) else { throw .malformed(.badString) }
        // RFC 1034 §3.5 (RFC 5280 §4.2.1.6's preferred name syntax): no label starts or ends with '-'.
        for label in normal.split(separator: 0x2E) where label.first == 0x2D || label.last == 0x2D { throw .malformed(.badString) }
        return (DERTag.contextPrimitive(2), text.last == 0x2E ? Array(text.dropLast()) : text)
    }
}
