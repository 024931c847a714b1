// SwiftletNet: IPv4 fragment reassembly (RFC 791 §3.2; hole bookkeeping in the spirit of RFC 815).
//
// Datagrams are keyed by (source, destination, protocol, identification). Each keeps its fragments'
// byte ranges; overlapping fragments are trimmed (first data wins, RFC 5722's caution applies to IPv6
// but costs nothing here). Bounds: a datagram may not exceed 65535 bytes, at most `maximumDatagrams`
// are in progress, and their buffered bytes together stay under `memoryLimit`; a fragment that would
// break a bound is dropped and counted. Unfinished datagrams are dropped after `timeout` (RFC 1122
// §3.3.2 suggests 60 to 120 s; 30 s is the Linux default) — the caller may then send ICMP time
// exceeded (code 1) if fragment zero had arrived.

import Swiftlet
import SwiftletWire

public struct IPv4Reassembly {
    public struct Configuration: Sendable {
        public var timeout = Duration.seconds(30)
        public var maximumDatagrams = 64
        public var memoryLimit = 256 * 1024
        public init() {}
    }

    public struct Key: Hashable, Sendable {
        public var source: IPv4Address
        public var destination: IPv4Address
        public var `protocol`: IPProtocol
        public var identification: UInt16
    }

    struct Datagram {
        var data: [UInt8] = []
        var have: [Range<Int>] = []        // sorted, disjoint
        var totalLength: Int? = nil        // known once the last fragment (MF = 0) arrives
        var header: IPv4Header? = nil      // from fragment zero
        var deadline: Instant
        var buffered: Int { have.reduce(0) { $0 + $1.count } }
    }

    public let configuration: Configuration
    private var datagrams: [Key: Datagram] = [:]
    public private(set) var bufferedBytes = 0
    public private(set) var dropped = 0
    public private(set) var timedOut = 0

    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    public var inProgress: Int { datagrams.count }

    /// Adds one fragment. Returns the whole datagram (header of fragment zero with the full payload length,
    /// and the payload) when this fragment completed it.
    public mutating func add(_ header: IPv4Header, payload: Span<UInt8>, now: Instant) -> (IPv4Header, [UInt8])? {
        let key = Key(source: header.source, destination: header.destination, protocol: header.protocol,
                      identification: header.identification)
        let start = header.fragmentOffset
        let end = start + payload.count
        guard end <= 65535 - 20, payload.count > 0 || !header.moreFragments else { dropped += 1; return nil }
        // Every fragment but the last carries a multiple of 8 bytes (RFC 791).
        if header.moreFragments && payload.count % 8 != 0 { dropped += 1; return nil }
        if datagrams[key] == nil {
            guard datagrams.count < configuration.maximumDatagrams else { dropped += 1; return nil }
            datagrams[key] = Datagram(deadline: now + configuration.timeout)
        }
        var d = datagrams[key]!
        if !header.moreFragments {
            if let t = d.totalLength, t != end { discard(key); dropped += 1; return nil }
            d.totalLength = end
        }
        if let t = d.totalLength, end > t { discard(key); dropped += 1; return nil }
        if start == 0 { d.header = header }
        // Copy only the parts not already held.
        var added = 0
        var pieces: [Range<Int>] = [start..<end]
        for h in d.have {
            pieces = pieces.flatMap { p -> [Range<Int>] in
                guard p.overlaps(h) else { return [p] }
                var out: [Range<Int>] = []
                if p.lowerBound < h.lowerBound { out.append(p.lowerBound..<h.lowerBound) }
                if p.upperBound > h.upperBound { out.append(h.upperBound..<p.upperBound) }
                return out
            }
        }
        for p in pieces { added += p.count }
        guard bufferedBytes + added <= configuration.memoryLimit else { dropped += 1; datagrams[key] = d; return nil }
        if d.data.count < end { d.data += [UInt8](repeating: 0, count: end - d.data.count) }
        for p in pieces {
            for i in p { d.data[i] = payload[i - start] }
            d.have.append(p)
        }
        d.have.sort { $0.lowerBound < $1.lowerBound }
        // Merge adjacent ranges.
        var merged: [Range<Int>] = []
        for r in d.have {
            if let last = merged.last, last.upperBound >= r.lowerBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        d.have = merged
        bufferedBytes += added
        if let total = d.totalLength, var first = d.header, merged.count == 1, merged[0] == 0..<total {
            bufferedBytes -= d.buffered
            datagrams[key] = nil
            first.moreFragments = false
            first.fragmentOffset = 0
            first.payloadLength = total
            return (first, Array(d.data[0..<total]))
        }
        datagrams[key] = d
        return nil
    }

    private mutating func discard(_ key: Key) {
        if let d = datagrams.removeValue(forKey: key) { bufferedBytes -= d.buffered }
    }

    /// Drops datagrams whose time ran out. Returns the header and first data bytes (up to 8) of those
    /// whose first fragment had arrived, for ICMP time exceeded, code 1 (RFC 792, RFC 1122 §3.3.2).
    public mutating func poll(now: Instant) -> [(header: IPv4Header, leading: [UInt8])] {
        var expired: [(header: IPv4Header, leading: [UInt8])] = []
        for (key, d) in datagrams where d.deadline <= now {
            if let h = d.header {
                let start = d.have.first { $0.lowerBound == 0 }.map { Array(d.data[0..<Swift.min(8, $0.upperBound)]) } ?? []
                expired.append((h, start))
            }
            discard(key)
            timedOut += 1
        }
        return expired
    }

    public var nextDeadline: Instant {
        datagrams.values.map { $0.deadline }.min() ?? .distantFuture
    }
}
