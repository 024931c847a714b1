// SwiftletTLS / Connection: the client's handshake (RFC 8446 §2, §4.1-§4.4, §4.6.1), steps numbered as
// the client meets them:
//  1. ClientHello: a key share for the first configured group, every group listed, SNI for a DNS name
//     (RFC 6066 §3: never for an IP literal), ALPN, a random legacy_session_id (middlebox compatibility,
//     §D.4) and, when a session is remembered, a PSK with its binder (§4.2.11.2);
//  2. ServerHello or HelloRetryRequest (§4.1.3, §4.1.4: at most one, for a group not yet offered); the
//     downgrade sentinel (§4.1.3) and every echo checked;
//  3. EncryptedExtensions, [CertificateRequest], Certificate (the chain validated against the trust store
//     and the name), CertificateVerify, Finished;
//  4. change_cipher_spec, [an empty Certificate], Finished; then NewSessionTickets as they come.

import Swiftlet
import SwiftletCrypto

/// What the client remembers between its messages.
struct ClientHandshakeState {
    var hostName: [UInt8] = []
    var sendsServerName = false
    var sessionID: [UInt8] = []
    var shares: [(group: NamedGroup, secret: KeySharePrivate)] = []
    var offeredSession: TLSSession?
    var retried = false
    var retrySuite: CipherSuite?
    var cookie: [UInt8]?
    var certificateRequestContext: [UInt8]?
    var peerCertificate: Certificate?
    var validationTime: Int64 = 0
    var offeredSchemes: [SignatureScheme] = []
    /// The extension types of the last ClientHello: a server may answer only these (§4.2).
    var offeredExtensions: [ExtensionType] = []
}

extension TLSConnection {
    /// Signature schemes a client accepts in CertificateVerify, in preference order.
    static var clientSignatureSchemes: [SignatureScheme] {
        [.ecdsaSecp256r1SHA256, .ed25519, .rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512,
         .ecdsaSecp384r1SHA384, .rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512]
    }

    /// A client connection to `serverName` (a DNS name or an IP literal, checked against the certificate);
    /// its ClientHello is in the output at once. `validationTime` is the wall-clock time (seconds since
    /// 1970) the certificates are checked at; `now` the connection clock. A session remembered in the
    /// context for this name is offered for resumption.
    public static func client(context: TLSClientContext<Random>, serverName: String, now: Instant,
                              validationTime: Int64) throws(TLSError) -> TLSConnection {
        var connection = TLSConnection(role: .client(context), state: .clientWaitServerHello)
        let name = Array(serverName.utf8)
        connection.clientSide.hostName = name
        connection.clientSide.sendsServerName = !Self.isIPLiteral(name) && !name.isEmpty
        connection.clientSide.validationTime = validationTime
        connection.clientSide.sessionID = context.random.randomBytes(32)
        connection.clientRandom = context.random.randomBytes(32)
        connection.clientSide.offeredSession = context.takeSession(for: name, now: now)
        guard let group = context.configuration.groups.first(where: { KeySharePrivate.isSupported($0) }) else {
            throw TLSError.alert(.internalError)
        }
        let (secret, _) = try KeySharePrivate.generate(group, random: context.random)
        connection.clientSide.shares = [(group, secret)]
        try connection.sendClientHello(now: now)
        try connection.flushHandshake()
        return connection
    }

    var clientContext: TLSClientContext<Random>? {
        if case .client(let context) = role { return context }
        return nil
    }

    static func isIPLiteral(_ name: [UInt8]) -> Bool {
        var digitsAndDots = true
        for c in name {
            if c == UInt8(ascii: ":") { return true }
            if !(c == UInt8(ascii: ".") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))) { digitsAndDots = false }
        }
        return digitsAndDots
    }

    // MARK: 1. ClientHello

    mutating func sendClientHello(now: Instant) throws(TLSError) {
        guard let context = clientContext else { throw TLSError.alert(.internalError) }
        let configuration = context.configuration
        var extensions: [TLSExtension] = []
        if clientSide.sendsServerName {
            extensions.append(TLSExtension(type: .serverName, body: ServerNameExtension.emit(hostName: clientSide.hostName)))
        }
        extensions.append(TLSExtension(type: .supportedGroups,
                                       body: SupportedGroupsExtension.emit(configuration.groups.filter { KeySharePrivate.isSupported($0) })))
        clientSide.offeredSchemes = Self.clientSignatureSchemes
        extensions.append(TLSExtension(type: .signatureAlgorithms, body: SignatureAlgorithmsExtension.emit(clientSide.offeredSchemes)))
        if !configuration.applicationProtocols.isEmpty {
            extensions.append(TLSExtension(type: .applicationLayerProtocolNegotiation, body: ALPNExtension.emit(configuration.applicationProtocols)))
        }
        var entries: [KeyShareEntry] = []
        for share in clientSide.shares.suffix(1) {
            switch share.secret {
            case .x25519(let scalar):
                guard let key = try? X25519.publicKey(privateKey: scalar.span) else { throw TLSError.alert(.internalError) }
                entries.append(KeyShareEntry(group: share.group, keyExchange: key))
            case .p256(let key):
                entries.append(KeyShareEntry(group: share.group, keyExchange: key.publicKey))
            }
        }
        extensions.append(TLSExtension(type: .keyShare, body: KeyShareExtension.emitClient(entries)))
        extensions.append(TLSExtension(type: .supportedVersions, body: SupportedVersionsExtension.emitClient([.tls13])))
        if let cookie = clientSide.cookie { extensions.append(TLSExtension(type: .cookie, body: CookieExtension.emit(cookie))) }
        extensions.append(TLSExtension(type: .pskKeyExchangeModes, body: PSKKeyExchangeModesExtension.emit([.pskDHEKE])))

        // A remembered session, if its hash suits (after a HelloRetryRequest the suite is fixed, §4.1.4).
        var session = clientSide.offeredSession
        if let s = session, let retrySuite = clientSide.retrySuite, s.suite.hash != retrySuite.hash { session = nil }
        if let s = session, !configuration.cipherSuites.contains(s.suite) { session = nil }
        clientSide.offeredSession = session

        var hello = ClientHello(legacyVersion: .tls12, random: clientRandom, legacySessionID: clientSide.sessionID,
                                cipherSuites: configuration.cipherSuites.filter { $0.isSupported },
                                legacyCompressionMethods: [0], extensions: extensions)
        if let s = session {
            // §4.2.11.1: the obfuscated age is the ticket's age in milliseconds plus age_add, mod 2^32.
            let age = UInt32(truncatingIfNeeded: (now - s.received).milliseconds) &+ s.ageAdd
            let hash = s.suite.hash
            var offered = OfferedPSKs(identities: [PSKIdentity(identity: s.ticket, obfuscatedTicketAge: age)],
                                      binders: [[UInt8](repeating: 0, count: hash.digestLength)])
            hello.extensions.append(TLSExtension(type: .preSharedKey, body: offered.emit()))
            let encoded = hello.encoded()
            let truncated = Array(encoded[0..<(encoded.count - offered.bindersLength)])
            let transcriptHash = transcript.hash == nil ? hash.hash(truncated.span) : transcript.hash(appending: truncated)
            let binderKey = KeySchedule(suite: s.suite, psk: s.psk).binderKey(external: false)
            offered.binders = [KeySchedule.binder(hash, binderKey: binderKey, truncatedTranscriptHash: transcriptHash)]
            hello.extensions[hello.extensions.count - 1] = TLSExtension(type: .preSharedKey, body: offered.emit())
        }
        clientSide.offeredExtensions = hello.extensions.map { $0.type }
        sendHandshake(hello.encoded())
    }

    /// §4.2: a server sends no extension the client did not offer (but a cookie in a HelloRetryRequest),
    /// else unsupported_extension; and in each message only those that message may carry, else
    /// illegal_parameter.
    func checkAnswered(_ extensions: [TLSExtension], allowed: [ExtensionType], unsolicited: [ExtensionType] = []) throws(TLSError) {
        for ext in extensions where !unsolicited.contains(ext.type) {
            guard clientSide.offeredExtensions.contains(ext.type) else { throw TLSError.alert(.unsupportedExtension) }
            guard allowed.contains(ext.type) else { throw TLSError.alert(.illegalParameter) }
        }
    }

    // MARK: 2. ServerHello or HelloRetryRequest

    mutating func clientReceiveServerHello(_ message: HandshakeMessage, now: Instant) throws(TLSError) {
        guard let context = clientContext else { throw TLSError.alert(.internalError) }
        let configuration = context.configuration
        let hello = try ServerHello(parsing: message.body)
        // §4.1.3: a TLS 1.3 server always sends supported_versions; without it the server chose TLS 1.2
        // or older, which this client does not speak; the downgrade sentinel marks an attack.
        guard let versionBody = hello.extensions.body(of: .supportedVersions) else {
            let tail = Array(hello.random.suffix(8))
            if tail == ServerHello.downgradeTLS12 || tail == ServerHello.downgradeTLS11 { throw TLSError.alert(.illegalParameter) }
            throw TLSError.alert(.protocolVersion)
        }
        guard try SupportedVersionsExtension.parseServer(versionBody) == .tls13,
              hello.legacySessionIDEcho == clientSide.sessionID,
              hello.legacyCompressionMethod == 0,
              configuration.cipherSuites.contains(hello.cipherSuite), hello.cipherSuite.isSupported
        else { throw TLSError.alert(.illegalParameter) }
        if let retrySuite = clientSide.retrySuite, retrySuite != hello.cipherSuite { throw TLSError.alert(.illegalParameter) }
        let suite = hello.cipherSuite

        if hello.isHelloRetryRequest {
            // §4.1.4: one retry, for a group offered but not yet shared, that changes something.
            guard !clientSide.retried else { throw TLSError.alert(.unexpectedMessage) }
            try checkAnswered(hello.extensions, allowed: [.supportedVersions, .keyShare], unsolicited: [.cookie])
            guard let shareBody = hello.extensions.body(of: .keyShare) else { throw TLSError.alert(.illegalParameter) }
            let group = try KeyShareExtension.parseHelloRetryRequest(shareBody)
            guard configuration.groups.contains(group), KeySharePrivate.isSupported(group),
                  !clientSide.shares.contains(where: { $0.group == group })
            else { throw TLSError.alert(.illegalParameter) }
            if let body = hello.extensions.body(of: .cookie) { clientSide.cookie = try CookieExtension.parse(body) }
            clientSide.retried = true
            clientSide.retrySuite = suite
            transcript.choose(suite.hash)
            transcript.replaceWithMessageHash()
            transcript.add(message.encoded)
            let (secret, _) = try KeySharePrivate.generate(group, random: random)
            clientSide.shares.append((group, secret))
            try flushHandshake()
            try sendChangeCipherSpec()
            try sendClientHello(now: now)
            return
        }

        try checkAnswered(hello.extensions, allowed: [.supportedVersions, .keyShare, .preSharedKey])
        guard let shareBody = hello.extensions.body(of: .keyShare) else { throw TLSError.alert(.missingExtension) }
        let share = try KeyShareExtension.parseServer(shareBody)
        guard let ours = clientSide.shares.last, ours.group == share.group else { throw TLSError.alert(.illegalParameter) }
        var psk: [UInt8]? = nil
        if let body = hello.extensions.body(of: .preSharedKey) {
            let selected = try PreSharedKeyExtension.parseServer(body)
            guard let session = clientSide.offeredSession, selected == 0, session.suite.hash == suite.hash else {
                throw TLSError.alert(.illegalParameter)
            }
            psk = session.psk
            applicationProtocol = session.applicationProtocol
        }
        resumed = psk != nil
        if !clientSide.retried { transcript.choose(suite.hash) }
        transcript.add(message.encoded)
        cipherSuite = suite
        let shared = try ours.secret.sharedSecret(with: share.keyExchange)
        var keys = KeySchedule(suite: suite, psk: psk)
        let (clientSecret, serverSecret) = keys.handshakeSecrets(sharedSecret: shared, transcriptHash: transcript.currentHash())
        schedule = keys
        clientHandshakeSecret = clientSecret
        serverHandshakeSecret = serverSecret
        logSecret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", clientSecret)
        logSecret("SERVER_HANDSHAKE_TRAFFIC_SECRET", serverSecret)
        try setReadKey(serverSecret)
        clientSide.shares = []
        state = .clientWaitEncryptedExtensions
    }

    // MARK: 3. the server's encrypted flight

    mutating func clientReceiveEncryptedExtensions(_ message: HandshakeMessage) throws(TLSError) {
        guard let context = clientContext else { throw TLSError.alert(.internalError) }
        let encrypted = try EncryptedExtensions(parsing: message.body)
        // §4.2: of what the client offers, EncryptedExtensions may answer the name (empty), the groups
        // (the server's preference) and ALPN; the rest belong in ServerHello or nowhere.
        try checkAnswered(encrypted.extensions, allowed: [.serverName, .supportedGroups, .applicationLayerProtocolNegotiation])
        if let body = encrypted.extensions.body(of: .serverName), !body.isEmpty { throw TLSError.alert(.decodeError) }
        if let body = encrypted.extensions.body(of: .applicationLayerProtocolNegotiation) {
            let chosen = try ALPNExtension.parse(body)
            guard chosen.count == 1, context.configuration.applicationProtocols.contains(chosen[0]) else {
                throw TLSError.alert(context.configuration.applicationProtocols.isEmpty ? .unsupportedExtension : .illegalParameter)
            }
            applicationProtocol = chosen[0]
        }
        transcript.add(message.encoded)
        state = resumed ? .clientWaitFinished : .clientWaitCertificate
    }

    mutating func clientReceiveCertificateRequest(_ message: HandshakeMessage) throws(TLSError) {
        guard clientSide.certificateRequestContext == nil else { throw TLSError.alert(.unexpectedMessage) }
        let request = try CertificateRequest(parsing: message.body)
        clientSide.certificateRequestContext = request.requestContext
        transcript.add(message.encoded)
    }

    mutating func clientReceiveCertificate(_ message: HandshakeMessage) throws(TLSError) {
        guard let context = clientContext else { throw TLSError.alert(.internalError) }
        let certificate = try CertificateMessage(parsing: message.body)
        // §4.4.2: the server's request context is empty; §4.4.2.4: an empty chain is decode_error.
        guard certificate.requestContext.isEmpty else { throw TLSError.alert(.illegalParameter) }
        guard let first = certificate.entries.first else { throw TLSError.alert(.decodeError) }
        // §4.4.2: entry extensions answer status_request or signed_certificate_timestamp, never offered.
        for entry in certificate.entries { try checkAnswered(entry.extensions, allowed: []) }
        let leaf: Certificate
        var intermediates: [Certificate] = []
        do {
            leaf = try Certificate(derEncoded: first.data)
            for entry in certificate.entries.dropFirst() { intermediates.append(try Certificate(derEncoded: entry.data)) }
        } catch {
            throw TLSError.alert(.badCertificate)
        }
        if context.configuration.verifyCertificates {
            let validator = ChainValidator(trustStore: context.configuration.trustStore, verifier: SignatureVerifier())
            do {
                _ = try validator.validate(leaf: leaf, intermediates: intermediates, now: clientSide.validationTime,
                                           hostName: String(decoding: clientSide.hostName, as: UTF8.self))
            } catch {
                throw TLSError.alert(Self.alert(for: error))
            }
        }
        clientSide.peerCertificate = leaf
        transcript.add(message.encoded)
        state = .clientWaitCertificateVerify
    }

    /// The alert for a refused chain (§6.2).
    static func alert(for error: CertificateError) -> AlertDescription {
        switch error {
        case .expired, .notYetValid: .certificateExpired
        case .unknownIssuer: .unknownCA
        case .unsupportedAlgorithm: .unsupportedCertificate
        default: .badCertificate
        }
    }

    mutating func clientReceiveCertificateVerify(_ message: HandshakeMessage) throws(TLSError) {
        guard let leaf = clientSide.peerCertificate else { throw TLSError.alert(.internalError) }
        let verify = try CertificateVerify(parsing: message.body)
        guard clientSide.offeredSchemes.contains(verify.scheme) else { throw TLSError.alert(.illegalParameter) }
        let content = CertificateVerifyContent.make(server: true, transcriptHash: transcript.currentHash())
        try TLSSignatureCheck.verify(scheme: verify.scheme, publicKey: leaf.publicKey, content: content, signature: verify.signature)
        transcript.add(message.encoded)
        state = .clientWaitFinished
    }

    mutating func clientReceiveFinished(_ message: HandshakeMessage, now: Instant, events: inout TLSEvents) throws(TLSError) {
        guard let suite = cipherSuite, var keys = schedule else { throw TLSError.alert(.internalError) }
        let hash = suite.hash
        let finished = try Finished(parsing: message.body, hashLength: hash.digestLength)
        guard KeySchedule.verifyFinished(hash, baseKey: serverHandshakeSecret, transcriptHash: transcript.currentHash(),
                                         received: finished.verifyData)
        else { throw TLSError.alert(.decryptError) }
        transcript.add(message.encoded)
        let (clientApplication, serverApplication) = deriveApplicationSecrets(&keys, transcriptHash: transcript.currentHash())
        readApplicationSecret = serverApplication
        try setReadKey(serverApplication)
        limitPostHandshakeMessages()

        // 4. The client's flight: change_cipher_spec (§D.4), an empty Certificate when one was asked for
        // (§4.4.2.4: this client has none), Finished.
        try flushHandshake()
        try sendChangeCipherSpec()
        try setWriteKey(clientHandshakeSecret)
        if let context = clientSide.certificateRequestContext {
            sendHandshake(CertificateMessage(requestContext: context, entries: []).encoded())
        }
        let verifyData = KeySchedule.finishedVerifyData(hash, baseKey: clientHandshakeSecret, transcriptHash: transcript.currentHash())
        sendHandshake(Finished(verifyData: verifyData).encoded())
        resumptionMasterSecret = keys.resumptionMasterSecret(transcriptHash: transcript.currentHash())
        schedule = keys
        writeApplicationSecret = clientApplication
        try setWriteKey(clientApplication)
        clientHandshakeSecret = []
        serverHandshakeSecret = []
        state = .connected
        events.handshakeCompleted = true
    }

    // MARK: after the handshake

    mutating func clientReceiveNewSessionTicket(_ message: HandshakeMessage, now: Instant, events: inout TLSEvents) throws(TLSError) {
        guard let suite = cipherSuite, let context = clientContext else { throw TLSError.alert(.internalError) }
        let ticket = try NewSessionTicket(parsing: message.body)
        // §4.6.1: at most seven days; zero means "do not use".
        guard ticket.lifetime <= 604_800 else { throw TLSError.alert(.illegalParameter) }
        guard ticket.lifetime > 0 else { return }
        let session = TLSSession(serverName: clientSide.hostName, suite: suite, ticket: ticket.ticket,
                                 psk: KeySchedule.resumptionPSK(suite.hash, resumptionMasterSecret: resumptionMasterSecret, ticketNonce: ticket.nonce),
                                 ageAdd: ticket.ageAdd, lifetimeSeconds: ticket.lifetime, received: now,
                                 applicationProtocol: applicationProtocol)
        context.store(session)
        events.session = session
    }
}
