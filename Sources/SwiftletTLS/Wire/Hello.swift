// SwiftletTLS / Wire: ClientHello and ServerHello (RFC 8446 §4.1.2, §4.1.3), and the handshake header
// every message shares (§4: `HandshakeType msg_type; uint24 length; body`).
//
// Parsing is structural: every field within its RFC range, the body consumed exactly (decode_error
// otherwise). Semantic checks that depend on the negotiation (legacy_version 0x0303, compression method
// 0, which extensions are allowed where) belong to the handshake machines; the one structural rule kept
// here is that pre_shared_key is the last ClientHello extension (§4.2.11, illegal_parameter), because the
// binder transcript depends on it. Fields are stored as received, so `emitBody()` reproduces the bytes.

/// A handshake message body that knows its type and can encode itself with the 4-byte header.
public protocol HandshakeBody {
    static var handshakeType: HandshakeType { get }
    /// The body, without the 4-byte header.
    func emitBody() -> [UInt8]
}

extension HandshakeBody {
    /// type(1) + length(3) + body: the bytes that go in the transcript.
    public func encoded() -> [UInt8] {
        Handshake.encode(type: Self.handshakeType, body: emitBody())
    }
}

/// The handshake header (§4).
public enum Handshake {
    /// The header length: msg_type and uint24 length.
    public static let headerLength = 4

    /// type(1) + length(3) + body.
    public static func encode(type: HandshakeType, body: [UInt8]) -> [UInt8] {
        var w = TLSWriter(capacity: headerLength + body.count)
        w.u8(type.rawValue)
        w.u24(body.count)
        w.append(body)
        return w.bytes
    }

    /// The synthetic `message_hash` message that replaces ClientHello1 in the transcript after a
    /// HelloRetryRequest (§4.4.1): type 254, length, Hash(ClientHello1).
    public static func messageHash(digest: [UInt8]) -> [UInt8] {
        encode(type: .messageHash, body: digest)
    }
}

/// ClientHello (§4.1.2).
public struct ClientHello: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.clientHello
    /// Length of `random`.
    public static let randomLength = 32
    /// The longest legacy_session_id (§4.1.2: `opaque legacy_session_id<0..32>`).
    public static let maximumSessionIDLength = 32

    public var legacyVersion: ProtocolVersion
    public var random: [UInt8]
    public var legacySessionID: [UInt8]
    public var cipherSuites: [CipherSuite]
    public var legacyCompressionMethods: [UInt8]
    public var extensions: [TLSExtension]

    public init(legacyVersion: ProtocolVersion = .tls12, random: [UInt8], legacySessionID: [UInt8],
                cipherSuites: [CipherSuite], legacyCompressionMethods: [UInt8] = [0], extensions: [TLSExtension]) {
        self.legacyVersion = legacyVersion
        self.random = random
        self.legacySessionID = legacySessionID
        self.cipherSuites = cipherSuites
        self.legacyCompressionMethods = legacyCompressionMethods
        self.extensions = extensions
    }

    /// Parses a body (after the 4-byte header). The extensions vector is required: a ClientHello of a
    /// prior version that ends after the compression methods (§4.1.2) cannot offer TLS 1.3 and is refused
    /// as decode_error.
    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        legacyVersion = ProtocolVersion(rawValue: try r.u16())
        random = try r.bytes(Self.randomLength)
        legacySessionID = try r.opaque(lengthBytes: 1, allowed: 0...Self.maximumSessionIDLength)
        var suites = try r.vector(lengthBytes: 2)
        guard suites.remaining >= 2, suites.remaining % 2 == 0 else { throw TLSError.alert(.decodeError) }
        var list: [CipherSuite] = []
        list.reserveCapacity(suites.remaining / 2)
        while !suites.isAtEnd { list.append(CipherSuite(rawValue: try suites.u16())) }
        cipherSuites = list
        legacyCompressionMethods = try r.opaque(lengthBytes: 1, allowed: 1...255)
        extensions = try ExtensionList.parse(&r)
        try r.finish()
        // §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello ...
        // Servers MUST check that it is the last extension and otherwise fail the handshake with an
        // "illegal_parameter" alert."
        for (i, e) in extensions.enumerated() where e.type == .preSharedKey && i != extensions.count - 1 {
            throw TLSError.alert(.illegalParameter)
        }
    }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter(capacity: 512)
        w.u16(legacyVersion.rawValue)
        w.append(random)
        w.opaque(lengthBytes: 1, legacySessionID)
        w.vector(lengthBytes: 2) { w in
            for s in cipherSuites { w.u16(s.rawValue) }
        }
        w.opaque(lengthBytes: 1, legacyCompressionMethods)
        ExtensionList.emit(extensions, into: &w)
        return w.bytes
    }
}

/// ServerHello, and HelloRetryRequest, which shares its structure (§4.1.3, §4.1.4).
public struct ServerHello: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.serverHello

    /// The `random` that marks a HelloRetryRequest: SHA-256("HelloRetryRequest") (§4.1.3).
    public static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]
    /// The last 8 bytes of random a TLS 1.3 server puts when it negotiates TLS 1.2 ("DOWNGRD" 01), §4.1.3.
    public static let downgradeTLS12: [UInt8] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01]
    /// The last 8 bytes of random a TLS 1.3 server puts when it negotiates TLS 1.1 or below ("DOWNGRD" 00).
    public static let downgradeTLS11: [UInt8] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00]

    public var legacyVersion: ProtocolVersion
    public var random: [UInt8]
    public var legacySessionIDEcho: [UInt8]
    public var cipherSuite: CipherSuite
    public var legacyCompressionMethod: UInt8
    public var extensions: [TLSExtension]

    public init(legacyVersion: ProtocolVersion = .tls12, random: [UInt8], legacySessionIDEcho: [UInt8],
                cipherSuite: CipherSuite, legacyCompressionMethod: UInt8 = 0, extensions: [TLSExtension]) {
        self.legacyVersion = legacyVersion
        self.random = random
        self.legacySessionIDEcho = legacySessionIDEcho
        self.cipherSuite = cipherSuite
        self.legacyCompressionMethod = legacyCompressionMethod
        self.extensions = extensions
    }

    /// Parses a body (after the 4-byte header). The extensions vector is required (a ServerHello without
    /// one cannot select TLS 1.3, §4.2.1); its absence is decode_error.
    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        legacyVersion = ProtocolVersion(rawValue: try r.u16())
        random = try r.bytes(ClientHello.randomLength)
        legacySessionIDEcho = try r.opaque(lengthBytes: 1, allowed: 0...ClientHello.maximumSessionIDLength)
        cipherSuite = CipherSuite(rawValue: try r.u16())
        legacyCompressionMethod = try r.u8()
        extensions = try ExtensionList.parse(&r)
        try r.finish()
    }

    /// Whether this is a HelloRetryRequest (its random is `helloRetryRequestRandom`, §4.1.3).
    public var isHelloRetryRequest: Bool { random == Self.helloRetryRequestRandom }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter(capacity: 128)
        w.u16(legacyVersion.rawValue)
        w.append(random)
        w.opaque(lengthBytes: 1, legacySessionIDEcho)
        w.u16(cipherSuite.rawValue)
        w.u8(legacyCompressionMethod)
        ExtensionList.emit(extensions, into: &w)
        return w.bytes
    }
}
