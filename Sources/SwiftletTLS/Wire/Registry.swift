// SwiftletTLS / Wire: the numbers of the TLS registries this stack uses (RFC 8446 §4, §5.1, §B.3; RFC 6066
// §3; RFC 7301 §3.1; RFC 8449 §4). Open structs, so an unknown value parses and round-trips.

/// ContentType of a record (RFC 8446 §5.1).
public struct ContentType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let invalid = ContentType(rawValue: 0)
    public static let changeCipherSpec = ContentType(rawValue: 20)
    public static let alert = ContentType(rawValue: 21)
    public static let handshake = ContentType(rawValue: 22)
    public static let applicationData = ContentType(rawValue: 23)
}

/// HandshakeType (RFC 8446 §4).
public struct HandshakeType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let clientHello = HandshakeType(rawValue: 1)
    public static let serverHello = HandshakeType(rawValue: 2)
    public static let newSessionTicket = HandshakeType(rawValue: 4)
    public static let endOfEarlyData = HandshakeType(rawValue: 5)
    public static let encryptedExtensions = HandshakeType(rawValue: 8)
    public static let certificate = HandshakeType(rawValue: 11)
    public static let certificateRequest = HandshakeType(rawValue: 13)
    public static let certificateVerify = HandshakeType(rawValue: 15)
    public static let finished = HandshakeType(rawValue: 20)
    public static let keyUpdate = HandshakeType(rawValue: 24)
    /// The synthetic message that replaces ClientHello1 in the transcript after a HelloRetryRequest (§4.4.1).
    public static let messageHash = HandshakeType(rawValue: 254)
}

/// ProtocolVersion (RFC 8446 §4.1.2, §4.2.1).
public struct ProtocolVersion: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let tls10 = ProtocolVersion(rawValue: 0x0301)
    public static let tls12 = ProtocolVersion(rawValue: 0x0303)
    public static let tls13 = ProtocolVersion(rawValue: 0x0304)
}

/// ExtensionType (RFC 8446 §4.2 and the RFCs named).
public struct ExtensionType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let serverName = ExtensionType(rawValue: 0)                 // RFC 6066
    public static let maxFragmentLength = ExtensionType(rawValue: 1)          // RFC 6066
    public static let statusRequest = ExtensionType(rawValue: 5)              // RFC 6066
    public static let supportedGroups = ExtensionType(rawValue: 10)           // RFC 8422, 7919
    public static let signatureAlgorithms = ExtensionType(rawValue: 13)       // RFC 8446
    public static let useSRTP = ExtensionType(rawValue: 14)                   // RFC 5764
    public static let heartbeat = ExtensionType(rawValue: 15)                 // RFC 6520
    public static let applicationLayerProtocolNegotiation = ExtensionType(rawValue: 16) // RFC 7301
    public static let signedCertificateTimestamp = ExtensionType(rawValue: 18) // RFC 6962
    public static let clientCertificateType = ExtensionType(rawValue: 19)     // RFC 7250
    public static let serverCertificateType = ExtensionType(rawValue: 20)     // RFC 7250
    public static let padding = ExtensionType(rawValue: 21)                   // RFC 7685
    public static let recordSizeLimit = ExtensionType(rawValue: 28)           // RFC 8449
    public static let preSharedKey = ExtensionType(rawValue: 41)
    public static let earlyData = ExtensionType(rawValue: 42)
    public static let supportedVersions = ExtensionType(rawValue: 43)
    public static let cookie = ExtensionType(rawValue: 44)
    public static let pskKeyExchangeModes = ExtensionType(rawValue: 45)
    public static let certificateAuthorities = ExtensionType(rawValue: 47)
    public static let oidFilters = ExtensionType(rawValue: 48)
    public static let postHandshakeAuth = ExtensionType(rawValue: 49)
    public static let signatureAlgorithmsCert = ExtensionType(rawValue: 50)
    public static let keyShare = ExtensionType(rawValue: 51)
}

/// CipherSuite (RFC 8446 §B.4). Only the three below are implemented.
public struct CipherSuite: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let aes128GCMSHA256 = CipherSuite(rawValue: 0x1301)
    public static let aes256GCMSHA384 = CipherSuite(rawValue: 0x1302)
    public static let chacha20Poly1305SHA256 = CipherSuite(rawValue: 0x1303)
    /// Signalling value a TLS 1.2 client sends (RFC 5746); TLS 1.3 ignores it.
    public static let emptyRenegotiationInfoSCSV = CipherSuite(rawValue: 0x00FF)
    /// RFC 7507: a client retrying with a lower version; a TLS 1.3 server answers inappropriate_fallback.
    public static let fallbackSCSV = CipherSuite(rawValue: 0x5600)
}

/// NamedGroup (RFC 8446 §4.2.7). Only x25519 and secp256r1 are implemented.
public struct NamedGroup: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let secp256r1 = NamedGroup(rawValue: 0x0017)
    public static let secp384r1 = NamedGroup(rawValue: 0x0018)
    public static let secp521r1 = NamedGroup(rawValue: 0x0019)
    public static let x25519 = NamedGroup(rawValue: 0x001D)
    public static let x448 = NamedGroup(rawValue: 0x001E)
}

/// SignatureScheme (RFC 8446 §4.2.3).
public struct SignatureScheme: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let rsaPKCS1SHA256 = SignatureScheme(rawValue: 0x0401)
    public static let rsaPKCS1SHA384 = SignatureScheme(rawValue: 0x0501)
    public static let rsaPKCS1SHA512 = SignatureScheme(rawValue: 0x0601)
    public static let ecdsaSecp256r1SHA256 = SignatureScheme(rawValue: 0x0403)
    public static let ecdsaSecp384r1SHA384 = SignatureScheme(rawValue: 0x0503)
    public static let ecdsaSecp521r1SHA512 = SignatureScheme(rawValue: 0x0603)
    public static let rsaPSSRSAESHA256 = SignatureScheme(rawValue: 0x0804)
    public static let rsaPSSRSAESHA384 = SignatureScheme(rawValue: 0x0805)
    public static let rsaPSSRSAESHA512 = SignatureScheme(rawValue: 0x0806)
    public static let ed25519 = SignatureScheme(rawValue: 0x0807)
    public static let ed448 = SignatureScheme(rawValue: 0x0808)
    public static let rsaPSSPSSSHA256 = SignatureScheme(rawValue: 0x0809)
    public static let rsaPSSPSSSHA384 = SignatureScheme(rawValue: 0x080A)
    public static let rsaPSSPSSSHA512 = SignatureScheme(rawValue: 0x080B)
}

/// PskKeyExchangeMode (RFC 8446 §4.2.9).
public struct PSKKeyExchangeMode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let pskKE = PSKKeyExchangeMode(rawValue: 0)
    public static let pskDHEKE = PSKKeyExchangeMode(rawValue: 1)
}
