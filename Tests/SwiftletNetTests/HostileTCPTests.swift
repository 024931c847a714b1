// The adversarial suite, TCP part: what a hostile peer can make one connection or the stack do, with the
// work and memory it may cost bounded and asserted (issue "survive the hostile Internet").

import Testing
import Swiftlet
import SwiftletNet
import SwiftletWire
import SwiftletTesting

private let A = TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
private let B = TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
private let t0 = Instant(nanoseconds: 1_000_000_000)

private func config() -> TCPConfiguration {
    var c = TCPConfiguration()
    c.timestamps = false
    return c
}

private func pass(_ from: inout TCPConnection, _ to: inout TCPConnection, now: Instant = t0) {
    for s in from.drainOutbox() { to.handle(s.header, payload: s.payload.span, now: now) }
}

/// A client connection established with a server (ISS 5000: the server's data starts at 5001).
private func establishedClient(_ c: TCPConfiguration = config(), budget: MemoryBudget? = nil) -> TCPConnection {
    var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: c,
                                       budget: budget, now: t0)
    let syn = client.drainOutbox()[0].header
    var server = TCPConnection.accept(syn, local: B, remote: A, iss: TCPSequenceNumber(5000), tsOffset: 0, configuration: c, now: t0)
    pass(&server, &client)
    _ = client.drainOutbox()
    return client
}

/// A data segment from the server at `offset` bytes past its first data byte.
private func deliver(_ c: inout TCPConnection, offset: Int, _ bytes: [UInt8], flags: TCPFlags = .ack,
                     ack: Int = 0, window: UInt16 = 65535, now: Instant = t0) {
    c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001) + offset,
                       acknowledgmentNumber: TCPSequenceNumber(1001) + ack, flags: flags, window: window),
             payload: bytes.span, now: now)
}

private func seconds(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let d = clock.measure(body)
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

@Suite struct HostileTCPTests {
    /// 1-byte segments at RCV.NXT+1, +2, +3 …: each touches the last, so they merge into one range.
    /// Before: one heap array per byte, coalescing rescanned all of them (2,000 took 3.3 s; 20,000 would
    /// take about an hour). Bound: one range, no memory beyond the receive buffer, well under a second.
    @Test func adjacentOneByteSegmentsMergeIntoOneRange() {
        var c = establishedClient()
        let n = 20_000
        let elapsed = seconds {
            for i in 1...n { deliver(&c, offset: i, [UInt8(truncatingIfNeeded: i)]) }
        }
        #expect(c.outOfOrderRangeCount == 1)
        #expect(c.bufferBytesAllocated <= config().receiveBufferSize + config().sendBufferSize)
        #expect(elapsed < 1.0, "20,000 adjacent out-of-order segments took \(elapsed) s")
        deliver(&c, offset: 0, [0])
        #expect(c.readable == n + 1 && c.outOfOrderRangeCount == 0)
        let bytes = c.read(n + 1, now: t0)
        #expect(bytes.count == n + 1)
        #expect((0...n).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0) })
    }

    /// Holes on purpose (every other byte): the table stops at its cap, further holes are dropped and
    /// counted, and the work per segment stays bounded.
    @Test func deliberateHolesStopAtTheCap() {
        var c = establishedClient()
        let cap = config().maximumOutOfOrderRanges
        let elapsed = seconds {
            for i in 1...20_000 { deliver(&c, offset: 2 * i, [1]) }
        }
        #expect(c.outOfOrderRangeCount == cap)
        #expect(c.outOfOrderDrops == 20_000 - cap)
        #expect(elapsed < 1.0, "20,000 holes took \(elapsed) s")
        // A segment touching a held range is still taken (it opens no hole).
        deliver(&c, offset: 3, [1])
        #expect(c.outOfOrderRangeCount == cap - 1)
    }

    /// One byte just past a hole and one at the far end of the window used to grow a whole 256 KiB ring
    /// per connection: a few hundred such connections held the whole budget. Out-of-order growth now
    /// leaves half the budget free, for in-order data and new connections.
    @Test func farOutOfOrderBytesCannotTakeTheBudget() {
        let budget = MemoryBudget(limit: 2 * 1024 * 1024)
        var held: [TCPConnection] = []
        for _ in 0..<20 {
            var c = establishedClient(budget: budget)
            deliver(&c, offset: 1, [1])
            deliver(&c, offset: 200_000, [2])
            held.append(c)
        }
        #expect(budget.used <= budget.limit / 2 + 256 * 1024)
        #expect(held.map(\.memoryDrops).reduce(0, +) > 0)
        // In-order data still finds room.
        var c = establishedClient(budget: budget)
        deliver(&c, offset: 0, [UInt8](repeating: 3, count: 60_000))
        #expect(c.readable == 60_000)
    }

    /// Data beyond the peer's FIN is not taken: the FIN is consumed where it stands.
    @Test func dataBeyondThePeersFinIsIgnored() {
        var c = establishedClient()
        deliver(&c, offset: 10, [1, 2, 3, 4, 5], flags: [.ack, .fin])  // FIN at 15, out of order
        deliver(&c, offset: 0, [UInt8](repeating: 9, count: 100))      // claims bytes past the FIN
        #expect(c.readable == 15)
        #expect(c.state == .closeWait)
    }

    /// A peer that acknowledges one byte now and then is not making progress: an orphan with data to
    /// send is given up after the user timeout (before, each such ACK restarted the clock: a year for
    /// 256 KiB at a byte per 119 s).
    @Test func aByteAcknowledgedNowAndThenIsNotProgress() {
        var c = establishedClient()
        _ = c.write([UInt8](repeating: 1, count: 100_000).span, now: t0)
        c.close(now: t0)
        _ = c.drainOutbox()
        var now = t0
        for k in 1...5 {
            now = now + .seconds(50)
            c.poll(now: now)
            _ = c.drainOutbox()
            if c.state == .closed { break }
            deliver(&c, offset: 0, [], ack: k, window: 2, now: now)
            _ = c.drainOutbox()
        }
        #expect(c.state == .closed && c.error == .timedOut)
    }

    /// A FIN resent into TIME-WAIT restarts 2×MSL, but TIME-WAIT ends within 4×MSL whatever the peer does.
    @Test func timeWaitCannotBeKeptForEver() {
        var c = establishedClient()
        c.close(now: t0)
        _ = c.drainOutbox()
        deliver(&c, offset: 0, [], flags: [.ack, .fin], ack: 1)  // acknowledges our FIN and sends its own
        #expect(c.state == .timeWait)
        var now = t0
        for _ in 0..<10 {
            now = now + .seconds(50)
            c.poll(now: now)
            if c.state == .closed { break }
            // In the window (at RCV.NXT, past the first FIN): the case that restarts the timer.
            deliver(&c, offset: 1, [], flags: [.ack, .fin], ack: 1, now: now)
            _ = c.drainOutbox()
        }
        #expect(c.state == .closed)
        #expect(now <= t0 + .seconds(150))
    }

    /// Data sent in a random order, with overlaps and duplicates, comes out exact and in order.
    @Test func shuffledOverlappingSegmentsReassembleExactly() {
        var c = establishedClient()
        let total = 60_000
        let stream = (0..<total).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        var rng = SeededRandom(seed: 17)
        var pieces: [(Int, Int)] = []
        var at = 0
        while at < total {
            let len = 1 + Int(rng.next() % 1400)
            pieces.append((at, min(len, total - at)))
            // Overlapping copies: a bit before and after the piece.
            if rng.next() % 3 == 0 { let s = max(0, at - 100); pieces.append((s, min(total, at + len + 100) - s)) }
            at += len
        }
        for i in stride(from: pieces.count - 1, to: 0, by: -1) { pieces.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        for (s, l) in pieces + pieces.prefix(50) { deliver(&c, offset: s, Array(stream[s..<(s + l)])) }
        #expect(c.readable == total)
        #expect(c.read(total, now: t0) == stream)
    }
}


/// Puts one TCP segment from `source` (any address: spoofed) into `stack`, as if it had crossed the link.
func injectTCP(_ net: TwoStacks, into stack: NetworkStack<SimulatedDevice>, from source: IPv4Address,
               _ header: TCPHeader, payload: [UInt8] = []) {
    let tcpLength = header.length + payload.count
    var frame = [UInt8](repeating: 0, count: 14 + 20 + tcpLength)
    for (i, b) in payload.enumerated() { frame[34 + header.length + i] = b }
    var span = frame.mutableSpan
    try! EthernetHeader(destination: stack.macAddress, source: net.link.a.macAddress, etherType: .ipv4).emit(into: &span)
    var ipPart = span._mutatingExtracting(14..<34)
    try! IPv4Header(protocol: .tcp, source: source, destination: stack.ipv4.address, payloadLength: tcpLength).emit(into: &ipPart)
    var tcpPart = span._mutatingExtracting(34..<(34 + tcpLength))
    try! header.emit(into: &tcpPart, source: source, destination: stack.ipv4.address)
    stack.receive(frame: frame.span, now: net.now)
}

/// A spoofed SYN as Linux would send it (MSS, SACK-permitted, timestamps, window scale).
func spoofedSYN(port: UInt16, sourcePort: UInt16, isn: UInt32) -> TCPHeader {
    TCPHeader(sourcePort: sourcePort, destinationPort: port, sequenceNumber: TCPSequenceNumber(isn), flags: .syn, window: 64240,
              options: TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                                  timestamps: TCPTimestamps(value: isn, echoReply: 0)))
}

/// Connects A to B's `port` and returns both ends once established (nil if that takes over `within`).
func establishPair(_ net: TwoStacks, port: UInt16, within: Duration = .seconds(5)) -> (TCPSocketID, TCPSocketID)? {
    guard let client = try? net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: port), now: net.now) else { return nil }
    var server: TCPSocketID? = nil
    net.run(for: within, step: { if server == nil { server = net.b.tcpAccept(port: port) } },
            until: { server != nil && net.a.tcpState(client) == .established })
    guard let server, net.a.tcpState(client) == .established else { return nil }
    return (client, server)
}

/// Moves `data` from `from` to `to` over an established connection; true when all of it arrived.
func transfer(_ net: TwoStacks, _ data: [UInt8], from: (NetworkStack<SimulatedDevice>, TCPSocketID),
              to: (NetworkStack<SimulatedDevice>, TCPSocketID), within: Duration = .seconds(30)) -> Bool {
    var sent = 0
    var got: [UInt8] = []
    return net.run(for: within, step: {
        if sent < data.count { sent += (try? from.0.tcpWrite(from.1, data.span.extracting(sent...), now: net.now)) ?? 0 }
        while let chunk = try? to.0.tcpRead(to.1, maximum: 65536, now: net.now), !chunk.isEmpty { got += chunk }
    }, until: { got.count == data.count }) && got == data
}

@Suite struct HostileStackTests {
    /// 10,000 spoofed SYNs a second for two seconds: the listener's backlog fills at once, and before SYN
    /// cookies it stayed full for the 75 s connect timeout, so the legitimate client's SYN was dropped.
    /// Now: the client is answered (by a cookie) within a second, its data echoes, and the server holds no
    /// more than its backlog of half-open connections.
    @Test func synFloodDoesNotLockOutALegitimateClient() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 7)
        net.b.recordsTouches = true  // as the async layer does: the accept queue's growth must be reported
        var touched: [SocketKey] = []
        var rng = SeededRandom(seed: 99)
        var client: TCPSocketID? = nil
        var server: TCPSocketID? = nil
        var connectedAfter: Duration? = nil
        let start = net.now
        for ms in 0..<2_000 {
            for _ in 0..<10 {
                let r = rng.next()
                let source = IPv4Address(10, 0, UInt8(1 + r % 200), UInt8(3 + (r >> 8) % 250))
                injectTCP(net, into: net.b, from: source, spoofedSYN(port: 7, sourcePort: UInt16(1024 + (r >> 16) % 60000),
                                                                       isn: UInt32(truncatingIfNeeded: r >> 32)))
            }
            if ms == 500 { client = try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 7), now: net.now) }
            net.settle()
            touched.removeAll()
            _ = net.b.takeTouched(into: &touched)
            if server == nil, let s = net.b.tcpAccept(port: 7) {
                server = s
                // A task parked in accept() waits on the listener: the cookie's connection must touch it.
                #expect(touched.contains(.listener(7)), "a connection made from a cookie did not wake accept")
            }
            if let client, connectedAfter == nil, net.a.tcpState(client) == .established { connectedAfter = net.now - (start + .milliseconds(500)) }
            net.clock.advance(by: .milliseconds(1))
        }
        let waited = try #require(connectedAfter, "the legitimate client never connected during the flood")
        #expect(waited <= .seconds(1))
        let s = try #require(server, "the legitimate connection was never accepted")
        #expect(net.b.tcpConnectionCount <= TCPConfiguration().listenBacklog + 1)
        #expect(net.b.counters.tcpCookiesSent > 10_000)
        #expect(net.b.tcpMemory.used <= net.b.tcpMemory.limit)
        // The connection made from a cookie works: data both ways, window scaling and SACK as negotiated.
        let data = pattern(300_000, seed: 5)
        #expect(transfer(net, data, from: (net.a, client!), to: (net.b, s)))
        #expect(transfer(net, data, from: (net.b, s), to: (net.a, client!)))
        // The flood's half-open connections go after their SYN-ACK retries (1+2+4+8+16+32 s), not 75 s.
        net.run(for: .seconds(66), until: { false })
        #expect(net.b.tcpConnectionCount == 1)
    }

    /// An ACK that returns no cookie of ours (a guess) opens nothing and is reset.
    @Test func aForgedCookieOpensNothing() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 7, backlog: 1)
        // Fill the backlog, so that cookies are in use.
        injectTCP(net, into: net.b, from: IPv4Address(10, 0, 0, 9), spoofedSYN(port: 7, sourcePort: 1000, isn: 1))
        injectTCP(net, into: net.b, from: IPv4Address(10, 0, 0, 9), spoofedSYN(port: 7, sourcePort: 1001, isn: 1))
        #expect(net.b.counters.tcpCookiesSent == 1)
        let resetsBefore = net.b.counters.tcpResetsSent
        var rng = SeededRandom(seed: 3)
        for i in 0..<1_000 {
            let ack = TCPHeader(sourcePort: UInt16(2000 + i), destinationPort: 7, sequenceNumber: TCPSequenceNumber(UInt32(truncatingIfNeeded: rng.next())),
                                acknowledgmentNumber: TCPSequenceNumber(UInt32(truncatingIfNeeded: rng.next())), flags: .ack, window: 1000)
            injectTCP(net, into: net.b, from: IPv4Address(10, 0, 0, 9), ack)
        }
        #expect(net.b.counters.tcpCookiesAccepted == 0)
        #expect(net.b.tcpConnectionCount == 1)
        #expect(net.b.counters.tcpResetsSent == resetsBefore + 1_000)
    }

    /// With cookies off, a full backlog makes way for the new SYN by evicting the oldest half-open one.
    @Test func withoutCookiesTheOldestHalfOpenConnectionMakesWay() throws {
        var config = TCPConfiguration()
        config.synCookies = false
        let net = TwoStacks(tcp: config)
        try net.b.tcpListen(port: 7, backlog: 4)
        for p in 0..<100 { injectTCP(net, into: net.b, from: IPv4Address(10, 0, 0, 9), spoofedSYN(port: 7, sourcePort: UInt16(1000 + p), isn: 1)) }
        #expect(net.b.tcpConnectionCount == 4)
        #expect(net.b.counters.tcpHalfOpenEvicted == 96)
        #expect(establishPair(net, port: 7, within: .seconds(1)) != nil)
    }

    /// The application closed; the peer acknowledged our FIN but never sends its own. Before, FIN-WAIT-2
    /// had no timer and such a connection stayed for good.
    @Test func anOrphanInFinWait2EndsAfterTheTimeout() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 7)
        let (_, server) = try #require(establishPair(net, port: 7))
        net.b.tcpClose(server, now: net.now)
        net.run(for: .seconds(1), until: { false })
        #expect(net.b.tcpState(server) == .finWait2)
        net.run(for: .seconds(58), until: { false })
        #expect(net.b.tcpConnectionCount == 1)
        net.run(for: .seconds(2), until: { false })
        #expect(net.b.tcpConnectionCount == 0)
        #expect(net.b.tcpMemory.used == 0)
    }

    /// Data sent to a connection the application closed draws a reset: it cannot be kept alive that way.
    @Test func dataForAnOrphanDrawsAReset() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 7)
        let (client, server) = try #require(establishPair(net, port: 7))
        net.b.tcpClose(server, now: net.now)
        net.run(for: .seconds(1), until: { false })
        _ = try net.a.tcpWrite(client, [1, 2, 3].span, now: net.now)
        net.run(for: .seconds(1), until: { false })
        #expect(net.b.tcpConnectionCount == 0)
        #expect(net.a.tcpConnection(client)?.error == .reset)
    }

    /// 40 exchanges of 300 kB: TIME-WAIT used to keep each connection's grown buffers for 60 s (10 MB).
    @Test func timeWaitKeepsNoBuffers() throws {
        let net = TwoStacks()
        try net.b.tcpListen(port: 7)
        let data = pattern(300_000, seed: 8)
        for _ in 0..<40 {
            let (client, server) = try #require(establishPair(net, port: 7))
            #expect(transfer(net, data, from: (net.a, client), to: (net.b, server)))
            #expect(transfer(net, data, from: (net.b, server), to: (net.a, client)))
            net.b.tcpClose(server, now: net.now)  // the server closes first: it holds TIME-WAIT
            net.run(for: .milliseconds(200), until: { false })
            net.a.tcpClose(client, now: net.now)
            net.run(for: .milliseconds(200), until: { false })
        }
        #expect(net.b.tcpStates.filter { $0 == .timeWait }.count == 40)
        let held = net.b.tcpSocketIDs.compactMap { net.b.tcpConnection($0)?.bufferBytesAllocated }.reduce(0, +)
        #expect(held == 0)
        #expect(net.b.tcpMemory.used == 40 * 2048)
        net.run(for: .seconds(61), until: { false })
        #expect(net.b.tcpConnectionCount == 0 && net.b.tcpMemory.used == 0)
    }

    /// A peer that never reads: its zero window used to be probed for ever, holding the send buffer.
    /// After `userTimeout` (120 s) without progress the connection is reset and its memory returned.
    @Test func aPeerThatNeverReadsIsGivenUpAfterTheUserTimeout() throws {
        var small = TCPConfiguration()
        small.receiveBufferSize = 8192
        let net = TwoStacks(tcp: TCPConfiguration(), tcpB: small)
        try net.b.tcpListen(port: 7)
        let (client, server) = try #require(establishPair(net, port: 7))
        let data = pattern(1_000_000, seed: 2)
        var sent = 0
        net.run(for: .seconds(100), step: {
            if sent < data.count { sent += (try? net.a.tcpWrite(client, data.span.extracting(sent...), now: net.now)) ?? 0 }
        }, until: { false })
        #expect(net.a.tcpState(client) == .established)  // still probing: under the timeout
        #expect(net.a.tcpMemory.used > 256 * 1024)
        net.run(for: .seconds(90), until: { net.a.tcpState(client) == .closed })
        #expect(net.a.tcpConnection(client)?.error == .timedOut)
        #expect(net.a.tcpConnection(client)?.bufferBytesAllocated == 0)
        net.run(for: .milliseconds(100), until: { false })
        #expect(net.b.tcpState(server) == .closed)  // our reset reached it
        net.a.tcpClose(client, now: net.now)
        #expect(net.a.tcpMemory.used == 0)
    }

    /// What a connection says it can take is what it takes: with the memory budget spent, the send
    /// space is 0 (a writer waiting on it would otherwise be told "room" and get nothing, for ever), and
    /// once the peer reads and the queue drains, there is room again.
    @Test func sendSpaceIsWhatAWriteTakesWhenTheBudgetIsSpent() throws {
        var small = TCPConfiguration()
        small.memoryBudget = 48 * 1024
        let net = TwoStacks(tcp: small, tcpB: TCPConfiguration())
        try net.b.tcpListen(port: 7, backlog: 4)
        let client = try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 7), now: net.now)
        net.run(for: .milliseconds(50), until: { net.a.tcpState(client) == .established })
        let data = pattern(1_000_000, seed: 9)
        var sent = 0
        var sawBudgetLimit = false
        net.run(for: .seconds(5), step: {
            guard let r = net.a.tcpReadiness(client) else { return }
            let took = (try? net.a.tcpWrite(client, data.span.extracting(sent...), now: net.now)) ?? 0
            // The invariant the async writer relies on: room promised is room given.
            #expect((r.sendSpace > 0) == (took > 0))
            sent += took
            if r.sendSpace == 0 && net.a.tcpMemory.refusals > 0 { sawBudgetLimit = true }
        }, until: { false })
        #expect(sawBudgetLimit)
        #expect(net.a.tcpMemory.peak <= small.memoryBudget)
        #expect(net.a.tcpReadiness(client)?.sendSpace == 0)
        // The peer reads everything: the queue drains, and there is room again.
        let server = try #require(net.b.tcpAccept(port: 7))
        net.run(for: .seconds(5), step: { _ = try? net.b.tcpRead(server, maximum: 1 << 20, now: net.now) }, until: {
            (net.a.tcpReadiness(client)?.sendSpace ?? 0) > 0
        })
        #expect((net.a.tcpReadiness(client)?.sendSpace ?? 0) > 0)
        #expect(sent > 256 * 1024)
    }

    /// The memory budget holds however many peers send data nobody reads: beyond it, segments are dropped
    /// and new connections refused; once they go, every byte is returned.
    @Test func theMemoryBudgetIsNeverExceeded() throws {
        var config = TCPConfiguration()
        config.memoryBudget = 1024 * 1024
        let net = TwoStacks(tcp: TCPConfiguration(), tcpB: config)
        try net.b.tcpListen(port: 7, backlog: 1000)
        var clients: [TCPSocketID] = []
        let data = pattern(200_000, seed: 1)
        var sent: [Int] = []
        for _ in 0..<30 {
            if let id = try? net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 7), now: net.now) { clients.append(id); sent.append(0) }
        }
        var peak = 0
        net.run(for: .seconds(20), step: {
            for (i, c) in clients.enumerated() where sent[i] < data.count && net.a.tcpState(c) == .established {
                sent[i] += (try? net.a.tcpWrite(c, data.span.extracting(sent[i]...), now: net.now)) ?? 0
            }
            peak = max(peak, net.b.tcpMemory.used)
        }, until: { false })
        #expect(net.b.tcpMemory.peak <= config.memoryBudget)
        #expect(net.b.tcpMemory.used > config.memoryBudget / 2)
        #expect(net.b.tcpMemory.refusals > 0)
        for c in clients { net.a.tcpAbort(c, now: net.now) }
        net.run(for: .seconds(5), until: { false })
        for id in net.b.tcpSocketIDs { net.b.tcpAbort(id, now: net.now) }
        #expect(net.b.tcpMemory.used == 0)
    }

    /// The connection cap: SYNs beyond it are dropped and counted.
    @Test func theConnectionCapHolds() throws {
        var config = TCPConfiguration()
        config.maximumConnections = 10
        let net = TwoStacks(tcp: TCPConfiguration(), tcpB: config)
        try net.b.tcpListen(port: 7, backlog: 100)
        for _ in 0..<30 { _ = try net.a.tcpConnect(to: TCPEndpoint(address: TwoStacks.addressB, port: 7), now: net.now) }
        net.run(for: .seconds(2), until: { false })
        #expect(net.b.tcpConnectionCount == 10)
        #expect(net.b.counters.tcpConnectionLimitDrops > 0)
    }
}
