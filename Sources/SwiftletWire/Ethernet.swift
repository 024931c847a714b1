// SwiftletWire: Ethernet II frames (IEEE 802.3 §3.2.6 type interpretation) with an optional IEEE 802.1Q tag.
//
// Layout: destination(6) source(6) [TPID 0x8100(2) TCI(2)] EtherType(2) payload. The FCS is not present
// (devices strip it). Length-interpreted frames (type field < 0x0600, 802.3 with LLC) are rejected as
// `badField`: nothing above this layer speaks LLC. Stacked tags (QinQ) are not parsed: a second 0x8100
// is left as the EtherType for the caller to drop.

import Swiftlet

public struct EthernetFrame: ~Escapable {
    public let bytes: Span<UInt8>

    enum Field {
        static let destination = 0
        static let source = 6
        static let type = 12
        static let tci = 14
        static let taggedType = 16
        static let minimumLength = 14
        static let taggedLength = 18
    }

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try require(bytes, Field.minimumLength, .ethernet)
        let type = bytes.u16(Field.type)
        if type == EtherType.vlan.rawValue {
            try require(bytes, Field.taggedLength, .ethernet)
            guard bytes.u16(Field.taggedType) >= 0x0600 else { throw .badField(.ethernet) }
        } else {
            guard type >= 0x0600 else { throw .badField(.ethernet) }
        }
        self.bytes = bytes
    }

    public var destination: MACAddress { bytes.mac(Field.destination) }
    public var source: MACAddress { bytes.mac(Field.source) }
    public var isTagged: Bool { bytes.u16(Field.type) == EtherType.vlan.rawValue }
    public var vlan: VLANTag? { isTagged ? VLANTag(tci: bytes.u16(Field.tci)) : nil }
    public var etherType: EtherType { EtherType(rawValue: bytes.u16(isTagged ? Field.taggedType : Field.type)) }
    public var headerLength: Int { isTagged ? Field.taggedLength : Field.minimumLength }

    public var payload: Span<UInt8> {
        @_lifetime(copy self) get { bytes.extracting(headerLength...) }
    }
}

/// The 802.1Q tag control information: priority (PCP), drop eligible (DEI), VLAN identifier.
public struct VLANTag: Hashable, Sendable {
    public var priority: UInt8       // 0...7
    public var dropEligible: Bool
    public var identifier: UInt16    // 0...4095

    public init(priority: UInt8 = 0, dropEligible: Bool = false, identifier: UInt16) {
        self.priority = priority & 7
        self.dropEligible = dropEligible
        self.identifier = identifier & 0x0FFF
    }

    public init(tci: UInt16) {
        self.init(priority: UInt8(tci >> 13), dropEligible: tci & 0x1000 != 0, identifier: tci & 0x0FFF)
    }

    public var tci: UInt16 { UInt16(priority) << 13 | (dropEligible ? 0x1000 : 0) | identifier }
}

public struct EthernetHeader: Hashable, Sendable {
    public var destination: MACAddress
    public var source: MACAddress
    public var vlan: VLANTag?
    public var etherType: EtherType

    public init(destination: MACAddress, source: MACAddress, vlan: VLANTag? = nil, etherType: EtherType) {
        self.destination = destination
        self.source = source
        self.vlan = vlan
        self.etherType = etherType
    }

    public init(_ frame: borrowing EthernetFrame) {
        self.init(destination: frame.destination, source: frame.source, vlan: frame.vlan, etherType: frame.etherType)
    }

    public init(parsing bytes: Span<UInt8>) throws(WireError) {
        self.init(try EthernetFrame(validating: bytes))
    }

    public var length: Int { vlan == nil ? 14 : 18 }

    /// Writes the header at the start of `buffer`.
    public func emit(into buffer: inout MutableSpan<UInt8>) throws(WireError) {
        try requireRoom(buffer, length)
        buffer.setMAC(destination, EthernetFrame.Field.destination)
        buffer.setMAC(source, EthernetFrame.Field.source)
        if let vlan {
            buffer.set16(EtherType.vlan.rawValue, EthernetFrame.Field.type)
            buffer.set16(vlan.tci, EthernetFrame.Field.tci)
            buffer.set16(etherType.rawValue, EthernetFrame.Field.taggedType)
        } else {
            buffer.set16(etherType.rawValue, EthernetFrame.Field.type)
        }
    }
}
