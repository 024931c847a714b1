// Known answers from the standards, as (name, computed, expected hex). Each primitive's own test suite has
// the full vector sets; these prove the same code computes the same on the target.

import SwiftletCrypto

enum KnownAnswers {
    static func all() -> [(String, [UInt8], String)] {
        var results: [(String, [UInt8], String)] = []
        let abc: [UInt8] = [0x61, 0x62, 0x63]
        // FIPS 180-4 examples (NIST CSRC "SHA-2 examples"): "abc".
        results.append(("SHA-256 abc", SHA256.hash(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        results.append(("SHA-384 abc", SHA384.hash(abc), "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"))
        results.append(("SHA-512 abc", SHA512.hash(abc),
                        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"))
        // RFC 4231 test case 1.
        let key = [UInt8](repeating: 0x0b, count: 20)
        results.append(("HMAC-SHA-256 RFC 4231 #1", HMAC<SHA256>.authenticationCode(for: Array("Hi There".utf8), key: key),
                        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"))
        // RFC 5869 A.1.
        let ikm = [UInt8](repeating: 0x0b, count: 22), salt = bytes("000102030405060708090a0b0c"), info = bytes("f0f1f2f3f4f5f6f7f8f9")
        let okm = (try? HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm.span, salt: salt.span, info: info.span, length: 42)) ?? []
        results.append(("HKDF-SHA-256 RFC 5869 A.1", okm, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
        // RFC 7748 §6.1: Alice's private key with Bob's public key.
        let alice = bytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        let bob = bytes("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        results.append(("X25519 RFC 7748 6.1", (try? X25519.sharedSecret(privateKey: alice.span, peerPublicKey: bob.span)) ?? [],
                        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"))
        // RFC 8032 §7.1 TEST 1 (empty message), and its verification.
        let seed = bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let empty: [UInt8] = []
        let signature = (try? Ed25519PrivateKey(seed: seed.span))?.signature(for: empty.span) ?? []
        results.append(("Ed25519 RFC 8032 7.1 #1", signature,
                        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"))
        let publicKey = bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let verified = (try? Ed25519.verify(signature: signature.span, message: empty.span, publicKey: publicKey.span)) != nil
        results.append(("Ed25519 verify", [verified ? 1 : 0], "01"))
        // RFC 6979 A.2.5: P-256, SHA-256, message "sample" (deterministic, so the signature is known).
        let p256 = try? P256PrivateKey(rawScalar: bytes("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721").span)
        let sample: [UInt8] = Array("sample".utf8)
        let p256Signature = p256?.signature(for: sample.span) ?? []
        results.append(("ECDSA P-256 RFC 6979 A.2.5", p256Signature,
                        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"))
        let p256Public = p256?.publicKey ?? []
        let p256Verified = (try? P256.verify(signature: p256Signature.span, message: sample.span, publicKey: p256Public.span)) != nil
        results.append(("ECDSA P-256 verify", [p256Verified ? 1 : 0], "01"))
        // The GCM specification's test case 3 (McGrew and Viega; also in NIST's GCM examples), sealed and opened.
        results.append(aead("AES-128-GCM test case 3", try? AES128GCM(key: bytes("feffe9928665731c6d6a8f9467308308").span),
            nonce: "cafebabefacedbaddecaf888", aad: "",
            plain: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            sealed: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
                + "4d5c2af327cd64a62cf35abd2ba6fab4"))
        // RFC 8439 §2.8.2.
        var chachaKey: [UInt8] = []
        for b: UInt8 in 0x80...0x9f { chachaKey.append(b) }
        results.append(aead("ChaCha20-Poly1305 RFC 8439 2.8.2", try? ChaCha20Poly1305(key: chachaKey.span),
            nonce: "070000004041424344454647", aad: "50515253c0c1c2c3c4c5c6c7",
            plain: hex(Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)),
            sealed: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd0600691"))
        return results
    }

    /// Seals `plain` and opens the result again: the answer is ciphertext || tag if both agree with the
    /// expected value, else what went wrong.
    static func aead<A: AEAD>(_ name: String, _ cipher: A?, nonce: String, aad: String, plain: String, sealed: String) -> (String, [UInt8], String) {
        guard let cipher else { return (name, [], sealed) }
        let n = bytes(nonce), a = bytes(aad)
        var text = bytes(plain)
        var span = text.mutableSpan
        guard let tag = try? cipher.seal(&span, nonce: n.span, authenticating: a.span) else { return (name + " seal", [], sealed) }
        let output = text + tag
        var back = text
        var backSpan = back.mutableSpan
        let opened = (try? cipher.open(&backSpan, nonce: n.span, authenticating: a.span, tag: tag.span)) != nil
        return (name, opened && back == bytes(plain) ? output : [], sealed)
    }
}
