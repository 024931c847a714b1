// SwiftletTLS / Connection: one TLS 1.3 connection as a sans-I/O state machine (RFC 8446). Bytes from the
// transport go in (`receive(_:now:)`), with the time; bytes for the transport come out (`takeOutput()`),
// and so does decrypted application data (`takeApplicationData()`). Nothing here does I/O or reads a
// clock, so tests drive two connections against each other, or against recorded bytes, and fuzzers feed
// it anything.
//
// This file holds what both sides share: the record layer (§5: framing, protection, the change_cipher_spec
// compatibility records of §D.4), alerts (§6), application data, KeyUpdate (§4.6.3) and closing.
// `TLSConnection+Server.swift` and `TLSConnection+Client.swift` hold the two handshakes.
//
// Invariants:
// - after any error the connection is `.closed`; the alert this side owes is already in the output;
// - read and write keys change only at message boundaries: a key change while a handshake message is
//   partly received is unexpected_message (§5.1);
// - handshake messages are queued and leave in as few records as the key changes allow.

import Swiftlet
import SwiftletCrypto

/// What one `receive` brought about, besides application data.
public struct TLSEvents: Sendable {
    /// The handshake finished during this call.
    public var handshakeCompleted = false
    /// The peer sent close_notify: it will send no more data (this side may still send).
    public var peerClosed = false
    /// A client received a session ticket (also stored in its context).
    public var session: TLSSession?
    public init() {}
}

/// Where a connection is.
public enum TLSState: Hashable, Sendable {
    case serverWaitClientHello
    case serverWaitSecondClientHello
    case serverWaitFinished
    case clientWaitServerHello
    case clientWaitEncryptedExtensions
    case clientWaitCertificate
    case clientWaitCertificateVerify
    case clientWaitFinished
    /// The handshake is done; application data flows both ways.
    case connected
    /// After a fatal alert (sent or received) or a failure: nothing more flows.
    case closed
}

public struct TLSConnection<Random: Entropy> {
    enum Role {
        case server(TLSServerContext<Random>)
        case client(TLSClientContext<Random>)
    }

    /// Change_cipher_spec records accepted during a handshake (§D.4 expects one; more is a peer playing).
    static var maximumChangeCipherSpecs: Int { 4 }
    /// Records one write key may protect before this side updates it: AES-GCM's confidentiality limit is
    /// 2^24.5 full records (§5.5), so update at 2^24.
    static var recordsPerKey: UInt64 { 1 << 24 }
    /// Bytes of undecryptable early data a server skips after refusing 0-RTT (§4.2.10); a client that
    /// sends more is broken or hostile.
    static var maximumSkippedEarlyData: Int { 1 << 16 }
    /// The longest ClientHello a server takes (real ones are under 2 KiB, with post-quantum shares).
    static var maximumClientHelloLength: Int { 32768 }
    /// After the handshake: the longest post-handshake message a server takes (KeyUpdate has one byte),
    /// and a client (NewSessionTicket, with a ticket of some kilobytes at most).
    static var maximumPostHandshakeMessageToServer: Int { 16 }
    static var maximumPostHandshakeMessageToClient: Int { 16384 }
    /// Records in a row that bring no application data (empty records, KeyUpdates, tickets, user_canceled)
    /// before the connection is closed as a flood (OpenSSL and BoringSSL use 32).
    static var maximumRecordsWithoutData: Int { 32 }

    let role: Role
    public internal(set) var state: TLSState
    var records = RecordReader()
    var handshake = HandshakeReassembler()
    var readProtection: RecordProtection?
    var writeProtection: RecordProtection?
    var output: [UInt8] = []
    var pendingHandshake: [UInt8] = []
    var received: [UInt8] = []
    var transcript = Transcript()
    var schedule: KeySchedule?
    /// The negotiated suite, once ServerHello is sent or received.
    public internal(set) var cipherSuite: CipherSuite?
    var clientHandshakeSecret: [UInt8] = []
    var serverHandshakeSecret: [UInt8] = []
    var readApplicationSecret: [UInt8] = []
    var writeApplicationSecret: [UInt8] = []
    var pendingReadApplicationSecret: [UInt8] = []
    var resumptionMasterSecret: [UInt8] = []
    var exporterMasterSecret: [UInt8] = []
    /// The client's random, which names the connection in a key log.
    var clientRandom: [UInt8] = []
    /// When true, secrets are written in NSS key log format (what `SSLKEYLOGFILE` names) for
    /// `takeKeyLog()`, so that Wireshark can decrypt a capture. For debugging only.
    public var keyLogEnabled = false
    var keyLog: [UInt8] = []
    var changeCipherSpecs = 0
    var recordsWithoutData = 0
    /// A KeyUpdate with update_requested arrived: one of ours goes out at the end of this `receive`,
    /// however many asked for it (§4.6.3).
    var owesKeyUpdate = false
    var sentChangeCipherSpec = false
    var earlyDataToSkip = 0
    /// The peer sent close_notify.
    public internal(set) var peerClosed = false
    /// This side sent close_notify.
    public internal(set) var closeSent = false
    /// The ALPN protocol agreed on, if any.
    public internal(set) var applicationProtocol: [UInt8]?
    /// The server name the client asked for (SNI), if any.
    public internal(set) var serverName: [UInt8]?
    /// Whether the handshake resumed a session (PSK).
    public internal(set) var resumed = false
    /// The alert that ended the connection, sent or received.
    public internal(set) var closingAlert: TLSError?
    // Per-side handshake state.
    var serverSide = ServerHandshakeState()
    var clientSide = ClientHandshakeState()

    var random: Random {
        switch role {
        case .server(let context): context.random
        case .client(let context): context.random
        }
    }

    var isServer: Bool {
        if case .server = role { return true }
        return false
    }

    init(role: Role, state: TLSState) {
        self.role = role
        self.state = state
        if case .server = role { handshake = HandshakeReassembler(maximumMessageLength: Self.maximumClientHelloLength) }
    }

    /// Once connected, post-handshake messages are short: a smaller limit for the reassembler. Called
    /// after the read key changed, so nothing is buffered.
    mutating func limitPostHandshakeMessages() {
        handshake = HandshakeReassembler(maximumMessageLength: isServer
            ? Self.maximumPostHandshakeMessageToServer : Self.maximumPostHandshakeMessageToClient)
    }

    /// Whether application data can be sent.
    public var isConnected: Bool { state == .connected && !closeSent }

    /// Whether the connection is over in both directions (or failed).
    public var isClosed: Bool { state == .closed || (closeSent && peerClosed) }

    // MARK: transport side

    /// Bytes for the transport; the connection forgets them.
    public mutating func takeOutput() -> [UInt8] {
        let out = output
        output = []
        return out
    }

    /// Key log lines ("LABEL client_random secret" in hex, one per line) since the last call.
    public mutating func takeKeyLog() -> [UInt8] {
        let log = keyLog
        keyLog = []
        return log
    }

    /// Adds a key log line when key logging is on (NSS key log format).
    mutating func logSecret(_ label: String, _ secret: [UInt8]) {
        guard keyLogEnabled else { return }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        keyLog.append(contentsOf: label.utf8)
        keyLog.append(UInt8(ascii: " "))
        for b in clientRandom { keyLog.append(digits[Int(b >> 4)]); keyLog.append(digits[Int(b & 15)]) }
        keyLog.append(UInt8(ascii: " "))
        for b in secret { keyLog.append(digits[Int(b >> 4)]); keyLog.append(digits[Int(b & 15)]) }
        keyLog.append(UInt8(ascii: "\n"))
    }

    /// The application traffic secrets and the exporter master secret from the transcript through the
    /// server's Finished (§7.1), logged when key logging is on. Returns (client, server).
    mutating func deriveApplicationSecrets(_ keys: inout KeySchedule, transcriptHash: [UInt8]) -> ([UInt8], [UInt8]) {
        let (client, server) = keys.applicationSecrets(transcriptHash: transcriptHash)
        exporterMasterSecret = keys.exporterMasterSecret(transcriptHash: transcriptHash)
        logSecret("CLIENT_TRAFFIC_SECRET_0", client)
        logSecret("SERVER_TRAFFIC_SECRET_0", server)
        logSecret("EXPORTER_SECRET", exporterMasterSecret)
        return (client, server)
    }

    /// Whether bytes wait for the transport.
    public var hasOutput: Bool { !output.isEmpty }

    /// Decrypted application data received so far; the connection forgets it.
    public mutating func takeApplicationData() -> [UInt8] {
        let data = received
        received = []
        return data
    }

    /// Application data bytes waiting to be taken.
    public var receivedCount: Int { received.count }

    /// Processes bytes from the transport. On a fault it queues the alert (take the output and send it),
    /// closes the connection and throws.
    public mutating func receive(_ bytes: [UInt8], now: Instant) throws(TLSError) -> TLSEvents {
        guard state != .closed else { throw TLSError.closed }
        var events = TLSEvents()
        records.append(bytes)
        do {
            while state != .closed, let record = try records.next() {
                try process(record, now: now, events: &events)
            }
            if owesKeyUpdate {
                owesKeyUpdate = false
                if !closeSent { try updateKeys(requestPeerUpdate: false) }
            }
            try flushHandshake()
        } catch {
            fail(error)
            throw error
        }
        return events
    }

    /// Ends the connection after a fault: the alert this side owes goes out (encrypted if keys are set).
    mutating func fail(_ error: TLSError) {
        if state == .closed { return }
        pendingHandshake = []
        if case .alert(let description) = error {
            try? writeRecord(type: .alert, content: [AlertLevel.fatal.rawValue, description.rawValue])
        }
        closingAlert = error
        state = .closed
    }

    mutating func process(_ record: TLSRecord, now: Instant, events: inout TLSEvents) throws(TLSError) {
        // §6.1: anything after the peer's close_notify is ignored.
        if peerClosed { return }
        // §D.4: a plaintext change_cipher_spec of one byte 0x01, between the first ClientHello and the
        // peer's Finished, is ignored; any other is unexpected_message (§5).
        if record.header.type == .changeCipherSpec {
            let handshaking = state != .connected && state != .serverWaitClientHello
            guard handshaking, record.fragment == [1], changeCipherSpecs < Self.maximumChangeCipherSpecs else {
                throw TLSError.alert(.unexpectedMessage)
            }
            changeCipherSpecs += 1
            return
        }
        var type = record.header.type
        var content = record.fragment
        if let protection = readProtection, type == .alert, state == .serverWaitFinished, protection.sequenceNumber == 0 {
            // A client that refuses the server's flight (its certificate, say) before it has switched to
            // its handshake key sends its alert in plaintext: OpenSSL's does. Read it as the client's
            // alert until a record has opened under that key (OpenSSL's server allows the same).
            guard content.count <= 16384 else { throw TLSError.alert(.recordOverflow) }
        } else if readProtection != nil {
            guard type == .applicationData else { throw TLSError.alert(.unexpectedMessage) }
            do throws(TLSError) {
                guard var protection = readProtection else { throw TLSError.alert(.internalError) }
                (type, content) = try protection.open(headerBytes: record.headerBytes, fragment: record.fragment)
                readProtection = protection
            } catch {
                // §4.2.10: a server that refused 0-RTT skips records it cannot decrypt, up to a limit.
                guard error == .alert(.badRecordMAC), earlyDataToSkip >= record.fragment.count else { throw error }
                earlyDataToSkip -= record.fragment.count
                return
            }
            earlyDataToSkip = 0
        } else if type == .applicationData, state == .serverWaitSecondClientHello, !handshake.hasPartialMessage,
                  earlyDataToSkip >= content.count {
            // §4.2.10: early data sent before the client saw the HelloRetryRequest.
            earlyDataToSkip -= content.count
            return
        } else {
            guard type == .handshake || type == .alert else { throw TLSError.alert(.unexpectedMessage) }
            // §5.1: a plaintext record holds at most 2^14 bytes.
            guard content.count <= 16384 else { throw TLSError.alert(.recordOverflow) }
        }
        // §5.1: a handshake message must not be interleaved with other record types.
        if type != .handshake && handshake.hasPartialMessage { throw TLSError.alert(.unexpectedMessage) }
        // A flood of records that carry no data (each costs a decryption, KeyUpdates a derivation).
        if state == .connected {
            if type == .applicationData && !content.isEmpty {
                recordsWithoutData = 0
            } else {
                recordsWithoutData += 1
                guard recordsWithoutData <= Self.maximumRecordsWithoutData else { throw TLSError.alert(.unexpectedMessage) }
            }
        }
        switch type {
        case .handshake:
            try handshake.append(content)
            while state != .closed, let message = try handshake.next() {
                try handle(message, now: now, events: &events)
            }
        case .alert:
            let alert = try Alert(parsing: content)
            if alert.description == .closeNotify {
                peerClosed = true
                events.peerClosed = true
            } else if alert.description == .userCanceled {
                // §6.1: user_canceled is followed by close_notify; nothing to do yet.
            } else {
                closingAlert = .peerAlert(alert.description)
                state = .closed
                throw TLSError.peerAlert(alert.description)
            }
        case .applicationData:
            // Only after the handshake (0-RTT is refused) and before the peer's close_notify.
            guard state == .connected, !peerClosed else { throw TLSError.alert(.unexpectedMessage) }
            received.append(contentsOf: content)
        default:
            throw TLSError.alert(.unexpectedMessage)
        }
    }

    /// Routes one handshake message by state.
    mutating func handle(_ message: HandshakeMessage, now: Instant, events: inout TLSEvents) throws(TLSError) {
        switch (state, message.type) {
        case (.serverWaitClientHello, .clientHello), (.serverWaitSecondClientHello, .clientHello):
            try serverReceiveClientHello(message, now: now)
        case (.serverWaitFinished, .finished):
            try serverReceiveFinished(message, now: now, events: &events)
        case (.clientWaitServerHello, .serverHello):
            try clientReceiveServerHello(message, now: now)
        case (.clientWaitEncryptedExtensions, .encryptedExtensions):
            try clientReceiveEncryptedExtensions(message)
        case (.clientWaitCertificate, .certificateRequest):
            try clientReceiveCertificateRequest(message)
        case (.clientWaitCertificate, .certificate):
            try clientReceiveCertificate(message)
        case (.clientWaitCertificateVerify, .certificateVerify):
            try clientReceiveCertificateVerify(message)
        case (.clientWaitFinished, .finished):
            try clientReceiveFinished(message, now: now, events: &events)
        case (.connected, .keyUpdate):
            try receiveKeyUpdate(message)
        case (.connected, .newSessionTicket) where !isServer:
            try clientReceiveNewSessionTicket(message, now: now, events: &events)
        default:
            // Out of order, or a message this side never asked for (a client Certificate, say).
            throw TLSError.alert(.unexpectedMessage)
        }
    }

    // MARK: writing records

    /// Appends one record of `content` (≤ 2^14 bytes) under the current write key, or in plaintext before
    /// there is one.
    mutating func writeRecord(type: ContentType, content: [UInt8]) throws(TLSError) {
        if var protection = writeProtection {
            output.append(contentsOf: try protection.seal(content, type: type))
            writeProtection = protection
        } else {
            output.append(contentsOf: RecordWriter.plaintextRecords(type: type, content: content))
        }
    }

    /// Queues a handshake message: into the transcript and out with the next flush.
    mutating func sendHandshake(_ encoded: [UInt8], transcribe: Bool = true) {
        if transcribe { transcript.add(encoded) }
        pendingHandshake.append(contentsOf: encoded)
    }

    /// Writes the queued handshake messages in records of at most 2^14 bytes under the current write key.
    mutating func flushHandshake() throws(TLSError) {
        var start = 0
        while start < pendingHandshake.count {
            let end = min(start + 16384, pendingHandshake.count)
            try writeRecord(type: .handshake, content: Array(pendingHandshake[start..<end]))
            start = end
        }
        pendingHandshake = []
    }

    /// The compatibility change_cipher_spec record (§D.4), at most once per connection.
    mutating func sendChangeCipherSpec() throws(TLSError) {
        guard !sentChangeCipherSpec else { return }
        try flushHandshake()
        output.append(contentsOf: RecordWriter.plaintextRecords(type: .changeCipherSpec, content: [1]))
        sentChangeCipherSpec = true
    }

    /// Installs a new read key; refuses when a handshake message straddles the change (§5.1).
    mutating func setReadKey(_ secret: [UInt8]) throws(TLSError) {
        guard !handshake.hasPartialMessage, let suite = cipherSuite else { throw TLSError.alert(.unexpectedMessage) }
        readProtection = try RecordProtection(suite: suite, trafficSecret: secret)
    }

    /// Flushes what was queued under the old key, then installs a new write key.
    mutating func setWriteKey(_ secret: [UInt8]) throws(TLSError) {
        guard let suite = cipherSuite else { throw TLSError.alert(.internalError) }
        try flushHandshake()
        writeProtection = try RecordProtection(suite: suite, trafficSecret: secret)
    }

    // MARK: application side

    /// Encrypts `data` into records for the transport (take them with `takeOutput()`).
    /// - Throws: `.closed` before the handshake is done or after close.
    public mutating func send(_ data: [UInt8]) throws(TLSError) {
        guard state == .connected, !closeSent else { throw TLSError.closed }
        var start = 0
        repeat {
            let end = min(start + 16384, data.count)
            if let protection = writeProtection, protection.sequenceNumber >= Self.recordsPerKey {
                try updateKeys(requestPeerUpdate: false)
            }
            try writeRecord(type: .applicationData, content: Array(data[start..<end]))
            start = end
        } while start < data.count
    }

    /// Sends close_notify (§6.1): no more data from this side. Receiving goes on until the peer closes.
    public mutating func close() {
        guard state != .closed, !closeSent else { return }
        do throws(TLSError) {
            try flushHandshake()
            try writeRecord(type: .alert, content: [AlertLevel.warning.rawValue, AlertDescription.closeNotify.rawValue])
        } catch {
            state = .closed
        }
        closeSent = true
    }

    /// Sends KeyUpdate (§4.6.3) and moves this side's write key on; with `requestPeerUpdate`, asks the
    /// peer to do the same.
    public mutating func updateKeys(requestPeerUpdate: Bool) throws(TLSError) {
        guard state == .connected, !closeSent, let suite = cipherSuite else { throw TLSError.closed }
        sendHandshake(KeyUpdate(requestUpdate: requestPeerUpdate).encoded(), transcribe: false)
        try flushHandshake()
        writeApplicationSecret = KeySchedule.nextApplicationTrafficSecret(suite.hash, writeApplicationSecret)
        try setWriteKey(writeApplicationSecret)
    }

    mutating func receiveKeyUpdate(_ message: HandshakeMessage) throws(TLSError) {
        let update = try KeyUpdate(parsing: message.body)
        guard let suite = cipherSuite else { throw TLSError.alert(.internalError) }
        readApplicationSecret = KeySchedule.nextApplicationTrafficSecret(suite.hash, readApplicationSecret)
        try setReadKey(readApplicationSecret)
        // §4.6.3: answer a request with an update of our own (not requesting one back), unless closed;
        // once, at the end of this `receive`, however many requests came in it.
        if update.requestUpdate { owesKeyUpdate = true }
    }

    /// Derives keying material from the exporter master secret (RFC 8446 §7.5), once connected.
    public func exportKeyingMaterial(label: String, context: [UInt8], length: Int) throws(TLSError) -> [UInt8] {
        guard state == .connected, let suite = cipherSuite, !exporterMasterSecret.isEmpty else { throw TLSError.closed }
        return KeySchedule.exporter(suite.hash, exporterMasterSecret: exporterMasterSecret, label: label, context: context, length: length)
    }
}
