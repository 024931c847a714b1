// SwiftletTLS / Crypto: server session tickets sealed under the server's own rotating keys (the idea of
// RFC 5077 §4, in a format of our own; RFC 8446 §4.6.1 leaves the ticket opaque to the client).
//
//   ticket = key name (16) || nonce (12, random) || AES-256-GCM(key, nonce, aad = key name, state) || tag (16)
//
// Invariants: at most two keys live, the current one (which seals) and the previous one (which still opens,
// so tickets issued just before a rotation stay good for one more period); a rotation forgets the older.
// Key names and keys come from the caller's `Entropy`; no clock is read (the connection layer decides when to
// rotate). `open` takes peer bytes: it bounds their length, checks every length before slicing, and answers
// nil for anything it cannot authenticate, never throwing or trapping. Ticket lifetime and replay are the
// handshake's business (the sealed state carries the issue time).

import Swiftlet
import SwiftletCrypto

/// The server's ticket-encryption keys: the current one and the previous one.
public struct TicketKeys {
    /// Bytes in a key name.
    public static let nameLength = 16
    /// Bytes in a ticket's nonce.
    public static let nonceLength = 12
    /// Bytes in the AES-GCM tag.
    public static let tagLength = 16
    /// Bytes a ticket adds to its plaintext: name, nonce and tag.
    public static let overhead = nameLength + nonceLength + tagLength
    /// Longest ticket: NewSessionTicket.ticket is opaque<1..2^16-1> (§4.6.1). `open` refuses longer input.
    public static let maximumTicketLength = 0xFFFF

    struct Key {
        let name: [UInt8]
        let aead: AES256GCM
    }

    private var current: Key
    private var previous: Key?

    /// A key set with one fresh key (16-byte name and AES-256-GCM key drawn from `random`) and no previous.
    public init<R: Entropy>(random: R) {
        current = Self.makeKey(random)
        previous = nil
    }

    /// Makes a fresh current key; the old current becomes the previous one and the older is forgotten.
    public mutating func rotate<R: Entropy>(random: R) {
        previous = current
        current = Self.makeKey(random)
    }

    /// The name of the key that seals now (for tests and logs; names are public, they lead every ticket).
    public var currentName: [UInt8] { current.name }

    /// Seals `plaintext` (the server's resumption state) under the current key with a random nonce:
    /// name || nonce || ciphertext || tag. `plaintext` is this server's own encoding: at most
    /// `maximumTicketLength - overhead` bytes (traps past that: a programming error).
    public func seal<R: Entropy>(_ plaintext: [UInt8], random: R) -> [UInt8] {
        precondition(plaintext.count <= Self.maximumTicketLength - Self.overhead, "TicketKeys: ticket state too long")
        var nonce = [UInt8](repeating: 0, count: Self.nonceLength)
        var nonceSpan = nonce.mutableSpan
        random.fill(&nonceSpan)
        var out: [UInt8] = []
        out.reserveCapacity(plaintext.count + Self.overhead)
        out.append(contentsOf: current.name)
        out.append(contentsOf: nonce)
        out.append(contentsOf: plaintext)
        let start = Self.nameLength + Self.nonceLength
        let tag: [UInt8]
        do {
            var text = out.mutableSpan._consumingExtracting(start..<(start + plaintext.count))
            tag = try current.aead.seal(&text, nonce: nonce.span, authenticating: current.name.span)
        } catch {
            // Only past the AES-GCM length limit (2^36 bytes), which the precondition above excludes.
            preconditionFailure("TicketKeys: AES-GCM refused a ticket")
        }
        out.append(contentsOf: tag)
        return out
    }

    /// The plaintext of a ticket this server sealed under the current or the previous key; nil for a ticket
    /// too short or too long, under an unknown key name, or whose tag does not verify.
    public func open(_ ticket: [UInt8]) -> [UInt8]? {
        guard ticket.count >= Self.overhead, ticket.count <= Self.maximumTicketLength else { return nil }
        let name = ticket[0..<Self.nameLength]
        let key: Key
        if name.elementsEqual(current.name) {
            key = current
        } else if let p = previous, name.elementsEqual(p.name) {
            key = p
        } else {
            return nil
        }
        let start = Self.nameLength + Self.nonceLength
        let end = ticket.count - Self.tagLength
        var text = Array(ticket[start..<end])
        let nonce = Array(ticket[Self.nameLength..<start]), tag = Array(ticket[end...]), aad = key.name
        do {
            var span = text.mutableSpan
            try key.aead.open(&span, nonce: nonce.span, authenticating: aad.span, tag: tag.span)
        } catch {
            return nil
        }
        return text
    }

    /// A key with a random name and a random AES-256 key (wiped once expanded).
    private static func makeKey<R: Entropy>(_ random: R) -> Key {
        var bytes = [UInt8](repeating: 0, count: nameLength + 32)
        var span = bytes.mutableSpan
        random.fill(&span)
        let name = Array(bytes[0..<nameLength])
        let aead: AES256GCM
        do {
            aead = try AES256GCM(key: bytes.span.extracting(nameLength..<(nameLength + 32)))
        } catch {
            preconditionFailure("TicketKeys: a 32-byte AES-256 key was refused")
        }
        ConstantTime.wipe(&bytes)
        return Key(name: name, aead: aead)
    }
}
