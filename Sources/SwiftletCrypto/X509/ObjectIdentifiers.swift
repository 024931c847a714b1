// SwiftletCrypto/X509: the object identifiers X.509 and PKCS#8 parsing recognises (and CertificateBuilder
// writes), as the DER contents octets of the OBJECT IDENTIFIER (X.690 §8.19). OIDs are only ever compared
// byte for byte with these, which is exact because DER allows one encoding of each OID.

enum OID {
    // Signature algorithms: RFC 5758 §3.2 (ECDSA), RFC 4055 §5 and RFC 8017 App. C (RSA), RFC 8410 §3.
    static let ecdsaWithSHA256: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
    static let ecdsaWithSHA384: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]
    static let ecdsaWithSHA512: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04]
    static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    static let mgf1: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08]
    static let rsassaPSS: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A]
    static let sha256WithRSAEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B]
    static let sha384WithRSAEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C]
    static let sha512WithRSAEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D]
    static let ed25519: [UInt8] = [0x2B, 0x65, 0x70]
    static let x25519: [UInt8] = [0x2B, 0x65, 0x6E]
    // Hashes (NIST CSOR, RFC 5754 §2).
    static let sha256: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
    static let sha384: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]
    static let sha512: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]
    // Public keys: RFC 5480 §2.1.1 (EC), named curves §2.1.1.1.
    static let ecPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let prime256v1: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let secp384r1: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x22]
    // Name attributes: X.520 via RFC 5280 Appendix A.1 (id-at-commonName, id-at-organizationName).
    static let commonName: [UInt8] = [0x55, 0x04, 0x03]
    static let organizationName: [UInt8] = [0x55, 0x04, 0x0A]
    // Certificate extensions: RFC 5280 §4.2.1.
    static let subjectKeyIdentifier: [UInt8] = [0x55, 0x1D, 0x0E]
    static let keyUsage: [UInt8] = [0x55, 0x1D, 0x0F]
    static let subjectAltName: [UInt8] = [0x55, 0x1D, 0x11]
    static let basicConstraints: [UInt8] = [0x55, 0x1D, 0x13]
    static let certificatePolicies: [UInt8] = [0x55, 0x1D, 0x20]
    static let nameConstraints: [UInt8] = [0x55, 0x1D, 0x1E]
    static let authorityKeyIdentifier: [UInt8] = [0x55, 0x1D, 0x23]
    static let extendedKeyUsage: [UInt8] = [0x55, 0x1D, 0x25]
    // Key purposes: RFC 5280 §4.2.1.12.
    static let anyExtendedKeyUsage: [UInt8] = [0x55, 0x1D, 0x25, 0x00]
    static let serverAuth: [UInt8] = [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]
    static let clientAuth: [UInt8] = [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]
}

extension DERReader {
    /// Whether the bytes in `range` (an OID's contents) are `oid`.
    func isOID(_ range: Range<Int>, _ oid: [UInt8]) -> Bool {
        Self.equal(bytes, range, oid)
    }

    static func equal(_ bytes: [UInt8], _ range: Range<Int>, _ other: [UInt8]) -> Bool {
        guard range.count == other.count else { return false }
        var k = 0
        for i in range {
            guard bytes[i] == other[k] else { return false }
            k += 1
        }
        return true
    }

    static func equal(_ a: [UInt8], _ ra: Range<Int>, _ b: [UInt8], _ rb: Range<Int>) -> Bool {
        guard ra.count == rb.count else { return false }
        var j = rb.lowerBound
        for i in ra {
            guard a[i] == b[j] else { return false }
            j += 1
        }
        return true
    }
}
