// SwiftletCrypto/X509: AlgorithmIdentifier (RFC 5280 §4.1.1.2) for signatures and SubjectPublicKeyInfo
// (§4.1.2.7) for public keys, reduced to what TLS 1.3 verifies: ECDSA with SHA-256/384/512 (RFC 5758 §3.2,
// parameters absent), RSA PKCS#1 v1.5 with SHA-256/384/512 (RFC 4055 §5, parameters NULL or absent),
// RSASSA-PSS (RFC 4055 §3.1, with SHA-256/384/512, MGF1 over the same hash and trailer field 1), Ed25519
// (RFC 8410 §3, parameters absent). Any other algorithm parses as `.unsupported` so that a certificate
// signed with it can be read, but never verified. Keys: Ed25519 and X25519 (RFC 8410 §4, 32 bytes), EC on
// P-256 and P-384 (RFC 5480 §2.1.1, namedCurve only; uncompressed or compressed point of the right length),
// RSA (RFC 3279 §2.3.1, RSAPublicKey; also under id-RSASSA-PSS, RFC 4055 §1.2, its parameters not enforced).

/// A certificate's signature algorithm, as `CertificateSignatureVerifier` receives it.
public enum SignatureAlgorithm: Hashable, Sendable {
    /// ecdsa-with-SHA256/384/512; the signature is a DER `Ecdsa-Sig-Value` (RFC 5758 §3.2).
    case ecdsa(HashAlgorithm)
    /// sha256/384/512WithRSAEncryption: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    case rsaPKCS1(HashAlgorithm)
    /// RSASSA-PSS (RFC 8017 §8.1) with MGF1 over the same hash and this salt length.
    case rsaPSS(hash: HashAlgorithm, saltLength: Int)
    /// Ed25519 (RFC 8032 §5.1), pure.
    case ed25519
    /// Anything else (SHA-1, MD5, DSA, PSS with SHA-1 or mismatched hashes, Ed448...): never verified.
    case unsupported

    /// Whether a key of kind `key` can make signatures of this algorithm (RFC 5480 §2.1.1, RFC 4055 §1.2,
    /// RFC 8410 §3). A mismatch never verifies.
    public func accepts(_ key: PublicKeyAlgorithm) -> Bool {
        switch self {
        case .ecdsa: key == .ecdsaP256 || key == .ecdsaP384
        case .rsaPKCS1: key == .rsa
        case .rsaPSS: key == .rsa || key == .rsaPSS
        case .ed25519: key == .ed25519
        case .unsupported: false
        }
    }

    /// Reads an AlgorithmIdentifier for a signature. Structure errors throw; an algorithm we do not verify is
    /// `.unsupported`.
    static func read(_ reader: inout DERReader) throws(DERError) -> SignatureAlgorithm {
        var seq = try reader.sequence()
        let oid = try seq.objectIdentifier()
        let result: SignatureAlgorithm
        if seq.isOID(oid, OID.ecdsaWithSHA256) || seq.isOID(oid, OID.ecdsaWithSHA384) || seq.isOID(oid, OID.ecdsaWithSHA512) {
            // RFC 5758 §3.2: the parameters field MUST be absent.
            let hash: HashAlgorithm = seq.isOID(oid, OID.ecdsaWithSHA256) ? .sha256 : seq.isOID(oid, OID.ecdsaWithSHA384) ? .sha384 : .sha512
            result = .ecdsa(hash)
        } else if seq.isOID(oid, OID.sha256WithRSAEncryption) || seq.isOID(oid, OID.sha384WithRSAEncryption) || seq.isOID(oid, OID.sha512WithRSAEncryption) {
            // RFC 4055 §5: NULL, and implementations accept it absent.
            if seq.nextTag == DERTag.null { try seq.null() }
            let hash: HashAlgorithm = seq.isOID(oid, OID.sha256WithRSAEncryption) ? .sha256 : seq.isOID(oid, OID.sha384WithRSAEncryption) ? .sha384 : .sha512
            result = .rsaPKCS1(hash)
        } else if seq.isOID(oid, OID.ed25519) {
            result = .ed25519  // RFC 8410 §3: parameters absent (checked by finish below)
        } else if seq.isOID(oid, OID.rsassaPSS) {
            result = try readPSSParameters(&seq)
        } else {
            if !seq.isAtEnd { _ = try seq.next() }  // parameters of an algorithm we do not know
            result = .unsupported
        }
        try seq.finish()
        return result
    }

    /// RSASSA-PSS-params (RFC 4055 §3.1; RFC 8017 App. A.2.3). Every field has a SHA-1 default, so absent
    /// parameters or an absent hash are `.unsupported`; so are a mask generation function other than MGF1 over
    /// the signature's hash, and a trailer field other than 1.
    private static func readPSSParameters(_ outer: inout DERReader) throws(DERError) -> SignatureAlgorithm {
        guard outer.nextTag == DERTag.sequence else {
            if !outer.isAtEnd { _ = try outer.next() }
            return .unsupported
        }
        var params = try outer.sequence()
        var hash: HashAlgorithm?
        var mgfHash: HashAlgorithm?
        var salt = 20
        var supported = true
        if let e = try params.optional(DERTag.contextConstructed(0)) {
            var explicit = try params.reader(into: e)
            hash = try readHashIdentifier(&explicit)
            try explicit.finish()
        }
        if let e = try params.optional(DERTag.contextConstructed(1)) {
            var explicit = try params.reader(into: e)
            var mgf = try explicit.sequence()
            let mgfOID = try mgf.objectIdentifier()
            if mgf.isOID(mgfOID, OID.mgf1) {
                mgfHash = try readHashIdentifier(&mgf)
            } else {
                supported = false
                if !mgf.isAtEnd { _ = try mgf.next() }
            }
            try mgf.finish()
            try explicit.finish()
        }
        if let e = try params.optional(DERTag.contextConstructed(2)) {
            var explicit = try params.reader(into: e)
            salt = try explicit.smallInteger(maximum: 4096)
            try explicit.finish()
        }
        if let e = try params.optional(DERTag.contextConstructed(3)) {
            var explicit = try params.reader(into: e)
            if try explicit.smallInteger() != 1 { supported = false }
            try explicit.finish()
        }
        try params.finish()
        guard supported, let h = hash, let m = mgfHash, h == m else { return .unsupported }
        return .rsaPSS(hash: h, saltLength: salt)
    }

    /// A hash AlgorithmIdentifier (parameters NULL or absent, RFC 5754 §2); nil for a hash we do not use.
    private static func readHashIdentifier(_ reader: inout DERReader) throws(DERError) -> HashAlgorithm? {
        var seq = try reader.sequence()
        let oid = try seq.objectIdentifier()
        let hash: HashAlgorithm?
        if seq.isOID(oid, OID.sha256) { hash = .sha256 }
        else if seq.isOID(oid, OID.sha384) { hash = .sha384 }
        else if seq.isOID(oid, OID.sha512) { hash = .sha512 }
        else {
            hash = nil
            if !seq.isAtEnd { _ = try seq.next() }
        }
        if hash != nil, seq.nextTag == DERTag.null { try seq.null() }
        try seq.finish()
        return hash
    }
}

/// The kind of a public (or private) key.
public enum PublicKeyAlgorithm: Hashable, Sendable {
    case ed25519, x25519, ecdsaP256, ecdsaP384, rsa
    /// An RSA key restricted to RSASSA-PSS (id-RSASSA-PSS as the key's algorithm, RFC 4055 §1.2); its
    /// parameters, if any, are not kept.
    case rsaPSS
    /// DSA, other curves, Ed448, RSA-PSS-restricted keys...: parsed, never used.
    case unsupported
}

/// A SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): the algorithm and the key, as ranges into its own bytes.
public struct SubjectPublicKeyInfo: Sendable {
    /// The bytes the ranges refer to (a whole certificate, or the SPKI alone).
    public let bytes: [UInt8]
    /// The whole DER SubjectPublicKeyInfo.
    public let encoded: Range<Int>
    public let algorithm: PublicKeyAlgorithm
    /// The subjectPublicKey octets: 32 bytes for Ed25519/X25519, the SEC1 point (0x04 || X || Y, or a
    /// compressed point) for EC, the DER RSAPublicKey for RSA; whatever was there for `.unsupported`.
    public let key: Range<Int>
    /// For RSA: the modulus and public exponent, big-endian without a sign octet; empty otherwise.
    public let rsaModulus: Range<Int>
    public let rsaExponent: Range<Int>

    /// The raw key bytes (see `key`).
    public var keyBytes: [UInt8] { Array(bytes[key]) }
    /// The RSA modulus n (empty unless `.rsa`).
    public var modulus: [UInt8] { Array(bytes[rsaModulus]) }
    /// The RSA public exponent e (empty unless `.rsa`).
    public var exponent: [UInt8] { Array(bytes[rsaExponent]) }
    /// The DER encoding of the whole SubjectPublicKeyInfo.
    public var derEncoded: [UInt8] { Array(bytes[encoded]) }

    /// Parses a DER SubjectPublicKeyInfo on its own (a "PUBLIC KEY" PEM block).
    public init(derEncoded der: [UInt8]) throws(DERError) {
        try DER.checkStructure(der, 0..<der.count)
        var reader = try DERReader(der)
        try self.init(&reader)
        try reader.finish()
    }

    init(_ reader: inout DERReader) throws(DERError) {
        let element = try reader.next(DERTag.sequence)
        var spki = try reader.reader(into: element)
        bytes = reader.bytes
        encoded = element.encoded
        var algo = try spki.sequence()
        let oid = try algo.objectIdentifier()
        var kind = PublicKeyAlgorithm.unsupported
        if algo.isOID(oid, OID.ed25519) { kind = .ed25519 }
        else if algo.isOID(oid, OID.x25519) { kind = .x25519 }
        else if algo.isOID(oid, OID.rsaEncryption) {
            kind = .rsa
            if algo.nextTag == DERTag.null { try algo.null() }  // RFC 3279 §2.3.1: NULL
        } else if algo.isOID(oid, OID.rsassaPSS) {
            kind = .rsaPSS
            if !algo.isAtEnd { _ = try algo.next(DERTag.sequence) }  // RSASSA-PSS-params, not enforced
        } else if algo.isOID(oid, OID.ecPublicKey) {
            // RFC 5480 §2.1.1: ECParameters, of which only namedCurve is allowed.
            if algo.nextTag == DERTag.objectIdentifier {
                let curve = try algo.objectIdentifier()
                if algo.isOID(curve, OID.prime256v1) { kind = .ecdsaP256 }
                else if algo.isOID(curve, OID.secp384r1) { kind = .ecdsaP384 }
            } else if !algo.isAtEnd { _ = try algo.next() }
        } else if !algo.isAtEnd { _ = try algo.next() }
        try algo.finish()
        var modulus = 0..<0, exponent = 0..<0
        let keyRange: Range<Int>
        if kind == .unsupported {
            keyRange = try spki.bitString().bits
        } else {
            keyRange = try spki.octetAlignedBitString()
        }
        switch kind {
        case .ed25519, .x25519:
            guard keyRange.count == 32 else { throw .badStructure }
        case .ecdsaP256, .ecdsaP384:
            let size = kind == .ecdsaP256 ? 32 : 48
            guard let first = keyRange.isEmpty ? nil : bytes[keyRange.lowerBound],
                  (first == 0x04 && keyRange.count == 1 + 2 * size) || ((first == 0x02 || first == 0x03) && keyRange.count == 1 + size)
            else { throw .badStructure }
        case .rsa, .rsaPSS:
            var inner = try spki.encapsulated(keyRange)
            var rsa = try inner.sequence()
            modulus = try rsa.unsignedInteger()
            exponent = try rsa.unsignedInteger()
            try rsa.finish()
            try inner.finish()
        case .unsupported:
            break
        }
        try spki.finish()
        algorithm = kind
        key = keyRange
        rsaModulus = modulus
        rsaExponent = exponent
    }
}
