// SwiftletTLS / Wire: the typed bodies of the extensions this stack understands (RFC 8446 §4.2.1-§4.2.10;
// RFC 6066 §3 server_name; RFC 7301 §3.1 ALPN; RFC 8449 §4 record_size_limit). The pre_shared_key body
// is in `PreSharedKey.swift`.
//
// Every `parse` takes a whole `extension_data` and requires all of it consumed (decode_error otherwise);
// a vector whose length lies outside the RFC's <floor..ceiling>, or whose length is not a multiple of its
// element size, is decode_error; a well-formed but forbidden value is illegal_parameter. Every `emit`
// returns the body bytes. No list here needs its own count bound: each is confined to its 2^16-1-byte
// vector, itself inside a handshake message bounded by `HandshakeReassembler`.

/// Reads a vector of 2-byte values (NamedGroup, SignatureScheme, ProtocolVersion lists).
private func parseU16List(_ body: [UInt8], lengthBytes: Int, allowed: ClosedRange<Int>) throws(TLSError) -> [UInt16] {
    var r = TLSReader(body)
    var v = try r.vector(lengthBytes: lengthBytes)
    try r.finish()
    guard allowed.contains(v.remaining), v.remaining % 2 == 0 else { throw TLSError.alert(.decodeError) }
    var out: [UInt16] = []
    out.reserveCapacity(v.remaining / 2)
    while !v.isAtEnd { out.append(try v.u16()) }
    return out
}

private func emitU16List(_ values: [UInt16], lengthBytes: Int) -> [UInt8] {
    var w = TLSWriter(capacity: lengthBytes + 2 * values.count)
    w.vector(lengthBytes: lengthBytes) { w in
        for v in values { w.u16(v) }
    }
    return w.bytes
}

/// Checks that an extension that carries no data (early_data in ClientHello and EncryptedExtensions,
/// post_handshake_auth, a server's server_name acknowledgement) has an empty body.
public enum EmptyExtension {
    public static func parse(_ body: [UInt8]) throws(TLSError) {
        guard body.isEmpty else { throw TLSError.alert(.decodeError) }
    }
    public static func emit() -> [UInt8] { [] }
}

/// server_name (RFC 6066 §3): `ServerName server_name_list<1..2^16-1>`, each a name_type and, for
/// host_name (0), `opaque HostName<1..2^16-1>`.
public enum ServerNameExtension {
    /// The host_name bytes of a ClientHello's list; nil if the list names no host_name. Entries of other
    /// name types are read as `opaque<1..2^16-1>` and skipped. More than one host_name is illegal_parameter
    /// (RFC 6066 §3: "MUST NOT contain more than one name of the same name_type"); an empty list or name is
    /// decode_error. A server's acknowledgement is an empty body: check it with `parseAcknowledgement`.
    /// The longest host_name accepted.
    public static let maximumHostNameLength = 255

    public static func parse(_ body: [UInt8]) throws(TLSError) -> [UInt8]? {
        var r = TLSReader(body)
        var list = try r.vector(lengthBytes: 2)
        try r.finish()
        guard !list.isAtEnd else { throw TLSError.alert(.decodeError) }
        var hostName: [UInt8]? = nil
        while !list.isAtEnd {
            let nameType = try list.u8()
            let name = try list.opaque(lengthBytes: 2, allowed: 1...65535)
            if nameType == 0 {
                guard hostName == nil else { throw TLSError.alert(.illegalParameter) }
                // A DNS name has at most 253 bytes (RFC 1035 §2.3.4, as text); longer is not a host name.
                guard name.count <= ServerNameExtension.maximumHostNameLength else { throw TLSError.alert(.illegalParameter) }
                hostName = name
            }
        }
        return hostName
    }

    /// A list with one host_name.
    public static func emit(hostName: [UInt8]) -> [UInt8] {
        var w = TLSWriter(capacity: 5 + hostName.count)
        w.vector(lengthBytes: 2) { w in
            w.u8(0)
            w.opaque(lengthBytes: 2, hostName)
        }
        return w.bytes
    }

    /// The server's server_name in EncryptedExtensions: an empty body (RFC 6066 §3).
    public static func parseAcknowledgement(_ body: [UInt8]) throws(TLSError) {
        try EmptyExtension.parse(body)
    }
    public static func emitAcknowledgement() -> [UInt8] { [] }
}

/// supported_groups (§4.2.7): `NamedGroup named_group_list<2..2^16-1>`.
public enum SupportedGroupsExtension {
    /// The most groups a list may name here (the registry has about 70; clients send a dozen at most).
    public static let maximumCount = 128
    public static func parse(_ body: [UInt8]) throws(TLSError) -> [NamedGroup] {
        let list = try parseU16List(body, lengthBytes: 2, allowed: 2...65534)
        guard list.count <= maximumCount else { throw TLSError.alert(.illegalParameter) }
        return list.map { NamedGroup(rawValue: $0) }
    }
    public static func emit(_ groups: [NamedGroup]) -> [UInt8] {
        emitU16List(groups.map { $0.rawValue }, lengthBytes: 2)
    }
}

/// signature_algorithms and signature_algorithms_cert (§4.2.3):
/// `SignatureScheme supported_signature_algorithms<2..2^16-2>`.
public enum SignatureAlgorithmsExtension {
    public static func parse(_ body: [UInt8]) throws(TLSError) -> [SignatureScheme] {
        try parseU16List(body, lengthBytes: 2, allowed: 2...65534).map { SignatureScheme(rawValue: $0) }
    }
    public static func emit(_ schemes: [SignatureScheme]) -> [UInt8] {
        emitU16List(schemes.map { $0.rawValue }, lengthBytes: 2)
    }
}

/// supported_versions (§4.2.1): in ClientHello `ProtocolVersion versions<2..254>`; in ServerHello and
/// HelloRetryRequest one `selected_version`.
public enum SupportedVersionsExtension {
    public static func parseClient(_ body: [UInt8]) throws(TLSError) -> [ProtocolVersion] {
        try parseU16List(body, lengthBytes: 1, allowed: 2...254).map { ProtocolVersion(rawValue: $0) }
    }
    public static func emitClient(_ versions: [ProtocolVersion]) -> [UInt8] {
        emitU16List(versions.map { $0.rawValue }, lengthBytes: 1)
    }
    public static func parseServer(_ body: [UInt8]) throws(TLSError) -> ProtocolVersion {
        var r = TLSReader(body)
        let v = try r.u16()
        try r.finish()
        return ProtocolVersion(rawValue: v)
    }
    public static func emitServer(_ version: ProtocolVersion) -> [UInt8] {
        [UInt8(truncatingIfNeeded: version.rawValue >> 8), UInt8(truncatingIfNeeded: version.rawValue)]
    }
}

/// One key share (§4.2.8): `NamedGroup group; opaque key_exchange<1..2^16-1>`.
public struct KeyShareEntry: Hashable, Sendable {
    public var group: NamedGroup
    public var keyExchange: [UInt8]

    public init(group: NamedGroup, keyExchange: [UInt8]) {
        self.group = group
        self.keyExchange = keyExchange
    }

    fileprivate static func read(_ r: inout TLSReader) throws(TLSError) -> KeyShareEntry {
        let group = NamedGroup(rawValue: try r.u16())
        let key = try r.opaque(lengthBytes: 2, allowed: 1...65535)
        return KeyShareEntry(group: group, keyExchange: key)
    }

    fileprivate func write(_ w: inout TLSWriter) {
        w.u16(group.rawValue)
        w.opaque(lengthBytes: 2, keyExchange)
    }
}

/// key_share (§4.2.8): ClientHello `KeyShareEntry client_shares<0..2^16-1>`; ServerHello one
/// `server_share`; HelloRetryRequest one `selected_group`.
public enum KeyShareExtension {
    /// The most shares a ClientHello may carry here.
    public static let maximumClientShares = 16
    /// The client's shares, in order. A repeated group is illegal_parameter (§4.2.8: "Clients MUST NOT
    /// offer multiple KeyShareEntry values for the same group... Servers MAY check for violations of
    /// these rules and abort the handshake with an "illegal_parameter" alert"); an empty key is decode_error.
    public static func parseClient(_ body: [UInt8]) throws(TLSError) -> [KeyShareEntry] {
        var r = TLSReader(body)
        var v = try r.vector(lengthBytes: 2)
        try r.finish()
        var shares: [KeyShareEntry] = []
        while !v.isAtEnd {
            // Real clients send one to three shares; the bound keeps the duplicate check and the server's
            // group matching small however many a peer packs into 64 KiB.
            guard shares.count < maximumClientShares else { throw TLSError.alert(.illegalParameter) }
            let e = try KeyShareEntry.read(&v)
            for s in shares where s.group == e.group { throw TLSError.alert(.illegalParameter) }
            shares.append(e)
        }
        return shares
    }
    public static func emitClient(_ shares: [KeyShareEntry]) -> [UInt8] {
        var w = TLSWriter()
        w.vector(lengthBytes: 2) { w in
            for s in shares { s.write(&w) }
        }
        return w.bytes
    }
    public static func parseServer(_ body: [UInt8]) throws(TLSError) -> KeyShareEntry {
        var r = TLSReader(body)
        let e = try KeyShareEntry.read(&r)
        try r.finish()
        return e
    }
    public static func emitServer(_ share: KeyShareEntry) -> [UInt8] {
        var w = TLSWriter(capacity: 4 + share.keyExchange.count)
        share.write(&w)
        return w.bytes
    }
    public static func parseHelloRetryRequest(_ body: [UInt8]) throws(TLSError) -> NamedGroup {
        var r = TLSReader(body)
        let g = try r.u16()
        try r.finish()
        return NamedGroup(rawValue: g)
    }
    public static func emitHelloRetryRequest(_ group: NamedGroup) -> [UInt8] {
        [UInt8(truncatingIfNeeded: group.rawValue >> 8), UInt8(truncatingIfNeeded: group.rawValue)]
    }
}

/// psk_key_exchange_modes (§4.2.9): `PskKeyExchangeMode ke_modes<1..255>`.
public enum PSKKeyExchangeModesExtension {
    public static func parse(_ body: [UInt8]) throws(TLSError) -> [PSKKeyExchangeMode] {
        var r = TLSReader(body)
        let modes = try r.opaque(lengthBytes: 1, allowed: 1...255)
        try r.finish()
        return modes.map { PSKKeyExchangeMode(rawValue: $0) }
    }
    public static func emit(_ modes: [PSKKeyExchangeMode]) -> [UInt8] {
        var w = TLSWriter(capacity: 1 + modes.count)
        w.opaque(lengthBytes: 1, modes.map { $0.rawValue })
        return w.bytes
    }
}

/// application_layer_protocol_negotiation (RFC 7301 §3.1):
/// `ProtocolName protocol_name_list<2..2^16-1>`, `opaque ProtocolName<1..2^8-1>`. The server's answer
/// is a list of exactly one name (the caller checks the count).
public enum ALPNExtension {
    public static func parse(_ body: [UInt8]) throws(TLSError) -> [[UInt8]] {
        var r = TLSReader(body)
        var v = try r.vector(lengthBytes: 2)
        try r.finish()
        guard !v.isAtEnd else { throw TLSError.alert(.decodeError) }
        var names: [[UInt8]] = []
        while !v.isAtEnd { names.append(try v.opaque(lengthBytes: 1, allowed: 1...255)) }
        return names
    }
    public static func emit(_ names: [[UInt8]]) -> [UInt8] {
        var w = TLSWriter()
        w.vector(lengthBytes: 2) { w in
            for n in names { w.opaque(lengthBytes: 1, n) }
        }
        return w.bytes
    }
}

/// cookie (§4.2.2): `opaque cookie<1..2^16-1>`.
public enum CookieExtension {
    public static func parse(_ body: [UInt8]) throws(TLSError) -> [UInt8] {
        var r = TLSReader(body)
        let c = try r.opaque(lengthBytes: 2, allowed: 1...65535)
        try r.finish()
        return c
    }
    public static func emit(_ cookie: [UInt8]) -> [UInt8] {
        var w = TLSWriter(capacity: 2 + cookie.count)
        w.opaque(lengthBytes: 2, cookie)
        return w.bytes
    }
}

/// record_size_limit (RFC 8449 §4): one `uint16 RecordSizeLimit`.
public enum RecordSizeLimitExtension {
    /// The smallest limit a peer may announce (RFC 8449 §4: "Endpoints MUST NOT send a value ... smaller
    /// than 64. An endpoint MUST treat receipt of a smaller value as a fatal error ... illegal_parameter").
    public static let minimum: UInt16 = 64

    public static func parse(_ body: [UInt8]) throws(TLSError) -> UInt16 {
        var r = TLSReader(body)
        let limit = try r.u16()
        try r.finish()
        guard limit >= minimum else { throw TLSError.alert(.illegalParameter) }
        return limit
    }
    public static func emit(_ limit: UInt16) -> [UInt8] {
        [UInt8(truncatingIfNeeded: limit >> 8), UInt8(truncatingIfNeeded: limit)]
    }
}

/// early_data (§4.2.10): empty in ClientHello and EncryptedExtensions (use `EmptyExtension`); a
/// `uint32 max_early_data_size` in NewSessionTicket.
public enum EarlyDataExtension {
    public static func parseTicket(_ body: [UInt8]) throws(TLSError) -> UInt32 {
        var r = TLSReader(body)
        let size = try r.u32()
        try r.finish()
        return size
    }
    public static func emitTicket(_ maxEarlyDataSize: UInt32) -> [UInt8] {
        var w = TLSWriter(capacity: 4)
        w.u32(maxEarlyDataSize)
        return w.bytes
    }
}
