// SwiftletWire: DHCPv4 messages (RFC 2131 §2 BOOTP fixed part; RFC 2132 options; RFC 3396 long options).
//
// Layout: op htype hlen hops(1 each) xid(4) secs(2) flags(2) ciaddr yiaddr siaddr giaddr(4 each)
// chaddr(16) sname(64) file(128) magic cookie 99.130.83.99(4) options. Only Ethernet hardware addresses
// are accepted (htype 1, hlen 6). Options are code/length/value with Pad (0) and End (255); the
// Option Overload option (52) continues the list in `file` and then `sname` (RFC 2132 §9.3). Repeated
// instances of one code are concatenated (RFC 3396 §7). Known options with impossible lengths are errors.

import Swiftlet

public struct DHCPMessageType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let discover = DHCPMessageType(rawValue: 1)
    public static let offer = DHCPMessageType(rawValue: 2)
    public static let request = DHCPMessageType(rawValue: 3)
    public static let decline = DHCPMessageType(rawValue: 4)
    public static let ack = DHCPMessageType(rawValue: 5)
    public static let nak = DHCPMessageType(rawValue: 6)
    public static let release = DHCPMessageType(rawValue: 7)
    public static let inform = DHCPMessageType(rawValue: 8)
}

/// BOOTP operation: requests go client → server, replies server → client.
public enum DHCPOperation: UInt8, Hashable, Sendable {
    case bootRequest = 1
    case bootReply = 2
}

/// An option this layer does not interpret, kept as raw data.
public struct DHCPRawOption: Hashable, Sendable {
    public var code: UInt8
    public var data: [UInt8]
    public init(code: UInt8, data: [UInt8]) { self.code = code; self.data = data }
}

public struct DHCPOptions: Hashable, Sendable {
    public var messageType: DHCPMessageType?
    public var subnetMask: IPv4Address?
    public var routers: [IPv4Address] = []
    public var domainNameServers: [IPv4Address] = []
    public var hostName: [UInt8]?
    public var domainName: [UInt8]?
    public var interfaceMTU: UInt16?
    public var broadcastAddress: IPv4Address?
    public var requestedAddress: IPv4Address?
    /// Seconds.
    public var leaseTime: UInt32?
    public var renewalTime: UInt32?
    public var rebindingTime: UInt32?
    public var serverIdentifier: IPv4Address?
    public var parameterRequestList: [UInt8] = []
    public var message: [UInt8]?
    public var maximumMessageSize: UInt16?
    public var clientIdentifier: [UInt8]?
    /// Everything else, in the order first seen.
    public var other: [DHCPRawOption] = []

    public init() {}

    enum Code {
        static let pad: UInt8 = 0, subnetMask: UInt8 = 1, routers: UInt8 = 3, dns: UInt8 = 6, hostName: UInt8 = 12
        static let domainName: UInt8 = 15, mtu: UInt8 = 26, broadcast: UInt8 = 28, requestedAddress: UInt8 = 50
        static let leaseTime: UInt8 = 51, overload: UInt8 = 52, messageType: UInt8 = 53, serverIdentifier: UInt8 = 54
        static let parameterRequestList: UInt8 = 55, message: UInt8 = 56, maxMessageSize: UInt8 = 57
        static let renewal: UInt8 = 58, rebinding: UInt8 = 59, clientIdentifier: UInt8 = 61, end: UInt8 = 255
    }

    /// Interprets the concatenated raw options.
    init(raw: [DHCPRawOption]) throws(WireError) {
        func address(_ d: [UInt8]) throws(WireError) -> IPv4Address {
            guard d.count == 4 else { throw .badOption(.dhcpv4) }
            return IPv4Address(d[0], d[1], d[2], d[3])
        }
        func addresses(_ d: [UInt8]) throws(WireError) -> [IPv4Address] {
            guard !d.isEmpty, d.count % 4 == 0 else { throw .badOption(.dhcpv4) }
            var out: [IPv4Address] = []
            var i = 0
            while i < d.count { out.append(IPv4Address(d[i], d[i + 1], d[i + 2], d[i + 3])); i += 4 }
            return out
        }
        func u32(_ d: [UInt8]) throws(WireError) -> UInt32 {
            guard d.count == 4 else { throw .badOption(.dhcpv4) }
            return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
        }
        func u16(_ d: [UInt8]) throws(WireError) -> UInt16 {
            guard d.count == 2 else { throw .badOption(.dhcpv4) }
            return UInt16(d[0]) << 8 | UInt16(d[1])
        }
        func nonEmpty(_ d: [UInt8]) throws(WireError) -> [UInt8] {
            guard !d.isEmpty else { throw .badOption(.dhcpv4) }
            return d
        }
        self.init()
        for option in raw {
            let d = option.data
            switch option.code {
            case Code.messageType:
                guard d.count == 1 else { throw .badOption(.dhcpv4) }
                messageType = DHCPMessageType(rawValue: d[0])
            case Code.subnetMask: subnetMask = try address(d)
            case Code.routers: routers = try addresses(d)
            case Code.dns: domainNameServers = try addresses(d)
            case Code.hostName: hostName = try nonEmpty(d)
            case Code.domainName: domainName = try nonEmpty(d)
            case Code.mtu: interfaceMTU = try u16(d)
            case Code.broadcast: broadcastAddress = try address(d)
            case Code.requestedAddress: requestedAddress = try address(d)
            case Code.leaseTime: leaseTime = try u32(d)
            case Code.serverIdentifier: serverIdentifier = try address(d)
            case Code.parameterRequestList: parameterRequestList = try nonEmpty(d)
            case Code.message: message = try nonEmpty(d)
            case Code.maxMessageSize: maximumMessageSize = try u16(d)
            case Code.renewal: renewalTime = try u32(d)
            case Code.rebinding: rebindingTime = try u32(d)
            case Code.clientIdentifier:
                guard d.count >= 2 else { throw .badOption(.dhcpv4) }
                clientIdentifier = d
            default: other.append(option)
            }
        }
    }

    /// The options as code/data pairs in emit order (message type first, as RFC 2131 clients expect).
    var raw: [DHCPRawOption] {
        var out: [DHCPRawOption] = []
        func add(_ code: UInt8, _ data: [UInt8]) { out.append(DHCPRawOption(code: code, data: data)) }
        func bytes(_ a: IPv4Address) -> [UInt8] { [a.octet(0), a.octet(1), a.octet(2), a.octet(3)] }
        func bytes32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
        func bytes16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
        if let t = messageType { add(Code.messageType, [t.rawValue]) }
        if let v = serverIdentifier { add(Code.serverIdentifier, bytes(v)) }
        if let v = clientIdentifier { add(Code.clientIdentifier, v) }
        if let v = requestedAddress { add(Code.requestedAddress, bytes(v)) }
        if let v = leaseTime { add(Code.leaseTime, bytes32(v)) }
        if let v = renewalTime { add(Code.renewal, bytes32(v)) }
        if let v = rebindingTime { add(Code.rebinding, bytes32(v)) }
        if let v = subnetMask { add(Code.subnetMask, bytes(v)) }
        if let v = broadcastAddress { add(Code.broadcast, bytes(v)) }
        if !routers.isEmpty { add(Code.routers, routers.flatMap(bytes)) }
        if !domainNameServers.isEmpty { add(Code.dns, domainNameServers.flatMap(bytes)) }
        if let v = hostName { add(Code.hostName, v) }
        if let v = domainName { add(Code.domainName, v) }
        if let v = interfaceMTU { add(Code.mtu, bytes16(v)) }
        if !parameterRequestList.isEmpty { add(Code.parameterRequestList, parameterRequestList) }
        if let v = maximumMessageSize { add(Code.maxMessageSize, bytes16(v)) }
        if let v = message { add(Code.message, v) }
        out += other
        return out
    }
}

public struct DHCPv4Packet: ~Escapable {
    public let bytes: Span<UInt8>

    enum Field {
        static let op = 0, htype = 1, hlen = 2, hops = 3, xid = 4, secs = 8, flags = 10
        static let ciaddr = 12, yiaddr = 16, siaddr = 20, giaddr = 24, chaddr = 28
        static let sname = 44, snameLength = 64, file = 108, fileLength = 128
        static let cookie = 236, options = 240
    }
    static let magicCookie: UInt32 = 0x6382_5363
    /// RFC 1542 §2.1: BOOTP messages are at least 300 bytes.
    static let minimumEmitLength = 300

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        try require(bytes, Field.options, .dhcpv4)
        guard bytes.u8(Field.op) == 1 || bytes.u8(Field.op) == 2, bytes.u8(Field.htype) == 1,
              bytes.u8(Field.hlen) == 6 else { throw .badField(.dhcpv4) }
        guard bytes.u32(Field.cookie) == DHCPv4Packet.magicCookie else { throw .badField(.dhcpv4) }
        self.bytes = bytes
        _ = try rawOptions()
    }

    public var operation: DHCPOperation { bytes.u8(Field.op) == 1 ? .bootRequest : .bootReply }
    public var hops: UInt8 { bytes.u8(Field.hops) }
    public var transactionID: UInt32 { bytes.u32(Field.xid) }
    public var secondsElapsed: UInt16 { bytes.u16(Field.secs) }
    public var broadcast: Bool { bytes.u16(Field.flags) & 0x8000 != 0 }
    public var clientAddress: IPv4Address { bytes.ipv4(Field.ciaddr) }
    public var yourAddress: IPv4Address { bytes.ipv4(Field.yiaddr) }
    public var serverAddress: IPv4Address { bytes.ipv4(Field.siaddr) }
    public var relayAddress: IPv4Address { bytes.ipv4(Field.giaddr) }
    public var clientHardwareAddress: MACAddress { bytes.mac(Field.chaddr) }

    /// The options in order, repeated codes concatenated, following Option Overload into file and sname.
    public func rawOptions() throws(WireError) -> [DHCPRawOption] { try scanOptions().options }

    func scanOptions() throws(WireError) -> (options: [DHCPRawOption], overload: UInt8) {
        var collected: [DHCPRawOption] = []
        var overload: UInt8 = 0
        try DHCPv4Packet.scan(bytes.extracting(Field.options...), into: &collected, overload: &overload)
        if overload & 1 != 0 {
            try DHCPv4Packet.scan(bytes.extracting(Field.file..<(Field.file + Field.fileLength)), into: &collected, overload: &overload)
        }
        if overload & 2 != 0 {
            try DHCPv4Packet.scan(bytes.extracting(Field.sname..<(Field.sname + Field.snameLength)), into: &collected, overload: &overload)
        }
        return (collected, overload)
    }

    static func scan(_ area: Span<UInt8>, into collected: inout [DHCPRawOption], overload: inout UInt8) throws(WireError) {
        var i = 0
        while i < area.count {
            let code = area[i]
            if code == DHCPOptions.Code.end { return }
            if code == DHCPOptions.Code.pad { i += 1; continue }
            guard i + 1 < area.count else { throw .badOption(.dhcpv4) }
            let length = Int(area[i + 1])
            guard i + 2 + length <= area.count else { throw .badOption(.dhcpv4) }
            let data = area.copy(i + 2, length)
            if code == DHCPOptions.Code.overload {
                guard length == 1, (1...3).contains(data[0]) else { throw .badOption(.dhcpv4) }
                overload |= data[0]
            } else if let k = collected.firstIndex(where: { $0.code == code }) {
                collected[k].data += data
            } else {
                collected.append(DHCPRawOption(code: code, data: data))
            }
            i += 2 + length
        }
    }

    /// The `sname` or `file` field up to its first NUL, unless it carries overloaded options.
    func text(_ offset: Int, _ length: Int, overloadBit: UInt8, overload: UInt8) -> [UInt8]? {
        if overload & overloadBit != 0 { return nil }
        var out: [UInt8] = []
        for i in offset..<(offset + length) {
            let c = bytes[i]
            if c == 0 { break }
            out.append(c)
        }
        return out.isEmpty ? nil : out
    }
}

public struct DHCPv4Message: Hashable, Sendable {
    public var operation: DHCPOperation
    public var hops: UInt8
    public var transactionID: UInt32
    public var secondsElapsed: UInt16
    public var broadcast: Bool
    public var clientAddress: IPv4Address
    public var yourAddress: IPv4Address
    public var serverAddress: IPv4Address
    public var relayAddress: IPv4Address
    public var clientHardwareAddress: MACAddress
    /// Server host name (`sname`), when present and not used for options.
    public var serverName: [UInt8]?
    /// Boot file name (`file`), when present and not used for options.
    public var bootFile: [UInt8]?
    public var options: DHCPOptions

    public init(operation: DHCPOperation, hops: UInt8 = 0, transactionID: UInt32, secondsElapsed: UInt16 = 0,
                broadcast: Bool = false, clientAddress: IPv4Address = .any, yourAddress: IPv4Address = .any,
                serverAddress: IPv4Address = .any, relayAddress: IPv4Address = .any,
                clientHardwareAddress: MACAddress, serverName: [UInt8]? = nil, bootFile: [UInt8]? = nil,
                options: DHCPOptions) {
        self.operation = operation
        self.hops = hops
        self.transactionID = transactionID
        self.secondsElapsed = secondsElapsed
        self.broadcast = broadcast
        self.clientAddress = clientAddress
        self.yourAddress = yourAddress
        self.serverAddress = serverAddress
        self.relayAddress = relayAddress
        self.clientHardwareAddress = clientHardwareAddress
        self.serverName = serverName
        self.bootFile = bootFile
        self.options = options
    }

    public init(_ p: borrowing DHCPv4Packet) throws(WireError) {
        typealias F = DHCPv4Packet.Field
        let (raw, overload) = try p.scanOptions()
        self.init(operation: p.operation, hops: p.hops, transactionID: p.transactionID,
                  secondsElapsed: p.secondsElapsed, broadcast: p.broadcast, clientAddress: p.clientAddress,
                  yourAddress: p.yourAddress, serverAddress: p.serverAddress, relayAddress: p.relayAddress,
                  clientHardwareAddress: p.clientHardwareAddress,
                  serverName: p.text(F.sname, F.snameLength, overloadBit: 2, overload: overload),
                  bootFile: p.text(F.file, F.fileLength, overloadBit: 1, overload: overload),
                  options: try DHCPOptions(raw: raw))
    }

    public init(parsing bytes: Span<UInt8>) throws(WireError) { try self.init(try DHCPv4Packet(validating: bytes)) }

    /// The encoded option area: each option split into 255-byte pieces (RFC 3396), then End.
    var encodedOptions: [UInt8] {
        var out: [UInt8] = []
        for option in options.raw {
            var rest = option.data[...]
            repeat {
                let piece = rest.prefix(255)
                out.append(option.code)
                out.append(UInt8(piece.count))
                out += piece
                rest = rest.dropFirst(piece.count)
            } while !rest.isEmpty
        }
        out.append(DHCPOptions.Code.end)
        return out
    }

    /// Bytes `emit` writes: the fixed part, the options, padded to the BOOTP minimum of 300.
    public var length: Int { Swift.max(DHCPv4Packet.Field.options + encodedOptions.count, DHCPv4Packet.minimumEmitLength) }

    public func emit(into buffer: inout MutableSpan<UInt8>) throws(WireError) {
        typealias F = DHCPv4Packet.Field
        let optionBytes = encodedOptions
        let total = Swift.max(F.options + optionBytes.count, DHCPv4Packet.minimumEmitLength)
        try requireRoom(buffer, total)
        guard (serverName?.count ?? 0) <= F.snameLength, (bootFile?.count ?? 0) <= F.fileLength else {
            throw .badLength(.dhcpv4)
        }
        buffer.zero(0, total)
        buffer.set8(operation.rawValue, F.op)
        buffer.set8(1, F.htype)
        buffer.set8(6, F.hlen)
        buffer.set8(hops, F.hops)
        buffer.set32(transactionID, F.xid)
        buffer.set16(secondsElapsed, F.secs)
        buffer.set16(broadcast ? 0x8000 : 0, F.flags)
        buffer.setIPv4(clientAddress, F.ciaddr)
        buffer.setIPv4(yourAddress, F.yiaddr)
        buffer.setIPv4(serverAddress, F.siaddr)
        buffer.setIPv4(relayAddress, F.giaddr)
        buffer.setMAC(clientHardwareAddress, F.chaddr)
        if let s = serverName { buffer.setBytes(s, F.sname) }
        if let f = bootFile { buffer.setBytes(f, F.file) }
        buffer.set32(DHCPv4Packet.magicCookie, F.cookie)
        buffer.setBytes(optionBytes, F.options)
    }
}
