// SwiftletCrypto/X509: private keys as they come in files, reduced to the raw material the primitives take.
// Formats: PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2: version v1 or v2, attributes
// skipped, the v2 publicKey ignored) holding Ed25519 or X25519 (RFC 8410 §7: CurvePrivateKey, 32 octets),
// EC on P-256 / P-384 (RFC 5915 §3 ECPrivateKey inside, the curve from the algorithm's namedCurve and, when
// the inner key names one too, the same), RSA (RFC 8017 App. A.1.2 RSAPrivateKey, two-prime version 0;
// under rsaEncryption, or under id-RSASSA-PSS for a PSS-only key, RFC 4055 §1.2, parameters not kept);
// SEC1 ECPrivateKey alone ("EC PRIVATE KEY", RFC 5915; the namedCurve parameters must be present) and
// PKCS#1 RSAPrivateKey alone ("RSA PRIVATE KEY"). Encrypted PKCS#8 and legacy encrypted PEM are refused.
// The parse branches on tags and lengths only: it reveals the size of each component, never its value
// (the DER minimality check reads the top byte of each RSA component, which its length already bounds).
// Range checks of scalars (0 < d < n) and RSA consistency (n = p·q...) are the primitives' job.
// The key material is copied into fresh arrays; the caller's buffers and these copies are not wiped here.

/// A private key's material.
public enum PrivateKey: Sendable {
    /// The 32-byte Ed25519 seed (RFC 8032 §5.1.5).
    case ed25519(seed: [UInt8])
    /// The 32-byte X25519 scalar, as encoded (RFC 7748 §5 clamping is the primitive's).
    case x25519(scalar: [UInt8])
    /// An ECDSA scalar, big-endian, left-padded to the curve size (32 or 48 bytes); the public point if the
    /// file carried it.
    case ecdsa(curve: PublicKeyAlgorithm, scalar: [UInt8], publicKey: [UInt8]?)
    /// RSA components.
    case rsa(RSAPrivateKeyComponents)

    /// Which algorithm the key is for.
    public var algorithm: PublicKeyAlgorithm {
        switch self {
        case .ed25519: .ed25519
        case .x25519: .x25519
        case .ecdsa(let curve, _, _): curve
        case .rsa(let key): key.restrictedToPSS ? .rsaPSS : .rsa
        }
    }

    /// Parses a DER PKCS#8 PrivateKeyInfo / OneAsymmetricKey.
    public init(pkcs8 der: [UInt8]) throws(CertificateError) {
        self = try Self.mapped { () throws(DERError) -> PrivateKey? in try Self.parsePKCS8(der) }
    }

    /// Parses a DER SEC1 ECPrivateKey on its own; it must name its curve.
    public init(sec1 der: [UInt8]) throws(CertificateError) {
        self = try Self.mapped { () throws(DERError) -> PrivateKey? in
            try DER.checkStructure(der, 0..<der.count)
            var top = try DERReader(der)
            let key = try Self.readECPrivateKey(&top, curve: nil)
            try top.finish()
            return key
        }
    }

    /// Parses a DER PKCS#1 RSAPrivateKey on its own.
    public init(pkcs1 der: [UInt8]) throws(CertificateError) {
        self = try Self.mapped { () throws(DERError) -> PrivateKey? in
            try DER.checkStructure(der, 0..<der.count)
            var top = try DERReader(der)
            let key = PrivateKey.rsa(try RSAPrivateKeyComponents(&top))
            try top.finish()
            return key
        }
    }

    /// The first private key block of a PEM document: "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC1) or
    /// "RSA PRIVATE KEY" (PKCS#1). Encrypted blocks are not keys here (`.pem(.noBlock)`).
    public init(pem text: [UInt8]) throws(CertificateError) {
        let blocks: [PEMBlock]
        do { blocks = try PEM.decodeAll(text) } catch { throw .pem(error) }
        for block in blocks {
            if block.hasLabel(PEM.privateKeyLabel) { self = try PrivateKey(pkcs8: block.der); return }
            if block.hasLabel(PEM.ecPrivateKeyLabel) { self = try PrivateKey(sec1: block.der); return }
            if block.hasLabel(PEM.rsaPrivateKeyLabel) { self = try PrivateKey(pkcs1: block.der); return }
        }
        throw .pem(.noBlock)
    }

    /// Runs a parse; a DER error is `.malformed`, nil (an algorithm or curve we do not use) `.unsupportedAlgorithm`.
    private static func mapped(_ parse: () throws(DERError) -> PrivateKey?) throws(CertificateError) -> PrivateKey {
        let key: PrivateKey?
        do { key = try parse() } catch { throw .malformed(error) }
        guard let k = key else { throw .unsupportedAlgorithm }
        return k
    }

    private static func parsePKCS8(_ der: [UInt8]) throws(DERError) -> PrivateKey? {
        try DER.checkStructure(der, 0..<der.count)
        var top = try DERReader(der)
        var info = try top.sequence()
        try top.finish()
        let version = try info.smallInteger(maximum: 1)
        var algo = try info.sequence()
        let oid = try algo.objectIdentifier()
        let keyRange = try info.octetString()
        _ = try info.optional(DERTag.contextConstructed(0))  // attributes
        if version == 1, info.nextTag == DERTag.contextPrimitive(1) { _ = try info.bitString(DERTag.contextPrimitive(1)) }
        try info.finish()
        var inner = try info.encapsulated(keyRange)
        let key: PrivateKey?
        if algo.isOID(oid, OID.ed25519) || algo.isOID(oid, OID.x25519) {
            let isEd = algo.isOID(oid, OID.ed25519)
            try algo.finish()  // RFC 8410 §3: parameters absent
            let seed = try inner.octetString()
            guard seed.count == 32 else { throw .badStructure }
            key = isEd ? .ed25519(seed: Array(der[seed])) : .x25519(scalar: Array(der[seed]))
        } else if algo.isOID(oid, OID.ecPublicKey) {
            guard algo.nextTag == DERTag.objectIdentifier else { return nil }
            let curveOID = try algo.objectIdentifier()
            try algo.finish()
            guard let curve = Self.curve(algo, curveOID) else { return nil }
            key = try Self.readECPrivateKey(&inner, curve: curve)
        } else if algo.isOID(oid, OID.rsaEncryption) {
            if algo.nextTag == DERTag.null { try algo.null() }
            try algo.finish()
            key = .rsa(try RSAPrivateKeyComponents(&inner))
        } else if algo.isOID(oid, OID.rsassaPSS) {
            if !algo.isAtEnd { _ = try algo.next(DERTag.sequence) }  // RSASSA-PSS-params, not enforced
            try algo.finish()
            var rsa = try RSAPrivateKeyComponents(&inner)
            rsa.restrictedToPSS = true
            key = .rsa(rsa)
        } else {
            return nil
        }
        try inner.finish()
        return key
    }

    private static func curve(_ reader: DERReader, _ oid: Range<Int>) -> PublicKeyAlgorithm? {
        if reader.isOID(oid, OID.prime256v1) { return .ecdsaP256 }
        if reader.isOID(oid, OID.secp384r1) { return .ecdsaP384 }
        return nil
    }

    /// ECPrivateKey ::= SEQUENCE { version INTEGER { ecPrivkeyVer1(1) }, privateKey OCTET STRING,
    /// parameters [0] ECParameters OPTIONAL, publicKey [1] BIT STRING OPTIONAL } (RFC 5915 §3).
    /// nil when the curve is not one we use.
    private static func readECPrivateKey(_ reader: inout DERReader, curve outerCurve: PublicKeyAlgorithm?) throws(DERError) -> PrivateKey? {
        var seq = try reader.sequence()
        guard try seq.smallInteger() == 1 else { throw .badStructure }
        let scalar = try seq.octetString()
        var curve = outerCurve
        if let e = try seq.optional(DERTag.contextConstructed(0)) {
            var explicit = try seq.reader(into: e)
            guard explicit.nextTag == DERTag.objectIdentifier else { return nil }
            guard let named = Self.curve(explicit, try explicit.objectIdentifier()) else { return nil }
            try explicit.finish()
            guard outerCurve == nil || outerCurve == named else { throw .badStructure }
            curve = named
        }
        var publicKey: [UInt8]?
        if let e = try seq.optional(DERTag.contextConstructed(1)) {
            var explicit = try seq.reader(into: e)
            publicKey = Array(seq.bytes[try explicit.octetAlignedBitString()])
            try explicit.finish()
        }
        try seq.finish()
        guard let c = curve else { throw .badStructure }
        let size = c == .ecdsaP256 ? 32 : 48
        guard scalar.count <= size, !scalar.isEmpty else { throw .badStructure }
        // RFC 5915 §3 fixes the length at the curve size; shorter encodings exist, so left-pad them.
        let padded = [UInt8](repeating: 0, count: size - scalar.count) + seq.bytes[scalar]
        return .ecdsa(curve: c, scalar: padded, publicKey: publicKey)
    }
}

/// An RSA private key's components (RFC 8017 §3.2, second representation), big-endian magnitudes.
public struct RSAPrivateKeyComponents: Sendable {
    public let modulus: [UInt8]
    public let publicExponent: [UInt8]
    public let privateExponent: [UInt8]
    public let prime1: [UInt8]
    public let prime2: [UInt8]
    public let exponent1: [UInt8]
    public let exponent2: [UInt8]
    public let coefficient: [UInt8]
    /// Whether the key came as id-RSASSA-PSS (RFC 4055 §1.2): it may only make PSS signatures.
    public internal(set) var restrictedToPSS = false

    /// The key, ready to sign: `RSAPrivateKey` checks that the components hold together (`.badScalar`)
    /// and that the modulus has 2048 to 4096 bits (`.badLength`).
    public func key() throws(CryptoError) -> RSAPrivateKey {
        try RSAPrivateKey(modulus: modulus.span, publicExponent: publicExponent.span, privateExponent: privateExponent.span,
                          prime1: prime1.span, prime2: prime2.span, exponent1: exponent1.span, exponent2: exponent2.span,
                          coefficient: coefficient.span)
    }

    /// RSAPrivateKey ::= SEQUENCE { version 0 (two-prime), n, e, d, p, q, dP, dQ, qInv } (RFC 8017 A.1.2).
    init(_ reader: inout DERReader) throws(DERError) {
        var seq = try reader.sequence()
        guard try seq.smallInteger() == 0 else { throw .badStructure }  // version 1 is multi-prime
        let b = seq.bytes
        modulus = Array(b[try seq.unsignedInteger()])
        publicExponent = Array(b[try seq.unsignedInteger()])
        privateExponent = Array(b[try seq.unsignedInteger()])
        prime1 = Array(b[try seq.unsignedInteger()])
        prime2 = Array(b[try seq.unsignedInteger()])
        exponent1 = Array(b[try seq.unsignedInteger()])
        exponent2 = Array(b[try seq.unsignedInteger()])
        coefficient = Array(b[try seq.unsignedInteger()])
        try seq.finish()
    }
}
