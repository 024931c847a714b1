// SwiftletTLS / Crypto: the TLS 1.3 key schedule (RFC 8446 §7.1) and the secrets derived from it: PSK
// binders (§4.2.11.2), Finished (§4.4.4), KeyUpdate (§7.2), resumption PSKs (§4.6.1) and exporters (§7.5).
//
//              0 (or PSK) -> HKDF-Extract = Early Secret -> binder keys, client_early_traffic_secret
//                   Derive-Secret(., "derived", "") -> salt
//   (EC)DHE -> HKDF-Extract = Handshake Secret -> c/s hs traffic (transcript ClientHello..ServerHello)
//                   Derive-Secret(., "derived", "") -> salt
//         0 -> HKDF-Extract = Master Secret -> c/s ap traffic, exp master (..server Finished),
//                                              res master (..client Finished)
//
// Invariants: the stages run in this order, each once (`handshakeSecrets` then `applicationSecrets`; the
// master-secret derivations after `applicationSecrets`). Calling them out of order is a programming error
// of the handshake machine and traps; nothing here depends on peer input except the byte values hashed.
// Every secret is Hash.length bytes of the suite's hash.

import SwiftletCrypto

/// One connection's key schedule for a negotiated cipher suite.
public struct KeySchedule {
    /// The suite whose hash runs the schedule.
    public let suite: CipherSuite
    /// `suite.hash`.
    let hash: HashAlgorithm
    /// The secret of the current stage: Early, then Handshake, then Master Secret.
    private var secret: [UInt8]
    private var stage: Stage

    private enum Stage { case early, handshake, master }

    /// The current stage's secret (Early, Handshake or Master Secret), for the RFC 8448 tests.
    var stageSecret: [UInt8] { secret }

    /// Early Secret = HKDF-Extract(0, PSK), the PSK being HashLen zeros when `psk` is nil (§7.1).
    public init(suite: CipherSuite, psk: [UInt8]?) {
        self.suite = suite
        hash = suite.hash
        let zeros = [UInt8](repeating: 0, count: hash.digestLength)
        secret = TLSKeyDerivation.extract(hash, salt: zeros, inputKeyMaterial: psk ?? zeros)
        stage = .early
    }

    /// The binder key (§7.1): Derive-Secret(Early Secret, "ext binder" for an external PSK or "res binder"
    /// for a resumption one, ""). Only before `handshakeSecrets`.
    public func binderKey(external: Bool) -> [UInt8] {
        precondition(stage == .early, "KeySchedule: binder key after the early stage")
        return TLSKeyDerivation.deriveSecret(hash, secret: secret, label: external ? "ext binder" : "res binder",
                                             transcriptHash: TLSKeyDerivation.emptyHash(hash))
    }

    /// client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello) (§7.1).
    public func clientEarlyTrafficSecret(transcriptHash: [UInt8]) -> [UInt8] {
        precondition(stage == .early, "KeySchedule: early traffic secret after the early stage")
        return TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "c e traffic", transcriptHash: transcriptHash)
    }

    /// Moves to the Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE) and
    /// returns the client and server handshake traffic secrets over ClientHello..ServerHello (§7.1). For
    /// psk_ke (no (EC)DHE) pass HashLen zeros as `sharedSecret`.
    public mutating func handshakeSecrets(sharedSecret: [UInt8], transcriptHash: [UInt8]) -> (client: [UInt8], server: [UInt8]) {
        precondition(stage == .early, "KeySchedule: handshake secrets twice")
        advance(inputKeyMaterial: sharedSecret)
        stage = .handshake
        return (TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "c hs traffic", transcriptHash: transcriptHash),
                TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "s hs traffic", transcriptHash: transcriptHash))
    }

    /// Moves to the Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0) and
    /// returns client/server_application_traffic_secret_0 over ClientHello..server Finished (§7.1).
    public mutating func applicationSecrets(transcriptHash: [UInt8]) -> (client: [UInt8], server: [UInt8]) {
        precondition(stage == .handshake, "KeySchedule: application secrets before handshake secrets, or twice")
        advance(inputKeyMaterial: [UInt8](repeating: 0, count: hash.digestLength))
        stage = .master
        return (TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "c ap traffic", transcriptHash: transcriptHash),
                TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "s ap traffic", transcriptHash: transcriptHash))
    }

    /// exporter_master_secret = Derive-Secret(Master Secret, "exp master", ClientHello..server Finished).
    /// Only after `applicationSecrets`.
    public func exporterMasterSecret(transcriptHash: [UInt8]) -> [UInt8] {
        precondition(stage == .master, "KeySchedule: exporter master secret before the master secret")
        return TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "exp master", transcriptHash: transcriptHash)
    }

    /// resumption_master_secret = Derive-Secret(Master Secret, "res master", ClientHello..client Finished).
    /// Only after `applicationSecrets`.
    public func resumptionMasterSecret(transcriptHash: [UInt8]) -> [UInt8] {
        precondition(stage == .master, "KeySchedule: resumption master secret before the master secret")
        return TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "res master", transcriptHash: transcriptHash)
    }

    /// secret := HKDF-Extract(Derive-Secret(secret, "derived", ""), ikm), the old secret wiped.
    private mutating func advance(inputKeyMaterial: [UInt8]) {
        var salt = TLSKeyDerivation.deriveSecret(hash, secret: secret, label: "derived",
                                                 transcriptHash: TLSKeyDerivation.emptyHash(hash))
        ConstantTime.wipe(&secret)
        secret = TLSKeyDerivation.extract(hash, salt: salt, inputKeyMaterial: inputKeyMaterial)
        ConstantTime.wipe(&salt)
    }

    // MARK: - Values derived from a traffic secret or a transcript (static: no schedule state).

    /// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length); verify_data =
    /// HMAC(finished_key, Transcript-Hash(...)) (§4.4.4). `baseKey` is the sender's handshake traffic secret
    /// (or, for a binder, the binder key).
    public static func finishedVerifyData(_ hash: HashAlgorithm, baseKey: [UInt8], transcriptHash: [UInt8]) -> [UInt8] {
        var finishedKey = TLSKeyDerivation.expandLabel(hash, secret: baseKey, label: "finished", context: [],
                                                       length: hash.digestLength)
        let data = TLSKeyDerivation.hmac(hash, key: finishedKey, message: transcriptHash)
        ConstantTime.wipe(&finishedKey)
        return data
    }

    /// Whether `received` is the verify_data expected (§4.4.4), compared in constant time. A length that is
    /// not Hash.length is simply false (the caller sends decrypt_error for false, §4.4.4; a Finished of the
    /// wrong length is decode_error at the message layer).
    public static func verifyFinished(_ hash: HashAlgorithm, baseKey: [UInt8], transcriptHash: [UInt8], received: [UInt8]) -> Bool {
        let expected = finishedVerifyData(hash, baseKey: baseKey, transcriptHash: transcriptHash)
        return ConstantTime.equal(expected, received)
    }

    /// A PSK binder (§4.2.11.2): computed as a Finished verify_data with the binder key as BaseKey, over the
    /// transcript up to and including the ClientHello truncated before its binders list.
    public static func binder(_ hash: HashAlgorithm, binderKey: [UInt8], truncatedTranscriptHash: [UInt8]) -> [UInt8] {
        finishedVerifyData(hash, baseKey: binderKey, transcriptHash: truncatedTranscriptHash)
    }

    /// Whether `received` is the binder expected (§4.2.11.2), compared in constant time.
    public static func verifyBinder(_ hash: HashAlgorithm, binderKey: [UInt8], truncatedTranscriptHash: [UInt8], received: [UInt8]) -> Bool {
        verifyFinished(hash, baseKey: binderKey, transcriptHash: truncatedTranscriptHash, received: received)
    }

    /// application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "",
    /// Hash.length) (§7.2, KeyUpdate).
    public static func nextApplicationTrafficSecret(_ hash: HashAlgorithm, _ secret: [UInt8]) -> [UInt8] {
        TLSKeyDerivation.expandLabel(hash, secret: secret, label: "traffic upd", context: [], length: hash.digestLength)
    }

    /// The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
    /// Hash.length) (§4.6.1). `ticketNonce` is opaque<0..255> on the wire, so at most 255 bytes (traps past).
    public static func resumptionPSK(_ hash: HashAlgorithm, resumptionMasterSecret: [UInt8], ticketNonce: [UInt8]) -> [UInt8] {
        TLSKeyDerivation.expandLabel(hash, secret: resumptionMasterSecret, label: "resumption", context: ticketNonce,
                                     length: hash.digestLength)
    }

    /// TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(Derive-Secret(exporter_master_secret,
    /// label, ""), "exporter", Hash(context_value), key_length) (§7.5). `label` is the application's
    /// (at most `TLSKeyDerivation.maximumLabelLength` bytes), `length` at most 255 × Hash.length; past
    /// those it traps.
    public static func exporter(_ hash: HashAlgorithm, exporterMasterSecret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        var derived = TLSKeyDerivation.deriveSecret(hash, secret: exporterMasterSecret, label: label,
                                                    transcriptHash: TLSKeyDerivation.emptyHash(hash))
        let out = TLSKeyDerivation.expandLabel(hash, secret: derived, label: "exporter", context: hash.hash(context.span),
                                               length: length)
        ConstantTime.wipe(&derived)
        return out
    }
}
