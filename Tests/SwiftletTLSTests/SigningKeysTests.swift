// Tests of Crypto/Signatures.swift: CertificateVerify signing with each key type and verification through
// TLSSignatureCheck, signatures checked by Python `cryptography` (P-256 and RSA-PSS verified, Ed25519 equal),
// one from another implementation (Botan) checked here, and one test per refusal.
import Testing
import Swiftlet
import SwiftletCrypto
@testable import SwiftletTLS

@Suite struct SigningKeysTests {
    /// The §3 server CertificateVerify content (the hash of ClientHello..Certificate).
    static let content = CertificateVerifyContent.make(server: true, transcriptHash: KSV.s3CertificateHash)

    /// Made here by `sign` (P-256 key, RFC 6979 nonce) over `content`; Python `cryptography` 38 verified it
    /// with the key's SubjectPublicKeyInfo (ECDSA, SHA-256).
    static let p256Signature = bytes(hex: """
        3046022100fad673a7d6e7e25062a17cfb24f82fd2abe6110aedad2dc992e9b25f2c399d4202210088a1dd6d0a4b2264
        f0b881ca9b5e35a342362221c2c64e918887e4920a505e64
        """)
    /// Made here by `sign` (RSA-2048, rsa_pss_rsae_sha256, salt from SeededKeysEntropy(seed: 2)); Python
    /// `cryptography` 38 verified it (PSS, MGF1-SHA-256, salt length 32).
    static let rsaSignature = bytes(hex: """
        242c31d7b0040b6c005c35b6cf626d02f7db0794aa8a487f730547d8b8427066858fe5e3f17fac39be6db77509bd2994
        9a9759d91d0b723e918967e1f2fe5a684dc7bcb2044bab865b6fa5b4e29d5ecfdbe17bb97d60711604ef6882ce58be1f
        e59f8fcdc2b174879b6637ac8885b6f8c1bfd9a2ca6339b60510b12cc6640bbf157af255a6011953eb8c24741fa72ccd
        b01641ec4a8deafd2d66943ae3628be2d6fd60361d8d09dcab3c16cbb23381cb41051b051e22b80653666eb26e744ec2
        f4fcf5f72f6cad6c5463c67788927db7779ddfe1866b96c3e061dc6355237af8553f8e512fc440d3591b5ab6e3636863
        30b74dacb6d937ce91fe2b9896860645
        """)
    /// Ed25519 over `content`: equal to what Python `cryptography` 38 makes with the same key.
    static let ed25519Signature = bytes(hex: """
        b784403468040281e980d779c5d5b4cc8dbc26d84f6bd7ed2dabcbff7a646365de7f98781b0b72732507d8f09cbad39d
        d25c6607eaea6c9a7a640d7eeae88a02
        """)

    private func key(_ pkcs8: [UInt8]) throws -> TLSSigningKey {
        try TLSSigningKey(try PrivateKey(pkcs8: pkcs8))
    }

    private func spki(_ der: [UInt8]) throws -> SubjectPublicKeyInfo {
        try SubjectPublicKeyInfo(derEncoded: der)
    }

    @Test func signaturesMatchPython() throws {
        #expect(try key(KSV.p256PKCS8).sign(scheme: .ecdsaSecp256r1SHA256, content: Self.content, random: SeededKeysEntropy(seed: 1)) == Self.p256Signature)
        #expect(try key(KSV.rsaPKCS8).sign(scheme: .rsaPSSRSAESHA256, content: Self.content, random: SeededKeysEntropy(seed: 2)) == Self.rsaSignature)
        #expect(try key(KSV.ed25519PKCS8).sign(scheme: .ed25519, content: Self.content, random: SeededKeysEntropy(seed: 3)) == Self.ed25519Signature)
        try TLSSignatureCheck.verify(scheme: .ecdsaSecp256r1SHA256, publicKey: spki(KSV.p256SPKI), content: Self.content, signature: Self.p256Signature)
        try TLSSignatureCheck.verify(scheme: .rsaPSSRSAESHA256, publicKey: spki(KSV.rsaSPKI), content: Self.content, signature: Self.rsaSignature)
        try TLSSignatureCheck.verify(scheme: .ed25519, publicKey: spki(KSV.ed25519SPKI), content: Self.content, signature: Self.ed25519Signature)
    }

    /// Every scheme each key offers signs, and the signature verifies; schemes are in preference order.
    @Test func signAndVerifyEachKeyType() throws {
        let cases: [([UInt8], [UInt8], [SignatureScheme])] = [
            (KSV.p256PKCS8, KSV.p256SPKI, [.ecdsaSecp256r1SHA256]),
            (KSV.ed25519PKCS8, KSV.ed25519SPKI, [.ed25519]),
            (KSV.rsaPKCS8, KSV.rsaSPKI, [.rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512]),
        ]
        let random = SeededKeysEntropy(seed: 9)
        for (pkcs8, der, schemes) in cases {
            let k = try key(pkcs8)
            #expect(k.schemes == schemes)
            for scheme in k.schemes {
                let content = CertificateVerifyContent.make(server: false, transcriptHash: SHA384.hash([scheme.rawValue.bytes].flatMap { $0 }))
                let sig = try k.sign(scheme: scheme, content: content, random: random)
                try TLSSignatureCheck.verify(scheme: scheme, publicKey: spki(der), content: content, signature: sig)
            }
        }
    }

    /// An RSA key under id-RSASSA-PSS (RFC 4055 §1.2) signs and verifies rsa_pss_pss_* only.
    @Test func pssRestrictedRSAKey() throws {
        let k = try key(Self.underPSS(KSV.rsaPKCS8))
        let pssKey = try spki(Self.underPSS(KSV.rsaSPKI))
        #expect(pssKey.algorithm == .rsaPSS)
        #expect(k.schemes == [.rsaPSSPSSSHA256, .rsaPSSPSSSHA384, .rsaPSSPSSSHA512])
        let sig = try k.sign(scheme: .rsaPSSPSSSHA384, content: Self.content, random: SeededKeysEntropy(seed: 5))
        try TLSSignatureCheck.verify(scheme: .rsaPSSPSSSHA384, publicKey: pssKey, content: Self.content, signature: sig)
        #expect(throws: TLSError.alert(.illegalParameter)) {
            try TLSSignatureCheck.verify(scheme: .rsaPSSRSAESHA384, publicKey: pssKey, content: Self.content, signature: sig)
        }
        #expect(throws: TLSError.alert(.internalError)) {
            _ = try k.sign(scheme: .rsaPSSRSAESHA256, content: Self.content, random: SeededKeysEntropy(seed: 5))
        }
    }

    /// The same RSA key or SPKI DER with its AlgorithmIdentifier rsaEncryption/NULL rewritten to
    /// id-RSASSA-PSS without parameters (two bytes shorter; the outer length has two bytes, 30 82 xx xx).
    static func underPSS(_ der: [UInt8]) -> [UInt8] {
        let old = bytes(hex: "300d06092a864886f70d0101010500"), new = bytes(hex: "300b06092a864886f70d01010a")
        var out = der
        for i in 0...(der.count - old.count) where Array(der[i..<(i + old.count)]) == old {
            out.replaceSubrange(i..<(i + old.count), with: new)
            break
        }
        let length = (Int(out[2]) << 8 | Int(out[3])) - 2
        out[2] = UInt8(length >> 8)
        out[3] = UInt8(length & 0xFF)
        return out
    }

    /// A CertificateVerify made by Botan (ECDSA P-256, its RFC 8448-style client-authentication trace).
    @Test func verifiesAnotherImplementationsECDSA() throws {
        try TLSSignatureCheck.verify(scheme: .ecdsaSecp256r1SHA256, publicKey: spki(KSV.ecdsaServerSPKI),
                                     content: KSV.ecdsaServerCertificateVerifyContent, signature: KSV.ecdsaServerSignature)
    }

    /// A scheme that does not match the key, or is not allowed in CertificateVerify, is illegal_parameter.
    @Test func wrongSchemeForKeyIsIllegalParameter() throws {
        let p256 = try spki(KSV.p256SPKI), rsa = try spki(KSV.rsaSPKI), ed = try spki(KSV.ed25519SPKI), p384 = try spki(KSV.p384SPKI)
        let refusals: [(SignatureScheme, SubjectPublicKeyInfo)] = [
            (.ed25519, p256), (.ecdsaSecp384r1SHA384, p256), (.rsaPSSRSAESHA256, p256),
            (.ecdsaSecp256r1SHA256, p384), (.ecdsaSecp256r1SHA256, rsa), (.ecdsaSecp256r1SHA256, ed),
            (.rsaPSSPSSSHA256, rsa),                      // rsa_pss_pss needs an id-RSASSA-PSS key
            (.rsaPKCS1SHA256, rsa), (.rsaPKCS1SHA384, rsa), (.rsaPKCS1SHA512, rsa),   // never in CertificateVerify
            (.ed448, ed), (.ecdsaSecp521r1SHA512, p256), (SignatureScheme(rawValue: 0x0201), rsa),
        ]
        for (scheme, key) in refusals {
            #expect(throws: TLSError.alert(.illegalParameter)) {
                try TLSSignatureCheck.verify(scheme: scheme, publicKey: key, content: Self.content, signature: Self.p256Signature)
            }
        }
    }

    /// A tampered signature, content or truncated signature is decrypt_error.
    @Test func tamperedSignatureIsDecryptError() throws {
        let cases: [(SignatureScheme, [UInt8], [UInt8])] = [
            (.ecdsaSecp256r1SHA256, KSV.p256SPKI, Self.p256Signature),
            (.rsaPSSRSAESHA256, KSV.rsaSPKI, Self.rsaSignature),
            (.ed25519, KSV.ed25519SPKI, Self.ed25519Signature),
        ]
        for (scheme, der, sig) in cases {
            let key = try spki(der)
            for i in [0, 5, sig.count / 2, sig.count - 1] {
                var bad = sig
                bad[i] ^= 0x04
                #expect(throws: TLSError.alert(.decryptError)) {
                    try TLSSignatureCheck.verify(scheme: scheme, publicKey: key, content: Self.content, signature: bad)
                }
            }
            var content = Self.content
            content[content.count - 1] ^= 1
            #expect(throws: TLSError.alert(.decryptError)) {
                try TLSSignatureCheck.verify(scheme: scheme, publicKey: key, content: content, signature: sig)
            }
            #expect(throws: TLSError.alert(.decryptError)) {
                try TLSSignatureCheck.verify(scheme: scheme, publicKey: key, content: Self.content, signature: Array(sig.dropLast()))
            }
            #expect(throws: TLSError.alert(.decryptError)) {
                try TLSSignatureCheck.verify(scheme: scheme, publicKey: key, content: Self.content, signature: [])
            }
        }
    }

    /// Keys TLS 1.3 cannot sign with here are internal_error when loaded; a scheme the key does not make
    /// (rsa_pkcs1 among them) is internal_error when signing.
    @Test func unusableKeysAndSchemesAreRefused() throws {
        #expect(throws: TLSError.alert(.internalError)) { _ = try TLSSigningKey(try PrivateKey(pkcs8: KSV.p384PKCS8)) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try TLSSigningKey(try PrivateKey(pkcs8: KSV.x25519PKCS8)) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try TLSSigningKey(.ed25519(seed: [1, 2, 3])) }
        let r = SeededKeysEntropy(seed: 4)
        #expect(throws: TLSError.alert(.internalError)) { _ = try key(KSV.rsaPKCS8).sign(scheme: .rsaPKCS1SHA256, content: Self.content, random: r) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try key(KSV.rsaPKCS8).sign(scheme: .rsaPSSPSSSHA256, content: Self.content, random: r) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try key(KSV.p256PKCS8).sign(scheme: .ed25519, content: Self.content, random: r) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try key(KSV.ed25519PKCS8).sign(scheme: .ecdsaSecp256r1SHA256, content: Self.content, random: r) }
    }

    /// The scheme -> X.509 algorithm mapping for certificate signatures (rsa_pkcs1 allowed there).
    @Test func algorithmMapping() {
        #expect(TLSSignatureCheck.algorithm(for: .rsaPKCS1SHA256) == .rsaPKCS1(.sha256))
        #expect(TLSSignatureCheck.algorithm(for: .rsaPKCS1SHA512) == .rsaPKCS1(.sha512))
        #expect(TLSSignatureCheck.algorithm(for: .ecdsaSecp384r1SHA384) == .ecdsa(.sha384))
        #expect(TLSSignatureCheck.algorithm(for: .rsaPSSRSAESHA384) == .rsaPSS(hash: .sha384, saltLength: 48))
        #expect(TLSSignatureCheck.algorithm(for: .rsaPSSPSSSHA256) == .rsaPSS(hash: .sha256, saltLength: 32))
        #expect(TLSSignatureCheck.algorithm(for: .ed25519) == .ed25519)
        #expect(TLSSignatureCheck.algorithm(for: .ed448) == nil)
        #expect(TLSSignatureCheck.algorithm(for: SignatureScheme(rawValue: 0x0201)) == nil)
    }

    /// DER Ecdsa-Sig-Value: minimal integers, a 00 before a set top bit, leading zeros dropped.
    @Test func ecdsaDEREncoding() {
        var raw = [UInt8](repeating: 0, count: 64)
        raw[31] = 1; raw[32] = 0x80
        #expect(ECDSASignatureDER.encode(raw: raw) == [0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80] + [UInt8](repeating: 0, count: 31))
        #expect(ECDSASignatureDER.encode(raw: [UInt8](repeating: 0, count: 64)) == [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])
    }
}

private extension UInt16 {
    var bytes: [UInt8] { [UInt8(self >> 8), UInt8(self & 0xFF)] }
}
