// SwiftletNet: path-MTU discovery for IPv6 (RFC 8201): a Packet Too Big lowers the MTU to its
// destination, for ten minutes (§4: no increase sooner than five; ten recommended), never below IPv6's
// minimum of 1280 (§4: a report of less is taken as 1280, and no fragment header is added, as RFC 8021
// deprecates atomic fragments). TCP connections to that destination send smaller segments at once
// (`TCPConnection.pathMTUDecreased`); new connections and UDP to it use the lower MTU from the start.
//
// Against forged reports (RFC 5927 §4.1, §5.2): the quoted packet must have come from one of our
// addresses; for TCP it must name a connection we hold and a sequence number between SND.UNA and SND.MAX
// (data we really have in flight); for UDP a port we have bound (and then only new packets follow it; the
// open connections move only on a report one of them vouched for). The table holds at most
// `maximumPathMTUEntries` destinations; a new one replaces the entry that expires first.

import Swiftlet
import SwiftletWire

/// One destination whose path is narrower than the link.
struct PathMTUEntry {
    var destination: IPv6Address
    var mtu: Int
    var expires: Instant
}

extension NetworkStack {
    static var maximumPathMTUEntries: Int { 64 }
    static var pathMTUTimeout: Duration { .seconds(600) }
    /// RFC 8200 §5: every link carries 1280 bytes.
    static var minimumIPv6MTU: Int { 1280 }

    /// The MTU towards `destination`: the link's, or what a Packet Too Big said within its timeout.
    func pathMTU(to destination: IPv6Address, now: Instant) -> Int {
        var mtu = ipv6MTU
        for e in pathMTUs where e.destination == destination && e.expires > now { mtu = Swift.min(mtu, e.mtu) }
        return mtu
    }

    /// Destinations whose path MTU is below the link's now (for tests and diagnostics).
    public func pathMTUEntries(now: Instant) -> [(IPv6Address, Int)] {
        pathMTUs.filter { $0.expires > now }.map { ($0.destination, $0.mtu) }
    }

    func receivePacketTooBig(_ reported: UInt32, quoting quoted: QuotedIPv6Datagram, now: Instant) {
        let mtu = Swift.max(Self.minimumIPv6MTU, Int(Swift.min(reported, UInt32(Int32.max))))
        let destination = quoted.header.destination
        guard ipv6!.isAssigned(quoted.header.source), mtu < pathMTU(to: destination, now: now) else { return }
        var connection: (TCPSocketID, TCPConnectionBox)? = nil
        switch quoted.upperLayer {
        case .tcp?:
            guard let ports = quoted.ports, quoted.leadingBytes.count >= 8 else { return }
            let id = TCPSocketID(localPort: ports.source, remote: TCPEndpoint(address: .v6(destination), port: ports.destination))
            guard let box = connections[id] else { return }
            let b = quoted.leadingBytes
            let sequence = TCPSequenceNumber(UInt32(b[4]) << 24 | UInt32(b[5]) << 16 | UInt32(b[6]) << 8 | UInt32(b[7]))
            guard sequence.isIn(box.tcb.sndUna, box.tcb.sndMax) else { counters.packetTooBigIgnored += 1; return }
            connection = (id, box)
        case .udp?:
            guard let ports = quoted.ports, udpSockets[ports.source] != nil else { return }
        default:
            return
        }
        remember(pathMTU: mtu, to: destination, now: now)
        counters.pathMTUReductions += 1
        // The connection named first; then every other one to the same destination, but only on a report a
        // TCP connection vouched for (one quoting a UDP port is easier to forge, and would walk the table).
        guard let (id, box) = connection else { return }
        if box.tcb.pathMTUDecreased(to: mtu, headerBytes: IPv6Header.length + 20, now: now) { flush(id, box, now: now) }
        for (other, box) in connections where other.remote.address == .v6(destination) && other != id {
            if box.tcb.pathMTUDecreased(to: mtu, headerBytes: IPv6Header.length + 20, now: now) { flush(other, box, now: now) }
        }
    }

    private func remember(pathMTU mtu: Int, to destination: IPv6Address, now: Instant) {
        let entry = PathMTUEntry(destination: destination, mtu: mtu, expires: now + Self.pathMTUTimeout)
        if let i = pathMTUs.firstIndex(where: { $0.destination == destination || $0.expires <= now }) {
            pathMTUs[i] = entry
        } else if pathMTUs.count < Self.maximumPathMTUEntries {
            pathMTUs.append(entry)
        } else if let i = pathMTUs.indices.min(by: { pathMTUs[$0].expires < pathMTUs[$1].expires }) {
            pathMTUs[i] = entry
        }
    }
}
