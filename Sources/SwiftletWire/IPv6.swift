// SwiftletWire: IPv6 packets, the fixed header (RFC 8200 §3).
//
// Layout: version(4) traffic class(8) flow label(20), payload length(2), next header(1), hop limit(1),
// source(16), destination(16); then extension headers and the upper-layer data (IPv6Extensions.swift
// walks them). Validation checks version 6 and that Payload Length fits the bytes; bytes past it (link
// padding) are not part of `payload`. A payload length of zero with a hop-by-hop Jumbo Payload option
// (RFC 2675) is a jumbogram, which no link this stack drives can carry: it is refused as `badLength`
// by the walk of the extension headers (the Jumbo option is then an unknown option of its own).

import Swiftlet

public struct IPv6Packet: ~Escapable {
    public let bytes: Span<UInt8>

    enum Field {
        static let versionClassFlow = 0, payloadLength = 4, nextHeader = 6, hopLimit = 7
        static let source = 8, destination = 24
        static let headerLength = 40
    }
    public static var headerLength: Int { Field.headerLength }

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try self.init(checking: bytes, quoted: false)
    }

    /// Validates the IPv6 header quoted inside an ICMPv6 error (RFC 4443 §2.4(c)): the invoking packet was
    /// cut to fit the minimum MTU, so only the fixed header must be present and the payload is what was quoted.
    @_lifetime(copy bytes)
    public init(validatingQuoted bytes: Span<UInt8>) throws(WireError) {
        try self.init(checking: bytes, quoted: true)
    }

    @_lifetime(copy bytes)
    init(checking bytes: Span<UInt8>, quoted: Bool) throws(WireError) {
        try require(bytes, Field.headerLength, .ipv6)
        guard bytes.u8(Field.versionClassFlow) >> 4 == 6 else { throw .badVersion(.ipv6) }
        let total = Field.headerLength + Int(bytes.u16(Field.payloadLength))
        if quoted {
            self.bytes = bytes.extracting(0..<Swift.min(total, bytes.count))
        } else {
            guard total <= bytes.count else { throw .truncated(.ipv6, needed: total, available: bytes.count) }
            self.bytes = bytes.extracting(0..<total)
        }
    }

    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.u32(Field.versionClassFlow) >> 20) }
    public var flowLabel: UInt32 { bytes.u32(Field.versionClassFlow) & 0xF_FFFF }
    public var payloadLength: Int { Int(bytes.u16(Field.payloadLength)) }
    public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes.u8(Field.nextHeader)) }
    public var hopLimit: UInt8 { bytes.u8(Field.hopLimit) }
    public var source: IPv6Address { bytes.ipv6(Field.source) }
    public var destination: IPv6Address { bytes.ipv6(Field.destination) }

    /// Extension headers and upper-layer data: the bytes after the fixed header, up to Payload Length.
    public var payload: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(Field.headerLength...) }
    }
}

public struct IPv6Header: Hashable, Sendable {
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    /// The first header after this one: an extension header or the upper-layer protocol.
    public var nextHeader: IPProtocol
    public var hopLimit: UInt8
    public var source: IPv6Address
    public var destination: IPv6Address
    /// Bytes after the fixed header (extension headers included).
    public var payloadLength: Int

    public init(trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, nextHeader: IPProtocol, hopLimit: UInt8 = 64,
                source: IPv6Address, destination: IPv6Address, payloadLength: Int) {
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel & 0xF_FFFF
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
        self.payloadLength = payloadLength
    }

    public init(_ p: borrowing IPv6Packet) {
        self.init(trafficClass: p.trafficClass, flowLabel: p.flowLabel, nextHeader: p.nextHeader,
                  hopLimit: p.hopLimit, source: p.source, destination: p.destination, payloadLength: p.payloadLength)
    }

    public init(parsing bytes: Span<UInt8>) throws(WireError) { self.init(try IPv6Packet(validating: bytes)) }

    public static let length = IPv6Packet.Field.headerLength

    /// Writes the 40-byte header at the start of `buffer`.
    public func emit(into buffer: inout MutableSpan<UInt8>) throws(WireError) {
        typealias F = IPv6Packet.Field
        guard (0...0xFFFF).contains(payloadLength) else { throw .badLength(.ipv6) }
        try requireRoom(buffer, F.headerLength)
        buffer.set32(6 << 28 | UInt32(trafficClass) << 20 | flowLabel & 0xF_FFFF, F.versionClassFlow)
        buffer.set16(UInt16(payloadLength), F.payloadLength)
        buffer.set8(nextHeader.rawValue, F.nextHeader)
        buffer.set8(hopLimit, F.hopLimit)
        buffer.setIPv6(source, F.source)
        buffer.setIPv6(destination, F.destination)
    }
}
