// SwiftletTLS / Wire: the handshake messages after the hellos (RFC 8446 §4.3 EncryptedExtensions and
// CertificateRequest, §4.4.2 Certificate, §4.4.3 CertificateVerify, §4.4.4 Finished, §4.5 EndOfEarlyData,
// §4.6.1 NewSessionTicket, §4.6.3 KeyUpdate), and the Alert record body (§6).
//
// Each `init(parsing:)` takes the body after the 4-byte handshake header, checks every vector against
// its RFC range and requires the body consumed exactly (decode_error otherwise); a well-formed but
// undefined value is illegal_parameter. `emitBody()` reproduces the parsed bytes; `encoded()` (from
// `HandshakeBody`) adds the header for the transcript.

/// EncryptedExtensions (§4.3.1): `Extension extensions<0..2^16-1>`.
public struct EncryptedExtensions: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.encryptedExtensions
    public var extensions: [TLSExtension]

    public init(extensions: [TLSExtension]) { self.extensions = extensions }

    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        extensions = try ExtensionList.parse(&r)
        try r.finish()
    }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter()
        ExtensionList.emit(extensions, into: &w)
        return w.bytes
    }
}

/// CertificateRequest (§4.3.2): `opaque certificate_request_context<0..2^8-1>;
/// Extension extensions<2..2^16-1>`.
public struct CertificateRequest: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.certificateRequest
    public var requestContext: [UInt8]
    public var extensions: [TLSExtension]

    public init(requestContext: [UInt8], extensions: [TLSExtension]) {
        self.requestContext = requestContext
        self.extensions = extensions
    }

    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        requestContext = try r.opaque(lengthBytes: 1)
        extensions = try ExtensionList.parse(&r)
        try r.finish()
    }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter()
        w.opaque(lengthBytes: 1, requestContext)
        ExtensionList.emit(extensions, into: &w)
        return w.bytes
    }
}

/// One entry of a Certificate message (§4.4.2): `opaque cert_data<1..2^24-1>` (a DER certificate, or a
/// SubjectPublicKeyInfo under RFC 7250) and `Extension extensions<0..2^16-1>`.
public struct CertificateEntry: Hashable, Sendable {
    public var data: [UInt8]
    public var extensions: [TLSExtension]

    public init(data: [UInt8], extensions: [TLSExtension] = []) {
        self.data = data
        self.extensions = extensions
    }
}

/// Certificate (§4.4.2): `opaque certificate_request_context<0..2^8-1>;
/// CertificateEntry certificate_list<0..2^24-1>`.
public struct CertificateMessage: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.certificate
    /// The most entries accepted (a chain longer than this is refused with decode_error; a bound of this
    /// stack, far above real chains).
    public static let maximumEntries = 16

    public var requestContext: [UInt8]
    public var entries: [CertificateEntry]

    public init(requestContext: [UInt8] = [], entries: [CertificateEntry]) {
        self.requestContext = requestContext
        self.entries = entries
    }

    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        requestContext = try r.opaque(lengthBytes: 1)
        var list = try r.vector(lengthBytes: 3)
        try r.finish()
        var entries: [CertificateEntry] = []
        while !list.isAtEnd {
            guard entries.count < Self.maximumEntries else { throw TLSError.alert(.decodeError) }
            let data = try list.opaque(lengthBytes: 3, allowed: 1...0xFF_FFFF)
            let extensions = try ExtensionList.parse(&list)
            entries.append(CertificateEntry(data: data, extensions: extensions))
        }
        self.entries = entries
    }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter()
        w.opaque(lengthBytes: 1, requestContext)
        w.vector(lengthBytes: 3) { w in
            for e in entries {
                w.opaque(lengthBytes: 3, e.data)
                ExtensionList.emit(e.extensions, into: &w)
            }
        }
        return w.bytes
    }
}

/// CertificateVerify (§4.4.3): `SignatureScheme algorithm; opaque signature<0..2^16-1>` (an empty
/// signature is refused: no scheme produces one).
public struct CertificateVerify: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.certificateVerify
    public var scheme: SignatureScheme
    public var signature: [UInt8]

    public init(scheme: SignatureScheme, signature: [UInt8]) {
        self.scheme = scheme
        self.signature = signature
    }

    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        scheme = SignatureScheme(rawValue: try r.u16())
        signature = try r.opaque(lengthBytes: 2, allowed: 1...65535)
        try r.finish()
    }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter(capacity: 4 + signature.count)
        w.u16(scheme.rawValue)
        w.opaque(lengthBytes: 2, signature)
        return w.bytes
    }
}

/// Finished (§4.4.4): `opaque verify_data[Hash.length]`.
public struct Finished: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.finished
    public var verifyData: [UInt8]

    public init(verifyData: [UInt8]) { self.verifyData = verifyData }

    /// The body must be exactly `hashLength` bytes (the negotiated suite's hash), else decode_error.
    public init(parsing body: [UInt8], hashLength: Int) throws(TLSError) {
        guard body.count == hashLength else { throw TLSError.alert(.decodeError) }
        verifyData = body
    }

    public func emitBody() -> [UInt8] { verifyData }
}

/// EndOfEarlyData (§4.5): an empty body.
public struct EndOfEarlyData: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.endOfEarlyData

    public init() {}

    public init(parsing body: [UInt8]) throws(TLSError) {
        guard body.isEmpty else { throw TLSError.alert(.decodeError) }
    }

    public func emitBody() -> [UInt8] { [] }
}

/// NewSessionTicket (§4.6.1): `uint32 ticket_lifetime; uint32 ticket_age_add;
/// opaque ticket_nonce<0..255>; opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>`.
public struct NewSessionTicket: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.newSessionTicket
    /// The longest lifetime a server may state, in seconds (§4.6.1: 7 days; a larger value is refused
    /// by the session layer, not here).
    public static let maximumLifetime: UInt32 = 604_800

    public var lifetime: UInt32
    public var ageAdd: UInt32
    public var nonce: [UInt8]
    public var ticket: [UInt8]
    public var extensions: [TLSExtension]

    public init(lifetime: UInt32, ageAdd: UInt32, nonce: [UInt8], ticket: [UInt8], extensions: [TLSExtension] = []) {
        self.lifetime = lifetime
        self.ageAdd = ageAdd
        self.nonce = nonce
        self.ticket = ticket
        self.extensions = extensions
    }

    public init(parsing body: [UInt8]) throws(TLSError) {
        var r = TLSReader(body)
        lifetime = try r.u32()
        ageAdd = try r.u32()
        nonce = try r.opaque(lengthBytes: 1)
        ticket = try r.opaque(lengthBytes: 2, allowed: 1...65535)
        extensions = try ExtensionList.parse(&r)
        try r.finish()
    }

    public func emitBody() -> [UInt8] {
        var w = TLSWriter(capacity: 16 + nonce.count + ticket.count)
        w.u32(lifetime)
        w.u32(ageAdd)
        w.opaque(lengthBytes: 1, nonce)
        w.opaque(lengthBytes: 2, ticket)
        ExtensionList.emit(extensions, into: &w)
        return w.bytes
    }
}

/// KeyUpdate (§4.6.3): `enum { update_not_requested(0), update_requested(1) } request_update`.
public struct KeyUpdate: HandshakeBody, Hashable, Sendable {
    public static let handshakeType = HandshakeType.keyUpdate
    public var requestUpdate: Bool

    public init(requestUpdate: Bool) { self.requestUpdate = requestUpdate }

    /// One byte, 0 or 1; another value is illegal_parameter (§4.6.3: "If an implementation receives any
    /// other value, it MUST terminate the connection with an "illegal_parameter" alert").
    public init(parsing body: [UInt8]) throws(TLSError) {
        guard body.count == 1 else { throw TLSError.alert(.decodeError) }
        switch body[0] {
        case 0: requestUpdate = false
        case 1: requestUpdate = true
        default: throw TLSError.alert(.illegalParameter)
        }
    }

    public func emitBody() -> [UInt8] { [requestUpdate ? 1 : 0] }
}

/// The body of an alert record (§6): `AlertLevel level; AlertDescription description`.
public struct Alert: Hashable, Sendable {
    public static let length = 2
    public var level: AlertLevel
    public var description: AlertDescription

    public init(level: AlertLevel = .fatal, description: AlertDescription) {
        self.level = level
        self.description = description
    }

    /// Exactly two bytes, else decode_error. Several alerts in one record, or an alert split across
    /// records, are refused: §5.1 "Alert messages MUST NOT be fragmented across records, and multiple
    /// alert messages MUST NOT be coalesced into a single TLSPlaintext record".
    public init(parsing content: [UInt8]) throws(TLSError) {
        guard content.count == Self.length else { throw TLSError.alert(.decodeError) }
        level = AlertLevel(rawValue: content[0])
        description = AlertDescription(rawValue: content[1])
    }

    /// Same as `init(parsing:)`.
    public static func parse(_ content: [UInt8]) throws(TLSError) -> Alert {
        try Alert(parsing: content)
    }

    /// The two bytes.
    public func emit() -> [UInt8] { [level.rawValue, description.rawValue] }
}
