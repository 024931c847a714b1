// The bounds on zone transfers, each driven to its limit: one exchange with a primary (SwiftletDNS/
// Secondary.swift, `PrimaryExchange`) fails cleanly at its deadline, at its byte bound and at its record
// bound, and when the primary closes early; NOTIFYs (Notify.swift) go out at most `tries` times, 2 s apart,
// with at most `maximumInFlight` waiting at once and answers taken only from their target; the transfer
// arguments (Transfer.swift, `TransferSettings`) are refused past their bounds with a message; `AXFRWriter`
// makes the transfer one message at a time.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct TransferBoundsTests {
    static let apex = TransferTests.apex
    static let t0 = Instant(nanoseconds: 5_000 * 1_000_000_000)

    static func failure(_ e: PrimaryExchange) -> String? {
        if case .failed(let error) = e.state { return error.description }
        return nil
    }

    // MARK: one exchange

    @Test func aCheckReadsTheSerialFromPieces() {
        var e = PrimaryExchange(.checkSerial, apex: Self.apex, id: 3, now: Self.t0)
        #expect(e.deadline == Self.t0 + PrimaryExchange.checkDeadline && e.maximumBytes == PrimaryExchange.maximumCheckBytes)
        #expect(Array(e.query.prefix(2)) == [0, UInt8(e.query.count - 2)])
        let query = try? DNSMessage(parsing: Array(e.query.dropFirst(2)).span)
        #expect(query?.questions == [DNSQuestion(name: Self.apex, type: .soa)] && query?.header.id == 3)
        let answer = DNSStreamFramer.frame(TransferTests.answer(id: 3, [TransferTests.zone.soa]))
        expectThat(!e.receive(Array(answer.prefix(1)), now: Self.t0))
        expectThat(!e.receive(Array(answer[1..<20]), now: Self.t0))
        expectThat(e.receive(Array(answer[20...]), now: Self.t0))
        guard case .serial(7) = e.state else { Issue.record("no serial: \(e.state)"); return }
        expectThat(e.receive([1, 2, 3], now: Self.t0))  // over: nothing more is taken
        #expect(e.bytesReceived == answer.count)
    }

    @Test func aStalledPrimaryMeetsTheDeadline() {
        var e = PrimaryExchange(.transfer, apex: Self.apex, id: 4, now: Self.t0)
        #expect(e.deadline == Self.t0 + PrimaryExchange.transferDeadline)
        let messages = try! ZoneTransfer.messages(for: TransferTests.zone, id: 4, question: DNSQuestion(name: Self.apex, type: .axfr))
        // A primary that sends a message every 9 s, just under the read timeout, never finishes in time.
        var now = Self.t0
        #expect(e.timeout(now: now) == PrimaryExchange.readTimeout)
        var i = 0
        while e.isRunning {
            now = now + .seconds(9)
            // The opening message, then the middle ones over and over: never the closing SOA.
            let m = i == 0 ? messages[0] : messages[1 + (i - 1) % (messages.count - 2)]
            _ = e.receive(DNSStreamFramer.frame(m), now: now)
            i += 1
        }
        #expect(Self.failure(e) == "no complete answer within \(PrimaryExchange.transferDeadline) (a stalled primary)")
        #expect(now >= e.deadline && now < e.deadline + .seconds(9))
        // Near the deadline the reads wait less; past it, 1 ms (never zero, which may mean no timeout).
        let f = PrimaryExchange(.transfer, apex: Self.apex, id: 4, now: Self.t0)
        #expect(f.timeout(now: f.deadline - .seconds(3)) == .seconds(3))
        #expect(f.timeout(now: f.deadline + .seconds(3)) == .milliseconds(1))
        // A read that times out is a network error: named as the deadline once it has passed.
        var g = PrimaryExchange(.checkSerial, apex: Self.apex, id: 4, now: Self.t0)
        g.failed(.timedOut, now: Self.t0 + .seconds(10))
        #expect(Self.failure(g) == "the connection failed: timed out")
        var h = PrimaryExchange(.checkSerial, apex: Self.apex, id: 4, now: Self.t0)
        h.failed(.timedOut, now: h.deadline)
        #expect(Self.failure(h) == "no complete answer within \(PrimaryExchange.checkDeadline) (a stalled primary)")
    }

    @Test func aTransferStopsAtItsByteBound() throws {
        // Messages of one 64,000-byte TXT record each, after the SOA: the default bound (64 MiB) is met
        // before the records' (a million).
        let strings = [[UInt8]](repeating: [UInt8](repeating: 0x61, count: 255), count: 250)
        let big = DNSRecord(name: DNSName("big.example.test.")!, ttl: 60, data: .txt(strings))
        let first = DNSStreamFramer.frame(TransferTests.answer(id: 8, [TransferTests.zone.soa, big]))
        let next = DNSStreamFramer.frame(TransferTests.answer(id: 8, [big]))
        var e = PrimaryExchange(.transfer, apex: Self.apex, id: 8, now: Self.t0)
        #expect(e.maximumBytes == PrimaryExchange.maximumTransferBytes && e.maximumBytes == 64 << 20)
        expectThat(!e.receive(first, now: Self.t0))
        var reads = 1
        while !e.receive(next, now: Self.t0) { reads += 1 }
        #expect(Self.failure(e) == "the primary sent more than \(64 << 20) bytes")
        #expect(e.bytesReceived > 64 << 20 && e.bytesReceived - next.count <= 64 << 20)
        #expect(reads == (64 << 20) / next.count)
        // A check takes one message: a read of more is refused.
        var c = PrimaryExchange(.checkSerial, apex: Self.apex, id: 8, now: Self.t0)
        expectThat(c.receive([UInt8](repeating: 0xFF, count: PrimaryExchange.maximumCheckBytes + 1), now: Self.t0))
        #expect(Self.failure(c) == "the primary sent more than 65537 bytes")
    }

    @Test func otherFailuresEndTheExchange() {
        var closed = PrimaryExchange(.transfer, apex: Self.apex, id: 9, now: Self.t0)
        expectThat(closed.receive(DNSStreamFramer.frame(TransferTests.answer(id: 9, [TransferTests.zone.soa])), now: Self.t0) == false)
        expectThat(closed.receive(nil, now: Self.t0))
        #expect(Self.failure(closed) == "the primary closed the connection before the answer was complete")
        var empty = PrimaryExchange(.checkSerial, apex: Self.apex, id: 9, now: Self.t0)
        expectThat(empty.receive([], now: Self.t0) && Self.failure(empty) == "the primary closed the connection before the answer was complete")
        let a = DNSRecord(name: DNSName("www.example.test.")!, ttl: 60, data: .a(IPv4Address(192, 0, 2, 3)))
        var many = PrimaryExchange(.transfer, apex: Self.apex, id: 9, now: Self.t0, maximumRecords: 3)
        expectThat(many.receive(DNSStreamFramer.frame(TransferTests.answer(id: 9, [TransferTests.zone.soa, a, a, a])), now: Self.t0))
        #expect(Self.failure(many) == "more than 3 records")
        var refused = PrimaryExchange(.checkSerial, apex: Self.apex, id: 9, now: Self.t0)
        expectThat(refused.receive(DNSStreamFramer.frame(TransferTests.answer(id: 9, [], rcode: .refused)), now: Self.t0))
        #expect(Self.failure(refused) == "the primary answered RCODE 5")
        let expiry = PrimaryExchange(.expire, apex: Self.apex, id: 9, now: Self.t0)
        #expect(!expiry.isRunning && expiry.query.isEmpty)
    }

    // MARK: NOTIFY

    static func zones(_ n: Int) -> [Zone] {
        (0..<n).map { i in
            try! Zone(records: try! ZoneFile.parse("$ORIGIN z\(i).test.\n$TTL 60\n@ SOA ns1 hostmaster \(i) 7200 1800 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n"))
        }
    }

    static func sends(_ events: [NotifySender.Event]) -> [(id: UInt16, target: Endpoint)] {
        events.compactMap { if case .send(let m, let t) = $0 { return (UInt16(m[0]) << 8 | UInt16(m[1]), t) } else { return nil } }
    }

    @Test func notifiesAreResentUntilAnsweredFiveTimesAtMost() {
        let a = Endpoint(address: IPv4Address(192, 0, 2, 10), port: 53), b = Endpoint(address: IPv4Address(192, 0, 2, 11), port: 5302)
        var n = NotifySender(zones: Self.zones(1), targets: [a, b])
        #expect(n.wake(now: Self.t0) == Self.t0)
        let first = Self.sends(n.step(now: Self.t0))
        #expect(first.count == 2 && first[0].target == a && first[1].target == b && first[0].id != first[1].id)
        expectThat(!n.answered(id: first[0].id, from: b.address))        // from the other target
        expectThat(!n.answered(id: first[0].id &+ 1, from: a.address))   // another ID
        expectThat(n.answered(id: first[0].id, from: a.address))
        expectThat(!n.answered(id: first[0].id, from: a.address))        // once
        let apex = DNSName("z0.test.")!
        expectThat(n.step(now: Self.t0 + .seconds(1)) == [.finished(apex, a, .answered)])
        var sendsToB = 1, now = Self.t0 + .seconds(1)
        while let wake = n.wake(now: now) {
            #expect(wake >= now)
            now = wake
            for event in n.step(now: now) {
                if case .send(_, let t) = event { #expect(t == b); sendsToB += 1 }
                if case .finished(let z, let t, .unanswered) = event { #expect(z == apex && t == b && now == Self.t0 + .seconds(10)) }
            }
        }
        #expect(sendsToB == NotifySender.tries && n.isDone)
        #expect(NotifySender.Result.unanswered.description == "no answer after \(NotifySender.tries) tries")
    }

    @Test func atMostSixtyFourNotifiesWaitAtOnce() {
        let targets = (0..<TransferSettings.maximumNotifyTargets).map { Endpoint(address: IPv4Address(192, 0, 2, UInt8($0 + 1)), port: 53) }
        var n = NotifySender(zones: Self.zones(20), targets: targets)  // 320 NOTIFYs
        var now = Self.t0, sent = 0, unanswered = 0, answered = 0, peak = 0
        var step = 0
        while let wake = n.wake(now: now) {
            now = wake
            let events = n.step(now: now)
            let s = Self.sends(events)
            sent += s.count
            #expect(Set(s.map(\.id)).count == s.count)
            peak = max(peak, n.inFlightCount)
            for e in events {
                if case .finished(_, _, .unanswered) = e { unanswered += 1 }
                if case .finished(_, _, .answered) = e { answered += 1 }
            }
            // Every third step, the first NOTIFY of it is answered.
            if step % 3 == 0, let f = s.first { expectThat(n.answered(id: f.id, from: f.target.address)) }
            step += 1
        }
        #expect(peak == NotifySender.maximumInFlight)
        #expect(answered + unanswered == 320 && answered > 0)
        #expect(sent >= 320 && sent <= 320 * NotifySender.tries)
    }

    // MARK: arguments

    static func settingsError(allow: String = "", notify: String = "", secondary: String = "") -> String? {
        do throws(TransferError) {
            _ = try TransferSettings(allow: allow, notify: notify, secondary: secondary)
            return nil
        } catch { return error.description }
    }

    static func list(_ n: Int, _ item: (Int) -> String) -> String { (0..<n).map(item).joined(separator: ",") }

    @Test func transferArguments() throws {
        let s = try TransferSettings(allow: "192.0.2.1,,192.0.2.2", notify: "192.0.2.3:5300,192.0.2.4",
                                     secondary: "example.test=192.0.2.5:5301,other.test.=192.0.2.6")
        #expect(s.allowed == [.v4(IPv4Address(192, 0, 2, 1)), .v4(IPv4Address(192, 0, 2, 2))])
        #expect(s.notify == [Endpoint(address: IPv4Address(192, 0, 2, 3), port: 5300), Endpoint(address: IPv4Address(192, 0, 2, 4), port: 53)])
        #expect(s.secondaries == [.init(apex: DNSName("example.test.")!, primary: Endpoint(address: IPv4Address(192, 0, 2, 5), port: 5301)),
                                  .init(apex: DNSName("other.test.")!, primary: Endpoint(address: IPv4Address(192, 0, 2, 6), port: 53))])
        let v6 = try TransferSettings(allow: "2001:db8::1", notify: "[2001:db8::3]:5300,2001:db8::4,[2001:db8::5]",
                                      secondary: "example.test=[2001:db8::6]:5301")
        #expect(v6.allowed == [.v6(IPv6Address("2001:db8::1")!)])
        #expect(v6.notify == [Endpoint(address: IPv6Address("2001:db8::3")!, port: 5300), Endpoint(address: IPv6Address("2001:db8::4")!, port: 53),
                              Endpoint(address: IPv6Address("2001:db8::5")!, port: 53)])
        #expect(v6.secondaries.first?.primary == Endpoint(address: IPv6Address("2001:db8::6")!, port: 5301))
        #expect(Self.settingsError(notify: "[2001:db8::3") == "--notify: '[2001:db8::3' has no closing bracket")
        #expect(Self.settingsError(notify: "[2001:db8::3]5300") == "--notify: '[2001:db8::3]5300' has a bad port")
        #expect(Self.settingsError(notify: "[2001:db8::3]:0") == "--notify: '[2001:db8::3]:0' has a bad port")
        let empty = try TransferSettings(allow: "", notify: "", secondary: "")
        #expect(empty.allowed.isEmpty && empty.notify.isEmpty && empty.secondaries.isEmpty)
        #expect(Self.settingsError(allow: "192.0.2") == "--allow-transfer: '192.0.2' is not an IP address")
        #expect(Self.settingsError(notify: "192.0.2.1:0") == "--notify: '192.0.2.1:0' has a bad port")
        #expect(Self.settingsError(notify: "192.0.2.1:65536") == "--notify: '192.0.2.1:65536' has a bad port")
        #expect(Self.settingsError(notify: "192.0.2.1:99999999999") == "--notify: '192.0.2.1:99999999999' has a bad port")
        #expect(Self.settingsError(secondary: "example.test") == "--secondary: 'example.test' is not ZONE=ADDRESS[:PORT]")
        #expect(Self.settingsError(secondary: "a..b=192.0.2.1") == "--secondary: 'a..b' is not a domain name")
        #expect(Self.settingsError(secondary: "example.test=host") == "--secondary: 'host' is not an IP address")
        #expect(Self.settingsError(secondary: "example.test=192.0.2.1,Example.Test.=192.0.2.2") == "--secondary: 'Example.Test.' is given twice")
    }

    @Test func transferArgumentListsAreBounded() {
        let address = { (i: Int) in "10.0.\(i / 250).\(i % 250 + 1)" }
        #expect(Self.settingsError(allow: Self.list(TransferSettings.maximumAllowed, address)) == nil)
        #expect(Self.settingsError(allow: Self.list(TransferSettings.maximumAllowed + 1, address)) == "--allow-transfer: 65 addresses, more than 64")
        #expect(Self.settingsError(notify: Self.list(TransferSettings.maximumNotifyTargets, address)) == nil)
        #expect(Self.settingsError(notify: Self.list(TransferSettings.maximumNotifyTargets + 1, address)) == "--notify: 17 targets, more than 16")
        let zone = { (i: Int) in "z\(i).test=192.0.2.1" }
        #expect(Self.settingsError(secondary: Self.list(TransferSettings.maximumSecondaryZones, zone)) == nil)
        #expect(Self.settingsError(secondary: Self.list(TransferSettings.maximumSecondaryZones + 1, zone)) == "--secondary: 65 zones, more than 64")
    }

    // MARK: out

    @Test func aTransferIsMadeOneMessageAtATime() throws {
        let question = DNSQuestion(name: Self.apex, type: .axfr)
        var writer = AXFRWriter(zone: TransferTests.zone, id: 12, question: question)
        var count = 0
        while let m = try writer.next() {
            #expect(m.count <= ZoneTransfer.messageSize + 1024)
            count += 1
        }
        #expect(try writer.isComplete && count == ZoneTransfer.messages(for: TransferTests.zone, id: 12, question: question).count)
        try expectThat(writer.next() == nil)
        // A zone of its SOA alone: one message, the SOA twice.
        let soaOnly = try Zone(records: try ZoneFile.parse("$ORIGIN s.test.\n$TTL 60\n@ SOA ns1 hostmaster 1 2 3 4 5\n@ NS ns1\n"))
        var w = AXFRWriter(zone: soaOnly, id: 1, question: DNSQuestion(name: soaOnly.apex, type: .axfr))
        let only = try #require(try w.next())
        let m = try DNSMessage(parsing: only.span)
        #expect(m.answers.first == soaOnly.soa && m.answers.last == soaOnly.soa && m.answers.count == 3)
        try expectThat(w.next() == nil)
    }
}
