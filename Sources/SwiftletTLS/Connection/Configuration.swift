// SwiftletTLS / Connection: what a server and a client are configured with, shared by every connection
// (RFC 8446 §9.1 names what a compliant endpoint must support; the lists below are ours, in preference
// order). A server may hold several certificates and chooses one by SNI (RFC 6066 §3); a client names the
// trust anchors it validates the server's chain against.

import Swiftlet
import SwiftletCrypto

/// One certificate chain and its private key, for a server.
public struct TLSCredential: Sendable {
    /// DER certificates, leaf first (what the Certificate message carries, §4.4.2).
    public let chain: [[UInt8]]
    /// The leaf, parsed (its names choose it for SNI).
    public let leaf: Certificate
    public let key: TLSSigningKey

    /// A credential from a chain (leaf first) and its key.
    /// - Throws: `.alert(.internalError)` when the chain is empty, a certificate does not parse, or the
    ///   key cannot sign in TLS 1.3.
    public init(chain: [[UInt8]], key: TLSSigningKey) throws(TLSError) {
        guard let first = chain.first, chain.count <= CertificateMessage.maximumEntries else {
            throw TLSError.alert(.internalError)
        }
        do { leaf = try Certificate(derEncoded: first) } catch { throw TLSError.alert(.internalError) }
        // A key that is not the leaf's would fail every handshake at the client (decrypt_error): refuse it
        // here, where the operator sees why.
        guard Self.keyMatches(key, leaf.publicKey) else { throw TLSError.alert(.internalError) }
        self.chain = chain
        self.key = key
    }

    /// Whether `key` is the private half of `publicKey`: the public points compared for P-256 and
    /// Ed25519; for RSA a signature made with `key` checked against `publicKey`.
    static func keyMatches(_ key: TLSSigningKey, _ publicKey: SubjectPublicKeyInfo) -> Bool {
        switch key {
        case .ecdsaP256(let k): return publicKey.algorithm == .ecdsaP256 && k.publicKey == publicKey.keyBytes
        case .ed25519(let k): return publicKey.algorithm == .ed25519 && k.publicKey == publicKey.keyBytes
        case .rsa, .rsaPSS:
            guard let scheme = key.schemes.first else { return false }
            let content = Array("Swiftlet key check".utf8)
            // The salt of a signature that is never sent needs no randomness.
            guard let signature = try? key.sign(scheme: scheme, content: content, random: ZeroEntropy()) else { return false }
            return (try? TLSSignatureCheck.verify(scheme: scheme, publicKey: publicKey, content: content, signature: signature)) != nil
        }
    }

    /// A credential from PEM text: the certificates (leaf first) and a private key file.
    public init(certificatePEM: [UInt8], keyPEM: [UInt8]) throws(TLSError) {
        let blocks: [PEMBlock]
        do { blocks = try PEM.decodeAll(certificatePEM) } catch { throw TLSError.alert(.internalError) }
        var chain: [[UInt8]] = []
        for block in blocks where block.hasLabel(PEM.certificateLabel) { chain.append(block.der) }
        let key: PrivateKey
        do { key = try PrivateKey(pem: keyPEM) } catch { throw TLSError.alert(.internalError) }
        try self.init(chain: chain, key: try TLSSigningKey(key))
    }

    /// Whether the leaf names `host` (RFC 6125 rules, `HostName.matches`).
    public func matches(serverName host: [UInt8]) -> Bool { HostName.matches(host, leaf) }
}

/// What a server offers.
public struct TLSServerConfiguration: Sendable {
    /// Certificates to choose from by SNI; the first also answers clients that send no SNI.
    public var credentials: [TLSCredential]
    /// Cipher suites in the server's preference order.
    public var cipherSuites: [CipherSuite] = [.aes128GCMSHA256, .chacha20Poly1305SHA256, .aes256GCMSHA384]
    /// Key-exchange groups in preference order.
    public var groups: [NamedGroup] = [.x25519, .secp256r1]
    /// ALPN protocol names in preference order (RFC 7301 §3.2: the server's choice). Empty: ALPN ignored.
    public var applicationProtocols: [[UInt8]] = []
    /// A client naming a host no credential matches gets unrecognized_name (RFC 6066 §3) when true; when
    /// false it gets the first credential.
    public var refuseUnknownServerName = true
    /// Session tickets sent after each full handshake (0 disables resumption).
    public var ticketsPerHandshake = 1
    /// How long a ticket may be used (§4.6.1: at most 7 days). Ticket keys rotate on the same period, and a
    /// ticket opens under the current and the previous key, so a ticket lives its whole lifetime.
    public var ticketLifetimeSeconds: UInt32 = 7200

    public init(credentials: [TLSCredential]) { self.credentials = credentials }
}

/// What a client offers and trusts.
public struct TLSClientConfiguration: Sendable {
    /// Trust anchors for the server's chain.
    public var trustStore: TrustStore
    /// Cipher suites in preference order.
    public var cipherSuites: [CipherSuite] = [.aes128GCMSHA256, .chacha20Poly1305SHA256, .aes256GCMSHA384]
    /// Groups; a key share is sent for the first, the server may ask for another (HelloRetryRequest).
    public var groups: [NamedGroup] = [.x25519, .secp256r1]
    /// ALPN protocol names to offer. Empty: no ALPN extension.
    public var applicationProtocols: [[UInt8]] = []
    /// Checks the chain and the name. Turning it off is for tests against throwaway certificates only.
    public var verifyCertificates = true

    public init(trustStore: TrustStore) { self.trustStore = trustStore }
}

/// A client's memory of a session, from a NewSessionTicket: offered on the next connection to the same
/// server for a resumed (psk_dhe_ke) handshake.
public struct TLSSession: Sendable, Hashable {
    public let serverName: [UInt8]
    public let suite: CipherSuite
    public let ticket: [UInt8]
    public let psk: [UInt8]
    public let ageAdd: UInt32
    public let lifetimeSeconds: UInt32
    /// When the ticket arrived, on the connection's clock.
    public let received: Instant
    public let applicationProtocol: [UInt8]?
}

/// Zero bytes: for the salt of `TLSCredential.keyMatches`'s self-check signature only.
final class ZeroEntropy: Entropy, @unchecked Sendable {
    func fill(_ buffer: inout MutableSpan<UInt8>) { for i in 0..<buffer.count { buffer[i] = 0 } }
    var isUnpredictable: Bool { false }
}
