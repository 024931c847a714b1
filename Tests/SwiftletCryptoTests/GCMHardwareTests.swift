// SwiftletCryptoTests: the AES-NI/PCLMULQDQ GCM path (CSwiftletCrypto through Audited.swift) on its own,
// against the CAVP GCM files and OpenSSL on seeded random inputs, so that a fault in it cannot hide behind
// the portable path (and the other way round: AEADTests runs the public types, which pick one).

import Testing
@testable import SwiftletCrypto

@Suite struct GCMHardwareTests {
    @Test func cavpEncryptAndDecryptVectors() throws {
        try #require(HardwareAESGCM.available, "this CPU has no AES-NI/PCLMULQDQ: the hardware path cannot run here")
        var sealed = 0, opened = 0, refused = 0
        for file in ["gcmEncryptExtIV128.rsp", "gcmEncryptExtIV256.rsp", "gcmDecrypt128.rsp", "gcmDecrypt256.rsp"] {
            for r in cavpRecords(try Reference.vectorFile("ciphers/AES/GCM/" + file)) {
                guard let k = r["Key"], let iv = r["IV"], let ct = r["CT"], let aad = r["AAD"], let tagHex = r["Tag"] else { continue }
                let nonce = bytes(hex: iv), expectedTag = bytes(hex: tagHex)
                guard nonce.count == 12, expectedTag.count == 16 else { continue }
                let key = bytes(hex: k)
                guard let gcm = HardwareAESGCM(key: key.span) else { Issue.record("key refused"); continue }
                let a = bytes(hex: aad)
                var text = bytes(hex: ct)
                let original = text
                var span = text.mutableSpan
                let ok = gcm.open(&span, nonce: nonce.span, authenticating: a.span, tag: expectedTag.span)
                if r["FAIL"] != nil {
                    #expect(!ok && text == original, "\(file) Count \(r["Count"] ?? "?") should fail")
                    refused += 1
                    continue
                }
                #expect(ok, "\(file) Count \(r["Count"] ?? "?")")
                let plain = text
                if let pt = r["PT"] { #expect(hex(plain) == pt) }
                var again = plain
                var againSpan = again.mutableSpan
                let tag = gcm.seal(&againSpan, nonce: nonce.span, authenticating: a.span)
                #expect(again == original && tag == expectedTag, "\(file) Count \(r["Count"] ?? "?") seal")
                opened += 1; sealed += 1
            }
        }
        #expect(opened > 1000 && refused > 100)
    }

    @Test func sameAsOpenSSLOnRandomInputs() throws {
        try #require(HardwareAESGCM.available, "this CPU has no AES-NI/PCLMULQDQ: the hardware path cannot run here")
        var random = SeededBytes(seed: 0x6C_A35)
        var lines: [String] = [], ours: [String] = []
        for i in 0..<300 {
            let key = random.bytes(i % 2 == 0 ? 16 : 32), nonce = random.bytes(12)
            let length = i < 40 ? i : (random.below(3) == 0 ? random.below(5000) : random.below(300))
            let plain = random.bytes(length), aad = random.bytes(random.below(3) == 0 ? 0 : random.below(200))
            guard let gcm = HardwareAESGCM(key: key.span) else { Issue.record("key refused"); return }
            var text = plain
            var span = text.mutableSpan
            let tag = gcm.seal(&span, nonce: nonce.span, authenticating: aad.span)
            ours.append(hex(text + tag))
            lines.append([key, nonce, plain, aad].map { $0.isEmpty ? "-" : hex($0) }.joined(separator: " "))
            var back = text
            var backSpan = back.mutableSpan
            let opened = gcm.open(&backSpan, nonce: nonce.span, authenticating: aad.span, tag: tag.span)
            #expect(opened && back == plain)
        }
        let script = """
        import sys
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        for line in sys.stdin:
            k, n, p, a = [b'' if f == '-' else bytes.fromhex(f) for f in line.split()]
            print(AESGCM(k).encrypt(n, p, a or None).hex())
        """
        let theirs = try Reference.python(script, input: lines.joined(separator: "\n") + "\n").split(separator: "\n").map(String.init)
        #expect(theirs == ours)
    }
}
