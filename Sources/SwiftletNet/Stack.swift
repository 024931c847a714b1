// SwiftletNet: the network stack: one Ethernet interface with ARP, IPv4 (with reassembly and
// fragmentation), ICMP, UDP and TCP. Generic over the device, so each target's build specialises it.
//
// Sans-I/O in time: the caller passes `now` to every method and calls `poll(now:)` by the deadline it
// returns; the stack never reads a clock. Frames come in through `receive(frame:now:)` and go out through
// the device's `transmit`. Every queue is bounded (ARP waiting list, reassembly memory, UDP receive
// queues, TCP buffers, listen backlogs) and what overflows is dropped and counted in `counters`.

import Swiftlet
import SwiftletWire

public struct StackCounters: Sendable {
    public var framesIn = 0, framesOut = 0, framesDropped = 0
    /// Bytes of the frames received and sent (Ethernet header and payload).
    public var bytesIn = 0, bytesOut = 0
    /// Segments sent again by connections the stack has forgotten (live ones keep their own count).
    public var tcpRetransmittedByClosed = 0
    public var malformed = 0
    public var ipv4NotForUs = 0
    /// Datagrams from a source no host may use (`IPv4Configuration.isMartianSource`), dropped unanswered.
    public var martianSources = 0
    public var icmpEchoRepliesSent = 0
    public var udpNoPort = 0, udpQueueFull = 0
    public var tcpResetsSent = 0, tcpBacklogDrops = 0
    /// SYN-ACKs sent as cookies (backlog full), connections opened from a returning cookie, half-open
    /// connections evicted for a newer SYN (cookies off), SYNs refused by the connection cap or the memory budget.
    public var tcpCookiesSent = 0, tcpCookiesAccepted = 0, tcpHalfOpenEvicted = 0
    public var tcpConnectionLimitDrops = 0, tcpMemoryDrops = 0
    public var transmitErrors = 0
    /// IPv6 packets for no address or group of ours; packets of upper layers the IPv6 side does not carry
    /// (a second fragment header after reassembly, too); NDP messages RFC 4861 says to discard; advertisements
    /// for an address we hold; ICMPv6 errors not sent by the rate limit.
    public var ipv6NotForUs = 0, ipv6Unsupported = 0, ndpInvalid = 0, ipv6AddressConflicts = 0, icmpv6ErrorsLimited = 0
    /// Packet Too Big messages that lowered a path MTU; ones naming data not in flight (RFC 5927 §4.1).
    public var pathMTUReductions = 0, packetTooBigIgnored = 0
    /// Redirects that moved a destination's first hop; ones not from that destination's first hop (RFC 4861 §8.1).
    public var redirectsFollowed = 0, redirectsIgnored = 0
}

/// Secrets for a stack, drawn from entropy once. (A struct, because Embedded Swift does not allow generic
/// initialisers on classes.)
public struct StackSeed: Sendable {
    public var key0: UInt64
    public var key1: UInt64
    public var identification: UInt16
    public init<E: Entropy>(_ entropy: E) {
        key0 = entropy.next64()
        key1 = entropy.next64()
        identification = UInt16(truncatingIfNeeded: entropy.next64())
    }
}

/// A socket as the async layer parks tasks on it: the stack reports each one whose state may have changed
/// (`takeTouched`), so a turn looks only at the tasks those changes can wake.
public enum SocketKey: Hashable, Sendable {
    case connection(TCPSocketID), listener(UInt16), udp(UInt16), echo
}

public struct EchoReply: Hashable, Sendable {
    public var from: IPv4Address
    public var identifier: UInt16
    public var sequence: UInt16
    public var payload: [UInt8]
}

public struct TCPSocketID: Hashable, Sendable, CustomStringConvertible {
    public var localPort: UInt16
    public var remote: TCPEndpoint
    public var description: String { ":" + localPort.description + "<->" + remote.description }
    /// One 64-bit word to the hasher instead of three fields (one lookup per segment; callgrind); an
    /// IPv6 peer adds the address's other 64 bits.
    public func hash(into hasher: inout Hasher) {
        let ports = UInt64(localPort) << 48 | UInt64(remote.port) << 32
        switch remote.address {
        case .v4(let a): hasher.combine(ports | UInt64(a.rawValue))
        case .v6(let a): hasher.combine(ports ^ a.low); hasher.combine(a.high)
        }
    }
}

// The properties touched for every packet are `@exclusivity(unchecked)`: Swift checks each access to a
// class's stored property at run time (swift_beginAccess, about 60 instructions), some twenty times per
// TCP segment, 14% of `Benchmarks/run tcp-memory` under callgrind. What makes that safe here: the stack is
// used from one thread (its run loop), and none of these properties is ever modified while a closure or
// callee could reach it again (the device's `transmit` and the TCP state machines hold no reference to
// the stack). docs/ARCHITECTURE.md, "TCP speed, measured".
public final class NetworkStack<Device: NetworkDevice> {
    public let device: Device
    @exclusivity(unchecked) public private(set) var ipv4: IPv4Configuration
    public let tcpConfiguration: TCPConfiguration
    @exclusivity(unchecked) public var counters = StackCounters()
    @exclusivity(unchecked) public private(set) var arp: ARPCache
    @exclusivity(unchecked) public private(set) var reassembly: IPv4Reassembly
    /// IPv6's, with the same bounds (Stack+IPv6.swift).
    @exclusivity(unchecked) public internal(set) var reassembly6: IPv6Reassembly
    /// Counts the fragmented packets sent, for IPv6 fragment identifications (RFC 7739).
    var fragmentCounter: UInt32 = 0

    /// Boxed, so that reading or changing one connection never copies it (a `TCPConnection` holds its
    /// buffers; copying it out of a dictionary and back costs retains, and a write would copy the buffer).
    @exclusivity(unchecked) var connections: [TCPSocketID: TCPConnectionBox] = [:]
    /// Each connection's next timer deadline, refreshed by `flush` after every change to it: `poll` and
    /// `nextDeadline` scan instants, not whole connections.
    @exclusivity(unchecked) var timers: [TCPSocketID: Instant] = [:]
    @exclusivity(unchecked) var listeners: [UInt16: Listener] = [:]
    @exclusivity(unchecked) var udpSockets: [UInt16: UDPPort] = [:]
    var echoReplies: [EchoReply] = []
    /// Sockets whose readiness may have changed since `takeTouched`: recorded only once `recordsTouches`
    /// is set (by the async layer, which takes them every turn), at most 4,096 a turn; past that
    /// `touchesOverflowed` says "look at every socket".
    @exclusivity(unchecked) var touched: [SocketKey] = []
    @exclusivity(unchecked) var touchesOverflowed = false
    public var recordsTouches = false
    /// The frame being handled came with `PacketBuffer.checksumVerified`: its TCP or UDP checksum is
    /// not checked again. Set by `receive(frame:now:checksumVerified:)` for that call only.
    var frameChecksumVerified = false
    @exclusivity(unchecked) var identification: UInt16
    let secret: (UInt64, UInt64)
    var ephemeralCounter: UInt32 = 0
    var dhcp: DHCPClient? = nil
    var dhcpEvents: [DHCPClient.Event] = []
    /// Connections the application closed: forgotten as soon as they reach CLOSED.
    var detached: Set<TCPSocketID> = []
    /// What TCP's buffers and connection records may hold in all (`TCPConfiguration.memoryBudget`).
    public let tcpMemory: MemoryBudget
    let cookies: SYNCookie
    /// IPv6 (Stack+IPv6.swift): nil when the stack was made without it.
    @exclusivity(unchecked) public internal(set) var ipv6: IPv6Autoconfiguration?
    @exclusivity(unchecked) public internal(set) var neighbors: NeighborCache
    var ipv6Events: [IPv6Autoconfiguration.Action] = []
    var icmpv6ErrorTokens = 10
    var icmpv6ErrorRefill = Instant.zero
    /// When an MLD query was last answered (at most one answer a second).
    var lastMLDAnswer: Instant? = nil
    /// Destinations with a path MTU below the link's (Stack+PathMTU.swift).
    var pathMTUs: [PathMTUEntry] = []

    struct Listener {
        var backlog: Int
        var ready: [TCPSocketID] = []
        var embryonic: Set<TCPSocketID> = []
        /// `embryonic` in arrival order (entries whose handshake ended are skipped and pruned lazily):
        /// the oldest half-open connection is evicted first.
        var arrivals: [TCPSocketID] = []
        /// When the last cookie went out: returning ACKs are checked for cookies only for a while after.
        var lastCookie: Instant? = nil
    }


    static var ethernetHeader: Int { 14 }
    static var ipv4Header: Int { 20 }

    /// `seed` (drawn from the platform's entropy) keys the ISN and port hashes and IP identification.
    public init(device: Device, ipv4: IPv4Configuration, seed: StackSeed,
                tcp: TCPConfiguration = TCPConfiguration(), arp: ARPCache.Configuration = .init(),
                reassembly: IPv4Reassembly.Configuration = .init(), ipv6: IPv6Autoconfiguration.Configuration? = nil,
                neighbors: NeighborCache.Configuration = .init()) {
        self.device = device
        self.ipv4 = ipv4
        tcpConfiguration = tcp
        self.arp = ARPCache(configuration: arp)
        self.reassembly = IPv4Reassembly(configuration: reassembly)
        self.reassembly6 = IPv6Reassembly(configuration: reassembly)
        secret = (seed.key0, seed.key1)
        identification = seed.identification
        tcpMemory = MemoryBudget(limit: tcp.memoryBudget)
        cookies = SYNCookie(key0: seed.key1 ^ 0x636F_6F6B, key1: seed.key0)
        self.ipv6 = ipv6.map { IPv6Autoconfiguration(interfaceID: IPv6Address.interfaceID(eui48: device.macAddress), configuration: $0) }
        self.neighbors = NeighborCache(configuration: neighbors)
    }

    public var macAddress: MACAddress { device.macAddress }

    /// Announces our address with a gratuitous ARP request (RFC 5227 §3).
    /// Starts IPv6 too, when the stack has it (link-local address, DAD, router solicitation).
    public func start(now: Instant) {
        sendARP(.request, targetMAC: .zero, targetIP: ipv4.address, to: .broadcast)
        startIPv6(now: now)
    }

    /// Changes the address (DHCP); open connections keep their old address and will fail.
    public func configure(_ configuration: IPv4Configuration, now: Instant) {
        ipv4 = configuration
        sendARP(.request, targetMAC: .zero, targetIP: ipv4.address, to: .broadcast)
    }

    // MARK: - Input

    /// Handles one received Ethernet frame; `checksumVerified`: the device vouched for its TCP or UDP
    /// checksum (`PacketBuffer.checksumVerified`).
    public func receive(frame: Span<UInt8>, now: Instant, checksumVerified: Bool = false) {
        frameChecksumVerified = checksumVerified
        defer { frameChecksumVerified = false }
        counters.framesIn += 1
        counters.bytesIn &+= frame.count
        guard let eth = try? EthernetFrame(validating: frame) else { counters.malformed += 1; return }
        let dst = eth.destination
        // IPv6 multicast (33:33:...) is taken when the stack speaks IPv6; the IPv6 layer checks the group.
        guard dst == device.macAddress || dst.isBroadcast || (ipv6 != nil && dst.rawValue >> 32 == 0x3333) else {
            counters.framesDropped += 1
            return
        }
        guard eth.vlan == nil else { counters.framesDropped += 1; return }
        switch eth.etherType {
        case .arp: receiveARP(eth.payload, now: now)
        case .ipv4: receiveIPv4(eth.payload, linkBroadcast: dst.isBroadcast, now: now)
        case .ipv6:
            // Our own frame come back (a reflecting bridge) would look like another node's DAD for our address.
            guard eth.source != device.macAddress else { counters.framesDropped += 1; return }
            receiveIPv6(eth.payload, linkMulticast: dst.isMulticast, now: now)
        default: counters.framesDropped += 1
        }
    }

    func receiveARP(_ bytes: Span<UInt8>, now: Instant) {
        guard let p = try? ARPHeader(parsing: bytes) else { counters.malformed += 1; return }
        let forUs = p.targetIP == ipv4.address
        // RFC 826 "merge": refresh a known sender; learn it when the packet is for us.
        if forUs || arp.knows(p.senderIP) {
            for waiting in arp.learn(p.senderIP, is: p.senderMAC, now: now) {
                transmitIPv4(waiting, to: p.senderMAC)
            }
        }
        if forUs, p.operation == .request, p.senderIP != ipv4.address {
            sendARP(.reply, targetMAC: p.senderMAC, targetIP: p.senderIP, to: p.senderMAC)
        }
    }

    func receiveIPv4(_ bytes: Span<UInt8>, linkBroadcast: Bool, now: Instant) {
        guard let packet = try? IPv4Packet(validating: bytes) else { counters.malformed += 1; return }
        let header = IPv4Header(packet)
        let broadcast = ipv4.isBroadcast(header.destination) || linkBroadcast
        guard header.destination == ipv4.address || ipv4.isBroadcast(header.destination) else {
            counters.ipv4NotForUs += 1
            return
        }
        // RFC 1122 §3.2.1.3: a datagram from a broadcast, multicast, unspecified or loopback source is
        // discarded silently, before it can draw a reply (to a broadcast MAC) or hold reassembly memory.
        // One exception: a DHCP client without an address sends from 0.0.0.0 to UDP port 67 (RFC 2131 §4.1),
        // which a DHCP server built on this stack must hear.
        guard !ipv4.isMartianSource(header.source) || Self.isFromDHCPClient(header, packet.payload) else {
            counters.martianSources += 1
            return
        }
        if packet.isFragment {
            frameChecksumVerified = false  // a device vouches for whole frames only, not what fragments make
            guard let (whole, payload) = reassembly.add(header, payload: packet.payload, now: now) else { return }
            deliver(whole, payload.span, broadcast: broadcast, now: now)
        } else {
            deliver(header, packet.payload, broadcast: broadcast, now: now)
        }
    }

    /// A whole UDP datagram from 0.0.0.0 to the DHCP server port.
    static func isFromDHCPClient(_ header: IPv4Header, _ payload: Span<UInt8>) -> Bool {
        header.source.isUnspecified && header.protocol == .udp && header.fragmentOffset == 0 && !header.moreFragments
            && payload.count >= 8 && payload[2] == 0 && payload[3] == 67
    }

    func deliver(_ header: IPv4Header, _ payload: Span<UInt8>, broadcast: Bool, now: Instant) {
        switch header.protocol {
        case .icmp: receiveICMP(header, payload, broadcast: broadcast, now: now)
        case .udp: receiveUDP(header, payload, broadcast: broadcast, now: now)
        case .tcp: if !broadcast { receiveTCP(header, payload, now: now) }
        default:
            // RFC 1122 §3.2.2.1: protocol unreachable.
            if !broadcast { sendUnreachable(.protocol, about: header, payload, now: now) }
        }
    }

    // MARK: - Time

    /// Notes that `key`'s readiness may have changed. A key just noted is not noted again (a segment and
    /// the flush after it touch one connection twice); at most 4096 are kept, then "all" is noted instead.
    @inline(__always)
    func touch(_ key: SocketKey) {
        guard recordsTouches, touched.last != key else { return }
        if touched.count < NetworkStack.touchedLimit { touched.append(key) } else { touchesOverflowed = true }
    }

    static var touchedLimit: Int { 4096 }

    /// Hands over the sockets touched since the last call, swapped into `keys` (pass it empty); returns
    /// true when more were touched than recorded, and every socket must be looked at.
    public func takeTouched(into keys: inout [SocketKey]) -> Bool {
        swap(&keys, &touched)
        defer { touchesOverflowed = false }
        return touchesOverflowed
    }

    /// Runs timers; returns the next time `poll` must be called.
    @discardableResult
    public func poll(now: Instant) -> Instant {
        for address in arp.poll(now: now) {
            sendARP(.request, targetMAC: .zero, targetIP: address, to: .broadcast)
        }
        // Expired datagrams whose fragment zero had come draw ICMP time exceeded (RFC 792 code 1).
        for (header, leading) in reassembly.poll(now: now) {
            sendICMPError(.timeExceeded(code: 1), about: header, leading.span, now: now)
        }
        if dhcp != nil { serviceDHCP(now: now) }
        if ipv6 != nil { serviceIPv6(now: now) }
        for (id, deadline) in timers where deadline <= now {
            guard let box = connections[id] else { timers[id] = nil; continue }
            box.tcb.poll(now: now)
            flush(id, box, now: now)
        }
        return nextDeadline
    }

    public var nextDeadline: Instant {
        var t = Swift.min(arp.nextDeadline, reassembly.nextDeadline, dhcp?.nextDeadline ?? .distantFuture)
        if let v6 = ipv6 { t = Swift.min(t, v6.nextDeadline, neighbors.nextDeadline, reassembly6.nextDeadline) }
        for d in timers.values where d < t { t = d }
        return t
    }

    // MARK: - Output

    /// A buffer with room for our headers in front and `payload` bytes of transport data.
    func makePacket(transportLength: Int) -> PacketBuffer {
        var p = device.makeFrame(reserve: NetworkStack.ethernetHeader + 60)
        if p.tailroom < transportLength {
            p = PacketBuffer(capacity: device.headroom + NetworkStack.ethernetHeader + 60 + transportLength,
                             headroom: device.headroom + NetworkStack.ethernetHeader + 60)
        }
        try! p.append(transportLength)  // room checked just above
        return p
    }

    /// Prepends an IPv4 header to a transport packet and sends it, fragmenting above the MTU.
    ///
    /// The packet is taken (`consuming`), as it is down to the device: a borrowed buffer would be copied
    /// whole by the first header written into it (copy on write), once per layer.
    func sendIPv4(_ packet: consuming PacketBuffer, protocol proto: IPProtocol, to destination: IPv4Address,
                  source: IPv4Address? = nil, now: Instant) throws(StackError) {
        guard let hop = ipv4.nextHop(for: destination) else { throw .noRoute(.v4(destination)) }
        identification &+= 1
        let header = IPv4Header(identification: identification, ttl: 64, protocol: proto,
                                source: source ?? ipv4.address, destination: destination, payloadLength: packet.count)
        let mtu = device.mtu
        if header.totalLength <= mtu {
            try! packet.prepend(NetworkStack.ipv4Header)
            packet.withMutableBytes { (b: inout MutableSpan<UInt8>) in try! header.emit(into: &b) }
            route(packet, nextHop: hop, now: now)
            return
        }
        // Fragment (RFC 791 §3.2): 8-byte multiples of payload per fragment.
        let chunk = (mtu - NetworkStack.ipv4Header) & ~7
        let data = packet.array
        guard data.count <= 65535 - 20 else { throw .messageTooLong(data.count) }
        var offset = 0
        while offset < data.count {
            let n = Swift.min(chunk, data.count - offset)
            var h = header
            h.fragmentOffset = offset
            h.moreFragments = offset + n < data.count
            h.payloadLength = n
            var p = makePacket(transportLength: n)
            p.withMutableBytes { (b: inout MutableSpan<UInt8>) in for i in 0..<n { b[i] = data[offset + i] } }
            try! p.prepend(NetworkStack.ipv4Header)
            p.withMutableBytes { (b: inout MutableSpan<UInt8>) in try! h.emit(into: &b) }
            route(p, nextHop: hop, now: now)
            offset += n
        }
    }

    /// Resolves the next hop and transmits, or leaves the packet with ARP until the reply.
    func route(_ packet: consuming PacketBuffer, nextHop: IPv4Address, now: Instant) {
        if ipv4.isBroadcast(nextHop) { transmitIPv4(packet, to: .broadcast); return }
        switch arp.resolve(nextHop, holding: packet, now: now) {
        case .resolved(let mac): transmitIPv4(packet, to: mac)
        case .queuedSendRequest: sendARP(.request, targetMAC: .zero, targetIP: nextHop, to: .broadcast)
        case .queued, .dropped: break
        }
    }

    func transmitIPv4(_ packet: consuming PacketBuffer, to mac: MACAddress) {
        transmit(packet, etherType: .ipv4, to: mac)
    }

    func transmitFrame(_ frame: PacketBuffer) {
        do {
            let length = frame.count
            try device.transmit(frame)
            counters.framesOut += 1
            counters.bytesOut &+= length
        } catch {
            counters.transmitErrors += 1
        }
    }

    func sendARP(_ operation: ARPOperation, targetMAC: MACAddress, targetIP: IPv4Address, to mac: MACAddress) {
        let header = ARPHeader(operation: operation, senderMAC: device.macAddress, senderIP: ipv4.address,
                               targetMAC: targetMAC, targetIP: targetIP)
        var p = makePacket(transportLength: ARPHeader.length)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in try! header.emit(into: &b) }
        let eth = EthernetHeader(destination: mac, source: device.macAddress, etherType: .arp)
        try! p.prepend(eth.length)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in try! eth.emit(into: &b) }
        transmitFrame(p)
    }
}

/// A bound UDP port's receive queue. Outside the generic `NetworkStack` on purpose: a type nested in a
/// generic class is generic too, and its metadata would be looked up in the runtime's cache (hashing)
/// twice per datagram on the tap target.
struct UDPPort {
    var queue: [UDPDatagram] = []
    var limit: Int
}
