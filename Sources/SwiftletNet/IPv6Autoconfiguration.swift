// SwiftletNet: an interface's IPv6 addresses and what routers told it: stateless address
// autoconfiguration with duplicate address detection (RFC 4862), the host side of router discovery
// (RFC 4861 §6.3: default router list, prefix list, link MTU, hop limit), RDNSS (RFC 8106) and the
// next-hop and source-address choice of a host (RFC 4861 §5.2, RFC 6724 §5 rules 1, 2, 3, 8 that apply
// to one interface), and the redirects a first-hop router sends it (RFC 4861 §8.3).
//
// A state machine: no I/O, no clock. The stack feeds it router advertisements and the neighbour
// messages that reveal a duplicate; `start` and `poll` return what to send (DAD solicitations from ::,
// router solicitations, MLD reports for the groups it must be in). Addresses are tentative until one
// `retransmitTimer` passes after their DAD solicitation with no answer (DupAddrDetectTransmits = 1,
// §5.1). The first solicitations after start wait a random delay the caller draws, up to
// `maximumStartDelay` (RFC 4862 §5.4.2, RFC 4861 §6.3.7), so hosts that start together do not collide
// and a link that is still coming up does not swallow them. Every list is bounded (`Configuration`): a router that advertises a thousand prefixes gets
// the first few.

import Swiftlet
import SwiftletWire

public struct IPv6Autoconfiguration {
    public struct Configuration: Sendable {
        /// Addresses configured by hand (`--ipv6 ADDR/PREFIX`); their prefixes are on-link.
        public var manual: [IPv6Network] = []
        /// A router to use by hand (`--gateway6`); advertised ones are used as well.
        public var manualRouter: IPv6Address? = nil
        /// Form addresses from advertised prefixes (RFC 4862 §5.5.3).
        public var autoconfigure = true
        /// RFC 4861 §10 and RFC 4862 §5.1.
        public var retransmitTimer = Duration.seconds(1)
        public var maximumRouterSolicitations = 3
        public var routerSolicitationInterval = Duration.seconds(4)
        public var maximumAddresses = 8
        public var maximumRouters = 4
        public var maximumPrefixes = 8
        public var maximumDNSServers = 4
        /// MAX_RTR_SOLICITATION_DELAY (RFC 4861 §10): the longest random wait before the first DAD probe
        /// and router solicitation.
        public var maximumStartDelay = Duration.seconds(1)
        /// Destinations a router redirected (RFC 4861 §8.3), each kept this long (the RFC sets no time;
        /// Linux keeps a redirected route as long as its other cached routes, minutes).
        public var maximumRedirects = 16
        public var redirectLifetime = Duration.seconds(600)
        public init() {}
        /// With the static address and router of the command line (`LaunchOptions.ipv6Settings`).
        public init(manual: [IPv6Network], router: IPv6Address?) {
            self.manual = manual
            manualRouter = router
        }
    }

    public enum AddressState: Equatable, Sendable {
        /// Duplicate address detection has not finished: only DAD's messages may use it.
        case tentative
        case preferred
        /// Past its preferred lifetime: kept for connections that use it, not chosen for new ones.
        case deprecated
        /// Another node has it (§5.4.5): never used.
        case duplicate
    }

    public enum Origin: Equatable, Sendable { case linkLocal, autoconfigured, manual }

    public struct Address: Equatable, Sendable {
        public var network: IPv6Network
        public var state: AddressState
        public var origin: Origin
        /// nil: forever.
        public var validUntil: Instant?
        public var preferredUntil: Instant?
        /// While tentative: when DAD succeeds.
        var detectionEnds: Instant
        /// While tentative: when its DAD probe is due; nil once sent.
        var probeAt: Instant?
        public var address: IPv6Address { network.address }
    }

    public struct Router: Equatable, Sendable {
        public var address: IPv6Address
        public var expires: Instant
    }

    public struct Prefix: Equatable, Sendable {
        public var network: IPv6Network
        public var expires: Instant
    }

    /// A Redirect's word for one destination: send to `target` instead (the destination itself when
    /// it is on-link).
    public struct Redirect: Equatable, Sendable {
        public var destination: IPv6Address
        public var target: IPv6Address
        public var expires: Instant
    }

    public struct DNSServer: Equatable, Sendable {
        public var address: IPv6Address
        public var expires: Instant
    }

    /// What the stack must do.
    public enum Action: Equatable, Sendable {
        /// A Neighbor Solicitation from :: for the tentative address (§5.4.2).
        case detectDuplicate(IPv6Address)
        /// A Router Solicitation to ff02::2 (RFC 4861 §6.3.7).
        case solicitRouters
        /// An MLDv2 report joining `groups` (RFC 4862 §5.4.2 wants the solicited-node group joined
        /// before DAD; RFC 3810 §6.1).
        case join
        /// For the log: an address is now usable, or found duplicate.
        case configured(IPv6Network)
        case duplicate(IPv6Address)
    }

    public let configuration: Configuration
    public let interfaceID: UInt64
    public private(set) var addresses: [Address] = []
    public private(set) var routers: [Router] = []
    public private(set) var prefixes: [Prefix] = []
    public private(set) var dnsServers: [DNSServer] = []
    public private(set) var redirects: [Redirect] = []
    /// From a Router Advertisement's MTU option (RFC 4861 §6.3.4), nil until one came.
    public private(set) var linkMTU: Int? = nil
    public private(set) var hopLimit: UInt8 = 64
    private var solicitationsSent = 0
    private var nextSolicitation: Instant? = nil

    public init(interfaceID: UInt64, configuration: Configuration = Configuration()) {
        self.interfaceID = interfaceID
        self.configuration = configuration
    }

    public var linkLocal: IPv6Address { .linkLocal(interfaceID: interfaceID) }

    /// Begins: the link-local and manual addresses tentative; after `delay` (the caller's random draw,
    /// clamped to `maximumStartDelay`) their groups are joined, DAD probes them and routers are solicited.
    /// With no delay that happens now, in the actions returned.
    public mutating func start(now: Instant, delay: Duration = .zero) -> [Action] {
        var actions: [Action] = []
        let first = now + Swift.max(.zero, Swift.min(delay, configuration.maximumStartDelay))
        add(IPv6Network(address: linkLocal, prefixLength: 64)!, origin: .linkLocal, valid: nil, preferred: nil,
            now: now, probeAt: first, actions: &actions)
        for network in configuration.manual {
            add(network, origin: .manual, valid: nil, preferred: nil, now: now, probeAt: first, actions: &actions)
        }
        solicitationsSent = 0
        nextSolicitation = first
        return actions + poll(now: now)
    }

    /// The multicast groups this interface listens to: all-nodes and each address's solicited-node group.
    public var groups: [IPv6Address] {
        var out: [IPv6Address] = [.allNodes]
        for a in addresses where a.state != .duplicate {
            let g = a.address.solicitedNode
            if !out.contains(g) { out.append(g) }
        }
        return out
    }

    /// An address assigned to this interface and usable (not tentative, not duplicate).
    public func isAssigned(_ address: IPv6Address) -> Bool {
        addresses.contains { $0.address == address && ($0.state == .preferred || $0.state == .deprecated) }
    }

    public func isTentative(_ address: IPv6Address) -> Bool {
        addresses.contains { $0.address == address && $0.state == .tentative }
    }

    /// A packet to `destination` is for this interface (an assigned address or a group it is in).
    /// (The groups are checked in place: `groups` would build a list for every multicast packet.)
    public func accepts(_ destination: IPv6Address) -> Bool {
        guard destination.isMulticast else { return isAssigned(destination) }
        return destination == .allNodes
            || addresses.contains { $0.state != .duplicate && $0.address.solicitedNode == destination }
    }

    /// Another node uses `address`, which is ours and tentative (§5.4.3, §5.4.4): it is never used.
    public mutating func duplicateDetected(_ address: IPv6Address) -> [Action] {
        guard let i = addresses.firstIndex(where: { $0.address == address && $0.state == .tentative }) else { return [] }
        addresses[i].state = .duplicate
        return [.duplicate(address)]
    }

    /// A Router Advertisement from `router` (validated by the wire layer: link-local source, hop limit 255).
    public mutating func routerAdvertisement(_ ra: RouterAdvertisement, from router: IPv6Address, now: Instant) -> [Action] {
        var actions: [Action] = []
        if ra.currentHopLimit != 0 { hopLimit = ra.currentHopLimit }
        if let mtu = ra.options.mtu, mtu >= 1280 { linkMTU = Int(Swift.min(mtu, 65535)) }
        // Default router list (§6.3.4), updated in place: a router that keeps advertising keeps its rank.
        let expires = now + .seconds(Int64(ra.routerLifetime))
        if let i = routers.firstIndex(where: { $0.address == router }) {
            if ra.routerLifetime > 0 { routers[i].expires = expires } else { routers.remove(at: i) }
        } else if ra.routerLifetime > 0 {
            IPv6Autoconfiguration.insert(Router(address: router, expires: expires), into: &routers,
                                         limit: configuration.maximumRouters) { $0.expires }
        }
        if ra.routerLifetime > 0 { nextSolicitation = nil }  // a router answered: stop soliciting
        for p in ra.options.prefixes where !p.prefix.prefix.isLinkLocal {
            if p.onLink { onLink(p, now: now) }
            if p.autonomous, configuration.autoconfigure { autoconfigure(p, now: now, actions: &actions) }
        }
        for entry in ra.options.dnsServers {
            for server in entry.addresses {
                dnsServers.removeAll { $0.address == server }
                if entry.lifetime > 0 {
                    IPv6Autoconfiguration.insert(DNSServer(address: server, expires: now + IPv6Autoconfiguration.lifetime(entry.lifetime)),
                                                 into: &dnsServers, limit: configuration.maximumDNSServers) { $0.expires }
                }
            }
        }
        return actions
    }

    /// Appends to a bounded list; when it is full, the entry that expires first makes room if it expires
    /// before the newcomer (so a list filled by one advertiser does not lock out the rest for good).
    static func insert<T>(_ item: T, into list: inout [T], limit: Int, expiry: (T) -> Instant) {
        if list.count < limit { list.append(item); return }
        guard let i = list.indices.min(by: { expiry(list[$0]) < expiry(list[$1]) }), expiry(list[i]) < expiry(item) else { return }
        list[i] = item
    }

    /// The prefix list (§6.3.4): a zero lifetime removes the prefix.
    /// Prefixes shorter than /16 are not taken: ::/0 on-link would make every destination a neighbour to
    /// resolve (a hardening of this stack's; RFC 4861 sets no minimum).
    private mutating func onLink(_ p: NDPPrefixInformation, now: Instant) {
        guard p.prefix.prefixLength >= 16 else { return }
        let prefix = p.prefix.prefix
        prefixes.removeAll { $0.network.prefix == prefix && $0.network.prefixLength == p.prefix.prefixLength }
        if p.validLifetime > 0 {
            IPv6Autoconfiguration.insert(Prefix(network: p.prefix, expires: now + IPv6Autoconfiguration.lifetime(p.validLifetime)),
                                         into: &prefixes, limit: configuration.maximumPrefixes) { $0.expires }
        }
    }

    /// RFC 4862 §5.5.3: a /64 prefix and the interface identifier make an address; lifetimes of an
    /// existing one are updated under the two-hour rule (e), so a forged advertisement cannot make an
    /// address expire at once.
    private mutating func autoconfigure(_ p: NDPPrefixInformation, now: Instant, actions: inout [Action]) {
        guard p.prefix.prefixLength == 64, p.preferredLifetime <= p.validLifetime else { return }
        let address = IPv6Address(high: p.prefix.prefix.high, low: interfaceID)
        let valid = now + IPv6Autoconfiguration.lifetime(p.validLifetime)
        let preferred = now + IPv6Autoconfiguration.lifetime(p.preferredLifetime)
        if let i = addresses.firstIndex(where: { $0.address == address }) {
            guard addresses[i].origin == .autoconfigured else { return }
            let twoHours = now + .seconds(7200)
            let remaining = addresses[i].validUntil ?? .distantFuture
            if valid > twoHours || valid > remaining {
                addresses[i].validUntil = valid
            } else if remaining > twoHours {
                addresses[i].validUntil = twoHours
            }
            addresses[i].preferredUntil = preferred
            if addresses[i].state == .deprecated, preferred > now { addresses[i].state = .preferred }
            return
        }
        guard p.validLifetime > 0 else { return }
        if addresses.count >= configuration.maximumAddresses {
            // Full: an autoconfigured address that expires sooner than this one makes room.
            guard let i = addresses.indices.filter({ addresses[$0].origin == .autoconfigured })
                    .min(by: { (addresses[$0].validUntil ?? .distantFuture) < (addresses[$1].validUntil ?? .distantFuture) }),
                  (addresses[i].validUntil ?? .distantFuture) < valid else { return }
            addresses.remove(at: i)
        }
        add(IPv6Network(address: address, prefixLength: 64)!, origin: .autoconfigured, valid: valid, preferred: preferred,
            now: now, actions: &actions)
    }

    /// A tentative address; its DAD probe goes now, or at `probeAt` (from `poll`).
    private mutating func add(_ network: IPv6Network, origin: Origin, valid: Instant?, preferred: Instant?,
                              now: Instant, probeAt: Instant? = nil, actions: inout [Action]) {
        addresses.append(Address(network: network, state: .tentative, origin: origin, validUntil: valid,
                                 preferredUntil: preferred, detectionEnds: now + configuration.retransmitTimer,
                                 probeAt: probeAt ?? now))
        if probeAt == nil { probe(addresses.count - 1, now: now, actions: &actions) }
    }

    /// Joins the address's solicited-node group and sends its DAD probe; DAD ends a retransmit time later.
    private mutating func probe(_ i: Int, now: Instant, actions: inout [Action]) {
        addresses[i].probeAt = nil
        addresses[i].detectionEnds = now + configuration.retransmitTimer
        // One report (of `groups` as they are when it is sent), before the probes (RFC 4862 §5.4.2).
        if !actions.contains(.join) { actions.append(.join) }
        actions.append(.detectDuplicate(addresses[i].address))
    }

    /// Seconds of an advertised lifetime; 0xFFFFFFFF is infinity (Instant arithmetic saturates).
    static func lifetime(_ seconds: UInt32) -> Duration {
        seconds == .max ? .max : .seconds(Int64(seconds))
    }

    /// Runs the timers: DAD that ends, lifetimes that run out, router solicitations still to send.
    public mutating func poll(now: Instant) -> [Action] {
        var actions: [Action] = []
        for i in addresses.indices where addresses[i].state == .tentative {
            if let due = addresses[i].probeAt, due <= now { probe(i, now: now, actions: &actions) }
        }
        for i in addresses.indices {
            if addresses[i].state == .tentative, addresses[i].probeAt == nil, addresses[i].detectionEnds <= now {
                addresses[i].state = .preferred
                actions.append(.configured(addresses[i].network))
            }
            if let p = addresses[i].preferredUntil, p <= now, addresses[i].state == .preferred {
                addresses[i].state = .deprecated
            }
        }
        addresses.removeAll { a in a.validUntil.map { $0 <= now } ?? false }
        routers.removeAll { $0.expires <= now }
        prefixes.removeAll { $0.expires <= now }
        dnsServers.removeAll { $0.expires <= now }
        redirects.removeAll { $0.expires <= now }
        if let next = nextSolicitation, next <= now {
            if solicitationsSent < configuration.maximumRouterSolicitations {
                solicitationsSent += 1
                nextSolicitation = now + configuration.routerSolicitationInterval
                actions.append(.solicitRouters)
            } else {
                nextSolicitation = nil
            }
        }
        return actions
    }

    public var nextDeadline: Instant {
        var t = nextSolicitation ?? .distantFuture
        for a in addresses {
            if a.state == .tentative { t = Swift.min(t, a.probeAt ?? a.detectionEnds) }
            if a.state == .preferred, let p = a.preferredUntil { t = Swift.min(t, p) }
            if let v = a.validUntil { t = Swift.min(t, v) }
        }
        for r in routers { t = Swift.min(t, r.expires) }
        for p in prefixes { t = Swift.min(t, p.expires) }
        for d in dnsServers { t = Swift.min(t, d.expires) }
        for r in redirects { t = Swift.min(t, r.expires) }
        return t
    }

    /// The next hop for `destination` (RFC 4861 §5.2): itself when on-link (link-local, multicast, in an
    /// on-link prefix or a manual address's prefix), else a default router; nil when there is none.
    /// Among routers, the first that `unreachable` does not rule out (§6.3.6: neighbour discovery failing for it).
    /// A redirect (§8.3) comes first while its target is not known unreachable.
    public func nextHop(for destination: IPv6Address, unreachable: (IPv6Address) -> Bool = { _ in false }) -> IPv6Address? {
        if destination.isLinkLocal || destination.isMulticast { return destination }
        if let r = redirects.first(where: { $0.destination == destination }), !unreachable(r.target) { return r.target }
        if prefixes.contains(where: { $0.network.contains(destination) }) { return destination }
        if addresses.contains(where: { $0.origin == .manual && $0.network.contains(destination) }) { return destination }
        return routers.first(where: { !unreachable($0.address) })?.address ?? routers.first?.address ?? configuration.manualRouter
    }

    /// A Redirect from `router` (validated by the wire layer: link-local source, hop limit 255, a unicast
    /// destination, a link-local target or the destination itself): taken only when `router` is the
    /// first hop this interface uses for `destination` now (§8.1), so only the router a packet went to can
    /// move it. Returns whether it was taken. The list is bounded; the entry that expires first makes room.
    public mutating func redirect(destination: IPv6Address, target: IPv6Address, from router: IPv6Address, now: Instant) -> Bool {
        guard !destination.isLinkLocal, target != router, nextHop(for: destination) == router else { return false }
        redirects.removeAll { $0.destination == destination }
        let entry = Redirect(destination: destination, target: target, expires: now + configuration.redirectLifetime)
        if redirects.count >= configuration.maximumRedirects, let i = redirects.indices.min(by: { redirects[$0].expires < redirects[$1].expires }) {
            redirects.remove(at: i)
        }
        redirects.append(entry)
        return true
    }

    /// The source address for `destination` (RFC 6724 §5, the rules that matter for one interface):
    /// the destination itself if it is ours (rule 1), an address of the same scope (2), preferred over
    /// deprecated (3), the longest matching prefix (8). nil when no usable address has a fitting scope.
    public func sourceAddress(for destination: IPv6Address) -> IPv6Address? {
        if isAssigned(destination) { return destination }
        let linkScope = destination.isLinkLocal || (destination.isMulticast && destination.multicastScope <= 2)
        var best: Address? = nil
        for a in addresses where a.state == .preferred || a.state == .deprecated {
            guard a.address.isLinkLocal == linkScope else { continue }
            guard let b = best else { best = a; continue }
            if (a.state == .preferred) != (b.state == .preferred) {
                if a.state == .preferred { best = a }
                continue
            }
            if commonPrefix(a.address, destination) > commonPrefix(b.address, destination) { best = a }
        }
        // A global destination with no global address: the link-local one still reaches an on-link peer.
        if best == nil, !linkScope { return nil }
        return best?.address
    }

    private func commonPrefix(_ a: IPv6Address, _ b: IPv6Address) -> Int {
        let high = a.high ^ b.high
        return high != 0 ? high.leadingZeroBitCount : 64 + (a.low ^ b.low).leadingZeroBitCount
    }
}
