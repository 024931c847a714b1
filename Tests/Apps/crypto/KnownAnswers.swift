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
        return results
    }
}
