// Tests of SwiftletTLS/Wire: every RFC 8448 message parsed and re-emitted byte for byte, the transcript
// hashes the trace prints recomputed over our re-emitted bytes (which checks every transcribed byte),
// reassembly and record framing split at every offset, and one test per documented refusal.
import Testing
import SwiftletCrypto
@testable import SwiftletTLS

// MARK: - RFC 8448 vectors (transcribed from the trace; each checked by a transcript hash or a second source)

enum RFC8448 {
    /// §3 "{client} send handshake record" payload (196 octets).
    static let clientHello = bytes(hex: """
        01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
        02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01
        00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00
        26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69
        1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01
        05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01
        """)
    /// §3 ServerHello (90 octets).
    static let serverHello = bytes(hex: """
        02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
        d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1
        56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04
        """)
    /// §3 ServerHello "complete record" (95 octets).
    static let serverHelloRecord = bytes(hex: "16 03 03 00 5a") + serverHello
    /// §3 ClientHello "complete record" (200 octets): legacy_record_version 0x0301.
    static let clientHelloRecord = bytes(hex: "16 03 01 00 c4") + clientHello
    /// §3 EncryptedExtensions (40 octets).
    static let encryptedExtensions = bytes(hex: """
        08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c
        00 02 40 01 00 00 00 00
        """)
    /// §3 Certificate (445 octets).
    static let certificate = bytes(hex: """
        0b 00 01 b9 00 00 01 b5 00 01 b0 30 82
        01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06 09 2a 86 48
        86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03
        72 73 61 30 1e 17 0d 31 36 30 37 33 30 30 31 32 33 35 39 5a 17
        0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30 0e 31 0c 30 0a 06
        03 55 04 03 13 03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7
        0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 bb 49 8f
        82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26
        d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c
        1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52
        4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74
        80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93
        ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03
        01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13 04 02 30 00 30 0b 06
        03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d 01
        01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a
        72 67 17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94 36 54 17 f2 ea
        e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01
        51 56 72 60 96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be
        c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb 2b d5 20 3b
        1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8
        96 12 29 ac 91 87 b4 2b 4d e1 00 00
        """)
    /// §3 CertificateVerify (136 octets).
    static let certificateVerify = bytes(hex: """
        0f 00 00 84 08 04 00 80 5a 74 7c
        5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84 14 5a
        b3 ff 52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07
        86 53 fa 6b ef 78 0c 5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b
        be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 45 9e 46 44
        5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb 0b f3 27 84 09 d3 be 15 2a
        3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3
        """)
    /// §3 server Finished (36 octets).
    static let serverFinished = bytes(hex: """
        14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb
        dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07
        18
        """)
    /// §3 client Finished (36 octets).
    static let clientFinished = bytes(hex: """
        14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a
        c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce
        61
        """)
    /// §3 the client's encrypted Finished, "complete record" (58 octets).
    static let clientFinishedRecord = bytes(hex: """
        17 03 03 00 35 75 ec 4d c2 38 cc e6
        0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc 44
        d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7
        26 c4 05 46
        """)
    /// §3 NewSessionTicket (205 octets).
    static let newSessionTicket = bytes(hex: """
        04 00 00 c9 00 00 00 1e fa d6 aa
        c5 02 00 00 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00 00 00
        00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c
        49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9 82 11
        72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28
        27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25
        a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90 6c
        5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6
        17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d e6 50
        5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00 2a 00
        04 00 00 04 00
        """)
    /// §4 resumed ClientHello with early_data, padding and pre_shared_key (512 octets).
    static let resumptionClientHello = bytes(hex: """
        01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff
        93 83 55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78 76
        48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00
        09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12
        00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00
        26 00 24 00 1d 00 20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34
        6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f 0b 00 2a 00
        00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02
        03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02
        02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00
        00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70
        ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9
        82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6
        1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0
        37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5
        90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5
        ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d
        e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa
        cb 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d
        ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d
        """)
    /// §5 HelloRetryRequest (176 octets).
    static let helloRetryRequest = bytes(hex: """
        02 00 00 ac 03 03 cf 21 ad 74 e5 9a 61
        11 be 1d 8c 02 1e 65 b8 91 c2 a2 11 16 7a bb 8c 5e 07 9e 09 e2
        c8 a8 33 9c 00 13 01 00 00 84 00 33 00 02 00 17 00 2c 00 74 00
        72 71 dc d0 4b b8 8b c3 18 91 19 39 8a 00 00 00 00 ee fa fc 76
        c1 46 b8 23 b0 96 f8 aa ca d3 65 dd 00 30 95 3f 4e df 62 56 36
        e5 f2 1b b2 e2 3f cc 65 4b 1b 5b 40 31 8d 10 d1 37 ab cb b8 75
        74 e3 6e 8a 1f 02 5f 7d fa 5d 6e 50 78 1b 5e da 4a a1 5b 0c 8b
        e7 78 25 7d 16 aa 30 30 e9 e7 84 1d d9 e4 c0 34 22 67 e8 ca 0c
        af 57 1f b2 b7 cf f0 f9 34 b0 00 2b 00 02 03 04
        """)

    /// The transcript hashes §3 prints ("derive secret" hash inputs): after ServerHello, after the
    /// server Finished, after the client Finished; and §4's hash of the ClientHello without binders.
    static let hashCHSH = bytes(hex: "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8")
    static let hashToServerFinished = bytes(hex: "96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13")
    static let hashToClientFinished = bytes(hex: "20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d")
    static let hashBinderTranscript = bytes(hex: "63 22 4b 2e 45 73 f2 d3 45 4c a8 4b 9d 00 9a 04 f6 be 9e 05 71 1a 83 96 47 3a ef a0 1e 92 4a 14")

    /// The server's handshake messages of §3, in order.
    static var serverFlight: [[UInt8]] { [serverHello, encryptedExtensions, certificate, certificateVerify, serverFinished] }
}

/// The body after the 4-byte handshake header.
private func body(_ message: [UInt8]) -> [UInt8] { Array(message.dropFirst(4)) }

/// The alert `work` throws, or nil if it does not throw.
private func alertOf(_ work: () throws -> Void) -> AlertDescription? {
    do { try work() } catch {
        if case .alert(let a)? = error as? TLSError { return a }
        return nil
    }
    return nil
}

// MARK: - RFC 8448 messages

@Test func clientHelloRFC8448() throws {
    let ch = try ClientHello(parsing: body(RFC8448.clientHello))
    #expect(ch.legacyVersion == .tls12)
    #expect(hex(ch.random) == "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7")
    #expect(ch.legacySessionID.isEmpty)
    #expect(ch.cipherSuites == [.aes128GCMSHA256, .chacha20Poly1305SHA256, .aes256GCMSHA384])
    #expect(ch.legacyCompressionMethods == [0])
    #expect(ch.extensions.map { $0.type.rawValue } == [0, 0xff01, 10, 35, 51, 43, 13, 45, 28])
    #expect(try ServerNameExtension.parse(ch.extensions.body(of: .serverName) ?? []) == Array("server".utf8))
    #expect(try SupportedGroupsExtension.parse(ch.extensions.body(of: .supportedGroups) ?? [])
        == [.x25519, .secp256r1, .secp384r1, .secp521r1, NamedGroup(rawValue: 0x100), NamedGroup(rawValue: 0x101),
            NamedGroup(rawValue: 0x102), NamedGroup(rawValue: 0x103), NamedGroup(rawValue: 0x104)])
    let shares = try KeyShareExtension.parseClient(ch.extensions.body(of: .keyShare) ?? [])
    #expect(shares.count == 1)
    #expect(shares.first?.group == .x25519)
    #expect(hex(shares.first?.keyExchange ?? []) == "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")
    #expect(try SupportedVersionsExtension.parseClient(ch.extensions.body(of: .supportedVersions) ?? []) == [.tls13])
    let schemes = try SignatureAlgorithmsExtension.parse(ch.extensions.body(of: .signatureAlgorithms) ?? [])
    #expect(schemes.count == 15)
    #expect(schemes.first == .ecdsaSecp256r1SHA256)
    #expect(schemes.contains(.rsaPSSRSAESHA256))
    #expect(try PSKKeyExchangeModesExtension.parse(ch.extensions.body(of: .pskKeyExchangeModes) ?? []) == [.pskDHEKE])
    #expect(try RecordSizeLimitExtension.parse(ch.extensions.body(of: .recordSizeLimit) ?? []) == 0x4001)
    #expect(ch.extensions.body(of: ExtensionType(rawValue: 35)) == [])
    // Emit reproduces the bytes, and each typed body re-emits its own bytes.
    #expect(ch.encoded() == RFC8448.clientHello)
    #expect(ServerNameExtension.emit(hostName: Array("server".utf8)) == ch.extensions.body(of: .serverName))
    #expect(KeyShareExtension.emitClient(shares) == ch.extensions.body(of: .keyShare))
    #expect(SignatureAlgorithmsExtension.emit(schemes) == ch.extensions.body(of: .signatureAlgorithms))
    #expect(SupportedVersionsExtension.emitClient([.tls13]) == ch.extensions.body(of: .supportedVersions))
    #expect(PSKKeyExchangeModesExtension.emit([.pskDHEKE]) == ch.extensions.body(of: .pskKeyExchangeModes))
    #expect(RecordSizeLimitExtension.emit(0x4001) == ch.extensions.body(of: .recordSizeLimit))
    // The record the trace prints: legacy_record_version 0x0301 for the first ClientHello (§5.1).
    #expect(RecordWriter.plaintextRecords(type: .handshake, content: ch.encoded(), legacyVersion: 0x0301)
        == RFC8448.clientHelloRecord)
}

@Test func serverHelloRFC8448() throws {
    let sh = try ServerHello(parsing: body(RFC8448.serverHello))
    #expect(!sh.isHelloRetryRequest)
    #expect(sh.legacyVersion == .tls12)
    #expect(hex(sh.random) == "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928")
    #expect(sh.legacySessionIDEcho.isEmpty)
    #expect(sh.cipherSuite == .aes128GCMSHA256)
    #expect(sh.legacyCompressionMethod == 0)
    let share = try KeyShareExtension.parseServer(sh.extensions.body(of: .keyShare) ?? [])
    #expect(share.group == .x25519)
    #expect(hex(share.keyExchange) == "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")
    #expect(try SupportedVersionsExtension.parseServer(sh.extensions.body(of: .supportedVersions) ?? []) == .tls13)
    #expect(sh.encoded() == RFC8448.serverHello)
    #expect(KeyShareExtension.emitServer(share) == sh.extensions.body(of: .keyShare))
    #expect(SupportedVersionsExtension.emitServer(.tls13) == sh.extensions.body(of: .supportedVersions))
    #expect(RecordWriter.plaintextRecords(type: .handshake, content: sh.encoded()) == RFC8448.serverHelloRecord)
    // The transcript hash the trace derives the handshake secrets from covers both hellos as we emit them.
    let ch = try ClientHello(parsing: body(RFC8448.clientHello))
    #expect(SHA256.hash(ch.encoded() + sh.encoded()) == RFC8448.hashCHSH)
}

@Test func serverFlightRFC8448() throws {
    let ee = try EncryptedExtensions(parsing: body(RFC8448.encryptedExtensions))
    #expect(ee.extensions.map { $0.type } == [.supportedGroups, .recordSizeLimit, .serverName])
    #expect(try RecordSizeLimitExtension.parse(ee.extensions.body(of: .recordSizeLimit) ?? []) == 0x4001)
    #expect(try SupportedGroupsExtension.parse(ee.extensions.body(of: .supportedGroups) ?? []).first == .x25519)
    try ServerNameExtension.parseAcknowledgement(ee.extensions.body(of: .serverName) ?? [1])
    #expect(ee.encoded() == RFC8448.encryptedExtensions)

    let cert = try CertificateMessage(parsing: body(RFC8448.certificate))
    #expect(cert.requestContext.isEmpty)
    #expect(cert.entries.count == 1)
    #expect(cert.entries.first?.data.count == 432)
    #expect(cert.entries.first?.data.prefix(4) == [0x30, 0x82, 0x01, 0xac])
    #expect(cert.entries.first?.extensions == [])
    #expect(cert.encoded() == RFC8448.certificate)

    let cv = try CertificateVerify(parsing: body(RFC8448.certificateVerify))
    #expect(cv.scheme == .rsaPSSRSAESHA256)
    #expect(cv.signature.count == 128)
    #expect(cv.encoded() == RFC8448.certificateVerify)

    let fin = try Finished(parsing: body(RFC8448.serverFinished), hashLength: 32)
    #expect(hex(fin.verifyData) == "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718")
    #expect(fin.encoded() == RFC8448.serverFinished)
    let clientFin = try Finished(parsing: body(RFC8448.clientFinished), hashLength: 32)
    #expect(clientFin.encoded() == RFC8448.clientFinished)

    // Transcript hashes over the re-emitted messages equal the trace's.
    let ch = try ClientHello(parsing: body(RFC8448.clientHello)).encoded()
    let sh = try ServerHello(parsing: body(RFC8448.serverHello)).encoded()
    let toServerFinished = ch + sh + ee.encoded() + cert.encoded() + cv.encoded() + fin.encoded()
    #expect(SHA256.hash(toServerFinished) == RFC8448.hashToServerFinished)
    #expect(SHA256.hash(toServerFinished + clientFin.encoded()) == RFC8448.hashToClientFinished)
}

@Test func newSessionTicketRFC8448() throws {
    let nst = try NewSessionTicket(parsing: body(RFC8448.newSessionTicket))
    #expect(nst.lifetime == 30)
    #expect(nst.ageAdd == 0xfad6_aac5)
    #expect(nst.nonce == [0, 0])
    #expect(nst.ticket.count == 0xb2)
    #expect(nst.ticket.prefix(4) == [0x2c, 0x03, 0x5d, 0x82])
    #expect(nst.extensions.map { $0.type } == [.earlyData])
    #expect(try EarlyDataExtension.parseTicket(nst.extensions.body(of: .earlyData) ?? []) == 0x400)
    #expect(EarlyDataExtension.emitTicket(0x400) == nst.extensions.body(of: .earlyData))
    #expect(nst.encoded() == RFC8448.newSessionTicket)
    // The §4 ClientHello offers exactly this ticket (two independent transcriptions agree).
    let ch = try ClientHello(parsing: body(RFC8448.resumptionClientHello))
    let psks = try OfferedPSKs.parse(ch.extensions.body(of: .preSharedKey) ?? [])
    #expect(psks.identities.first?.identity == nst.ticket)
}

@Test func resumptionClientHelloRFC8448() throws {
    let ch = try ClientHello(parsing: body(RFC8448.resumptionClientHello))
    #expect(ch.extensions.last?.type == .preSharedKey)
    try EmptyExtension.parse(ch.extensions.body(of: .earlyData) ?? [1])
    #expect(ch.extensions.body(of: .padding)?.count == 0x57)
    let psks = try OfferedPSKs.parse(ch.extensions.body(of: .preSharedKey) ?? [])
    #expect(psks.identities.count == 1)
    #expect(psks.identities.first?.obfuscatedTicketAge == 0xfad6_aacb)
    #expect(psks.binders == [bytes(hex: "3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d")])
    #expect(psks.bindersLength == 35)
    #expect(psks.emit() == ch.extensions.body(of: .preSharedKey))
    #expect(ch.encoded() == RFC8448.resumptionClientHello)
    // §4.2.11.2: the binder covers the ClientHello truncated by the binders vector.
    let encoded = ch.encoded()
    #expect(SHA256.hash(Array(encoded.prefix(encoded.count - psks.bindersLength))) == RFC8448.hashBinderTranscript)
    #expect(Array(encoded.suffix(psks.bindersLength)) == psks.emitBinders())
}

@Test func helloRetryRequestRFC8448() throws {
    let hrr = try ServerHello(parsing: body(RFC8448.helloRetryRequest))
    #expect(hrr.isHelloRetryRequest)
    #expect(hrr.cipherSuite == .aes128GCMSHA256)
    #expect(hrr.extensions.map { $0.type } == [.keyShare, .cookie, .supportedVersions])
    #expect(try KeyShareExtension.parseHelloRetryRequest(hrr.extensions.body(of: .keyShare) ?? []) == .secp256r1)
    let cookie = try CookieExtension.parse(hrr.extensions.body(of: .cookie) ?? [])
    #expect(cookie.count == 0x72)
    #expect(cookie.prefix(4) == [0x71, 0xdc, 0xd0, 0x4b])
    #expect(try SupportedVersionsExtension.parseServer(hrr.extensions.body(of: .supportedVersions) ?? []) == .tls13)
    #expect(KeyShareExtension.emitHelloRetryRequest(.secp256r1) == hrr.extensions.body(of: .keyShare))
    #expect(CookieExtension.emit(cookie) == hrr.extensions.body(of: .cookie))
    #expect(hrr.encoded() == RFC8448.helloRetryRequest)
}

@Test func hrrRandomIsSHA256OfHelloRetryRequest() {
    #expect(SHA256.hash(Array("HelloRetryRequest".utf8)) == ServerHello.helloRetryRequestRandom)
    #expect(ServerHello.downgradeTLS12 == Array("DOWNGRD".utf8) + [1])
    #expect(ServerHello.downgradeTLS11 == Array("DOWNGRD".utf8) + [0])
}

@Test func messageHashAndOtherMessagesRoundTrip() throws {
    #expect(Handshake.messageHash(digest: [UInt8](repeating: 7, count: 32)).prefix(4) == [254, 0, 0, 32])
    let cr = CertificateRequest(requestContext: [1, 2], extensions: [
        TLSExtension(type: .signatureAlgorithms, body: SignatureAlgorithmsExtension.emit([.ed25519, .rsaPSSRSAESHA256]))])
    #expect(try CertificateRequest(parsing: cr.emitBody()) == cr)
    #expect(try EndOfEarlyData(parsing: EndOfEarlyData().emitBody()) == EndOfEarlyData())
    #expect(EndOfEarlyData().encoded() == [5, 0, 0, 0])
    #expect(KeyUpdate(requestUpdate: true).encoded() == [24, 0, 0, 1, 1])
    #expect(try KeyUpdate(parsing: [0]).requestUpdate == false)
    #expect(try Alert(parsing: [2, 40]) == Alert(level: .fatal, description: .handshakeFailure))
    #expect(Alert(description: .decodeError).emit() == [2, 50])
    let alpn: [[UInt8]] = [Array("h2".utf8), Array("http/1.1".utf8)]
    #expect(try ALPNExtension.parse(ALPNExtension.emit(alpn)) == alpn)
    #expect(ALPNExtension.emit(alpn) == bytes(hex: "00 0c 02 68 32 08 68 74 74 70 2f 31 2e 31"))
    #expect(try PreSharedKeyExtension.parseServer(PreSharedKeyExtension.emitServer(3)) == 3)
    #expect(try ServerNameExtension.parse(bytes(hex: "00 0b 05 00 02 61 62 00 00 03 78 79 7a")) == Array("xyz".utf8))
    #expect(try ServerNameExtension.parse(bytes(hex: "00 05 05 00 02 61 62")) == nil)
}

// MARK: - Reassembly and framing

@Test func reassemblerOneByteFragments() throws {
    var r = HandshakeReassembler()
    var got: [HandshakeMessage] = []
    for byte in RFC8448.serverFlight.flatMap({ $0 }) {
        try r.append([byte])
        while let m = try r.next() { got.append(m) }
    }
    #expect(got.map { $0.encoded } == RFC8448.serverFlight)
    #expect(got.map { $0.type } == [.serverHello, .encryptedExtensions, .certificate, .certificateVerify, .finished])
    #expect(got.map { $0.body } == RFC8448.serverFlight.map { body($0) })
    #expect(!r.hasPartialMessage)
    #expect(r.bufferedCount == 0)
}

@Test func reassemblerSeveralMessagesPerFragment() throws {
    // All five in one fragment; then split at every offset into two fragments.
    let all = RFC8448.serverFlight.flatMap { $0 }
    var r = HandshakeReassembler()
    try r.append(all)
    var got: [[UInt8]] = []
    while let m = try r.next() { got.append(m.encoded) }
    #expect(got == RFC8448.serverFlight)
    for cut in 1..<all.count {
        var r = HandshakeReassembler()
        var got: [[UInt8]] = []
        try r.append(Array(all[..<cut]))
        while let m = try r.next() { got.append(m.encoded) }
        let partial = r.hasPartialMessage
        try r.append(Array(all[cut...]))
        while let m = try r.next() { got.append(m.encoded) }
        if got != RFC8448.serverFlight || r.hasPartialMessage { Issue.record("cut at \(cut)"); break }
        // A cut inside a message leaves a partial one held; a cut between messages does not.
        let boundaries = RFC8448.serverFlight.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        #expect(partial == !boundaries.contains(cut))
    }
}

@Test func recordsSplitAtEveryOffset() throws {
    let stream = RFC8448.clientHelloRecord + RFC8448.serverHelloRecord + RFC8448.clientFinishedRecord
    let expected: [(ContentType, UInt16, Int)] = [(.handshake, 0x0301, 196), (.handshake, 0x0303, 90), (.applicationData, 0x0303, 53)]
    for cut in 0...stream.count {
        var reader = RecordReader()
        var records: [TLSRecord] = []
        reader.append(Array(stream[..<cut]))
        while let rec = try reader.next() { records.append(rec) }
        reader.append(Array(stream[cut...]))
        while let rec = try reader.next() { records.append(rec) }
        let ok = records.count == 3 && reader.bufferedCount == 0
            && zip(records, expected).allSatisfy { $0.header.type == $1.0 && $0.header.legacyVersion == $1.1 && $0.header.length == $1.2 }
            && records.map { $0.headerBytes + $0.fragment }.reduce([], +) == stream
        if !ok { Issue.record("cut at \(cut)"); break }
    }
    // Byte by byte.
    var reader = RecordReader()
    var fragments: [[UInt8]] = []
    for b in stream {
        reader.append([b])
        while let rec = try reader.next() { fragments.append(rec.fragment) }
    }
    #expect(fragments == [RFC8448.clientHello, RFC8448.serverHello, Array(RFC8448.clientFinishedRecord.dropFirst(5))])
}

@Test func compatibilityChangeCipherSpec() throws {
    var reader = RecordReader()
    reader.append([20, 3, 3, 0, 1, 1, 20, 3, 3, 0, 1, 2, 22, 3, 3, 0, 1, 1])
    #expect(try reader.next()?.isCompatibilityChangeCipherSpec == true)
    #expect(try reader.next()?.isCompatibilityChangeCipherSpec == false)
    #expect(try reader.next()?.isCompatibilityChangeCipherSpec == false)
    #expect(try reader.next() == nil)
}

@Test func recordWriterSplits() throws {
    let content = (0..<40000).map { UInt8(truncatingIfNeeded: $0) }
    let out = RecordWriter.plaintextRecords(type: .applicationData, content: content)
    var reader = RecordReader()
    reader.maximumRecordLength = RecordReader.maximumPlaintextLength
    reader.append(out)
    var lengths: [Int] = []
    var joined: [UInt8] = []
    while let r = try reader.next() { lengths.append(r.header.length); joined += r.fragment }
    #expect(lengths == [16384, 16384, 7232])
    #expect(joined == content)
    #expect(RecordWriter.plaintextRecords(type: .handshake, content: [1, 2, 3], maximumFragment: 1)
        == bytes(hex: "16 03 03 00 01 01 16 03 03 00 01 02 16 03 03 00 01 03"))
    #expect(RecordWriter.plaintextRecords(type: .handshake, content: []) == [])
}

@Test func readerCompactsManySmallRecords() throws {
    // 20000 one-byte records appended in batches: the buffer never holds more than what was not taken.
    var reader = RecordReader()
    let record: [UInt8] = [23, 3, 3, 0, 1, 0xAA]
    var count = 0
    for _ in 0..<200 {
        reader.append([UInt8]((0..<100).flatMap { _ in record }))
        while let r = try reader.next() { count += r.fragment.count }
        #expect(reader.bufferedCount == 0)
    }
    #expect(count == 20000)
}

// MARK: - Refusals

@Test func refusesDuplicateExtension() {
    var w = TLSWriter()
    ExtensionList.emit([TLSExtension(type: .cookie, body: [0, 1, 9]), TLSExtension(type: .cookie, body: [0, 1, 9])], into: &w)
    var r = TLSReader(w.bytes)
    #expect(alertOf { _ = try ExtensionList.parse(&r) } == .illegalParameter)
    // Also inside a whole message.
    var ee = RFC8448.encryptedExtensions
    ee[6...7] = [0x00, 0x1c]    // supported_groups renamed record_size_limit: a repeat
    #expect(alertOf { _ = try EncryptedExtensions(parsing: body(ee)) } == .illegalParameter)
}

@Test func refusesMoreThanSixtyFourExtensions() throws {
    func list(_ n: Int) -> [UInt8] {
        var w = TLSWriter()
        ExtensionList.emit((0..<n).map { TLSExtension(type: ExtensionType(rawValue: UInt16(1000 + $0)), body: []) }, into: &w)
        return w.bytes
    }
    var ok = TLSReader(list(ExtensionList.maximumCount))
    #expect(try ExtensionList.parse(&ok).count == 64)
    var over = TLSReader(list(ExtensionList.maximumCount + 1))
    #expect(alertOf { _ = try ExtensionList.parse(&over) } == .decodeError)
}

@Test func refusesBadLengths() {
    let ch = body(RFC8448.clientHello)
    // legacy_session_id of 33 bytes.
    let longSession = Array(ch[..<34]) + [33] + [UInt8](repeating: 0, count: 33) + Array(ch[35...])
    #expect(alertOf { _ = try ClientHello(parsing: longSession) } == .decodeError)
    // An odd cipher_suites length, and an empty one.
    var odd = ch
    odd[36] = 5
    #expect(alertOf { _ = try ClientHello(parsing: odd) } == .decodeError)
    let noSuites = Array(ch[..<35]) + [0, 0] + Array(ch[43...])
    #expect(alertOf { _ = try ClientHello(parsing: noSuites) } == .decodeError)
    // Trailing byte after a complete message.
    #expect(alertOf { _ = try ClientHello(parsing: ch + [0]) } == .decodeError)
    #expect(alertOf { _ = try NewSessionTicket(parsing: body(RFC8448.newSessionTicket) + [0]) } == .decodeError)
    // An inner length running past its vector.
    var lying = body(RFC8448.encryptedExtensions)
    lying[5] = 0x40
    #expect(alertOf { _ = try EncryptedExtensions(parsing: lying) } == .decodeError)
    // Extension bodies.
    #expect(alertOf { _ = try SupportedGroupsExtension.parse([0, 3, 0, 0x1d, 0]) } == .decodeError)
    #expect(alertOf { _ = try SupportedGroupsExtension.parse([0, 0]) } == .decodeError)
    #expect(alertOf { _ = try SupportedVersionsExtension.parseClient([3, 3, 4, 3]) } == .decodeError)
    #expect(alertOf { _ = try SupportedVersionsExtension.parseServer([3, 4, 0]) } == .decodeError)
    #expect(alertOf { _ = try SignatureAlgorithmsExtension.parse([0, 2, 8, 4, 0]) } == .decodeError)
    #expect(alertOf { _ = try PSKKeyExchangeModesExtension.parse([0]) } == .decodeError)
    #expect(alertOf { _ = try CookieExtension.parse([0, 0]) } == .decodeError)
    #expect(alertOf { _ = try EarlyDataExtension.parseTicket([0, 0, 4]) } == .decodeError)
    #expect(alertOf { try EmptyExtension.parse([0]) } == .decodeError)
    #expect(alertOf { _ = try CertificateVerify(parsing: [8, 4, 0, 0]) } == .decodeError)
    #expect(alertOf { _ = try NewSessionTicket(parsing: bytes(hex: "00000001 00000002 00 0000 0000")) } == .decodeError)
    #expect(alertOf { _ = try EndOfEarlyData(parsing: [0]) } == .decodeError)
}

@Test func refusesBadFinishedLength() {
    let fin = body(RFC8448.serverFinished)
    #expect(alertOf { _ = try Finished(parsing: fin, hashLength: 48) } == .decodeError)
    #expect(alertOf { _ = try Finished(parsing: Array(fin.dropLast()), hashLength: 32) } == .decodeError)
}

@Test func refusesBadServerName() {
    // Two host_names, an empty name, an empty list, and a non-empty acknowledgement.
    #expect(alertOf { _ = try ServerNameExtension.parse(bytes(hex: "00 08 00 00 01 61 00 00 01 62")) } == .illegalParameter)
    #expect(alertOf { _ = try ServerNameExtension.parse(bytes(hex: "00 03 00 00 00")) } == .decodeError)
    #expect(alertOf { _ = try ServerNameExtension.parse(bytes(hex: "00 00")) } == .decodeError)
    #expect(alertOf { _ = try ServerNameExtension.parse([]) } == .decodeError)
    #expect(alertOf { try ServerNameExtension.parseAcknowledgement([0, 0]) } == .decodeError)
}

@Test func refusesBadKeyShares() {
    let x = KeyShareEntry(group: .x25519, keyExchange: [UInt8](repeating: 9, count: 32))
    #expect(alertOf { _ = try KeyShareExtension.parseClient(KeyShareExtension.emitClient([x, x])) } == .illegalParameter)
    #expect(alertOf { _ = try KeyShareExtension.parseClient(bytes(hex: "00 04 00 1d 00 00")) } == .decodeError)
    #expect(alertOf { _ = try KeyShareExtension.parseServer(bytes(hex: "00 1d 00 00")) } == .decodeError)
    #expect(alertOf { _ = try KeyShareExtension.parseHelloRetryRequest([0, 0x17, 0]) } == .decodeError)
    #expect((try? KeyShareExtension.parseClient([0, 0])) == [])    // an empty client_shares is legal (§4.2.8)
}

@Test func refusesBadALPN() {
    #expect(alertOf { _ = try ALPNExtension.parse([0, 0]) } == .decodeError)
    #expect(alertOf { _ = try ALPNExtension.parse([0, 3, 2, 0x68, 0x32, 0]) } == .decodeError)
    #expect(alertOf { _ = try ALPNExtension.parse(bytes(hex: "00 04 02 68 32 00")) } == .decodeError)
}

@Test func refusesSmallRecordSizeLimit() throws {
    #expect(alertOf { _ = try RecordSizeLimitExtension.parse([0, 63]) } == .illegalParameter)
    #expect(try RecordSizeLimitExtension.parse([0, 64]) == 64)
}

@Test func refusesBadOfferedPSKs() throws {
    let binder = [UInt8](repeating: 1, count: 32)
    let two = OfferedPSKs(identities: [PSKIdentity(identity: [1], obfuscatedTicketAge: 0),
                                       PSKIdentity(identity: [2], obfuscatedTicketAge: 0)], binders: [binder])
    #expect(alertOf { _ = try OfferedPSKs.parse(two.emit()) } == .illegalParameter)
    let shortBinder = OfferedPSKs(identities: [PSKIdentity(identity: [1], obfuscatedTicketAge: 0)],
                                  binders: [[UInt8](repeating: 1, count: 31)])
    #expect(alertOf { _ = try OfferedPSKs.parse(shortBinder.emit()) } == .decodeError)
    let none = OfferedPSKs(identities: [], binders: [])
    #expect(alertOf { _ = try OfferedPSKs.parse(none.emit()) } == .decodeError)
    let emptyIdentity = OfferedPSKs(identities: [PSKIdentity(identity: [], obfuscatedTicketAge: 0),
                                                 PSKIdentity(identity: [1], obfuscatedTicketAge: 0)], binders: [binder, binder])
    #expect(alertOf { _ = try OfferedPSKs.parse(emptyIdentity.emit()) } == .decodeError)
    let good = OfferedPSKs(identities: [PSKIdentity(identity: [1], obfuscatedTicketAge: 5)], binders: [binder])
    #expect(try OfferedPSKs.parse(good.emit()) == good)
}

@Test func refusesPreSharedKeyNotLast() throws {
    var ch = try ClientHello(parsing: body(RFC8448.resumptionClientHello))
    let psk = ch.extensions.removeLast()
    ch.extensions.insert(psk, at: 0)
    #expect(alertOf { _ = try ClientHello(parsing: ch.emitBody()) } == .illegalParameter)
}

@Test func refusesTooManyCertificates() throws {
    func message(_ n: Int) -> [UInt8] {
        CertificateMessage(entries: (0..<n).map { _ in CertificateEntry(data: [0x30, 0]) }).emitBody()
    }
    #expect(try CertificateMessage(parsing: message(CertificateMessage.maximumEntries)).entries.count == 16)
    #expect(alertOf { _ = try CertificateMessage(parsing: message(CertificateMessage.maximumEntries + 1)) } == .decodeError)
    #expect(alertOf { _ = try CertificateMessage(parsing: bytes(hex: "00 00 00 05 00 00 00 00 00")) } == .decodeError)
}

@Test func refusesOversizeRecord() throws {
    var reader = RecordReader()
    reader.append([23, 3, 3, 0x41, 0x00])                    // 16640: allowed
    #expect(try reader.next() == nil)
    var over = RecordReader()
    over.append([23, 3, 3, 0x41, 0x01])                      // 16641: record_overflow before the body arrives
    #expect(alertOf { _ = try over.next() } == .recordOverflow)
    var plain = RecordReader()
    plain.maximumRecordLength = RecordReader.maximumPlaintextLength
    plain.append([22, 3, 3, 0x40, 0x01])
    #expect(alertOf { _ = try plain.next() } == .recordOverflow)
}

@Test func refusesUnknownContentType() {
    for first: UInt8 in [0, 19, 24, 0x80, UInt8(ascii: "G")] {
        var reader = RecordReader()
        reader.append([first])                                 // refused on the first byte
        #expect(alertOf { _ = try reader.next() } == .unexpectedMessage)
    }
    var http = RecordReader()
    http.append(Array("GET / HTTP/1.1\r\n".utf8))
    #expect(alertOf { _ = try http.next() } == .unexpectedMessage)
}

@Test func refusesOversizeHandshakeMessage() throws {
    var r = HandshakeReassembler()
    try r.append([1, 0x01, 0x00, 0x01])                       // 65537 > 65536: refused on the header
    #expect(alertOf { _ = try r.next() } == .illegalParameter)
    var atLimit = HandshakeReassembler()
    try atLimit.append([1, 0x01, 0x00, 0x00])                 // 65536: accepted, waits for the body
    #expect(try atLimit.next() == nil)
    var filled = 0
    while filled < 65536 {
        let n = min(16384, 65536 - filled)
        try atLimit.append([UInt8](repeating: 0, count: n))
        filled += n
    }
    #expect(try atLimit.next()?.body.count == 65536)
    var small = HandshakeReassembler(maximumMessageLength: 100)
    try small.append([2, 0, 0, 101])
    #expect(alertOf { _ = try small.next() } == .illegalParameter)
    // A caller that never drains is stopped too.
    var undrained = HandshakeReassembler(maximumMessageLength: 100)
    try undrained.append([UInt8](repeating: 0, count: 105))
    #expect(alertOf { try undrained.append([UInt8](repeating: 0, count: 1)) } == .illegalParameter)
}

@Test func refusesZeroLengthHandshakeFragment() {
    var r = HandshakeReassembler()
    #expect(alertOf { try r.append([]) } == .unexpectedMessage)
    #expect(alertOf { try r.append([UInt8](repeating: 0, count: 16385)) } == .recordOverflow)
}

@Test func refusesBadKeyUpdate() {
    #expect(alertOf { _ = try KeyUpdate(parsing: [2]) } == .illegalParameter)
    #expect(alertOf { _ = try KeyUpdate(parsing: [255]) } == .illegalParameter)
    #expect(alertOf { _ = try KeyUpdate(parsing: []) } == .decodeError)
    #expect(alertOf { _ = try KeyUpdate(parsing: [0, 0]) } == .decodeError)
}

@Test func refusesBadAlertLength() {
    #expect(alertOf { _ = try Alert(parsing: []) } == .decodeError)
    #expect(alertOf { _ = try Alert(parsing: [2]) } == .decodeError)
    #expect(alertOf { _ = try Alert(parsing: [2, 40, 2]) } == .decodeError)
    #expect(alertOf { _ = try Alert(parsing: [1, 0, 1, 0]) } == .decodeError)
}

@Test func refusesEveryTruncation() throws {
    // Every RFC 8448 message, cut at every length short of whole, is decode_error.
    let messages: [([UInt8], ([UInt8]) throws(TLSError) -> Void)] = [
        (RFC8448.clientHello, { b throws(TLSError) in _ = try ClientHello(parsing: b) }),
        (RFC8448.resumptionClientHello, { b throws(TLSError) in _ = try ClientHello(parsing: b) }),
        (RFC8448.serverHello, { b throws(TLSError) in _ = try ServerHello(parsing: b) }),
        (RFC8448.helloRetryRequest, { b throws(TLSError) in _ = try ServerHello(parsing: b) }),
        (RFC8448.encryptedExtensions, { b throws(TLSError) in _ = try EncryptedExtensions(parsing: b) }),
        (RFC8448.certificate, { b throws(TLSError) in _ = try CertificateMessage(parsing: b) }),
        (RFC8448.certificateVerify, { b throws(TLSError) in _ = try CertificateVerify(parsing: b) }),
        (RFC8448.serverFinished, { b throws(TLSError) in _ = try Finished(parsing: b, hashLength: 32) }),
        (RFC8448.newSessionTicket, { b throws(TLSError) in _ = try NewSessionTicket(parsing: b) }),
        (KeyUpdate(requestUpdate: true).encoded(), { b throws(TLSError) in _ = try KeyUpdate(parsing: b) }),
    ]
    var failures: [String] = []
    for (message, parse) in messages {
        let whole = body(message)
        try parse(whole)
        for n in 0..<whole.count where alertOf({ try parse(Array(whole[..<n])) }) != .decodeError {
            failures.append("\(hex(Array(message.prefix(4)))) cut to \(n)")
        }
    }
    // Every extension body of those messages, likewise.
    let ch = try ClientHello(parsing: body(RFC8448.resumptionClientHello))
    let hrr = try ServerHello(parsing: body(RFC8448.helloRetryRequest))
    let sh = try ServerHello(parsing: body(RFC8448.serverHello))
    let nst = try NewSessionTicket(parsing: body(RFC8448.newSessionTicket))
    let bodies: [([UInt8]?, ([UInt8]) throws(TLSError) -> Void)] = [
        (ch.extensions.body(of: .serverName), { b throws(TLSError) in _ = try ServerNameExtension.parse(b) }),
        (ch.extensions.body(of: .supportedGroups), { b throws(TLSError) in _ = try SupportedGroupsExtension.parse(b) }),
        (ch.extensions.body(of: .keyShare), { b throws(TLSError) in _ = try KeyShareExtension.parseClient(b) }),
        (ch.extensions.body(of: .supportedVersions), { b throws(TLSError) in _ = try SupportedVersionsExtension.parseClient(b) }),
        (ch.extensions.body(of: .signatureAlgorithms), { b throws(TLSError) in _ = try SignatureAlgorithmsExtension.parse(b) }),
        (ch.extensions.body(of: .pskKeyExchangeModes), { b throws(TLSError) in _ = try PSKKeyExchangeModesExtension.parse(b) }),
        (ch.extensions.body(of: .recordSizeLimit), { b throws(TLSError) in _ = try RecordSizeLimitExtension.parse(b) }),
        (ch.extensions.body(of: .preSharedKey), { b throws(TLSError) in _ = try OfferedPSKs.parse(b) }),
        (sh.extensions.body(of: .keyShare), { b throws(TLSError) in _ = try KeyShareExtension.parseServer(b) }),
        (sh.extensions.body(of: .supportedVersions), { b throws(TLSError) in _ = try SupportedVersionsExtension.parseServer(b) }),
        (hrr.extensions.body(of: .keyShare), { b throws(TLSError) in _ = try KeyShareExtension.parseHelloRetryRequest(b) }),
        (hrr.extensions.body(of: .cookie), { b throws(TLSError) in _ = try CookieExtension.parse(b) }),
        (nst.extensions.body(of: .earlyData), { b throws(TLSError) in _ = try EarlyDataExtension.parseTicket(b) }),
        (ALPNExtension.emit([Array("h2".utf8)]), { b throws(TLSError) in _ = try ALPNExtension.parse(b) }),
        (PreSharedKeyExtension.emitServer(0), { b throws(TLSError) in _ = try PreSharedKeyExtension.parseServer(b) }),
    ]
    for (i, (whole, parse)) in bodies.enumerated() {
        guard let whole else { failures.append("extension \(i) missing"); continue }
        try parse(whole)
        for n in 0..<whole.count where alertOf({ try parse(Array(whole[..<n])) }) != .decodeError {
            failures.append("extension \(i) cut to \(n)")
        }
    }
    #expect(failures.isEmpty, "\(failures.prefix(10))")
}

// MARK: - Fuzz entries

@Test func fuzzEntriesSurviveMutations() {
    // The RFC messages and records, then seeded random mutations of them: nothing may trap.
    let seeds: [[UInt8]] = RFC8448.serverFlight + [RFC8448.clientHello, RFC8448.resumptionClientHello,
        RFC8448.helloRetryRequest, RFC8448.newSessionTicket, RFC8448.clientFinished,
        RFC8448.clientHelloRecord + RFC8448.serverHelloRecord + RFC8448.clientFinishedRecord]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    for seed in seeds {
        TLSWireFuzz.handshakeMessages([0] + seed)
        TLSWireFuzz.records([7] + seed)
        for _ in 0..<300 {
            var m = seed
            for _ in 0..<(1 + Int(random() % 4)) {
                let at = Int(random() % UInt64(m.count))
                switch random() % 3 {
                case 0: m[at] = UInt8(truncatingIfNeeded: random())
                case 1: m.remove(at: at)
                default: m.insert(UInt8(truncatingIfNeeded: random()), at: at)
                }
                if m.isEmpty { m = [0] }
            }
            TLSWireFuzz.handshakeMessages([UInt8(truncatingIfNeeded: random())] + m)
            TLSWireFuzz.records([UInt8(truncatingIfNeeded: random())] + m)
        }
    }
}
