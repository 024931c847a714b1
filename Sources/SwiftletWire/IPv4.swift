// SwiftletWire: IPv4 datagrams (RFC 791 §3.1; RFC 1122 §3.2.1).
//
// Validation checks version 4, IHL ≥ 5, header and total length against the bytes, the header checksum
// and the option structure (RFC 791 §3.1 "Options": EOL and NOP are one byte, every other option has a
// length ≥ 2 that fits). Bytes past Total Length (link padding) are not part of `payload`.
// Fragment offsets are exposed in bytes (the field counts 8-byte units).

import Swiftlet

public struct IPv4Packet: ~Escapable {
    public let bytes: Span<UInt8>

    enum Field {
        static let versionIHL = 0, tos = 1, totalLength = 2, identification = 4, flagsFragment = 6
        static let ttl = 8, proto = 9, checksum = 10, source = 12, destination = 16
        static let minimumLength = 20
    }

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try self.init(checking: bytes, quoted: false)
    }

    /// Validates the IPv4 header quoted inside an ICMP error (RFC 792): the original datagram's total
    /// length is larger than what was quoted, so only the header itself must be present.
    @_lifetime(copy bytes)
    public init(validatingQuoted bytes: Span<UInt8>) throws(WireError) {
        try self.init(checking: bytes, quoted: true)
    }

    @_lifetime(copy bytes)
    init(checking bytes: Span<UInt8>, quoted: Bool) throws(WireError) {
        try require(bytes, Field.minimumLength, .ipv4)
        let vihl = bytes.u8(Field.versionIHL)
        guard vihl >> 4 == 4 else { throw .badVersion(.ipv4) }
        let headerLength = Int(vihl & 0x0F) * 4
        guard headerLength >= Field.minimumLength else { throw .badLength(.ipv4) }
        try require(bytes, headerLength, .ipv4)
        let total = Int(bytes.u16(Field.totalLength))
        guard total >= headerLength else { throw .badLength(.ipv4) }
        if !quoted {
            guard total <= bytes.count else { throw .truncated(.ipv4, needed: total, available: bytes.count) }
        }
        var sum = InternetChecksum()
        sum.add(bytes.extracting(0..<headerLength))
        guard sum.verifies else { throw .badChecksum(.ipv4) }
        try IPv4Packet.checkOptions(bytes.extracting(Field.minimumLength..<headerLength))
        self.bytes = quoted ? bytes : bytes.extracting(0..<total)
    }

    static func checkOptions(_ options: Span<UInt8>) throws(WireError) {
        var i = 0
        while i < options.count {
            let kind = options[i]
            if kind == 0 { return }            // End of Option List
            if kind == 1 { i += 1; continue }  // No Operation
            guard i + 1 < options.count else { throw .badOption(.ipv4) }
            let length = Int(options[i + 1])
            guard length >= 2, i + length <= options.count else { throw .badOption(.ipv4) }
            i += length
        }
    }

    public var headerLength: Int { Int(bytes.u8(Field.versionIHL) & 0x0F) * 4 }
    public var dscp: UInt8 { bytes.u8(Field.tos) >> 2 }
    public var ecn: UInt8 { bytes.u8(Field.tos) & 3 }
    public var totalLength: Int { Int(bytes.u16(Field.totalLength)) }
    public var identification: UInt16 { bytes.u16(Field.identification) }
    public var dontFragment: Bool { bytes.u16(Field.flagsFragment) & 0x4000 != 0 }
    public var moreFragments: Bool { bytes.u16(Field.flagsFragment) & 0x2000 != 0 }
    /// Offset of this fragment's data in the original datagram, in bytes.
    public var fragmentOffset: Int { Int(bytes.u16(Field.flagsFragment) & 0x1FFF) * 8 }
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
    public var ttl: UInt8 { bytes.u8(Field.ttl) }
    public var `protocol`: IPProtocol { IPProtocol(rawValue: bytes.u8(Field.proto)) }
    public var checksum: UInt16 { bytes.u16(Field.checksum) }
    public var source: IPv4Address { bytes.ipv4(Field.source) }
    public var destination: IPv4Address { bytes.ipv4(Field.destination) }

    public var options: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(Field.minimumLength..<headerLength) }
    }
    /// The data after the header, up to Total Length (for a quoted header: whatever was quoted).
    public var payload: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(headerLength...) }
    }
}

public struct IPv4Header: Hashable, Sendable {
    public var dscp: UInt8
    public var ecn: UInt8
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// In bytes; a multiple of 8 below 65536.
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var `protocol`: IPProtocol
    public var source: IPv4Address
    public var destination: IPv4Address
    /// Raw option bytes; emit pads them with End-of-Option-List to a multiple of 4.
    public var options: [UInt8]
    /// Bytes of data after the header.
    public var payloadLength: Int

    public init(dscp: UInt8 = 0, ecn: UInt8 = 0, identification: UInt16 = 0, dontFragment: Bool = false,
                moreFragments: Bool = false, fragmentOffset: Int = 0, ttl: UInt8 = 64, protocol: IPProtocol,
                source: IPv4Address, destination: IPv4Address, options: [UInt8] = [], payloadLength: Int) {
        self.dscp = dscp
        self.ecn = ecn
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocol = `protocol`
        self.source = source
        self.destination = destination
        self.options = options
        self.payloadLength = payloadLength
    }

    public init(_ p: borrowing IPv4Packet) {
        self.init(dscp: p.dscp, ecn: p.ecn, identification: p.identification, dontFragment: p.dontFragment,
                  moreFragments: p.moreFragments, fragmentOffset: p.fragmentOffset, ttl: p.ttl,
                  protocol: p.protocol, source: p.source, destination: p.destination,
                  options: p.headerLength > 20 ? Array(copying: p.options) : [],
                  payloadLength: p.totalLength - p.headerLength)
    }

    public init(parsing bytes: Span<UInt8>) throws(WireError) { self.init(try IPv4Packet(validating: bytes)) }

    public var headerLength: Int { 20 + (options.count + 3) & ~3 }
    public var totalLength: Int { headerLength + payloadLength }

    /// Writes the header (with its checksum) at the start of `buffer`.
    public func emit(into buffer: inout MutableSpan<UInt8>) throws(WireError) {
        typealias F = IPv4Packet.Field
        let hl = headerLength
        guard hl <= 60, totalLength <= 0xFFFF, payloadLength >= 0,
              fragmentOffset >= 0, fragmentOffset % 8 == 0, fragmentOffset / 8 <= 0x1FFF else {
            throw .badLength(.ipv4)
        }
        try requireRoom(buffer, hl)
        buffer.set8(UInt8(0x40 | hl / 4), F.versionIHL)
        buffer.set8((dscp & 0x3F) << 2 | (ecn & 3), F.tos)
        buffer.set16(UInt16(totalLength), F.totalLength)
        buffer.set16(identification, F.identification)
        let flags: UInt16 = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0)
        buffer.set16(flags | UInt16(fragmentOffset / 8), F.flagsFragment)
        buffer.set8(ttl, F.ttl)
        buffer.set8(self.protocol.rawValue, F.proto)
        buffer.set16(0, F.checksum)
        buffer.setIPv4(source, F.source)
        buffer.setIPv4(destination, F.destination)
        buffer.setBytes(options, F.minimumLength)
        buffer.zero(F.minimumLength + options.count, hl - F.minimumLength - options.count)
        let sum = InternetChecksum.of(buffer.span.extracting(0..<hl))
        buffer.set16(sum, F.checksum)
    }
}

extension Array where Element == UInt8 {
    /// A copy of the bytes of a span (one bulk copy: appending byte by byte would cost a DNS query about
    /// 500 instructions).
    public init(copying span: Span<UInt8>) {
        self.init(repeating: 0, count: span.count)
        var bytes = mutableSpan
        Audited.copy(span, into: &bytes, at: 0)
    }
}
