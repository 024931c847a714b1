// SwiftletNet: DHCP in the stack: carries the client's messages over UDP 68 ↔ 67 (from 0.0.0.0 until an
// address is bound), applies leases to the interface, and queues the client's events for the application
// to log (`takeDHCPEvents`).

import Swiftlet
import SwiftletWire

extension NetworkStack {
    /// Starts DHCP; the interface keeps its current configuration until a lease arrives.
    public func startDHCP(seed: UInt64, hostName: String? = nil, now: Instant) throws(StackError) {
        try udpBind(port: 68, queueLimit: 16)
        var client = DHCPClient(macAddress: device.macAddress, seed: seed, hostName: hostName.map { Array($0.utf8) })
        client.start(now: now)
        dhcp = client
        serviceDHCP(now: now)
    }

    /// Moves DHCP messages between the client and the network, and applies a new lease.
    func serviceDHCP(now: Instant) {
        guard var client = dhcp else { return }
        while let datagram = try? udpReceive(port: 68) {
            if let m = try? DHCPv4Message(parsing: datagram.payload.span) { client.handle(m, now: now) }
        }
        client.poll(now: now)
        let source = client.state == .renewing ? ipv4.address : IPv4Address.any
        for out in client.drainOutbox() {
            var bytes = [UInt8](repeating: 0, count: out.message.length)
            var span = bytes.mutableSpan
            guard (try? out.message.emit(into: &span)) != nil else { continue }
            try? udpSend(from: 68, to: out.destination, port: 67, payload: bytes.span, source: source, now: now)
        }
        for event in client.drainEvents() {
            if case .leased(let lease) = event {
                configure(IPv4Configuration(network: lease.network, gateway: lease.gateway), now: now)
            }
            if dhcpEvents.count < 16 { dhcpEvents.append(event) }
        }
        dhcp = client
    }

    /// What DHCP reported since the last call (leases, refusals, expiry, no server).
    public func takeDHCPEvents() -> [DHCPClient.Event] {
        defer { dhcpEvents.removeAll() }
        return dhcpEvents
    }

    public var dhcpState: DHCPClient.State? { dhcp?.state }
}
