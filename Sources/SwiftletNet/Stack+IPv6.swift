// SwiftletNet: IPv6 in the stack (RFC 8200, RFC 4443, RFC 4861, RFC 4862, RFC 3810): packets for this
// interface's addresses and groups, the extension header walk with its parameter problems, echo,
// neighbour discovery (answering solicitations, resolving next hops through `NeighborCache`),
// router advertisements into `IPv6Autoconfiguration`, duplicate address detection and the MLDv2 reports
// that keep the solicited-node groups joined.
//
// TCP and UDP arrive here for the same tables IPv4 feeds (Stack+TCP.swift, Stack+UDP.swift); TCP only to
// a unicast address of ours, UDP to a group too (a port hears what comes to the groups we joined).
// Fragments are reassembled (IPv6Reassembly.swift) and the whole packet walked again; UDP and echo
// replies over the path MTU are fragmented on send (RFC 8200 §4.5, identifications per RFC 7739), TCP
// never is (its MSS fits the path). Packet Too Big goes to path-MTU discovery (Stack+PathMTU.swift).
// Redirects from the first-hop router move a destination's next hop (RFC 4861 §8.3).
//
// ICMPv6 errors follow RFC 4443 §2.4: never about an error message, a packet from :: or a multicast
// source, or (codes other than parameter problem 2) a packet to a multicast address; and at most
// `icmpv6ErrorBurst` at once, refilled one every `icmpv6ErrorInterval` (§2.4(f)).

import Swiftlet
import SwiftletWire

extension NetworkStack {
    static var ipv6Header: Int { IPv6Header.length }
    static var icmpv6ErrorBurst: Int { 10 }
    static var icmpv6ErrorInterval: Duration { .milliseconds(100) }

    /// Begins IPv6: the link-local address (and any manual ones) through DAD, router solicitation, after
    /// a random delay of up to a second (RFC 4862 §5.4.2) drawn from the stack's secret.
    func startIPv6(now: Instant) {
        guard ipv6 != nil else { return }
        var h = SipHash24(key0: secret.0 ^ 0x4441_4400, key1: secret.1)
        h.add(UInt64(0))
        let limit = UInt64(Swift.max(0, ipv6!.configuration.maximumStartDelay.milliseconds))
        let delay = Duration.milliseconds(Int64(h.finish() % (limit + 1)))
        perform(ipv6!.start(now: now, delay: delay), now: now)
    }

    /// `linkMulticast`: the frame came to a multicast or broadcast MAC (RFC 4443 §2.4(e.3)).
    func receiveIPv6(_ bytes: Span<UInt8>, linkMulticast: Bool, now: Instant) {
        guard ipv6 != nil else { counters.framesDropped += 1; return }
        guard let packet = try? IPv6Packet(validating: bytes) else { counters.malformed += 1; return }
        let header = IPv6Header(packet)
        let destination = header.destination
        // A tentative address hears only duplicate address detection, which comes to its solicited-node group.
        guard ipv6!.accepts(destination) else { counters.ipv6NotForUs += 1; return }
        // RFC 4291 §2.7: a multicast source is never valid; ::1 never arrives on a link (RFC 4291 §2.5.3);
        // an IPv4-mapped address is not one a packet on the wire may carry (RFC 4291 §2.5.5.2).
        guard !header.source.isMulticast, !header.source.isLoopback, !header.source.isIPv4Mapped else {
            counters.martianSources += 1
            return
        }
        let chain: IPv6Chain
        do throws(WireError) { chain = try packet.walkExtensionHeaders() } catch { counters.malformed += 1; return }
        if case .fragment(let fragment, let dataOffset) = chain {
            frameChecksumVerified = false  // a device vouches for whole frames only, not what fragments make
            guard let (whole, payload) = reassembly6.add(packet.bytes, fragment, dataOffset: dataOffset, header: header, now: now) else {
                return
            }
            var bytes = [UInt8](repeating: 0, count: IPv6Header.length + payload.count)
            var out = bytes.mutableSpan
            try! whole.emit(into: &out)
            Audited.copy(payload.span, into: &out, at: IPv6Header.length)
            guard let again = try? IPv6Packet(validating: bytes.span), let chain = try? again.walkExtensionHeaders() else {
                counters.malformed += 1
                return
            }
            if case .fragment = chain { counters.ipv6Unsupported += 1; return }  // fragments within fragments
            // A hop-by-hop header that came after the fragment header is not the first header (RFC 8200 §4.1).
            if whole.nextHeader == .ipv6HopByHop { counters.malformed += 1; return }
            dispatchIPv6(again, whole, chain, linkMulticast: linkMulticast, reassembled: true, now: now)
            return
        }
        dispatchIPv6(packet, header, chain, linkMulticast: linkMulticast, reassembled: false, now: now)
    }

    /// A whole packet (as received, or reassembled) by what its header walk found.
    func dispatchIPv6(_ packet: IPv6Packet, _ header: IPv6Header, _ chain: IPv6Chain, linkMulticast: Bool, reassembled: Bool,
                      now: Instant) {
        let destination = header.destination
        switch chain {
        case .upperLayer(let proto, let offset):
            let payload = packet.bytes.extracting(offset...)
            switch proto {
            case .icmpv6:
                // RFC 6980: neighbour discovery never comes in fragments.
                if reassembled, payload.count > 0, (133...137).contains(payload[0]) { counters.ndpInvalid += 1; return }
                receiveICMPv6(header, payload, now: now)
            case .tcp:
                // Never to a group (RFC 9293 §3.9.1: SYNs to multicast are ignored), nor from :: (no answer can go back).
                if destination.isMulticast || header.source.isUnspecified { counters.ipv6NotForUs += 1; return }
                receiveTCP(header, payload, now: now)
            case .udp:
                guard !header.source.isUnspecified else { counters.martianSources += 1; return }
                receiveUDP(header, payload, invoking: packet.bytes, linkMulticast: linkMulticast || destination.isMulticast, now: now)
            default:
                // Unrecognised next header (RFC 8200 §4): answered when it is the fixed header's own field.
                counters.ipv6Unsupported += 1
                if offset == IPv6Header.length, !linkMulticast {
                    sendICMPv6Error(.parameterProblem(code: 1, pointer: 6), about: packet.bytes, header, now: now)
                }
            }
        case .fragment:
            counters.ipv6Unsupported += 1  // handled by receiveIPv6
        case .discard:
            counters.framesDropped += 1
        case .parameterProblem(let code, let pointer, let unlessMulticast):
            counters.malformed += 1
            // §2.4(e.3): an unrecognised option of type 10xxxxxx is answered even about multicast.
            let toMulticast = destination.isMulticast || linkMulticast
            if !(unlessMulticast && toMulticast), code == 2 || !toMulticast {
                sendICMPv6Error(.parameterProblem(code: code, pointer: UInt32(pointer)), about: packet.bytes, header,
                                now: now, evenToMulticast: code == 2)
            }
        }
    }

    func receiveICMPv6(_ ip: IPv6Header, _ bytes: Span<UInt8>, now: Instant) {
        guard let icmp = try? ICMPv6Packet(validating: bytes, source: ip.source, destination: ip.destination) else {
            counters.malformed += 1
            return
        }
        switch icmp.type {
        case .echoRequest:
            guard case .echoRequest(let id, let seq) = icmp.message, !ip.source.isUnspecified,
                  let source = ip.destination.isMulticast ? ipv6!.sourceAddress(for: ip.source) : ip.destination else { return }
            let data = icmp.data
            var p = makePacket(transportLength: ICMPv6Header.length + data.count)
            p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
                Audited.copy(data, into: &b, at: ICMPv6Header.length)
                try! ICMPv6Header(.echoReply(identifier: id, sequence: seq)).emit(into: &b, source: source, destination: ip.source)
            }
            if (try? sendIPv6(p, nextHeader: .icmpv6, to: ip.source, from: source, fragmentable: true, now: now)) != nil {
                counters.icmpEchoRepliesSent += 1
            }
        case .routerSolicitation, .routerAdvertisement, .neighborSolicitation, .neighborAdvertisement, .redirect:
            guard let message = try? NDPMessage(icmp, hopLimit: ip.hopLimit, source: ip.source, destination: ip.destination) else {
                counters.ndpInvalid += 1
                return
            }
            receiveNDP(message, ip, now: now)
        case .multicastListenerQuery:
            // RFC 3810 §6.2: answered with the groups asked about that this interface is in, as current
            // state (MODE_IS_EXCLUDE); at once rather than after a random delay, and at most once a second,
            // so a stream of queries draws no stream of reports.
            guard ip.hopLimit == 1, ip.source.isLinkLocal, let query = try? MLDQuery(icmp) else { return }
            guard query.address.isUnspecified || ipv6!.groups.contains(query.address) else { return }
            if let last = lastMLDAnswer, now < last + .seconds(1) { return }
            lastMLDAnswer = now
            sendMLDReport(only: query.address.isUnspecified ? nil : query.address, type: MLDv2Record.modeIsExclude, now: now)
        case .packetTooBig:
            guard case .packetTooBig(let mtu) = icmp.message, let quoted = try? icmp.quotedDatagram() else { return }
            receivePacketTooBig(mtu, quoting: quoted, now: now)
        default:
            break  // other errors about our traffic: TCP's timers and UDP's callers find out for themselves
        }
    }

    func receiveNDP(_ message: NDPMessage, _ ip: IPv6Header, now: Instant) {
        switch message {
        case .neighborSolicitation(let target, let options):
            if ipv6!.isTentative(target) {
                // §5.4.3: another node's DAD for the same address means a duplicate; other solicitations for
                // a tentative address are not answered.
                if ip.source.isUnspecified { perform(ipv6!.duplicateDetected(target), now: now) }
                return
            }
            guard ipv6!.isAssigned(target) else { return }
            // §4.3: a solicitation to a multicast address carries the sender's link-layer address; without
            // it answering would mean resolving a sender that may not exist (one packet in, three out).
            if ip.destination.isMulticast, !ip.source.isUnspecified, options.sourceLinkLayer == nil { return }
            if let mac = options.sourceLinkLayer, mac.isMulticast { return }
            if let mac = options.sourceLinkLayer, !ip.source.isUnspecified {
                for waiting in neighbors.learnUnsolicited(ip.source, is: mac, now: now) { transmit(waiting, etherType: .ipv6, to: mac) }
            }
            var answer = NDPOptions()
            answer.targetLinkLayer = device.macAddress
            let reply = NDPMessage.neighborAdvertisement(NeighborAdvertisement(
                solicited: !ip.source.isUnspecified, override: true, target: target, options: answer))
            // To the solicitor (its link-layer address from the option, else the cache), or to all nodes for DAD.
            let destination = ip.source.isUnspecified ? IPv6Address.allNodes : ip.source
            sendNDP(reply, from: target, to: destination, linkAddress: options.sourceLinkLayer, now: now)
        case .neighborAdvertisement(let na):
            if ipv6!.isTentative(na.target) {
                perform(ipv6!.duplicateDetected(na.target), now: now)
                return
            }
            if ipv6!.isAssigned(na.target) { counters.ipv6AddressConflicts += 1; return }
            for waiting in neighbors.advertisement(na, now: now) {
                if let mac = neighbors.linkLayerAddress(of: na.target) { transmit(waiting, etherType: .ipv6, to: mac) }
            }
        case .routerAdvertisement(let ra):
            if let mac = ra.options.sourceLinkLayer {
                for waiting in neighbors.learnUnsolicited(ip.source, is: mac, isRouter: true, now: now) {
                    transmit(waiting, etherType: .ipv6, to: mac)
                }
            }
            let mtu = ipv6MTU
            perform(ipv6!.routerAdvertisement(ra, from: ip.source, now: now), now: now)
            // A lower link MTU reaches the open connections too, as a Packet Too Big would.
            if ipv6MTU < mtu {
                for (id, box) in connections where id.remote.address.ipv6 != nil {
                    if box.tcb.pathMTUDecreased(to: ipv6MTU, headerBytes: IPv6Header.length + 20, now: now) { flush(id, box, now: now) }
                }
            }
        case .redirect(let target, let destination, let options):
            // §8.3: the first hop for the destination is the target from now on (the destination itself
            // when target == destination: it is on-link); the target's link-layer address, when given, goes
            // to the neighbour cache as an advertisement's would. Packets waiting for the target go out.
            guard ipv6!.redirect(destination: destination, target: target, from: ip.source, now: now) else {
                counters.redirectsIgnored += 1
                return
            }
            counters.redirectsFollowed += 1
            if let mac = options.targetLinkLayer, !mac.isMulticast {
                for waiting in neighbors.learnUnsolicited(target, is: mac, isRouter: target != destination ? true : nil, now: now) {
                    transmit(waiting, etherType: .ipv6, to: mac)
                }
            }
        case .routerSolicitation:
            break  // a host answers no solicitations for routers (§6.2.6)
        }
    }

    /// Carries out what the autoconfiguration asked for, and keeps the log's events.
    @inline(never)  // called from five places; inlined, each copy cost a kernel about a kilobyte
    func perform(_ actions: [IPv6Autoconfiguration.Action], now: Instant) {
        for action in actions {
            switch action {
            case .detectDuplicate(let address):
                sendNDP(.neighborSolicitation(target: address, options: NDPOptions()), from: .unspecified,
                        to: address.solicitedNode, linkAddress: nil, now: now)
            case .solicitRouters:
                var options = NDPOptions()
                let source = ipv6!.isAssigned(ipv6!.linkLocal) ? ipv6!.linkLocal : IPv6Address.unspecified
                if !source.isUnspecified { options.sourceLinkLayer = device.macAddress }
                sendNDP(.routerSolicitation(options), from: source, to: .allRouters, linkAddress: nil, now: now)
            case .join:
                sendMLDReport(now: now)
            case .configured, .duplicate:
                if ipv6Events.count < 16 { ipv6Events.append(action) }
            }
        }
    }

    /// The addresses configured or found duplicate since the last call (for the log).
    public func takeIPv6Events() -> [IPv6Autoconfiguration.Action] {
        defer { ipv6Events.removeAll() }
        return ipv6Events
    }

    func serviceIPv6(now: Instant) {
        // Datagrams whose time ran out with fragment zero in: ICMPv6 time exceeded, code 1 (RFC 8200 §4.5).
        for first in reassembly6.poll(now: now) {
            sendICMPv6Error(.timeExceeded(code: 1), about: first.quote.span, first.header, now: now)
        }
        for solicitation in neighbors.poll(now: now) {
            switch solicitation {
            case .multicast(let target):
                solicitNeighbor(target, linkAddress: nil, now: now)
            case .unicast(let target, let mac):
                solicitNeighbor(target, linkAddress: mac, now: now)
            }
        }
        let actions = ipv6!.poll(now: now)
        if !actions.isEmpty { perform(actions, now: now) }
    }

    /// Address resolution (multicast, §7.2.2) or a reachability probe (unicast, §7.3.3) for `target`.
    func solicitNeighbor(_ target: IPv6Address, linkAddress: MACAddress?, now: Instant) {
        guard let source = ipv6!.sourceAddress(for: target) ?? (ipv6!.isAssigned(ipv6!.linkLocal) ? ipv6!.linkLocal : nil) else {
            return
        }
        var options = NDPOptions()
        options.sourceLinkLayer = device.macAddress
        sendNDP(.neighborSolicitation(target: target, options: options), from: source,
                to: linkAddress == nil ? target.solicitedNode : target, linkAddress: linkAddress, now: now)
    }

    func sendNDP(_ message: NDPMessage, from source: IPv6Address, to destination: IPv6Address, linkAddress: MACAddress?,
                 now: Instant) {
        let bytes = message.encodedByHost(source: source, destination: destination)
        var p = makePacket(transportLength: bytes.count)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in Audited.copy(bytes.span, into: &b, at: 0) }
        try? sendIPv6(p, nextHeader: .icmpv6, to: destination, from: source, hopLimit: 255, linkAddress: linkAddress, now: now)
    }

    /// An MLDv2 report for every group but all-nodes (RFC 3810 §6: that one is never reported), from the
    /// link-local address once it is assigned, before that from :: (§5.2.13).
    func sendMLDReport(only group: IPv6Address? = nil, type: UInt8 = MLDv2Record.changeToExclude, now: Instant) {
        let records = ipv6!.groups.filter { $0 != .allNodes && (group == nil || $0 == group!) }.map {
            MLDv2Record(type: type, address: $0)
        }
        guard !records.isEmpty else { return }
        let source = ipv6!.isAssigned(ipv6!.linkLocal) ? ipv6!.linkLocal : IPv6Address.unspecified
        let body = MLDv2Report(records: records).encoded(source: source)
        let hopByHop = ipv6RouterAlertHeader(next: .icmpv6)
        var p = makePacket(transportLength: hopByHop.count + body.count)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
            Audited.copy(hopByHop.span, into: &b, at: 0)
            Audited.copy(body.span, into: &b, at: hopByHop.count)
        }
        try? sendIPv6(p, nextHeader: .ipv6HopByHop, to: .allMLDv2Routers, from: source, hopLimit: 1, linkAddress: nil, now: now)
    }

    /// An ICMPv6 error about `invoking` (the whole packet as received), quoting as much as fits in 1280 bytes.
    func sendICMPv6Error(_ message: ICMPv6Message, about invoking: Span<UInt8>, _ ip: IPv6Header, now: Instant,
                         evenToMulticast: Bool = false) {
        guard !ip.source.isUnspecified, !ip.source.isMulticast, evenToMulticast || !ip.destination.isMulticast else { return }
        // Never about an ICMPv6 error or a redirect (§2.4(e.1), (e.2)), wherever it sits behind extension headers.
        if let type = NetworkStack.icmpv6Type(of: invoking), type < 128 || type == ICMPv6Type.redirect.rawValue { return }
        guard takeICMPv6ErrorToken(now: now), let source = ipv6!.sourceAddress(for: ip.source) else { return }
        let quoted = Swift.min(invoking.count, ICMPv6Header.maximumQuote)
        var p = makePacket(transportLength: ICMPv6Header.length + quoted)
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
            Audited.copy(invoking.extracting(0..<quoted), into: &b, at: ICMPv6Header.length)
            try! ICMPv6Header(message).emit(into: &b, source: source, destination: ip.source)
        }
        try? sendIPv6(p, nextHeader: .icmpv6, to: ip.source, from: source, now: now)
    }

    /// The ICMPv6 type of a packet, found by following its extension headers by their lengths alone
    /// (whatever their options say); nil when it carries no ICMPv6 or the headers run out.
    static func icmpv6Type(of packet: Span<UInt8>) -> UInt8? {
        guard packet.count >= IPv6Header.length else { return nil }
        var next = IPProtocol(rawValue: packet[6])
        var offset = IPv6Header.length
        for _ in 0..<16 {
            switch next {
            case .icmpv6:
                return offset < packet.count ? packet[offset] : nil
            case .ipv6HopByHop, .ipv6DestinationOptions, .ipv6Routing:
                guard offset + 2 <= packet.count else { return nil }
                next = IPProtocol(rawValue: packet[offset])
                offset += (Int(packet[offset + 1]) + 1) * 8
            case .ipv6Fragment:
                // Only a first fragment holds the upper-layer header (a time exceeded quotes one).
                guard offset + 8 <= packet.count, (UInt16(packet[offset + 2]) << 8 | UInt16(packet[offset + 3])) & 0xFFF8 == 0 else { return nil }
                next = IPProtocol(rawValue: packet[offset])
                offset += 8
            default:
                return nil
            }
        }
        return nil
    }

    /// The error rate limit's token bucket.
    func takeICMPv6ErrorToken(now: Instant) -> Bool {
        let interval = NetworkStack.icmpv6ErrorInterval
        while icmpv6ErrorTokens < NetworkStack.icmpv6ErrorBurst, icmpv6ErrorRefill + interval <= now {
            icmpv6ErrorTokens += 1
            icmpv6ErrorRefill = icmpv6ErrorRefill + interval
        }
        if icmpv6ErrorTokens == NetworkStack.icmpv6ErrorBurst { icmpv6ErrorRefill = now }
        guard icmpv6ErrorTokens > 0 else { counters.icmpv6ErrorsLimited += 1; return false }
        icmpv6ErrorTokens -= 1
        return true
    }

    /// Prepends the fixed header to an upper-layer packet and sends it: to `linkAddress` when given, to
    /// the group's MAC for multicast, else through neighbour resolution of the next hop.
    /// `fragmentable`: a packet over the path MTU is sent in fragments (UDP, echo replies); otherwise it
    /// is refused with `messageTooLong`.
    func sendIPv6(_ packet: consuming PacketBuffer, nextHeader: IPProtocol, to destination: IPv6Address,
                  from source: IPv6Address, hopLimit: UInt8? = nil, linkAddress: MACAddress? = nil,
                  fragmentable: Bool = false, now: Instant) throws(StackError) {
        let header = IPv6Header(nextHeader: nextHeader, hopLimit: hopLimit ?? ipv6!.hopLimit, source: source,
                                destination: destination, payloadLength: packet.count)
        let mtu = destination.isMulticast ? ipv6MTU : pathMTU(to: destination, now: now)
        if IPv6Header.length + packet.count > mtu {
            guard fragmentable, packet.count <= 65535 else { throw .messageTooLong(packet.count) }
            try sendIPv6Fragments(packet.array, nextHeader: nextHeader, to: destination, from: source, hopLimit: header.hopLimit,
                                  mtu: mtu, now: now)
            return
        }
        try! packet.prepend(IPv6Header.length)
        packet.withMutableBytes { (b: inout MutableSpan<UInt8>) in try! header.emit(into: &b) }
        if let mac = linkAddress { transmit(packet, etherType: .ipv6, to: mac); return }
        if destination.isMulticast { transmit(packet, etherType: .ipv6, to: destination.multicastMAC); return }
        guard let hop = ipv6!.nextHop(for: destination, unreachable: { neighbors.state(of: $0) == .incomplete }) else {
            throw .noRoute(.v6(destination))
        }
        switch neighbors.resolve(hop, holding: packet, now: now) {
        case .resolved(let mac): transmit(packet, etherType: .ipv6, to: mac)
        case .queuedSendSolicitation: solicitNeighbor(hop, linkAddress: nil, now: now)
        case .queued, .dropped: break
        }
    }

    /// RFC 8200 §4.5: the packet's payload in fragments of at most `mtu` bytes each (8-byte multiples but
    /// the last), each with a fragment header; the identification is a keyed hash of the destination and a
    /// counter (RFC 7739 §5.3), so an off-path host cannot predict it.
    func sendIPv6Fragments(_ data: [UInt8], nextHeader: IPProtocol, to destination: IPv6Address, from source: IPv6Address,
                           hopLimit: UInt8, mtu: Int, now: Instant) throws(StackError) {
        fragmentCounter &+= 1
        var h = SipHash24(key0: secret.1 ^ 0x4652_4147, key1: secret.0)
        h.add(IPAddress.v6(destination)); h.add(fragmentCounter)
        let identification = UInt32(truncatingIfNeeded: h.finish())
        let chunk = (mtu - IPv6Header.length - IPv6FragmentHeader.length) & ~7
        var offset = 0
        while offset < data.count {
            let n = Swift.min(chunk, data.count - offset)
            let fragment = IPv6FragmentHeader(nextHeader: nextHeader, offset: offset, moreFragments: offset + n < data.count,
                                              identification: identification)
            var p = makePacket(transportLength: IPv6FragmentHeader.length + n)
            p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
                try! fragment.emit(into: &b)
                Audited.copy(data.span.extracting(offset..<(offset + n)), into: &b, at: IPv6FragmentHeader.length)
            }
            try sendIPv6(p, nextHeader: .ipv6Fragment, to: destination, from: source, hopLimit: hopLimit, now: now)
            offset += n
        }
    }

    /// The largest IPv6 packet this link carries: the device's MTU, or less if a router advertised less.
    var ipv6MTU: Int { Swift.min(device.mtu, ipv6?.linkMTU ?? device.mtu) }

    func transmit(_ packet: consuming PacketBuffer, etherType: EtherType, to mac: MACAddress) {
        let eth = EthernetHeader(destination: mac, source: device.macAddress, etherType: etherType)
        do { try packet.prepend(eth.length) } catch { counters.transmitErrors += 1; return }
        packet.withMutableBytes { (b: inout MutableSpan<UInt8>) in try! eth.emit(into: &b) }
        transmitFrame(packet)
    }
}
