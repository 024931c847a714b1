// TCP loss recovery on its own: a scripted peer's ACKs against one sender (RFC 3042 limited transmit,
// RFC 6675 SACK recovery, RFC 8985 §7 tail loss probes, RFC 2883 D-SACK undo of a spurious recovery).

import Testing
import Swiftlet
import SwiftletNet
import SwiftletWire

private let A = TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
private let B = TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
private let t0 = Instant(nanoseconds: 1_000_000_000)
private let mss = 1460

/// A sender whose peer (port 80, ISS 5000) took the handshake; data starts at sequence 1001.
private func sender() -> TCPConnection {
    var c = TCPConfiguration()
    c.timestamps = false
    c.nagle = false
    var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: c, now: t0)
    let syn = client.drainOutbox()[0].header
    var options = TCPOptions(maximumSegmentSize: UInt16(mss))
    options.sackPermitted = true
    options.windowScale = 7
    client.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5000),
                            acknowledgmentNumber: syn.sequenceNumber + 1, flags: [.syn, .ack], window: 65535, options: options),
                  payload: Span(), now: t0 + .milliseconds(2))
    _ = client.drainOutbox()
    return client
}

/// The peer's ACK of everything below `ack` (offsets from the first data byte), SACKing `blocks`.
private func peerAck(_ ack: Int, sack blocks: [(Int, Int)] = [], window: UInt16 = 4096) -> TCPHeader {
    var options = TCPOptions()
    options.sackBlocks = SACKBlocks(blocks.map { SACKBlock(left: TCPSequenceNumber(1001) + $0.0, right: TCPSequenceNumber(1001) + $0.1) })
    return TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001),
                     acknowledgmentNumber: TCPSequenceNumber(1001) + ack, flags: .ack, window: window, options: options)
}

private func offsets(_ out: [TCPOutgoing]) -> [Int] {
    out.filter { !$0.payload.isEmpty }.map { $0.header.sequenceNumber - TCPSequenceNumber(1001) }
}

@Suite struct TCPRecoveryTests {
    @Test func limitedTransmitSendsNewDataOnTheFirstTwoDuplicates() {
        var c = sender()
        _ = c.write([UInt8](repeating: 1, count: 40 * mss).span, now: t0)
        let first = offsets(c.drainOutbox())
        #expect(first.count >= 2 && first.count < 40, "the congestion window limits the first flight")
        let flight = first.count
        // Segment 0 lost: the peer SACKs segment 1.
        c.handle(peerAck(0, sack: [(mss, 2 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [flight * mss], "one new segment past the window")
        c.handle(peerAck(0, sack: [(mss, 3 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [(flight + 1) * mss])
        // The third SACKed segment means loss: segment 0 goes again at once.
        c.handle(peerAck(0, sack: [(mss, 4 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()).first == 0)
        #expect(c.retransmittedSegments == 1)
    }

    /// RFC 6675 §5: in recovery cwnd is ssthresh (7 segments for CUBIC after a flight of 10) and is not
    /// inflated; a segment goes out only when cwnd - pipe leaves room for one, so once the pipe has drained
    /// to cwnd, each segment the peer SACKs lets exactly one new segment out.
    @Test func recoverySendsByThePipeNotAnInflatedWindow() {
        var c = sender()
        _ = c.write([UInt8](repeating: 4, count: 40 * mss).span, now: t0)
        #expect(offsets(c.drainOutbox()) == Array(0..<10).map { $0 * mss }, "initial window: ten segments")
        // Segment 0 is lost; SACKs of 1 and 2 each release one segment (limited transmit), the third
        // starts recovery, which resends segment 0 and nothing else: pipe (9 segments) exceeds cwnd (7).
        c.handle(peerAck(0, sack: [(mss, 2 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        c.handle(peerAck(0, sack: [(mss, 3 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [10 * mss, 11 * mss])
        c.handle(peerAck(0, sack: [(mss, 4 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [0])
        // pipe 8, then 7: still no room.
        c.handle(peerAck(0, sack: [(mss, 5 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        c.handle(peerAck(0, sack: [(mss, 6 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [])
        // From here on, one SACKed segment out of the network, one new segment into it.
        for n in 7...10 {
            c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3))
            #expect(offsets(c.drainOutbox()) == [(n + 5) * mss], "SACK up to segment \(n)")
        }
        #expect(c.retransmittedSegments == 1)
    }

    /// NextSeg's order: a second hole is resent once it counts as lost (more than two segments SACKed
    /// above it), and before any new data.
    @Test func aSecondLostHoleGoesBeforeNewData() {
        var c = sender()
        _ = c.write([UInt8](repeating: 5, count: 40 * mss).span, now: t0)
        _ = c.drainOutbox()
        // Segments 0 and 5 are lost.
        for n in 2...3 { c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        c.handle(peerAck(0, sack: [(mss, 4 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        c.handle(peerAck(0, sack: [(mss, 5 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [10 * mss, 11 * mss, 0])
        // One and two segments SACKed above segment 5: not lost yet; the second SACK leaves room for one
        // new segment.
        c.handle(peerAck(0, sack: [(6 * mss, 7 * mss), (mss, 5 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [])
        c.handle(peerAck(0, sack: [(6 * mss, 8 * mss), (mss, 5 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [12 * mss])
        // Three above it: segment 5 is lost. It goes first, then new data with the room left.
        c.handle(peerAck(0, sack: [(6 * mss, 9 * mss), (mss, 5 * mss)]), payload: Span(), now: t0 + .milliseconds(3))
        #expect(offsets(c.drainOutbox()) == [5 * mss, 13 * mss])
        // The ACK of everything up to the recovery point ends recovery.
        c.handle(peerAck(12 * mss), payload: Span(), now: t0 + .milliseconds(5))
        #expect(c.retransmittedSegments == 2)
    }

    @Test func tailLossProbeComesBeforeTheRetransmissionTimeout() {
        var c = sender()
        _ = c.write([UInt8](repeating: 2, count: 3 * mss).span, now: t0)
        #expect(offsets(c.drainOutbox()) == [0, mss, 2 * mss])
        // The first segment is acknowledged after 2 ms (an RTT sample); the last two are lost.
        c.handle(peerAck(mss), payload: Span(), now: t0 + .milliseconds(2))
        _ = c.drainOutbox()
        let deadline = c.nextDeadline
        #expect(deadline < t0 + .milliseconds(200), "probe timeout \(deadline - t0) is not below the minimum RTO")
        c.poll(now: deadline)
        #expect(offsets(c.drainOutbox()) == [2 * mss], "the probe resends the last segment")
        #expect(c.tailLossProbes == 1)
        // Its ACK SACKs the probe: the hole at segment 1 is retransmitted by recovery, not by the RTO.
        c.handle(peerAck(mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: deadline + .milliseconds(2))
        c.handle(peerAck(mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: deadline + .milliseconds(2))
        c.handle(peerAck(mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: deadline + .milliseconds(2))
        #expect(offsets(c.drainOutbox()).contains(mss))
    }

    @Test func duplicateSACKOfTheRetransmissionUndoesASpuriousRecovery() {
        var c = sender()
        _ = c.write([UInt8](repeating: 3, count: 40 * mss).span, now: t0)
        _ = c.drainOutbox()
        // Segment 0 is only late: three SACKs put the sender into recovery, which resends it.
        for n in 2...4 { c.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        #expect(offsets(c.drainOutbox()).contains(0))
        #expect(c.spuriousRecoveries == 0)
        // The original arrives, then the retransmission: the peer reports it with a D-SACK (RFC 2883).
        c.handle(peerAck(8 * mss), payload: Span(), now: t0 + .milliseconds(4))
        c.handle(peerAck(8 * mss, sack: [(0, mss)]), payload: Span(), now: t0 + .milliseconds(5))
        #expect(c.spuriousRecoveries == 1)
        // A D-SACK of a segment the link duplicated (never retransmitted) undoes nothing.
        var d = sender()
        _ = d.write([UInt8](repeating: 3, count: 40 * mss).span, now: t0)
        _ = d.drainOutbox()
        for n in 2...4 { d.handle(peerAck(0, sack: [(mss, n * mss)]), payload: Span(), now: t0 + .milliseconds(3)) }
        d.handle(peerAck(8 * mss, sack: [(2 * mss, 3 * mss)]), payload: Span(), now: t0 + .milliseconds(4))
        #expect(d.spuriousRecoveries == 0)
    }
}
