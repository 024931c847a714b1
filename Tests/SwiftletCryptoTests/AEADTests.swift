// SwiftletCryptoTests: ChaCha20, Poly1305, ChaCha20-Poly1305 (RFC 8439) and AES-128/256-GCM
// (FIPS 197, NIST SP 800-38D). RFC vectors, the RFC 7539 appendix and OpenSSL/BoringSSL AEAD vectors and
// NIST CAVP GCM vectors from cryptography_vectors, differential tests against Python `cryptography`
// (OpenSSL) in both directions, and every documented refusal. ChaCha20-Poly1305 runs on each keystream
// path: the portable Swift and CSwiftletCrypto's SSE2, SSSE3 and AVX2 code (a path the CPU lacks is
// reported loudly and skipped), and the SIMD keystream is compared with the Swift one byte for byte.

import ChildProcess
import CSwiftletCrypto
import Foundation
import Testing
@testable import SwiftletCrypto

// MARK: - Helpers

/// Seals a copy of `plaintext`; returns ciphertext and tag.
private func seal<A: AEAD>(_ aead: A, _ plaintext: [UInt8], nonce: [UInt8], aad: [UInt8]) throws(CryptoError) -> ([UInt8], [UInt8]) {
    var buffer = plaintext
    let tag: [UInt8]
    do {
        var span = buffer.mutableSpan
        tag = try aead.seal(&span, nonce: nonce.span, authenticating: aad.span)
    }
    return (buffer, tag)
}

/// Opens a copy of `ciphertext`; returns the plaintext, or the error and the buffer as left behind.
private func open<A: AEAD>(_ aead: A, _ ciphertext: [UInt8], nonce: [UInt8], aad: [UInt8], tag: [UInt8]) -> (Result<[UInt8], CryptoError>, buffer: [UInt8]) {
    var buffer = ciphertext
    var failure: CryptoError?
    do {
        var span = buffer.mutableSpan
        do throws(CryptoError) {
            try aead.open(&span, nonce: nonce.span, authenticating: aad.span, tag: tag.span)
        } catch {
            failure = error
        }
    }
    if let failure { return (.failure(failure), buffer) }
    return (.success(buffer), buffer)
}

/// The value of a vector-file field: hex, or a double-quoted ASCII string (boringssl.txt).
private func field(_ value: String?) -> [UInt8] {
    guard let value else { return [] }
    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
        return Array(value.dropFirst().dropLast().utf8)
    }
    return bytes(hex: value)
}

/// The ChaCha20 keystream paths: the portable Swift, and the SIMD C code limited to SSE2, SSSE3 or AVX2.
private let chachaPaths = ["portable", "sse2", "ssse3", "avx2"]

/// The SIMD feature bits of a path ("sse2" is none: SSE2 is part of x86-64), or nil for "portable".
private func simdFeatures(_ path: String) -> UInt32? {
    switch path {
    case "sse2": 0
    case "ssse3": SWIFTLET_CPU_SSSE3
    case "avx2": SWIFTLET_CPU_SSSE3 | SWIFTLET_CPU_AVX2
    default: nil
    }
}

/// Whether this CPU runs `path`; prints a loud line when it does not (the test then checks nothing for it).
private func cpuHas(_ path: String, _ test: String) -> Bool {
    guard let f = simdFeatures(path), f & SIMDChaCha20.features != f else { return true }
    print("\(test): THIS CPU (OR ITS OS) LACKS \(path.uppercased()): the \(path) ChaCha20 path was NOT tested")
    return false
}

/// ChaCha20-Poly1305 on one keystream path.
private func chachaAEAD(_ key: [UInt8], _ path: String) throws(CryptoError) -> ChaCha20Poly1305 {
    let aead = try ChaCha20Poly1305(key: key.span, hardware: path != "portable", features: simdFeatures(path) ?? 0)
    #expect(aead.simdFeatures == simdFeatures(path))
    return aead
}

/// Checks one AEAD vector: seal gives `ct` and `tag`, open gives `pt` back; for a vector marked invalid,
/// open refuses with .authenticationFailure and leaves the buffer as it was.
private func checkVector<A: AEAD>(_ aead: A, key: [UInt8], nonce: [UInt8], aad: [UInt8], pt: [UInt8], ct: [UInt8],
                                  tag: [UInt8], valid: Bool, _ label: String) throws {
    if valid {
        let (c, t) = try seal(aead, pt, nonce: nonce, aad: aad)
        #expect(hex(c) == hex(ct), "\(label) ciphertext")
        #expect(hex(t) == hex(tag), "\(label) tag")
        let (result, _) = open(aead, ct, nonce: nonce, aad: aad, tag: tag)
        #expect(try result.get() == pt, "\(label) open")
    } else {
        let (result, buffer) = open(aead, ct, nonce: nonce, aad: aad, tag: tag)
        #expect(throws: CryptoError.authenticationFailure, "\(label) must fail") { try result.get() }
        #expect(buffer == ct, "\(label) buffer untouched")
    }
}

/// Bit-by-bit carry-less product, the obvious way (test oracle for the constant-time one).
private func naiveCLMul(_ x: UInt64, _ y: UInt64) -> (UInt64, UInt64) {
    var hi: UInt64 = 0, lo: UInt64 = 0
    for i in 0..<64 where (y >> UInt64(i)) & 1 == 1 {
        lo ^= x << UInt64(i)
        if i > 0 { hi ^= x >> UInt64(64 - i) }
    }
    return (hi, lo)
}

/// GF(2^8) arithmetic the slow, obvious way (test oracle for the S-box circuit).
private func gmul(_ a: UInt8, _ b: UInt8) -> UInt8 {
    var a = a, b = b, r: UInt8 = 0
    while b != 0 {
        if b & 1 == 1 { r ^= a }
        let carry = a & 0x80
        a <<= 1
        if carry != 0 { a ^= 0x1b }
        b >>= 1
    }
    return r
}

private func referenceSBox(_ x: UInt8) -> UInt8 {
    var inverse: UInt8 = 0
    if x != 0 { for c in 1...255 where gmul(x, UInt8(c)) == 1 { inverse = UInt8(c) } }
    func rotl(_ v: UInt8, _ n: UInt8) -> UInt8 { v << n | v >> (8 - n) }
    return inverse ^ rotl(inverse, 1) ^ rotl(inverse, 2) ^ rotl(inverse, 3) ^ rotl(inverse, 4) ^ 0x63
}

private let sunscreen = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)

// MARK: - ChaCha20 and Poly1305 (RFC 8439)

@Test func chacha20BlockRFC8439Section2_3_2() {
    let cipher = ChaCha20(key: Array(0..<32).span, nonce: bytes(hex: "000000090000004a00000000").span)
    #expect(hex(cipher.block(counter: 1).bytes) == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
    // RFC 8439 Appendix A.1, test vector #2 (counter 1, zero key and nonce).
    let zero = ChaCha20(key: [UInt8](repeating: 0, count: 32).span, nonce: [UInt8](repeating: 0, count: 12).span)
    #expect(hex(zero.block(counter: 1).bytes) == "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f")
}

@Test func chacha20EncryptionRFC8439Section2_4_2() {
    let cipher = ChaCha20(key: Array(0..<32).span, nonce: bytes(hex: "000000000000004a00000000").span)
    var text = sunscreen
    do { var s = text.mutableSpan; cipher.xorKeystream(&s, counter: 1) }
    #expect(hex(text) == "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d")
}

/// RFC 7539/8439 Appendix A.1 #1 and A.2 #1-#3, from cryptography_vectors (ciphers/ChaCha20/rfc7539.txt).
@Test(arguments: chachaPaths) func chacha20AppendixA(path: String) throws {
    guard cpuHas(path, "chacha20AppendixA") else { return }
    let records = cavpRecords(try Reference.vectorFile("ciphers/ChaCha20/rfc7539.txt"))
    #expect(records.count == 3)
    for r in records {
        let key = field(r["KEY"]), nonce = field(r["NONCE"]), counter = UInt32(r["INITIAL_BLOCK_COUNTER"] ?? "") ?? 99
        var text = field(r["PLAINTEXT"])
        do {
            var s = text.mutableSpan
            if let features = simdFeatures(path) {
                SIMDChaCha20.xorKeystream(&s, key: ChaCha20Key(key.span), nonce: InlineArray { nonce[$0] }, counter: counter, features: features)
            } else {
                ChaCha20(key: key.span, nonce: nonce.span).xorKeystream(&s, counter: counter)
            }
        }
        #expect(hex(text) == hex(field(r["CIPHERTEXT"])), "COUNT \(r["COUNT"] ?? "?")")
    }
}

@Test func poly1305RFC8439Section2_5_2() {
    let key = bytes(hex: "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
    let tag = Poly1305.authenticate(Array("Cryptographic Forum Research Group".utf8).span, key: key.span)
    #expect(hex(tag) == "a8061dc1305136c6c22b8baf0c0127a9")
}

/// RFC 7539/8439 Appendix A.3 #1-#11 (including the reduction edge cases), from cryptography_vectors.
@Test func poly1305AppendixA3() throws {
    let records = cavpRecords(try Reference.vectorFile("poly1305/rfc7539.txt"))
    #expect(records.count == 11)
    for r in records {
        let tag = Poly1305.authenticate(field(r["MSG"]).span, key: field(r["KEY"]).span)
        #expect(hex(tag) == hex(field(r["TAG"])), "COUNT \(r["COUNT"] ?? "?")")
    }
}

/// §2.6.2 and Appendix A.4: the Poly1305 one-time key is the first 32 bytes of ChaCha20 block 0.
@Test func poly1305KeyGeneration() {
    let cases: [(String, String, String)] = [
        ("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "000000000001020304050607",
         "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646"),
        (String(repeating: "00", count: 32), String(repeating: "00", count: 12),
         "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"),
        (String(repeating: "00", count: 31) + "01", String(repeating: "00", count: 11) + "02",
         "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739"),
        ("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", String(repeating: "00", count: 11) + "02",
         "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae"),
    ]
    for (key, nonce, expected) in cases {
        let cipher = ChaCha20(key: bytes(hex: key).span, nonce: bytes(hex: nonce).span)
        #expect(hex(Array(cipher.block(counter: 0).bytes.prefix(32))) == expected)
    }
}

/// `text` XORed with the portable Swift keystream and with the SIMD one (`features`), from `counter`.
private func bothKeystreams(_ key: [UInt8], _ nonce: [UInt8], _ counter: UInt32, _ text: [UInt8], features: UInt32) -> (swift: [UInt8], simd: [UInt8]) {
    var a = text, b = text
    do { var s = a.mutableSpan; ChaCha20(key: key.span, nonce: nonce.span).xorKeystream(&s, counter: counter) }
    do { var s = b.mutableSpan; SIMDChaCha20.xorKeystream(&s, key: ChaCha20Key(key.span), nonce: InlineArray { nonce[$0] }, counter: counter, features: features) }
    return (a, b)
}

/// The SIMD keystream equals the Swift one at every length 0...1100 (all tails of the 4- and 8-block
/// strides), at lengths around 256 and 512 multiples up to 16 KiB, and from counters just below the
/// 2^32 wrap; the bytes after the given length are left alone.
@Test(arguments: ["sse2", "ssse3", "avx2"]) func chacha20SIMDMatchesPortable(path: String) {
    guard cpuHas(path, "chacha20SIMDMatchesPortable"), let features = simdFeatures(path) else { return }
    var rng = SeededBytes(seed: 0x5EED_C4AC)
    var lengths = Array(0...1100)
    for m in [4 * 64, 8 * 64, 12 * 64, 16 * 64, 32 * 64, 256 * 64] { lengths += [m - 1, m, m + 1, m + 63, m + 64, m + 65] }
    var mismatches = 0
    for length in lengths {
        let key = rng.bytes(32), nonce = rng.bytes(12), counter = UInt32(truncatingIfNeeded: rng.next())
        let text = rng.bytes(length + 7)   // 7 bytes past the end must stay as they are
        var buffer = text
        do {
            var whole = buffer.mutableSpan
            var part = whole._mutatingExtracting(0..<length)   // 6.3 spelling of MutableSpan.extracting
            SIMDChaCha20.xorKeystream(&part, key: ChaCha20Key(key.span), nonce: InlineArray { nonce[$0] }, counter: counter, features: features)
        }
        var expected = Array(text.prefix(length))
        do { var s = expected.mutableSpan; ChaCha20(key: key.span, nonce: nonce.span).xorKeystream(&s, counter: counter) }
        if Array(buffer.prefix(length)) != expected || Array(buffer.suffix(7)) != Array(text.suffix(7)) { mismatches += 1 }
    }
    #expect(mismatches == 0, "\(path): \(mismatches) of \(lengths.count) lengths differ from the Swift keystream")
    // Counters near the wrap: the last blocks before 2^32 and, as documented, block 0 after it.
    for back in [UInt32(0), 1, 2, 3, 4, 5, 7, 8, 9, 15] {
        let key = rng.bytes(32), nonce = rng.bytes(12), text = rng.bytes(40 * 64 + 5)
        let (swift, simd) = bothKeystreams(key, nonce, UInt32.max - back, text, features: features)
        let same = swift == simd
        #expect(same, "\(path): counter 2^32 - 1 - \(back)")
    }
}

/// `swiftlet_chacha20_xor` from counter 0xFFFFFFFF: block 2^32 - 1, then block 0 with the same nonce
/// (the counter wraps modulo 2^32; the nonce is not touched), as the header documents.
@Test(arguments: ["sse2", "ssse3", "avx2"]) func chacha20SIMDCounterWraps(path: String) {
    guard cpuHas(path, "chacha20SIMDCounterWraps"), let features = simdFeatures(path) else { return }
    let key = Array(UInt8(0)..<32), nonce = bytes(hex: "000000090000004a00000000")
    for length in [128, 9 * 64] {
        let (_, simd) = bothKeystreams(key, nonce, 0xFFFF_FFFF, [UInt8](repeating: 0, count: length), features: features)
        let cipher = ChaCha20(key: key.span, nonce: nonce.span)
        var expected = cipher.block(counter: 0xFFFF_FFFF).bytes
        for c in 0..<UInt32(length / 64 - 1) { expected += cipher.block(counter: c).bytes }
        #expect(hex(simd) == hex(expected), "\(path) length \(length)")
    }
    // The RFC 8439 §2.3.2 block through the SIMD code.
    let (_, block1) = bothKeystreams(key, nonce, 1, [UInt8](repeating: 0, count: 64), features: features)
    #expect(hex(block1) == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
}

private let poly1305Script = """
import sys
from cryptography.hazmat.primitives.poly1305 import Poly1305
for line in sys.stdin:
    key, msg = [bytes.fromhex(f) for f in line.strip().split(",")]
    print(Poly1305.generate_tag(key, msg).hex())
"""

/// Poly1305 against OpenSSL (Python `cryptography`) on seeded random keys and messages of 0..300 bytes and
/// some longer ones, plus the carry-heavy extremes: all-0xff messages and keys, r clamped to its maximum,
/// s = 2^128 - 1 (so + s wraps), and messages that drive h to just below and above p.
@Test func poly1305Differential() throws {
    var rng = SeededBytes(seed: 0x9013_05)
    var cases: [(key: [UInt8], msg: [UInt8])] = []
    for length in Array(0...300) + [511, 512, 1024, 4095, 4096, 16384] { cases.append((rng.bytes(32), rng.bytes(length))) }
    let ff = [UInt8](repeating: 0xff, count: 32)
    for length in [0, 1, 15, 16, 17, 32, 33, 64, 1000] {
        cases.append((ff, [UInt8](repeating: 0xff, count: length)))
        cases.append((ff, [UInt8](repeating: 0, count: length)))
        cases.append((rng.bytes(16) + ff.prefix(16), [UInt8](repeating: 0xff, count: length)))
        cases.append(([UInt8](repeating: 0xff, count: 16) + [UInt8](repeating: 0, count: 16), [UInt8](repeating: 0xfe, count: length)))
    }
    // r = 1: the tag is (sum of blocks mod p) + s, so blocks summing to p - 1, p, p + 4 hit the final reduction.
    let one = [UInt8(1)] + [UInt8](repeating: 0, count: 15)
    let pMinus1 = [0xfa] + [UInt8](repeating: 0xff, count: 15), fullFF = [UInt8](repeating: 0xff, count: 16)
    for extra in [[UInt8](), [UInt8(1)], [UInt8(5)], [UInt8(6)]] {
        cases.append((one + rng.bytes(16), pMinus1 + fullFF + fullFF + fullFF + extra))
        cases.append((one + ff.prefix(16), fullFF + fullFF + extra))
    }
    var input = ""
    for c in cases { input += hex(c.key) + "," + hex(c.msg) + "\n" }
    let lines = try ChildProcess.python(poly1305Script, input: input).split(separator: "\n")
    #expect(lines.count == cases.count)
    var mismatches = 0
    for (c, line) in zip(cases, lines) where hex(Poly1305.authenticate(c.msg.span, key: c.key.span)) != String(line) {
        mismatches += 1
        if mismatches < 4 { Issue.record("Poly1305 differs from OpenSSL: key \(hex(c.key)) message length \(c.msg.count)") }
    }
    #expect(mismatches == 0)
}

@Test(arguments: chachaPaths) func chacha20Poly1305RFC8439Section2_8_2(path: String) throws {
    guard cpuHas(path, "chacha20Poly1305RFC8439Section2_8_2") else { return }
    let aead = try chachaAEAD(bytes(hex: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"), path)
    try checkVector(aead, key: [], nonce: bytes(hex: "070000004041424344454647"), aad: bytes(hex: "50515253c0c1c2c3c4c5c6c7"),
                    pt: sunscreen,
                    ct: bytes(hex: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"),
                    tag: bytes(hex: "1ae10b594f09e26a7e902ecbd0600691"), valid: true, "§2.8.2")
}

/// OpenSSL's evpciph vectors (COUNT 1 is RFC 8439 Appendix A.5; COUNT 2 has a bad tag) and BoringSSL's
/// vectors; all have 12-byte nonces (checked).
@Test(arguments: chachaPaths) func chacha20Poly1305OpenSSLAndBoringSSLVectors(path: String) throws {
    guard cpuHas(path, "chacha20Poly1305OpenSSLAndBoringSSLVectors") else { return }
    var checked = 0
    for r in cavpRecords(try Reference.vectorFile("ciphers/ChaCha20Poly1305/openssl.txt")) {
        let key = field(r["Key"]), nonce = field(r["IV"])
        #expect(nonce.count == 12)
        try checkVector(try chachaAEAD(key, path), key: key, nonce: nonce, aad: field(r["AAD"]),
                        pt: field(r["Plaintext"]), ct: field(r["Ciphertext"]), tag: field(r["Tag"]),
                        valid: r["Result"] == nil, "openssl COUNT \(r["COUNT"] ?? "?")")
        checked += 1
    }
    for r in cavpRecords(try Reference.vectorFile("ciphers/ChaCha20Poly1305/boringssl.txt")) {
        let key = field(r["KEY"]), nonce = field(r["NONCE"])
        #expect(nonce.count == 12)
        try checkVector(try chachaAEAD(key, path), key: key, nonce: nonce, aad: field(r["AD"]),
                        pt: field(r["IN"]), ct: field(r["CT"]), tag: field(r["TAG"]), valid: true,
                        "boringssl COUNT \(r["COUNT"] ?? "?")")
        checked += 1
    }
    #expect(checked == 5 + 66)
}

// MARK: - AES and GHASH internals

/// The S-box circuit against the S-box computed from its definition (FIPS 197 §5.1.1), all 256 inputs,
/// through the bitsliced path (64 bytes at a time) and through SubWord.
@Test func aesSBoxCircuit() {
    let expected = (0..<256).map { referenceSBox(UInt8($0)) }
    #expect(expected[0] == 0x63 && expected[1] == 0x7c && expected[0x53] == 0xed)
    for chunk in 0..<4 {
        var w = [UInt64](repeating: 0, count: 8)
        for n in 0..<64 { w[n / 8] |= UInt64(chunk * 64 + n) << (8 * UInt64(n % 8)) }
        var s = Bitsliced(words: w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
        s.subBytes()
        let out = s.words()
        let words = [out.0, out.1, out.2, out.3, out.4, out.5, out.6, out.7]
        for n in 0..<64 {
            #expect(UInt8(truncatingIfNeeded: words[n / 8] >> (8 * UInt64(n % 8))) == expected[chunk * 64 + n])
        }
    }
    #expect(BitslicedAES.subWord(0x5300_0201) == 0xed63_777c)
}

/// The two transposes are inverses, and put bit j of byte n at bit n of plane j.
@Test func aesBitsliceLayout() {
    var rng = SeededBytes(seed: 7)
    let w = (0..<8).map { _ in rng.next() }
    let s = Bitsliced(words: w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
    let back = s.words()
    #expect([back.0, back.1, back.2, back.3, back.4, back.5, back.6, back.7] == w)
    let planes = [s.p0, s.p1, s.p2, s.p3, s.p4, s.p5, s.p6, s.p7]
    for n in 0..<64 {
        let byte = w[n / 8] >> (8 * UInt64(n % 8))
        for j in 0..<8 { #expect((planes[j] >> UInt64(n)) & 1 == (byte >> UInt64(j)) & 1) }
    }
}

/// FIPS 197 Appendix B and C.1 (AES-128), C.3 (AES-256).
@Test func aesBlockFIPS197() {
    let cases = [
        ("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32"),
        ("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff",
         "8ea2b7ca516745bfeafc49904b496089"),
    ]
    for (key, pt, ct) in cases {
        let aes = BitslicedAES(key: bytes(hex: key).span)
        #expect(hex(aes.encryptBlock(bytes(hex: pt).span)) == ct)
    }
}

/// The constant-time carry-less multiply against the bit-by-bit one, including all-ones operands
/// (the most carries the hole trick must absorb).
@Test func ghashCarrylessMultiply() {
    var rng = SeededBytes(seed: 0x6c6d)
    var pairs: [(UInt64, UInt64)] = [(~0, ~0), (0, ~0), (1, 1), (1 << 63, 1 << 63), (0x8421_0842_1084_2108, ~0)]
    for _ in 0..<2000 { pairs.append((rng.next(), rng.next())) }
    for (x, y) in pairs {
        let fast = GHash.clmul64(x, y)
        let slow = naiveCLMul(x, y)
        #expect(fast.high == slow.0 && fast.low == slow.1, "\(x) * \(y)")
    }
}

/// GCTR's counter is inc32 (SP 800-38D §6.2): the low 32 bits wrap and the IV part is untouched.
@Test func gcmCounterWrapsInc32() {
    let aes = BitslicedAES(key: bytes(hex: "000102030405060708090a0b0c0d0e0f").span)
    let iv = bytes(hex: "cafebabefacedbaddecaf888")
    var text = [UInt8](repeating: 0, count: 64 + 5)
    do { var s = text.mutableSpan; aes.xorCounterStream(&s, iv: iv.span, counter: 0xFFFF_FFFE) }
    var expected: [UInt8] = []
    for c: UInt32 in [0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1, 2] {
        expected += aes.encryptBlock((iv + [UInt8(c >> 24), UInt8(c >> 16 & 0xff), UInt8(c >> 8 & 0xff), UInt8(c & 0xff)]).span)
    }
    #expect(text == Array(expected.prefix(69)))
}

// MARK: - AES-GCM (NIST CAVP)

private func gcmCAVP(_ file: String, keyBytes: Int, decrypt: Bool, hardware: Bool) throws -> Int {
    var checked = 0
    for r in cavpRecords(try Reference.vectorFile("ciphers/AES/GCM/" + file)) {
        guard let iv = r["IV"], iv.count == 24, let tag = r["Tag"], tag.count == 32, let keyHex = r["Key"] else { continue }
        let key = field(keyHex)
        #expect(key.count == keyBytes)
        let label = "\(file) \(r["[]"] ?? "") Count \(r["Count"] ?? "?")"
        let valid = r["FAIL"] == nil
        if keyBytes == 16 {
            try checkVector(try AES128GCM(key: key.span, hardware: hardware), key: key, nonce: field(iv), aad: field(r["AAD"]), pt: field(r["PT"]),
                            ct: field(r["CT"]), tag: field(tag), valid: valid, label)
        } else {
            try checkVector(try AES256GCM(key: key.span, hardware: hardware), key: key, nonce: field(iv), aad: field(r["AAD"]), pt: field(r["PT"]),
                            ct: field(r["CT"]), tag: field(tag), valid: valid, label)
        }
        if !decrypt { #expect(valid) }
        checked += 1
    }
    return checked
}

/// gcmEncryptExtIV128/256.rsp, the 96-bit-IV, 128-bit-tag cases: same ciphertext and tag, and they open.
/// Both implementations: the portable one everywhere, AES-NI/PCLMULQDQ where the CPU has them.
@Test(arguments: [false, true]) func aesGCMEncryptCAVP(hardware: Bool) throws {
    guard !hardware || HardwareAESGCM.available else { print("aesGCMEncryptCAVP: NO AES-NI/PCLMULQDQ on this CPU: hardware path not run"); return }
    #expect(try gcmCAVP("gcmEncryptExtIV128.rsp", keyBytes: 16, decrypt: false, hardware: hardware) == 375)
    #expect(try gcmCAVP("gcmEncryptExtIV256.rsp", keyBytes: 32, decrypt: false, hardware: hardware) == 375)
    #expect(try AES128GCM(key: [UInt8](repeating: 1, count: 16).span, hardware: hardware).state.backend.isHardware == hardware)
}

/// gcmDecrypt128/256.rsp, 96-bit IV and 128-bit tag: valid cases decrypt; FAIL cases are refused with
/// .authenticationFailure and the buffer is left as it was.
@Test(arguments: [false, true]) func aesGCMDecryptCAVP(hardware: Bool) throws {
    guard !hardware || HardwareAESGCM.available else { print("aesGCMDecryptCAVP: NO AES-NI/PCLMULQDQ on this CPU: hardware path not run"); return }
    #expect(try gcmCAVP("gcmDecrypt128.rsp", keyBytes: 16, decrypt: true, hardware: hardware) == 375)
    #expect(try gcmCAVP("gcmDecrypt256.rsp", keyBytes: 32, decrypt: true, hardware: hardware) == 375)
}

// MARK: - Differential tests against Python `cryptography` (OpenSSL)

private let differentialScript = """
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.exceptions import InvalidTag
for line in sys.stdin:
    parts = line.strip().split(",")
    alg = parts[0]
    key, nonce, aad, pt, ct, tag = [bytes.fromhex(f) for f in parts[1:]]
    a = AESGCM(key) if alg == "gcm" else ChaCha20Poly1305(key)
    theirs = a.encrypt(nonce, pt, aad)
    try:
        opened = a.decrypt(nonce, ct + tag, aad)
        verdict = "ok" if opened == pt else "wrong"
    except InvalidTag:
        verdict = "invalid"
    print(theirs.hex() + "," + verdict)
"""

/// Seeded random keys, nonces, AAD (0..64 bytes) and plaintexts (0..2000 bytes, plus the block
/// boundaries): ours equals OpenSSL's ciphertext and tag, OpenSSL opens ours, ours opens OpenSSL's.
private func differential(algorithm: String, keyLength: Int, seed: UInt64,
                          make: ([UInt8]) throws(CryptoError) -> (([UInt8], [UInt8], [UInt8]) throws(CryptoError) -> ([UInt8], [UInt8]),
                                                                  ([UInt8], [UInt8], [UInt8], [UInt8]) -> (Result<[UInt8], CryptoError>, buffer: [UInt8]))) throws {
    var rng = SeededBytes(seed: seed)
    var lengths = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1000, 2000]
    for _ in 0..<45 { lengths.append(rng.below(2001)) }
    var cases: [(key: [UInt8], nonce: [UInt8], aad: [UInt8], pt: [UInt8], ct: [UInt8], tag: [UInt8])] = []
    var input = ""
    for length in lengths {
        let key = rng.bytes(keyLength), nonce = rng.bytes(12), aad = rng.bytes(rng.below(65)), pt = rng.bytes(length)
        let (sealFunction, _) = try make(key)
        let (ct, tag) = try sealFunction(pt, nonce, aad)
        cases.append((key, nonce, aad, pt, ct, tag))
        input += [algorithm, hex(key), hex(nonce), hex(aad), hex(pt), hex(ct), hex(tag)].joined(separator: ",") + "\n"
    }
    let lines = try ChildProcess.python(differentialScript, input: input).split(separator: "\n")
    #expect(lines.count == cases.count)
    for (c, line) in zip(cases, lines) {
        let parts = line.split(separator: ",", omittingEmptySubsequences: false)
        let theirs = bytes(hex: String(parts[0]))
        #expect(parts[1] == "ok", "\(algorithm): OpenSSL could not open ours (length \(c.pt.count))")
        #expect(hex(theirs) == hex(c.ct + c.tag), "\(algorithm): different output (length \(c.pt.count))")
        let (_, openFunction) = try make(c.key)
        let (result, _) = openFunction(Array(theirs.dropLast(16)), c.nonce, c.aad, Array(theirs.suffix(16)))
        #expect(try result.get() == c.pt, "\(algorithm): ours could not open OpenSSL's")
    }
}

private func functions<A: AEAD>(_ aead: A) -> (([UInt8], [UInt8], [UInt8]) throws(CryptoError) -> ([UInt8], [UInt8]),
                                               ([UInt8], [UInt8], [UInt8], [UInt8]) -> (Result<[UInt8], CryptoError>, buffer: [UInt8])) {
    ({ (pt, nonce, aad) throws(CryptoError) in try seal(aead, pt, nonce: nonce, aad: aad) },
     { (ct, nonce, aad, tag) in open(aead, ct, nonce: nonce, aad: aad, tag: tag) })
}

@Test(arguments: [false, true]) func aes128GCMDifferential(hardware: Bool) throws {
    guard !hardware || HardwareAESGCM.available else { print("aes128GCMDifferential: NO AES-NI/PCLMULQDQ on this CPU: hardware path not run"); return }
    try differential(algorithm: "gcm", keyLength: 16, seed: 0xA128) { (key) throws(CryptoError) in functions(try AES128GCM(key: key.span, hardware: hardware)) }
}

@Test(arguments: [false, true]) func aes256GCMDifferential(hardware: Bool) throws {
    guard !hardware || HardwareAESGCM.available else { print("aes256GCMDifferential: NO AES-NI/PCLMULQDQ on this CPU: hardware path not run"); return }
    try differential(algorithm: "gcm", keyLength: 32, seed: 0xA256) { (key) throws(CryptoError) in functions(try AES256GCM(key: key.span, hardware: hardware)) }
}

@Test(arguments: chachaPaths) func chacha20Poly1305Differential(path: String) throws {
    guard cpuHas(path, "chacha20Poly1305Differential") else { return }
    try differential(algorithm: "chacha", keyLength: 32, seed: 0xC20) { (key) throws(CryptoError) in functions(try chachaAEAD(key, path)) }
}

// MARK: - Refusals

/// Wrong key, nonce and tag lengths are .badLength, for each AEAD; nothing is written.
@Test func badLengthsAreRefused() throws {
    for n in [0, 1, 15, 17, 24, 31, 33, 64] { #expect(throws: CryptoError.badLength) { try AES128GCM(key: [UInt8](repeating: 1, count: n)) } }
    for n in [0, 16, 24, 31, 33] { #expect(throws: CryptoError.badLength) { try AES256GCM(key: [UInt8](repeating: 1, count: n)) } }
    for n in [0, 16, 31, 33] { #expect(throws: CryptoError.badLength) { try ChaCha20Poly1305(key: [UInt8](repeating: 1, count: n)) } }
    try badNonceAndTag(AES128GCM(key: [UInt8](repeating: 1, count: 16)))
    try badNonceAndTag(AES256GCM(key: [UInt8](repeating: 1, count: 32)))
    try badNonceAndTag(ChaCha20Poly1305(key: [UInt8](repeating: 1, count: 32)))
}

private func badNonceAndTag<A: AEAD>(_ aead: A) throws {
    let pt: [UInt8] = Array(0..<40), aad: [UInt8] = [1, 2, 3]
    for n in [0, 8, 11, 13, 16] {
        #expect(throws: CryptoError.badLength) { try seal(aead, pt, nonce: [UInt8](repeating: 0, count: n), aad: aad) }
        let (result, buffer) = open(aead, pt, nonce: [UInt8](repeating: 0, count: n), aad: aad, tag: [UInt8](repeating: 0, count: 16))
        #expect(throws: CryptoError.badLength) { try result.get() }
        #expect(buffer == pt)
    }
    let nonce = [UInt8](repeating: 9, count: 12)
    let (ct, tag) = try seal(aead, pt, nonce: nonce, aad: aad)
    for n in [0, 12, 15, 17, 32] {
        let (result, buffer) = open(aead, ct, nonce: nonce, aad: aad, tag: Array((tag + tag + tag).prefix(n)))
        #expect(throws: CryptoError.badLength) { try result.get() }
        #expect(buffer == ct)
    }
}

/// Every single-bit change in the ciphertext, the tag or the AAD is .authenticationFailure and leaves the
/// buffer as it was; so are a wrong nonce and a wrong key.
@Test func tamperingIsRefused() throws {
    var rng = SeededBytes(seed: 0xBAD)
    let pt = rng.bytes(37), aad = rng.bytes(21), nonce = rng.bytes(12)
    let k16 = rng.bytes(16), k32 = rng.bytes(32)
    let other16 = rng.bytes(16), other32 = rng.bytes(32)
    for hardware in [false, true] {   // the public types pick the hardware path where it exists; both run here
        try tamper(AES128GCM(key: k16.span, hardware: hardware), AES128GCM(key: other16.span, hardware: hardware), pt, nonce, aad)
        try tamper(AES256GCM(key: k32.span, hardware: hardware), AES256GCM(key: other32.span, hardware: hardware), pt, nonce, aad)
    }
    let otherChaCha = rng.bytes(32)
    for path in chachaPaths where cpuHas(path, "tamperingIsRefused") {
        try tamper(chachaAEAD(k32, path), chachaAEAD(otherChaCha, path), pt, nonce, aad)
        // A text longer than the SIMD code's 8- and 4-block strides.
        try tamper(chachaAEAD(k32, path), chachaAEAD(otherChaCha, path), rng.bytes(700), nonce, aad, bitStride: 13)
    }
}

private func tamper<A: AEAD>(_ aead: A, _ otherKey: A, _ pt: [UInt8], _ nonce: [UInt8], _ aad: [UInt8], bitStride: Int = 1) throws {
    let (ct, tag) = try seal(aead, pt, nonce: nonce, aad: aad)
    func refused(_ c: [UInt8], _ n: [UInt8], _ a: [UInt8], _ t: [UInt8], by which: A? = nil, _ what: String) {
        let (result, buffer) = open(which ?? aead, c, nonce: n, aad: a, tag: t)
        #expect(throws: CryptoError.authenticationFailure, "\(A.self) \(what)") { try result.get() }
        #expect(buffer == c, "\(A.self) \(what): buffer changed")
    }
    for bit in stride(from: 0, to: ct.count * 8, by: bitStride) {
        var c = ct; c[bit / 8] ^= 1 << UInt8(bit % 8)
        refused(c, nonce, aad, tag, "ciphertext bit \(bit)")
    }
    for bit in 0..<(tag.count * 8) {
        var t = tag; t[bit / 8] ^= 1 << UInt8(bit % 8)
        refused(ct, nonce, aad, t, "tag bit \(bit)")
    }
    for bit in 0..<(aad.count * 8) {
        var a = aad; a[bit / 8] ^= 1 << UInt8(bit % 8)
        refused(ct, nonce, a, tag, "aad bit \(bit)")
    }
    var n = nonce; n[11] ^= 0x80
    refused(ct, n, aad, tag, "nonce")
    refused(ct, nonce, aad, tag, by: otherKey, "key")
    refused(ct + [0], nonce, aad, tag, "appended byte")
    refused(Array(ct.dropLast()), nonce, aad, tag, "dropped byte")
    refused(ct, nonce, aad + [0], tag, "aad appended byte")
    // And the untampered message still opens.
    let (result, _) = open(aead, ct, nonce: nonce, aad: aad, tag: tag)
    #expect(try result.get() == pt)
}

/// The length limits: RFC 8439 §2.8 (the 32-bit block counter must not wrap) and SP 800-38D §5.2.1.1.
@Test func lengthLimitsAreRefused() throws {
    #expect(ChaCha20Poly1305.maximumTextLength == 274_877_906_880)
    #expect(throws: CryptoError.outputTooLong) { try ChaCha20Poly1305.check(nonce: 12, text: ChaCha20Poly1305.maximumTextLength + 1) }
    try ChaCha20Poly1305.check(nonce: 12, text: ChaCha20Poly1305.maximumTextLength)
    typealias G = GCM<BitslicedAES, GHash>
    #expect(G.maximumTextLength == (1 << 36) - 32)
    #expect(throws: CryptoError.outputTooLong) { try G.check(nonce: 12, text: G.maximumTextLength + 1, aad: 0) }
    #expect(throws: CryptoError.outputTooLong) { try G.check(nonce: 12, text: 0, aad: G.maximumAADLength + 1) }
    try G.check(nonce: 12, text: G.maximumTextLength, aad: G.maximumAADLength)
    #expect(AES128GCM.maximumTextLength == G.maximumTextLength && AES256GCM.maximumTextLength == G.maximumTextLength)
}
