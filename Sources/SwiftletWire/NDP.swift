// SwiftletWire: Neighbor Discovery for IPv6 (RFC 4861 §4, §6.1, §7.1, §8.1), with the DNS options of
// RFC 8106 (RDNSS and DNSSL) and the link-layer options as RFC 2464 §8 lays them out for Ethernet.
//
// Messages are ICMPv6 types 133-137. A message is accepted only as RFC 4861 validates it: hop limit 255
// (it cannot have crossed a router), code 0, long enough for its type, no option of length zero, and the
// per-message rules (a Router Advertisement from a link-local source; a solicitation's target not
// multicast; a solicitation from :: only to a solicited-node address and without a source link-layer
// option; an advertisement to a multicast address not marked solicited). Unknown options are skipped
// (§4.6); a known option with a length its format forbids fails the message. NDP is rare traffic, so
// messages are parsed into values with arrays, each bounded by the packet.

import Swiftlet

/// A Prefix Information option (RFC 4861 §4.6.2).
public struct NDPPrefixInformation: Hashable, Sendable {
    public var prefix: IPv6Network
    /// L: the prefix is on-link.
    public var onLink: Bool
    /// A: the prefix may be used for stateless address autoconfiguration (RFC 4862).
    public var autonomous: Bool
    /// Seconds; 0xFFFFFFFF is infinity.
    public var validLifetime: UInt32
    public var preferredLifetime: UInt32

    public init(prefix: IPv6Network, onLink: Bool, autonomous: Bool, validLifetime: UInt32, preferredLifetime: UInt32) {
        self.prefix = prefix
        self.onLink = onLink
        self.autonomous = autonomous
        self.validLifetime = validLifetime
        self.preferredLifetime = preferredLifetime
    }
}

/// A Recursive DNS Server option (RFC 8106 §5.1).
public struct NDPDNSServers: Hashable, Sendable {
    public var addresses: [IPv6Address]
    /// Seconds; 0xFFFFFFFF is infinity, 0 withdraws them.
    public var lifetime: UInt32
    public init(addresses: [IPv6Address], lifetime: UInt32) { self.addresses = addresses; self.lifetime = lifetime }
}

/// A DNS Search List option (RFC 8106 §5.2).
public struct NDPSearchList: Hashable, Sendable {
    public var domains: [DNSName]
    public var lifetime: UInt32
    public init(domains: [DNSName], lifetime: UInt32) { self.domains = domains; self.lifetime = lifetime }
}

/// The options of an NDP message this host uses; others are skipped.
public struct NDPOptions: Hashable, Sendable {
    public var sourceLinkLayer: MACAddress? = nil
    public var targetLinkLayer: MACAddress? = nil
    public var prefixes: [NDPPrefixInformation] = []
    public var mtu: UInt32? = nil
    /// Recursive DNS servers (RFC 8106 §5.1), one entry per option.
    public var dnsServers: [NDPDNSServers] = []
    /// DNS search lists (RFC 8106 §5.2), one entry per option.
    public var searchLists: [NDPSearchList] = []
    /// A Redirect's Redirected Header option: the start of the packet that was redirected.
    public var redirectedHeader: [UInt8]? = nil

    public init() {}

    enum Kind {
        static let sourceLinkLayer: UInt8 = 1, targetLinkLayer: UInt8 = 2, prefix: UInt8 = 3
        static let redirectedHeader: UInt8 = 4, mtu: UInt8 = 5, rdnss: UInt8 = 25, dnssl: UInt8 = 31
    }

    /// Parses the options in `bytes` (which hold nothing else).
    init(parsing bytes: Span<UInt8>) throws(WireError) {
        var i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else { throw .badOption(.ndp) }
            let kind = bytes.u8(i)
            let length = Int(bytes.u8(i + 1)) * 8
            guard length > 0, i + length <= bytes.count else { throw .badOption(.ndp) }
            let body = bytes.extracting(i..<(i + length))
            switch kind {
            case Kind.sourceLinkLayer, Kind.targetLinkLayer:
                guard length == 8 else { throw .badOption(.ndp) }
                if kind == Kind.sourceLinkLayer { sourceLinkLayer = body.mac(2) } else { targetLinkLayer = body.mac(2) }
            case Kind.prefix:
                guard length == 32 else { throw .badOption(.ndp) }
                let prefixLength = Int(body.u8(2))
                // Bits past the prefix length are ignored by the receiver (§4.6.2); a length over 128
                // makes the option meaningless, so it is skipped (the rest of the message stands).
                guard let network = IPv6Network(address: body.ipv6(16).masked(to: prefixLength), prefixLength: prefixLength) else {
                    break
                }
                prefixes.append(NDPPrefixInformation(prefix: network, onLink: body.u8(3) & 0x80 != 0,
                                                     autonomous: body.u8(3) & 0x40 != 0,
                                                     validLifetime: body.u32(4), preferredLifetime: body.u32(8)))
            case Kind.mtu:
                guard length == 8 else { throw .badOption(.ndp) }
                mtu = body.u32(4)
            case Kind.redirectedHeader:
                redirectedHeader = body.copy(8, length - 8)
            case Kind.rdnss:
                // Length 3 + 2k (in 8-octet units) for k ≥ 1 addresses (RFC 8106 §5.1).
                guard length >= 24, (length / 8) % 2 == 1 else { throw .badOption(.ndp) }
                var addresses: [IPv6Address] = []
                var at = 8
                while at < length { addresses.append(body.ipv6(at)); at += 16 }
                dnsServers.append(NDPDNSServers(addresses: addresses, lifetime: body.u32(4)))
            case Kind.dnssl:
                guard length >= 16 else { throw .badOption(.ndp) }
                searchLists.append(NDPSearchList(domains: try NDPOptions.domainNames(body.extracting(8...)), lifetime: body.u32(4)))
            default:
                break  // §4.6: ignore options this host does not know.
            }
            i += length
        }
    }

    /// The uncompressed names of a DNSSL option, followed by zero padding (RFC 8106 §5.2).
    static func domainNames(_ bytes: Span<UInt8>) throws(WireError) -> [DNSName] {
        var names: [DNSName] = []
        var i = 0
        while i < bytes.count, bytes[i] != 0 {
            guard let (name, end) = try? DNSName.read(from: bytes, at: i, pointers: false) else { throw .badOption(.ndp) }
            names.append(name)
            i = end
        }
        while i < bytes.count {
            guard bytes[i] == 0 else { throw .badOption(.ndp) }
            i += 1
        }
        guard !names.isEmpty else { throw .badOption(.ndp) }
        return names
    }

    /// The options in wire form, in a fixed order.
    public var encoded: [UInt8] { linkLayerEncoded + routerOptionsEncoded }

    /// The link-layer address options alone (all a host puts in what it sends).
    var linkLayerEncoded: [UInt8] {
        var out: [UInt8] = []
        func linkLayer(_ kind: UInt8, _ mac: MACAddress) {
            out += [kind, 1]
            for k in 0..<6 { out.append(mac.octet(k)) }
        }
        if let mac = sourceLinkLayer { linkLayer(Kind.sourceLinkLayer, mac) }
        if let mac = targetLinkLayer { linkLayer(Kind.targetLinkLayer, mac) }
        return out
    }

    /// Every option but the link-layer ones: what routers send.
    var routerOptionsEncoded: [UInt8] {
        var out: [UInt8] = []
        func address(_ a: IPv6Address) { for k in 0..<16 { out.append(a.octet(k)) } }
        for p in prefixes {
            out += [Kind.prefix, 4, UInt8(p.prefix.prefixLength), (p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0)]
            out.put32(p.validLifetime)
            out.put32(p.preferredLifetime)
            out.put32(0)
            address(p.prefix.prefix)
        }
        if let mtu { out += [Kind.mtu, 1, 0, 0]; out.put32(mtu) }
        for entry in dnsServers {
            out += [Kind.rdnss, UInt8(1 + 2 * entry.addresses.count), 0, 0]
            out.put32(entry.lifetime)
            for a in entry.addresses { address(a) }
        }
        for entry in searchLists {
            var names: [UInt8] = []
            for d in entry.domains { names += d.wire }
            while names.count % 8 != 0 { names.append(0) }
            out += [Kind.dnssl, UInt8(1 + names.count / 8), 0, 0]
            out.put32(entry.lifetime)
            out += names
        }
        if let header = redirectedHeader {
            var body = header
            while (body.count + 8) % 8 != 0 { body.append(0) }
            out += [Kind.redirectedHeader, UInt8((body.count + 8) / 8), 0, 0, 0, 0, 0, 0]
            out += body
        }
        return out
    }
}

/// A Router Advertisement (RFC 4861 §4.2).
public struct RouterAdvertisement: Hashable, Sendable {
    /// The hop limit to use (0: unspecified).
    public var currentHopLimit: UInt8
    /// M and O: addresses and other configuration by DHCPv6.
    public var managed: Bool
    public var otherConfiguration: Bool
    /// Seconds this router is a default router (0: it is not one).
    public var routerLifetime: UInt16
    /// Milliseconds (0: unspecified).
    public var reachableTime: UInt32
    public var retransmitTimer: UInt32
    public var options: NDPOptions

    public init(currentHopLimit: UInt8 = 64, managed: Bool = false, otherConfiguration: Bool = false,
                routerLifetime: UInt16, reachableTime: UInt32 = 0, retransmitTimer: UInt32 = 0, options: NDPOptions) {
        self.currentHopLimit = currentHopLimit
        self.managed = managed
        self.otherConfiguration = otherConfiguration
        self.routerLifetime = routerLifetime
        self.reachableTime = reachableTime
        self.retransmitTimer = retransmitTimer
        self.options = options
    }
}

/// A Neighbor Advertisement (RFC 4861 §4.4).
public struct NeighborAdvertisement: Hashable, Sendable {
    public var router: Bool
    public var solicited: Bool
    public var override: Bool
    public var target: IPv6Address
    public var options: NDPOptions

    public init(router: Bool = false, solicited: Bool, override: Bool, target: IPv6Address, options: NDPOptions) {
        self.router = router
        self.solicited = solicited
        self.override = override
        self.target = target
        self.options = options
    }
}

public enum NDPMessage: Hashable, Sendable {
    case routerSolicitation(NDPOptions)
    case routerAdvertisement(RouterAdvertisement)
    case neighborSolicitation(target: IPv6Address, options: NDPOptions)
    case neighborAdvertisement(NeighborAdvertisement)
    case redirect(target: IPv6Address, destination: IPv6Address, options: NDPOptions)

    /// Validates `icmp` as an NDP message (RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1) that arrived
    /// with `hopLimit` from `source` to `destination`. Throws for anything a host must discard;
    /// `.badField(.ndp)` for a message of another type.
    public init(_ icmp: borrowing ICMPv6Packet, hopLimit: UInt8, source: IPv6Address,
                destination: IPv6Address) throws(WireError) {
        guard hopLimit == 255, icmp.code == 0 else { throw .badField(.ndp) }
        let b = icmp.bytes
        switch icmp.type {
        case .routerSolicitation:
            try require(b, 8, .ndp)
            let options = try NDPOptions(parsing: b.extracting(8...))
            guard !(source.isUnspecified && options.sourceLinkLayer != nil) else { throw .badField(.ndp) }
            self = .routerSolicitation(options)
        case .routerAdvertisement:
            try require(b, 16, .ndp)
            guard source.isLinkLocal else { throw .badField(.ndp) }
            let flags = b.u8(5)
            self = .routerAdvertisement(RouterAdvertisement(
                currentHopLimit: b.u8(4), managed: flags & 0x80 != 0, otherConfiguration: flags & 0x40 != 0,
                routerLifetime: b.u16(6), reachableTime: b.u32(8), retransmitTimer: b.u32(12),
                options: try NDPOptions(parsing: b.extracting(16...))))
        case .neighborSolicitation:
            try require(b, 24, .ndp)
            let target = b.ipv6(8)
            guard !target.isMulticast else { throw .badField(.ndp) }
            let options = try NDPOptions(parsing: b.extracting(24...))
            if source.isUnspecified {
                guard destination == target.solicitedNode, options.sourceLinkLayer == nil else { throw .badField(.ndp) }
            }
            self = .neighborSolicitation(target: target, options: options)
        case .neighborAdvertisement:
            try require(b, 24, .ndp)
            let flags = b.u8(4)
            let target = b.ipv6(8)
            let solicited = flags & 0x40 != 0
            guard !target.isMulticast, !(destination.isMulticast && solicited) else { throw .badField(.ndp) }
            self = .neighborAdvertisement(NeighborAdvertisement(
                router: flags & 0x80 != 0, solicited: solicited, override: flags & 0x20 != 0, target: target,
                options: try NDPOptions(parsing: b.extracting(24...))))
        case .redirect:
            try require(b, 40, .ndp)
            let target = b.ipv6(8), redirected = b.ipv6(24)
            guard source.isLinkLocal, !redirected.isMulticast,
                  target.isLinkLocal || target == redirected else { throw .badField(.ndp) }
            self = .redirect(target: target, destination: redirected, options: try NDPOptions(parsing: b.extracting(40...)))
        default:
            throw .badField(.ndp)
        }
    }

    public var type: ICMPv6Type {
        switch self {
        case .routerSolicitation: .routerSolicitation
        case .routerAdvertisement: .routerAdvertisement
        case .neighborSolicitation: .neighborSolicitation
        case .neighborAdvertisement: .neighborAdvertisement
        case .redirect: .redirect
        }
    }

    /// The whole ICMPv6 message, checksum filled in for `source` and `destination`.
    public func encoded(source: IPv6Address, destination: IPv6Address) -> [UInt8] {
        var out = fixedPart + options.encoded
        var span = out.mutableSpan
        ICMPv6Header.fillChecksum(&span, source: source, destination: destination)
        return out
    }

    /// As `encoded`, with only the link-layer options: what a host sends (RS, NS, NA carry no others). The
    /// stack encodes with this, so a kernel holds no encoder for the options only routers send.
    public func encodedByHost(source: IPv6Address, destination: IPv6Address) -> [UInt8] {
        var out = fixedPart + options.linkLayerEncoded
        var span = out.mutableSpan
        ICMPv6Header.fillChecksum(&span, source: source, destination: destination)
        return out
    }

    public var options: NDPOptions {
        switch self {
        case .routerSolicitation(let o), .neighborSolicitation(_, let o), .redirect(_, _, let o): o
        case .routerAdvertisement(let ra): ra.options
        case .neighborAdvertisement(let na): na.options
        }
    }

    /// Type, code, a zero checksum and the message's fields before its options (RFC 4861 §4.1-§4.5).
    var fixedPart: [UInt8] {
        var out: [UInt8] = [type.rawValue, 0, 0, 0]
        func address(_ a: IPv6Address) { for k in 0..<16 { out.append(a.octet(k)) } }
        switch self {
        case .routerSolicitation:
            out.put32(0)
        case .routerAdvertisement(let ra):
            out += [ra.currentHopLimit, (ra.managed ? 0x80 : 0) | (ra.otherConfiguration ? 0x40 : 0)]
            out.put16(ra.routerLifetime)
            out.put32(ra.reachableTime)
            out.put32(ra.retransmitTimer)
        case .neighborSolicitation(let target, _):
            out.put32(0)
            address(target)
        case .neighborAdvertisement(let na):
            out += [(na.router ? 0x80 : 0) | (na.solicited ? 0x40 : 0) | (na.override ? 0x20 : 0), 0, 0, 0]
            address(na.target)
        case .redirect(let target, let destination, _):
            out.put32(0)
            address(target)
            address(destination)
        }
        return out
    }
}
