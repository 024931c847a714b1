// Tests for Curve25519/: X25519 (RFC 7748) and Ed25519 (RFC 8032) against the RFCs' vectors, the
// cryptography_vectors files (rfc7748.txt, djb's sign.input), Python `cryptography` (OpenSSL) on seeded
// random inputs in both directions, and every documented refusal. The field and scalar layers are checked
// against Python integers at their limb bounds.

import ChildProcess
import Foundation
import Testing
@testable import SwiftletCrypto

// MARK: Helpers

private func x25519(_ k: [UInt8], _ u: [UInt8]) throws -> [UInt8] {
    try X25519.sharedSecret(privateKey: k.span, peerPublicKey: u.span)
}

private func verifyResult(_ signature: [UInt8], _ message: [UInt8], _ key: [UInt8]) -> CryptoError? {
    do throws(CryptoError) {
        try Ed25519.verify(signature: signature.span, message: message.span, publicKey: key.span)
        return nil
    } catch {
        return error
    }
}

private func lines(_ text: String) -> [Substring] {
    text.split(separator: "\n").filter { !$0.isEmpty }
}

private let p25519Hex = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
/// L, little endian.
private let orderBytes = bytes(hex: "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

/// a + b as 32-byte little-endian integers (the carry out is dropped).
private func add32(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    var carry = 0
    for i in 0..<32 {
        let s = Int(a[i]) + Int(b[i]) + carry
        out[i] = UInt8(s & 0xff)
        carry = s >> 8
    }
    return out
}

// MARK: X25519

@Test func x25519Rfc7748Section5Vectors() throws {
    // RFC 7748 §5.2, the two single-shot vectors (the second has a u with its top bit set).
    #expect(hex(try x25519(bytes(hex: "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                           bytes(hex: "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")))
            == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    #expect(hex(try x25519(bytes(hex: "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                           bytes(hex: "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")))
            == "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
}

@Test func x25519Rfc7748IteratedVectors() throws {
    // RFC 7748 §5.2: k = u = 9; repeat k, u = X25519(k, u), k. After 1 and after 1,000 iterations.
    var k = [UInt8](repeating: 0, count: 32), u = k
    k[0] = 9; u[0] = 9
    for i in 1...1000 {
        let next = try x25519(k, u)
        u = k
        k = next
        if i == 1 { #expect(hex(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079") }
    }
    #expect(hex(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
}

@Test func x25519Rfc7748Section61DiffieHellman() throws {
    let alice = bytes(hex: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    let bob = bytes(hex: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    let alicePublic = try X25519.publicKey(privateKey: alice.span)
    let bobPublic = try X25519.publicKey(privateKey: bob.span)
    #expect(hex(alicePublic) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    #expect(hex(bobPublic) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    #expect(hex(try x25519(alice, bobPublic)) == shared)
    #expect(hex(try x25519(bob, alicePublic)) == shared)
}

@Test func x25519CryptographyVectorsFile() throws {
    let records = cavpRecords(try Reference.vectorFile("asymmetric/X25519/rfc7748.txt"))
    #expect(records.count == 3)
    for r in records {
        let out = try x25519(bytes(hex: r["INPUT_SCALAR"] ?? ""), bytes(hex: r["INPUT_U"] ?? ""))
        #expect(hex(out) == r["OUTPUT_U"], "COUNT \(r["COUNT"] ?? "?")")
    }
}

@Test func x25519PublicKeyPathMatchesLadder() throws {
    // publicKey uses the Edwards fixed-base table; the ladder on u = 9 must give the same bytes.
    var random = SeededBytes(seed: 0x7825_5190)
    var nine = [UInt8](repeating: 0, count: 32)
    nine[0] = 9
    for _ in 0..<64 {
        let k = random.bytes(32)
        #expect(try X25519.publicKey(privateKey: k.span) == (try x25519(k, nine)))
    }
}

@Test func x25519DifferentialAgainstOpenSSL() throws {
    // Ours: public keys of a, shared(a, B). Theirs: public keys of a and b, shared(b, A_ours), and
    // shared(a, raw u) for random raw u (top bit and values >= p included, which OpenSSL masks/reduces).
    var random = SeededBytes(seed: 0xd1ff_2551_9000)
    var cases: [(a: [UInt8], b: [UInt8], raw: [UInt8])] = []
    for i in 0..<48 {
        var raw = random.bytes(32)
        if i % 4 == 1 { raw[31] |= 0x80 }                                  // top bit set
        if i % 4 == 2 { raw = bytes(hex: p25519Hex); raw[0] &+= UInt8(i) }   // p + i, non-canonical
        cases.append((random.bytes(32), random.bytes(32), raw))
    }
    var input = ""
    for c in cases {
        input += "\(hex(c.a)) \(hex(c.b)) \(hex(try X25519.publicKey(privateKey: c.a.span))) \(hex(c.raw))\n"
    }
    let script = """
    import sys
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives import serialization as s
    raw = lambda k: k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw).hex()
    for line in sys.stdin:
        a, b, apub, u = [bytes.fromhex(x) for x in line.split()]
        ka, kb = X25519PrivateKey.from_private_bytes(a), X25519PrivateKey.from_private_bytes(b)
        print(raw(ka), raw(kb), kb.exchange(X25519PublicKey.from_public_bytes(apub)).hex(),
              ka.exchange(X25519PublicKey.from_public_bytes(u)).hex())
    """
    let out = lines(try ChildProcess.python(script, input: input))
    #expect(out.count == cases.count)
    for (c, line) in zip(cases, out) {
        let f = line.split(separator: " ").map(String.init)
        #expect(hex(try X25519.publicKey(privateKey: c.a.span)) == f[0])
        #expect(hex(try X25519.publicKey(privateKey: c.b.span)) == f[1])
        #expect(hex(try x25519(c.a, bytes(hex: f[1]))) == f[2])   // theirs == ours, both directions
        #expect(hex(try x25519(c.a, c.raw)) == f[3])
    }
}

@Test func x25519RefusesSmallOrderPoints() throws {
    // u = 0, 1, the two points of order 8, p - 1, p, p + 1 (RFC 7748 §6.1: all give the zero secret),
    // each also with the ignored top bit set.
    let small = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        p25519Hex,
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]
    var random = SeededBytes(seed: 6_1)
    for text in small {
        for topBit: UInt8 in [0, 0x80] {
            var u = bytes(hex: text)
            u[31] |= topBit
            let k = random.bytes(32)
            #expect(throws: CryptoError.weakSharedSecret) { try x25519(k, u) }
        }
    }
}

@Test func x25519RefusesWrongLengths() {
    let good = [UInt8](repeating: 7, count: 32)
    for n in [0, 31, 33, 64] {
        let bad = [UInt8](repeating: 7, count: n)
        #expect(throws: CryptoError.badLength) { try X25519.publicKey(privateKey: bad.span) }
        #expect(throws: CryptoError.badLength) { try x25519(bad, good) }
        #expect(throws: CryptoError.badLength) { try x25519(good, bad) }
    }
}

// MARK: Ed25519

private struct SignVector { let seed, publicKey, message, signature: [UInt8] }

/// One line of djb's sign.input: sk||pk : pk : msg : sig||msg :
private func signVector(_ line: Substring) -> SignVector {
    let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let sk = bytes(hex: f[0])
    return SignVector(seed: Array(sk[0..<32]), publicKey: bytes(hex: f[1]), message: bytes(hex: f[2]),
                      signature: Array(bytes(hex: f[3])[0..<64]))
}

private func checkVector(_ v: SignVector) throws {
    let key = try Ed25519PrivateKey(seed: v.seed.span)
    #expect(key.publicKey == v.publicKey)
    #expect(key.signature(for: v.message.span) == v.signature)
    #expect(verifyResult(v.signature, v.message, v.publicKey) == nil)
}

@Test func ed25519Rfc8032Section71Vectors() throws {
    // TEST 1, 2, 3 and TEST SHA(abc) of RFC 8032 §7.1.
    try checkVector(SignVector(
        seed: bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
        publicKey: bytes(hex: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
        message: [],
        signature: bytes(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                         + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")))
    try checkVector(SignVector(
        seed: bytes(hex: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
        publicKey: bytes(hex: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
        message: [0x72],
        signature: bytes(hex: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                         + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")))
    try checkVector(SignVector(
        seed: bytes(hex: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"),
        publicKey: bytes(hex: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
        message: [0xaf, 0x82],
        signature: bytes(hex: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                         + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")))
    try checkVector(SignVector(
        seed: bytes(hex: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"),
        publicKey: bytes(hex: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"),
        message: SHA512.hash(Array("abc".utf8)),
        signature: bytes(hex: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
                         + "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704")))
}

@Test func ed25519SignInputAllLines() throws {
    // All 1,024 lines of djb's sign.input (messages of 0...1023 bytes): public key, signature, verify.
    let all = lines(try Reference.vectorFile("asymmetric/Ed25519/sign.input"))
    #expect(all.count == 1024)
    for line in all { try checkVector(signVector(line)) }
}

@Test func ed25519DifferentialAgainstOpenSSL() throws {
    // Theirs from the same seeds and messages: public key and signature must equal ours (Ed25519 is
    // deterministic); their signatures must verify with ours, ours with theirs. Then corrupted
    // signatures (a bit flipped, S + L) must be refused by both.
    var random = SeededBytes(seed: 0xed_2551_9)
    var cases: [(seed: [UInt8], message: [UInt8])] = []
    for i in 0..<40 { cases.append((random.bytes(32), random.bytes(i == 0 ? 0 : random.below(300)))) }
    var input = ""
    for c in cases {
        let key = try Ed25519PrivateKey(seed: c.seed.span)
        input += "\(hex(c.seed)):\(hex(c.message)):\(hex(key.publicKey)):\(hex(key.signature(for: c.message.span)))\n"
    }
    let script = """
    import sys
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives import serialization as s
    for line in sys.stdin:
        seed, msg, pk, sig = [bytes.fromhex(x) for x in line.strip().split(":")]
        k = Ed25519PrivateKey.from_private_bytes(seed)
        pub = k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
        try:
            Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg); ok = "ok"
        except Exception:
            ok = "bad"
        print(pub.hex(), k.sign(msg).hex(), ok)
    """
    let out = lines(try ChildProcess.python(script, input: input))
    #expect(out.count == cases.count)
    var corrupted = ""
    var ourVerdicts: [String] = []
    for (c, line) in zip(cases, out) {
        let f = line.split(separator: " ").map(String.init)
        let key = try Ed25519PrivateKey(seed: c.seed.span)
        let ours = key.signature(for: c.message.span)
        #expect(hex(key.publicKey) == f[0])
        #expect(hex(ours) == f[1])
        #expect(f[2] == "ok")                                                 // ours verify with theirs
        #expect(verifyResult(bytes(hex: f[1]), c.message, bytes(hex: f[0])) == nil)  // theirs with ours
        var flipped = ours
        let bit = random.below(512)
        flipped[bit / 8] ^= UInt8(1 << (bit % 8))
        var sPlusL = ours
        sPlusL.replaceSubrange(32..<64, with: add32(Array(ours[32..<64]), orderBytes))
        for bad in [flipped, sPlusL] {
            corrupted += "\(hex(c.seed)):\(hex(c.message)):\(hex(key.publicKey)):\(hex(bad))\n"
            ourVerdicts.append(verifyResult(bad, c.message, key.publicKey) == nil ? "ok" : "bad")
        }
    }
    let theirs = lines(try ChildProcess.python(script, input: corrupted)).map { String($0.split(separator: " ")[2]) }
    #expect(theirs == ourVerdicts)
    #expect(!ourVerdicts.contains("ok"))
}

@Test func ed25519RefusesNonCanonicalS() throws {
    let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32).span)
    let message = Array("non-canonical".utf8)
    let signature = key.signature(for: message.span)
    #expect(verifyResult(signature, message, key.publicKey) == nil)
    // S + L is the same residue but not < L (RFC 8032 §5.1.7, §8.4); S = L; S = 2^256 - 1.
    var sPlusL = signature
    sPlusL.replaceSubrange(32..<64, with: add32(Array(signature[32..<64]), orderBytes))
    var sIsL = signature
    sIsL.replaceSubrange(32..<64, with: orderBytes)
    var sMax = signature
    sMax.replaceSubrange(32..<64, with: [UInt8](repeating: 0xff, count: 32))
    for bad in [sPlusL, sIsL, sMax] { #expect(verifyResult(bad, message, key.publicKey) == .badScalar) }
    // S = L - 1 is in range: the equation fails instead.
    var sBelowL = signature
    var lMinusOne = orderBytes
    lMinusOne[0] -= 1
    sBelowL.replaceSubrange(32..<64, with: lMinusOne)
    #expect(verifyResult(sBelowL, message, key.publicKey) == .authenticationFailure)
}

@Test func ed25519RefusesBadPoints() throws {
    let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 5, count: 32).span)
    let message = Array("points".utf8)
    let signature = key.signature(for: message.span)
    var yIsOne = [UInt8](repeating: 0, count: 32)
    yIsOne[0] = 1
    var negativeZeroX = yIsOne                       // y = 1 gives x = 0; sign bit 1 is "-0"
    negativeZeroX[31] |= 0x80
    var yIsTwo = [UInt8](repeating: 0, count: 32)    // (2^2 - 1) / (4d + 1) is not a square
    yIsTwo[0] = 2
    let yIsP = bytes(hex: p25519Hex)                 // y = p: not canonical
    var yIsPPlusOne = yIsP                           // y = p + 1: the identity's y, not canonical
    yIsPPlusOne[0] += 1
    var yMinusOneNegative = bytes(hex: p25519Hex)    // y = -1 has x = 0; with the sign bit: "-0"
    yMinusOneNegative[0] -= 1
    yMinusOneNegative[31] |= 0x80
    let badPoints = [negativeZeroX, yIsTwo, yIsP, yIsPPlusOne, yMinusOneNegative]
    for bad in badPoints {
        #expect(verifyResult(signature, message, bad) == .badPoint)          // as the public key A
        var badR = signature
        badR.replaceSubrange(0..<32, with: bad)
        #expect(verifyResult(badR, message, key.publicKey) == .badPoint)     // as R
        #expect(EdwardsPoint.decode(bad.span) == nil)
    }
    // The canonical identity (y = 1, sign 0) decodes; as a key it just fails the equation.
    #expect(EdwardsPoint.decode(yIsOne.span) != nil)
    #expect(verifyResult(signature, message, yIsOne) == .authenticationFailure)
}

@Test func ed25519RefusesTampering() throws {
    var random = SeededBytes(seed: 0x7a3e)
    let key = try Ed25519PrivateKey(seed: random.bytes(32).span)
    let message = random.bytes(100)
    let signature = key.signature(for: message.span)
    // Every single-bit flip of the signature is refused (each with some error).
    for bit in 0..<512 {
        var bad = signature
        bad[bit / 8] ^= UInt8(1 << (bit % 8))
        #expect(verifyResult(bad, message, key.publicKey) != nil, "signature bit \(bit)")
    }
    for bit in stride(from: 0, to: 800, by: 7) {
        var bad = message
        bad[bit / 8] ^= UInt8(1 << (bit % 8))
        #expect(verifyResult(signature, bad, key.publicKey) == .authenticationFailure, "message bit \(bit)")
    }
    for bit in 0..<256 {
        var bad = key.publicKey
        bad[bit / 8] ^= UInt8(1 << (bit % 8))
        let result = verifyResult(signature, message, bad)
        #expect(result == .authenticationFailure || result == .badPoint, "key bit \(bit)")
    }
    #expect(verifyResult(signature, message + [0], key.publicKey) == .authenticationFailure)
}

@Test func ed25519RefusesWrongLengths() throws {
    let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 9, count: 32).span)
    let signature = key.signature(for: [UInt8]().span)
    for n in [0, 31, 33, 64] {
        let seed = [UInt8](repeating: 9, count: n)
        #expect(throws: CryptoError.badLength) { try Ed25519PrivateKey(seed: seed.span) }
        #expect(verifyResult(signature, [], [UInt8](repeating: 9, count: n)) == .badLength)
    }
    for n in [0, 63, 65] {
        #expect(verifyResult([UInt8](repeating: 0, count: n), [], key.publicKey) == .badLength)
    }
}

// MARK: Internals: tables, scalar multiplication, field and scalar arithmetic

@Test func baseTablesMatchComputedMultiples() {
    // Every entry of the generated tables, recomputed with the library's own point arithmetic from B
    // (decoded from its RFC 8032 encoding: y = 4/5, x even).
    let bEncoding = bytes(hex: "5866666666666666666666666666666666666666666666666666666666666666")
    guard let b = EdwardsPoint.decode(bEncoding.span) else { Issue.record("B does not decode"); return }
    func niels(_ p: EdwardsPoint) -> [UInt8] {
        let inv = p.z.inverted()
        let x = p.x * inv, y = p.y * inv
        return (y + x).encoded + (y - x).encoded + (x * y * Field25519.d2).encoded
    }
    func entry(_ table: [UInt64], _ i: Int) -> [UInt8] {
        let a = AffineNiels(table: table, index: i)
        return a.yPlusX.encoded + a.yMinusX.encoded + a.xy2d.encoded
    }
    #expect(EdwardsPoint.baseTable.count == 64 * 15)
    #expect(EdwardsPoint.baseOddMultiples.count == 8 * 15)
    // Limbs are fully reduced, as the file says.
    #expect(EdwardsPoint.baseTable.allSatisfy { $0 < 1 << 51 })
    var rowBase = b
    for row in 0..<8 {
        var multiple = rowBase
        for m in 1...8 {
            #expect(entry(EdwardsPoint.baseTable, 8 * row + m - 1) == niels(multiple), "row \(row) m \(m)")
            multiple = multiple.adding(rowBase.projectiveNiels).extended
        }
        for _ in 0..<32 { rowBase = rowBase.doubled().extended }
    }
    let b2 = b.doubled().extended
    var odd = b
    for i in 0..<8 {
        #expect(entry(EdwardsPoint.baseOddMultiples, i) == niels(odd), "odd multiple \(2 * i + 1)")
        odd = odd.adding(b2.projectiveNiels).extended
    }
}

/// [a]P by plain double-and-add over the bits, for comparison.
private func naiveMultiply(_ a: Scalar25519, _ p: EdwardsPoint) -> EdwardsPoint {
    var r = EdwardsPoint.identity
    for i in stride(from: 255, through: 0, by: -1) {
        r = r.doubled().extended
        if (a.limbs[i >> 6] >> UInt64(i & 63)) & 1 == 1 { r = r.adding(p.projectiveNiels).extended }
    }
    return r
}

@Test func scalarMultiplicationsAgree() {
    var random = SeededBytes(seed: 0x5ca1a)
    let bEncoding = bytes(hex: "5866666666666666666666666666666666666666666666666666666666666666")
    guard let b = EdwardsPoint.decode(bEncoding.span) else { Issue.record("B does not decode"); return }
    var lMinusOne = orderBytes
    lMinusOne[0] -= 1
    var scalars = [Scalar25519(reducing32: [UInt8](repeating: 0, count: 32).span),
                   Scalar25519(reducing32: ([1] + [UInt8](repeating: 0, count: 31)).span),
                   Scalar25519(reducing32: lMinusOne.span)]
    for _ in 0..<12 { scalars.append(Scalar25519(reducing64: random.bytes(64).span)) }
    let p = naiveMultiply(Scalar25519(reducing64: random.bytes(64).span), b)
    for a in scalars {
        #expect(EdwardsPoint.multiplyBase(a).encoded == naiveMultiply(a, b).encoded)
        for c in scalars.prefix(4) {
            let expected = naiveMultiply(a, p).adding(naiveMultiply(c, b).projectiveNiels).extended
            #expect(EdwardsPoint.doubleScalarMultiplyVartime(a: a, point: p, b: c).encoded == expected.encoded)
        }
    }
}

@Test func fieldArithmeticMatchesPythonAtLimbBounds() throws {
    // Elements with limbs up to the loose bound 2^53 - 1 (and random ones); products, squares,
    // differences, inverses and square roots compared with Python integers.
    var random = SeededBytes(seed: 0xf1e1d)
    let loose: UInt64 = (1 << 53) - 1
    var elements: [Field25519] = [
        Field25519(loose, loose, loose, loose, loose),
        Field25519((1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1),
        Field25519(0x7ffffffffffed, (1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1),  // p
        Field25519(0x7ffffffffffee, (1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1, (1 << 51) - 1),  // p + 1
        .zero, .one,
    ]
    for _ in 0..<40 {
        let shift = UInt64(random.below(3))   // limbs below 2^51, 2^52 or 2^53
        elements.append(Field25519(random.next() >> (13 - shift), random.next() >> (13 - shift),
                                     random.next() >> (13 - shift), random.next() >> (13 - shift),
                                     random.next() >> (13 - shift)))
    }
    func value(_ f: Field25519) -> String { "\(f.l0),\(f.l1),\(f.l2),\(f.l3),\(f.l4)" }
    var input = ""
    for (i, a) in elements.enumerated() { input += "\(value(a)) \(value(elements[(i * 7 + 3) % elements.count]))\n" }
    let script = """
    import sys
    p = 2**255 - 19
    def v(t): return sum(int(x) << (51 * i) for i, x in enumerate(t.split(",")))
    def h(x): return (x % p).to_bytes(32, "little").hex()
    for line in sys.stdin:
        a, b = [v(t) for t in line.split()]
        r = (a * pow(b, p - 2, p)) % p
        sq = pow(r, (p - 1) // 2, p) == 1 or r == 0
        print(h(a * b), h(a * a), h(a - b), h(pow(a, p - 2, p)), "1" if sq else "0")
    """
    let out = lines(try ChildProcess.python(script, input: input))
    #expect(out.count == elements.count)
    for (i, line) in out.enumerated() {
        let f = line.split(separator: " ").map(String.init)
        let a = elements[i], b = elements[(i * 7 + 3) % elements.count]
        #expect(hex((a * b).encoded) == f[0], "product \(i)")
        #expect(hex(a.squared().encoded) == f[1], "square \(i)")
        #expect(hex((a - b).encoded) == f[2], "difference \(i)")
        #expect(hex(a.inverted().encoded) == f[3], "inverse \(i)")
        let (root, isSquare) = Field25519.sqrtRatio(a, b)
        #expect(String(isSquare) == f[4] || b.isZero == 1, "square test \(i)")
        if isSquare == 1 && b.isZero == 0 { #expect((root.squared() * b).equals(a) == 1, "root \(i)") }
    }
    // Decoding reads 255 bits; bytes >= p are flagged non-canonical.
    #expect(Field25519.isCanonical(bytes(hex: p25519Hex).span) == 0)
    var pMinusOne = bytes(hex: p25519Hex)
    pMinusOne[0] -= 1
    #expect(Field25519.isCanonical(pMinusOne.span) == 1)
    #expect(Field25519.isCanonical([UInt8](repeating: 0xff, count: 32).span) == 0)
    #expect(hex(Field25519(bytes: pMinusOne.span).encoded) == hex(pMinusOne))
}

@Test func scalarArithmeticMatchesPython() throws {
    // reduce(64 bytes) and multiplyAdd compared with Python integers, incl. all-ones and edge values.
    var random = SeededBytes(seed: 0x5ca1a7)
    var wide: [[UInt8]] = [[UInt8](repeating: 0xff, count: 64), [UInt8](repeating: 0, count: 64),
                           orderBytes + [UInt8](repeating: 0, count: 32)]
    for _ in 0..<40 { wide.append(random.bytes(64)) }
    var input = ""
    for (i, w) in wide.enumerated() { input += "\(hex(w)) \(hex(wide[(i + 1) % wide.count])) \(hex(wide[(i + 2) % wide.count]))\n" }
    let script = """
    import sys
    L = 2**252 + 27742317777372353535851937790883648493
    n = lambda t: int.from_bytes(bytes.fromhex(t), "little")
    h = lambda x: x.to_bytes(32, "little").hex()
    for line in sys.stdin:
        a, b, c = [n(t) % L for t in line.split()]
        print(h(a), h((a * b + c) % L))
    """
    let out = lines(try ChildProcess.python(script, input: input))
    #expect(out.count == wide.count)
    for (i, line) in out.enumerated() {
        let f = line.split(separator: " ").map(String.init)
        let wa = wide[i], wb = wide[(i + 1) % wide.count], wc = wide[(i + 2) % wide.count]
        let a = Scalar25519(reducing64: wa.span), b = Scalar25519(reducing64: wb.span), c = Scalar25519(reducing64: wc.span)
        #expect(hex(a.encoded) == f[0], "reduce \(i)")
        #expect(hex(Scalar25519.multiplyAdd(a, b, c).encoded) == f[1], "muladd \(i)")
        // Radix-16 digits stay in [-8, 8] (that they rebuild the scalar is checked by
        // scalarMultiplicationsAgree, through [a]B; the 5-NAF likewise through the double multiplication).
        let digits = a.radix16()
        var inRange = true
        for j in 0..<64 where digits[j] < -8 || digits[j] > 8 { inRange = false }
        #expect(inRange)
    }
    #expect(Scalar25519(canonical: orderBytes.span) == nil)
    var lMinusOne = orderBytes
    lMinusOne[0] -= 1
    #expect(Scalar25519(canonical: lMinusOne.span) != nil)
}
