// SwiftletCrypto/X509: the certificate signature verifier over this module's own primitives — what a
// kernel gives `ChainValidator`. Ed25519 (RFC 8032 §5.1.7, over the tbsCertificate itself), ECDSA on P-256
// and P-384 (the DER Ecdsa-Sig-Value of RFC 5758 §3.2 read strictly, r and s at most the curve's width),
// RSA PKCS#1 v1.5 and PSS (RFC 8017 §8.2, §8.1; PSS with the salt length the certificate names). Every
// input is public; any refusal is a CryptoError, which the validator reports as a bad signature.

public struct SignatureVerifier: CertificateSignatureVerifier {
    public init() {}

    public func verify(algorithm: SignatureAlgorithm, publicKey: SubjectPublicKeyInfo,
                       message: Span<UInt8>, signature: Span<UInt8>) throws(CryptoError) {
        switch algorithm {
        case .ed25519:
            guard publicKey.algorithm == .ed25519 else { throw .badPoint }
            let key = publicKey.keyBytes
            try Ed25519.verify(signature: signature, message: message, publicKey: key.span)
        case .ecdsa(let hash):
            let digest = hash.hash(message), key = publicKey.keyBytes
            switch publicKey.algorithm {
            case .ecdsaP256:
                let raw = try Self.ecdsaSignature(signature, width: 32)
                try P256.verify(signature: raw.span, digest: digest.span, publicKey: key.span)
            case .ecdsaP384:
                let raw = try Self.ecdsaSignature(signature, width: 48)
                try P384.verify(signature: raw.span, digest: digest.span, publicKey: key.span)
            default:
                throw .badPoint
            }
        case .rsaPKCS1(let hash):
            guard publicKey.algorithm == .rsa else { throw .badLength }
            let n = publicKey.modulus, e = publicKey.exponent, digest = hash.hash(message)
            try RSAPublicKey(modulus: n.span, exponent: e.span).verifyPKCS1v15(signature: signature, digest: digest.span, hash: hash)
        case .rsaPSS(let hash, let saltLength):
            guard publicKey.algorithm == .rsa || publicKey.algorithm == .rsaPSS else { throw .badLength }
            let n = publicKey.modulus, e = publicKey.exponent, digest = hash.hash(message)
            try RSAPublicKey(modulus: n.span, exponent: e.span).verifyPSS(signature: signature, digest: digest.span, hash: hash, saltLength: saltLength)
        case .unsupported:
            throw .authenticationFailure
        }
    }

    /// r || s, each left-padded to `width` bytes, from a DER `SEQUENCE { INTEGER r, INTEGER s }` with
    /// nothing after it. Malformed DER is `.authenticationFailure`; an integer wider than the curve (or
    /// negative) is `.badScalar`. The verifier then refuses r or s of zero or not below the order.
    static func ecdsaSignature(_ der: Span<UInt8>, width: Int) throws(CryptoError) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(der.count)
        for i in 0..<der.count { bytes.append(der[i]) }
        let r: Range<Int>, s: Range<Int>
        do {
            try DER.checkStructure(bytes, 0..<bytes.count)
            var top = try DERReader(bytes)
            var sequence = try top.sequence()
            r = try sequence.unsignedInteger()
            s = try sequence.unsignedInteger()
            try sequence.finish()
            try top.finish()
        } catch .integerOutOfRange {
            throw .badScalar
        } catch {
            throw .authenticationFailure
        }
        guard r.count <= width, s.count <= width else { throw .badScalar }
        var raw = [UInt8](repeating: 0, count: 2 * width)
        for (k, i) in r.enumerated() { raw[width - r.count + k] = bytes[i] }
        for (k, i) in s.enumerated() { raw[2 * width - s.count + k] = bytes[i] }
        return raw
    }
}
