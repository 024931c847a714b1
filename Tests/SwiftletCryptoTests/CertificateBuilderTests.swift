// Tests of the DER writer, the PKCS#8 writer and CertificateBuilder, and of `swiftlet cert`. The writer's
// bytes are checked against encodings worked out by hand from X.690 and against DERReader; the certificates
// and keys made here are checked by our own ChainValidator and HostName, by the `openssl` command (verify,
// x509 -text, pkey) and by Python's `cryptography` (which verifies the signatures and reads every field),
// so a certificate only passes if two independent X.509 implementations accept it as we meant it.

import ChildProcess
import Foundation
import Testing
import Swiftlet
@testable import SwiftletCrypto

// MARK: DER writer

@Suite struct CertificateBuilderDERWriterTests {
    private func written(_ body: (inout DERWriter) -> Void) -> [UInt8] {
        var w = DERWriter()
        body(&w)
        return w.bytes
    }

    @Test func integersAreMinimal() throws {
        #expect(written { $0.integer(unsignedBigEndian: []) } == [0x02, 0x01, 0x00])
        #expect(written { $0.integer(unsignedBigEndian: [0, 0, 0]) } == [0x02, 0x01, 0x00])
        #expect(written { $0.integer(0) } == [0x02, 0x01, 0x00])
        #expect(written { $0.integer(unsignedBigEndian: [0x7F]) } == [0x02, 0x01, 0x7F])
        // Top bit set: a 0x00 sign octet keeps it positive (X.690 §8.3.2 allows exactly this leading zero).
        #expect(written { $0.integer(unsignedBigEndian: [0x80]) } == [0x02, 0x02, 0x00, 0x80])
        #expect(written { $0.integer(unsignedBigEndian: [0, 0, 0xFF, 0x01]) } == [0x02, 0x03, 0x00, 0xFF, 0x01])
        #expect(written { $0.integer(unsignedBigEndian: [0, 0, 0x01, 0x02]) } == [0x02, 0x02, 0x01, 0x02])
        #expect(written { $0.integer(256) } == [0x02, 0x02, 0x01, 0x00])
        #expect(written { $0.integer(UInt64.max) } == [0x02, 0x09, 0x00] + [UInt8](repeating: 0xFF, count: 8))
        // Whatever the magnitude, DERReader (which refuses non-minimal integers) reads back the same value.
        var random = SeededBytes(seed: 5280)
        for _ in 0..<500 {
            var magnitude = random.bytes(random.below(40))
            for i in 0..<min(magnitude.count, random.below(4)) { magnitude[i] = 0 }  // leading zeros
            let der = written { $0.integer(unsignedBigEndian: magnitude) }
            var reader = try DERReader(der)
            let value = Array(der[try reader.unsignedInteger()])
            try reader.finish()
            let stripped = Array(magnitude.drop(while: { $0 == 0 }))
            #expect(value == (stripped.isEmpty ? [0] : stripped))
        }
    }

    @Test func objectIdentifiersFromArcs() throws {
        // id-ecPublicKey 1.2.840.10045.2.1: 42 = 40·1 + 2; 840 = 6·128 + 72; 10045 = 78·128 + 61.
        #expect(try DERWriter.objectIdentifierContents([1, 2, 840, 10045, 2, 1]) == [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01])
        #expect(try DERWriter.objectIdentifierContents([1, 2, 840, 10045, 2, 1]) == OID.ecPublicKey)
        var w = DERWriter()
        try w.objectIdentifier(arcs: [1, 2, 840, 10045, 2, 1])
        #expect(w.bytes == [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01])
        // The other constants this module compares with, written from their dotted form.
        #expect(try DERWriter.objectIdentifierContents([1, 2, 840, 10045, 3, 1, 7]) == OID.prime256v1)
        #expect(try DERWriter.objectIdentifierContents([1, 2, 840, 10045, 4, 3, 2]) == OID.ecdsaWithSHA256)
        #expect(try DERWriter.objectIdentifierContents([1, 3, 101, 112]) == OID.ed25519)
        #expect(try DERWriter.objectIdentifierContents([2, 5, 4, 3]) == OID.commonName)
        #expect(try DERWriter.objectIdentifierContents([2, 5, 4, 10]) == OID.organizationName)
        #expect(try DERWriter.objectIdentifierContents([1, 3, 6, 1, 5, 5, 7, 3, 1]) == OID.serverAuth)
        #expect(try DERWriter.objectIdentifierContents([2, 5, 29, 35]) == OID.authorityKeyIdentifier)
        // X.690 §8.19.5's example: {2 999 3} has the first subidentifier 1079 = 8·128 + 55.
        #expect(try DERWriter.objectIdentifierContents([2, 999, 3]) == [0x88, 0x37, 0x03])
        // Refused: one arc, a first arc above 2, a second arc above 39 under 0 or 1.
        #expect(throws: DERError.badObjectIdentifier) { try DERWriter.objectIdentifierContents([1]) }
        #expect(throws: DERError.badObjectIdentifier) { try DERWriter.objectIdentifierContents([3, 1]) }
        #expect(throws: DERError.badObjectIdentifier) { try DERWriter.objectIdentifierContents([1, 40]) }
        #expect(throws: DERError.badObjectIdentifier) { try DERWriter.objectIdentifierContents([2, UInt64.max]) }
        #expect(try DERWriter.objectIdentifierContents([2, 40]) == [0x78])
        // Whatever the arcs, DERReader's subidentifier check accepts the result.
        var random = SeededBytes(seed: 8_19)
        for _ in 0..<300 {
            let arcs: [UInt64] = [UInt64(random.below(3)), UInt64(random.below(40))] + (0..<random.below(8)).map { _ in random.next() >> UInt64(random.below(64)) }
            let contents = try DERWriter.objectIdentifierContents(arcs)
            try DERReader.checkObjectIdentifier(contents, 0..<contents.count)
        }
    }

    @Test func longLengths() throws {
        for (count, header) in [(0, [0x04, 0x00]), (127, [0x04, 0x7F]), (128, [0x04, 0x81, 0x80]), (255, [0x04, 0x81, 0xFF]),
                                (256, [0x04, 0x82, 0x01, 0x00]), (65_535, [0x04, 0x82, 0xFF, 0xFF]),
                                (65_536, [0x04, 0x83, 0x01, 0x00, 0x00])] as [(Int, [UInt8])] {
            let der = written { $0.octetString([UInt8](repeating: 0xA5, count: count)) }
            #expect(Array(der.prefix(header.count)) == header, "\(count)")
            #expect(der.count == header.count + count)
            let element = try DER.readHeader(der, at: 0, end: der.count)  // refuses non-minimal lengths
            #expect(element.contents == header.count..<der.count)
        }
        // Nested builders: the outer length counts the inner header.
        let nested = written { w in w.sequence { s in s.set { t in t.integer(5) }; s.octetString([UInt8](repeating: 1, count: 200)) } }
        #expect(Array(nested.prefix(9)) == [0x30, 0x81, 0xD0, 0x31, 0x03, 0x02, 0x01, 0x05, 0x04])
        try DER.checkStructure(nested, 0..<nested.count)
    }

    @Test func timesAtTheUTCTimeBoundary() throws {
        func time(_ seconds: Int64) throws -> [UInt8] {
            var w = DERWriter()
            try w.time(seconds)
            return w.bytes
        }
        func ascii(_ tag: UInt8, _ text: String) -> [UInt8] { [tag, UInt8(text.utf8.count)] + Array(text.utf8) }
        // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950).
        #expect(try time(2_524_607_999) == ascii(DERTag.utcTime, "491231235959Z"))
        #expect(try time(2_524_608_000) == ascii(DERTag.generalizedTime, "20500101000000Z"))
        #expect(try time(-631_152_000) == ascii(DERTag.utcTime, "500101000000Z"))
        #expect(try time(-631_152_001) == ascii(DERTag.generalizedTime, "19491231235959Z"))
        #expect(try time(0) == ascii(DERTag.utcTime, "700101000000Z"))
        #expect(try time(951_825_600) == ascii(DERTag.utcTime, "000229120000Z"))
        #expect(try time(253_402_300_799) == ascii(DERTag.generalizedTime, "99991231235959Z"))
        var w = DERWriter()
        #expect(throws: DERError.badTime) { try w.utcTime(2_524_608_000) }
        #expect(throws: DERError.badTime) { try w.utcTime(-631_152_001) }
        #expect(throws: DERError.badTime) { try w.time(253_402_300_800) }  // year 10000
        try w.generalizedTime(2_524_607_999)
        #expect(w.bytes == ascii(DERTag.generalizedTime, "20491231235959Z"))
        // Round trips through DERReader.time() over 0000 to 9999.
        var random = SeededBytes(seed: 2050)
        let lowest: Int64 = -62_167_219_200  // 0000-01-01
        for k in 0..<2_000 {
            let seconds = k < 4 ? [2_524_607_999, 2_524_608_000, lowest, 253_402_300_799][k]
                : lowest + Int64(random.next() % UInt64(253_402_300_799 - lowest))
            let der = try time(seconds)
            var reader = try DERReader(der)
            #expect(try reader.time() == seconds)
        }
    }

    @Test func otherPrimitives() throws {
        #expect(written { $0.boolean(true) } == [0x01, 0x01, 0xFF])
        #expect(written { $0.boolean(false) } == [0x01, 0x01, 0x00])
        #expect(written { $0.null() } == [0x05, 0x00])
        #expect(written { $0.bitString([0xAB]) } == [0x03, 0x02, 0x00, 0xAB])
        // Named bit lists (X.690 §11.2.2): no trailing zero bits.
        let caUsage = KeyUsage.keyCertSign.rawValue | KeyUsage.cRLSign.rawValue
        #expect(written { $0.namedBitString(UInt32(caUsage)) } == [0x03, 0x02, 0x01, 0x06])
        #expect(written { $0.namedBitString(UInt32(KeyUsage.digitalSignature.rawValue)) } == [0x03, 0x02, 0x07, 0x80])
        #expect(written { $0.namedBitString(UInt32(KeyUsage.decipherOnly.rawValue)) } == [0x03, 0x03, 0x07, 0x00, 0x80])
        #expect(written { $0.namedBitString(0) } == [0x03, 0x01, 0x00])
        #expect(written { $0.utf8String("é") } == [0x0C, 0x02, 0xC3, 0xA9])
        #expect(written { $0.implicit(2, contents: Array("a.b".utf8)) } == [0x82, 0x03, 0x61, 0x2E, 0x62])
        #expect(written { w in w.explicit(0) { $0.integer(2) } } == [0xA0, 0x03, 0x02, 0x01, 0x02])
        var w = DERWriter()
        try w.printableString("Swiftlet (dev) CA")
        try w.ia5String("x@y")
        #expect(w.bytes.prefix(2) == [0x13, 17])
        #expect(throws: DERError.badString) { try w.printableString("a@b") }
        #expect(throws: DERError.badString) { try w.ia5String("é") }
    }
}

// MARK: keys and certificates

/// A CA and a leaf it issued, made with a reproducible random stream, with their PEM files on disk.
private struct IssuedPair: @unchecked Sendable {
    let name: String
    let caKey: CertificateSigningKey, ca: Certificate
    let leafKey: CertificateSigningKey, leaf: Certificate
    let now: Int64
    let directory: URL
    static let names = ["localhost", "www.example.test", "*.apps.example.test", "127.0.0.1", "::1"]

    func path(_ file: String) -> String { directory.appendingPathComponent("\(name)-\(file)").path }

    static func make(_ name: String, ca caAlgorithm: PublicKeyAlgorithm, leaf leafAlgorithm: PublicKeyAlgorithm, seed: UInt64) throws -> IssuedPair {
        let source = CountingEntropy()
        source.random = SeededBytes(seed: seed)
        let random = RandomGenerator(predictableSource: source)
        let now = Int64(Date().timeIntervalSince1970)
        let caKey = try CertificateSigningKey.generate(caAlgorithm, using: random)
        let ca = try CertificateBuilder.certificateAuthority(commonName: "Test CA \(name)", organization: "Swiftlet tests",
                                                             serialNumber: CertificateBuilder.randomSerialNumber(using: random),
                                                             notBefore: now - 3600, notAfter: now + 3650 * 86_400).selfSigned(key: caKey)
        let leafKey = try CertificateSigningKey.generate(leafAlgorithm, using: random)
        let leaf = try CertificateBuilder.server(names: names, serialNumber: CertificateBuilder.randomSerialNumber(using: random),
                                                 notBefore: now - 3600, notAfter: now + 825 * 86_400)
            .issued(for: leafKey.subjectPublicKeyInfo, issuer: ca, issuerKey: caKey)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-certbuilder-tests-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pair = IssuedPair(name: name, caKey: caKey, ca: ca, leafKey: leafKey, leaf: leaf, now: now, directory: directory)
        try Data(PEM.encode(label: "CERTIFICATE", der: ca.bytes)).write(to: URL(fileURLWithPath: pair.path("ca.pem")))
        try Data(PEM.encode(label: "CERTIFICATE", der: leaf.bytes)).write(to: URL(fileURLWithPath: pair.path("leaf.pem")))
        try Data(try caKey.privateKey.pem()).write(to: URL(fileURLWithPath: pair.path("ca.key")))
        try Data(try leafKey.privateKey.pem()).write(to: URL(fileURLWithPath: pair.path("leaf.key")))
        return pair
    }

    static let all: Result<[IssuedPair], Error> = Result {
        [try make("p256", ca: .ecdsaP256, leaf: .ecdsaP256, seed: 1),
         try make("ed25519", ca: .ed25519, leaf: .ed25519, seed: 2),
         try make("mixed", ca: .ed25519, leaf: .ecdsaP256, seed: 3)]
    }
}

private func pairs() throws -> [IssuedPair] { try IssuedPair.all.get() }

private func openssl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try ChildProcess.run("/usr/bin/openssl", arguments)
}

private func validationError(_ pair: IssuedPair, now: Int64, host: String? = nil) -> CertificateError? {
    let validator = ChainValidator(trustStore: TrustStore(anchors: [pair.ca]), verifier: SignatureVerifier())
    do throws(CertificateError) {
        _ = try validator.validate(leaf: pair.leaf, intermediates: [], now: now, hostName: host)
        return nil
    } catch { return error }
}

@Suite struct CertificateBuilderTests {
    @Test func chainValidatesInsideItsValidityOnly() throws {
        for p in try pairs() {
            #expect(validationError(p, now: p.now) == nil, "\(p.name)")
            #expect(validationError(p, now: p.leaf.notBefore) == nil, "\(p.name)")
            #expect(validationError(p, now: p.leaf.notAfter) == nil, "\(p.name)")
            #expect(validationError(p, now: p.leaf.notBefore - 1) == .notYetValid, "\(p.name)")
            #expect(validationError(p, now: p.leaf.notAfter + 1) == .expired, "\(p.name)")
            #expect(p.leaf.notBefore == p.now - 3600 && p.leaf.notAfter == p.now + 825 * 86_400)
            #expect(p.ca.notAfter == p.now + 3650 * 86_400)
            // The path is leaf then CA, and Python (OpenSSL) agrees on every signature on the way.
            let checked = ChainValidator(trustStore: TrustStore(anchors: [p.ca]), verifier: CrossCheckedVerifier())
            #expect(try checked.validate(leaf: p.leaf, intermediates: [], now: p.now).map(\.bytes) == [p.leaf.bytes, p.ca.bytes])
            // A CA is not a server certificate, and another CA does not vouch for this leaf.
            let other = try pairs().first { $0.name != p.name }!
            let stranger = ChainValidator(trustStore: TrustStore(anchors: [other.ca]), verifier: SignatureVerifier())
            #expect(throws: CertificateError.self) { try stranger.validate(leaf: p.leaf, intermediates: [], now: p.now) }
        }
    }

    @Test func fieldsReadBack() throws {
        for p in try pairs() {
            let ca = p.ca, leaf = p.leaf
            #expect(ca.version == 3 && leaf.version == 3)
            #expect(ca.isSelfIssued && ca.isIssuer(of: leaf) && !leaf.isSelfIssued)
            #expect(ca.extensions.basicConstraints == BasicConstraints(isCA: true, pathLengthConstraint: 0))
            #expect(leaf.extensions.basicConstraints == BasicConstraints(isCA: false, pathLengthConstraint: nil))
            #expect(ca.extensions.keyUsage == KeyUsage(rawValue: KeyUsage.keyCertSign.rawValue | KeyUsage.cRLSign.rawValue))
            #expect(leaf.extensions.keyUsage == .digitalSignature)
            #expect(leaf.extendedKeyUsage == ExtendedKeyUsage(serverAuth: true))
            #expect(ca.extendedKeyUsage == nil && !ca.extensions.hasSubjectAltName)
            #expect(!leaf.extensions.hasUnknownCriticalExtension && leaf.extensions.count == 6 && ca.extensions.count == 4)
            // Key identifiers: SHA-256 of the key bits, first 20 octets; the leaf's AKI is the CA's SKI.
            let caID = Array(SHA256.hash(p.caKey.publicKey)[0..<20])
            #expect(ca.extensions.subjectKeyIdentifier.map { Array(ca.bytes[$0]) } == caID)
            #expect(ca.extensions.authorityKeyIdentifier.map { Array(ca.bytes[$0]) } == caID)
            #expect(leaf.extensions.authorityKeyIdentifier.map { Array(leaf.bytes[$0]) } == caID)
            #expect(leaf.extensions.subjectKeyIdentifier.map { Array(leaf.bytes[$0]) } == Array(SHA256.hash(p.leafKey.publicKey)[0..<20]))
            #expect(leaf.publicKey.keyBytes == p.leafKey.publicKey && leaf.publicKey.algorithm == p.leafKey.algorithm)
            #expect(leaf.signatureAlgorithm == p.caKey.signatureAlgorithm)
            // Serial numbers: 20 octets, positive, no sign octet.
            #expect(leaf.serialNumber.count == 20 && leaf.serialNumber[0] & 0xC0 == 0x40)
            // The names: HostName matches every SAN and nothing else.
            for host in ["localhost", "LOCALHOST", "www.example.test", "a.apps.example.test", "127.0.0.1", "::1", "[::1]", "0:0::1"] {
                #expect(HostName.matches(Array(host.utf8), leaf), "\(p.name) \(host)")
                #expect(validationError(p, now: p.now, host: host) == nil, "\(p.name) \(host)")
            }
            for host in ["example.test", "apps.example.test", "a.b.apps.example.test", "127.0.0.2", "::2", "other.test", "localhost.test"] {
                #expect(!HostName.matches(Array(host.utf8), leaf), "\(p.name) \(host)")
                #expect(validationError(p, now: p.now, host: host) == .nameMismatch, "\(p.name) \(host)")
            }
        }
    }

    @Test func opensslVerifiesAndParses() throws {
        for p in try pairs() {
            let verify = try openssl(["verify", "-CAfile", p.path("ca.pem"), "-purpose", "sslserver",
                                      "-verify_hostname", "www.example.test", p.path("leaf.pem")])
            #expect(verify.status == 0 && verify.stdout.contains(": OK"), "\(p.name): \(verify.stdout) \(verify.stderr)")
            let ip = try openssl(["verify", "-CAfile", p.path("ca.pem"), "-verify_ip", "127.0.0.1", p.path("leaf.pem")])
            #expect(ip.status == 0, "\(p.name): \(ip.stderr)")
            // Outside the validity, and for a name it does not carry, OpenSSL refuses too.
            let late = try openssl(["verify", "-CAfile", p.path("ca.pem"), "-attime", "\(p.leaf.notAfter + 1)", p.path("leaf.pem")])
            #expect(late.status != 0 && (late.stdout + late.stderr).contains("certificate has expired"), "\(p.name)")
            let early = try openssl(["verify", "-CAfile", p.path("ca.pem"), "-attime", "\(p.leaf.notBefore - 1)", p.path("leaf.pem")])
            #expect(early.status != 0 && (early.stdout + early.stderr).contains("not yet valid"), "\(p.name)")
            let wrongName = try openssl(["verify", "-CAfile", p.path("ca.pem"), "-verify_hostname", "other.test", p.path("leaf.pem")])
            #expect(wrongName.status != 0, "\(p.name)")
            // The text form shows every field as we meant it.
            let text = try openssl(["x509", "-noout", "-text", "-in", p.path("leaf.pem")])
            #expect(text.status == 0, "\(p.name): \(text.stderr)")
            for line in ["Version: 3 (0x2)", "Issuer: O = Swiftlet tests, CN = Test CA \(p.name)", "Subject: CN = localhost",
                         "X509v3 Basic Constraints: critical", "CA:FALSE", "X509v3 Key Usage: critical", "Digital Signature",
                         "TLS Web Server Authentication",
                         "DNS:localhost, DNS:www.example.test, DNS:*.apps.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
                         "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier",
                         p.caKey.algorithm == .ed25519 ? "Signature Algorithm: ED25519" : "Signature Algorithm: ecdsa-with-SHA256"] {
                #expect(text.stdout.contains(line), "\(p.name): no '\(line)' in\n\(text.stdout)")
            }
            let caText = try openssl(["x509", "-noout", "-text", "-in", p.path("ca.pem")])
            #expect(caText.stdout.contains("CA:TRUE, pathlen:0") && caText.stdout.contains("Certificate Sign, CRL Sign"), "\(p.name)")
        }
    }

    @Test func opensslReadsTheKeys() throws {
        for p in try pairs() {
            for (file, key) in [("ca.key", p.caKey), ("leaf.key", p.leafKey)] {
                let out = try openssl(["pkey", "-in", p.path(file), "-pubout", "-outform", "DER", "-out", p.path(file + ".pub.der")])
                #expect(out.status == 0, "\(p.name) \(file): \(out.stderr)")
                let spki = Array(try Data(contentsOf: URL(fileURLWithPath: p.path(file + ".pub.der"))))
                #expect(spki == key.subjectPublicKeyInfoDER, "\(p.name) \(file)")
                let check = try openssl(["pkey", "-in", p.path(file), "-check", "-noout"])
                #expect(check.status == 0 || key.algorithm == .ed25519, "\(p.name) \(file): \(check.stdout) \(check.stderr)")
                // PrivateKey(pem:) reads back the same material.
                let text = Array(try Data(contentsOf: URL(fileURLWithPath: p.path(file))))
                let read = try CertificateSigningKey(try PrivateKey(pem: text))
                #expect(read.publicKey == key.publicKey && read.algorithm == key.algorithm)
            }
        }
        // OpenSSL's own PKCS#8 keys are written back byte for byte (same layout: v1, no attributes, the EC
        // public point inside, the curve only in the algorithm).
        let directory = try pairs()[0].directory
        for (name, options) in [("ossl-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                                ("ossl-p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
                                ("ossl-ed25519", ["-algorithm", "ED25519"]), ("ossl-x25519", ["-algorithm", "X25519"])] {
            let path = directory.appendingPathComponent(name + ".key").path
            let made = try openssl(["genpkey"] + options + ["-out", path])
            #expect(made.status == 0, "\(made.stderr)")
            let text = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(try PrivateKey(pem: text).pem() == text, "\(name)")
        }
        // RSA keys are read, not written.
        let rsaPath = directory.appendingPathComponent("ossl-rsa.key").path
        #expect(try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsaPath]).status == 0)
        let rsa = try PrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: rsaPath))))
        #expect(throws: CertificateError.unsupportedAlgorithm) { try rsa.pkcs8() }
        #expect(throws: CertificateError.unsupportedAlgorithm) { try CertificateSigningKey(rsa) }
    }

    @Test func pythonVerifiesTheSignatures() throws {
        for p in try pairs() {
            let script = """
            import calendar, hashlib
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            def load(n): return x509.load_pem_x509_certificate(open('\(p.path(""))' + n, 'rb').read())
            ca, leaf = load('ca.pem'), load('leaf.pem')
            def check(issuer, cert):
                key = issuer.public_key()
                if isinstance(key, ec.EllipticCurvePublicKey):
                    key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
                else:
                    key.verify(cert.signature, cert.tbs_certificate_bytes)
            check(ca, ca); check(ca, leaf)
            def bits(cert):
                k = cert.public_key()
                if isinstance(k, ec.EllipticCurvePublicKey):
                    return k.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
                return k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            ski = leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
            assert ski == hashlib.sha256(bits(leaf)).digest()[:20] and aki == hashlib.sha256(bits(ca)).digest()[:20]
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            print(','.join(san.get_values_for_type(x509.DNSName)), ','.join(str(a) for a in san.get_values_for_type(x509.IPAddress)))
            print(leaf.serial_number, calendar.timegm(leaf.not_valid_before.utctimetuple()), calendar.timegm(leaf.not_valid_after.utctimetuple()))
            bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
            print(bc.critical, bc.value.ca, bc.value.path_length, leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
            for n in ('ca.key', 'leaf.key'):
                k = serialization.load_pem_private_key(open('\(p.path(""))' + n, 'rb').read(), None)
                c = ca if n == 'ca.key' else leaf
                assert k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == \\
                       c.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            print('ok')
            """
            let lines = try ChildProcess.python(script).split(separator: "\n").map(String.init)
            var serial = "0"
            for b in p.leaf.serialNumber { serial = decimalTimes256Plus(serial, Int(b)) }
            #expect(lines == ["localhost,www.example.test,*.apps.example.test 127.0.0.1,::1",
                              "\(serial) \(p.leaf.notBefore) \(p.leaf.notAfter)",
                              "True True 0 False", "ok"], "\(p.name)")
        }
    }

    @Test func validityInThe2050sIsGeneralizedTime() throws {
        let p = try pairs()[0]
        let notBefore: Int64 = 2_524_607_999 - 86_400  // 2049-12-30T23:59:59Z
        let notAfter: Int64 = 2_524_608_000 + 86_400  // 2050-01-02T00:00:00Z
        // A CA that lives into the 2050s too (its notAfter is GeneralizedTime as well).
        let ca = try CertificateBuilder.certificateAuthority(commonName: "Long CA", serialNumber: [2], notBefore: p.now,
                                                             notAfter: 2_900_000_000).selfSigned(key: p.caKey)
        let leaf = try CertificateBuilder.server(names: ["localhost"], serialNumber: [1], notBefore: notBefore, notAfter: notAfter)
            .issued(for: p.leafKey.subjectPublicKeyInfo, issuer: ca, issuerKey: p.caKey)
        #expect(leaf.notBefore == notBefore && leaf.notAfter == notAfter)
        let encoded = leaf.bytes
        let utc = [DERTag.utcTime, 13] + Array("491230235959Z".utf8), generalized = [DERTag.generalizedTime, 15] + Array("20500102000000Z".utf8)
        #expect(find(utc, in: encoded) && find(generalized, in: encoded))
        let long = IssuedPair(name: "2050", caKey: p.caKey, ca: ca, leafKey: p.leafKey, leaf: leaf, now: 0, directory: p.directory)
        #expect(validationError(long, now: 2_524_608_000, host: "localhost") == nil)
        #expect(validationError(long, now: notAfter + 1) == .expired)
        let file = p.directory.appendingPathComponent("leaf-2050.pem")
        try Data(PEM.encode(label: "CERTIFICATE", der: encoded)).write(to: file)
        let text = try openssl(["x509", "-noout", "-dates", "-serial", "-in", file.path])
        #expect(text.stdout.contains("notBefore=Dec 30 23:59:59 2049 GMT") && text.stdout.contains("notAfter=Jan  2 00:00:00 2050 GMT")
                && text.stdout.contains("serial=01"), "\(text.stdout) \(text.stderr)")
    }

    @Test func refusals() throws {
        let p = try pairs()[0], ed = try pairs()[1]
        let spki = p.leafKey.subjectPublicKeyInfo
        func issue(_ change: (inout CertificateBuilder) -> Void, issuer: Certificate? = nil, key: CertificateSigningKey? = nil) -> CertificateError? {
            var builder = CertificateBuilder.server(names: ["localhost"], serialNumber: [1], notBefore: p.now, notAfter: p.now + 10)
            change(&builder)
            do throws(CertificateError) { _ = try builder.issued(for: spki, issuer: issuer ?? p.ca, issuerKey: key ?? p.caKey); return nil }
            catch { return error }
        }
        #expect(issue { _ in } == nil)
        #expect(issue({ _ in }, key: ed.caKey) == .badSignature)  // not the issuer's key
        #expect(issue({ _ in }, key: p.leafKey) == .badSignature)
        #expect(issue({ _ in }, issuer: p.leaf, key: p.leafKey) == .notACA)
        #expect(issue { $0.serialNumber = [] } == .malformed(.integerOutOfRange))
        #expect(issue { $0.serialNumber = [0, 0] } == .malformed(.integerOutOfRange))
        #expect(issue { $0.serialNumber = [0x7F] + [UInt8](repeating: 0xFF, count: 19) } == nil)  // 20 octets
        #expect(issue { $0.serialNumber = [0] + [0x7F] + [UInt8](repeating: 0xFF, count: 19) } == nil)  // leading zeros do not count
        #expect(issue { $0.serialNumber = [0x80] + [UInt8](repeating: 0, count: 19) } == .malformed(.integerOutOfRange))  // 21 with its sign octet
        #expect(issue { $0.serialNumber = [UInt8](repeating: 1, count: 21) } == .malformed(.integerOutOfRange))
        #expect(issue { $0.notAfter = $0.notBefore - 1 } == .malformed(.badTime))
        #expect(issue { $0.notAfter = 253_402_300_800 } == .malformed(.badTime))  // year 10000
        #expect(issue { $0.commonName = "" } == .malformed(.badString))
        #expect(issue { $0.commonName = String(repeating: "a", count: 65) } == .malformed(.badString))
        #expect(issue { $0.commonName = String(repeating: "a", count: 64) } == nil)
        #expect(issue { $0.organization = "" } == .malformed(.badString))
        for bad in ["exa mple.test", "", "a..b", "w*.example.test", "*", "-", "-a.test", "a-.test", "example.test/x", "1.2.3.4.5:", "[::1", String(repeating: "a", count: 64) + ".test"] {
            #expect(issue { $0.subjectAlternativeNames = [bad] } == .malformed(.badString), "\(bad)")
            #expect(!CertificateBuilder.isValidName(bad), "\(bad)")
        }
        for good in ["localhost", "example.test.", "*.example.test", "_service.example.test", "xn--bcher-kva.test", "a-b.test", "10.0.0.1", "2001:db8::1", "[::1]"] {
            #expect(CertificateBuilder.isValidName(good), "\(good)")
        }
        let many = (0...CertificateBuilder.maximumSubjectAlternativeNames).map { "h\($0).example.test" }
        #expect(issue { $0.subjectAlternativeNames = many } == .malformed(.tooManyElements))
        #expect(issue { $0.subjectAlternativeNames = Array(many.dropLast()) } == nil)
        // Keys: only P-256 and Ed25519 sign; a P-256 scalar out of range or with another key's point is refused.
        let random = RandomGenerator(predictableSource: CountingEntropy())
        #expect(throws: CertificateError.unsupportedAlgorithm) { try CertificateSigningKey.generate(.ecdsaP384, using: random) }
        #expect(throws: CertificateError.unsupportedAlgorithm) { try CertificateSigningKey(.x25519(scalar: [UInt8](repeating: 1, count: 32))) }
        #expect(throws: CertificateError.malformed(.integerOutOfRange)) {
            try CertificateSigningKey(.ecdsa(curve: .ecdsaP256, scalar: [UInt8](repeating: 0, count: 32), publicKey: nil))
        }
        #expect(throws: CertificateError.malformed(.integerOutOfRange)) {  // the group order n itself
            try CertificateSigningKey(.ecdsa(curve: .ecdsaP256, scalar: bytes(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"), publicKey: nil))
        }
        guard case .ecdsa(_, let scalar, _) = p.leafKey.privateKey else { Issue.record("not P-256"); return }
        #expect(throws: CertificateError.malformed(.badStructure)) {
            try CertificateSigningKey(.ecdsa(curve: .ecdsaP256, scalar: scalar, publicKey: p.caKey.publicKey))
        }
        #expect(throws: CertificateError.malformed(.badStructure)) { try PrivateKey.ed25519(seed: [1, 2, 3]).pkcs8() }
        // A subject key of a kind no certificate here carries.
        let unsupported = try SubjectPublicKeyInfo(derEncoded: bytes(hex: "3010300506032a0304030700aabbccddeeff"))  // OID 1.2.3.4
        #expect(unsupported.algorithm == .unsupported)
        var builder = CertificateBuilder.server(names: ["localhost"], serialNumber: [1], notBefore: 0, notAfter: 1)
        builder.organization = nil
        #expect(throws: CertificateError.unsupportedAlgorithm) { try builder.issued(for: unsupported, issuer: p.ca, issuerKey: p.caKey) }
    }
}

/// Whether `needle` occurs in `haystack`.
private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return true }
    return false
}

/// The decimal text of 256·`decimal` + `digit` (for printing a serial number as Python does).
private func decimalTimes256Plus(_ decimal: String, _ add: Int) -> String {
    var digits = decimal.utf8.map { Int($0) - 48 }
    var carry = add
    for i in stride(from: digits.count - 1, through: 0, by: -1) {
        let v = digits[i] * 256 + carry
        digits[i] = v % 10
        carry = v / 10
    }
    while carry > 0 { digits.insert(carry % 10, at: 0); carry /= 10 }
    while digits.count > 1, digits[0] == 0 { digits.removeFirst() }
    return String(digits.map { Character(UnicodeScalar(UInt8($0 + 48))) })
}

// MARK: swiftlet cert

@Suite struct CertificateBuilderCommandTests {
    /// The `swiftlet` tool built next to this test binary (swift build --build-tests builds both).
    static var tool: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [here, here.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("swiftlet").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/release/swiftlet").path
    }

    @Test func writesAVerifiableChainAndReusesTheCA() throws {
        let tool = Self.tool
        try #require(FileManager.default.isExecutableFile(atPath: tool), "no swiftlet tool at \(tool): build it (swift build --build-tests builds it)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-cert-command-\(getpid())")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let first = try ChildProcess.run(tool, ["cert", "localhost", "127.0.0.1", "::1"], in: work)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("certs/ca.pem      new development CA") && first.stdout.contains("try: curl --cacert certs/ca.pem https://localhost:PORT/"),
                "\(first.stdout)")
        let certs = work.appendingPathComponent("certs")
        func file(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: certs.appendingPathComponent(name))) }
        func mode(_ name: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: certs.appendingPathComponent(name).path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode("ca.key") == 0o600 && mode("server.key") == 0o600 && mode("server.pem") & 0o600 == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: certs.path).sorted() == ["ca.key", "ca.pem", "server.key", "server.pem"])
        // server.pem is leaf then CA; both check out with our validator and with OpenSSL.
        let chain = try Certificate.all(pem: try file("server.pem"))
        let ca = try Certificate.all(pem: try file("ca.pem"))
        #expect(chain.count == 2 && ca.count == 1 && chain[1].bytes == ca[0].bytes)
        let validator = ChainValidator(trustStore: TrustStore(anchors: ca), verifier: SignatureVerifier())
        let now = Int64(Date().timeIntervalSince1970)
        for host in ["localhost", "127.0.0.1", "::1"] { _ = try validator.validate(leaf: chain[0], intermediates: [], now: now, hostName: host) }
        #expect(chain[0].notAfter - chain[0].notBefore == 825 * 86_400 && ca[0].notAfter - ca[0].notBefore == 3_652 * 86_400)
        #expect(abs(chain[0].notBefore + 3600 - now) < 60)
        let verify = try openssl(["verify", "-CAfile", certs.appendingPathComponent("ca.pem").path, "-purpose", "sslserver",
                                  "-verify_hostname", "localhost", "-untrusted", certs.appendingPathComponent("server.pem").path,
                                  certs.appendingPathComponent("server.pem").path])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let key = try CertificateSigningKey(try PrivateKey(pem: try file("server.key")))
        #expect(key.publicKey == chain[0].publicKey.keyBytes && key.algorithm == .ecdsaP256)

        // A second run keeps the CA (same bytes) and issues a new key and certificate under it.
        let caBefore = try file("ca.pem"), caKeyBefore = try file("ca.key"), serverBefore = try file("server.pem")
        let second = try ChildProcess.run(tool, ["cert", "--key-type", "ed25519", "--days", "30", "example.test"], in: work)
        #expect(second.status == 0 && second.stdout.contains("development CA reused"), "\(second.stdout) \(second.stderr)")
        #expect(try file("ca.pem") == caBefore && file("ca.key") == caKeyBefore && file("server.pem") != serverBefore)
        let again = try Certificate.all(pem: try file("server.pem"))
        #expect(again[0].publicKey.algorithm == .ed25519 && again[0].notAfter - again[0].notBefore == 30 * 86_400)
        _ = try validator.validate(leaf: again[0], intermediates: [], now: now, hostName: "example.test")

        // --out elsewhere; refusals say what is wrong and write nothing.
        let other = try ChildProcess.run(tool, ["cert", "--out", "elsewhere/tls", "--key-type", "ed25519", "10.0.0.2"], in: work)
        #expect(other.status == 0, "\(other.stderr)")
        let otherCA = try Certificate.all(pem: Array(try Data(contentsOf: work.appendingPathComponent("elsewhere/tls/ca.pem"))))
        #expect(otherCA[0].publicKey.algorithm == .ed25519 && otherCA[0].bytes != ca[0].bytes)
        for (arguments, message) in [(["cert"], "give the server's names"), (["cert", "bad name"], "'bad name' is neither a DNS name nor an IP address"),
                                     (["cert", "--key-type", "rsa", "x.test"], "--key-type 'rsa': p256 or ed25519"),
                                     (["cert", "--days", "0", "x.test"], "--days 0"),
                                     (["cert", String(repeating: "a", count: 60) + ".test"], "at most 64 bytes")] {
            let refused = try ChildProcess.run(tool, arguments + ["--out", "refused"], in: work)
            #expect(refused.status == 1 && refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("refused").path))
        // A CA key without its certificate is not silently replaced.
        try FileManager.default.removeItem(at: certs.appendingPathComponent("ca.pem"))
        let orphan = try ChildProcess.run(tool, ["cert", "localhost"], in: work)
        #expect(orphan.status == 1 && orphan.stderr.contains("certs/ca.key is there without certs/ca.pem"), "\(orphan.stderr)")
        #expect(try file("ca.key") == caKeyBefore)
    }
}
