// The DHCP client against a small scripted server on the other stack (UDP 67), and with no server.

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting
import SwiftletWire

/// Answers DISCOVER with OFFER and REQUEST with ACK (or NAK when `refuse`), as RFC 2131 §4.3 servers do.
final class ScriptedDHCPServer {
    let stack: NetworkStack<SimulatedDevice>
    var requests = 0, discovers = 0
    var refuse = false
    let offered = IPv4Address(10, 0, 0, 50)

    init(_ stack: NetworkStack<SimulatedDevice>) throws {
        self.stack = stack
        try stack.udpBind(port: 67)
    }

    func serve(now: Instant) {
        while let d = try? stack.udpReceive(port: 67) {
            guard let m = try? DHCPv4Message(parsing: d.payload.span), let type = m.options.messageType else { continue }
            var o = DHCPOptions()
            o.serverIdentifier = TwoStacks.addressB
            o.subnetMask = IPv4Address(255, 255, 255, 0)
            o.routers = [TwoStacks.addressB]
            o.domainNameServers = [TwoStacks.addressB]
            o.leaseTime = 120
            switch type {
            case .discover: discovers += 1; o.messageType = .offer
            case .request: requests += 1; o.messageType = refuse ? .nak : .ack
            default: continue
            }
            let reply = DHCPv4Message(operation: .bootReply, transactionID: m.transactionID, broadcast: m.broadcast,
                                      clientAddress: m.clientAddress, yourAddress: refuse && type == .request ? .any : offered,
                                      serverAddress: TwoStacks.addressB, clientHardwareAddress: m.clientHardwareAddress, options: o)
            var bytes = [UInt8](repeating: 0, count: reply.length)
            var span = bytes.mutableSpan
            try! reply.emit(into: &span)
            let to = m.clientAddress.isUnspecified ? IPv4Address.broadcast : m.clientAddress
            try! stack.udpSend(from: 67, to: to, port: 68, payload: bytes.span, now: now)
        }
    }
}

@Suite struct DHCPTests {
    private func unconfigured() -> TwoStacks {
        let net = TwoStacks()
        net.a.configure(IPv4Configuration(network: IPv4Network("0.0.0.0/0")!), now: net.now)
        return net
    }

    @Test func leaseIsObtainedAppliedAndRenewed() throws {
        let net = unconfigured()
        let server = try ScriptedDHCPServer(net.b)
        try net.a.startDHCP(seed: 42, hostName: "swiftlet", now: net.now)
        #expect(net.run(for: .seconds(10), step: { server.serve(now: net.now) }, until: { net.a.dhcpState == .bound }))
        #expect(net.a.ipv4.address == server.offered && net.a.ipv4.network.prefixLength == 24)
        #expect(net.a.ipv4.gateway == TwoStacks.addressB)
        let events = net.a.takeDHCPEvents()
        #expect(events.count == 1)
        // The new address works: ping the server.
        try net.a.ping(TwoStacks.addressB, identifier: 1, sequence: 1, now: net.now)
        var reply: EchoReply? = nil
        #expect(net.run(for: .seconds(1), step: { if reply == nil { reply = net.a.takeEchoReply() } }, until: { reply != nil }))
        // T1 is half the 120 s lease: the client renews by unicast and stays bound.
        let before = server.requests
        net.run(for: .seconds(61), step: { server.serve(now: net.now) }, until: { server.requests > before && net.a.dhcpState == .bound })
        #expect(server.requests == before + 1)
        #expect(net.a.dhcpState == .bound)
    }

    @Test func noServerIsReportedOnceAfterFourDiscovers() throws {
        let net = unconfigured()
        try net.a.startDHCP(seed: 7, now: net.now)
        var events: [DHCPClient.Event] = []
        net.run(for: .seconds(200), step: { events += net.a.takeDHCPEvents() }, until: { false })
        let reports = events.filter { if case .noServer = $0 { return true } else { return false } }
        #expect(reports.count == 1)
        if case .noServer(let attempts, let waited) = reports.first {
            #expect(attempts == 4)
            #expect(waited >= .seconds(4 + 8 + 16 + 32 - 4) && waited <= .seconds(4 + 8 + 16 + 32 + 4))
        }
        #expect(net.a.dhcpState == .selecting)  // still trying in the background
    }

    @Test func refusalRestartsDiscovery() throws {
        let net = unconfigured()
        let server = try ScriptedDHCPServer(net.b)
        server.refuse = true
        try net.a.startDHCP(seed: 9, now: net.now)
        var events: [DHCPClient.Event] = []
        net.run(for: .seconds(3), step: { server.serve(now: net.now); events += net.a.takeDHCPEvents() }, until: { !events.isEmpty && server.discovers >= 2 })
        #expect(events.first == .refused)
        #expect(net.a.dhcpState == .selecting)
        #expect(server.discovers >= 2)
    }
}
