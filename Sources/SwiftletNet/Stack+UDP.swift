// SwiftletNet: UDP sockets (RFC 768): bind a port, send to an address and port, receive datagrams with
// their source. Receive queues are bounded per socket; overflow is dropped and counted. Datagrams to a
// closed port draw ICMP port unreachable unless they were broadcast (RFC 1122 §4.1.3.1).

import Swiftlet
import SwiftletWire

extension NetworkStack {
    func receiveUDP(_ ip: IPv4Header, _ bytes: Span<UInt8>, broadcast: Bool, now: Instant) {
        guard let packet = try? UDPPacket(validating: bytes, source: ip.source, destination: ip.destination) else {
            counters.malformed += 1
            return
        }
        let port = packet.destinationPort
        // The queue is changed where it lies in the dictionary: a copy of the socket taken out and put
        // back shares the queue's storage, so appending copied the whole queue, datagram by datagram
        // (callgrind: most of a tap DNS query's 23k instructions under dnsperf).
        guard let socket = udpSockets.index(forKey: port) else {
            counters.udpNoPort += 1
            if !broadcast { sendUnreachable(.port, about: ip, bytes, now: now) }
            return
        }
        guard udpSockets.values[socket].queue.count < udpSockets.values[socket].limit else { counters.udpQueueFull += 1; return }
        udpSockets.values[socket].queue.append(UDPDatagram(source: ip.source, sourcePort: packet.sourcePort, destination: ip.destination,
                                                           payload: Array(copying: packet.payload)))
        if port == 68, dhcp != nil { serviceDHCP(now: now) }
    }

    /// Opens a UDP port; at most `queueLimit` datagrams wait for `udpReceive`.
    public func udpBind(port: UInt16, queueLimit: Int = 64) throws(StackError) {
        guard udpSockets[port] == nil else { throw .portInUse(port) }
        udpSockets[port] = UDPPort(limit: queueLimit)
    }

    public func udpUnbind(port: UInt16) { udpSockets[port] = nil }

    /// The oldest datagram waiting on `port`.
    public func udpReceive(port: UInt16) throws(StackError) -> UDPDatagram? {
        guard let socket = udpSockets.index(forKey: port) else { throw .noSuchSocket }
        guard !udpSockets.values[socket].queue.isEmpty else { return nil }
        return udpSockets.values[socket].queue.removeFirst()  // in place (see `receiveUDP`)
    }

    /// Sends one datagram (fragmented by IP if larger than the MTU allows).
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

    public var udpQueued: Int { udpSockets.values.reduce(0) { $0 + $1.queue.count } }
}
