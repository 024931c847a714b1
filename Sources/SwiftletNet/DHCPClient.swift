// SwiftletNet: the DHCP client (RFC 2131 §4.4, figure 5 states), as a state machine: it does no I/O and
// reads no clock. It says what to send (`outbox`) and reports what happened (`events`); the caller
// carries the messages over UDP 68 → 67 and applies the lease to the interface.
//
// Timing (RFC 2131 §4.1): retransmissions after 4, 8, 16, 32, 64 s (capped), each ±1 s of jitter drawn
// from the caller's random value; renewal at T1 (default 0.5 × lease) unicast to the server, rebinding
// at T2 (default 0.875 × lease) broadcast, and a fresh start when the lease runs out. After
// `maximumDiscovers` unanswered DISCOVERs the client reports `.noServer` once (the caller logs it and
// falls back to a static address if it has one) and keeps trying in the background.

import Swiftlet
import SwiftletWire

public struct DHCPLease: Hashable, Sendable {
    public var network: IPv4Network
    public var gateway: IPv4Address?
    public var dnsServers: [IPv4Address]
    public var server: IPv4Address
    public var leaseTime: Duration
    public var renewAt: Instant
    public var rebindAt: Instant
    public var expiresAt: Instant
}

public struct DHCPClient {
    public enum State: Hashable, Sendable { case initial, selecting, requesting, bound, renewing, rebinding }

    public enum Event: Hashable, Sendable {
        case leased(DHCPLease)
        /// The server refused our request (DHCPNAK); the client starts over.
        case refused
        /// The lease ran out without renewal; stop using the address.
        case expired
        /// No server answered the first `maximumDiscovers` DISCOVERs (reported once per start).
        case noServer(attempts: Int, waited: Duration)
    }

    public struct Outgoing: Hashable, Sendable {
        public var message: DHCPv4Message
        /// Broadcast (255.255.255.255) except when renewing, which goes to the server.
        public var destination: IPv4Address
    }

    public let macAddress: MACAddress
    public var maximumDiscovers = 4
    public private(set) var state = State.initial
    public private(set) var lease: DHCPLease? = nil
    public private(set) var outbox: [Outgoing] = []
    public private(set) var events: [Event] = []

    private var xid: UInt32
    private var random: UInt64
    private var attempts = 0
    private var started = Instant.zero
    private var retransmitAt: Instant? = nil
    private var offered: (address: IPv4Address, server: IPv4Address)? = nil
    private var reportedNoServer = false
    private let hostName: [UInt8]?

    /// `seed` comes from the caller's entropy: it picks transaction IDs and retransmission jitter.
    public init(macAddress: MACAddress, seed: UInt64, hostName: [UInt8]? = nil) {
        self.macAddress = macAddress
        random = seed | 1
        xid = UInt32(truncatingIfNeeded: seed >> 17)
        self.hostName = hostName
    }

    public var nextDeadline: Instant {
        var t = retransmitAt ?? .distantFuture
        if let l = lease {
            switch state {
            case .bound: t = min(t, l.renewAt)
            case .renewing: t = min(t, l.rebindAt, l.expiresAt)
            case .rebinding: t = min(t, l.expiresAt)
            default: break
            }
        }
        return t
    }

    /// Starts (or restarts) from INIT: DISCOVER.
    public mutating func start(now: Instant) {
        state = .selecting
        lease = nil
        offered = nil
        attempts = 0
        started = now
        reportedNoServer = false
        nextTransaction()
        sendDiscover(now: now)
    }

    public mutating func drainOutbox() -> [Outgoing] { defer { outbox.removeAll() }; return outbox }
    public mutating func drainEvents() -> [Event] { defer { events.removeAll() }; return events }

    // MARK: - Messages

    private mutating func nextRandom() -> UInt64 {
        random ^= random << 13; random ^= random >> 7; random ^= random << 17
        return random
    }

    private mutating func nextTransaction() { xid = UInt32(truncatingIfNeeded: nextRandom()) }

    private func message(_ type: DHCPMessageType, clientAddress: IPv4Address = .any, broadcast: Bool) -> DHCPv4Message {
        var o = DHCPOptions()
        o.messageType = type
        o.parameterRequestList = [1, 3, 6, 15, 26, 51, 54, 58, 59]
        o.maximumMessageSize = 1500
        o.clientIdentifier = [1] + (0..<6).map { macAddress.octet($0) }
        o.hostName = hostName
        return DHCPv4Message(operation: .bootRequest, transactionID: xid, broadcast: broadcast,
                             clientAddress: clientAddress, clientHardwareAddress: macAddress, options: o)
    }

    private mutating func sendDiscover(now: Instant) {
        outbox.append(Outgoing(message: message(.discover, broadcast: true), destination: .broadcast))
        scheduleRetransmit(now: now)
    }

    private mutating func sendRequest(address: IPv4Address, server: IPv4Address?, now: Instant) {
        var m: DHCPv4Message
        switch state {
        case .requesting:
            // RFC 2131 §4.3.2 SELECTING: requested address and server identifier, ciaddr zero.
            m = message(.request, broadcast: true)
            m.options.requestedAddress = address
            m.options.serverIdentifier = server
            outbox.append(Outgoing(message: m, destination: .broadcast))
        case .renewing:
            m = message(.request, clientAddress: address, broadcast: false)
            outbox.append(Outgoing(message: m, destination: server ?? .broadcast))
        default:  // rebinding
            m = message(.request, clientAddress: address, broadcast: false)
            outbox.append(Outgoing(message: m, destination: .broadcast))
        }
        scheduleRetransmit(now: now)
    }

    /// RFC 2131 §4.1: 4 s, doubling to 64 s, randomised by ±1 s.
    private mutating func scheduleRetransmit(now: Instant) {
        let base = Int64(4) << Int64(min(attempts, 4))
        let jitter = Int64(nextRandom() % 2_001) - 1_000
        retransmitAt = now + .seconds(base) + .milliseconds(jitter)
        attempts += 1
    }

    /// Handles a message received on UDP port 68.
    public mutating func handle(_ m: DHCPv4Message, now: Instant) {
        guard m.operation == .bootReply, m.transactionID == xid, m.clientHardwareAddress == macAddress,
              let type = m.options.messageType else { return }
        switch (state, type) {
        case (.selecting, .offer):
            guard let server = m.options.serverIdentifier, !m.yourAddress.isUnspecified else { return }
            offered = (m.yourAddress, server)
            state = .requesting
            attempts = 0
            sendRequest(address: m.yourAddress, server: server, now: now)
        case (.requesting, .ack), (.renewing, .ack), (.rebinding, .ack):
            bind(m, now: now)
        case (.requesting, .nak), (.renewing, .nak), (.rebinding, .nak):
            events.append(.refused)
            start(now: now)
        default:
            break
        }
    }

    private mutating func bind(_ m: DHCPv4Message, now: Instant) {
        let seconds = Int64(m.options.leaseTime ?? 3600)
        let leaseTime = Duration.seconds(seconds)
        let t1 = m.options.renewalTime.map { Duration.seconds(Int64($0)) } ?? leaseTime / 2
        let t2 = m.options.rebindingTime.map { Duration.seconds(Int64($0)) } ?? leaseTime * 7 / 8
        let mask = m.options.subnetMask?.rawValue ?? 0xFFFF_FF00
        let prefix = mask.nonzeroBitCount
        guard let network = IPv4Network(address: m.yourAddress, prefixLength: prefix),
              let server = m.options.serverIdentifier ?? offered?.server ?? lease?.server else { return }
        let l = DHCPLease(network: network, gateway: m.options.routers.first, dnsServers: m.options.domainNameServers,
                          server: server, leaseTime: leaseTime, renewAt: now + t1, rebindAt: now + t2,
                          expiresAt: now + leaseTime)
        lease = l
        state = .bound
        retransmitAt = nil
        attempts = 0
        events.append(.leased(l))
    }

    /// Retransmits, renews, rebinds or expires as time passes.
    public mutating func poll(now: Instant) {
        if let l = lease {
            if now >= l.expiresAt {
                events.append(.expired)
                start(now: now)
                return
            }
            if state == .bound, now >= l.renewAt {
                state = .renewing
                nextTransaction()
                attempts = 0
                sendRequest(address: l.network.address, server: l.server, now: now)
                return
            }
            if state == .renewing, now >= l.rebindAt {
                state = .rebinding
                attempts = 0
                sendRequest(address: l.network.address, server: nil, now: now)
                return
            }
        }
        guard let t = retransmitAt, now >= t else { return }
        switch state {
        case .selecting:
            if attempts >= maximumDiscovers && !reportedNoServer {
                reportedNoServer = true
                events.append(.noServer(attempts: attempts, waited: now - started))
            }
            sendDiscover(now: now)
        case .requesting:
            if attempts >= maximumDiscovers { start(now: now) } else if let o = offered {
                sendRequest(address: o.address, server: o.server, now: now)
            }
        case .renewing, .rebinding:
            if let l = lease { sendRequest(address: l.network.address, server: state == .renewing ? l.server : nil, now: now) }
        default:
            retransmitAt = nil
        }
    }
}
