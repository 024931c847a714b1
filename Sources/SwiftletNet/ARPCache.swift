// SwiftletNet: the ARP cache and the queue of packets waiting for resolution (RFC 826; RFC 1122 §2.3.2).
//
// A state machine: it does no I/O and reads no clock. The interface feeds it ARP packets and asks it to
// resolve next hops; it answers with what to send. Bounds: at most `capacity` entries (the least recently
// refreshed is evicted), at most `pendingPerAddress` packets waiting per unresolved address and
// `pendingTotal` overall (newcomers beyond that are dropped and counted). Requests are retried every
// second up to `maximumRequests` times, then the waiting packets are dropped (RFC 1122 §2.3.2.2 allows a
// small queue, and says to flood no faster than one request per second per destination).

import Swiftlet
import SwiftletWire

public struct ARPCache {
    public struct Configuration: Sendable {
        public var capacity = 256
        public var entryLifetime = Duration.seconds(60)
        /// Enough for one fragmented 64 KiB datagram (45 fragments), as Linux's unres_qlen allows.
        public var pendingPerAddress = 48
        public var pendingTotal = 256
        public var retryInterval = Duration.seconds(1)
        public var maximumRequests = 3
        public init() {}
    }

    struct Entry {
        var mac: MACAddress
        var expires: Instant
    }

    struct Pending {
        var packets: [PacketBuffer]
        var requestsSent: Int
        var nextRequest: Instant
    }

    public let configuration: Configuration
    private var entries: [IPv4Address: Entry] = [:]
    private var pending: [IPv4Address: Pending] = [:]
    private var pendingCount = 0
    /// The entry `resolve` found last: a stream of packets to one next hop skips the hash lookup.
    /// Cleared by anything that changes `entries`.
    private var recent: (address: IPv4Address, entry: Entry)? = nil
    /// Packets dropped because a queue was full or resolution failed.
    public private(set) var dropped = 0

    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    public var count: Int { entries.count }
    public var waitingPackets: Int { pendingCount }

    /// The MAC for `address` if known and fresh.
    public func lookup(_ address: IPv4Address, now: Instant) -> MACAddress? {
        guard let e = entries[address], e.expires > now else { return nil }
        return e.mac
    }

    /// Records a mapping (from a reply, or a request addressed to us: RFC 826 "merge" rule).
    /// Returns packets that were waiting for it, ready to send to `mac`.
    public mutating func learn(_ address: IPv4Address, is mac: MACAddress, now: Instant) -> [PacketBuffer] {
        guard !address.isUnspecified, !mac.isMulticast else { return [] }
        recent = nil
        if entries[address] == nil, entries.count >= configuration.capacity {
            // Evict the entry that expires first (least recently refreshed).
            if let victim = entries.min(by: { $0.value.expires < $1.value.expires })?.key { entries[victim] = nil }
        }
        entries[address] = Entry(mac: mac, expires: now + configuration.entryLifetime)
        guard let waiting = pending.removeValue(forKey: address) else { return [] }
        pendingCount -= waiting.packets.count
        return waiting.packets
    }

    /// True when `address` is already in the cache (the merge rule refreshes only known entries).
    public func knows(_ address: IPv4Address) -> Bool { entries[address] != nil }

    public enum Resolution {
        /// Send now to this MAC.
        case resolved(MACAddress)
        /// Queued; send an ARP request for the address now.
        case queuedSendRequest
        /// Queued behind a request already in flight.
        case queued
        /// The queue was full; the packet was dropped.
        case dropped
    }

    /// Resolves `address` for `packet`: either the MAC, or the packet is queued until a reply arrives.
    public mutating func resolve(_ address: IPv4Address, holding packet: PacketBuffer, now: Instant) -> Resolution {
        if let r = recent, r.address == address, r.entry.expires > now { return .resolved(r.entry.mac) }
        if let e = entries[address], e.expires > now {
            recent = (address, e)
            return .resolved(e.mac)
        }
        if var p = pending[address] {
            guard p.packets.count < configuration.pendingPerAddress, pendingCount < configuration.pendingTotal else {
                dropped += 1
                return .dropped
            }
            p.packets.append(packet)
            pending[address] = p
            pendingCount += 1
            return .queued
        }
        guard pendingCount < configuration.pendingTotal else { dropped += 1; return .dropped }
        pending[address] = Pending(packets: [packet], requestsSent: 1, nextRequest: now + configuration.retryInterval)
        pendingCount += 1
        return .queuedSendRequest
    }

    /// Expires entries and retries requests. Returns the addresses to send a request for now.
    public mutating func poll(now: Instant) -> [IPv4Address] {
        if entries.contains(where: { $0.value.expires <= now }) {
            entries = entries.filter { $0.value.expires > now }
            recent = nil
        }
        var retry: [IPv4Address] = []
        for (address, p) in pending where p.nextRequest <= now {
            if p.requestsSent >= configuration.maximumRequests {
                dropped += p.packets.count
                pendingCount -= p.packets.count
                pending[address] = nil
            } else {
                var q = p
                q.requestsSent += 1
                q.nextRequest = now + configuration.retryInterval
                pending[address] = q
                retry.append(address)
            }
        }
        return retry
    }

    /// The earliest time `poll` has work to do.
    public var nextDeadline: Instant {
        var t = Instant.distantFuture
        for p in pending.values where p.nextRequest < t { t = p.nextRequest }
        for e in entries.values where e.expires < t { t = e.expires }
        return t
    }
}
