// SwiftletCrypto/X509: the keys `CertificateBuilder` signs with, and the writing of private keys to files.
// - `PrivateKey.pkcs8()` writes a PKCS#8 PrivateKeyInfo (RFC 5208 §5, version v1, no attributes, the form
//   `openssl genpkey` writes) for Ed25519 and X25519 (RFC 8410 §7: CurvePrivateKey, the 32-octet seed or
//   scalar in an OCTET STRING) and EC on P-256 and P-384 (RFC 5480 §2.1.1 namedCurve in the algorithm;
//   inside, RFC 5915 §3 ECPrivateKey version 1 with the scalar at the curve's full width, the parameters
//   left out since the algorithm names the curve, and the public point when known). `PrivateKey(pkcs8:)`
//   reads every one of them back. RSA keys are not written (`.unsupportedAlgorithm`).
// - `CertificateSigningKey` is a P-256 or Ed25519 key ready to sign certificates: its material (to write
//   to a file), its SubjectPublicKeyInfo (RFC 5480 §2, RFC 8410 §4) and its signatures in the form a
//   certificate carries them (the DER Ecdsa-Sig-Value of RFC 5758 §3.2 for ECDSA with SHA-256, the 64
//   raw octets for Ed25519, RFC 8410 §6).
// Key material passes through arrays that are not wiped here (as in PrivateKey.swift).

import Swiftlet

extension PrivateKey {
    /// The DER PKCS#8 PrivateKeyInfo of this key (see the file comment); `.unsupportedAlgorithm` for RSA.
    public func pkcs8() throws(CertificateError) -> [UInt8] {
        var w = DERWriter()
        switch self {
        case .ed25519(let seed), .x25519(let seed):
            guard seed.count == 32 else { throw .malformed(.badStructure) }
            let isEd = if case .ed25519 = self { true } else { false }
            w.sequence { info in
                info.integer(0)
                info.sequence { algorithm in algorithm.objectIdentifier(contents: isEd ? OID.ed25519 : OID.x25519) }
                var inner = DERWriter()
                inner.octetString(seed)
                info.octetString(inner.bytes)
            }
        case .ecdsa(let curve, let scalar, let publicKey):
            let width: Int, curveOID: [UInt8]
            switch curve {
            case .ecdsaP256: (width, curveOID) = (32, OID.prime256v1)
            case .ecdsaP384: (width, curveOID) = (48, OID.secp384r1)
            default: throw .unsupportedAlgorithm
            }
            guard scalar.count == width else { throw .malformed(.badStructure) }
            var inner = DERWriter()
            inner.sequence { ec in
                ec.integer(1)  // ecPrivkeyVer1
                ec.octetString(scalar)
                if let point = publicKey { ec.explicit(1) { tagged in tagged.bitString(point) } }
            }
            w.sequence { info in
                info.integer(0)
                info.sequence { algorithm in
                    algorithm.objectIdentifier(contents: OID.ecPublicKey)
                    algorithm.objectIdentifier(contents: curveOID)
                }
                info.octetString(inner.bytes)
            }
        case .rsa:
            throw .unsupportedAlgorithm
        }
        return w.bytes
    }

    /// The PEM "PRIVATE KEY" block of `pkcs8()` (RFC 7468 §10).
    public func pem() throws(CertificateError) -> [UInt8] {
        PEM.encode(label: PEM.privateKeyLabel, der: try pkcs8())
    }
}

/// A private key that signs certificates: ECDSA on P-256 with SHA-256, or Ed25519.
public struct CertificateSigningKey: Sendable {
    enum Signer: Sendable {
        case p256(P256PrivateKey)
        case ed25519(Ed25519PrivateKey)
    }

    /// The key's material, as `PrivateKey(pem:)` reads it and `PrivateKey.pkcs8()` writes it.
    public let privateKey: PrivateKey
    let signer: Signer

    /// The most scalars drawn when generating a P-256 key before giving up (each is refused with probability
    /// about 2^−32, so this is never reached with a working source).
    public static let maximumGenerationAttempts = 16

    /// The key made from `privateKey`: an `.ecdsa` P-256 key or an `.ed25519` key, else
    /// `.unsupportedAlgorithm`. A P-256 scalar of zero or not below the order is
    /// `.malformed(.integerOutOfRange)`; a public point carried with it that is not the scalar's is
    /// `.malformed(.badStructure)`.
    public init(_ privateKey: PrivateKey) throws(CertificateError) {
        switch privateKey {
        case .ecdsa(.ecdsaP256, let scalar, let publicKey):
            let key: P256PrivateKey
            do { key = try P256PrivateKey(rawScalar: scalar) } catch { throw .malformed(.integerOutOfRange) }
            if let point = publicKey, point != key.publicKey { throw .malformed(.badStructure) }
            self.privateKey = .ecdsa(curve: .ecdsaP256, scalar: scalar, publicKey: key.publicKey)
            signer = .p256(key)
        case .ed25519(let seed):
            do { signer = .ed25519(try Ed25519PrivateKey(seed: seed.span)) } catch { throw .malformed(.badStructure) }
            self.privateKey = privateKey
        default:
            throw .unsupportedAlgorithm
        }
    }

    /// A new key of `algorithm` (`.ecdsaP256` or `.ed25519`, else `.unsupportedAlgorithm`) from `random`
    /// (a `RandomGenerator` over the host's or the machine's entropy).
    public static func generate<R: Entropy>(_ algorithm: PublicKeyAlgorithm, using random: R) throws(CertificateError) -> CertificateSigningKey {
        var material = [UInt8](repeating: 0, count: 32)
        defer { ConstantTime.wipe(&material) }
        switch algorithm {
        case .ed25519:
            var span = material.mutableSpan
            random.fill(&span)
            return try CertificateSigningKey(.ed25519(seed: material))
        case .ecdsaP256:
            // Rejection sampling (FIPS 186-4 B.4.2): a scalar of 0 or ≥ n is drawn again.
            for _ in 0..<maximumGenerationAttempts {
                var span = material.mutableSpan
                random.fill(&span)
                if let key = try? P256PrivateKey(rawScalar: material) {
                    return try CertificateSigningKey(.ecdsa(curve: .ecdsaP256, scalar: material, publicKey: key.publicKey))
                }
            }
            throw .malformed(.integerOutOfRange)
        default:
            throw .unsupportedAlgorithm
        }
    }

    /// `.ecdsaP256` or `.ed25519`.
    public var algorithm: PublicKeyAlgorithm {
        switch signer {
        case .p256: .ecdsaP256
        case .ed25519: .ed25519
        }
    }

    /// The public key as a certificate carries it: the 65-octet uncompressed point, or 32 octets.
    public var publicKey: [UInt8] {
        switch signer {
        case .p256(let key): key.publicKey
        case .ed25519(let key): key.publicKey
        }
    }

    /// The algorithm of the signatures it makes: ecdsa-with-SHA256 or Ed25519.
    public var signatureAlgorithm: SignatureAlgorithm {
        switch signer {
        case .p256: .ecdsa(.sha256)
        case .ed25519: .ed25519
        }
    }

    /// The DER SubjectPublicKeyInfo of the public key (RFC 5480 §2: id-ecPublicKey with the namedCurve
    /// prime256v1; RFC 8410 §4: id-Ed25519 with the parameters absent).
    public var subjectPublicKeyInfoDER: [UInt8] {
        var w = DERWriter()
        w.sequence { spki in
            spki.sequence { algorithm in
                switch signer {
                case .p256:
                    algorithm.objectIdentifier(contents: OID.ecPublicKey)
                    algorithm.objectIdentifier(contents: OID.prime256v1)
                case .ed25519:
                    algorithm.objectIdentifier(contents: OID.ed25519)
                }
            }
            spki.bitString(publicKey)
        }
        return w.bytes
    }

    /// The parsed SubjectPublicKeyInfo (what `CertificateBuilder.issued` takes for the subject's key).
    public var subjectPublicKeyInfo: SubjectPublicKeyInfo {
        // What this file writes always parses; a failure would be a bug here, caught by the tests.
        try! SubjectPublicKeyInfo(derEncoded: subjectPublicKeyInfoDER)
    }

    /// The DER AlgorithmIdentifier of its signatures (RFC 5758 §3.2 and RFC 8410 §3: parameters absent).
    func writeSignatureAlgorithm(_ w: inout DERWriter) {
        w.sequence { algorithm in
            switch signer {
            case .p256: algorithm.objectIdentifier(contents: OID.ecdsaWithSHA256)
            case .ed25519: algorithm.objectIdentifier(contents: OID.ed25519)
            }
        }
    }

    /// The signature of `message` as the octets of a certificate's signatureValue BIT STRING.
    public func certificateSignature(_ message: [UInt8]) -> [UInt8] {
        switch signer {
        case .p256(let key):
            // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5758 §3.2, RFC 3279 §2.2.3).
            let raw = key.signature(for: message.span)
            var w = DERWriter()
            w.sequence { value in
                value.integer(unsignedBigEndian: Array(raw[0..<32]))
                value.integer(unsignedBigEndian: Array(raw[32..<64]))
            }
            return w.bytes
        case .ed25519(let key):
            return key.signature(for: message.span)
        }
    }
}
