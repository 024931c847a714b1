// SwiftletTLS / Connection: the server's handshake (RFC 8446 §2, §4.1-§4.4, §4.6.1), steps numbered as
// the server meets them:
//  1. ClientHello: version (§4.2.1: no supported_versions means TLS 1.2 or older, answered with
//     protocol_version), suite, SNI (RFC 6066 §3) and certificate, key share or HelloRetryRequest (§4.1.4),
//     a session ticket offered as PSK (§4.2.11) with its binder checked;
//  2. ServerHello, the compatibility change_cipher_spec (§D.4), EncryptedExtensions (ALPN, RFC 7301 §3.2),
//     Certificate, CertificateVerify, Finished;
//  3. the client's Finished; then NewSessionTicket (§4.6.1).
// Early data is never accepted: the tickets carry no early_data extension, and records a client sends
// anyway are skipped (§4.2.10). Client certificates are never requested, so a client Certificate is an
// unexpected_message.

import Swiftlet
import SwiftletCrypto

/// What the server remembers between its messages.
struct ServerHandshakeState {
    /// The group asked for in a HelloRetryRequest (a second ClientHello must offer exactly it).
    var retryGroup: NamedGroup?
    /// The suite chosen for the HelloRetryRequest (the second ClientHello must allow it again).
    var retrySuite: CipherSuite?
    var expectedClientFinished: [UInt8] = []
    var credentialIndex: Int?
}

/// A ticket's sealed contents (our own format; only this server reads it): version 1, the suite, the
/// resumption PSK, when it was issued, its age_add and lifetime, and the ALPN protocol and server name
/// of the session it resumes.
struct TicketState {
    var suite: CipherSuite
    var psk: [UInt8]
    var issued: UInt64
    var ageAdd: UInt32
    var lifetime: UInt32
    var applicationProtocol: [UInt8]
    var serverName: [UInt8]

    func encoded() -> [UInt8] {
        var w = TLSWriter(capacity: 96)
        w.u8(1)
        w.u16(suite.rawValue)
        w.opaque(lengthBytes: 1, psk)
        w.u32(UInt32(truncatingIfNeeded: issued >> 32))
        w.u32(UInt32(truncatingIfNeeded: issued))
        w.u32(ageAdd)
        w.u32(lifetime)
        w.opaque(lengthBytes: 1, applicationProtocol)
        w.opaque(lengthBytes: 1, serverName)
        return w.bytes
    }

    init(suite: CipherSuite, psk: [UInt8], issued: UInt64, ageAdd: UInt32, lifetime: UInt32,
         applicationProtocol: [UInt8], serverName: [UInt8]) {
        self.suite = suite; self.psk = psk; self.issued = issued; self.ageAdd = ageAdd
        self.lifetime = lifetime; self.applicationProtocol = applicationProtocol; self.serverName = serverName
    }

    init(parsing bytes: [UInt8]) throws(TLSError) {
        var r = TLSReader(bytes)
        guard try r.u8() == 1 else { throw TLSError.alert(.decodeError) }
        suite = CipherSuite(rawValue: try r.u16())
        psk = try r.opaque(lengthBytes: 1)
        issued = UInt64(try r.u32()) << 32 | UInt64(try r.u32())
        ageAdd = try r.u32()
        lifetime = try r.u32()
        applicationProtocol = try r.opaque(lengthBytes: 1)
        serverName = try r.opaque(lengthBytes: 1)
        try r.finish()
        guard suite.isSupported, psk.count == suite.hash.digestLength else { throw TLSError.alert(.decodeError) }
    }
}

extension TLSConnection {
    /// A server connection; it waits for the client's first flight.
    public static func server(context: TLSServerContext<Random>) -> TLSConnection {
        TLSConnection(role: .server(context), state: .serverWaitClientHello)
    }

    var serverContext: TLSServerContext<Random>? {
        if case .server(let context) = role { return context }
        return nil
    }

    // MARK: 1. ClientHello

    mutating func serverReceiveClientHello(_ message: HandshakeMessage, now: Instant) throws(TLSError) {
        guard let context = serverContext else { throw TLSError.alert(.internalError) }
        let configuration = context.configuration
        let hello = try ClientHello(parsing: message.body)
        let extensions = hello.extensions
        let isRetry = state == .serverWaitSecondClientHello

        // §4.2.1: TLS 1.3 is negotiated by supported_versions only.
        guard let versionsBody = extensions.body(of: .supportedVersions) else { throw TLSError.alert(.protocolVersion) }
        guard try SupportedVersionsExtension.parseClient(versionsBody).contains(.tls13) else {
            throw TLSError.alert(.protocolVersion)
        }
        // §4.1.2: exactly one compression method, null.
        guard hello.legacyCompressionMethods == [0] else { throw TLSError.alert(.illegalParameter) }
        // §4.2.11: pre_shared_key comes last.
        if let i = extensions.firstIndex(where: { $0.type == .preSharedKey }), i != extensions.count - 1 {
            throw TLSError.alert(.illegalParameter)
        }
        clientRandom = hello.random

        // The suite: the server's preference among the client's offer.
        guard let suite = configuration.cipherSuites.first(where: { $0.isSupported && hello.cipherSuites.contains($0) }) else {
            throw TLSError.alert(.handshakeFailure)
        }
        if isRetry {
            // §4.1.4: the second ClientHello must let the server keep the suite it chose.
            guard suite == serverSide.retrySuite else { throw TLSError.alert(.illegalParameter) }
            // §4.2.10: no early data after a HelloRetryRequest, and the skipping of the first flight's ends.
            guard extensions.body(of: .earlyData) == nil else { throw TLSError.alert(.illegalParameter) }
            earlyDataToSkip = 0
        }

        // SNI (RFC 6066 §3).
        var requestedName: [UInt8]? = nil
        if let body = extensions.body(of: .serverName) { requestedName = try ServerNameExtension.parse(body) }

        // Key exchange: the server's preferred group among the shares sent, else HelloRetryRequest for a
        // group both support (§4.2.8), else no common group at all.
        let clientGroups = try extensions.body(of: .supportedGroups).map { (b: [UInt8]) throws(TLSError) in
            try SupportedGroupsExtension.parse(b)
        } ?? []
        let shares = try extensions.body(of: .keyShare).map { (b: [UInt8]) throws(TLSError) in
            try KeyShareExtension.parseClient(b)
        } ?? []
        // §4.2.8: every share must be for a group the client lists.
        for share in shares where !clientGroups.contains(share.group) { throw TLSError.alert(.illegalParameter) }
        if isRetry, let group = serverSide.retryGroup {
            guard shares.count == 1, shares[0].group == group else { throw TLSError.alert(.illegalParameter) }
        }
        var chosenShare: KeyShareEntry? = nil
        for group in configuration.groups where KeySharePrivate.isSupported(group) {
            if let share = shares.first(where: { $0.group == group }) { chosenShare = share; break }
        }
        guard extensions.body(of: .supportedGroups) != nil, extensions.body(of: .keyShare) != nil else {
            // §9.2: a ClientHello without them offers no (EC)DHE; this server does not do psk_ke alone.
            throw TLSError.alert(.missingExtension)
        }

        // The transcript hash is the suite's (§4.4.1).
        if !isRetry { transcript.choose(suite.hash) }

        guard let peerShare = chosenShare else {
            guard !isRetry,
                  let group = configuration.groups.first(where: { KeySharePrivate.isSupported($0) && clientGroups.contains($0) })
            else { throw TLSError.alert(.handshakeFailure) }
            try sendHelloRetryRequest(hello, encoded: message.encoded, suite: suite, group: group)
            // §4.2.10: the client may already be sending 0-RTT records under keys the server never
            // derives; they are skipped by their outer type until the second ClientHello, up to a limit.
            if extensions.body(of: .earlyData) != nil { earlyDataToSkip = Self.maximumSkippedEarlyData }
            return
        }

        // Session resumption (§4.2.11): the first identity whose ticket opens, is in date, is for a
        // suite with this hash, and whose binder checks. A bad binder is decrypt_error.
        var psk: [UInt8]? = nil
        var pskIndex: UInt16 = 0
        if let pskBody = extensions.body(of: .preSharedKey) {
            guard let modesBody = extensions.body(of: .pskKeyExchangeModes) else { throw TLSError.alert(.missingExtension) }
            let modes = try PSKKeyExchangeModesExtension.parse(modesBody)
            let offered = try OfferedPSKs.parse(pskBody)
            if modes.contains(.pskDHEKE), configuration.ticketsPerHandshake > 0 {
                let keys = context.currentTicketKeys(now: now)
                for (i, identity) in offered.identities.enumerated() {
                    guard let sealed = keys.open(identity.identity),
                          let ticket = try? TicketState(parsing: sealed),
                          ticket.suite.hash == suite.hash,
                          // A session resumes only for the name it was made for (§4.6.1 on SNI).
                          (requestedName ?? []) == ticket.serverName,
                          now.nanoseconds >= ticket.issued,
                          now.nanoseconds - ticket.issued <= UInt64(ticket.lifetime) * 1_000_000_000
                    else { continue }
                    // §4.2.11.2: the binder is an HMAC over the transcript up to the binders.
                    let encoded = message.encoded
                    guard offered.bindersLength <= encoded.count, i < offered.binders.count else {
                        throw TLSError.alert(.decodeError)
                    }
                    let truncated = Array(encoded[0..<(encoded.count - offered.bindersLength)])
                    let binderKey = KeySchedule(suite: suite, psk: ticket.psk).binderKey(external: false)
                    let expected = KeySchedule.binder(suite.hash, binderKey: binderKey,
                                                      truncatedTranscriptHash: transcript.hash(appending: truncated))
                    guard ConstantTime.equal(expected, offered.binders[i]) else { throw TLSError.alert(.decryptError) }
                    psk = ticket.psk
                    pskIndex = UInt16(i)
                    break
                }
            }
        }

        // The certificate (full handshakes only): by SNI, then by a signature scheme the client accepts.
        var credentialIndex: Int? = nil
        var scheme: SignatureScheme? = nil
        if psk == nil {
            guard let algorithmsBody = extensions.body(of: .signatureAlgorithms) else { throw TLSError.alert(.missingExtension) }
            let accepted = try SignatureAlgorithmsExtension.parse(algorithmsBody)
            var nameMatched = false
            for (i, credential) in configuration.credentials.enumerated() {
                if let name = requestedName, !credential.matches(serverName: name) { continue }
                nameMatched = true
                if let s = credential.key.schemes.first(where: { accepted.contains($0) }) {
                    credentialIndex = i
                    scheme = s
                    break
                }
            }
            if credentialIndex == nil, requestedName != nil, !nameMatched {
                guard !configuration.refuseUnknownServerName else { throw TLSError.alert(.unrecognizedName) }
                for (i, credential) in configuration.credentials.enumerated() {
                    if let s = credential.key.schemes.first(where: { accepted.contains($0) }) {
                        credentialIndex = i
                        scheme = s
                        break
                    }
                }
            }
            guard credentialIndex != nil else { throw TLSError.alert(.handshakeFailure) }
        }
        serverName = requestedName

        // ALPN (RFC 7301 §3.2): the server's first preference the client offers; none in common is
        // no_application_protocol.
        var alpn: [UInt8]? = nil
        if let body = extensions.body(of: .applicationLayerProtocolNegotiation), !configuration.applicationProtocols.isEmpty {
            let offered = try ALPNExtension.parse(body)
            guard let choice = configuration.applicationProtocols.first(where: { offered.contains($0) }) else {
                throw TLSError.alert(.noApplicationProtocol)
            }
            alpn = choice
        }
        applicationProtocol = alpn
        resumed = psk != nil
        if extensions.body(of: .earlyData) != nil { earlyDataToSkip = Self.maximumSkippedEarlyData }
        transcript.add(message.encoded)
        cipherSuite = suite

        // 2. ServerHello.
        let (secret, ownShare) = try KeySharePrivate.generate(peerShare.group, random: random)
        let shared = try secret.sharedSecret(with: peerShare.keyExchange)
        var serverExtensions = [
            TLSExtension(type: .keyShare, body: KeyShareExtension.emitServer(ownShare)),
            TLSExtension(type: .supportedVersions, body: SupportedVersionsExtension.emitServer(.tls13)),
        ]
        if psk != nil {
            serverExtensions.append(TLSExtension(type: .preSharedKey, body: PreSharedKeyExtension.emitServer(pskIndex)))
        }
        let serverHello = ServerHello(legacyVersion: .tls12, random: random.randomBytes(32), legacySessionIDEcho: hello.legacySessionID,
                                      cipherSuite: suite, legacyCompressionMethod: 0, extensions: serverExtensions)
        sendHandshake(serverHello.encoded())
        try flushHandshake()
        // §D.4: a client in compatibility mode (non-empty session id) expects a change_cipher_spec.
        if !hello.legacySessionID.isEmpty { try sendChangeCipherSpec() }

        var keys = KeySchedule(suite: suite, psk: psk)
        let (clientSecret, serverSecret) = keys.handshakeSecrets(sharedSecret: shared, transcriptHash: transcript.currentHash())
        clientHandshakeSecret = clientSecret
        serverHandshakeSecret = serverSecret
        logSecret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", clientSecret)
        logSecret("SERVER_HANDSHAKE_TRAFFIC_SECRET", serverSecret)
        try setWriteKey(serverSecret)
        try setReadKey(clientSecret)

        // EncryptedExtensions.
        var encrypted: [TLSExtension] = []
        if requestedName != nil, psk == nil { encrypted.append(TLSExtension(type: .serverName, body: [])) }
        if let alpn { encrypted.append(TLSExtension(type: .applicationLayerProtocolNegotiation, body: ALPNExtension.emit([alpn]))) }
        sendHandshake(EncryptedExtensions(extensions: encrypted).encoded())

        // Certificate and CertificateVerify (§4.4.2, §4.4.3).
        if let index = credentialIndex, let scheme {
            let credential = configuration.credentials[index]
            var entries: [CertificateEntry] = []
            for der in credential.chain { entries.append(CertificateEntry(data: der, extensions: [])) }
            sendHandshake(CertificateMessage(requestContext: [], entries: entries).encoded())
            let content = CertificateVerifyContent.make(server: true, transcriptHash: transcript.currentHash())
            let signature = try credential.key.sign(scheme: scheme, content: content, random: random)
            sendHandshake(CertificateVerify(scheme: scheme, signature: signature).encoded())
            serverSide.credentialIndex = index
        }

        // Finished (§4.4.4), then the application keys (§7.1: from the transcript through it).
        let verifyData = KeySchedule.finishedVerifyData(suite.hash, baseKey: serverSecret, transcriptHash: transcript.currentHash())
        sendHandshake(Finished(verifyData: verifyData).encoded())
        let throughServerFinished = transcript.currentHash()
        let (clientApplication, serverApplication) = deriveApplicationSecrets(&keys, transcriptHash: throughServerFinished)
        serverSide.expectedClientFinished = KeySchedule.finishedVerifyData(suite.hash, baseKey: clientSecret,
                                                                           transcriptHash: throughServerFinished)
        schedule = keys
        writeApplicationSecret = serverApplication
        pendingReadApplicationSecret = clientApplication
        try setWriteKey(serverApplication)
        state = .serverWaitFinished
    }

    /// §4.1.4: asks for a key share in `group`. The transcript then starts with the synthetic message_hash
    /// of ClientHello1 (§4.4.1).
    mutating func sendHelloRetryRequest(_ hello: ClientHello, encoded: [UInt8], suite: CipherSuite, group: NamedGroup) throws(TLSError) {
        transcript.add(encoded)
        transcript.replaceWithMessageHash()
        let retry = ServerHello(legacyVersion: .tls12, random: ServerHello.helloRetryRequestRandom,
                                legacySessionIDEcho: hello.legacySessionID, cipherSuite: suite, legacyCompressionMethod: 0,
                                extensions: [
                                    TLSExtension(type: .keyShare, body: KeyShareExtension.emitHelloRetryRequest(group)),
                                    TLSExtension(type: .supportedVersions, body: SupportedVersionsExtension.emitServer(.tls13)),
                                ])
        sendHandshake(retry.encoded())
        try flushHandshake()
        if !hello.legacySessionID.isEmpty { try sendChangeCipherSpec() }
        serverSide.retryGroup = group
        serverSide.retrySuite = suite
        state = .serverWaitSecondClientHello
    }

    // MARK: 3. the client's Finished

    mutating func serverReceiveFinished(_ message: HandshakeMessage, now: Instant, events: inout TLSEvents) throws(TLSError) {
        guard let suite = cipherSuite, let keys = schedule, let context = serverContext else { throw TLSError.alert(.internalError) }
        let finished = try Finished(parsing: message.body, hashLength: suite.hash.digestLength)
        guard ConstantTime.equal(finished.verifyData, serverSide.expectedClientFinished) else { throw TLSError.alert(.decryptError) }
        transcript.add(message.encoded)
        resumptionMasterSecret = keys.resumptionMasterSecret(transcriptHash: transcript.currentHash())
        readApplicationSecret = pendingReadApplicationSecret
        try setReadKey(readApplicationSecret)
        limitPostHandshakeMessages()
        earlyDataToSkip = 0
        state = .connected
        events.handshakeCompleted = true
        clientHandshakeSecret = []
        serverHandshakeSecret = []

        // NewSessionTicket (§4.6.1), sealed under the rotating ticket keys.
        let configuration = context.configuration
        guard configuration.ticketsPerHandshake > 0 else { return }
        let keysNow = context.currentTicketKeys(now: now)
        for i in 0..<min(configuration.ticketsPerHandshake, 8) {
            let nonce: [UInt8] = [UInt8(i)]
            let ageAdd = UInt32(truncatingIfNeeded: random.next64())
            let state = TicketState(suite: suite,
                                    psk: KeySchedule.resumptionPSK(suite.hash, resumptionMasterSecret: resumptionMasterSecret, ticketNonce: nonce),
                                    issued: now.nanoseconds, ageAdd: ageAdd, lifetime: configuration.ticketLifetimeSeconds,
                                    applicationProtocol: applicationProtocol ?? [], serverName: serverName ?? [])
            let ticket = NewSessionTicket(lifetime: configuration.ticketLifetimeSeconds, ageAdd: ageAdd, nonce: nonce,
                                          ticket: keysNow.seal(state.encoded(), random: random), extensions: [])
            sendHandshake(ticket.encoded(), transcribe: false)
        }
        try flushHandshake()
    }
}
