// Whole handshakes between Swiftlet's TLS client and server in memory: every suite, group and key type,
// HelloRetryRequest, resumption, ALPN, SNI, KeyUpdate, close_notify, and the refusals of issue 20 item 5.
import Testing
import Swiftlet
import SwiftletCrypto
import SwiftletTesting
@testable import SwiftletTLS

typealias Connection = TLSConnection<TestEntropy>

/// Moves bytes between a client and a server until neither has anything to send.
struct Pair {
    var client: Connection
    var server: Connection
    var now = Instant(nanoseconds: 1_000_000_000)
    var clientEvents = TLSEvents()
    var serverEvents = TLSEvents()

    mutating func pump() throws(TLSError) {
        for _ in 0..<32 {
            let toServer = client.takeOutput(), toClient = server.takeOutput()
            if toServer.isEmpty && toClient.isEmpty { return }
            if !toServer.isEmpty && server.state != .closed {
                let e = try server.receive(toServer, now: now)
                if e.handshakeCompleted { serverEvents.handshakeCompleted = true }
                if e.peerClosed { serverEvents.peerClosed = true }
            }
            if !toClient.isEmpty && client.state != .closed {
                let e = try client.receive(toClient, now: now)
                if e.handshakeCompleted { clientEvents.handshakeCompleted = true }
                if e.peerClosed { clientEvents.peerClosed = true }
                if let s = e.session { clientEvents.session = s }
            }
        }
    }
}

func serverContext(_ credentials: [TLSCredential], seed: UInt64 = 1, configure: (inout TLSServerConfiguration) -> Void = { _ in }) -> TLSServerContext<TestEntropy> {
    var configuration = TLSServerConfiguration(credentials: credentials)
    configure(&configuration)
    return TLSServerContext(configuration: configuration, random: TestEntropy(seed: seed, claimsUnpredictable: true))
}

func clientContext(seed: UInt64 = 2, configure: (inout TLSClientConfiguration) -> Void = { _ in }) throws -> TLSClientContext<TestEntropy> {
    var configuration = TLSClientConfiguration(trustStore: try TestPKI.trust())
    configure(&configuration)
    return TLSClientContext(configuration: configuration, random: TestEntropy(seed: seed, claimsUnpredictable: true))
}

func handshake(_ server: TLSServerContext<TestEntropy>, _ client: TLSClientContext<TestEntropy>, name: String = "localhost",
               now: Instant = Instant(nanoseconds: 1_000_000_000)) throws -> Pair {
    var pair = Pair(client: try .client(context: client, serverName: name, now: now, validationTime: TestPKI.nowSeconds),
                    server: .server(context: server), now: now)
    try pair.pump()
    return pair
}

@Suite struct HandshakeTests {
    @Test(arguments: [CipherSuite.aes128GCMSHA256, .aes256GCMSHA384, .chacha20Poly1305SHA256])
    func everySuiteCarriesDataBothWays(suite: CipherSuite) throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)])
        let client = try clientContext { $0.cipherSuites = [suite] }
        var pair = try handshake(server, client)
        #expect(pair.client.state == .connected && pair.server.state == .connected)
        #expect(pair.clientEvents.handshakeCompleted && pair.serverEvents.handshakeCompleted)
        #expect(pair.client.cipherSuite == suite && pair.server.cipherSuite == suite)
        let big = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try pair.client.send(big)
        try pair.server.send(Array("pong".utf8))
        try pair.pump()
        #expect(pair.server.takeApplicationData() == big)
        #expect(pair.client.takeApplicationData() == Array("pong".utf8))
    }

    @Test(arguments: [NamedGroup.x25519, .secp256r1])
    func bothGroups(group: NamedGroup) throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)])
        let client = try clientContext { $0.groups = [group] }
        let pair = try handshake(server, client)
        #expect(pair.client.state == .connected && pair.server.state == .connected)
    }

    @Test func eachKeyTypeSigns() throws {
        let pki = try TestPKI.get()
        for (leaf, name) in [(pki.p256, "p256.test"), (pki.ed25519, "ed25519.test"), (pki.rsa, "rsa.test")] {
            let server = serverContext([try TestPKI.credential(leaf)])
            let pair = try handshake(server, try clientContext(), name: name)
            #expect(pair.client.state == .connected, "\(name)")
        }
    }

    /// §4.1.4: the client shares x25519, the server only does P-256: one HelloRetryRequest, then success.
    @Test func helloRetryRequest() throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)]) { $0.groups = [.secp256r1] }
        let pair = try handshake(server, try clientContext { $0.groups = [.x25519, .secp256r1] })
        #expect(pair.client.state == .connected && pair.server.state == .connected)
        #expect(pair.client.clientSide.retried)
    }

    /// §4.2.10: a client that offers early data gets a 1-RTT handshake; its 0-RTT records, which the
    /// server cannot open, are skipped up to 64 KiB, and one more is bad_record_mac.
    @Test func earlyDataIsSkippedUpToALimit() throws {
        var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]))
        var client = try Connection.client(context: try clientContext(), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds)
        _ = try server.receive(withEarlyData(client.takeOutput()), now: .zero)
        #expect(server.state == .serverWaitFinished)
        let record: [UInt8] = [23, 3, 3, 0x40, 0x00] + [UInt8](repeating: 0x5A, count: 0x4000)
        for _ in 0..<4 { _ = try server.receive(record, now: .zero) }
        #expect(server.state == .serverWaitFinished)
        #expect(throws: TLSError.alert(.badRecordMAC)) { _ = try server.receive(record, now: .zero) }
    }

    /// §4.2.10: early data sent before the client saw a HelloRetryRequest is skipped by its outer type
    /// until the second ClientHello; after it, such a record is bad_record_mac.
    @Test func earlyDataBeforeAHelloRetryRequestIsSkipped() throws {
        var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]) { $0.groups = [.secp256r1] })
        var client = try Connection.client(context: try clientContext { $0.groups = [.x25519, .secp256r1] }, serverName: "localhost",
                                           now: .zero, validationTime: TestPKI.nowSeconds)
        _ = try server.receive(withEarlyData(client.takeOutput()), now: .zero)
        #expect(server.state == .serverWaitSecondClientHello)
        let record: [UInt8] = [23, 3, 3, 0, 100] + [UInt8](repeating: 0x5A, count: 100)
        for _ in 0..<3 { _ = try server.receive(record, now: .zero) }
        #expect(server.state == .serverWaitSecondClientHello)
        _ = try client.receive(server.takeOutput(), now: .zero)
        _ = try server.receive(client.takeOutput(), now: .zero)
        #expect(server.state == .serverWaitFinished)
        #expect(throws: TLSError.alert(.badRecordMAC)) { _ = try server.receive(record, now: .zero) }
    }

    /// §4.2: an extension the client did not offer, in ServerHello or EncryptedExtensions, is
    /// unsupported_extension; an offered one in the wrong message is illegal_parameter.
    @Test(arguments: [(0, UInt16(0xFFFF), AlertDescription.unsupportedExtension), (0, 16, .unsupportedExtension), (0, 13, .illegalParameter),
                      (1, 0xFFFF, .unsupportedExtension), (1, 42, .unsupportedExtension), (1, 51, .illegalParameter)])
    func unsolicitedExtensionsAreRefused(inEncryptedExtensions: Int, type: UInt16, alert: AlertDescription) throws {
        let credential = try TestPKI.credential(TestPKI.get().p256)
        var server = Connection.server(context: serverContext([credential]))
        var client = try Connection.client(context: try clientContext(), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds)
        _ = try server.receive(client.takeOutput(), now: .zero)
        var records = splitRecords(server.takeOutput())
        let extra = TLSExtension(type: ExtensionType(rawValue: type), body: type == 13 ? [0, 2, 4, 3] : [])
        if inEncryptedExtensions == 0 {
            var hello = try ServerHello(parsing: Array(records[0][9...]))
            hello.extensions.append(extra)
            records[0] = RecordWriter.plaintextRecords(type: .handshake, content: hello.encoded())
        } else {
            // Re-seal the server's first encrypted record as an EncryptedExtensions with one more extension.
            var opener = try RecordProtection(suite: server.cipherSuite!, trafficSecret: server.serverHandshakeSecret)
            let index = records.firstIndex { $0[0] == 23 }!
            let (_, content) = try opener.open(headerBytes: Array(records[index][0..<5]), fragment: Array(records[index][5...]))
            let length = Int(content[1]) << 16 | Int(content[2]) << 8 | Int(content[3])
            var encrypted = try EncryptedExtensions(parsing: Array(content[4..<(4 + length)]))
            encrypted.extensions.append(extra)
            var sealer = try RecordProtection(suite: server.cipherSuite!, trafficSecret: server.serverHandshakeSecret)
            records[index] = try sealer.seal(encrypted.encoded(), type: .handshake)
            records = Array(records[...index])
        }
        #expect(throws: TLSError.alert(alert)) { _ = try client.receive(records.flatMap { $0 }, now: .zero) }
        #expect(client.state == .closed)
    }

    @Test func resumptionWithATicket() throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)])
        let client = try clientContext()
        var first = try handshake(server, client)
        try first.pump()
        #expect(first.clientEvents.session != nil)
        #expect(!first.client.resumed)
        let second = try handshake(server, client)
        #expect(second.client.state == .connected && second.server.state == .connected)
        #expect(second.client.resumed && second.server.resumed)
        // A ticket is used once: a third connection has none left until the second's arrives.
        #expect(second.clientEvents.session != nil)
    }

    @Test func expiredTicketGivesAFullHandshake() throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)]) { $0.ticketLifetimeSeconds = 10 }
        let client = try clientContext()
        _ = try handshake(server, client)
        let later = try handshake(server, client, now: Instant(nanoseconds: 1_000_000_000 + 11_000_000_000))
        #expect(later.client.state == .connected && !later.client.resumed)
    }

    @Test func ticketKeysRotateAfterTwoPeriods() throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)]) { $0.ticketLifetimeSeconds = 100 }
        let client = try clientContext()
        _ = try handshake(server, client)
        // Rotations at 101 s and 202 s: the ticket's key is gone at the second, whatever the lifetime says.
        _ = try handshake(server, try clientContext(seed: 9), now: Instant(nanoseconds: 102_000_000_000))
        _ = try handshake(server, try clientContext(seed: 10), now: Instant(nanoseconds: 203_000_000_000))
        #expect(server.ticketKeys.open(client.sessions.first?.ticket ?? []) == nil)
    }

    @Test func alpnPicksTheServersPreference() throws {
        let server = serverContext([try TestPKI.credential(TestPKI.get().p256)]) {
            $0.applicationProtocols = [Array("h2".utf8), Array("http/1.1".utf8)]
        }
        let pair = try handshake(server, try clientContext { $0.applicationProtocols = [Array("http/1.1".utf8), Array("h2".utf8)] })
        #expect(pair.client.applicationProtocol == Array("h2".utf8) && pair.server.applicationProtocol == Array("h2".utf8))
        // No protocol in common: no_application_protocol (RFC 7301 §3.2).
        var none = Pair(client: try .client(context: try clientContext { $0.applicationProtocols = [Array("spdy/3".utf8)] },
                                            serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds),
                        server: .server(context: server))
        #expect(throws: TLSError.alert(.noApplicationProtocol)) { try none.pump() }
        #expect(none.server.closingAlert == .alert(.noApplicationProtocol))
        // The alert reaches the client.
        #expect(throws: TLSError.peerAlert(.noApplicationProtocol)) { _ = try none.client.receive(none.server.takeOutput(), now: .zero) }
    }

    @Test func sniChoosesTheCertificate() throws {
        let pki = try TestPKI.get()
        let server = serverContext([try TestPKI.credential(pki.p256), try TestPKI.credential(pki.other)])
        let a = try handshake(server, try clientContext(), name: "other.test")
        #expect(a.client.state == .connected && a.server.serverName == Array("other.test".utf8))
        let b = try handshake(server, try clientContext(), name: "p256.test")
        #expect(b.client.state == .connected)
        // A name no certificate has: unrecognized_name (RFC 6066 §3).
        let c = try? handshake(server, try clientContext(), name: "nobody.test")
        #expect(c == nil)
        var d = Pair(client: try .client(context: try clientContext(), serverName: "nobody.test", now: .zero, validationTime: TestPKI.nowSeconds),
                     server: .server(context: server))
        #expect(throws: TLSError.alert(.unrecognizedName)) { try d.pump() }
    }

    @Test func theClientChecksTheChainAndTheName() throws {
        let pki = try TestPKI.get()
        // Wrong name: the certificate is for localhost / p256.test.
        var wrong = Pair(client: try .client(context: try clientContext(), serverName: "rsa.test", now: .zero, validationTime: TestPKI.nowSeconds),
                         server: .server(context: serverContext([try TestPKI.credential(pki.p256)]) { $0.refuseUnknownServerName = false }))
        #expect(throws: TLSError.alert(.badCertificate)) { try wrong.pump() }
        // Expired.
        var expired = Pair(client: try .client(context: try clientContext(), serverName: "expired.test", now: .zero, validationTime: TestPKI.nowSeconds),
                           server: .server(context: serverContext([try TestPKI.credential(pki.expired)])))
        #expect(throws: TLSError.alert(.certificateExpired)) { try expired.pump() }
        // Unknown CA: a client trusting nothing.
        var unknown = Pair(client: try .client(context: try clientContext { $0.trustStore = TrustStore(anchors: []) }, serverName: "localhost",
                                               now: .zero, validationTime: TestPKI.nowSeconds),
                           server: .server(context: serverContext([try TestPKI.credential(pki.p256)])))
        #expect(throws: TLSError.alert(.unknownCA)) { try unknown.pump() }
    }

    @Test func keyUpdateBothWays() throws {
        var pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        try pair.client.updateKeys(requestPeerUpdate: true)
        try pair.pump()
        try pair.client.send([1, 2, 3])
        try pair.server.send([4, 5])
        try pair.pump()
        #expect(pair.server.takeApplicationData() == [1, 2, 3])
        #expect(pair.client.takeApplicationData() == [4, 5])
    }

    /// Found by InteropTests against `openssl s_client -verify_return_error` with a CA it does not trust:
    /// OpenSSL's client refuses the server's certificate before it switches to its handshake key, so its
    /// alert (unknown_ca) comes in plaintext after the server's encrypted flight. The server took that
    /// for unexpected_message (and answered it); it now reads it as the client's alert, as OpenSSL's
    /// server does, but only until a record has opened under the client's handshake key.
    @Test func plaintextAlertBeforeTheClientsFirstEncryptedRecord() throws {
        let context = serverContext([try TestPKI.credential(TestPKI.get().p256)])
        let plaintextAlert: [UInt8] = [21, 3, 3, 0, 2, 2, 48]
        var client = try Connection.client(context: try clientContext(), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds)
        var server = Connection.server(context: context)
        _ = try server.receive(client.takeOutput(), now: .zero)
        #expect(server.state == .serverWaitFinished)
        _ = server.takeOutput()
        #expect(throws: TLSError.peerAlert(.unknownCA)) { _ = try server.receive(plaintextAlert, now: .zero) }
        #expect(server.state == .closed && server.takeOutput().isEmpty)

        // Once a record has opened under the client's handshake key (here the first byte of a Finished),
        // a plaintext alert is unexpected_message again.
        client = try Connection.client(context: try clientContext(seed: 3), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds)
        server = Connection.server(context: context)
        _ = try server.receive(client.takeOutput(), now: .zero)
        _ = server.takeOutput()
        var clientKey = try RecordProtection(suite: #require(server.cipherSuite), trafficSecret: server.clientHandshakeSecret)
        _ = try server.receive(try clientKey.seal([20], type: .handshake), now: .zero)
        #expect(server.state == .serverWaitFinished)
        #expect(throws: TLSError.alert(.unexpectedMessage)) { _ = try server.receive(plaintextAlert, now: .zero) }

        // After the handshake too.
        var pair = try handshake(context, try clientContext(seed: 4))
        #expect(throws: TLSError.alert(.unexpectedMessage)) { _ = try pair.server.receive(plaintextAlert, now: .zero) }
    }

    @Test func closeNotifyEndsEachDirection() throws {
        var pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        pair.client.close()
        try pair.pump()
        #expect(pair.serverEvents.peerClosed && pair.server.peerClosed)
        // The server may still send (half-close, §6.1).
        try pair.server.send([9])
        pair.server.close()
        try pair.pump()
        #expect(pair.client.takeApplicationData() == [9])
        #expect(pair.client.isClosed && pair.server.isClosed)
        #expect(throws: TLSError.closed) { try pair.client.send([1]) }
    }

    @Test func exporterAgrees() throws {
        let pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        let a = try pair.client.exportKeyingMaterial(label: "test", context: [1], length: 32)
        let b = try pair.server.exportKeyingMaterial(label: "test", context: [1], length: 32)
        #expect(a == b && a.count == 32)
    }
}

/// Issue 20 item 5: each bad input gives its alert, closes the connection and never traps.
@Suite struct BadInputTests {
    @Test func tamperedRecordIsBadRecordMAC() throws {
        var pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        try pair.client.send(Array("hello".utf8))
        var bytes = pair.client.takeOutput()
        bytes[bytes.count - 3] ^= 1
        #expect(throws: TLSError.alert(.badRecordMAC)) { _ = try pair.server.receive(bytes, now: .zero) }
        #expect(pair.server.state == .closed)
        // The alert goes out (encrypted) and the connection takes nothing more.
        #expect(!pair.server.takeOutput().isEmpty)
        #expect(throws: TLSError.closed) { _ = try pair.server.receive([23, 3, 3, 0, 0], now: .zero) }
    }

    @Test func oversizedRecordIsRecordOverflow() throws {
        var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]))
        #expect(throws: TLSError.alert(.recordOverflow)) { _ = try server.receive([22, 3, 1, 0x48, 0x01] + [UInt8](repeating: 0, count: 10), now: .zero) }
    }

    @Test func tls12ClientGetsProtocolVersion() throws {
        // A TLS 1.2 ClientHello: no supported_versions.
        var w = TLSWriter()
        w.u16(0x0303)
        w.append([UInt8](repeating: 7, count: 32))
        w.opaque(lengthBytes: 1, [])
        w.vector(lengthBytes: 2) { $0.u16(0xC02F); $0.u16(0x009C) }
        w.opaque(lengthBytes: 1, [0])
        w.vector(lengthBytes: 2) { _ in }
        var h = TLSWriter()
        h.u8(1)
        h.opaque(lengthBytes: 3, w.bytes)
        var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]))
        #expect(throws: TLSError.alert(.protocolVersion)) {
            _ = try server.receive(RecordWriter.plaintextRecords(type: .handshake, content: h.bytes, legacyVersion: 0x0301), now: .zero)
        }
        #expect(server.takeOutput() == [21, 3, 3, 0, 2, 2, 70])
    }

    @Test func reorderedHandshakeIsUnexpectedMessage() throws {
        // A Finished as the first message.
        var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]))
        #expect(throws: TLSError.alert(.unexpectedMessage)) {
            _ = try server.receive(RecordWriter.plaintextRecords(type: .handshake, content: [20, 0, 0, 32] + [UInt8](repeating: 0, count: 32)), now: .zero)
        }
    }

    @Test func truncatedClientHelloIsDecodeError() throws {
        let client = try Connection.client(context: try clientContext(), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds)
        var c = client
        let hello = c.takeOutput()
        let body = Array(hello[5...])
        for cut in stride(from: 4, to: body.count, by: 7) {
            var truncated = Array(body[0..<cut])
            // Claim the shorter length so the message is complete but its contents are cut.
            let length = cut - 4
            truncated[1] = UInt8(length >> 16); truncated[2] = UInt8((length >> 8) & 255); truncated[3] = UInt8(length & 255)
            var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]))
            do {
                _ = try server.receive(RecordWriter.plaintextRecords(type: .handshake, content: truncated), now: .zero)
                Issue.record("a ClientHello cut at \(cut) was accepted")
            } catch {
                #expect(server.state == .closed)
            }
        }
    }

    @Test func unaskedClientCertificateIsUnexpectedMessage() throws {
        var pair = Pair(client: try .client(context: try clientContext(), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds),
                        server: .server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)])))
        // Run to the point where the server waits for the client's Finished, then send a Certificate
        // under the client's handshake key instead.
        let hello = pair.client.takeOutput()
        _ = try pair.server.receive(hello, now: .zero)
        let flight = pair.server.takeOutput()
        _ = try pair.client.receive(flight, now: .zero)
        #expect(pair.server.state == .serverWaitFinished)
        var protection = try RecordProtection(suite: pair.server.cipherSuite!, trafficSecret: pair.server.clientHandshakeSecret)
        let record = try protection.seal(CertificateMessage(requestContext: [], entries: []).encoded(), type: .handshake)
        #expect(throws: TLSError.alert(.unexpectedMessage)) { _ = try pair.server.receive(record, now: .zero) }
    }

    @Test func downgradeSentinelIsIllegalParameter() throws {
        // A server answering TLS 1.2 with the sentinel in its random (§4.1.3).
        var client = try Connection.client(context: try clientContext(), serverName: "localhost", now: .zero, validationTime: TestPKI.nowSeconds)
        let sent = client.takeOutput()
        let hello = try ClientHello(parsing: Array(sent[9...]))
        let random = [UInt8](repeating: 1, count: 24) + ServerHello.downgradeTLS12
        let serverHello = ServerHello(legacyVersion: .tls12, random: random, legacySessionIDEcho: hello.legacySessionID,
                                      cipherSuite: CipherSuite(rawValue: 0xC02F), legacyCompressionMethod: 0, extensions: [])
        #expect(throws: TLSError.alert(.illegalParameter)) {
            _ = try client.receive(RecordWriter.plaintextRecords(type: .handshake, content: serverHello.encoded()), now: .zero)
        }
    }

    @Test func garbageNeverTraps() throws {
        var state: UInt64 = 12345
        for round in 0..<300 {
            var server = Connection.server(context: serverContext([try TestPKI.credential(TestPKI.get().p256)]))
            var bytes: [UInt8] = []
            for _ in 0..<(round % 64 + 5) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            if round % 2 == 0 { bytes[0] = 22; bytes[1] = 3; bytes[2] = 1 }
            _ = try? server.receive(bytes, now: .zero)
        }
    }

    /// §4.6.3: requests that arrive together get one answer; 32 records in a row without data end the
    /// connection (each costs a derivation and a decryption).
    @Test func keyUpdateRequestsAreAnsweredOnceAndFloodsEnd() throws {
        var pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        for _ in 0..<3 { try pair.client.updateKeys(requestPeerUpdate: true) }
        _ = try pair.server.receive(pair.client.takeOutput(), now: .zero)
        let answer = pair.server.takeOutput()
        #expect(answer.count == 5 + 5 + 1 + 16, "one KeyUpdate record, got \(answer.count) bytes")
        _ = try pair.client.receive(answer, now: .zero)
        try pair.client.send([7])
        _ = try pair.server.receive(pair.client.takeOutput(), now: .zero)
        #expect(pair.server.takeApplicationData() == [7])
        for _ in 0..<(Connection.maximumRecordsWithoutData + 1) { try pair.client.updateKeys(requestPeerUpdate: false) }
        #expect(throws: TLSError.alert(.unexpectedMessage)) { _ = try pair.server.receive(pair.client.takeOutput(), now: .zero) }
    }

    /// §5.1: no other record type while a handshake message is partly received; a post-handshake message
    /// to a server longer than a KeyUpdate is refused from its header.
    @Test func interleavedAndOversizedPostHandshakeMessages() throws {
        var pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        try pair.client.writeRecord(type: .handshake, content: [24, 0, 0, 1])
        try pair.client.writeRecord(type: .applicationData, content: [1])
        #expect(throws: TLSError.alert(.unexpectedMessage)) { _ = try pair.server.receive(pair.client.takeOutput(), now: .zero) }
        var other = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        try other.client.writeRecord(type: .handshake, content: [24, 0, 0, 100])
        #expect(throws: TLSError.alert(.illegalParameter)) { _ = try other.server.receive(other.client.takeOutput(), now: .zero) }
    }

    /// §6.1: what follows close_notify is ignored.
    @Test func recordsAfterCloseNotifyAreIgnored() throws {
        var pair = try handshake(serverContext([try TestPKI.credential(TestPKI.get().p256)]), try clientContext())
        pair.client.close()
        try pair.client.writeRecord(type: .applicationData, content: [1, 2, 3])
        let events = try pair.server.receive(pair.client.takeOutput(), now: .zero)
        #expect(events.peerClosed && pair.server.receivedCount == 0)
    }

    @Test func aKeyThatIsNotTheCertificatesIsRefused() throws {
        let pki = try TestPKI.get()
        #expect(throws: TLSError.alert(.internalError)) { _ = try TLSCredential(certificatePEM: pki.p256.chainPEM, keyPEM: pki.other.keyPEM) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try TLSCredential(certificatePEM: pki.rsa.chainPEM, keyPEM: pki.p256.keyPEM) }
        _ = try TLSCredential(certificatePEM: pki.rsa.chainPEM, keyPEM: pki.rsa.keyPEM)
    }

    /// Bounds on lists a ClientHello names: key shares (16) and host names (255 bytes).
    @Test func clientHelloListBounds() throws {
        var w = TLSWriter()
        w.vector(lengthBytes: 2) { w in for g in 0..<17 { w.u16(UInt16(g + 0x100)); w.opaque(lengthBytes: 2, [1]) } }
        #expect(throws: TLSError.alert(.illegalParameter)) { _ = try KeyShareExtension.parseClient(w.bytes) }
        #expect(throws: TLSError.alert(.illegalParameter)) {
            _ = try ServerNameExtension.parse(ServerNameExtension.emit(hostName: [UInt8](repeating: 97, count: 256)))
        }
        #expect(try ServerNameExtension.parse(ServerNameExtension.emit(hostName: [UInt8](repeating: 97, count: 255)))?.count == 255)
    }
}

/// The client's first flight with an empty early_data extension added (first, so pre_shared_key stays last).
func withEarlyData(_ flight: [UInt8]) throws -> [UInt8] {
    var hello = try ClientHello(parsing: Array(flight[9...]))
    hello.extensions.insert(TLSExtension(type: .earlyData, body: []), at: 0)
    return RecordWriter.plaintextRecords(type: .handshake, content: hello.encoded())
}

/// The records of a flight, each with its header.
func splitRecords(_ bytes: [UInt8]) -> [[UInt8]] {
    var records: [[UInt8]] = []
    var i = 0
    while i + 5 <= bytes.count {
        let end = i + 5 + (Int(bytes[i + 3]) << 8 | Int(bytes[i + 4]))
        records.append(Array(bytes[i..<end]))
        i = end
    }
    return records
}
