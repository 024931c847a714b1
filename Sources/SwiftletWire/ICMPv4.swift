// SwiftletWire: ICMP for IPv4 (RFC 792; RFC 1191 for the next-hop MTU; RFC 1122 §3.2.2).
//
// Layout: type(1) code(1) checksum(2) rest-of-header(4) data. The checksum covers the whole message.
// Echo carries identifier and sequence in rest-of-header; destination unreachable and time exceeded
// quote the offending datagram's IP header plus at least 8 bytes of its data.

import Swiftlet

public struct ICMPv4Type: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let echoReply = ICMPv4Type(rawValue: 0)
    public static let destinationUnreachable = ICMPv4Type(rawValue: 3)
    public static let echoRequest = ICMPv4Type(rawValue: 8)
    public static let timeExceeded = ICMPv4Type(rawValue: 11)
}

/// Destination unreachable codes (RFC 792, RFC 1122 §3.2.2.1).
public struct UnreachableCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let network = UnreachableCode(rawValue: 0)
    public static let host = UnreachableCode(rawValue: 1)
    public static let `protocol` = UnreachableCode(rawValue: 2)
    public static let port = UnreachableCode(rawValue: 3)
    public static let fragmentationNeeded = UnreachableCode(rawValue: 4)
}

public enum ICMPv4Message: Hashable, Sendable {
    case echoRequest(identifier: UInt16, sequence: UInt16)
    case echoReply(identifier: UInt16, sequence: UInt16)
    /// `nextHopMTU` is meaningful for `.fragmentationNeeded` (RFC 1191 §4), zero otherwise.
    case destinationUnreachable(UnreachableCode, nextHopMTU: UInt16)
    /// Code 0: TTL exceeded in transit; 1: fragment reassembly time exceeded.
    case timeExceeded(code: UInt8)
    case other(type: ICMPv4Type, code: UInt8, restOfHeader: UInt32)

    public var type: ICMPv4Type {
        switch self {
        case .echoRequest: .echoRequest
        case .echoReply: .echoReply
        case .destinationUnreachable: .destinationUnreachable
        case .timeExceeded: .timeExceeded
        case .other(let t, _, _): t
        }
    }

    /// Errors quote the datagram that caused them.
    public var isError: Bool {
        switch self {
        case .destinationUnreachable, .timeExceeded: true
        default: false
        }
    }
}

public struct ICMPv4Packet: ~Escapable {
    public let bytes: Span<UInt8>
    static let headerLength = 8

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try require(bytes, ICMPv4Packet.headerLength, .icmpv4)
        var sum = InternetChecksum()
        sum.add(bytes)
        guard sum.verifies else { throw .badChecksum(.icmpv4) }
        self.bytes = bytes
    }

    public var type: ICMPv4Type { ICMPv4Type(rawValue: bytes.u8(0)) }
    public var code: UInt8 { bytes.u8(1) }
    public var checksum: UInt16 { bytes.u16(2) }
    public var restOfHeader: UInt32 { bytes.u32(4) }

    public var message: ICMPv4Message {
        switch type {
        case .echoRequest where code == 0: .echoRequest(identifier: bytes.u16(4), sequence: bytes.u16(6))
        case .echoReply where code == 0: .echoReply(identifier: bytes.u16(4), sequence: bytes.u16(6))
        case .destinationUnreachable:
            .destinationUnreachable(UnreachableCode(rawValue: code), nextHopMTU: bytes.u16(6))
        case .timeExceeded: .timeExceeded(code: code)
        default: .other(type: type, code: code, restOfHeader: restOfHeader)
        }
    }

    /// Echo data, or for errors the quoted datagram.
    public var data: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(ICMPv4Packet.headerLength...) }
    }

    /// For error messages: the quoted IP header and the first bytes of its payload.
    public func quotedDatagram() throws(WireError) -> QuotedDatagram {
        guard message.isError else { throw .badField(.icmpv4) }
        let quoted = try IPv4Packet(validatingQuoted: data)
        let leading = quoted.payload
        let n = Swift.min(leading.count, 8)
        return QuotedDatagram(header: IPv4Header(quoted), leadingBytes: leading.copy(0, n))
    }
}

/// What an ICMP error says about the datagram that caused it: enough to find the socket
/// (the transport ports are in the first 8 bytes).
public struct QuotedDatagram: Hashable, Sendable {
    public var header: IPv4Header
    public var leadingBytes: [UInt8]

    /// Source and destination ports when the quoted datagram was TCP or UDP and they were quoted.
    public var ports: (source: UInt16, destination: UInt16)? {
        guard header.protocol == .tcp || header.protocol == .udp, header.fragmentOffset == 0,
              leadingBytes.count >= 4 else { return nil }
        return (UInt16(leadingBytes[0]) << 8 | UInt16(leadingBytes[1]),
                UInt16(leadingBytes[2]) << 8 | UInt16(leadingBytes[3]))
    }
}

public struct ICMPv4Header: Hashable, Sendable {
    public var message: ICMPv4Message

    public init(_ message: ICMPv4Message) { self.message = message }
    public init(_ p: borrowing ICMPv4Packet) { self.message = p.message }
    public init(parsing bytes: Span<UInt8>) throws(WireError) { self.init(try ICMPv4Packet(validating: bytes)) }

    public static let length = ICMPv4Packet.headerLength

    /// Writes the header at the start of `message`, whose bytes after the first 8 are the data already in
    /// place, and computes the checksum over all of it.
    public func emit(into packet: inout MutableSpan<UInt8>) throws(WireError) {
        try requireRoom(packet, ICMPv4Header.length)
        let code: UInt8
        let rest: UInt32
        switch message {
        case .echoRequest(let id, let seq), .echoReply(let id, let seq):
            code = 0; rest = UInt32(id) << 16 | UInt32(seq)
        case .destinationUnreachable(let c, let mtu):
            code = c.rawValue; rest = UInt32(mtu)
        case .timeExceeded(let c):
            code = c; rest = 0
        case .other(_, let c, let r):
            code = c; rest = r
        }
        packet.set8(message.type.rawValue, 0)
        packet.set8(code, 1)
        packet.set16(0, 2)
        packet.set32(rest, 4)
        packet.set16(InternetChecksum.of(packet.span), 2)
    }
}
