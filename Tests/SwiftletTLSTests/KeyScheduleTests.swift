// Tests of Crypto/TLSHash.swift, Transcript.swift and KeySchedule.swift: RFC 8448 §3 every secret, key and
// iv in order, §4 the resumption PSK and binder, §5 the HelloRetryRequest transcript, exporters and
// KeyUpdate secrets against Python `cryptography` (vectors in KeyScheduleVectors.swift).
import Testing
import Swiftlet
import SwiftletCrypto
@testable import SwiftletTLS

/// A deterministic `Entropy` for tests: SHA-256(seed || counter) blocks.
final class SeededKeysEntropy: Entropy, @unchecked Sendable {
    private var counter: UInt64 = 0
    private let seed: [UInt8]
    init(seed: UInt64) { self.seed = (0..<8).map { UInt8(truncatingIfNeeded: seed >> (8 * UInt64($0))) } }
    var isUnpredictable: Bool { false }
    func fill(_ buffer: inout MutableSpan<UInt8>) {
        var i = 0
        while i < buffer.count {
            var block = seed
            for b in 0..<8 { block.append(UInt8(truncatingIfNeeded: counter >> (8 * UInt64(b)))) }
            counter += 1
            for byte in SHA256.hash(block) where i < buffer.count {
                buffer[i] = byte
                i += 1
            }
        }
    }
}

@Suite struct KeyScheduleTests {
    /// RFC 8448 §3, in the order the trace prints them: early, derived, handshake, c/s hs traffic, derived,
    /// master, c/s ap traffic, exp master, res master, and both Finished.
    @Test func rfc8448Section3EverySecret() {
        let h = HashAlgorithm.sha256
        var transcript = Transcript()
        transcript.add(KSV.s3ClientHello)
        transcript.choose(h)
        transcript.add(KSV.s3ServerHello)
        #expect(transcript.currentHash() == KSV.s3HelloHash)

        var schedule = KeySchedule(suite: .aes128GCMSHA256, psk: nil)
        #expect(schedule.stageSecret == KSV.s3EarlySecret)
        #expect(TLSKeyDerivation.deriveSecret(h, secret: KSV.s3EarlySecret, label: "derived",
                                              transcriptHash: SHA256.hash([])) == KSV.s3DerivedEarly)
        #expect(TLSKeyDerivation.extract(h, salt: KSV.s3DerivedEarly, inputKeyMaterial: KSV.s3SharedSecret) == KSV.s3HandshakeSecret)
        let hs = schedule.handshakeSecrets(sharedSecret: KSV.s3SharedSecret, transcriptHash: transcript.currentHash())
        #expect(schedule.stageSecret == KSV.s3HandshakeSecret)
        #expect(hs.client == KSV.s3ClientHandshakeTraffic)
        #expect(hs.server == KSV.s3ServerHandshakeTraffic)
        #expect(TLSKeyDerivation.deriveSecret(h, secret: KSV.s3HandshakeSecret, label: "derived",
                                              transcriptHash: SHA256.hash([])) == KSV.s3DerivedHandshake)

        // Server handshake keys, then the server's flight and its Finished.
        let sKeys = RecordProtection.trafficKeys(suite: .aes128GCMSHA256, trafficSecret: hs.server)
        #expect(sKeys.key == KSV.s3ServerHandshakeKey)
        #expect(sKeys.iv == KSV.s3ServerHandshakeIV)
        transcript.add(KSV.s3EncryptedExtensions)
        transcript.add(KSV.s3Certificate)
        #expect(transcript.currentHash() == KSV.s3CertificateHash)
        transcript.add(KSV.s3CertificateVerify)
        #expect(TLSKeyDerivation.expandLabel(h, secret: hs.server, label: "finished", context: [], length: 32) == KSV.s3ServerFinishedKey)
        let serverVerify = KeySchedule.finishedVerifyData(h, baseKey: hs.server, transcriptHash: transcript.currentHash())
        #expect(serverVerify == KSV.s3ServerVerifyData)
        #expect(KSV.s3ServerFinished == [20, 0, 0, 32] + serverVerify)
        #expect(KeySchedule.verifyFinished(h, baseKey: hs.server, transcriptHash: transcript.currentHash(), received: serverVerify))
        transcript.add(KSV.s3ServerFinished)
        #expect(transcript.currentHash() == KSV.s3ApplicationHash)

        let ap = schedule.applicationSecrets(transcriptHash: transcript.currentHash())
        #expect(schedule.stageSecret == KSV.s3MasterSecret)
        #expect(ap.client == KSV.s3ClientApplicationTraffic)
        #expect(ap.server == KSV.s3ServerApplicationTraffic)
        #expect(schedule.exporterMasterSecret(transcriptHash: transcript.currentHash()) == KSV.s3ExporterMaster)
        let sApp = RecordProtection.trafficKeys(suite: .aes128GCMSHA256, trafficSecret: ap.server)
        #expect(sApp.key == KSV.s3ServerApplicationKey)
        #expect(sApp.iv == KSV.s3ServerApplicationIV)
        let cKeys = RecordProtection.trafficKeys(suite: .aes128GCMSHA256, trafficSecret: hs.client)
        #expect(cKeys.key == KSV.s3ClientHandshakeKey)
        #expect(cKeys.iv == KSV.s3ClientHandshakeIV)

        // The client's Finished over ClientHello..server Finished.
        #expect(TLSKeyDerivation.expandLabel(h, secret: hs.client, label: "finished", context: [], length: 32) == KSV.s3ClientFinishedKey)
        let clientVerify = KeySchedule.finishedVerifyData(h, baseKey: hs.client, transcriptHash: transcript.currentHash())
        #expect(clientVerify == KSV.s3ClientVerifyData)
        let cApp = RecordProtection.trafficKeys(suite: .aes128GCMSHA256, trafficSecret: ap.client)
        #expect(cApp.key == KSV.s3ClientApplicationKey)
        #expect(cApp.iv == KSV.s3ClientApplicationIV)
        transcript.add(KSV.s3ClientFinished)
        #expect(transcript.currentHash() == KSV.s3ResumptionHash)
        #expect(schedule.resumptionMasterSecret(transcriptHash: transcript.currentHash()) == KSV.s3ResumptionMaster)
    }

    @Test func finishedRefusesWrongOrShortVerifyData() {
        let h = HashAlgorithm.sha256
        var bad = KSV.s3ServerVerifyData
        bad[31] ^= 1
        #expect(!KeySchedule.verifyFinished(h, baseKey: KSV.s3ServerHandshakeTraffic, transcriptHash: KSV.s3CertificateHash, received: KSV.s3ServerVerifyData))
        let th = SHA256.hash(KSV.s3ClientHello + KSV.s3ServerHello + KSV.s3EncryptedExtensions + KSV.s3Certificate + KSV.s3CertificateVerify)
        #expect(KeySchedule.verifyFinished(h, baseKey: KSV.s3ServerHandshakeTraffic, transcriptHash: th, received: KSV.s3ServerVerifyData))
        #expect(!KeySchedule.verifyFinished(h, baseKey: KSV.s3ServerHandshakeTraffic, transcriptHash: th, received: bad))
        #expect(!KeySchedule.verifyFinished(h, baseKey: KSV.s3ServerHandshakeTraffic, transcriptHash: th, received: Array(KSV.s3ServerVerifyData[0..<31])))
        #expect(!KeySchedule.verifyFinished(h, baseKey: KSV.s3ServerHandshakeTraffic, transcriptHash: th, received: []))
    }

    /// RFC 8448 §4: the PSK of the §3 ticket, the early secret, binder key, binder hash over the truncated
    /// ClientHello, binder finished_key and binder; and the binder is the one the ClientHello carries.
    @Test func rfc8448Section4ResumptionBinder() {
        let h = HashAlgorithm.sha256
        // The ticket nonce from the §3 NewSessionTicket: type(1) len(3) lifetime(4) age_add(4) nonce<0..255>.
        let nst = KSV.s3NewSessionTicket
        let nonceLength = Int(nst[12])
        let nonce = Array(nst[13..<(13 + nonceLength)])
        #expect(nonce == [0, 0])
        let psk = KeySchedule.resumptionPSK(h, resumptionMasterSecret: KSV.s3ResumptionMaster, ticketNonce: nonce)
        #expect(psk == KSV.s4PSK)

        let schedule = KeySchedule(suite: .aes128GCMSHA256, psk: psk)
        #expect(schedule.stageSecret == KSV.s4EarlySecret)
        let binderKey = schedule.binderKey(external: false)
        #expect(binderKey == KSV.s4BinderKey)
        #expect(schedule.binderKey(external: true) != binderKey)

        // Truncated: everything before the binders list (2-byte length, 1-byte length, 32-byte binder).
        let full = KSV.s4ClientHello
        #expect(full.count == 512)
        let truncated = Array(full[0..<(full.count - 35)])
        let fresh = Transcript()
        let truncatedHash = fresh.hash(.sha256, appending: truncated)
        #expect(truncatedHash == KSV.s4BinderHash)
        var chosen = Transcript()
        chosen.choose(h)
        #expect(chosen.hash(appending: truncated) == KSV.s4BinderHash)
        #expect(chosen.currentHash() == SHA256.hash([]))   // hash(appending:) added nothing
        #expect(TLSKeyDerivation.expandLabel(h, secret: binderKey, label: "finished", context: [], length: 32) == KSV.s4BinderFinishedKey)
        let binder = KeySchedule.binder(h, binderKey: binderKey, truncatedTranscriptHash: truncatedHash)
        #expect(binder == KSV.s4Binder)
        #expect(Array(full[(full.count - 32)...]) == binder)
        #expect(KeySchedule.verifyBinder(h, binderKey: binderKey, truncatedTranscriptHash: truncatedHash, received: binder))
        #expect(!KeySchedule.verifyBinder(h, binderKey: KSV.s3ResumptionMaster, truncatedTranscriptHash: truncatedHash, received: binder))
    }

    /// RFC 8448 §5: ClientHello1 replaced by message_hash (§4.4.1), then HelloRetryRequest..Certificate,
    /// must give the hash in the server's CertificateVerify content (as Botan's test data has it).
    @Test func rfc8448Section5HelloRetryTranscript() {
        var t = Transcript()
        t.add(KSV.s5ClientHello1)
        t.choose(.sha256)
        let ch1Hash = t.currentHash()
        t.replaceWithMessageHash()
        #expect(t.currentHash() == SHA256.hash([254, 0, 0, 32] + ch1Hash))
        t.add(KSV.s5HelloRetryRequest)
        t.add(KSV.s5ClientHello2)
        t.add(KSV.s5ServerHello)
        t.add(KSV.s5EncryptedExtensions)
        t.add(KSV.s3Certificate)   // §5 uses the §3 server certificate
        let content = CertificateVerifyContent.make(server: true, transcriptHash: t.currentHash())
        #expect(content == KSV.s5ServerCertificateVerifyContent)
        // And §3's, without a retry.
        let s3 = SHA256.hash(KSV.s3ClientHello + KSV.s3ServerHello + KSV.s3EncryptedExtensions + KSV.s3Certificate)
        #expect(CertificateVerifyContent.make(server: true, transcriptHash: s3) == KSV.s3ServerCertificateVerifyContent)
        let client = CertificateVerifyContent.make(server: false, transcriptHash: s3)
        #expect(Array(client[64..<97]) == Array("TLS 1.3, client CertificateVerify".utf8))
    }

    /// Buffering before the hash is chosen gives the same hash as one-shot hashing; SHA-384 too.
    @Test func transcriptBuffersThenRunsIncrementally() {
        let a = KSV.s3ClientHello, b = KSV.s3ServerHello, c = KSV.s3Certificate
        for alg in [HashAlgorithm.sha256, .sha384] {
            var t = Transcript()
            #expect(t.hash == nil)
            t.add(a)
            t.add(b)
            #expect(t.bufferedCount == a.count + b.count)
            #expect(t.hash(alg, appending: c) == alg.hash((a + b + c).span))
            t.choose(alg)
            t.choose(alg)   // the same hash again: nothing changes
            #expect(t.hash == alg)
            #expect(t.bufferedCount == 0)
            #expect(t.currentHash() == alg.hash((a + b).span))
            t.add(c)
            #expect(t.currentHash() == alg.hash((a + b + c).span))
            #expect(t.hash(appending: a) == alg.hash((a + b + c + a).span))
            #expect(t.currentHash().count == alg.digestLength)
        }
    }

    @Test func suiteProperties() {
        #expect(CipherSuite.aes128GCMSHA256.hash == .sha256 && CipherSuite.aes128GCMSHA256.keyLength == 16)
        #expect(CipherSuite.aes256GCMSHA384.hash == .sha384 && CipherSuite.aes256GCMSHA384.keyLength == 32)
        #expect(CipherSuite.chacha20Poly1305SHA256.hash == .sha256 && CipherSuite.chacha20Poly1305SHA256.keyLength == 32)
        #expect(CipherSuite.aes128GCMSHA256.isSupported && CipherSuite.aes256GCMSHA384.isSupported && CipherSuite.chacha20Poly1305SHA256.isSupported)
        #expect(!CipherSuite(rawValue: 0x1304).isSupported && !CipherSuite.fallbackSCSV.isSupported)
        #expect(CipherSuite(rawValue: 0x1304).keyLength == 0)
    }

    /// §7.5 exporter and §7.2 "traffic upd" against Python for SHA-384 and SHA-256; and a SHA-384 schedule
    /// is 48-byte throughout.
    @Test func exporterAndTrafficUpdateMatchPython() {
        #expect(KeySchedule.exporter(.sha384, exporterMasterSecret: KSV.aes256Secret, label: "EXPORTER-test",
                                     context: Array("ctx".utf8), length: 40) == KSV.aes256Exporter)
        #expect(KeySchedule.exporter(.sha256, exporterMasterSecret: KSV.chachaSecret, label: "EXPORTER-test",
                                     context: Array("ctx".utf8), length: 40) == KSV.chachaExporter)
        #expect(KeySchedule.nextApplicationTrafficSecret(.sha384, KSV.aes256Secret) == KSV.aes256Next)
        #expect(KeySchedule.nextApplicationTrafficSecret(.sha256, KSV.chachaSecret) == KSV.chachaNext)
        var s = KeySchedule(suite: .aes256GCMSHA384, psk: nil)
        #expect(s.binderKey(external: true).count == 48)
        let hs = s.handshakeSecrets(sharedSecret: [UInt8](repeating: 7, count: 32), transcriptHash: SHA384.hash([1]))
        #expect(hs.client.count == 48 && hs.server.count == 48 && hs.client != hs.server)
        let ap = s.applicationSecrets(transcriptHash: SHA384.hash([2]))
        #expect(ap.client.count == 48 && s.resumptionMasterSecret(transcriptHash: SHA384.hash([3])).count == 48)
        // psk_ke: zeros of hash length as the shared secret differ from a real one.
        var k = KeySchedule(suite: .aes128GCMSHA256, psk: KSV.s4PSK)
        let pskOnly = k.handshakeSecrets(sharedSecret: [UInt8](repeating: 0, count: 32), transcriptHash: KSV.s3HelloHash)
        #expect(pskOnly.client.count == 32 && pskOnly.client != KSV.s3ClientHandshakeTraffic)
    }

    /// RFC 5869 A.1 through the runtime-dispatched HMAC/extract (the HKDF primitives themselves).
    @Test func hkdfDispatchMatchesRFC5869() {
        let prk = TLSKeyDerivation.extract(.sha256, salt: bytes(hex: "000102030405060708090a0b0c"),
                                           inputKeyMaterial: [UInt8](repeating: 0x0b, count: 22))
        #expect(prk == bytes(hex: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"))
        #expect(TLSKeyDerivation.hmac(.sha256, key: prk, message: bytes(hex: "f0f1f2f3f4f5f6f7f8f9") + [1])
                == bytes(hex: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"))
    }
}
