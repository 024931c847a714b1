// SwiftletNet: UDP sockets (RFC 768): bind a port, send to an address and port, receive datagrams with
// their source. Receive queues are bounded per socket; overflow is dropped and counted. Datagrams to a
// closed port draw ICMP port unreachable unless they were broadcast (RFC 1122 §4.1.3.1), or, over IPv6,
// ICMPv6 port unreachable unless they came to a group (RFC 4443 §2.4(e.3)). A port hears both families.

import Swiftlet
import SwiftletWire

extension NetworkStack {
    func receiveUDP(_ ip: IPv4Header, _ bytes: Span<UInt8>, broadcast: Bool, now: Instant) {
        guard let packet = try? UDPPacket(validating: bytes, source: ip.source, destination: ip.destination,
                                                     checksumVerified: frameChecksumVerified) else {
            counters.malformed += 1
            return
        }
        switch queueUDP(packet, source: .v4(ip.source), destination: .v4(ip.destination)) {
        case .noPort: if !broadcast { sendUnreachable(.port, about: ip, bytes, now: now) }
        case .full: break
        case .queued: if packet.destinationPort == 68, dhcp != nil { serviceDHCP(now: now) }
        }
    }

    /// A datagram over IPv6; `invoking` is the whole packet, quoted if the port is closed.
    func receiveUDP(_ ip: IPv6Header, _ bytes: Span<UInt8>, invoking: Span<UInt8>, linkMulticast: Bool, now: Instant) {
        guard let packet = try? UDPPacket(validating: bytes, source: ip.source, destination: ip.destination,
                                                     checksumVerified: frameChecksumVerified) else {
            counters.malformed += 1
            return
        }
        if queueUDP(packet, source: .v6(ip.source), destination: .v6(ip.destination)) == .noPort, !linkMulticast {
            sendICMPv6Error(.destinationUnreachable(.port), about: invoking, ip, now: now)
        }
    }

    /// Queues a datagram on its port (a closed port or a full queue is counted; the caller answers the first).
    private func queueUDP(_ packet: UDPPacket, source: IPAddress, destination: IPAddress) -> UDPQueueing {
        // The queue is changed where it lies in the dictionary: a copy of the socket taken out and put
        // back shares the queue's storage, so appending to it would copy the whole queue, datagram by
        // datagram (most of a DNS query's instructions on the tap target).
        guard let socket = udpSockets.index(forKey: packet.destinationPort) else {
            counters.udpNoPort += 1
            return .noPort
        }
        guard udpSockets.values[socket].queue.count < udpSockets.values[socket].limit else { counters.udpQueueFull += 1; return .full }
        udpSockets.values[socket].queue.append(UDPDatagram(source: source, sourcePort: packet.sourcePort, destination: destination,
                                                           payload: Array(copying: packet.payload)))
        touch(.udp(packet.destinationPort))
        return .queued
    }

    /// Opens a UDP port; at most `queueLimit` datagrams wait for `udpReceive`.
    /// Binds `port`, or with 0 a free ephemeral port (49152-65535, RFC 6335, from a keyed offset as
    /// TCP's, RFC 6056); returns the port bound.
    @discardableResult
    public func udpBind(port: UInt16, queueLimit: Int = 64) throws(StackError) -> UInt16 {
        var bound = port
        if port == 0 {
            let low: UInt32 = 49152, count: UInt32 = 16384
            var h = SipHash24(key0: secret.1 ^ 0x5544, key1: secret.0)
            h.add(UInt16(udpSockets.count))
            let offset = UInt32(truncatingIfNeeded: h.finish())
            var found: UInt16? = nil
            for i in 0..<count {
                let candidate = UInt16(low + (offset &+ i) % count)
                if udpSockets[candidate] == nil { found = candidate; break }
            }
            guard let found else { throw .noEphemeralPort }
            bound = found
        }
        guard udpSockets[bound] == nil else { throw .portInUse(bound) }
        udpSockets[bound] = UDPPort(limit: queueLimit)
        return bound
    }

    public func udpUnbind(port: UInt16) {
        udpSockets[port] = nil
        touch(.udp(port))
    }

    /// `port` queues nothing from now on (what is queued is dropped): a socket that only sends.
    public func udpDiscardIncoming(port: UInt16) {
        guard let i = udpSockets.index(forKey: port) else { return }
        udpSockets.values[i].limit = 0
        udpSockets.values[i].queue.removeAll()
    }

    /// The oldest datagram waiting on `port`.
    public func udpReceive(port: UInt16) throws(StackError) -> UDPDatagram? {
        guard let socket = udpSockets.index(forKey: port) else { throw .noSuchSocket }
        guard !udpSockets.values[socket].queue.isEmpty else { return nil }
        return udpSockets.values[socket].queue.removeFirst()  // in place (see `receiveUDP`)
    }

    /// Sends one datagram over IPv4 (fragmented by IP if larger than the MTU allows).
    public func udpSend(from port: UInt16, to destination: IPv4Address, port destinationPort: UInt16,
                        payload: Span<UInt8>, source: IPv4Address? = nil, now: Instant) throws(StackError) {
        let length = UDPHeader.length + payload.count
        guard length <= 65535 - 20 else { throw .messageTooLong(payload.count) }
        var p = makePacket(transportLength: length)
        let src = source ?? ipv4.address
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
            Audited.copy(payload, into: &b, at: UDPHeader.length)
            try! UDPHeader(sourcePort: port, destinationPort: destinationPort).emit(into: &b, source: src, destination: destination)
        }
        try sendIPv4(p, protocol: .udp, to: destination, source: src, now: now)
    }

    /// Sends one datagram to an address of either family. Over IPv6 it leaves from `source` when that is
    /// an address of ours (an answer from the address the question came to), else from the RFC 6724
    /// choice; a datagram over the path MTU goes in fragments.
    public func udpSend(from port: UInt16, to destination: IPAddress, port destinationPort: UInt16,
                        payload: Span<UInt8>, source: IPAddress? = nil, now: Instant) throws(StackError) {
        // ::ffff:a.b.c.d is the IPv4 address.
        switch destination.ipv6.map({ IPAddress($0) }) ?? destination {
        case .v4(let d):
            try udpSend(from: port, to: d, port: destinationPort, payload: payload, source: source?.ipv4, now: now)
        case .v6(let d):
            guard let v6 = ipv6 else { throw .noRoute(destination) }
            let src: IPv6Address
            if let s = source?.ipv6, v6.isAssigned(s) { src = s }
            else if let s = v6.sourceAddress(for: d) { src = s }
            else { throw .noRoute(destination) }
            let length = UDPHeader.length + payload.count
            guard length <= 65535 else { throw .messageTooLong(payload.count) }
            var p = makePacket(transportLength: length)
            p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
                Audited.copy(payload, into: &b, at: UDPHeader.length)
                try! UDPHeader(sourcePort: port, destinationPort: destinationPort).emit(into: &b, source: src, destination: d)
            }
            try sendIPv6(p, nextHeader: .udp, to: d, from: src, fragmentable: true, now: now)
        }
    }

    public var udpQueued: Int { udpSockets.values.reduce(0) { $0 + $1.queue.count } }
}

/// What became of a received datagram (outside the generic stack, as `UDPPort` is).
enum UDPQueueing { case queued, full, noPort }
