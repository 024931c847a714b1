// SwiftletWire: ICMPv6 (RFC 4443), the message header every ICMPv6 message shares.
//
// Layout: type(1) code(1) checksum(2) then four bytes whose meaning depends on the type, then data. The
// checksum covers the IPv6 pseudo-header (next header 58) and the whole message (§2.3). Types below 128
// are errors (§2.1) and quote as much of the invoking packet as fits in the minimum MTU (§2.4(c)).
// Neighbor Discovery (NDP.swift) and MLD (MLD.swift) are ICMPv6 messages with bodies of their own.

import Swiftlet

public struct ICMPv6Type: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let destinationUnreachable = ICMPv6Type(rawValue: 1)
    public static let packetTooBig = ICMPv6Type(rawValue: 2)
    public static let timeExceeded = ICMPv6Type(rawValue: 3)
    public static let parameterProblem = ICMPv6Type(rawValue: 4)
    public static let echoRequest = ICMPv6Type(rawValue: 128)
    public static let echoReply = ICMPv6Type(rawValue: 129)
    public static let multicastListenerQuery = ICMPv6Type(rawValue: 130)
    public static let routerSolicitation = ICMPv6Type(rawValue: 133)
    public static let routerAdvertisement = ICMPv6Type(rawValue: 134)
    public static let neighborSolicitation = ICMPv6Type(rawValue: 135)
    public static let neighborAdvertisement = ICMPv6Type(rawValue: 136)
    public static let redirect = ICMPv6Type(rawValue: 137)
    public static let multicastListenerReportV2 = ICMPv6Type(rawValue: 143)

    /// Error messages have the high bit clear (RFC 4443 §2.1).
    public var isError: Bool { rawValue < 128 }
}

/// Destination unreachable codes (RFC 4443 §3.1).
public struct ICMPv6UnreachableCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let noRoute = ICMPv6UnreachableCode(rawValue: 0)
    public static let administrativelyProhibited = ICMPv6UnreachableCode(rawValue: 1)
    public static let beyondScope = ICMPv6UnreachableCode(rawValue: 2)
    public static let address = ICMPv6UnreachableCode(rawValue: 3)
    public static let port = ICMPv6UnreachableCode(rawValue: 4)
    public static let sourcePolicy = ICMPv6UnreachableCode(rawValue: 5)
    public static let rejectRoute = ICMPv6UnreachableCode(rawValue: 6)
}

/// The messages whose four-byte field this layer reads; the rest (NDP, MLD) are `.other` here and parsed
/// by their own views.
public enum ICMPv6Message: Hashable, Sendable {
    case destinationUnreachable(ICMPv6UnreachableCode)
    /// The MTU of the next-hop link (§3.2).
    case packetTooBig(mtu: UInt32)
    /// Code 0: hop limit exceeded in transit; 1: fragment reassembly time exceeded (§3.3).
    case timeExceeded(code: UInt8)
    /// Code 0: erroneous header field; 1: unrecognised next header; 2: unrecognised option (§3.4);
    /// `pointer` is the offset in the invoking packet of the byte at fault.
    case parameterProblem(code: UInt8, pointer: UInt32)
    case echoRequest(identifier: UInt16, sequence: UInt16)
    case echoReply(identifier: UInt16, sequence: UInt16)
    case other(type: ICMPv6Type, code: UInt8, field: UInt32)

    public var type: ICMPv6Type {
        switch self {
        case .destinationUnreachable: .destinationUnreachable
        case .packetTooBig: .packetTooBig
        case .timeExceeded: .timeExceeded
        case .parameterProblem: .parameterProblem
        case .echoRequest: .echoRequest
        case .echoReply: .echoReply
        case .other(let t, _, _): t
        }
    }

    public var isError: Bool { type.isError }
}

public struct ICMPv6Packet: ~Escapable {
    public let bytes: Span<UInt8>
    public static var headerLength: Int { 8 }

    /// Validates the length and the checksum over the pseudo-header of `source` and `destination`.
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, source: IPv6Address, destination: IPv6Address) throws(WireError) {
        // NDP's Router Solicitation is the shortest message: 8 bytes (RFC 4861 §4.1).
        try require(bytes, ICMPv6Packet.headerLength, .icmpv6)
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .icmpv6,
                                                length: bytes.count)
        sum.add(bytes)
        guard sum.verifies else { throw .badChecksum(.icmpv6) }
        self.bytes = bytes
    }

    public var type: ICMPv6Type { ICMPv6Type(rawValue: bytes.u8(0)) }
    public var code: UInt8 { bytes.u8(1) }
    public var checksum: UInt16 { bytes.u16(2) }
    /// The four bytes after the checksum.
    public var field: UInt32 { bytes.u32(4) }

    public var message: ICMPv6Message {
        switch type {
        case .destinationUnreachable: .destinationUnreachable(ICMPv6UnreachableCode(rawValue: code))
        case .packetTooBig where code == 0: .packetTooBig(mtu: field)
        case .timeExceeded: .timeExceeded(code: code)
        case .parameterProblem: .parameterProblem(code: code, pointer: field)
        case .echoRequest where code == 0: .echoRequest(identifier: bytes.u16(4), sequence: bytes.u16(6))
        case .echoReply where code == 0: .echoReply(identifier: bytes.u16(4), sequence: bytes.u16(6))
        default: .other(type: type, code: code, field: field)
        }
    }

    /// Echo data, or for errors the invoking packet as quoted.
    public var data: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(ICMPv6Packet.headerLength...) }
    }

    /// For error messages: the invoking packet's header, and where its upper-layer header was.
    public func quotedDatagram() throws(WireError) -> QuotedIPv6Datagram {
        guard message.isError else { throw .badField(.icmpv6) }
        let quoted = try IPv6Packet(validatingQuoted: data)
        var upper: IPProtocol? = nil
        var leading: [UInt8] = []
        // The walk may run out of quoted bytes (a long chain): then the ports are unknown, not an error. A
        // quoted first fragment (what a router says about a packet we fragmented) is walked on past its
        // fragment header; a later fragment has no upper-layer header to find.
        var chain = try? quoted.walkExtensionHeaders()
        if case .fragment(let f, let dataOffset)? = chain, f.offset == 0 {
            chain = try? IPv6Packet.walk(quoted.bytes, from: dataOffset, next: f.nextHeader)
        }
        if case .upperLayer(let proto, let offset)? = chain, offset <= quoted.bytes.count {
            upper = proto
            leading = quoted.bytes.copy(offset, Swift.min(8, quoted.bytes.count - offset))
        }
        return QuotedIPv6Datagram(header: IPv6Header(quoted), upperLayer: upper, leadingBytes: leading)
    }
}

/// What an ICMPv6 error says about the packet that caused it: enough to find the socket.
public struct QuotedIPv6Datagram: Hashable, Sendable {
    public var header: IPv6Header
    /// The upper-layer protocol after the extension headers, when the quote reached it (not for a fragment
    /// other than the first).
    public var upperLayer: IPProtocol?
    /// Up to 8 bytes of the upper-layer header.
    public var leadingBytes: [UInt8]

    /// Source and destination ports when the quoted packet was TCP or UDP and they were quoted.
    public var ports: (source: UInt16, destination: UInt16)? {
        guard upperLayer == .tcp || upperLayer == .udp, leadingBytes.count >= 4 else { return nil }
        return (UInt16(leadingBytes[0]) << 8 | UInt16(leadingBytes[1]),
                UInt16(leadingBytes[2]) << 8 | UInt16(leadingBytes[3]))
    }
}

public struct ICMPv6Header: Hashable, Sendable {
    public var message: ICMPv6Message

    public init(_ message: ICMPv6Message) { self.message = message }
    public init(_ p: borrowing ICMPv6Packet) { self.message = p.message }
    public init(parsing bytes: Span<UInt8>, source: IPv6Address, destination: IPv6Address) throws(WireError) {
        self.init(try ICMPv6Packet(validating: bytes, source: source, destination: destination))
    }

    public static let length = 8

    /// The bytes an error may quote so that the whole packet stays within the minimum MTU of 1280
    /// (RFC 4443 §2.4(c)): 1280 - 40 (IPv6) - 8 (ICMPv6).
    public static let maximumQuote = 1232

    /// Writes the header at the start of `packet`, whose bytes after the first 8 are the data already in
    /// place, and computes the checksum over the pseudo-header and all of it.
    public func emit(into packet: inout MutableSpan<UInt8>, source: IPv6Address, destination: IPv6Address) throws(WireError) {
        try requireRoom(packet, ICMPv6Header.length)
        let code: UInt8
        let field: UInt32
        switch message {
        case .destinationUnreachable(let c): code = c.rawValue; field = 0
        case .packetTooBig(let mtu): code = 0; field = mtu
        case .timeExceeded(let c): code = c; field = 0
        case .parameterProblem(let c, let pointer): code = c; field = pointer
        case .echoRequest(let id, let seq), .echoReply(let id, let seq): code = 0; field = UInt32(id) << 16 | UInt32(seq)
        case .other(_, let c, let f): code = c; field = f
        }
        packet.set8(message.type.rawValue, 0)
        packet.set8(code, 1)
        packet.set16(0, 2)
        packet.set32(field, 4)
        ICMPv6Header.fillChecksum(&packet, source: source, destination: destination)
    }

    /// Computes and writes the checksum of a whole ICMPv6 message (its checksum field is overwritten).
    public static func fillChecksum(_ packet: inout MutableSpan<UInt8>, source: IPv6Address, destination: IPv6Address) {
        packet.set16(0, 2)
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination, protocol: .icmpv6,
                                                length: packet.count)
        sum.add(packet.span)
        packet.set16(sum.value, 2)
    }
}
