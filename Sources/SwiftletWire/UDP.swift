// SwiftletWire: UDP datagrams (RFC 768; RFC 1122 §4.1.3.4 for checksums).
//
// Layout: source port(2) destination port(2) length(2) checksum(2) data. The checksum covers the IPv4 or
// IPv6 pseudo-header, header and data; zero means "not computed" (allowed over IPv4 only, RFC 8200 §8.1),
// and a computed zero is sent as 0xFFFF. Bytes past the Length field are not part of the datagram.

import Swiftlet

public struct UDPPacket: ~Escapable {
    public let bytes: Span<UInt8>
    static let headerLength = 8

    /// Validates lengths and, when the checksum field is non-zero, the checksum against the pseudo-header;
    /// not the checksum when `checksumVerified` (the device vouched for it: `PacketBuffer.checksumVerified`).
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, source: IPv4Address, destination: IPv4Address, checksumVerified: Bool = false) throws(WireError) {
        try self.init(checking: bytes, zeroAllowed: true,
                      pseudoHeader: .pseudoHeader(source: source, destination: destination, protocol: .udp,
                                                  length: UDPPacket.lengthField(bytes)), checksumVerified: checksumVerified)
    }

    /// Over IPv6, where the checksum is mandatory: a zero checksum field is refused (RFC 8200 §8.1), unless
    /// the device vouched for the checksum (a partial one may be anything).
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, source: IPv6Address, destination: IPv6Address, checksumVerified: Bool = false) throws(WireError) {
        try self.init(checking: bytes, zeroAllowed: false,
                      pseudoHeader: .pseudoHeader(source: source, destination: destination, protocol: .udp,
                                                  length: UDPPacket.lengthField(bytes)), checksumVerified: checksumVerified)
    }

    /// The Length field, or 0 when the header is not all there (the check below then fails).
    static func lengthField(_ bytes: Span<UInt8>) -> Int { bytes.count >= headerLength ? Int(bytes.u16(4)) : 0 }

    @_lifetime(copy bytes)
    init(checking bytes: Span<UInt8>, zeroAllowed: Bool, pseudoHeader: InternetChecksum, checksumVerified: Bool = false) throws(WireError) {
        try require(bytes, UDPPacket.headerLength, .udp)
        let length = Int(bytes.u16(4))
        guard length >= UDPPacket.headerLength else { throw .badLength(.udp) }
        guard length <= bytes.count else { throw .truncated(.udp, needed: length, available: bytes.count) }
        let datagram = bytes.extracting(0..<length)
        guard checksumVerified || zeroAllowed || datagram.u16(6) != 0 else { throw .badChecksum(.udp) }
        if !checksumVerified && datagram.u16(6) != 0 {
            var sum = pseudoHeader
            sum.add(datagram)
            guard sum.verifies else { throw .badChecksum(.udp) }
        }
        self.bytes = datagram
    }

    public var sourcePort: UInt16 { bytes.u16(0) }
    public var destinationPort: UInt16 { bytes.u16(2) }
    public var length: Int { Int(bytes.u16(4)) }
    public var checksum: UInt16 { bytes.u16(6) }
    public var payload: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(UDPPacket.headerLength...) }
    }
}

public struct UDPHeader: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16

    public init(sourcePort: UInt16, destinationPort: UInt16) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    public init(_ p: borrowing UDPPacket) { self.init(sourcePort: p.sourcePort, destinationPort: p.destinationPort) }

    public init(parsing bytes: Span<UInt8>, source: IPv4Address, destination: IPv4Address) throws(WireError) {
        self.init(try UDPPacket(validating: bytes, source: source, destination: destination))
    }

    public static let length = UDPPacket.headerLength

    /// Writes the header at the start of `datagram` (header + data already in place; its count is the
    /// datagram length) and fills in the checksum.
    public func emit(into datagram: inout MutableSpan<UInt8>, source: IPv4Address, destination: IPv4Address) throws(WireError) {
        try emit(into: &datagram, pseudoHeader: .pseudoHeader(source: source, destination: destination, protocol: .udp,
                                                              length: datagram.count))
    }

    /// Over IPv6 (RFC 8200 §8.1 pseudo-header).
    public func emit(into datagram: inout MutableSpan<UInt8>, source: IPv6Address, destination: IPv6Address) throws(WireError) {
        try emit(into: &datagram, pseudoHeader: .pseudoHeader(source: source, destination: destination, protocol: .udp,
                                                              length: datagram.count))
    }

    /// With the checksum primed by the network layer's pseudo-header for this datagram.
    public func emit(into datagram: inout MutableSpan<UInt8>, pseudoHeader: InternetChecksum) throws(WireError) {
        try requireRoom(datagram, UDPHeader.length)
        guard datagram.count <= 0xFFFF else { throw .badLength(.udp) }
        datagram.set16(sourcePort, 0)
        datagram.set16(destinationPort, 2)
        datagram.set16(UInt16(datagram.count), 4)
        datagram.set16(0, 6)
        var sum = pseudoHeader
        sum.add(datagram.span)
        let value = sum.value
        datagram.set16(value == 0 ? 0xFFFF : value, 6)
    }
}
