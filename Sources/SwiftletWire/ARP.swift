// SwiftletWire: ARP for IPv4 over Ethernet (RFC 826).
//
// Layout (28 bytes): htype(2)=1 ptype(2)=0x0800 hlen(1)=6 plen(1)=4 oper(2) sha(6) spa(4) tha(6) tpa(4).
// Other hardware or protocol types are rejected (`badField`): this stack resolves IPv4 on Ethernet only.
// Trailing bytes (Ethernet padding to 60 bytes) are ignored.

import Swiftlet

public struct ARPOperation: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let request = ARPOperation(rawValue: 1)
    public static let reply = ARPOperation(rawValue: 2)
}

public struct ARPPacket: ~Escapable {
    public let bytes: Span<UInt8>

    enum Field {
        static let hardwareType = 0, protocolType = 2, hardwareLength = 4, protocolLength = 5, operation = 6
        static let senderMAC = 8, senderIP = 14, targetMAC = 18, targetIP = 24
        static let length = 28
    }

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try require(bytes, Field.length, .arp)
        guard bytes.u16(Field.hardwareType) == 1, bytes.u16(Field.protocolType) == EtherType.ipv4.rawValue,
              bytes.u8(Field.hardwareLength) == 6, bytes.u8(Field.protocolLength) == 4 else {
            throw .badField(.arp)
        }
        self.bytes = bytes
    }

    public var operation: ARPOperation { ARPOperation(rawValue: bytes.u16(Field.operation)) }
    public var senderMAC: MACAddress { bytes.mac(Field.senderMAC) }
    public var senderIP: IPv4Address { bytes.ipv4(Field.senderIP) }
    public var targetMAC: MACAddress { bytes.mac(Field.targetMAC) }
    public var targetIP: IPv4Address { bytes.ipv4(Field.targetIP) }
}

public struct ARPHeader: Hashable, Sendable {
    public var operation: ARPOperation
    public var senderMAC: MACAddress
    public var senderIP: IPv4Address
    public var targetMAC: MACAddress
    public var targetIP: IPv4Address

    public init(operation: ARPOperation, senderMAC: MACAddress, senderIP: IPv4Address,
                targetMAC: MACAddress, targetIP: IPv4Address) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    public init(_ p: borrowing ARPPacket) {
        self.init(operation: p.operation, senderMAC: p.senderMAC, senderIP: p.senderIP,
                  targetMAC: p.targetMAC, targetIP: p.targetIP)
    }

    public init(parsing bytes: Span<UInt8>) throws(WireError) { self.init(try ARPPacket(validating: bytes)) }

    public static let length = ARPPacket.Field.length

    public func emit(into buffer: inout MutableSpan<UInt8>) throws(WireError) {
        typealias F = ARPPacket.Field
        try requireRoom(buffer, F.length)
        buffer.set16(1, F.hardwareType)
        buffer.set16(EtherType.ipv4.rawValue, F.protocolType)
        buffer.set8(6, F.hardwareLength)
        buffer.set8(4, F.protocolLength)
        buffer.set16(operation.rawValue, F.operation)
        buffer.setMAC(senderMAC, F.senderMAC)
        buffer.setIPv4(senderIP, F.senderIP)
        buffer.setMAC(targetMAC, F.targetMAC)
        buffer.setIPv4(targetIP, F.targetIP)
    }
}
