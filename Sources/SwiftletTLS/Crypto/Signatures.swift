// SwiftletTLS / Crypto: CertificateVerify (RFC 8446 §4.4.3) over the signature schemes of §4.2.3: making
// this side's signature with its private key, checking the peer's against its certificate's key, and the
// scheme -> X.509 algorithm mapping for certificate signatures (signature_algorithms_cert).
//
// Signed content (§4.4.3): 64 bytes of 0x20 || "TLS 1.3, server CertificateVerify" (or "client") || 0x00 ||
// Transcript-Hash(handshake context, Certificate). TLS 1.3 rules kept here: RSA signs with RSASSA-PSS only,
// salt length = hash length (§4.2.3); rsa_pss_rsae_* go with an rsaEncryption key and rsa_pss_pss_* with an
// id-RSASSA-PSS key; ECDSA binds the curve to the hash (ecdsa_secp256r1_sha256 needs P-256); rsa_pkcs1_*
// never appear in CertificateVerify (§4.4.3) though certificates may carry them. ECDSA signatures are the
// DER Ecdsa-Sig-Value (RFC 8446 §4.2.3, RFC 5480 / RFC 3279 §2.2.3).

import Swiftlet
import SwiftletCrypto

/// The content a CertificateVerify signature covers (§4.4.3).
public enum CertificateVerifyContent {
    /// 64 × 0x20 || "TLS 1.3, server CertificateVerify" (or ", client ...") || 0x00 || `transcriptHash`.
    public static func make(server: Bool, transcriptHash: [UInt8]) -> [UInt8] {
        let context = Array((server ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify").utf8)
        var out = [UInt8](repeating: 0x20, count: 64)
        out.reserveCapacity(64 + context.count + 1 + transcriptHash.count)
        out.append(contentsOf: context)
        out.append(0)
        out.append(contentsOf: transcriptHash)
        return out
    }
}

/// This side's private key for CertificateVerify.
public enum TLSSigningKey: Sendable {
    case ecdsaP256(P256PrivateKey)
    case ed25519(Ed25519PrivateKey)
    /// An RSA key under rsaEncryption: signs rsa_pss_rsae_* (§4.2.3).
    case rsa(RSAPrivateKey)
    /// An RSA key restricted to RSASSA-PSS (id-RSASSA-PSS, RFC 4055 §1.2): signs rsa_pss_pss_* (§4.2.3).
    case rsaPSS(RSAPrivateKey)

    /// The key from SwiftletCrypto's `PrivateKey` (a PEM or DER file). Keys TLS 1.3 cannot sign with here
    /// (P-384, X25519) and keys the primitives refuse (a scalar out of range, RSA components that do not
    /// hold together or a modulus outside 2048...4096 bits) are `.alert(.internalError)`: a configuration
    /// error of this side, found when the certificate is loaded.
    public init(_ key: PrivateKey) throws(TLSError) {
        guard let made = Self.make(key) else { throw .alert(.internalError) }
        self = made
    }

    /// The signing key, nil when TLS 1.3 cannot use it here or the primitive refuses it.
    private static func make(_ key: PrivateKey) -> TLSSigningKey? {
        do throws(CryptoError) {
            switch key {
            case .ed25519(let seed):
                return .ed25519(try Ed25519PrivateKey(seed: seed.span))
            case .ecdsa(let curve, let scalar, _):
                guard curve == .ecdsaP256 else { return nil }
                return .ecdsaP256(try P256PrivateKey(rawScalar: scalar))
            case .rsa(let components):
                let rsa = try components.key()
                return components.restrictedToPSS ? .rsaPSS(rsa) : .rsa(rsa)
            case .x25519:
                return nil
            }
        } catch {
            return nil
        }
    }

    /// The schemes this key can make in TLS 1.3, most preferred first (§4.2.3). Never rsa_pkcs1_*.
    public var schemes: [SignatureScheme] {
        switch self {
        case .ecdsaP256: [.ecdsaSecp256r1SHA256]
        case .ed25519: [.ed25519]
        case .rsa: [.rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512]
        case .rsaPSS: [.rsaPSSPSSSHA256, .rsaPSSPSSSHA384, .rsaPSSPSSSHA512]
        }
    }

    /// Signs a CertificateVerify `content` (see `CertificateVerifyContent`) with `scheme`, which must be one
    /// of `schemes` (else `.alert(.internalError)`: the handshake picks from `schemes`). ECDSA: RFC 6979
    /// deterministic nonce, DER Ecdsa-Sig-Value; RSA-PSS: MGF1 with the same hash, a salt of hash length
    /// drawn from `random`; Ed25519: pure. A failure of the primitive (RSA's fault check) is
    /// `.alert(.internalError)`.
    public func sign<R: Entropy>(scheme: SignatureScheme, content: [UInt8], random: R) throws(TLSError) -> [UInt8] {
        switch self {
        case .ecdsaP256(let key):
            guard scheme == .ecdsaSecp256r1SHA256 else { throw .alert(.internalError) }
            return ECDSASignatureDER.encode(raw: key.signature(for: content.span))
        case .ed25519(let key):
            guard scheme == .ed25519 else { throw .alert(.internalError) }
            return key.signature(for: content.span)
        case .rsa(let key), .rsaPSS(let key):
            guard schemes.contains(scheme), let hash = TLSSignatureCheck.pssHash(scheme) else { throw .alert(.internalError) }
            let digest = hash.hash(content.span)
            var salt = [UInt8](repeating: 0, count: hash.digestLength)
            var saltSpan = salt.mutableSpan
            random.fill(&saltSpan)
            do {
                return try key.signPSS(digest: digest.span, hash: hash, salt: salt.span)
            } catch {
                throw .alert(.internalError)
            }
        }
    }
}

/// Checking a peer's CertificateVerify, and the scheme -> X.509 algorithm mapping.
public enum TLSSignatureCheck {
    /// Verifies a peer's CertificateVerify signature over `content` with the key of its end-entity
    /// certificate. The scheme must be one TLS 1.3 allows in CertificateVerify (ecdsa_secp256r1_sha256,
    /// ecdsa_secp384r1_sha384, rsa_pss_rsae_*, rsa_pss_pss_*, ed25519) and match the key (P-256, P-384,
    /// rsaEncryption, id-RSASSA-PSS, Ed25519 respectively), else `.alert(.illegalParameter)`; rsa_pkcs1_* is
    /// refused so. A signature that does not verify is `.alert(.decryptError)` (§4.4.3). Whether the peer
    /// may use `scheme` at all (it was offered in signature_algorithms) is the handshake's check.
    public static func verify(scheme: SignatureScheme, publicKey: SubjectPublicKeyInfo, content: [UInt8], signature: [UInt8]) throws(TLSError) {
        let needed: PublicKeyAlgorithm
        switch scheme {
        case .ecdsaSecp256r1SHA256: needed = .ecdsaP256
        case .ecdsaSecp384r1SHA384: needed = .ecdsaP384
        case .rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512: needed = .rsa
        case .rsaPSSPSSSHA256, .rsaPSSPSSSHA384, .rsaPSSPSSSHA512: needed = .rsaPSS
        case .ed25519: needed = .ed25519
        default: throw .alert(.illegalParameter)
        }
        guard publicKey.algorithm == needed, let algorithm = algorithm(for: scheme) else { throw .alert(.illegalParameter) }
        do {
            try SignatureVerifier().verify(algorithm: algorithm, publicKey: publicKey, message: content.span, signature: signature.span)
        } catch {
            throw .alert(.decryptError)
        }
    }

    /// The X.509 signature algorithm a scheme names (§4.2.3), for checking certificate signatures against
    /// signature_algorithms_cert: rsa_pkcs1_* are allowed here. nil for schemes this stack cannot verify
    /// (Ed448, SHA-1 and legacy values, unknown ones).
    public static func algorithm(for scheme: SignatureScheme) -> SignatureAlgorithm? {
        switch scheme {
        case .ecdsaSecp256r1SHA256: .ecdsa(.sha256)
        case .ecdsaSecp384r1SHA384: .ecdsa(.sha384)
        case .ecdsaSecp521r1SHA512: .ecdsa(.sha512)
        case .rsaPKCS1SHA256: .rsaPKCS1(.sha256)
        case .rsaPKCS1SHA384: .rsaPKCS1(.sha384)
        case .rsaPKCS1SHA512: .rsaPKCS1(.sha512)
        case .ed25519: .ed25519
        default:
            if let hash = pssHash(scheme) { .rsaPSS(hash: hash, saltLength: hash.digestLength) } else { nil }
        }
    }

    /// The hash of an RSASSA-PSS scheme (rsae or pss), nil for any other scheme.
    static func pssHash(_ scheme: SignatureScheme) -> HashAlgorithm? {
        switch scheme {
        case .rsaPSSRSAESHA256, .rsaPSSPSSSHA256: .sha256
        case .rsaPSSRSAESHA384, .rsaPSSPSSSHA384: .sha384
        case .rsaPSSRSAESHA512, .rsaPSSPSSSHA512: .sha512
        default: nil
        }
    }
}

/// The DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } of a raw r || s signature (RFC 3279
/// §2.2.3). Each integer is minimal: leading zero bytes dropped, one 0x00 put back when the top bit is set.
enum ECDSASignatureDER {
    static func encode(raw: [UInt8]) -> [UInt8] {
        let half = raw.count / 2
        let r = integer(raw[0..<half]), s = integer(raw[half..<raw.count])
        var out: [UInt8] = [0x30]
        appendLength(r.count + s.count, to: &out)
        out.append(contentsOf: r)
        out.append(contentsOf: s)
        return out
    }

    /// The INTEGER TLV of a big-endian magnitude (public values: r and s are sent anyway).
    private static func integer(_ magnitude: ArraySlice<UInt8>) -> [UInt8] {
        var body = Array(magnitude.drop(while: { $0 == 0 }))
        if body.isEmpty || body[0] & 0x80 != 0 { body.insert(0, at: 0) }
        var out: [UInt8] = [0x02]
        appendLength(body.count, to: &out)
        out.append(contentsOf: body)
        return out
    }

    private static func appendLength(_ n: Int, to out: inout [UInt8]) {
        if n < 0x80 {
            out.append(UInt8(n))
        } else if n <= 0xFF {
            out.append(0x81); out.append(UInt8(n))
        } else {
            out.append(0x82); out.append(UInt8(truncatingIfNeeded: n >> 8)); out.append(UInt8(truncatingIfNeeded: n))
        }
    }
}
