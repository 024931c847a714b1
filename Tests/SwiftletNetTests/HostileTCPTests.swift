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
private func establishedClient(_ c: TCPConfiguration = config()) -> TCPConnection {
    var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: c, now: t0)
    let syn = client.drainOutbox()[0].header
    var server = TCPConnection.accept(syn, local: B, remote: A, iss: TCPSequenceNumber(5000), tsOffset: 0, configuration: c, now: t0)
    pass(&server, &client)
    _ = client.drainOutbox()
    return client
}

/// A data segment from the server at `offset` bytes past its first data byte.
private func deliver(_ c: inout TCPConnection, offset: Int, _ bytes: [UInt8], now: Instant = t0) {
    c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001) + offset,
                       acknowledgmentNumber: TCPSequenceNumber(1001), flags: .ack, window: 65535),
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

