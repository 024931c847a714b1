// SwiftletTLS / Connection: the (EC)DHE key shares of RFC 8446 §4.2.8: x25519 (RFC 7748, 32-byte u
// coordinates) and secp256r1 (§4.2.8.2: the uncompressed point 0x04 ‖ X ‖ Y). A peer's share is checked
// as the section demands: a P-256 point must be on the curve, an X25519 result must not be all zeros
// (§7.4.2, RFC 7748 §6.1); either failure is illegal_parameter.

import Swiftlet
import SwiftletCrypto

/// This side's private half of one key share.
enum KeySharePrivate {
    case x25519([UInt8])
    case p256(P256PrivateKey)

    /// The groups this stack can do.
    static func isSupported(_ group: NamedGroup) -> Bool { group == .x25519 || group == .secp256r1 }

    /// A fresh key pair for `group`; the public half as it goes in a KeyShareEntry.
    static func generate<R: Entropy>(_ group: NamedGroup, random: R) throws(TLSError) -> (KeySharePrivate, KeyShareEntry) {
        if group == .x25519 {
            let scalar = random.randomBytes(X25519.keyLength)
            guard let share = try? X25519.publicKey(privateKey: scalar.span) else { throw TLSError.alert(.internalError) }
            return (.x25519(scalar), KeyShareEntry(group: group, keyExchange: share))
        }
        guard group == .secp256r1 else { throw TLSError.alert(.internalError) }
        // A uniformly random scalar in [1, n − 1]: retry the (probability ~2^−32) out-of-range draws.
        for _ in 0..<64 {
            let scalar = random.randomBytes(P256.privateKeyLength)
            if let key = try? P256PrivateKey(rawScalar: scalar.span) {
                return (.p256(key), KeyShareEntry(group: group, keyExchange: key.publicKey))
            }
        }
        throw TLSError.alert(.internalError)
    }

    /// The shared secret with the peer's share (§7.4.1, §7.4.2: for P-256 the x-coordinate).
    func sharedSecret(with peer: [UInt8]) throws(TLSError) -> [UInt8] {
        switch self {
        case .x25519(let scalar):
            guard peer.count == X25519.keyLength,
                  let secret = try? X25519.sharedSecret(privateKey: scalar.span, peerPublicKey: peer.span)
            else { throw TLSError.alert(.illegalParameter) }
            return secret
        case .p256(let key):
            guard peer.count == P256.publicKeyLength, peer.first == 0x04,
                  let secret = try? key.sharedSecret(peerPublicKey: peer.span)
            else { throw TLSError.alert(.illegalParameter) }
            return secret
        }
    }
}

extension Entropy {
    /// `count` random bytes.
    func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var span = bytes.mutableSpan
        fill(&span)
        return bytes
    }
}
