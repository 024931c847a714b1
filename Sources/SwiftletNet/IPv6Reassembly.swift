// SwiftletNet: IPv6 fragment reassembly (RFC 8200 §4.5) on the shared engine (Reassembly.swift), with
// RFC 5722's rule on overlaps (the whole datagram is discarded) and IPv4's memory bounds.
//
// Datagrams are keyed by (source, destination, identification). Fragment zero gives the fixed header and
// the header that begins the fragmentable part (the fragment header's Next Header); the reassembled packet
// is that fixed header followed by the fragmentable part, which the stack then walks as if it had come
// whole. The unfragmentable extension headers (processed already, fragment by fragment) are not kept.
// Fragment zero must hold the whole header chain up to the upper-layer header (RFC 8200 §4.5, RFC 7112):
// one that does not is dropped. A fragment that is the whole packet (offset 0, M = 0: an "atomic
// fragment", RFC 6946) is handed back at once, never mixed with other fragments of its identification.

import Swiftlet
import SwiftletWire

public struct IPv6Reassembly {
    public typealias Configuration = ReassemblyConfiguration

    public struct Key: Hashable, Sendable {
        public var source: IPv6Address
        public var destination: IPv6Address
        public var identification: UInt32
    }

    /// What fragment zero tells: its fixed header, the header the fragmentable part begins with, and the
    /// first bytes of the fragment as it arrived (quoted by a time-exceeded error).
    public struct First: Sendable {
        public var header: IPv6Header
        public var nextHeader: IPProtocol
        public var quote: [UInt8]
    }

    /// RFC 8200 §4.5: a reassembled payload over 65535 bytes is an error.
    static let maximumPayload = 65535
    /// Bytes of fragment zero kept for a time-exceeded error (its headers and the start of its data).
    static let quoteLength = 96

    var engine: FragmentAssembler<Key, First>

    public init(configuration: Configuration = Configuration()) {
        // The quote of fragment zero and its array header count against the budget too.
        engine = FragmentAssembler(configuration: configuration, maximumPayload: Self.maximumPayload, extraPerDatagram: Self.quoteLength + 32)
    }

    public var configuration: Configuration { engine.configuration }
    public var inProgress: Int { engine.inProgress }
    public var bufferedBytes: Int { engine.bufferedBytes }
    public var dropped: Int { engine.dropped }
    public var discarded: Int { engine.discarded }
    public var timedOut: Int { engine.timedOut }
    public var nextDeadline: Instant { engine.nextDeadline }

    /// Adds one fragment of `packet` (the whole IPv6 packet as received), whose fragment header `fragment`
    /// the walk found with its data at `dataOffset`. Returns the reassembled packet's fixed header (next
    /// header and payload length set for the whole) and its payload when this fragment completed it.
    public mutating func add(_ packet: Span<UInt8>, _ fragment: IPv6FragmentHeader, dataOffset: Int, header: IPv6Header,
                             now: Instant) -> (IPv6Header, [UInt8])? {
        let data = packet.extracting(dataOffset...)
        var first: First? = nil
        if fragment.offset == 0 {
            guard Self.chainEnds(in: data, startingWith: fragment.nextHeader) else { engine.refuse(); return nil }
            first = First(header: header, nextHeader: fragment.nextHeader,
                          quote: Array(copying: packet.extracting(0..<Swift.min(packet.count, Self.quoteLength))))
            if !fragment.moreFragments {
                // An atomic fragment: the packet itself, outside any reassembly (RFC 6946 §4).
                var whole = header
                whole.nextHeader = fragment.nextHeader
                whole.payloadLength = data.count
                return (whole, Array(copying: data))
            }
        }
        let key = Key(source: header.source, destination: header.destination, identification: fragment.identification)
        guard let (f, payload) = engine.add(key, start: fragment.offset, moreFragments: fragment.moreFragments,
                                            payload: data, first: first, now: now) else { return nil }
        var whole = f.header
        whole.nextHeader = f.nextHeader
        whole.payloadLength = payload.count
        return (whole, payload)
    }

    /// Drops datagrams whose time ran out; returns the quotes of those whose fragment zero had arrived,
    /// for ICMPv6 time exceeded, code 1 (RFC 8200 §4.5).
    public mutating func poll(now: Instant) -> [First] {
        engine.poll(now: now).map { $0.first }
    }

    /// Whether the extension headers from `next` on end inside `data` with an upper-layer header (its
    /// first byte there at least). A second fragment header is never acceptable.
    static func chainEnds(in data: Span<UInt8>, startingWith next: IPProtocol) -> Bool {
        var next = next
        var offset = 0
        for _ in 0..<16 {
            switch next {
            case .ipv6HopByHop, .ipv6DestinationOptions, .ipv6Routing:
                guard offset + 2 <= data.count else { return false }
                next = IPProtocol(rawValue: data[offset])
                offset += (Int(data[offset + 1]) + 1) * 8
            case .ipv6Fragment:
                return false
            default:
                return offset < data.count || next == .ipv6NoNextHeader
            }
        }
        return false
    }
}
