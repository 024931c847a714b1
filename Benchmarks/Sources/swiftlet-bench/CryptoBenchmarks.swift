// swiftlet-bench crypto: the speed of SwiftletCrypto's primitives, one figure per line as
//   FIGURE KEY VALUE UNIT
// (GB/s over 16 KiB messages for hashes and AEADs, operations per second for public-key operations).
// Benchmarks/crypto.sh runs `openssl speed` for the same operations in the same run and prints the ratios.

import SwiftletCrypto

/// Operations per second of `body`, run in batches of `batch` until at least 0.3 s passed, best of 3.
func operationsPerSecond(batch: Int, _ body: () -> Void) -> Double {
    var bestRate = 0.0
    for _ in 0..<3 {
        let t0 = nowNanoseconds()
        var done = 0
        repeat {
            for _ in 0..<batch { body() }
            done += batch
        } while nowNanoseconds() - t0 < 300_000_000
        bestRate = max(bestRate, Double(done) * 1e9 / Double(nowNanoseconds() - t0))
    }
    return bestRate
}

func figure(_ key: String, _ value: Double, _ unit: String) {
    print("FIGURE \(key) \(format(value, unit == "GB/s" ? 3 : 0)) \(unit)")
}

func benchCrypto() {
    let message = [UInt8](repeating: 0xA5, count: 16_384)
    var sink: UInt8 = 0
    let sha = operationsPerSecond(batch: 20) { sink &+= SHA256.hash(message)[0] }
    figure("sha256", sha * 16_384 / 1e9, "GB/s")
    let sha512 = operationsPerSecond(batch: 20) { sink &+= SHA512.hash(message)[0] }
    figure("sha512", sha512 * 16_384 / 1e9, "GB/s")

    // AEADs: seal 16 KiB in place (the tag is computed over the ciphertext as TLS records need it).
    let nonce = [UInt8](repeating: 3, count: 12), aad = [UInt8](repeating: 4, count: 13)
    var buffer = message
    func aeadRate<A: AEAD>(_ aead: A) -> Double {
        operationsPerSecond(batch: 20) {
            var span = buffer.mutableSpan
            sink &+= ((try? aead.seal(&span, nonce: nonce.span, authenticating: aad.span)) ?? [0])[0]
        } * 16_384 / 1e9
    }
    let key16 = [UInt8](repeating: 1, count: 16), key32 = [UInt8](repeating: 2, count: 32)
    if let aes = try? AES128GCM(key: key16.span) { figure("aes128gcm", aeadRate(aes), "GB/s") }
    if let aes = try? AES256GCM(key: key32.span) { figure("aes256gcm", aeadRate(aes), "GB/s") }
    if let chacha = try? ChaCha20Poly1305(key: key32.span) { figure("chacha20poly1305", aeadRate(chacha), "GB/s") }

    // X25519 and Ed25519 with keys from a seeded generator.
    let secretKey = [UInt8](repeating: 0x42, count: 32), peerSecret = [UInt8](repeating: 0x17, count: 32)
    guard let peer = try? X25519.publicKey(privateKey: peerSecret.span) else { fatalError("X25519 refused a key") }
    figure("x25519", operationsPerSecond(batch: 50) {
        sink &+= ((try? X25519.sharedSecret(privateKey: secretKey.span, peerPublicKey: peer.span)) ?? [0])[0]
    }, "ops/s")
    guard let signer = try? Ed25519PrivateKey(seed: secretKey.span) else { fatalError("Ed25519 refused a seed") }
    let short = [UInt8](repeating: 7, count: 64)
    figure("ed25519-sign", operationsPerSecond(batch: 50) { sink &+= signer.signature(for: short.span)[0] }, "ops/s")
    let signature = signer.signature(for: short.span), publicKey = signer.publicKey
    figure("ed25519-verify", operationsPerSecond(batch: 50) {
        if (try? Ed25519.verify(signature: signature.span, message: short.span, publicKey: publicKey.span)) != nil { sink &+= 1 }
    }, "ops/s")

    if let p256 = try? P256PrivateKey(rawScalar: secretKey.span) {
        let digest = SHA256.hash(secretKey)
        figure("p256-sign", operationsPerSecond(batch: 50) { sink &+= p256.signature(forDigest: digest.span)[0] }, "ops/s")
        let signature = p256.signature(forDigest: digest.span), publicKey = p256.publicKey
        figure("p256-verify", operationsPerSecond(batch: 20) {
            if (try? P256.verify(signature: signature.span, digest: digest.span, publicKey: publicKey.span)) != nil { sink &+= 1 }
        }, "ops/s")
    }
    if let p384 = try? P384PrivateKey(rawScalar: SHA384.hash(secretKey).span) {
        let digest = SHA384.hash(short)
        let signature = p384.signature(forDigest: digest.span), publicKey = p384.publicKey
        figure("p384-verify", operationsPerSecond(batch: 10) {
            if (try? P384.verify(signature: signature.span, digest: digest.span, publicKey: publicKey.span)) != nil { sink &+= 1 }
        }, "ops/s")
    }

    // RSA-2048 with e = 65537 (a key made once with Python's cryptography for this benchmark).
    let n = hexBytes(rsaKey["modulus"]!), e = hexBytes(rsaKey["publicExponent"]!), d = hexBytes(rsaKey["privateExponent"]!)
    let p = hexBytes(rsaKey["prime1"]!), q = hexBytes(rsaKey["prime2"]!), dp = hexBytes(rsaKey["exponent1"]!)
    let dq = hexBytes(rsaKey["exponent2"]!), qi = hexBytes(rsaKey["coefficient"]!)
    guard let rsa = try? RSAPrivateKey(modulus: n.span, publicExponent: e.span, privateExponent: d.span, prime1: p.span, prime2: q.span,
                                       exponent1: dp.span, exponent2: dq.span, coefficient: qi.span) else { fatalError("RSA key refused") }
    let digest = SHA256.hash(short), salt = [UInt8](repeating: 9, count: 32)
    guard let pss = try? rsa.signPSS(digest: digest.span, hash: .sha256, salt: salt.span) else { fatalError("RSA sign failed") }
    figure("rsa2048-verify", operationsPerSecond(batch: 50) {
        if (try? rsa.publicKey.verifyPSS(signature: pss.span, digest: digest.span, hash: .sha256)) != nil { sink &+= 1 }
    }, "ops/s")
    figure("rsa2048-sign", operationsPerSecond(batch: 5) { sink &+= ((try? rsa.signPSS(digest: digest.span, hash: .sha256, salt: salt.span)) ?? [0])[0] }, "ops/s")
    print("# sink \(sink)")
}

func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = text.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
    while let hi = it.next(), let lo = it.next() { out.append(nibble(hi) << 4 | nibble(lo)) }
    return out
}

let rsaKey: [String: String] = [
    "modulus": "beab8184377410a38f73504c93188bb97724047221e67a30a5ca0bd370d3279dd2263671df5220eb4d3374a742cf29d598a65592743e22425588be95a4b5152a8795bdc7960f4de497d3c62a2a9199914c810cf6f6ff9636ce1fdeea778173738a6681f1017f4ef93e32f54212e6caeec092f3d9188cd39f60d4a348a24124aaa209a190104ae0067dcb098b39eee801a9ed4ea46f0693dafef4d06af7a37b04fd663f4c50c686fe0d69cab5d2734b2757b9467e62cf0e914835ca7e1529a8d296f261f9e48f3e96f8298759a31bb4b3e132beb896fc726b0d30e5cb315e9c708c5f9090da3bcbf963156b128852bb10aa215440d6ba43ec0d0cf28abb945a59",
    "publicExponent": "010001",
    "privateExponent": "25fcc37c151441b0648723eb6daf093f75362ed0926279dbb15c34c8f6848b330d4861b68438b7a849a443cc832a04fab244096e794c5bc4fd8795f8f86cbf7fcead8db6f2f5af9e28859fc88cdc9f4cec8215942a97b754c9f25d9637230a5e6da788a1fc9b619f94bdd0514eb4be9f9cac6a7ac9425d73367686e594b607d8c30b98c6b1a387045002ed7f909c51b3215e5ac8f207056adef8143d481d330085df245da613a93afa9d3dbd647b19a90c4b86d8010fa1eb5777097ee230f5f18145bbb9b3b3d15997081da3226068ff733d8d6c84d3e9029f34743045876636eef3b537eb01f264b8a68a93b0590929ec554c2e4b3c29046a72d0a72ae47fd1",
    "prime1": "e1c3dad9a22748a108370c39fb9650c4eee4e4e68bb4db1ffe5e1cd5ab6c682638f968e143749d7dd84e6a034f29e6e69af0d6fd3a1f31ffc08f3797426393092b9a387f931c5d3902035a66331ba0705c8d24314da69114cb9c427308db615916433f6e98825a127d3de05a1bd5b38c57fdcfc4be42fa5e6e14a6d228701dad",
    "prime2": "d834729d85a48789b5faeeb37316e2430ae14699ef0158b36330a075be82bb7876c05b1e34c308e0c58fe92f2a66c75c2ae68750d9cc5494537884f188d76010eb5e7eb2b296860d643e978bb338437a825f5c55f3b4c730f5f0180bf43598412424be8b66af5c021748b48945a24f831d78c681df0cb8ced291bba768952cdd",
    "exponent1": "c02e64e1d632f29481d5ba46b16fa799bc728497ec5d2c1af401513262168a21df66106d916a779664c77b5f0dc87191e45b17e7bfce46559ba94e7d283a7333df360cda2c747cb6c68bec2c0b5d7d19a8ef4cdbdb69eb1e74a4b3bc10d20ef0330f53b3e58730fd843763ffd0a9fd897e6dc4ab89faa1fe385ec41329f12691",
    "exponent2": "33f727354551ee61e323950bfcb59b5c91d8e3a74c12fec6df2868e8e4097815d43517b182ecfdcd48aef65527d3dc4702e8b5cd710bf3a85307bcac713f930f7e031060d31beacc7d33ae291dc2803589f071b91702747e081ed528ca61b75eb0d944132d7328a23806799e24e68645f5677a0eed1599b5dc56bacbda0f40e1",
    "coefficient": "240fd90fd0f98a324fb3c011f00a1c32ca13678100f3c20bcb03f857ef974496b96d52cee71661360d0018b5a54fef3470a1a6c7d4be645c0041eee5470833b97dc97b607da349e0d2e6383172f3d479aae594a79c23b52653a3aa884a210aeade4e387c50aae84902db0d73bbe8836935da52cc7ebb81e79994b4f7d73af92e",
]
