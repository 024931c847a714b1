// SwiftletTLS / Wire: the pre_shared_key extension (RFC 8446 §4.2.11).
//
//     struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
//     opaque PskBinderEntry<32..255>;
//     struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
//     ClientHello: OfferedPsks;  ServerHello: uint16 selected_identity;
//
// Invariants of a parsed `OfferedPSKs`: at least one identity, as many binders as identities (a mismatch
// is illegal_parameter: both vectors are well formed but disagree), each binder 32...255 bytes. The
// binders sit at the very end of the ClientHello (the extension MUST be last, §4.2.11, checked by
// `ClientHello`), so the binder transcript is the encoded ClientHello minus `bindersLength` bytes
// (§4.2.11.2).

/// One offered PSK identity.
public struct PSKIdentity: Hashable, Sendable {
    public var identity: [UInt8]
    public var obfuscatedTicketAge: UInt32

    public init(identity: [UInt8], obfuscatedTicketAge: UInt32) {
        self.identity = identity
        self.obfuscatedTicketAge = obfuscatedTicketAge
    }
}

/// The client's pre_shared_key body.
public struct OfferedPSKs: Hashable, Sendable {
    public var identities: [PSKIdentity]
    public var binders: [[UInt8]]

    /// The binder lengths §4.2.11 allows (a binder is an HMAC of the suite's hash: 32 or 48 bytes).
    public static let binderLengths: ClosedRange<Int> = 32...255

    public init(identities: [PSKIdentity], binders: [[UInt8]]) {
        self.identities = identities
        self.binders = binders
    }

    /// Parses the whole body. Counts must match and be >= 1 (illegal_parameter / decode_error); each
    /// binder 32...255 bytes, each identity 1...65535 bytes (decode_error).
    public static func parse(_ body: [UInt8]) throws(TLSError) -> OfferedPSKs {
        var r = TLSReader(body)
        var ids = try r.vector(lengthBytes: 2)
        guard ids.remaining >= 7 else { throw TLSError.alert(.decodeError) }
        var identities: [PSKIdentity] = []
        while !ids.isAtEnd {
            let identity = try ids.opaque(lengthBytes: 2, allowed: 1...65535)
            let age = try ids.u32()
            identities.append(PSKIdentity(identity: identity, obfuscatedTicketAge: age))
        }
        var bs = try r.vector(lengthBytes: 2)
        try r.finish()
        guard bs.remaining >= 33 else { throw TLSError.alert(.decodeError) }
        var binders: [[UInt8]] = []
        while !bs.isAtEnd { binders.append(try bs.opaque(lengthBytes: 1, allowed: binderLengths)) }
        guard binders.count == identities.count else { throw TLSError.alert(.illegalParameter) }
        return OfferedPSKs(identities: identities, binders: binders)
    }

    /// The extension body.
    public func emit() -> [UInt8] {
        var w = TLSWriter()
        w.vector(lengthBytes: 2) { w in
            for i in identities {
                w.opaque(lengthBytes: 2, i.identity)
                w.u32(i.obfuscatedTicketAge)
            }
        }
        w.append(emitBinders())
        return w.bytes
    }

    /// The binders vector alone (2-byte length, then each 1-byte length and binder): what a client
    /// appends after computing the binders over the truncated ClientHello.
    public func emitBinders() -> [UInt8] {
        var w = TLSWriter(capacity: bindersLength)
        w.vector(lengthBytes: 2) { w in
            for b in binders { w.opaque(lengthBytes: 1, b) }
        }
        return w.bytes
    }

    /// Bytes the binders vector takes at the end of the encoded ClientHello (2-byte length + each 1-byte
    /// length + binder): the transcript for binders is the ClientHello truncated by this many bytes
    /// (§4.2.11.2).
    public var bindersLength: Int {
        var n = 2
        for b in binders { n += 1 + b.count }
        return n
    }
}

/// The server's pre_shared_key body: the index of the identity it chose.
public enum PreSharedKeyExtension {
    public static func parseServer(_ body: [UInt8]) throws(TLSError) -> UInt16 {
        var r = TLSReader(body)
        let selected = try r.u16()
        try r.finish()
        return selected
    }
    public static func emitServer(_ selectedIdentity: UInt16) -> [UInt8] {
        [UInt8(truncatingIfNeeded: selectedIdentity >> 8), UInt8(truncatingIfNeeded: selectedIdentity)]
    }
}
