// Tests for SwiftletCrypto/RSA: NIST CAVP vectors (FIPS 186-3 SigVer15, SigVerPSS, SigGen15), the RSA
// Laboratories PKCS #1 v2.1 PSS example 10 (its 2048-bit CRT key), differential tests against Python's
// `cryptography` (OpenSSL) on freshly generated keys in both directions, and every documented refusal.

import ChildProcess
import Foundation
import Testing
@testable import SwiftletCrypto

private func digest(_ hash: HashAlgorithm, _ message: [UInt8]) -> [UInt8] {
    hash.hash(message.span, [UInt8]().span, [UInt8]().span)
}

private func rsaHash(_ name: String) -> HashAlgorithm? {
    switch name.uppercased() {
    case "SHA256": .sha256
    case "SHA384": .sha384
    case "SHA512": .sha512
    default: nil
    }
}

private func modBits(_ section: String) -> Int {
    Int(section.filter(\.isNumber)) ?? 0
}

/// Runs `check` on each record of a CAVP SigVer file for moduli of 2048-4096 bits and SHA-256/384/512,
/// carrying the modulus from the record that holds it. Returns the number of records checked.
private func forEachSigVer(_ file: String, _ check: (_ n: [UInt8], _ record: [String: String], _ hash: HashAlgorithm) -> Void) throws -> Int {
    var n: [UInt8] = []
    var count = 0
    for record in cavpRecords(try Reference.vectorFile(file)) {
        if let modulus = record["n"] { n = bytes(hex: modulus) }
        guard let alg = record["SHAAlg"], let hash = rsaHash(alg), modBits(record["[]"] ?? "") >= 2048 else { continue }
        check(n, record, hash)
        count += 1
    }
    return count
}

@Test func pkcs1v15SigVerCAVP() throws {
    var passes = 0
    let count = try forEachSigVer("asymmetric/RSA/FIPS_186-2/SigVer15_186-3.rsp") { n, record, hash in
        let e = bytes(hex: record["e"]!), msg = bytes(hex: record["Msg"]!), s = bytes(hex: record["S"]!)
        let expected = record["Result"]!.hasPrefix("P")
        var accepted = false
        do throws(CryptoError) {
            let key = try RSAPublicKey(modulus: n.span, exponent: e.span)
            try key.verifyPKCS1v15(signature: s.span, digest: digest(hash, msg).span, hash: hash)
            accepted = true
        } catch {}
        #expect(accepted == expected, "\(record)")
        if accepted { passes += 1 }
    }
    #expect(count == 3 * 3 * 6 * 3)  // 3 sizes, 3 hashes, 6 per group, 3 groups of them
    #expect(passes > 0 && passes < count)
}

@Test func pssSigVerCAVP() throws {
    var passes = 0
    let count = try forEachSigVer("asymmetric/RSA/FIPS_186-2/SigVerPSS_186-3.rsp") { n, record, hash in
        let e = bytes(hex: record["e"]!), msg = bytes(hex: record["Msg"]!), s = bytes(hex: record["S"]!)
        let saltLength = bytes(hex: record["SaltVal"]!).count
        let expected = record["Result"]!.hasPrefix("P")
        var accepted = false
        do throws(CryptoError) {
            let key = try RSAPublicKey(modulus: n.span, exponent: e.span)
            try key.verifyPSS(signature: s.span, digest: digest(hash, msg).span, hash: hash, saltLength: saltLength)
            accepted = true
        } catch {}
        #expect(accepted == expected, "\(record)")
        if accepted { passes += 1 }
    }
    #expect(count == 3 * 3 * 6 * 3)
    #expect(passes > 0 && passes < count)
}

/// SigGen15 signatures are deterministic and all valid: each verifies, and with one bit flipped does not.
@Test func pkcs1v15SigGenCAVP() throws {
    var n: [UInt8] = [], e: [UInt8] = []
    var count = 0
    for record in cavpRecords(try Reference.vectorFile("asymmetric/RSA/FIPS_186-2/SigGen15_186-3.rsp")) {
        if let modulus = record["n"] { n = bytes(hex: modulus) }
        if let exponent = record["e"] { e = bytes(hex: exponent) }
        guard let alg = record["SHAAlg"], let hash = rsaHash(alg), modBits(record["[]"] ?? "") >= 2048 else { continue }
        let key = try RSAPublicKey(modulus: n.span, exponent: e.span)
        let msg = bytes(hex: record["Msg"]!)
        var s = bytes(hex: record["S"]!)
        try key.verifyPKCS1v15(signature: s.span, digest: digest(hash, msg).span, hash: hash)
        s[count % s.count] ^= 1 << UInt8(count % 8)
        #expect(throws: CryptoError.authenticationFailure) {
            try key.verifyPKCS1v15(signature: s.span, digest: digest(hash, msg).span, hash: hash)
        }
        count += 1
    }
    #expect(count == 3 * 3 * 10)
}

/// PKCS #1 v2.1 test vectors (RSA Laboratories, pss-vect.txt), example 10: a 2048-bit key with its CRT
/// components. The examples use SHA-1, which SwiftletCrypto does not offer, so this checks the RSA primitives:
/// RSAVP1 of each signature gives an EMSA-PSS block (ending in 0xbc), and RSASP1 with the CRT (our private
/// operation) gives the signature back.
@Test func pkcs1PSSExample10RawPrimitives() throws {
    let text = try Reference.vectorFile("asymmetric/RSA/pkcs-1v2-1d2-vec/pss-vect.txt")
    guard let start = text.range(of: "# Example 10: A 2048-bit RSA key pair") else { Issue.record("no example 10"); return }
    // Hex blocks under each "# Title:" line, in order.
    var fields: [(String, [UInt8])] = []
    var title = "", hexText = ""
    func flush() { if !title.isEmpty && !hexText.isEmpty { fields.append((title, bytes(hex: hexText))) }; hexText = "" }
    for line in text[start.upperBound...].split(whereSeparator: \.isNewline) {  // the file has CRLF line ends
        if line.hasPrefix("# ") { flush(); title = String(line.dropFirst(2)).trimmingCharacters(in: .whitespacesAndNewlines); continue }
        if line.hasPrefix("#") || line.hasPrefix("=") { continue }
        hexText += line
    }
    flush()
    func field(_ name: String, _ index: Int = 0) -> [UInt8] { fields.filter { $0.0 == name }[index].1 }
    let n = field("Modulus:"), e = field("Public exponent:")
    let key = try RSAPrivateKey(modulus: n.span, publicExponent: e.span, privateExponent: field("Exponent:", 1).span,
                                prime1: field("Prime 1:").span, prime2: field("Prime 2:").span,
                                exponent1: field("Prime exponent 1:").span, exponent2: field("Prime exponent 2:").span,
                                coefficient: field("Coefficient:").span)
    let signatures = fields.filter { $0.0 == "Signature:" }.map(\.1)
    #expect(signatures.count == 6)
    for signature in signatures {
        let em = try key.publicKey.open(signature: signature.span, emLength: 256)
        #expect(em.last == 0xbc)
        let loaded = RSAArithmetic.load(bigEndian: em.span, width: 32)
        let m = try #require(loaded)
        let s = try key.sign(representative: m)
        #expect(RSAArithmetic.store(s, length: 256) == signature)
    }
}

// MARK: - Differential tests against Python `cryptography`

/// A key generated by Python for this run.
private struct PythonKey {
    var bits: Int
    var n, e, d, p, q, dp, dq, qi: [UInt8]
    func privateKey() throws -> RSAPrivateKey {
        try RSAPrivateKey(modulus: n.span, publicExponent: e.span, privateExponent: d.span, prime1: p.span,
                          prime2: q.span, exponent1: dp.span, exponent2: dq.span, coefficient: qi.span)
    }
    func publicKey() throws -> RSAPublicKey { try RSAPublicKey(modulus: n.span, exponent: e.span) }
    var emLength: Int { (bits - 1 + 7) / 8 }
}

private let hashes: [HashAlgorithm] = [.sha256, .sha384, .sha512]
private func name(_ hash: HashAlgorithm) -> String {
    switch hash { case .sha256: "SHA256"; case .sha384: "SHA384"; case .sha512: "SHA512" }
}

/// Python generates keys (2048 bits with e = 65537 and e = 3; 2049 bits from primes of 1025 and 1024 bits,
/// so emLen = k - 1 and the primes differ in limb count; 3000, 3072 and 4096 bits) and signs the given
/// messages with PKCS#1 v1.5, PSS with a digest-length salt and PSS with the longest salt; we verify all.
/// We then sign every message with PSS (seeded salts of the digest length, of 0 bytes and of 17 bytes)
/// and Python verifies. Returns nothing; failures are recorded.
@Test func differentialAgainstPythonCryptography() throws {
    var rng = SeededBytes(seed: 0x5253_4131_3937)
    let messages = (0..<6).map { i in rng.bytes(1 + rng.below(200) + i) }
    let script = """
    import sys
    from cryptography.hazmat.primitives.asymmetric import rsa, padding
    from cryptography.hazmat.primitives import hashes
    H = {'SHA256': hashes.SHA256(), 'SHA384': hashes.SHA384(), 'SHA512': hashes.SHA512()}
    names = ['SHA256', 'SHA384', 'SHA512']
    msgs = [bytes.fromhex(x) for x in sys.stdin.read().split()]
    import secrets
    def prime(bits):  # top two bits set; Miller-Rabin with 40 random bases
        while True:
            c = secrets.randbits(bits) | (3 << (bits - 2)) | 1
            if any(c % s == 0 for s in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)): continue
            d, r = c - 1, 0
            while d % 2 == 0: d, r = d // 2, r + 1
            def witness(a):
                x = pow(a, d, c)
                if x in (1, c - 1): return False
                for _ in range(r - 1):
                    x = x * x % c
                    if x == c - 1: return False
                return True
            if not any(witness(secrets.randbelow(c - 3) + 2) for _ in range(40)): return c
    def odd_key(pbits, qbits, e=65537):  # OpenSSL only makes even sizes; this gives n of pbits + qbits bits
        while True:
            p, q = prime(pbits), prime(qbits)
            try: d = pow(e, -1, (p - 1) * (q - 1))
            except ValueError: continue
            pub = rsa.RSAPublicNumbers(e, p * q)
            return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), pub).private_key()
    for bits, e in [(2048, 65537), (2048, 3), (2049, 65537), (3000, 65537), (3072, 65537), (4096, 65537)]:
        k = odd_key(1025, 1024) if bits == 2049 else rsa.generate_private_key(public_exponent=e, key_size=bits)
        v = k.private_numbers()
        assert v.public_numbers.n.bit_length() == bits
        h = lambda x: '%x' % x if len('%x' % x) % 2 == 0 else '0%x' % x
        print('key', bits, h(v.public_numbers.n), h(v.public_numbers.e), h(v.d), h(v.p), h(v.q), h(v.dmp1), h(v.dmq1), h(v.iqmp))
        for i, m in enumerate(msgs):
            hn = names[i % 3]
            a = k.sign(m, padding.PKCS1v15(), H[hn])
            b = k.sign(m, padding.PSS(mgf=padding.MGF1(H[hn]), salt_length=padding.PSS.DIGEST_LENGTH), H[hn])
            c = k.sign(m, padding.PSS(mgf=padding.MGF1(H[hn]), salt_length=padding.PSS.MAX_LENGTH), H[hn])
            print('sig', i, hn, a.hex(), b.hex(), c.hex())
    """
    let output = try ChildProcess.python(script, input: messages.map(hex).joined(separator: "\n"))
    var keys: [PythonKey] = []
    var checked = 0
    for line in output.split(separator: "\n") {
        let f = line.split(separator: " ").map(String.init)
        if f[0] == "key" {
            keys.append(PythonKey(bits: Int(f[1])!, n: bytes(hex: f[2]), e: bytes(hex: f[3]), d: bytes(hex: f[4]),
                                  p: bytes(hex: f[5]), q: bytes(hex: f[6]), dp: bytes(hex: f[7]), dq: bytes(hex: f[8]),
                                  qi: bytes(hex: f[9])))
            continue
        }
        let key = keys[keys.count - 1]
        let publicKey = try key.publicKey()
        #expect(publicKey.bitLength == key.bits)
        let hash = rsaHash(f[2])!
        let md = digest(hash, messages[Int(f[1])!])
        let v15 = bytes(hex: f[3]), pss = bytes(hex: f[4]), pssMax = bytes(hex: f[5])
        try publicKey.verifyPKCS1v15(signature: v15.span, digest: md.span, hash: hash)
        try publicKey.verifyPSS(signature: pss.span, digest: md.span, hash: hash)
        try publicKey.verifyPSS(signature: pssMax.span, digest: md.span, hash: hash,
                                saltLength: key.emLength - hash.digestLength - 2)
        // The wrong salt length, the wrong scheme and the wrong digest do not verify.
        #expect(throws: CryptoError.authenticationFailure) {
            try publicKey.verifyPSS(signature: pss.span, digest: md.span, hash: hash, saltLength: hash.digestLength - 1)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try publicKey.verifyPKCS1v15(signature: pss.span, digest: md.span, hash: hash)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try publicKey.verifyPSS(signature: v15.span, digest: md.span, hash: hash)
        }
        var otherDigest = md
        otherDigest[0] ^= 0x80
        #expect(throws: CryptoError.authenticationFailure) {
            try publicKey.verifyPKCS1v15(signature: v15.span, digest: otherDigest.span, hash: hash)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try publicKey.verifyPSS(signature: pss.span, digest: otherDigest.span, hash: hash)
        }
        checked += 1
    }
    #expect(keys.count == 6 && checked == 6 * messages.count)

    // Our PSS signatures, verified by Python.
    var lines: [String] = []
    for key in keys {
        let privateKey = try key.privateKey()
        for (i, message) in messages.enumerated() {
            let hash = hashes[i % 3]
            let md = digest(hash, message)
            for saltLength in [hash.digestLength, 0, 17] {
                let salt = rng.bytes(saltLength)
                let signature = try privateKey.signPSS(digest: md.span, hash: hash, salt: salt.span)
                #expect(signature.count == (key.bits + 7) / 8)
                try privateKey.publicKey.verifyPSS(signature: signature.span, digest: md.span, hash: hash, saltLength: saltLength)
                lines.append([hex(key.n), hex(key.e), name(hash), String(saltLength), hex(message), hex(signature)].joined(separator: " "))
            }
        }
    }
    let verdicts = try ChildProcess.python("""
    import sys
    from cryptography.hazmat.primitives.asymmetric import rsa, padding
    from cryptography.hazmat.primitives import hashes
    H = {'SHA256': hashes.SHA256(), 'SHA384': hashes.SHA384(), 'SHA512': hashes.SHA512()}
    for line in sys.stdin.read().splitlines():
        n, e, hn, sl, m, s = line.split()
        key = rsa.RSAPublicNumbers(int(e, 16), int(n, 16)).public_key()
        try:
            key.verify(bytes.fromhex(s), bytes.fromhex(m), padding.PSS(mgf=padding.MGF1(H[hn]), salt_length=int(sl)), H[hn])
            print('ok')
        except Exception as x:
            print('bad', type(x).__name__)
    """, input: lines.joined(separator: "\n"))
    let results = verdicts.split(separator: "\n")
    #expect(results.count == lines.count)
    #expect(results.allSatisfy { $0 == "ok" }, "\(verdicts)")
}

// MARK: - Refusals

/// A fresh 2048-bit key from Python: n, e and [d, p, q, dP, dQ, qInv].
private func freshKey() throws -> (n: [UInt8], e: [UInt8], parts: [[UInt8]]) {
    let out = try ChildProcess.python("""
    from cryptography.hazmat.primitives.asymmetric import rsa
    v = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    h = lambda x: '%x' % x if len('%x' % x) % 2 == 0 else '0%x' % x
    print(h(v.public_numbers.n), h(v.public_numbers.e), h(v.d), h(v.p), h(v.q), h(v.dmp1), h(v.dmq1), h(v.iqmp))
    """)
    let f = out.split(whereSeparator: \.isWhitespace).map { bytes(hex: String($0)) }
    return (f[0], f[1], Array(f[2...]))
}

/// The private key with components n, e and [d, p, q, dP, dQ, qInv].
private func privateKey(_ n: [UInt8], _ e: [UInt8], _ parts: [[UInt8]]) throws(CryptoError) -> RSAPrivateKey {
    let d = parts[0], p = parts[1], q = parts[2], dp = parts[3], dq = parts[4], qi = parts[5]
    return try RSAPrivateKey(modulus: n.span, publicExponent: e.span, privateExponent: d.span, prime1: p.span,
                             prime2: q.span, exponent1: dp.span, exponent2: dq.span, coefficient: qi.span)
}

/// One fresh key and a PSS signature made with it, shared by the refusal tests.
private struct Fixture {
    let n, e: [UInt8]
    let parts: [[UInt8]]
    let key: RSAPrivateKey
    var pub: RSAPublicKey { key.publicKey }
    let md = digest(.sha256, [1, 2, 3])
    let salt = [UInt8](repeating: 7, count: 32)
    let signature: [UInt8]
    init() throws {
        (n, e, parts) = try freshKey()
        let key = try privateKey(n, e, parts)
        let md = digest(.sha256, [1, 2, 3]), salt = [UInt8](repeating: 7, count: 32)
        let signature = try key.signPSS(digest: md.span, hash: .sha256, salt: salt.span)
        try key.publicKey.verifyPSS(signature: signature.span, digest: md.span, hash: .sha256)
        self.key = key
        self.signature = signature
    }
    static let shared = Result { try Fixture() }
}

@Test func publicKeyRefusals() throws {
    let f = try Fixture.shared.get()
    let n = f.n, e = f.e

    // Modulus sizes out of range: 2047 and 4097 bits (and 1024) are .badLength; 2048 with leading zeros is fine.
    let small = [UInt8](repeating: 0xff, count: 256).enumerated().map { $0.offset == 0 ? UInt8(0x7f) : $0.element }
    #expect(throws: CryptoError.badLength) { try RSAPublicKey(modulus: small.span, exponent: e.span) }
    let big = [0x01] + [UInt8](repeating: 0xff, count: 512)
    #expect(throws: CryptoError.badLength) { try RSAPublicKey(modulus: big.span, exponent: e.span) }
    #expect(throws: CryptoError.badLength) { try RSAPublicKey(modulus: Array(n[128...]).span, exponent: e.span) }
    #expect(throws: CryptoError.badLength) { try RSAPublicKey(modulus: [UInt8]().span, exponent: e.span) }
    _ = try RSAPublicKey(modulus: ([0, 0] + n).span, exponent: ([0] + e).span)
    // Exponents: even, 1, 0, empty, 2^32 and above are .badScalar; an even modulus too.
    for bad: [UInt8] in [[0x01, 0x00, 0x00], [0x01], [0x00], [], [0x01, 0x00, 0x00, 0x00, 0x01], [0x02]] {
        #expect(throws: CryptoError.badScalar) { try RSAPublicKey(modulus: n.span, exponent: bad.span) }
    }
    _ = try RSAPublicKey(modulus: n.span, exponent: [0xff, 0xff, 0xff, 0xff].span)
    var even = n
    even[even.count - 1] &= 0xfe
    #expect(throws: CryptoError.badScalar) { try RSAPublicKey(modulus: even.span, exponent: e.span) }
}

@Test func signatureRefusals() throws {
    let f = try Fixture.shared.get()
    let n = f.n, pub = f.pub, md = f.md, signature = f.signature, key = f.key, salt = f.salt
    // Signature length other than k: .badLength (both schemes).
    for bad in [Array(signature.dropFirst()), [0] + signature, []] {
        #expect(throws: CryptoError.badLength) { try pub.verifyPSS(signature: bad.span, digest: md.span, hash: .sha256) }
        #expect(throws: CryptoError.badLength) { try pub.verifyPKCS1v15(signature: bad.span, digest: md.span, hash: .sha256) }
    }
    // Signature ≥ n: n itself, n + 1 and all-ones.
    var aboveN = n
    aboveN[n.count - 1] = 0xff  // ≥ n
    for bad in [n, aboveN, [UInt8](repeating: 0xff, count: 256)] {
        #expect(throws: CryptoError.authenticationFailure) { try pub.verifyPSS(signature: bad.span, digest: md.span, hash: .sha256) }
        #expect(throws: CryptoError.authenticationFailure) { try pub.verifyPKCS1v15(signature: bad.span, digest: md.span, hash: .sha256) }
    }
    // Flipped bits anywhere.
    for bit in stride(from: 0, to: 2048, by: 97) {
        var bad = signature
        bad[bit / 8] ^= 1 << UInt8(bit % 8)
        #expect(throws: CryptoError.authenticationFailure) { try pub.verifyPSS(signature: bad.span, digest: md.span, hash: .sha256) }
    }
    // Wrong hash: a digest of the wrong length is .badLength; the same signature under another hash fails.
    #expect(throws: CryptoError.badLength) { try pub.verifyPSS(signature: signature.span, digest: md.span, hash: .sha384) }
    #expect(throws: CryptoError.badLength) { try pub.verifyPKCS1v15(signature: signature.span, digest: md.span, hash: .sha512) }
    let md384 = digest(.sha384, [1, 2, 3])
    #expect(throws: CryptoError.authenticationFailure) { try pub.verifyPSS(signature: signature.span, digest: md384.span, hash: .sha384) }
    #expect(throws: CryptoError.badLength) { try pub.verifyPSS(signature: signature.span, digest: md.span, hash: .sha256, saltLength: -1) }
    #expect(throws: CryptoError.badLength) { try key.signPSS(digest: md384.span, hash: .sha256, salt: salt.span) }
    // A salt too long for the modulus (emLen < hLen + sLen + 2): signing is .badLength, verifying fails.
    let longSalt = [UInt8](repeating: 1, count: 256 - 32 - 1)
    #expect(throws: CryptoError.badLength) { try key.signPSS(digest: md.span, hash: .sha256, salt: longSalt.span) }
    #expect(throws: CryptoError.authenticationFailure) {
        try pub.verifyPSS(signature: signature.span, digest: md.span, hash: .sha256, saltLength: 256 - 32 - 1)
    }
}

/// RSASP1 of a 256-byte block with the private key (no encoding).
private func rawSign(_ key: RSAPrivateKey, _ em: [UInt8]) throws(CryptoError) -> [UInt8] {
    guard let m = RSAArithmetic.load(bigEndian: em.span, width: 32) else { throw .badLength }
    return RSAArithmetic.store(try key.sign(representative: m), length: 256)
}

@Test func pkcs1v15AlmostRightBlocks() throws {
    let f = try Fixture.shared.get()
    let pub = f.pub, md = f.md, key = f.key
    // PKCS#1 v1.5 blocks that are almost right (signed raw with the private key) are refused: the DigestInfo
    // without its NULL, a short PS with garbage after the digest, block type 2, a missing 00 separator.
    let prefix = HashAlgorithm.sha256.digestInfoPrefix
    let good = [0x00, 0x01] + [UInt8](repeating: 0xff, count: 256 - 3 - 51) + [0x00] + prefix + md
    let goodSignature = try rawSign(key, good)
    try pub.verifyPKCS1v15(signature: goodSignature.span, digest: md.span, hash: .sha256)
    let noNull: [UInt8] = [0x30, 0x2f, 0x30, 0x0b] + prefix[4..<15] + [0x04, 0x20]
    let malformed: [[UInt8]] = [
        [0x00, 0x01] + [UInt8](repeating: 0xff, count: 256 - 3 - 49) + [0x00] + noNull + md,
        [0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00] + prefix + md + [UInt8](repeating: 0x42, count: 256 - 11 - 51),
        [0x00, 0x02] + [UInt8](repeating: 0xff, count: 256 - 3 - 51) + [0x00] + prefix + md,
        [0x00, 0x01] + [UInt8](repeating: 0xff, count: 256 - 2 - 51) + prefix + md,
    ]
    for em in malformed {
        #expect(em.count == 256)
        let signature = try rawSign(key, em)
        #expect(throws: CryptoError.authenticationFailure) {
            try pub.verifyPKCS1v15(signature: signature.span, digest: md.span, hash: .sha256)
        }
    }
}

/// EMSA-PSS blocks that are almost right, signed raw: each step of RFC 8017 §9.1.2 refuses its own fault.
@Test func pssAlmostRightBlocks() throws {
    let f = try Fixture.shared.get()
    let pub = f.pub, md = f.md, key = f.key
    let salt = [UInt8](repeating: 0x5a, count: 32)
    let em = try RSAPSS.encode(digest: md.span, salt: salt.span, hash: .sha256, emBits: 2047)
    #expect(em.count == 256)
    let goodSignature = try rawSign(key, em)
    try pub.verifyPSS(signature: goodSignature.span, digest: md.span, hash: .sha256)
    // Byte positions: PS is em[0..<190], the 01 separator em[190], the salt em[191..<223], H em[223..<255].
    let faults: [(Int, UInt8)] = [
        (255, 0x01),  // step 4: the trailer is not 0xbc
        (0, 0x80),    // step 6: the bit above emBits is set
        (1, 0x10),    // step 10: a non-zero byte in PS
        (189, 0x01),  // step 10: the last PS byte
        (190, 0x01),  // step 10: the 01 separator becomes 00
        (200, 0x04),  // step 14: the salt changes, so H' differs
        (230, 0x20),  // step 14: H changes (and with it the mask)
    ]
    for (position, bits) in faults {
        var bad = em
        bad[position] ^= bits
        // With its top bit set the block may be ≥ n, and then no signature opens to it: nothing to test.
        if position == 0 && !bad.lexicographicallyPrecedes(f.n) { continue }
        let signature = try rawSign(key, bad)
        #expect(throws: CryptoError.authenticationFailure) {
            try pub.verifyPSS(signature: signature.span, digest: md.span, hash: .sha256)
        }
    }
}

@Test func privateKeyRefusals() throws {
    let f = try Fixture.shared.get()
    let n = f.n, e = f.e, parts = f.parts, md = f.md, salt = f.salt
    func makeKey(_ parts: [[UInt8]]) throws(CryptoError) -> RSAPrivateKey { try privateKey(n, e, parts) }
    // Private keys that do not hold together are .badScalar: p and q swapped without a new qInv, a qInv off
    // by one, dP ≥ p, a p that does not divide n, an even p.
    var swapped = parts
    swapped.swapAt(1, 2)
    swapped.swapAt(3, 4)
    var badQInv = parts
    badQInv[5][badQInv[5].count - 1] ^= 1
    var bigDp = parts
    bigDp[3] = parts[1]
    var wrongP = parts
    wrongP[1][wrongP[1].count - 1] ^= 2
    var evenP = parts
    evenP[1][evenP[1].count - 1] ^= 1
    for bad in [swapped, badQInv, bigDp, wrongP, evenP] {
        #expect(throws: CryptoError.badScalar) { try makeKey(bad) }
    }
    var zeroD = parts
    zeroD[0] = [0]
    #expect(throws: CryptoError.badScalar) { try makeKey(zeroD) }
    // A dP that passes the cheap checks but is wrong: signing refuses to release the faulty signature.
    var wrongDp = parts
    wrongDp[3][wrongDp[3].count - 1] ^= 2
    let faulty = try makeKey(wrongDp)
    #expect(throws: CryptoError.badScalar) { try faulty.signPSS(digest: md.span, hash: .sha256, salt: salt.span) }
}

/// A quick speed figure, off unless RSA_BENCH is set (no timed assertions).
@Test(.enabled(if: ProcessInfo.processInfo.environment["RSA_BENCH"] != nil))
func rsaSpeed() throws {
    let (n, e, parts) = try freshKey()
    let key = try privateKey(n, e, parts)
    let md = digest(.sha256, [1, 2, 3])
    let salt = [UInt8](repeating: 7, count: 32)
    let signature = try key.signPSS(digest: md.span, hash: .sha256, salt: salt.span)
    let clock = ContinuousClock()
    var verifies = 0
    let verifyStart = clock.now
    while clock.now - verifyStart < .seconds(1) {
        for _ in 0..<100 { try key.publicKey.verifyPSS(signature: signature.span, digest: md.span, hash: .sha256) }
        verifies += 100
    }
    let verifyTime = clock.now - verifyStart
    var signs = 0
    let signStart = clock.now
    while clock.now - signStart < .seconds(1) {
        _ = try key.signPSS(digest: md.span, hash: .sha256, salt: salt.span)
        signs += 1
    }
    let signTime = clock.now - signStart
    func perSecond(_ count: Int, _ d: Duration) -> Double {
        Double(count) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
    print("RSA-2048 verify (PSS): \(Int(perSecond(verifies, verifyTime))) ops/s; sign (PSS, CRT): \(Int(perSecond(signs, signTime))) ops/s")
}
