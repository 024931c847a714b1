// SwiftletCryptoTests / ECDSA: P-256 and P-384 signing and verification (NISTCurves).
// RFC 6979 Appendix A.2.5 / A.2.6 signatures exactly; NIST CAVP SigVer, SigGen and KeyPair vectors from
// cryptography_vectors; differential tests against Python `cryptography` (OpenSSL) on seeded random keys
// and messages in both directions, for ECDSA and ECDH; and every documented refusal.

import ChildProcess
import Foundation
import Testing
@testable import SwiftletCrypto

// MARK: helpers

/// The error a throwing closure threw, or nil.
private func thrown(_ body: () throws(CryptoError) -> Void) -> CryptoError? {
    do { try body(); return nil } catch { return error }
}

/// `hex` as exactly `width` bytes (CAVP leaves leading zeros out of R and S).
private func padded(_ text: String, _ width: Int) -> [UInt8] {
    let value = bytes(hex: text.count % 2 == 1 ? "0" + text : text)
    precondition(value.count <= width)
    return [UInt8](repeating: 0, count: width - value.count) + value
}

/// Uniform-ish private keys for the tests: random bytes with the top byte kept below 0xff (so below n).
private func randomScalar(_ random: inout SeededBytes, _ size: Int) -> [UInt8] {
    var d = random.bytes(size)
    d[0] = d[0] % 0xfe
    d[size - 1] |= 1  // never zero
    return d
}

private enum Curve {
    case p256, p384
    var size: Int { self == .p256 ? 32 : 48 }
    var python: String { self == .p256 ? "SECP256R1" : "SECP384R1" }
    var pythonHash: String { self == .p256 ? "SHA256" : "SHA384" }

    func publicKey(_ d: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch self {
        case .p256: try P256PrivateKey(rawScalar: d.span).publicKey
        case .p384: try P384PrivateKey(rawScalar: d.span).publicKey
        }
    }
    func sign(_ d: [UInt8], message: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch self {
        case .p256: try P256PrivateKey(rawScalar: d.span).signature(for: message.span)
        case .p384: try P384PrivateKey(rawScalar: d.span).signature(for: message.span)
        }
    }
    func verify(_ signature: [UInt8], digest: [UInt8], publicKey: [UInt8]) throws(CryptoError) {
        switch self {
        case .p256: try P256.verify(signature: signature.span, digest: digest.span, publicKey: publicKey.span)
        case .p384: try P384.verify(signature: signature.span, digest: digest.span, publicKey: publicKey.span)
        }
    }
    func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) throws(CryptoError) {
        switch self {
        case .p256: try P256.verify(signature: signature.span, message: message.span, publicKey: publicKey.span)
        case .p384: try P384.verify(signature: signature.span, message: message.span, publicKey: publicKey.span)
        }
    }
    func sharedSecret(_ d: [UInt8], peer: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch self {
        case .p256: try P256PrivateKey(rawScalar: d.span).sharedSecret(peerPublicKey: peer.span)
        case .p384: try P384PrivateKey(rawScalar: d.span).sharedSecret(peerPublicKey: peer.span)
        }
    }
    /// n, big-endian.
    var order: [UInt8] {
        self == .p256
            ? bytes(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            : bytes(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973")
    }
    var generator: [UInt8] {
        self == .p256
            ? bytes(hex: "04 6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                    + "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
            : bytes(hex: "04 aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7"
                    + "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f")
    }
    /// p, big-endian.
    var prime: [UInt8] {
        self == .p256
            ? bytes(hex: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
            : bytes(hex: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff")
    }
}

/// Big-endian `a − 1` (a > 0).
private func minusOne(_ a: [UInt8]) -> [UInt8] {
    var out = a
    var i = out.count - 1
    while out[i] == 0 { out[i] = 0xff; i -= 1 }
    out[i] -= 1
    return out
}

/// Big-endian `a + 1` (no overflow in the tests' uses).
private func plusOne(_ a: [UInt8]) -> [UInt8] {
    var out = a
    var i = out.count - 1
    while out[i] == 0xff { out[i] = 0; i -= 1 }
    out[i] += 1
    return out
}

// MARK: RFC 6979 Appendix A.2.5 and A.2.6

@Test func rfc6979P256() throws {
    let key = try P256PrivateKey(rawScalar: bytes(hex: "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"))
    #expect(hex(key.publicKey) == "04" + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
        + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")
    let cases: [(String, String)] = [
        ("sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
            + "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"),
        ("test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
            + "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"),
    ]
    for (message, expected) in cases {
        let m = Array(message.utf8)
        let signature = key.signature(for: m.span)
        #expect(hex(signature) == expected, "message \(message)")
        #expect(hex(key.signature(forDigest: SHA256.hash(m).span)) == expected)
        #expect(thrown { () throws(CryptoError) in
            try P256.verify(signature: signature.span, message: m.span, publicKey: key.publicKey.span)
        } == nil)
    }
}

@Test func rfc6979P384() throws {
    let key = try P384PrivateKey(rawScalar: bytes(hex: "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5"))
    #expect(hex(key.publicKey) == "04"
        + "ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc13"
        + "8015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720")
    let cases: [(String, String)] = [
        ("sample", "94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46"
            + "99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8"),
        ("test", "8203b63d3c853e8d77227fb377bcf7b7b772e97892a80f36ab775d509d7a5feb0542a7f0812998da8f1dd3ca3cf023db"
            + "ddd0760448d42d8a43af45af836fce4de8be06b485e9b61b827c2f13173923e06a739f040649a667bf3b828246baa5a5"),
    ]
    for (message, expected) in cases {
        let m = Array(message.utf8)
        let signature = key.signature(for: m.span)
        #expect(hex(signature) == expected, "message \(message)")
        #expect(thrown { () throws(CryptoError) in
            try P384.verify(signature: signature.span, message: m.span, publicKey: key.publicKey.span)
        } == nil)
    }
}

/// The domain parameters: 1·G is G, (n−1)·G is −G, and a 64-byte digest signs as its first 32 bytes.
@Test(arguments: [Curve.p256, Curve.p384])
private func generatorAndOrder(_ curve: Curve) throws {
    var one = [UInt8](repeating: 0, count: curve.size)
    one[curve.size - 1] = 1
    #expect(try curve.publicKey(one) == curve.generator)
    let negated = try curve.publicKey(minusOne(curve.order))
    #expect(Array(negated[0..<(1 + curve.size)]) == Array(curve.generator[0..<(1 + curve.size)]))
    // y(−G) = p − y(G): adding the two y coordinates as integers gives p.
    var sum = [UInt8](repeating: 0, count: curve.size)
    var carry = 0
    for i in stride(from: curve.size - 1, through: 0, by: -1) {
        let s = Int(negated[1 + curve.size + i]) + Int(curve.generator[1 + curve.size + i]) + carry
        sum[i] = UInt8(s & 0xff)
        carry = s >> 8
    }
    #expect(sum == curve.prime)
}

@Test func digestTruncation() throws {
    var random = SeededBytes(seed: 6979)
    let key = try P256PrivateKey(rawScalar: randomScalar(&random, 32))
    let long = random.bytes(64)
    let signature = key.signature(forDigest: long.span)
    #expect(signature == key.signature(forDigest: long[0..<32].map { $0 }.span))
    #expect(thrown { () throws(CryptoError) in
        try P256.verify(signature: signature.span, digest: long.span, publicKey: key.publicKey.span)
    } == nil)
    // A short digest (160 bits) is taken whole, as an integer, on both sides.
    let short = random.bytes(20)
    let s2 = key.signature(forDigest: short.span)
    #expect(thrown { () throws(CryptoError) in
        try P256.verify(signature: s2.span, digest: short.span, publicKey: key.publicKey.span)
    } == nil)
    #expect(thrown { () throws(CryptoError) in
        try P256.verify(signature: s2.span, digest: ([0] + short).span, publicKey: key.publicKey.span)
    } == nil)
}

// MARK: NIST CAVP (FIPS 186-3) vectors

private func digest(_ name: String, _ message: [UInt8]) -> [UInt8]? {
    switch name {
    case "SHA-256": SHA256.hash(message)
    case "SHA-384": SHA384.hash(message)
    case "SHA-512": SHA512.hash(message)
    default: nil
    }
}

@Test func cavpSigVer() throws {
    let records = cavpRecords(try Reference.vectorFile("asymmetric/ECDSA/FIPS_186-3/SigVer.rsp"))
    var checked = [String: Int]()
    for record in records {
        let section = record["[]"] ?? ""
        let curve: Curve
        if section.hasPrefix("[P-256,") { curve = .p256 } else if section.hasPrefix("[P-384,") { curve = .p384 } else { continue }
        let hashName = String(section.dropFirst(7).dropLast())
        guard let msg = record["Msg"], let qx = record["Qx"], let qy = record["Qy"], let r = record["R"],
              let s = record["S"], let result = record["Result"],
              let d = digest(hashName, bytes(hex: msg)) else { continue }
        let publicKey = [0x04] + padded(qx, curve.size) + padded(qy, curve.size)
        let signature = padded(r, curve.size) + padded(s, curve.size)
        let error = thrown { () throws(CryptoError) in try curve.verify(signature, digest: d, publicKey: publicKey) }
        let expectPass = result.hasPrefix("P")
        #expect((error == nil) == expectPass, "\(section) \(result) Qx=\(qx) got \(String(describing: error))")
        checked[section, default: 0] += 1
    }
    // P-256 and P-384 each with SHA-256, SHA-384 and SHA-512, 15 records apiece.
    #expect(checked.count == 6, "\(checked)")
    #expect(checked.values.allSatisfy { $0 == 15 }, "\(checked)")
}

@Test func cavpKeyPair() throws {
    // The file has a second bracketed header under each curve, so the curve is tracked here.
    let text = try Reference.vectorFile("asymmetric/ECDSA/FIPS_186-3/KeyPair.rsp")
    var curve: Curve? = nil
    var d = ""
    var qx = ""
    var checked = 0
    for raw in text.split(whereSeparator: \.isNewline) {
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("[P-") || line.hasPrefix("[K-") || line.hasPrefix("[B-") {
            curve = line == "[P-256]" ? .p256 : line == "[P-384]" ? .p384 : nil
        } else if line.hasPrefix("d = ") {
            d = String(line.dropFirst(4))
        } else if line.hasPrefix("Qx = ") {
            qx = String(line.dropFirst(5))
        } else if line.hasPrefix("Qy = "), let curve {
            let expected = [0x04] + padded(qx, curve.size) + padded(String(line.dropFirst(5)), curve.size)
            #expect(try curve.publicKey(padded(d, curve.size)) == expected, "d=\(d)")
            checked += 1
        }
    }
    #expect(checked == 20)
}

/// SigGen: the public key of each d, and the published (random-nonce) signature verifies.
@Test func cavpSigGen() throws {
    let records = cavpRecords(try Reference.vectorFile("asymmetric/ECDSA/FIPS_186-3/SigGen.txt"))
    var checked = 0
    for record in records {
        let section = record["[]"] ?? ""
        let curve: Curve
        if section.hasPrefix("[P-256,") { curve = .p256 } else if section.hasPrefix("[P-384,") { curve = .p384 } else { continue }
        let hashName = String(section.dropFirst(7).dropLast())
        guard let msg = record["Msg"], let d = record["d"], let qx = record["Qx"], let qy = record["Qy"],
              let r = record["R"], let s = record["S"], let e = digest(hashName, bytes(hex: msg)) else { continue }
        let publicKey = [0x04] + padded(qx, curve.size) + padded(qy, curve.size)
        #expect(try curve.publicKey(padded(d, curve.size)) == publicKey)
        let signature = padded(r, curve.size) + padded(s, curve.size)
        #expect(thrown { () throws(CryptoError) in try curve.verify(signature, digest: e, publicKey: publicKey) } == nil,
                "\(section) d=\(d)")
        var flipped = signature
        flipped[curve.size + 5] ^= 0x10
        #expect(thrown { () throws(CryptoError) in try curve.verify(flipped, digest: e, publicKey: publicKey) } != nil)
        checked += 1
    }
    #expect(checked == 90, "\(checked)")  // 2 curves × SHA-256/384/512 × 15
}

// MARK: differential against Python cryptography (OpenSSL)

private let pythonECDSA = #"""
import sys
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.exceptions import InvalidSignature
curve = getattr(ec, CURVE)()
h = getattr(hashes, HASH)()
size = SIZE
for line in sys.stdin:
    d, msg, ours, peer = line.split()
    key = ec.derive_private_key(int(d, 16), curve)
    pub = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    m = bytes.fromhex(msg) if msg != "-" else b""
    r, s = utils.decode_dss_signature(key.sign(m, ec.ECDSA(h)))
    theirs = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    o = bytes.fromhex(ours)
    try:
        key.public_key().verify(utils.encode_dss_signature(int.from_bytes(o[:size], "big"), int.from_bytes(o[size:], "big")), m, ec.ECDSA(h))
        ok = "ok"
    except InvalidSignature:
        ok = "bad"
    pk = ec.derive_private_key(int(peer, 16), curve)
    peer_pub = pk.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    shared = pk.exchange(ec.ECDH(), key.public_key())
    print(pub.hex(), theirs.hex(), ok, peer_pub.hex(), shared.hex())
"""#

@Test(arguments: [Curve.p256, Curve.p384])
private func differentialPython(_ curve: Curve) throws {
    var random = SeededBytes(seed: curve == .p256 ? 256 : 384)
    let count = 40
    var keys = [[UInt8]](), messages = [[UInt8]](), ours = [[UInt8]](), peers = [[UInt8]]()
    var input = ""
    for i in 0..<count {
        let d = randomScalar(&random, curve.size)
        let message = random.bytes(random.below(200) + (i == 0 ? 0 : 1))
        let signature = try curve.sign(d, message: message)
        let peer = randomScalar(&random, curve.size)
        keys.append(d); messages.append(message); ours.append(signature); peers.append(peer)
        input += "\(hex(d)) \(message.isEmpty ? "-" : hex(message)) \(hex(signature)) \(hex(peer))\n"
    }
    let script = pythonECDSA.replacingOccurrences(of: "CURVE", with: "\"\(curve.python)\"")
        .replacingOccurrences(of: "HASH", with: "\"\(curve.pythonHash)\"")
        .replacingOccurrences(of: "SIZE", with: "\(curve.size)")
    let lines = try ChildProcess.python(script, input: input).split(separator: "\n")
    #expect(lines.count == count)
    for (i, line) in lines.enumerated() {
        let fields = line.split(separator: " ").map(String.init)
        let publicKey = bytes(hex: fields[0])
        // Same public key for the same scalar.
        #expect(try curve.publicKey(keys[i]) == publicKey, "key \(i)")
        // Ours verifies with OpenSSL.
        #expect(fields[2] == "ok", "OpenSSL rejected our signature \(i)")
        // Theirs (random nonce) verifies with ours, and a flipped bit does not.
        let theirs = bytes(hex: fields[1])
        #expect(thrown { () throws(CryptoError) in try curve.verify(theirs, message: messages[i], publicKey: publicKey) } == nil,
                "our verifier rejected OpenSSL's signature \(i)")
        var flipped = theirs
        flipped[random.below(flipped.count)] ^= UInt8(1) << UInt8(random.below(8))
        #expect(thrown { () throws(CryptoError) in try curve.verify(flipped, message: messages[i], publicKey: publicKey) } != nil)
        var otherMessage = messages[i] + [0]
        otherMessage[0] ^= 1
        #expect(thrown { () throws(CryptoError) in try curve.verify(theirs, message: otherMessage, publicKey: publicKey) } == .authenticationFailure)
        // ECDH: the same shared secret from our side.
        #expect(hex(try curve.sharedSecret(keys[i], peer: bytes(hex: fields[3]))) == fields[4], "ECDH \(i)")
    }
}

// MARK: refusals

@Test(arguments: [Curve.p256, Curve.p384])
private func badPrivateKeys(_ curve: Curve) {
    let n = curve.order
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey([UInt8](repeating: 0, count: curve.size)) } == .badScalar)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey(n) } == .badScalar)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey(plusOne(n)) } == .badScalar)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey([UInt8](repeating: 0xff, count: curve.size)) } == .badScalar)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey(minusOne(n)) } == nil)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey([UInt8](repeating: 1, count: curve.size - 1)) } == .badLength)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey([UInt8](repeating: 1, count: curve.size + 1)) } == .badLength)
    #expect(thrown { () throws(CryptoError) in _ = try curve.publicKey([]) } == .badLength)
}

@Test(arguments: [Curve.p256, Curve.p384])
private func badSignaturesAndKeys(_ curve: Curve) throws {
    var random = SeededBytes(seed: 19)
    let size = curve.size
    let d = randomScalar(&random, size)
    let publicKey = try curve.publicKey(d)
    let message = Array("refusals".utf8)
    let digest = curve == .p256 ? SHA256.hash(message) : SHA384.hash(message)
    let signature = try curve.sign(d, message: message)
    func verify(_ s: [UInt8], _ q: [UInt8] = publicKey, _ e: [UInt8] = digest) -> CryptoError? {
        thrown { () throws(CryptoError) in try curve.verify(s, digest: e, publicKey: q) }
    }
    #expect(verify(signature) == nil)
    let r = Array(signature[0..<size]), s = Array(signature[size...])
    let zero = [UInt8](repeating: 0, count: size), n = curve.order
    // r or s zero or ≥ n.
    #expect(verify(zero + s) == .badScalar)
    #expect(verify(r + zero) == .badScalar)
    #expect(verify(n + s) == .badScalar)
    #expect(verify(r + n) == .badScalar)
    #expect(verify(plusOne(n) + s) == .badScalar)
    #expect(verify([UInt8](repeating: 0xff, count: size) + s) == .badScalar)
    // r + n·k style malleability is out of range; (r, n − s) is the other valid signature (not refused
    // by ECDSA itself), checked here so the test documents it.
    var negatedS = [UInt8](repeating: 0, count: size)
    var borrow = 0
    for i in stride(from: size - 1, through: 0, by: -1) {
        let v = Int(n[i]) - Int(s[i]) - borrow
        negatedS[i] = UInt8((v + 256) & 0xff)
        borrow = v < 0 ? 1 : 0
    }
    #expect(verify(r + negatedS) == nil)
    // Wrong lengths.
    #expect(verify(Array(signature.dropLast())) == .badLength)
    #expect(verify(signature + [0]) == .badLength)
    #expect(verify([]) == .badLength)
    // Every single flipped bit of the signature, some of the digest, is refused.
    for bit in 0..<(16 * size) {
        var flipped = signature
        flipped[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
        let error = verify(flipped)
        #expect(error == .authenticationFailure || error == .badScalar, "bit \(bit)")
    }
    for bit in stride(from: 0, to: 8 * digest.count, by: 7) {
        var flipped = digest
        flipped[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
        #expect(verify(signature, publicKey, flipped) == .authenticationFailure)
    }
    // Public keys: lengths, prefixes, the identity, coordinates ≥ p, off the curve, a flipped bit.
    #expect(verify(signature, Array(publicKey.dropLast())) == .badLength)
    #expect(verify(signature, publicKey + [0]) == .badLength)
    #expect(verify(signature, Array(publicKey[0..<(1 + size)])) == .badLength)  // a compressed-sized key
    #expect(verify(signature, []) == .badLength)
    #expect(verify(signature, [0x00]) == .badPoint)
    for prefix: UInt8 in [0x00, 0x02, 0x03, 0x05, 0x06, 0x07] {
        var q = publicKey
        q[0] = prefix
        #expect(verify(signature, q) == .badPoint, "prefix \(prefix)")
    }
    let p = curve.prime
    #expect(verify(signature, [0x04] + p + Array(publicKey[(1 + size)...])) == .badPoint)
    #expect(verify(signature, Array(publicKey[0..<(1 + size)]) + p) == .badPoint)
    #expect(verify(signature, [0x04] + zero + zero) == .badPoint)
    var offCurve = publicKey
    offCurve[2 * size] ^= 1
    #expect(verify(signature, offCurve) == .badPoint)
    offCurve = publicKey
    offCurve[3] ^= 0x80
    #expect(verify(signature, offCurve) == .badPoint)
    // ECDH refuses the same peer keys.
    #expect(thrown { () throws(CryptoError) in _ = try curve.sharedSecret(d, peer: offCurve) } == .badPoint)
    #expect(thrown { () throws(CryptoError) in _ = try curve.sharedSecret(d, peer: [0x00]) } == .badPoint)
    #expect(thrown { () throws(CryptoError) in _ = try curve.sharedSecret(d, peer: Array(publicKey.dropLast())) } == .badLength)
    // Another key's signature does not verify.
    let other = try curve.publicKey(randomScalar(&random, size))
    #expect(verify(signature, other) == .authenticationFailure)
}

/// A coordinate ≥ p whose residue mod p would be on the curve: x = 5 + p with y² = 5³ − 15 + b.
@Test func nonCanonicalCoordinateP256() {
    let x = bytes(hex: "ffffffff00000001000000000000000000000001000000000000000000000004")
    let y = bytes(hex: "459243b9aa581806fe913bce99817ade11ca503c64d9a3c533415c083248fbcc")
    var five = [UInt8](repeating: 0, count: 32)
    five[31] = 5
    let signature = [UInt8](repeating: 1, count: 64)
    let digest = [UInt8](repeating: 2, count: 32)
    // The canonical encoding is a valid point (so it fails only as a signature) ...
    #expect(thrown { () throws(CryptoError) in
        try P256.verify(signature: signature.span, digest: digest.span, publicKey: ([0x04] + five + y).span)
    } == .authenticationFailure)
    // ... and the same point with x + p is refused as a point.
    #expect(thrown { () throws(CryptoError) in
        try P256.verify(signature: signature.span, digest: digest.span, publicKey: ([0x04] + x + y).span)
    } == .badPoint)
}

// MARK: internal consistency of the three scalar multiplications

/// Affine (x, y) of a Jacobian point as integers, for comparisons.
private func affine<C: PrimeCurve>(_ p: JacobianPoint<C>) -> [UInt8] {
    if p.isIdentity { return [0] }
    let zInverse = p.z.inverse()
    let z2 = zInverse * zInverse
    return (p.x * z2).encoded() + (p.y * z2 * zInverse).encoded()
}

private func affine<C: PrimeCurve>(_ p: ProjectivePoint<C>) -> [UInt8] {
    if p.isIdentityBit == 1 { return [0] }
    let a = p.affine()
    return a.x.encoded() + a.y.encoded()
}

/// k·G by the table, k·G by the ECDH ladder, and u1·G + u2·G by the verifier's Jacobian code (whose
/// exceptional cases, P + P and P + (−P), these inputs reach) all agree, for edge and random scalars.
private func checkMultiplications<C: PrimeCurve>(_ curve: C.Type, seed: UInt64) {
    typealias Limbs = C.Field.Limbs
    typealias S = Residue<C.Order>
    var random = SeededBytes(seed: seed)
    let n = C.Order.modulus
    func scalar(_ value: UInt64) -> Limbs { var l = Limbs.zero; l[limb: 0] = value; return l }
    func minus(_ a: Limbs, _ b: Limbs) -> Limbs { a.subtracting(b).0 }
    var scalars: [Limbs] = [scalar(1), scalar(2), scalar(3), scalar(31), scalar(32), scalar(33), scalar(64),
                            minus(n, scalar(1)), minus(n, scalar(2)), minus(n, scalar(32))]
    for _ in 0..<12 { scalars.append(ECDSA<C>.reducedOnce(Limbs.fromBigEndian(random.bytes(C.byteCount).span))) }
    let g = ProjectivePoint<C>.generator
    for k in scalars {
        let expected = affine(ProjectivePoint<C>.generatorMultiple(k))
        #expect(affine(ProjectivePoint<C>.variableBaseMultiple(k, g)) == expected)
        // Split k = u1 + u2 mod n in several ways, including u1 = u2 and u1 = 0 or u2 = 0.
        let half = (S(integer: k) * S(integer: scalar(2)).inverse()).integer
        let r = ECDSA<C>.reducedOnce(Limbs.fromBigEndian(random.bytes(C.byteCount).span))
        let splits: [(Limbs, Limbs)] = [
            (k, Limbs.zero), (Limbs.zero, k), (half, half),
            (r, (S(integer: k) - S(integer: r)).integer),
        ]
        for (u1, u2) in splits {
            #expect(affine(JacobianPoint<C>.verificationCombination(u1, u2, .generator)) == expected)
        }
    }
    // u1 = −u2: the identity.
    let u = scalars[5]
    #expect(affine(JacobianPoint<C>.verificationCombination(minus(n, u), u, .generator)) == [0])
    // 0·G.
    #expect(affine(ProjectivePoint<C>.generatorMultiple(Limbs.zero)) == [0])
}

@Test func scalarMultiplicationsAgreeP256() { checkMultiplications(P256Curve.self, seed: 2561) }
@Test func scalarMultiplicationsAgreeP384() { checkMultiplications(P384Curve.self, seed: 3841) }

// MARK: speed (run with ECDSA_BENCH=1; not part of the normal run)

@Test(.enabled(if: ProcessInfo.processInfo.environment["ECDSA_BENCH"] != nil))
func ecdsaSpeed() throws {
    func rate(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        for _ in 0..<iterations { try body() }
        return Double(iterations) / Date().timeIntervalSince(start)
    }
    var random = SeededBytes(seed: 1)
    let k256 = try P256PrivateKey(rawScalar: randomScalar(&random, 32))
    let d256 = random.bytes(32)
    let s256 = k256.signature(forDigest: d256.span)
    let k384 = try P384PrivateKey(rawScalar: randomScalar(&random, 48))
    let d384 = random.bytes(48)
    let s384 = k384.signature(forDigest: d384.span)
    let peer = try P256PrivateKey(rawScalar: randomScalar(&random, 32)).publicKey
    let sign256 = rate(2000) { _ = k256.signature(forDigest: d256.span) }
    let verify256 = try rate(1000) { try P256.verify(signature: s256.span, digest: d256.span, publicKey: k256.publicKey.span) }
    let sign384 = rate(500) { _ = k384.signature(forDigest: d384.span) }
    let verify384 = try rate(300) { try P384.verify(signature: s384.span, digest: d384.span, publicKey: k384.publicKey.span) }
    let ecdh256 = try rate(500) { _ = try k256.sharedSecret(peerPublicKey: peer.span) }
    print("P-256 sign \(Int(sign256))/s verify \(Int(verify256))/s ECDH \(Int(ecdh256))/s; P-384 sign \(Int(sign384))/s verify \(Int(verify384))/s")
}
