// SwiftletNet: the IPv6 neighbour cache and neighbour unreachability detection (RFC 4861 §7.2, §7.3).
//
// A state machine: it does no I/O and reads no clock. Each entry is in one of the states of §7.3.2:
// INCOMPLETE (a multicast solicitation is out, packets wait), REACHABLE (confirmed within
// `reachableTime`), STALE (not confirmed lately; used, and probed once used), DELAY (used while stale:
// wait `delayFirstProbe` for an upper-layer confirmation) and PROBE (unicast solicitations every
// `retransmitTimer`, up to `maximumUnicastSolicitations`, then the entry goes). What arrives drives the
// transitions of §7.2.3-§7.2.5 (appendix C's table); `poll` drives the timers and says what to send.
//
// Bounds, as the ARP cache's: at most `capacity` entries (an INCOMPLETE entry is evicted first, then a
// STALE one; never a router, and never a REACHABLE one for a newcomer that is only STALE), at most a
// quarter of them INCOMPLETE, `pendingPerAddress` packets waiting per address and `pendingTotal` overall. A neighbour the cache does not know is learned from an unsolicited
// message (NS, RS, RA, Redirect with a link-layer option) only when there is room without evicting a
// REACHABLE entry, so a flood of spoofed solicitations cannot push out the neighbours in use.

import Swiftlet
import SwiftletWire

public struct NeighborCache {
    public struct Configuration: Sendable {
        public var capacity = 256
        /// RFC 4861 §10: REACHABLE_TIME (a router may advertise another), RETRANS_TIMER, DELAY_FIRST_PROBE_TIME,
        /// MAX_MULTICAST_SOLICIT, MAX_UNICAST_SOLICIT.
        public var reachableTime = Duration.seconds(30)
        public var retransmitTimer = Duration.seconds(1)
        public var delayFirstProbe = Duration.seconds(5)
        public var maximumMulticastSolicitations = 3
        public var maximumUnicastSolicitations = 3
        /// How long a STALE entry nobody uses is kept (Linux's gc_stale_time is 60 s).
        public var staleLifetime = Duration.seconds(60)
        public var pendingPerAddress = 48
        public var pendingTotal = 256
        public init() {}
    }

    public enum State: Equatable, Sendable {
        case incomplete, reachable, stale, delay, probe
    }

    struct Entry {
        var state: State
        var mac: MACAddress
        var isRouter: Bool
        /// When the current state's timer fires: REACHABLE → STALE, STALE → forgotten, DELAY → PROBE,
        /// INCOMPLETE and PROBE → the next solicitation or giving up.
        var deadline: Instant
        var solicitationsSent: Int
        var packets: [PacketBuffer]
    }

    /// What the stack must send after `poll` or `resolve`.
    public enum Solicitation: Equatable, Sendable {
        /// To the target's solicited-node address (address resolution, §7.2.2).
        case multicast(IPv6Address)
        /// To the cached link-layer address (NUD's probe, §7.3.3).
        case unicast(IPv6Address, MACAddress)
    }

    public let configuration: Configuration
    private var entries: [IPv6Address: Entry] = [:]
    private var pendingCount = 0
    /// Packets dropped because a queue was full or resolution failed.
    public private(set) var dropped = 0
    /// Unsolicited neighbours not learned because the cache was full of reachable ones.
    public private(set) var refused = 0

    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    public var count: Int { entries.count }
    public var waitingPackets: Int { pendingCount }

    public func state(of address: IPv6Address) -> State? { entries[address]?.state }
    var incompleteCount: Int {
        var n = 0
        for e in entries.values where e.state == .incomplete { n += 1 }
        return n
    }
    public func linkLayerAddress(of address: IPv6Address) -> MACAddress? {
        guard let e = entries[address], e.state != .incomplete else { return nil }
        return e.mac
    }

    public enum Resolution {
        /// Send now to this MAC.
        case resolved(MACAddress)
        /// Queued; send a multicast solicitation for the address now.
        case queuedSendSolicitation
        /// Queued behind a solicitation already out.
        case queued
        /// The queue was full; the packet was dropped.
        case dropped
    }

    /// Resolves `address` for `packet` (§7.2.2, §7.3.3: a STALE entry used goes to DELAY).
    public mutating func resolve(_ address: IPv6Address, holding packet: PacketBuffer, now: Instant) -> Resolution {
        if var e = entries[address] {
            switch e.state {
            case .reachable, .delay, .probe:
                return .resolved(e.mac)
            case .stale:
                e.state = .delay
                e.deadline = now + configuration.delayFirstProbe
                entries[address] = e
                return .resolved(e.mac)
            case .incomplete:
                guard e.packets.count < configuration.pendingPerAddress, pendingCount < configuration.pendingTotal else {
                    dropped += 1
                    return .dropped
                }
                e.packets.append(packet)
                entries[address] = e
                pendingCount += 1
                return .queued
            }
        }
        // Resolutions in progress are capped at a quarter of the cache (RFC 6583 §7), so a flood of
        // packets to (or answers for) made-up neighbours cannot take the entries of real ones.
        guard pendingCount < configuration.pendingTotal, incompleteCount < Swift.max(1, configuration.capacity / 4),
              makeRoom(evictReachable: true) else { dropped += 1; return .dropped }
        entries[address] = Entry(state: .incomplete, mac: .zero, isRouter: false,
                                 deadline: now + configuration.retransmitTimer, solicitationsSent: 1, packets: [packet])
        pendingCount += 1
        return .queuedSendSolicitation
    }

    /// A Neighbor Solicitation, Router Solicitation, Router Advertisement or Redirect carried `mac` for
    /// `address` (§7.2.3, §6.3.4, §8.3): create or update the entry as STALE when the address changed.
    /// Returns packets that were waiting, ready to send to `mac`.
    public mutating func learnUnsolicited(_ address: IPv6Address, is mac: MACAddress, isRouter: Bool? = nil,
                                          now: Instant) -> [PacketBuffer] {
        guard !address.isUnspecified, !address.isMulticast, !mac.isMulticast else { return [] }
        guard var e = entries[address] else {
            guard makeRoom(evictReachable: false) else { refused += 1; return [] }
            entries[address] = Entry(state: .stale, mac: mac, isRouter: isRouter ?? false,
                                     deadline: now + configuration.staleLifetime, solicitationsSent: 0, packets: [])
            return []
        }
        if let isRouter { e.isRouter = isRouter }
        var released: [PacketBuffer] = []
        if e.state == .incomplete {
            released = e.packets
            pendingCount -= e.packets.count
            e.packets = []
            e.state = .stale
            e.deadline = now + configuration.staleLifetime
        } else if e.mac != mac {
            e.state = .stale
            e.deadline = now + configuration.staleLifetime
        }
        e.mac = mac
        entries[address] = e
        return released
    }

    /// A Neighbor Advertisement for `target` (§7.2.5). Returns packets that were waiting, ready to send.
    public mutating func advertisement(_ na: NeighborAdvertisement, now: Instant) -> [PacketBuffer] {
        guard var e = entries[na.target] else { return [] }  // §7.2.5: no entry, silently discard
        // A group address is no neighbour's: unicast traffic to it would flood the link.
        if let m = na.options.targetLinkLayer, m.isMulticast { return [] }
        let mac = na.options.targetLinkLayer
        if e.state == .incomplete {
            guard let mac else { return [] }
            let released = e.packets
            pendingCount -= e.packets.count
            e.packets = []
            e.mac = mac
            e.isRouter = na.router
            e.state = na.solicited ? .reachable : .stale
            e.deadline = now + (na.solicited ? configuration.reachableTime : configuration.staleLifetime)
            entries[na.target] = e
            return released
        }
        let changed = mac != nil && mac != e.mac
        if !na.override && changed {
            // Keep the cached address; a REACHABLE entry becomes STALE (§7.2.5, second rule).
            if e.state == .reachable { e.state = .stale; e.deadline = now + configuration.staleLifetime }
        } else {
            if let mac { e.mac = mac }
            if na.solicited {
                e.state = .reachable
                e.deadline = now + configuration.reachableTime
                e.solicitationsSent = 0
            } else if changed {
                e.state = .stale
                e.deadline = now + configuration.staleLifetime
            }
            e.isRouter = na.router
        }
        entries[na.target] = e
        return []
    }

    /// An upper layer saw forward progress with `address` (TCP new data acknowledged, §7.3.1).
    public mutating func confirmReachable(_ address: IPv6Address, now: Instant) {
        guard var e = entries[address], e.state != .incomplete else { return }
        e.state = .reachable
        e.deadline = now + configuration.reachableTime
        e.solicitationsSent = 0
        entries[address] = e
    }

    /// Forgets `address` (a duplicate detected, a router withdrawn).
    public mutating func remove(_ address: IPv6Address) {
        if let e = entries.removeValue(forKey: address) { pendingCount -= e.packets.count; dropped += e.packets.count }
    }

    /// Runs the timers of §7.3.3: returns the solicitations to send now.
    public mutating func poll(now: Instant) -> [Solicitation] {
        var out: [Solicitation] = []
        for (address, entry) in entries where entry.deadline <= now {
            var e = entry
            switch e.state {
            case .reachable:
                e.state = .stale
                e.deadline = now + configuration.staleLifetime
            case .stale:
                entries[address] = nil
                continue
            case .delay:
                e.state = .probe
                e.solicitationsSent = 1
                e.deadline = now + configuration.retransmitTimer
                out.append(.unicast(address, e.mac))
            case .probe, .incomplete:
                let limit = e.state == .probe ? configuration.maximumUnicastSolicitations
                                              : configuration.maximumMulticastSolicitations
                if e.solicitationsSent >= limit {
                    dropped += e.packets.count
                    pendingCount -= e.packets.count
                    entries[address] = nil
                    continue
                }
                e.solicitationsSent += 1
                e.deadline = now + configuration.retransmitTimer
                out.append(e.state == .probe ? .unicast(address, e.mac) : .multicast(address))
            }
            entries[address] = e
        }
        return out
    }

    /// The earliest time `poll` has work to do.
    public var nextDeadline: Instant {
        var t = Instant.distantFuture
        for e in entries.values where e.deadline < t { t = e.deadline }
        return t
    }

    /// Makes room for one more entry: evicts the oldest INCOMPLETE entry, else the oldest STALE one that is
    /// not a router, and (for `resolve` only) the entry closest to its deadline that is not a router.
    /// Routers are never evicted. False when nothing may go. One pass over the entries.
    private mutating func makeRoom(evictReachable: Bool) -> Bool {
        guard entries.count >= configuration.capacity else { return true }
        var incomplete: (IPv6Address, Instant)? = nil, stale: (IPv6Address, Instant)? = nil, other: (IPv6Address, Instant)? = nil
        for (address, e) in entries {
            if e.state == .incomplete {
                if incomplete == nil || e.deadline < incomplete!.1 { incomplete = (address, e.deadline) }
            } else if e.isRouter {
                continue
            } else if e.state == .stale {
                if stale == nil || e.deadline < stale!.1 { stale = (address, e.deadline) }
            } else if other == nil || e.deadline < other!.1 {
                other = (address, e.deadline)
            }
        }
        guard let victim = incomplete ?? stale ?? (evictReachable ? other : nil) else { return false }
        remove(victim.0)
        return true
    }
}
