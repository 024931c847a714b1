// Tests of the strict DER reader and of PEM/Base64: one case per documented refusal, plus Base64 compared
// with Foundation's encoder on seeded random inputs in both directions.

import ChildProcess
import Foundation
import Testing
@testable import SwiftletCrypto

/// A DER element with a correctly encoded length (test helper; the library has no writer).
private func tlv(_ tag: UInt8, _ contents: [UInt8]) -> [UInt8] {
    let n = contents.count
    var header: [UInt8] = [tag]
    if n < 0x80 { header.append(UInt8(n)) }
    else if n < 0x100 { header += [0x81, UInt8(n)] }
    else if n < 0x10000 { header += [0x82, UInt8(n >> 8), UInt8(n & 0xFF)] }
    else { header += [0x83, UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] }
    return header + contents
}

/// Reads one element of `bytes` with `read` after the structure check; returns the error, if any.
private func derError<T>(_ bytes: [UInt8], _ read: (inout DERReader) throws(DERError) -> T) -> DERError? {
    do throws(DERError) {
        try DER.checkStructure(bytes, 0..<bytes.count)
        var reader = try DERReader(bytes)
        _ = try read(&reader)
        try reader.finish()
        return nil
    } catch {
        return error
    }
}

private func structureError(_ bytes: [UInt8]) -> DERError? { derError(bytes) { (r: inout DERReader) throws(DERError) in try r.next() } }

@Suite struct DERTests {
    @Test func lengthRules() {
        #expect(structureError([0x04, 0x03, 1, 2, 3]) == nil)
        #expect(structureError([0x04, 0x81, 0x03, 1, 2, 3]) == .nonMinimalLength)  // long form for < 128
        #expect(structureError([0x04, 0x82, 0x00, 0x80] + [UInt8](repeating: 7, count: 128)) == .nonMinimalLength)  // leading zero
        #expect(structureError([0x04, 0x81, 0x80] + [UInt8](repeating: 7, count: 128)) == nil)
        #expect(structureError([0x30, 0x80, 0x00, 0x00]) == .indefiniteLength)
        #expect(structureError([0x04, 0xFF, 0x00]) == .lengthTooLarge)
        #expect(structureError([0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00]) == .lengthTooLarge)
        #expect(structureError([0x04, 0x05, 1, 2]) == .truncated)
        #expect(structureError([0x04]) == .truncated)
        #expect(structureError([0x04, 0x82, 0x01]) == .truncated)
        #expect(structureError([0x30, 0x06, 0x30, 0x02, 0x04, 0x02, 0x00, 0x00]) == .lengthBeyondParent)  // child longer than parent
        #expect(structureError([0x05, 0x00, 0x00]) == .trailingData)
        #expect(structureError([]) == .truncated)
    }

    @Test func tagRules() {
        #expect(structureError([0x1F, 0x21, 0x00]) == .highTagNumber)
        #expect(structureError([0x30, 0x03, 0x3F, 0x81, 0x00]) != nil)
        #expect(derError([0x04, 0x00]) { (r: inout DERReader) throws(DERError) in try r.next(DERTag.integer) } == .unexpectedTag)
        #expect(derError([0x24, 0x00]) { (r: inout DERReader) throws(DERError) in try r.octetString() } == .unexpectedTag)  // constructed OCTET STRING
    }

    @Test func integerRules() {
        func int(_ b: [UInt8]) -> DERError? { derError(b) { (r: inout DERReader) throws(DERError) in try r.integer() } }
        #expect(int([0x02, 0x01, 0x00]) == nil)
        #expect(int([0x02, 0x02, 0x00, 0x80]) == nil)
        #expect(int([0x02, 0x02, 0xFF, 0x7F]) == nil)
        #expect(int([0x02, 0x00]) == .nonMinimalInteger)
        #expect(int([0x02, 0x02, 0x00, 0x7F]) == .nonMinimalInteger)
        #expect(int([0x02, 0x02, 0xFF, 0x80]) == .nonMinimalInteger)
        #expect(derError([0x02, 0x01, 0x80]) { (r: inout DERReader) throws(DERError) in try r.smallInteger() } == .integerOutOfRange)
        #expect(derError([0x02, 0x01, 0x05]) { (r: inout DERReader) throws(DERError) in try r.smallInteger(maximum: 4) } == .integerOutOfRange)
        #expect(derError([0x02, 0x01, 0xFF]) { (r: inout DERReader) throws(DERError) in try r.unsignedInteger() } == .integerOutOfRange)
        var r = try! DERReader([0x02, 0x03, 0x00, 0x80, 0x01])
        #expect(try! r.unsignedInteger() == 3..<5)
    }

    @Test func booleanNullRules() {
        func bool(_ b: [UInt8]) -> DERError? { derError(b) { (r: inout DERReader) throws(DERError) in try r.boolean() } }
        #expect(bool([0x01, 0x01, 0xFF]) == nil)
        #expect(bool([0x01, 0x01, 0x00]) == nil)
        #expect(bool([0x01, 0x01, 0x01]) == .badBoolean)
        #expect(bool([0x01, 0x02, 0xFF, 0xFF]) == .badBoolean)
        #expect(bool([0x01, 0x00]) == .badBoolean)
        #expect(derError([0x05, 0x01, 0x00]) { (r: inout DERReader) throws(DERError) in try r.null() } == .badNull)
    }

    @Test func bitStringRules() {
        func bits(_ b: [UInt8]) -> DERError? { derError(b) { (r: inout DERReader) throws(DERError) in try r.bitString() } }
        #expect(bits([0x03, 0x01, 0x00]) == nil)
        #expect(bits([0x03, 0x02, 0x01, 0x02]) == nil)
        #expect(bits([0x03, 0x00]) == .badBitString)
        #expect(bits([0x03, 0x02, 0x08, 0x00]) == .badBitString)  // more than 7 unused bits
        #expect(bits([0x03, 0x02, 0x01, 0x01]) == .badBitString)  // non-zero padding bit
        #expect(bits([0x03, 0x01, 0x01]) == .badBitString)  // unused bits with no octets
        #expect(derError([0x03, 0x02, 0x01, 0x02]) { (r: inout DERReader) throws(DERError) in try r.octetAlignedBitString() } == .badBitString)
    }

    @Test func objectIdentifierRules() {
        func oid(_ b: [UInt8]) -> DERError? { derError(b) { (r: inout DERReader) throws(DERError) in try r.objectIdentifier() } }
        #expect(oid([0x06, 0x03, 0x55, 0x1D, 0x13]) == nil)
        #expect(oid([0x06, 0x03, 0x2A, 0x81, 0x00]) == nil)
        #expect(oid([0x06, 0x00]) == .badObjectIdentifier)
        #expect(oid([0x06, 0x02, 0x2A, 0x86]) == .badObjectIdentifier)  // ends inside a subidentifier
        #expect(oid([0x06, 0x03, 0x2A, 0x80, 0x01]) == .badObjectIdentifier)  // leading 0x80
        #expect(oid([0x06, 0x02, 0x80, 0x01]) == .badObjectIdentifier)
    }

    @Test func timeRules() {
        func time(_ tag: UInt8, _ text: String) -> (Int64?, DERError?) {
            let bytes = tlv(tag, Array(text.utf8))
            do throws(DERError) {
                var r = try DERReader(bytes)
                return (try r.time(), nil)
            } catch { return (nil, error) }
        }
        // References from Foundation's calendar arithmetic.
        func epoch(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
            var c = DateComponents()
            (c.year, c.month, c.day, c.hour, c.minute, c.second) = (y, mo, d, h, mi, s)
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            return Int64(cal.date(from: c)!.timeIntervalSince1970)
        }
        #expect(time(DERTag.utcTime, "250101000000Z").0 == epoch(2025, 1, 1))
        #expect(time(DERTag.utcTime, "491231235959Z").0 == epoch(2049, 12, 31, 23, 59, 59))
        #expect(time(DERTag.utcTime, "500101000000Z").0 == epoch(1950, 1, 1))
        #expect(time(DERTag.utcTime, "240229120000Z").0 == epoch(2024, 2, 29, 12))
        #expect(time(DERTag.generalizedTime, "20500101000000Z").0 == epoch(2050, 1, 1))
        #expect(time(DERTag.generalizedTime, "99991231235959Z").0 == epoch(9999, 12, 31, 23, 59, 59))
        #expect(time(DERTag.generalizedTime, "19000301000000Z").0 == epoch(1900, 3, 1))
        for bad in ["2501010000Z", "250101000000+0100", "251301000000Z", "250230000000Z", "230229000000Z",
                    "250101240000Z", "250101006000Z", "250101000060Z", "250100000000Z", "25010100000Z0", "2501010000001"] {
            #expect(time(DERTag.utcTime, bad).1 == .badTime, "\(bad)")
        }
        for bad in ["20500101000000.5Z", "205001010000Z", "20500101000000", "2050010100000Z0"] {
            #expect(time(DERTag.generalizedTime, bad).1 == .badTime, "\(bad)")
        }
        #expect(time(DERTag.octetString, "250101000000Z").1 == .unexpectedTag)
    }

    @Test func depthAndCountLimits() {
        var nested: [UInt8] = [0x05, 0x00]
        for _ in 0..<(DER.maxDepth - 1) { nested = tlv(0x30, nested) }
        #expect(structureError(nested) == nil)
        #expect(structureError(tlv(0x30, nested)) == .tooDeep)
        var many: [UInt8] = []
        for _ in 0..<DER.maxElements { many += [0x05, 0x00] }
        #expect(structureError(tlv(0x30, many)) == .tooManyElements)
        #expect(structureError(tlv(0x30, Array(many.dropLast(2)))) == nil)
        // A reader refuses to descend past the limit too.
        var r = try! DERReader(tlv(0x30, nested))
        var depthError: DERError?
        do throws(DERError) {
            for _ in 0..<(DER.maxDepth + 1) {
                let e = try r.next(DERTag.sequence)
                r = try r.reader(into: e)
            }
        } catch { depthError = error }
        #expect(depthError == .tooDeep)
    }

    @Test func extensionRules() {
        let bcOID = tlv(0x06, [0x55, 0x1D, 0x13])
        func exts(_ list: [UInt8]) -> DERError? {
            derError(list) { (r: inout DERReader) throws(DERError) in try CertificateExtensions(&r) }
        }
        let ok = tlv(0x30, bcOID + tlv(0x01, [0xFF]) + tlv(0x04, tlv(0x30, tlv(0x01, [0xFF]) + tlv(0x02, [1]))))
        #expect(exts(tlv(0x30, ok)) == nil)
        var r = try! DERReader(tlv(0x30, ok))
        let parsed = try! CertificateExtensions(&r)
        #expect(parsed.basicConstraints == BasicConstraints(isCA: true, pathLengthConstraint: 1))
        #expect(exts(tlv(0x30, ok + ok)) == .duplicateExtension)
        #expect(exts(tlv(0x30, [])) == .badStructure)  // SIZE (1..MAX)
        let explicitFalse = tlv(0x30, bcOID + tlv(0x01, [0x00]) + tlv(0x04, tlv(0x30, [])))
        #expect(exts(tlv(0x30, explicitFalse)) == .encodedDefault)
        let caFalse = tlv(0x30, bcOID + tlv(0x04, tlv(0x30, tlv(0x01, [0x00]))))
        #expect(exts(tlv(0x30, caFalse)) == .encodedDefault)
        let unknownCritical = tlv(0x30, tlv(0x06, [0x2A, 0x03, 0x04]) + tlv(0x01, [0xFF]) + tlv(0x04, tlv(0x05, [])))
        var u = try! DERReader(tlv(0x30, unknownCritical))
        #expect(try! CertificateExtensions(&u).hasUnknownCriticalExtension)
        let badValue = tlv(0x30, bcOID + tlv(0x04, [0x30, 0x01]))  // value not DER
        let unknownNotDER = tlv(0x30, tlv(0x06, [0x2A, 0x03, 0x04]) + tlv(0x04, [0x05, 0x01]))  // not ours: not read
        #expect(exts(tlv(0x30, unknownNotDER)) == nil)
        #expect(exts(tlv(0x30, badValue)) == .truncated)
        // keyUsage bits: digitalSignature (bit 0) and keyCertSign (bit 5): 0b1000_0100, 2 unused bits.
        let ku = tlv(0x30, tlv(0x06, [0x55, 0x1D, 0x0F]) + tlv(0x04, tlv(0x03, [0x02, 0x84])))
        var k = try! DERReader(tlv(0x30, ku))
        let usage = try! CertificateExtensions(&k).keyUsage
        #expect(usage?.contains(.digitalSignature) == true && usage?.contains(.keyCertSign) == true && usage?.contains(.cRLSign) == false)
        let dnsNotASCII = tlv(0x30, tlv(0x06, [0x55, 0x1D, 0x11]) + tlv(0x04, tlv(0x30, tlv(0x82, [0x61, 0xC3, 0xA9]))))
        #expect(exts(tlv(0x30, dnsNotASCII)) == .badString)
    }
}

@Suite struct SignatureAlgorithmTests {
    let sha256 = tlv(0x30, tlv(0x06, [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]) + [0x05, 0x00])
    let sha384 = tlv(0x30, tlv(0x06, [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]))
    let pss = tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A])
    let mgf1 = tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08])

    func read(_ bytes: [UInt8]) -> Result<SignatureAlgorithm, DERError> {
        do throws(DERError) {
            var r = try DERReader(bytes)
            let a = try SignatureAlgorithm.read(&r)
            try r.finish()
            return .success(a)
        } catch { return .failure(error) }
    }

    func pssParams(hash: [UInt8]?, mgfHash: [UInt8]?, salt: UInt8? = nil, trailer: UInt8? = nil) -> [UInt8] {
        var p: [UInt8] = []
        if let h = hash { p += tlv(0xA0, h) }
        if let m = mgfHash { p += tlv(0xA1, tlv(0x30, mgf1 + m)) }
        if let s = salt { p += tlv(0xA2, tlv(0x02, [s])) }
        if let t = trailer { p += tlv(0xA3, tlv(0x02, [t])) }
        return tlv(0x30, pss + tlv(0x30, p))
    }

    @Test func rsassaPSSParameters() {
        #expect(read(pssParams(hash: sha256, mgfHash: sha256, salt: 32)) == .success(.rsaPSS(hash: .sha256, saltLength: 32)))
        #expect(read(pssParams(hash: sha384, mgfHash: sha384, salt: 48, trailer: 1)) == .success(.rsaPSS(hash: .sha384, saltLength: 48)))
        #expect(read(pssParams(hash: sha256, mgfHash: sha256)) == .success(.rsaPSS(hash: .sha256, saltLength: 20)))  // default salt
        #expect(read(pssParams(hash: sha384, mgfHash: sha256, salt: 32)) == .success(.unsupported))  // mismatched hashes
        #expect(read(pssParams(hash: sha256, mgfHash: nil, salt: 32)) == .success(.unsupported))  // MGF1 with SHA-1
        #expect(read(pssParams(hash: nil, mgfHash: nil)) == .success(.unsupported))  // all SHA-1 defaults
        #expect(read(pssParams(hash: sha256, mgfHash: sha256, salt: 32, trailer: 2)) == .success(.unsupported))
        #expect(read(tlv(0x30, pss)) == .success(.unsupported))  // parameters absent
        #expect(read(pssParams(hash: sha256 + [0x05, 0x00], mgfHash: sha256)) == .failure(.trailingData))
        #expect(read(pssParams(hash: sha256, mgfHash: sha256, salt: 0x80)) == .failure(.integerOutOfRange))
    }

    @Test func otherAlgorithms() {
        let ecdsa256 = tlv(0x06, [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02])
        let rsa384 = tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C])
        let ed = tlv(0x06, [0x2B, 0x65, 0x70])
        let sha1RSA = tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05])
        #expect(read(tlv(0x30, ecdsa256)) == .success(.ecdsa(.sha256)))
        #expect(read(tlv(0x30, ecdsa256 + [0x05, 0x00])) == .failure(.trailingData))  // RFC 5758: absent
        #expect(read(tlv(0x30, rsa384 + [0x05, 0x00])) == .success(.rsaPKCS1(.sha384)))
        #expect(read(tlv(0x30, rsa384)) == .success(.rsaPKCS1(.sha384)))  // RFC 4055: absent accepted
        #expect(read(tlv(0x30, ed)) == .success(.ed25519))
        #expect(read(tlv(0x30, ed + [0x05, 0x00])) == .failure(.trailingData))  // RFC 8410: absent
        #expect(read(tlv(0x30, sha1RSA + [0x05, 0x00])) == .success(.unsupported))
        #expect(SignatureAlgorithm.ecdsa(.sha256).accepts(.ecdsaP384) && !SignatureAlgorithm.ecdsa(.sha256).accepts(.rsa))
        #expect(SignatureAlgorithm.rsaPKCS1(.sha256).accepts(.rsa) && !SignatureAlgorithm.rsaPKCS1(.sha256).accepts(.rsaPSS))
        #expect(SignatureAlgorithm.rsaPSS(hash: .sha256, saltLength: 32).accepts(.rsaPSS))
        #expect(!SignatureAlgorithm.ed25519.accepts(.x25519) && !SignatureAlgorithm.unsupported.accepts(.rsa))
    }
}

@Suite struct PEMTests {
    let der: [UInt8] = Array(0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) }

    private func decodeError(_ text: String) -> PEMError? {
        do throws(PEMError) { _ = try PEM.decodeAll(Array(text.utf8)); return nil } catch { return error }
    }

    @Test func base64AgainstFoundation() throws {
        var random = SeededBytes(seed: 0x7e57_b64)
        for length in 0..<300 {
            let data = random.bytes(length)
            let ours = PEM.encodeBase64(data)
            let theirs = Data(data).base64EncodedString()
            #expect(String(decoding: ours, as: UTF8.self) == theirs)
            #expect(try PEM.decodeBase64(Array(theirs.utf8)) == data)
        }
    }

    @Test func roundTripAndTolerances() throws {
        let text = PEM.encode(label: "CERTIFICATE", der: der)
        #expect(try PEM.decode(text, label: "CERTIFICATE") == der)
        // Python's reading of our encoding: the same bytes.
        let python = try ChildProcess.python("import sys,base64; t=sys.stdin.read(); b=t.split('-----')[2]; print(base64.b64decode(b).hex())",
                                          input: String(decoding: text, as: UTF8.self))
        #expect(python.trimmingCharacters(in: .whitespacesAndNewlines) == hex(der))
        let body = Data(der).base64EncodedString()
        // Explanatory text around blocks, CRLF, trailing blanks, one long line, two blocks with other labels.
        let messy = "Subject: test\r\nsome text\r\n-----BEGIN CERTIFICATE-----  \r\n\(body) \t\r\n-----END CERTIFICATE-----\r\n" +
            "between\n-----BEGIN PRIVATE KEY-----\n\(body.prefix(64))\n\(body.dropFirst(64))\n-----END PRIVATE KEY-----\ntrailing"
        let blocks = try PEM.decodeAll(Array(messy.utf8))
        #expect(blocks.count == 2)
        #expect(blocks[0].der == der && blocks[0].hasLabel("CERTIFICATE"))
        #expect(blocks[1].der == der && blocks[1].hasLabel("PRIVATE KEY"))
        #expect(try PEM.decodeAll(Array("-----BEGIN CERTIFICATE-----\r\(body)\r-----END CERTIFICATE-----".utf8)).first?.der == der)
        #expect(try PEM.decodeAll(Array("no blocks at all\n".utf8)).isEmpty)
        #expect(try PEM.decodeAll(Array("-----BEGIN X-----\n-----END X-----\n".utf8)).first?.der == [])
    }

    @Test func refusals() {
        let body = Data(der).base64EncodedString()
        func wrap(_ b: String, begin: String = "CERTIFICATE", end: String = "CERTIFICATE") -> String {
            "-----BEGIN \(begin)-----\n\(b)\n-----END \(end)-----\n"
        }
        #expect(decodeError(wrap(body)) == nil)
        #expect(decodeError(wrap(body, end: "PRIVATE KEY")) == .labelMismatch)
        #expect(decodeError("-----BEGIN CERTIFICATE-----\n\(body)\n") == .missingEnd)
        #expect(decodeError(wrap("!" + body.dropFirst())) == .badBase64)  // not in the alphabet
        #expect(decodeError(wrap(String(body.dropLast()))) == .badBase64)  // not a multiple of 4
        #expect(decodeError(wrap("QR==")) == .badBase64)  // non-zero padding bits
        #expect(decodeError(wrap("QQ==")) == nil)
        #expect(decodeError(wrap("QQ==\nQUFB")) == .badBase64)  // data after padding
        #expect(decodeError(wrap("QQ=A")) == .badBase64)  // padding inside
        #expect(decodeError(wrap("Q===")) == .badBase64)
        #expect(decodeError(wrap("QU FB")) == .badBase64)  // space inside a line
        #expect(decodeError(wrap(" QUFB")) == .badBase64)  // leading space
        #expect(decodeError(wrap("QUFB\n\nQUFB")) == .badBase64)  // empty line
        #expect(decodeError(wrap("Proc-Type: 4,ENCRYPTED\nQUFB")) == .badBase64)  // RFC 1421 header
        #expect(decodeError("-----BEGIN CERTIFICATE----\nQUFB\n-----END CERTIFICATE-----\n") == .badBoundary)
        #expect(decodeError("-----BEGIN CERTIFICATE----- x\nQUFB\n-----END CERTIFICATE-----\n") == .badBoundary)
        #expect(decodeError(wrap("QUFB", begin: "A  B", end: "A  B")) == .badBoundary)
        #expect(decodeError(wrap("QUFB", begin: "A-B", end: "A-B")) == nil)
        #expect(decodeError(wrap("QUFB", begin: " AB", end: " AB")) == .badBoundary)
        #expect(decodeError("-----BEGINCERTIFICATE-----\n") == .badBoundary)
        let big = Array(wrap(body).utf8)
        #expect(throws: PEMError.tooLarge) { try PEM.decodeAll(big, maximumSize: big.count - 1) }
        #expect(throws: PEMError.noBlock) { try PEM.decode(big, label: "PRIVATE KEY") }
    }
}

/// The ECDSA signature inside a certificate (RFC 5758 §3.2 Ecdsa-Sig-Value) as SignatureVerifier reads it.
@Test func ecdsaSignatureValueIsReadStrictly() throws {
    func raw(_ der: [UInt8], width: Int = 32) -> Result<[UInt8], CryptoError> {
        do throws(CryptoError) { return .success(try SignatureVerifier.ecdsaSignature(der.span, width: width)) } catch { return .failure(error) }
    }
    // r = 1, s = 0x80 (needs a sign octet): padded to the width.
    let good: [UInt8] = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]
    #expect(raw(good) == .success([UInt8](repeating: 0, count: 31) + [1] + [UInt8](repeating: 0, count: 31) + [0x80]))
    #expect(raw(good + [0]) == .failure(.authenticationFailure))                                        // trailing byte
    #expect(raw([0x30, 0x08, 0x02, 0x02, 0x00, 0x01, 0x02, 0x02, 0x00, 0x80]) == .failure(.authenticationFailure))  // non-minimal r
    #expect(raw([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01]) == .failure(.badScalar))             // negative r
    #expect(raw([0x30, 0x03, 0x02, 0x01, 0x01]) == .failure(.authenticationFailure))                   // s missing
    let wide = [0x30, 0x26, 0x02, 0x21, 0x01] + [UInt8](repeating: 0, count: 32) + [0x02, 0x01, 0x01]
    #expect(raw(wide) == .failure(.badScalar))                                                          // r wider than P-256
    #expect(raw(wide, width: 48).map(\.count) == .success(96))
}
