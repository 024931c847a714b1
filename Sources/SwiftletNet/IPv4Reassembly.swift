// SwiftletNet: IPv4 fragment reassembly (RFC 791 §3.2) on the shared engine (Reassembly.swift):
// datagrams are keyed by (source, destination, protocol, identification); the whole may not exceed
// 65535 bytes with fragment zero's header and options ("ping of death").

import Swiftlet
import SwiftletWire

public struct IPv4Reassembly {
    public typealias Configuration = ReassemblyConfiguration

    public struct Key: Hashable, Sendable {
        public var source: IPv4Address
        public var destination: IPv4Address
        public var `protocol`: IPProtocol
        public var identification: UInt16
    }

    /// The largest payload: 65535 bytes of datagram less the smallest header (RFC 791).
    static let maximumPayload = 65535 - 20

    var engine: FragmentAssembler<Key, IPv4Header>

    public init(configuration: Configuration = Configuration()) {
        engine = FragmentAssembler(configuration: configuration, maximumPayload: Self.maximumPayload)
    }

    public var configuration: Configuration { engine.configuration }
    public var inProgress: Int { engine.inProgress }
    /// Real bytes allocated by the datagrams in progress; never above `configuration.memoryLimit` between calls.
    public var bufferedBytes: Int { engine.bufferedBytes }
    /// Fragments dropped (malformed, over a cap, duplicates, or arriving for a datagram that had to go).
    public var dropped: Int { engine.dropped }
    /// Datagrams discarded: conflicting overlap or length, too many runs, or evicted for room.
    public var discarded: Int { engine.discarded }
    public var timedOut: Int { engine.timedOut }
    /// Comparisons made to place fragments among the runs held (O(log n) per fragment; tests count it).
    public var rangeComparisons: Int { engine.rangeComparisons }
    public var nextDeadline: Instant { engine.nextDeadline }

    /// Adds one fragment. Returns the whole datagram (header of fragment zero with the full payload length,
    /// and the payload) when this fragment completed it.
    public mutating func add(_ header: IPv4Header, payload: Span<UInt8>, now: Instant) -> (IPv4Header, [UInt8])? {
        let key = Key(source: header.source, destination: header.destination, protocol: header.protocol,
                      identification: header.identification)
        guard let (zero, data) = engine.add(key, start: header.fragmentOffset, moreFragments: header.moreFragments,
                                            payload: payload, first: header, now: now) else { return nil }
        var first = zero
        // Fragment zero's options count too: the whole may not exceed 65535 bytes.
        guard first.headerLength + data.count <= 65535 else { engine.refuse(); return nil }
        first.moreFragments = false
        first.fragmentOffset = 0
        first.payloadLength = data.count
        return (first, data)
    }

    /// Drops datagrams whose time ran out. Returns the header and first data bytes (up to 8) of those
    /// whose first fragment had arrived, for ICMP time exceeded, code 1 (RFC 792, RFC 1122 §3.3.2).
    public mutating func poll(now: Instant) -> [(header: IPv4Header, leading: [UInt8])] {
        engine.poll(now: now).map { (header: $0.first, leading: $0.leading) }
    }
}
