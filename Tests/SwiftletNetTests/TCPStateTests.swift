// The TCP state machine on its own: feed headers, check the state and what it sends (RFC 9293 §3.5,
// §3.6, §3.10; RFC 5961).

import Testing
import Swiftlet
import SwiftletNet
import SwiftletWire

private let A = TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
private let B = TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
private let t0 = Instant(nanoseconds: 1_000_000_000)

private func plain() -> TCPConfiguration {
    var c = TCPConfiguration()
    c.timestamps = false  // keeps sequence checks independent of the clock in these tests
    return c
}

/// Delivers everything `from` has queued to `to`; returns the segments.
@discardableResult
private func pass(_ from: inout TCPConnection, _ to: inout TCPConnection, now: Instant = t0) -> [TCPOutgoing] {
    let out = from.drainOutbox()
    for s in out { to.handle(s.header, payload: s.payload.span, now: now) }
    return out
}

private func established() -> (TCPConnection, TCPConnection) {
    var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: plain(), now: t0)
    let syn = client.drainOutbox()[0].header
    var server = TCPConnection.accept(syn, local: B, remote: A, iss: TCPSequenceNumber(5000), tsOffset: 0, configuration: plain(), now: t0)
    pass(&server, &client)
    pass(&client, &server)
    return (client, server)
}

@Suite struct TCPStateTests {
    /// Issue 23: a segment over our MSS is several a device coalesced (virtio-net's GUEST_TSO) and is
    /// acknowledged at once, as two full-sized segments would be (RFC 5681 §4.2); one full-sized segment
    /// alone waits for the delayed ACK.
    @Test func aCoalescedSegmentIsAcknowledgedAtOnce() {
        let mss = 1460
        var (client, server) = established()
        #expect(client.write([UInt8](repeating: 1, count: 2 * mss).span, now: t0) == 2 * mss)
        let two = client.drainOutbox()
        #expect(two.map(\.payload.count) == [mss, mss])
        let merged = two[0].payload + two[1].payload
        server.handle(two[0].header, payload: merged.span, now: t0)
        let acks = server.drainOutbox()
        #expect(acks.count == 1)
        #expect(acks.first?.header.acknowledgmentNumber == two[0].header.sequenceNumber + 2 * mss)

        var (client2, server2) = established()
        #expect(client2.write([UInt8](repeating: 1, count: mss).span, now: t0) == mss)
        let one = client2.drainOutbox()
        let payload = one[0].payload
        server2.handle(one[0].header, payload: payload.span, now: t0)
        #expect(server2.drainOutbox().isEmpty, "one full-sized segment waits for the delayed ACK")
    }

    /// Nagle with Minshall's variant: a write of one full segment and a short tail sends both at once (the
    /// tail need not wait for the peer's delayed ACK); a further small write waits while that tail is
    /// unacknowledged, and goes when it is acknowledged.
    @Test func nagleHoldsASmallSegmentOnlyBehindAnotherSmallOne() {
        var (client, server) = established()
        let mss = 1460
        #expect(client.write([UInt8](repeating: 7, count: mss + 100).span, now: t0) == mss + 100)
        let first = client.drainOutbox()
        #expect(first.map(\.payload.count) == [mss, 100], "the tail goes with the full segment")
        #expect(client.write([1, 2, 3].span, now: t0) == 3)
        #expect(client.drainOutbox().isEmpty, "held: the 100-byte tail is unacknowledged")
        for s in first { server.handle(s.header, payload: s.payload.span, now: t0) }
        let later = t0 + .milliseconds(50)  // past the delayed ACK's 40 ms, if the server delayed it
        server.poll(now: later)
        pass(&server, &client, now: later)
        #expect(client.drainOutbox().map(\.payload.count) == [3], "sent once the tail is acknowledged")
    }

    /// A segment waiting in the outbox names its data in the send queue; when an ACK makes the queue drop
    /// those bytes before the segment is sent, the segment keeps a copy, and later segments still find
    /// theirs (offsets counted from the new start of the queue).
    @Test func aWaitingSegmentKeepsItsDataWhenTheQueueDropsIt() {
        var (client, server) = established()
        let first = (0..<100).map { UInt8($0) }
        #expect(client.write(first.span, now: t0) == 100)
        let sent = client.drainOutbox()
        #expect(sent.map(\.payload) == [first])
        // The same segment again, waiting: a retransmission timeout re-sends it into the outbox.
        client.poll(now: t0 + .seconds(2))
        #expect(client.retransmittedSegments == 1)
        for s in sent { server.handle(s.header, payload: s.payload.span, now: t0) }
        server.poll(now: t0 + .milliseconds(50))
        let ack = server.drainOutbox()
        #expect(ack.count == 1 && ack[0].header.acknowledgmentNumber == TCPSequenceNumber(1101))
        // The ACK arrives while the retransmission still waits: the queue drops bytes 0..<100.
        for s in ack { client.handle(s.header, payload: s.payload.span, now: t0 + .seconds(2)) }
        let second = (100..<160).map { UInt8($0) }
        #expect(client.write(second.span, now: t0 + .seconds(2)) == 60)
        let out = client.drainOutbox().filter { !$0.payload.isEmpty }
        #expect(out.map(\.payload) == [first, second])
        #expect(out.map(\.header.sequenceNumber) == [TCPSequenceNumber(1001), TCPSequenceNumber(1101)])
    }

    @Test func threeWayHandshake() {
        var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: TCPConfiguration(), now: t0)
        #expect(client.state == .synSent)
        let syn = client.drainOutbox()
        #expect(syn.count == 1 && syn[0].header.flags == .syn && syn[0].header.sequenceNumber == TCPSequenceNumber(1000))
        #expect(syn[0].header.options.maximumSegmentSize == 1460 && syn[0].header.options.sackPermitted)
        #expect(syn[0].header.options.windowScale != nil && syn[0].header.options.timestamps != nil)
        var server = TCPConnection.accept(syn[0].header, local: B, remote: A, iss: TCPSequenceNumber(5000), tsOffset: 0,
                                          configuration: TCPConfiguration(), now: t0)
        #expect(server.state == .synReceived)
        let synAck = pass(&server, &client)
        #expect(synAck[0].header.flags == [.syn, .ack] && synAck[0].header.acknowledgmentNumber == TCPSequenceNumber(1001))
        #expect(client.state == .established)
        let ack = pass(&client, &server)
        #expect(ack.count == 1 && ack[0].header.flags == .ack)
        #expect(server.state == .established)
    }

    @Test func simultaneousOpen() {
        var a = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(100), tsOffset: 0, configuration: plain(), now: t0)
        var b = TCPConnection.connect(local: B, remote: A, iss: TCPSequenceNumber(900), tsOffset: 0, configuration: plain(), now: t0)
        let synA = a.drainOutbox(), synB = b.drainOutbox()
        for s in synB { a.handle(s.header, payload: s.payload.span, now: t0) }
        for s in synA { b.handle(s.header, payload: s.payload.span, now: t0) }
        #expect(a.state == .synReceived && b.state == .synReceived)
        let synAckA = a.drainOutbox(), synAckB = b.drainOutbox()
        #expect(synAckA.first?.header.flags == [.syn, .ack])
        for s in synAckB { a.handle(s.header, payload: s.payload.span, now: t0) }
        for s in synAckA { b.handle(s.header, payload: s.payload.span, now: t0) }
        #expect(a.state == .established && b.state == .established)
    }

    /// Regression (found by Fuzz/run tcpstate): closing in SYN-RECEIVED moved to FIN-WAIT-1 before our SYN
    /// was acknowledged; a retransmission timeout then read the send buffer one byte before its start.
    @Test func closeDuringSimultaneousOpenWaitsForTheHandshake() {
        var a = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(100), tsOffset: 0, configuration: plain(), now: t0)
        var b = TCPConnection.connect(local: B, remote: A, iss: TCPSequenceNumber(900), tsOffset: 0, configuration: plain(), now: t0)
        let synA = a.drainOutbox(), synB = b.drainOutbox()
        for s in synB { a.handle(s.header, payload: s.payload.span, now: t0) }
        #expect(a.state == .synReceived)
        #expect(a.write([1, 2, 3].span, now: t0) == 3)
        a.shutdownWrite(now: t0)
        #expect(a.state == .synReceived)
        a.poll(now: t0 + .seconds(2))              // SYN-ACK retransmission: no data before the handshake
        #expect(a.drainOutbox().allSatisfy { $0.payload.isEmpty })
        for s in synA { b.handle(s.header, payload: s.payload.span, now: t0) }
        a.poll(now: t0 + .seconds(5))
        pass(&a, &b, now: t0 + .seconds(5))
        pass(&b, &a, now: t0 + .seconds(5))
        #expect(a.state == .finWait1 || a.state == .finWait2)
        pass(&a, &b, now: t0 + .seconds(5))
        #expect(b.read(10, now: t0 + .seconds(5)) == [1, 2, 3] && b.atEndOfStream)
    }

    /// Regression (found by Fuzz/run tcpstate): segments wait in the outbox with their data still in the
    /// send queue; an ACK that drops acknowledged bytes before the outbox is drained must not leave them
    /// pointing at the wrong bytes.
    @Test func outboxSurvivesAnAckBeforeItIsDrained() {
        var (c, _) = established()
        let first = [UInt8](repeating: 1, count: 100), second = [UInt8](repeating: 2, count: 100)
        _ = c.write(first.span, now: t0)           // segment 1 waits in the outbox, data still queued
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001),
                           acknowledgmentNumber: TCPSequenceNumber(1101), flags: .ack, window: 1000),
                 payload: [UInt8]().span, now: t0)  // acknowledges it: the send queue drops 100 bytes
        _ = c.write(second.span, now: t0)          // segment 2 queued at the front of the send queue
        let out = c.drainOutbox().filter { !$0.payload.isEmpty }
        #expect(out.count == 2)
        #expect(out.first?.payload == first && out.first?.header.sequenceNumber == TCPSequenceNumber(1001))
        #expect(out.last?.payload == second && out.last?.header.sequenceNumber == TCPSequenceNumber(1101))
    }

    @Test func simultaneousCloseGoesThroughClosingToTimeWait() {
        var (c, s) = established()
        c.close(now: t0)
        s.close(now: t0)
        #expect(c.state == .finWait1 && s.state == .finWait1)
        let finC = c.drainOutbox(), finS = s.drainOutbox()
        for x in finS { c.handle(x.header, payload: x.payload.span, now: t0) }
        for x in finC { s.handle(x.header, payload: x.payload.span, now: t0) }
        #expect(c.state == .closing && s.state == .closing)
        pass(&c, &s)
        pass(&s, &c)
        #expect(c.state == .timeWait && s.state == .timeWait)
        c.poll(now: t0 + .seconds(61))
        #expect(c.state == .closed && c.error == nil)
    }

    @Test func timeWaitAcceptsOnlyANewerSYN() {
        var (c, s) = established()
        s.close(now: t0)        // the server closes first and ends in TIME-WAIT
        pass(&s, &c)
        c.close(now: t0)
        pass(&c, &s)
        pass(&s, &c)
        #expect(s.state == .timeWait)
        func syn(_ seq: UInt32) -> TCPHeader {
            TCPHeader(sourcePort: 40000, destinationPort: 80, sequenceNumber: TCPSequenceNumber(seq), flags: .syn, window: 1000)
        }
        // RFC 6191 without timestamps: only a SYN beyond RCV.NXT (1002 after the client's FIN) may reopen.
        #expect(s.acceptsNewIncarnation(syn(1002 + 100_000)))
        #expect(!s.acceptsNewIncarnation(syn(1001)))
        #expect(!c.acceptsNewIncarnation(syn(1002 + 100_000)), "only TIME-WAIT may be replaced")
    }

    @Test func halfCloseKeepsTheOtherDirectionOpen() {
        var (c, s) = established()
        c.shutdownWrite(now: t0)
        pass(&c, &s)
        #expect(s.state == .closeWait && s.atEndOfStream)
        pass(&s, &c)
        #expect(c.state == .finWait2)
        #expect(s.write(Array("late reply".utf8).span, now: t0) == 10)
        pass(&s, &c)
        #expect(c.read(100, now: t0) == Array("late reply".utf8))
        s.close(now: t0)
        #expect(s.state == .lastAck)
        pass(&s, &c)
        #expect(c.state == .timeWait)
        pass(&c, &s)
        #expect(s.state == .closed)
    }

    @Test func exactResetClosesAndInWindowResetDrawsChallengeAck() {
        var (c, s) = established()
        _ = s.write([1, 2, 3].span, now: t0)
        pass(&s, &c)
        _ = c.drainOutbox()
        let rcvNxt = TCPSequenceNumber(5000 + 1 + 3)
        // In the window but not exactly RCV.NXT: RFC 5961 §3.2 challenge ACK, connection survives.
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: rcvNxt + 100, flags: .rst, window: 0),
                 payload: [UInt8]().span, now: t0)
        #expect(c.state == .established && c.challengeAcks == 1)
        let challenge = c.drainOutbox()
        #expect(challenge.count == 1 && challenge[0].header.flags == .ack && challenge[0].header.acknowledgmentNumber == rcvNxt)
        // Outside the window: ignored silently.
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: rcvNxt + 10_000_000, flags: .rst, window: 0),
                 payload: [UInt8]().span, now: t0)
        #expect(c.state == .established && c.drainOutbox().isEmpty)
        // Exactly RCV.NXT: reset.
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: rcvNxt, flags: .rst, window: 0),
                 payload: [UInt8]().span, now: t0)
        #expect(c.state == .closed && c.error == .reset)
    }

    @Test func synInEstablishedStateDrawsChallengeAck() {
        var (c, _) = established()
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001), flags: .syn, window: 100),
                 payload: [UInt8]().span, now: t0)
        #expect(c.state == .established && c.challengeAcks == 1)
        #expect(c.drainOutbox().first?.header.flags == .ack)
    }

    @Test func ackForUnsentDataDrawsChallengeAck() {
        var (c, _) = established()
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001),
                           acknowledgmentNumber: TCPSequenceNumber(1001 + 50_000), flags: .ack, window: 100),
                 payload: [UInt8]().span, now: t0)
        #expect(c.state == .established && c.challengeAcks == 1)
    }

    @Test func refusedConnection() {
        var c = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: plain(), now: t0)
        _ = c.drainOutbox()
        // A RST whose ACK does not acknowledge our SYN is ignored (RFC 9293 §3.10.7.3).
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(0),
                           acknowledgmentNumber: TCPSequenceNumber(5), flags: [.rst, .ack], window: 0), payload: [UInt8]().span, now: t0)
        #expect(c.state == .synSent)
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(0),
                           acknowledgmentNumber: TCPSequenceNumber(1001), flags: [.rst, .ack], window: 0), payload: [UInt8]().span, now: t0)
        #expect(c.state == .closed && c.error == .refused)
    }

    @Test func synRetransmissionBacksOffThenTimesOut() {
        var config = plain()
        config.connectTimeout = .seconds(1000)
        config.maximumRetransmissions = 3
        var c = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1), tsOffset: 0, configuration: config, now: t0)
        _ = c.drainOutbox()
        var times: [Duration] = []
        var now = t0
        while c.state == .synSent {
            let next = c.nextDeadline
            times.append(next - now)
            now = next
            c.poll(now: now)
            if c.state == .synSent { #expect(c.drainOutbox().first?.header.flags == .syn) }
        }
        #expect(times == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])  // RFC 6298 §5.5 doubling
        #expect(c.error == .timedOut)
    }

    @Test func delayedAckWaitsForASecondSegmentOrTheTimer() {
        var (c, s) = established()
        _ = s.write([UInt8](repeating: 7, count: 100).span, now: t0)
        pass(&s, &c)
        #expect(c.drainOutbox().isEmpty)                     // one segment: ACK delayed
        #expect(c.nextDeadline == t0 + .milliseconds(40))
        c.poll(now: t0 + .milliseconds(40))
        #expect(c.drainOutbox().first?.header.acknowledgmentNumber == TCPSequenceNumber(5001 + 100))
    }

    @Test func outOfOrderDataIsAckedAtOnceWithSACK() {
        var config = plain()
        config.selectiveAcknowledgments = true
        var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: config, now: t0)
        let syn = client.drainOutbox()[0].header
        var server = TCPConnection.accept(syn, local: B, remote: A, iss: TCPSequenceNumber(5000), tsOffset: 0, configuration: config, now: t0)
        pass(&server, &client)
        pass(&client, &server)
        // Data 100 bytes beyond RCV.NXT.
        client.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001 + 100),
                                acknowledgmentNumber: TCPSequenceNumber(1001), flags: .ack, window: 1000),
                      payload: [UInt8](repeating: 1, count: 50).span, now: t0)
        let ack = client.drainOutbox()
        #expect(ack.count == 1 && ack[0].header.acknowledgmentNumber == TCPSequenceNumber(5001))
        #expect(Array(ack[0].header.options.sackBlocks) == [SACKBlock(left: TCPSequenceNumber(5101), right: TCPSequenceNumber(5151))])
        // The hole is filled: everything is delivered in order and acknowledged at once.
        client.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: TCPSequenceNumber(5001),
                                acknowledgmentNumber: TCPSequenceNumber(1001), flags: .ack, window: 1000),
                      payload: [UInt8](repeating: 2, count: 100).span, now: t0)
        #expect(client.readable == 150)
        #expect(client.drainOutbox().first?.header.acknowledgmentNumber == TCPSequenceNumber(5151))
    }

    /// Regression (found by Benchmarks/run tcp-connect): a peer ISN 2^31 away from zero made the first
    /// window computed after the handshake negative, which trapped.
    @Test func peerSequenceNumbersFarFromZero() {
        for serverISS: UInt32 in [0x7FFF_FFF0, 0x8000_0000, 0x9000_0000, 0xFFFF_FFFF] {
            var client = TCPConnection.connect(local: A, remote: B, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: plain(), now: t0)
            let syn = client.drainOutbox()[0].header
            var server = TCPConnection.accept(syn, local: B, remote: A, iss: TCPSequenceNumber(serverISS), tsOffset: 0, configuration: plain(), now: t0)
            pass(&server, &client)
            let ack = pass(&client, &server)
            #expect(client.state == .established && server.state == .established)
            #expect(ack.first.map { $0.header.window > 0 } == true)
        }
    }

    @Test func sequenceNumbersWrap() {
        let near = TCPSequenceNumber(0xFFFF_FFF0)
        #expect(near + 0x20 > near)
        #expect((near + 0x20) - near == 0x20)
        #expect(TCPSequenceNumber(5).isIn(near, near + 0x20))
    }
}
