// SwiftletTLS / Crypto: the handshake transcript hash (RFC 8446 §4.4.1).
//
// Transcript-Hash(M1, ..., Mn) = Hash(M1 || ... || Mn) over the handshake messages as sent (type, 24-bit
// length, body; no record headers). The hash is the negotiated suite's, which is known only once a
// ServerHello or HelloRetryRequest is chosen, so the first message(s) are buffered until `choose`; from
// then on the state is incremental and nothing is kept but the running hash.
//
// Invariants: before `choose`, `buffer` holds every byte added and `hasher` is nil; after, `buffer` is
// empty. The bytes buffered before `choose` are bounded by the handshake layer's message size limit (it
// adds at most ClientHello1 before the hash is known).

import SwiftletCrypto

/// The running transcript hash of a handshake.
public struct Transcript {
    private var buffer: [UInt8] = []
    private var hasher: TranscriptHasher? = nil

    /// A transcript whose hash is not known yet: added bytes are buffered until `choose`.
    public init() {}

    /// Adds one encoded handshake message (its 4-byte header and body).
    public mutating func add(_ encodedMessage: [UInt8]) {
        if hasher != nil {
            hasher?.update(encodedMessage.span)
        } else {
            buffer.append(contentsOf: encodedMessage)
        }
    }

    /// Fixes the hash: hashes what was buffered, then runs incrementally. Choosing the hash already chosen
    /// does nothing; choosing another is a programming error and traps.
    public mutating func choose(_ hash: HashAlgorithm) {
        if let chosen = hasher {
            precondition(chosen.algorithm == hash, "Transcript: the hash was already chosen")
            return
        }
        var h = TranscriptHasher(hash)
        h.update(buffer.span)
        hasher = h
        ConstantTime.wipe(&buffer)
        buffer = []
    }

    /// The chosen hash, nil before `choose`.
    public var hash: HashAlgorithm? { hasher?.algorithm }

    /// Bytes buffered while the hash is not chosen (0 after `choose`).
    public var bufferedCount: Int { buffer.count }

    /// Transcript-Hash of everything added so far. The hash must have been chosen (traps otherwise).
    public func currentHash() -> [UInt8] {
        guard let h = hasher else { preconditionFailure("Transcript: hash not chosen") }
        return h.digest()
    }

    /// Hash of everything added so far plus `extra`, without adding `extra` (a PSK binder over a ClientHello
    /// truncated before its binders, §4.2.11.2). The hash must have been chosen (traps otherwise).
    public func hash(appending extra: [UInt8]) -> [UInt8] {
        guard var h = hasher else { preconditionFailure("Transcript: hash not chosen") }
        h.update(extra.span)
        return h.digest()
    }

    /// Hash with `algorithm` of everything added so far plus `extra`, whether or not the hash is chosen
    /// (a client computes binders for each offered PSK's hash before the server picks a suite). When the
    /// hash is chosen, `algorithm` must be it (traps otherwise).
    public func hash(_ algorithm: HashAlgorithm, appending extra: [UInt8]) -> [UInt8] {
        if let chosen = hasher {
            precondition(chosen.algorithm == algorithm, "Transcript: another hash was chosen")
            return hash(appending: extra)
        }
        var h = TranscriptHasher(algorithm)
        h.update(buffer.span)
        h.update(extra.span)
        return h.digest()
    }

    /// §4.4.1: after a HelloRetryRequest, replaces ClientHello1 with the synthetic message
    /// message_hash(254) || 00 00 Hash.length || Hash(ClientHello1). Call with the hash chosen and only
    /// ClientHello1 added (then add the HelloRetryRequest and go on). Traps when the hash is not chosen.
    public mutating func replaceWithMessageHash() {
        guard let h = hasher else { preconditionFailure("Transcript: hash not chosen") }
        let digest = h.digest()
        var fresh = TranscriptHasher(h.algorithm)
        let header: [UInt8] = [HandshakeType.messageHash.rawValue, 0, 0, UInt8(digest.count)]
        fresh.update(header.span)
        fresh.update(digest.span)
        hasher = fresh
    }
}
