// SwiftletNet: TCP in the stack: demultiplexing, listeners with a bounded backlog, connection setup with
// RFC 6528 initial sequence numbers and RFC 6056 ephemeral ports, resets for segments nobody owns
// (RFC 9293 §3.10.7.1), and the socket calls applications use. One table serves both families: a
// connection is keyed by its remote `IPAddress`, and everything below the segment (pseudo-header, IP
// header, next hop) is chosen by that address's family; over IPv6 the MSS is 20 bytes smaller.

import Swiftlet
import SwiftletWire

extension NetworkStack {
    func receiveTCP(_ ip: IPv4Header, _ bytes: Span<UInt8>, now: Instant) {
        guard let segment = try? TCPSegment(validating: bytes, source: ip.source, destination: ip.destination,
                                                        checksumVerified: frameChecksumVerified) else {
            counters.malformed += 1
            return
        }
        receiveTCP(segment, source: .v4(ip.source), destination: .v4(ip.destination), now: now)
    }

    /// A segment over IPv6 (to a unicast address of ours: `receiveIPv6` passes no multicast here).
    func receiveTCP(_ ip: IPv6Header, _ bytes: Span<UInt8>, now: Instant) {
        guard let segment = try? TCPSegment(validating: bytes, source: ip.source, destination: ip.destination,
                                                        checksumVerified: frameChecksumVerified) else {
            counters.malformed += 1
            return
        }
        receiveTCP(segment, source: .v6(ip.source), destination: .v6(ip.destination), now: now)
    }

    /// A checksummed segment of either family.
    func receiveTCP(_ segment: TCPSegment, source: IPAddress, destination: IPAddress, now: Instant) {
        let header = TCPHeader(segment)
        let id = TCPSocketID(localPort: header.destinationPort, remote: TCPEndpoint(address: source, port: header.sourcePort))
        let flags = header.flags
        if let box = connections[id] {
            // IPv6 gives us several addresses (link-local, SLAAC, manual) and the table is keyed by the
            // remote end only: a segment from a connection's peer and port to another of our addresses is
            // not that connection's, and it may not open a second one under the same key either. Dropped.
            if case .v6 = destination, box.tcb.local.address != destination {
                counters.ipv6NotForUs += 1
                return
            }
            // Only for a connection the application let go of: one it still holds keeps its id.
            if flags.contains(.syn), !flags.contains(.ack), !flags.contains(.rst), listeners[header.destinationPort] != nil,
               detached.contains(id), box.tcb.acceptsNewIncarnation(header) {
                // RFC 6191: a new SYN for a connection in TIME-WAIT ends it early and opens the next one.
                remove(id, box)
            } else {
                box.tcb.handle(header, payload: segment.payload, now: now)
                flush(id, box, now: now)
                return
            }
        }
        // Listeners are changed where they lie in the dictionary (`values[index]`): a copy taken out and
        // put back would copy its set of embryonic connections for every SYN.
        if !flags.contains(.rst), let listener = listeners.index(forKey: header.destinationPort) {
            let local = TCPEndpoint(address: destination, port: header.destinationPort)
            if flags.contains(.syn), !flags.contains(.ack) {
                receiveSYN(header, listener: listener, id: id, local: local, now: now)
                return
            }
            // The third segment of a handshake answered with a cookie (or the first data after it).
            if flags.contains(.ack), !flags.contains(.syn), acceptCookie(header, segment.payload, listener: listener, id: id, local: local, now: now) {
                return
            }
        }
        sendReset(answering: header, payloadLength: segment.payload.count, to: source, from: destination, now: now)
    }

    /// A SYN for a listening port: a half-open connection while the backlog has room; beyond it a SYN
    /// cookie (RFC 4987 §3.6) or, with cookies off, the oldest half-open connection makes way.
    private func receiveSYN(_ header: TCPHeader, listener: Dictionary<UInt16, Listener>.Index, id: TCPSocketID,
                            local: TCPEndpoint, now: Instant) {
        let l = listeners.values[listener]
        if l.ready.count + l.embryonic.count >= l.backlog {
            if tcpConfiguration.synCookies {
                if l.lastCookie.map({ now - $0 >= .seconds(128) }) ?? true {
                    tcpLog.warning("port " + String(id.localPort) + ": backlog of " + String(l.backlog) + " full; answering SYNs with cookies")
                }
                tcpLog.debug("SYN cookie to " + id.logText)
                sendCookie(answering: header, local: local, remote: id.remote, now: now)
                listeners.values[listener].lastCookie = now
                return
            }
            guard l.ready.count < l.backlog, evictOldestHalfOpen(listener, now: now) else {
                counters.tcpBacklogDrops += 1  // the peer will retransmit its SYN (RFC 9293 §3.10.7.2 leaves this open)
                tcpLog.info("backlog full, SYN dropped: " + id.logText)
                return
            }
        }
        guard reserveConnection(for: id) else { return }
        let c = TCPConnection.accept(header, local: local, remote: id.remote, iss: initialSequenceNumber(id, local: local.address, now: now),
                                     tsOffset: timestampOffset(id), configuration: tcpConfiguration(for: id.remote.address, now: now),
                                     budget: tcpMemory, now: now)
        let box = TCPConnectionBox(c, budget: tcpMemory)
        box.embryonic = true
        connections[id] = box
        listeners.values[listener].embryonic.insert(id)
        listeners.values[listener].arrivals.append(id)
        if listeners.values[listener].arrivals.count > 2 * listeners.values[listener].backlog + 16 {
            let live = listeners.values[listener].embryonic
            listeners.values[listener].arrivals.removeAll { !live.contains($0) }
        }
        flush(id, box, now: now)
    }

    /// Room for one more connection record: under the connection cap, and the memory budget grants the
    /// record plus the first pages of its buffers' worth of headroom. Counts a refusal.
    func reserveConnection(for id: TCPSocketID) -> Bool {
        guard connections.count < tcpConfiguration.maximumConnections else {
            counters.tcpConnectionLimitDrops += 1
            tcpLog.warning("limit of " + String(tcpConfiguration.maximumConnections) + " connections reached; refused " + id.logText)
            return false
        }
        // Headroom for the new connection's first buffer pages, so that it can do something useful.
        guard tcpMemory.available >= TCPConnectionBox.recordBytes + 2 * 4096, tcpMemory.reserve(TCPConnectionBox.recordBytes) else {
            counters.tcpMemoryDrops += 1
            tcpLog.warning("memory budget of " + String(tcpMemory.limit) + " bytes spent; refused " + id.logText)
            return false
        }
        return true
    }

    /// Drops the listener's oldest half-open connection, silently (its SYN may have been spoofed).
    private func evictOldestHalfOpen(_ listener: Dictionary<UInt16, Listener>.Index, now: Instant) -> Bool {
        while !listeners.values[listener].arrivals.isEmpty {
            let oldest = listeners.values[listener].arrivals.removeFirst()
            guard listeners.values[listener].embryonic.remove(oldest) != nil else { continue }
            if let box = connections[oldest] { remove(oldest, box) }
            counters.tcpHalfOpenEvicted += 1
            tcpLog.debug("half-open connection evicted: " + oldest.logText)
            return true
        }
        return false
    }

    /// A stateless SYN-ACK whose sequence number is a cookie; options as `TCPConnection.sendSyn` would
    /// offer them, except window scaling and SACK, which need timestamps to come back.
    private func sendCookie(answering syn: TCPHeader, local: TCPEndpoint, remote: TCPEndpoint, now: Instant) {
        let c = tcpConfiguration(for: remote.address, now: now)
        let peer = syn.options
        let iss = cookies.sequenceNumber(local: local, remote: remote, clientISN: syn.sequenceNumber,
                                         peerMSS: peer.maximumSegmentSize ?? 536, now: now)
        var options = TCPOptions(maximumSegmentSize: UInt16(min(c.maximumSegmentSize, 0xFFFF)))
        if c.timestamps, let ts = peer.timestamps {
            let scale = c.windowScaling ? peer.windowScale : nil
            let sack = c.selectiveAcknowledgments && peer.sackPermitted
            if scale != nil { options.windowScale = TCPConnection.receiveScale(for: c) }
            options.sackPermitted = sack
            let id = TCPSocketID(localPort: local.port, remote: remote)
            let clock = UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ timestampOffset(id)
            options.timestamps = TCPTimestamps(value: SYNCookie.timestampValue(clock: clock, windowScale: scale, sackPermitted: sack),
                                               echoReply: ts.value)
        }
        let header = TCPHeader(sourcePort: local.port, destinationPort: remote.port, sequenceNumber: iss,
                               acknowledgmentNumber: syn.sequenceNumber + 1, flags: [.syn, .ack],
                               window: UInt16(min(c.receiveBufferSize, 0xFFFF)), options: options)
        counters.tcpCookiesSent += 1
        sendSegment(header, to: remote.address, from: local.address, now: now)
    }

    /// An ACK for no connection on a listening port: a connection if it returns a valid cookie of ours
    /// (checked only for two cookie periods after the last cookie was sent) and the accept queue has room.
    private func acceptCookie(_ header: TCPHeader, _ payload: Span<UInt8>, listener: Dictionary<UInt16, Listener>.Index,
                              id: TCPSocketID, local: TCPEndpoint, now: Instant) -> Bool {
        guard let last = listeners.values[listener].lastCookie, now - last < .seconds(128),
              let decoded = cookies.validate(header, local: local, remote: id.remote, now: now) else { return false }
        guard listeners.values[listener].ready.count < listeners.values[listener].backlog else {
            counters.tcpBacklogDrops += 1
            return true  // valid, but no room: dropped; the client's retransmission may find room
        }
        guard reserveConnection(for: id) else { return true }
        var c = TCPConnection.acceptCookie(header, cookie: decoded, local: local, remote: id.remote, tsOffset: timestampOffset(id),
                                           configuration: tcpConfiguration(for: id.remote.address, now: now), budget: tcpMemory, now: now)
        if payload.count > 0 || header.flags.contains(.fin) { c.handle(header, payload: payload, now: now) }
        let box = TCPConnectionBox(c, budget: tcpMemory)
        connections[id] = box
        listeners.values[listener].ready.append(id)
        touch(.listener(id.localPort))
        counters.tcpCookiesAccepted += 1
        flush(id, box, now: now)
        return true
    }

    /// RFC 9293 §3.10.7.1: a segment for a closed port gets a reset, unless it is one.
    func sendReset(answering h: TCPHeader, payloadLength: Int, to destination: IPAddress, from source: IPAddress, now: Instant) {
        guard !h.flags.contains(.rst) else { return }
        let reply: TCPHeader
        if h.flags.contains(.ack) {
            reply = TCPHeader(sourcePort: h.destinationPort, destinationPort: h.sourcePort,
                              sequenceNumber: h.acknowledgmentNumber, flags: .rst, window: 0)
        } else {
            let length = payloadLength + (h.flags.contains(.syn) ? 1 : 0) + (h.flags.contains(.fin) ? 1 : 0)
            reply = TCPHeader(sourcePort: h.destinationPort, destinationPort: h.sourcePort, sequenceNumber: TCPSequenceNumber(0),
                              acknowledgmentNumber: h.sequenceNumber + length, flags: [.rst, .ack], window: 0)
        }
        counters.tcpResetsSent += 1
        sendSegment(reply, to: destination, from: source, now: now)
    }

    /// Sends what a connection queued and forgets it once closed.
    func flush(_ id: TCPSocketID, now: Instant) {
        guard let box = connections[id] else { timers[id] = nil; return }
        flush(id, box, now: now)
    }

    /// `flush` for a connection already looked up (one hash lookup per segment, not six).
    func flush(_ id: TCPSocketID, _ box: TCPConnectionBox, now: Instant) {
        touch(.connection(id))
        let local = box.tcb.local.address
        box.tcb.sendOutbox { header, dataLength, writeData in
            sendSegment(header, dataLength: dataLength, to: id.remote.address, from: local, now: now, writeData: writeData)
        }
        let state = box.tcb.state
        if box.embryonic, state != .synReceived {
            // The handshake ended: established connections wait for accept; failed ones are forgotten.
            if state == .closed { remove(id, box); return }
            box.embryonic = false
            // In place (`values[index]`): a copy would keep the connection's backlog slot for good.
            if let listener = listeners.index(forKey: id.localPort), listeners.values[listener].embryonic.remove(id) != nil {
                listeners.values[listener].ready.append(id)
                touch(.listener(id.localPort))
                tcpLog.debug("connection accepted: " + id.logText)
            }
        } else if state == .closed, detached.contains(id) {
            // A closed connection the application already let go of is forgotten; one it still holds
            // stays until it calls close, so it can read the error or the end of the stream.
            remove(id, box)
            return
        }
        let deadline = box.nextDeadline
        if deadline != box.timer {
            box.timer = deadline
            timers[id] = deadline == .distantFuture ? nil : deadline
        }
    }

    /// Forgets a connection: the one way out of the stack. Clears every table that names it (connections,
    /// timers, detached, its listener's half-open set) and keeps its count of segments sent again in the
    /// stack's total.
    func remove(_ id: TCPSocketID, _ box: TCPConnectionBox) {
        tcpLog.debug("connection forgotten: " + id.logText + " (" + String(box.tcb.retransmittedSegments) + " segments sent again)")
        counters.tcpRetransmittedByClosed &+= box.tcb.retransmittedSegments
        connections[id] = nil
        timers[id] = nil
        detached.remove(id)
        touch(.connection(id))
        if box.embryonic {
            box.embryonic = false
            if let listener = listeners.index(forKey: id.localPort) { listeners.values[listener].embryonic.remove(id) }
        }
        box.timer = .distantFuture
    }

    /// Builds and sends one segment: `header`, then `dataLength` bytes that `writeData` puts into the frame
    /// at the offset it is given (a connection's `sendOutbox` copies them from its send queue). Over IPv4 it
    /// always leaves from the interface's address; over IPv6 from `source`, the address the connection was
    /// made with (or the one a segment answered by a reset came to).
    func sendSegment(_ h: TCPHeader, dataLength: Int = 0, to destination: IPAddress, from source: IPAddress, now: Instant,
                     writeData: (inout MutableSpan<UInt8>, Int) -> Void = { _, _ in }) {
        var p = makePacket(transportLength: h.length + dataLength)
        let pseudo: InternetChecksum
        switch (destination, source) {
        case (.v4(let d), _):
            pseudo = .pseudoHeader(source: ipv4.address, destination: d, protocol: .tcp, length: p.count)
        case (.v6(let d), .v6(let s)):
            pseudo = .pseudoHeader(source: s, destination: d, protocol: .tcp, length: p.count)
        case (.v6, .v4):
            return  // a connection's two ends are always of one family
        }
        p.withMutableBytes { (b: inout MutableSpan<UInt8>) in
            writeData(&b, h.length)
            try! h.emit(into: &b, pseudoHeader: pseudo)
        }
        switch (destination, source) {
        case (.v4(let d), _): try? sendIPv4(p, protocol: .tcp, to: d, now: now)
        case (.v6(let d), .v6(let s)): try? sendIPv6(p, nextHeader: .tcp, to: d, from: s, now: now)
        case (.v6, .v4): break
        }
    }

    /// The TCP settings for a connection to `remote`: over IPv6 the MSS leaves room for the 40-byte header
    /// (RFC 8200 §8.3: MTU − 60), 20 bytes less than over IPv4, and fits the path MTU (the link's, one a
    /// router advertised, or one a Packet Too Big reported); never under 1220 (1280, IPv6's minimum, − 60).
    func tcpConfiguration(for remote: IPAddress, now: Instant) -> TCPConfiguration {
        guard case .v6(let destination) = remote else { return tcpConfiguration }
        var c = tcpConfiguration
        let headers = IPv6Header.length + 20
        c.maximumSegmentSize = Swift.min(c.maximumSegmentSize - (IPv6Header.length - NetworkStack.ipv4Header),
                                         Swift.max(pathMTU(to: destination, now: now), NetworkStack.minimumIPv6MTU) - headers)
        return c
    }

    /// RFC 6528: ISN = M + F(local, remote, secret), M a 4-microsecond clock, F a keyed hash.
    func initialSequenceNumber(_ id: TCPSocketID, local: IPAddress, now: Instant) -> TCPSequenceNumber {
        var h = SipHash24(key0: secret.0, key1: secret.1)
        h.add(local); h.add(id.localPort); h.add(id.remote.address); h.add(id.remote.port)
        let m = UInt32(truncatingIfNeeded: now.nanoseconds / 4_000)
        return TCPSequenceNumber(m &+ UInt32(truncatingIfNeeded: h.finish()))
    }

    func timestampOffset(_ id: TCPSocketID) -> UInt32 {
        var h = SipHash24(key0: secret.1, key1: secret.0)
        h.add(id.localPort); h.add(id.remote.address); h.add(id.remote.port)
        return UInt32(truncatingIfNeeded: h.finish())
    }

    /// RFC 6056 algorithm 3 (simple hash-based): a keyed offset per destination plus a counter.
    func ephemeralPort(to remote: TCPEndpoint) throws(StackError) -> UInt16 {
        let low: UInt32 = 49152, count: UInt32 = 16384
        var h = SipHash24(key0: secret.0 ^ 0x5057, key1: secret.1)
        h.add(remote.address); h.add(remote.port)
        let offset = UInt32(truncatingIfNeeded: h.finish())
        for _ in 0..<count {
            ephemeralCounter &+= 1
            let port = UInt16(low + (offset &+ ephemeralCounter) % count)
            if listeners[port] == nil, connections.index(forKey: TCPSocketID(localPort: port, remote: remote)) == nil { return port }
        }
        throw .noEphemeralPort
    }

    // MARK: - Socket calls

    /// Accepts connections on `port`; at most `backlog` wait in the handshake or for `tcpAccept`.
    public func tcpListen(port: UInt16, backlog: Int? = nil) throws(StackError) {
        guard listeners[port] == nil else { throw .portInUse(port) }
        listeners[port] = Listener(backlog: backlog ?? tcpConfiguration.listenBacklog)
    }

    /// Stops listening; connections not yet accepted are reset.
    public func tcpUnlisten(port: UInt16, now: Instant) {
        touch(.listener(port))  // a waiting accept looks again, listener or not
        guard let l = listeners.removeValue(forKey: port) else { return }
        for id in l.ready + Array(l.embryonic) { tcpAbort(id, now: now) }
    }

    /// The next established connection on `port`, if any.
    public func tcpAccept(port: UInt16) -> TCPSocketID? {
        guard let l = listeners.index(forKey: port), !listeners.values[l].ready.isEmpty else { return nil }
        return listeners.values[l].ready.removeFirst()
    }

    /// Starts an active open; the connection is usable once `tcpState` is `.established`. Over IPv6 the
    /// local address is chosen by RFC 6724 (`IPv6Autoconfiguration.sourceAddress(for:)`).
    public func tcpConnect(to remote: TCPEndpoint, now: Instant) throws(StackError) -> TCPSocketID {
        // ::ffff:a.b.c.d is the IPv4 address (one peer, one name in the table).
        let remote = TCPEndpoint(address: remote.address.ipv6.map { IPAddress($0) } ?? remote.address, port: remote.port)
        let localAddress: IPAddress
        switch remote.address {
        case .v4(let a):
            guard ipv4.nextHop(for: a) != nil, !a.isMulticast, !ipv4.isBroadcast(a) else { throw .noRoute(remote.address) }
            localAddress = .v4(ipv4.address)
        case .v6(let a):
            guard let v6 = ipv6, !a.isMulticast, !a.isUnspecified, let source = v6.sourceAddress(for: a),
                  v6.nextHop(for: a) != nil else { throw .noRoute(remote.address) }
            localAddress = .v6(source)
        }
        let port = try ephemeralPort(to: remote)
        let id = TCPSocketID(localPort: port, remote: remote)
        guard reserveConnection(for: id) else { throw .resourcesExhausted }
        connections[id] = TCPConnectionBox(TCPConnection.connect(local: TCPEndpoint(address: localAddress, port: port), remote: remote,
                                                iss: initialSequenceNumber(id, local: localAddress, now: now), tsOffset: timestampOffset(id),
                                                configuration: tcpConfiguration(for: remote.address, now: now), budget: tcpMemory, now: now),
                                           budget: tcpMemory)
        flush(id, now: now)
        return id
    }

    public func tcpConnection(_ id: TCPSocketID) -> TCPConnection? { connections[id]?.tcb }
    public func tcpState(_ id: TCPSocketID) -> TCPState? { connections[id]?.tcb.state }
    /// What a waiting reader or writer needs to know, without copying the connection.
    public func tcpReadiness(_ id: TCPSocketID) -> TCPReadiness? { connections[id]?.readiness }

    /// Queues bytes; returns how many fit in the send buffer (0 when full: wait and retry).
    public func tcpWrite(_ id: TCPSocketID, _ bytes: Span<UInt8>, now: Instant) throws(StackError) -> Int {
        // Work on the boxed connection in place: a local copy would make the write copy the send buffer.
        guard let box = connections[id] else { throw .noSuchSocket }
        if let e = box.tcb.error { throw .connection(e) }
        let state = box.tcb.state
        guard state.canSend || state == .synSent || state == .synReceived else { throw .notConnected }
        let n = box.tcb.write(bytes, now: now)
        flush(id, box, now: now)
        return n
    }

    /// Takes up to `maximum` received bytes; empty when nothing is waiting (see `tcpAtEndOfStream`).
    public func tcpRead(_ id: TCPSocketID, maximum: Int, now: Instant) throws(StackError) -> [UInt8] {
        guard let box = connections[id] else { throw .noSuchSocket }
        let bytes = box.tcb.read(maximum, now: now)
        if bytes.isEmpty, let e = box.tcb.error { throw .connection(e) }
        flush(id, box, now: now)
        return bytes
    }

    public func tcpAtEndOfStream(_ id: TCPSocketID) -> Bool { connections[id]?.tcb.atEndOfStream ?? true }

    /// No more data from us (FIN after what is queued); reading continues.
    public func tcpShutdownWrite(_ id: TCPSocketID, now: Instant) {
        guard connections.index(forKey: id) != nil else { return }
        connections[id]!.tcb.shutdownWrite(now: now)
        flush(id, now: now)
    }

    /// Closes: unread data turns this into an abort (RFC 9293 §3.10.4 note, RFC 2525 §2.17); the stack
    /// forgets the connection when the close handshake ends.
    public func tcpClose(_ id: TCPSocketID, now: Instant) {
        guard let box = connections[id] else { return }
        if box.tcb.readable > 0 { tcpAbort(id, now: now); return }
        detached.insert(id)
        connections[id]!.tcb.close(now: now)
        flush(id, now: now)
        if let box = connections[id], box.tcb.state == .closed { remove(id, box) }
    }

    /// Sends a reset and forgets the connection at once.
    public func tcpAbort(_ id: TCPSocketID, now: Instant) {
        guard connections.index(forKey: id) != nil else { return }
        connections[id]!.tcb.abort(now: now)
        detached.insert(id)
        flush(id, now: now)
        if let box = connections[id] { remove(id, box) }
    }

    /// The run is ending: listeners stop (a new SYN is answered with a reset) and every connection is
    /// closed as `tcpClose` closes it (FIN after what is queued; a reset where received data was never
    /// read, RFC 9293 §3.10.4). Returns how many connections it closed.
    public func closeAllConnections(now: Instant) -> Int {
        for port in listeners.keys { touch(.listener(port)) }
        listeners.removeAll()
        var closed = 0
        for id in Array(connections.keys) {
            guard let state = connections[id]?.tcb.state, state != .timeWait, state != .closed else { continue }
            tcpClose(id, now: now)
            closed += 1
        }
        return closed
    }

    /// Whether every connection is gone or has had its FIN acknowledged (FIN-WAIT-2, TIME-WAIT): what a
    /// shutdown waits for.
    public var connectionsSettled: Bool {
        connections.values.allSatisfy { $0.tcb.state == .finWait2 || $0.tcb.state == .timeWait || $0.tcb.state == .closed }
    }

    /// Every connection the stack holds, accepted or not.
    public var tcpSocketIDs: [TCPSocketID] { Array(connections.keys) }

    /// Running TCP timers (for leak checks).
    public var tcpTimerCount: Int { timers.count }

    /// Connections the stack holds (for leak checks).
    public var tcpConnectionCount: Int { connections.count }
    public var tcpStates: [TCPState] { connections.values.map { $0.tcb.state } }
}
