// SwiftletWire: TCP segments (RFC 9293 §3.1; RFC 3168 for CWR/ECE; RFC 9768 draft name AE for bit 7).
//
// Layout: ports(4) seq(4) ack(4) data offset(4 bits) reserved+AE(4 bits) flags(8) window(2) checksum(2)
// urgent pointer(2) options(data offset*4 - 20) data. Validation checks the data offset, the checksum
// over the IPv4 pseudo-header, and the option list; the parsed options are kept in the view, so reading
// them later cannot fail. Flag combinations are not judged here: that is the state machine's business.

import Swiftlet

public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x1FF }
    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    /// Accurate ECN (formerly NS, RFC 3540).
    public static let ae = TCPFlags(rawValue: 0x100)

    public var description: String {
        var s = ""
        let names: [(TCPFlags, String)] = [(.syn, "S"), (.fin, "F"), (.rst, "R"), (.psh, "P"), (.ack, "."),
                                           (.urg, "U"), (.ece, "E"), (.cwr, "W"), (.ae, "A")]
        for (flag, name) in names where contains(flag) { s += name }
        return s.isEmpty ? "none" : s
    }
}

public struct TCPSegment: ~Escapable {
    public let bytes: Span<UInt8>
    /// Parsed during validation.
    public let options: TCPOptions

    enum Field {
        static let sourcePort = 0, destinationPort = 2, sequence = 4, acknowledgment = 8
        static let offsetFlags = 12, window = 14, checksum = 16, urgent = 18
        static let minimumLength = 20
    }

    /// `bytes` is the whole segment (the IPv4 payload); the checksum is verified against the pseudo-header
    /// unless `checksumVerified` (the device vouched for it: `PacketBuffer.checksumVerified`).
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, source: IPv4Address, destination: IPv4Address, checksumVerified: Bool = false) throws(WireError) {
        try self.init(validating: bytes, pseudoHeader: .pseudoHeader(source: source, destination: destination,
                                                                      protocol: .tcp, length: bytes.count), checksumVerified: checksumVerified)
    }

    /// Over IPv6 (RFC 8200 §8.1 pseudo-header).
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, source: IPv6Address, destination: IPv6Address, checksumVerified: Bool = false) throws(WireError) {
        try self.init(validating: bytes, pseudoHeader: .pseudoHeader(source: source, destination: destination,
                                                                      protocol: .tcp, length: bytes.count), checksumVerified: checksumVerified)
    }

    /// With the checksum primed by the network layer's pseudo-header for this segment.
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, pseudoHeader: InternetChecksum, checksumVerified: Bool = false) throws(WireError) {
        try require(bytes, Field.minimumLength, .tcp)
        let headerLength = Int(bytes.u8(Field.offsetFlags) >> 4) * 4
        guard headerLength >= Field.minimumLength else { throw .badLength(.tcp) }
        try require(bytes, headerLength, .tcp)
        if !checksumVerified {
            var sum = pseudoHeader
            sum.add(bytes)
            guard sum.verifies else { throw .badChecksum(.tcp) }
        }
        options = try TCPOptions(parsing: bytes.extracting(Field.minimumLength..<headerLength))
        self.bytes = bytes
    }

    public var sourcePort: UInt16 { bytes.u16(Field.sourcePort) }
    public var destinationPort: UInt16 { bytes.u16(Field.destinationPort) }
    public var sequenceNumber: TCPSequenceNumber { TCPSequenceNumber(bytes.u32(Field.sequence)) }
    public var acknowledgmentNumber: TCPSequenceNumber { TCPSequenceNumber(bytes.u32(Field.acknowledgment)) }
    public var headerLength: Int { Int(bytes.u8(Field.offsetFlags) >> 4) * 4 }
    public var flags: TCPFlags { TCPFlags(rawValue: bytes.u16(Field.offsetFlags) & 0x1FF) }
    public var window: UInt16 { bytes.u16(Field.window) }
    public var checksum: UInt16 { bytes.u16(Field.checksum) }
    public var urgentPointer: UInt16 { bytes.u16(Field.urgent) }
    public var payload: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(headerLength...) }
    }
    /// Sequence space the segment occupies: data plus one for SYN and one for FIN (RFC 9293 §3.4).
    public var sequenceLength: Int {
        payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    }
}

public struct TCPHeader: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: TCPSequenceNumber
    public var acknowledgmentNumber: TCPSequenceNumber
    public var flags: TCPFlags
    public var window: UInt16
    public var urgentPointer: UInt16
    public var options: TCPOptions

    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: TCPSequenceNumber,
                acknowledgmentNumber: TCPSequenceNumber = TCPSequenceNumber(0), flags: TCPFlags,
                window: UInt16, urgentPointer: UInt16 = 0, options: TCPOptions = TCPOptions()) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.urgentPointer = urgentPointer
        self.options = options
    }

    public init(_ s: borrowing TCPSegment) {
        self.init(sourcePort: s.sourcePort, destinationPort: s.destinationPort, sequenceNumber: s.sequenceNumber,
                  acknowledgmentNumber: s.acknowledgmentNumber, flags: s.flags, window: s.window,
                  urgentPointer: s.urgentPointer, options: s.options)
    }

    public init(parsing bytes: Span<UInt8>, source: IPv4Address, destination: IPv4Address) throws(WireError) {
        self.init(try TCPSegment(validating: bytes, source: source, destination: destination))
    }

    public init(parsing bytes: Span<UInt8>, source: IPv6Address, destination: IPv6Address) throws(WireError) {
        self.init(try TCPSegment(validating: bytes, source: source, destination: destination))
    }

    public var length: Int { TCPSegment.Field.minimumLength + options.length }

    /// Writes the header at the start of `segment` (header + data already in place; its count is the
    /// segment length) and fills in the checksum.
    public func emit(into segment: inout MutableSpan<UInt8>, source: IPv4Address, destination: IPv4Address) throws(WireError) {
        try emit(into: &segment, pseudoHeader: .pseudoHeader(source: source, destination: destination, protocol: .tcp,
                                                             length: segment.count))
    }

    /// Over IPv6 (RFC 8200 §8.1 pseudo-header).
    public func emit(into segment: inout MutableSpan<UInt8>, source: IPv6Address, destination: IPv6Address) throws(WireError) {
        try emit(into: &segment, pseudoHeader: .pseudoHeader(source: source, destination: destination, protocol: .tcp,
                                                             length: segment.count))
    }

    /// With the checksum primed by the network layer's pseudo-header for this segment.
    public func emit(into segment: inout MutableSpan<UInt8>, pseudoHeader: InternetChecksum) throws(WireError) {
        typealias F = TCPSegment.Field
        let optionLength = options.length
        guard optionLength <= 40 else { throw .badOption(.tcp) }
        let hl = F.minimumLength + optionLength
        try requireRoom(segment, hl)
        guard segment.count <= 0xFFFF else { throw .badLength(.tcp) }
        segment.set16(sourcePort, F.sourcePort)
        segment.set16(destinationPort, F.destinationPort)
        segment.set32(sequenceNumber.rawValue, F.sequence)
        segment.set32(acknowledgmentNumber.rawValue, F.acknowledgment)
        segment.set16(UInt16(hl / 4) << 12 | flags.rawValue, F.offsetFlags)
        segment.set16(window, F.window)
        segment.set16(0, F.checksum)
        segment.set16(urgentPointer, F.urgent)
        _ = options.emit(into: &segment, at: F.minimumLength)
        var sum = pseudoHeader
        sum.add(segment.span)
        segment.set16(sum.value, F.checksum)
    }
}
