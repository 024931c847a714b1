// A secondary zone's timers (SwiftletDNS/Secondary.swift, RFC 1034 §4.3.5, RFC 1996, RFC 1982), driven with
// the time passed in: the first load retried every firstRetry, a refresh after the SOA's refresh interval
// that transfers only when the primary's serial is newer (wrapping), a NOTIFY that starts a check at once
// (and a flood of them that does not make us hammer the primary), retries after failures, expiry that drops
// the zone and starts loading over, the SOA's timers clamped, and the exchange's outcomes fed back.

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct SecondaryZoneTests {
    static let apex = DNSName("example.test.")!
    static let primary = Endpoint(address: IPv4Address(192, 0, 2, 53), port: 53)
    static let t0 = Instant(nanoseconds: 1_000 * 1_000_000_000)

    static func at(_ seconds: Int64, from start: Instant = t0) -> Instant { start + .seconds(seconds) }

    static func soa(serial: UInt32, refresh: UInt32 = 7200, retry: UInt32 = 1800, expire: UInt32 = 1_209_600) -> DNSSOA {
        DNSSOA(primary: DNSName("ns1.example.test.")!, mailbox: DNSName("hostmaster.example.test.")!, serial: serial,
               refresh: refresh, retry: retry, expire: expire, minimum: 300)
    }

    /// A zone loaded at t0 with `soa`.
    static func loaded(_ soa: DNSSOA) -> SecondaryZone {
        var z = SecondaryZone(apex: apex, primary: primary)
        expectThat(z.next(now: t0) == .transfer)
        z.loaded(soa: soa, now: t0)
        return z
    }

    @Test func theFirstLoadIsRetriedEveryFirstRetryUntilItSucceeds() {
        var z = SecondaryZone(apex: Self.apex, primary: Self.primary)
        #expect(z.serial == nil && z.expiresAt == nil && z.timers == .initial)
        var now = Self.t0
        for _ in 0..<4 {
            expectThat(z.next(now: now) == .transfer)  // no SOA check before anything has loaded
            z.failed(now: now)
            #expect(z.due(now: now + SecondaryZone.firstRetry - .milliseconds(1)) == nil)
            now = now + SecondaryZone.firstRetry
            #expect(z.due(now: now) == .transfer)
        }
        expectThat(z.next(now: now) == .transfer)
        z.loaded(soa: Self.soa(serial: 7), now: now)
        #expect(z.serial == 7)
        #expect(z.due(now: now + .seconds(7199)) == nil)
        #expect(z.timers == SecondaryZone.Timers(Self.soa(serial: 7)))
        #expect(z.timers.refresh == .seconds(7200) && z.timers.retry == .seconds(1800) && z.timers.expire == .seconds(1_209_600))
    }

    @Test func aRefreshTransfersOnlyWhenThePrimarysSerialIsNewer() {
        var z = Self.loaded(Self.soa(serial: 7))
        #expect(z.due(now: Self.at(7199)) == nil)
        expectThat(z.next(now: Self.at(7200)) == .checkSerial)
        z.checked(serial: 7, now: Self.at(7201))  // the same serial: current
        #expect(z.due(now: Self.at(7201)) == nil)
        #expect(z.nextAttempt == Self.at(7201 + 7200))
        #expect(z.expiresAt == Self.at(7201 + 1_209_600))  // a successful check puts expiry off
        expectThat(z.next(now: Self.at(14_401)) == .checkSerial)
        z.checked(serial: 6, now: Self.at(14_401))  // older (a primary that went back): no transfer
        #expect(z.due(now: Self.at(14_401)) == nil)
        expectThat(z.next(now: Self.at(21_601)) == .checkSerial)
        z.checked(serial: 8, now: Self.at(21_601))  // newer: the transfer is due at once
        expectThat(z.next(now: Self.at(21_601)) == .transfer)
        z.loaded(soa: Self.soa(serial: 8), now: Self.at(21_602))
        #expect(z.serial == 8 && z.due(now: Self.at(21_603)) == nil)
    }

    @Test func serialsWrapAsRFC1982Says() {
        var z = Self.loaded(Self.soa(serial: 0xFFFF_FFF0))
        expectThat(z.next(now: Self.at(7200)) == .checkSerial)
        z.checked(serial: 5, now: Self.at(7200))  // 0xFFFFFFF0 + 21 wraps to 5: newer
        expectThat(z.next(now: Self.at(7200)) == .transfer)
        z.loaded(soa: Self.soa(serial: 5), now: Self.at(7201))
        expectThat(z.next(now: Self.at(14_401)) == .checkSerial)
        z.checked(serial: 0xFFFF_FFF0, now: Self.at(14_401))  // before 5 once wrapped: not newer
        #expect(z.due(now: Self.at(14_401)) == nil)
        expectThat(z.next(now: Self.at(21_601)) == .checkSerial)
        z.checked(serial: 5 &+ 0x8000_0000, now: Self.at(21_601))  // 2^31 apart: undefined, no transfer
        #expect(z.due(now: Self.at(21_601)) == nil)
    }

    @Test func aNotifyStartsACheckAtOnce() {
        var z = Self.loaded(Self.soa(serial: 7))
        #expect(z.due(now: Self.at(60)) == nil)
        z.notified()
        expectThat(z.next(now: Self.at(60)) == .checkSerial)
        #expect(!z.isNotified)
        // A NOTIFY while the check runs asks for another check once it has ended, after the holdoff.
        z.notified()
        z.checked(serial: 7, now: Self.at(61))
        #expect(z.due(now: Self.at(61)) == nil)
        #expect(z.due(now: Self.at(61) + SecondaryZone.notifyHoldoff - .milliseconds(1)) == nil)
        expectThat(z.next(now: Self.at(61) + SecondaryZone.notifyHoldoff) == .checkSerial)
        z.checked(serial: 9, now: Self.at(64))
        expectThat(z.next(now: Self.at(64)) == .transfer)
        // Before the first load a NOTIFY starts the transfer at once.
        var fresh = SecondaryZone(apex: Self.apex, primary: Self.primary)
        expectThat(fresh.next(now: Self.t0) == .transfer)
        fresh.failed(now: Self.t0)
        fresh.notified()
        #expect(fresh.due(now: Self.at(2)) == .transfer)
    }

    @Test func aFloodOfNotifiesCostsAtMostOneCheckPerHoldoff() {
        var z = Self.loaded(Self.soa(serial: 7))
        var checks = 0
        var now = Self.at(100)
        let end = Self.at(160)
        while now < end {  // a NOTIFY every 10 ms for a minute; each check takes 5 ms
            z.notified()
            if z.next(now: now) == .checkSerial {
                checks += 1
                z.checked(serial: 7, now: now + .milliseconds(5))
            }
            now = now + .milliseconds(10)
        }
        let bound = Int((end - Self.at(100)).nanoseconds / SecondaryZone.notifyHoldoff.nanoseconds) + 1
        #expect(checks > 1 && checks <= bound)
    }

    @Test func failuresAreRetriedEveryRetryInterval() {
        var z = Self.loaded(Self.soa(serial: 7, refresh: 600, retry: 60, expire: 3600))
        var now = Self.at(600)
        for _ in 0..<5 {
            expectThat(z.next(now: now) == .checkSerial)
            z.failed(now: now)
            #expect(z.serial == 7)  // the zone stays served
            #expect(z.due(now: now + .seconds(59)) == nil)
            now = now + .seconds(60)
        }
        // A failed transfer after a newer serial: retried by a check after the retry interval.
        expectThat(z.next(now: now) == .checkSerial)
        z.checked(serial: 8, now: now)
        expectThat(z.next(now: now) == .transfer)
        z.failed(now: now)
        #expect(z.serial == 7 && z.due(now: now + .seconds(59)) == nil && z.due(now: now + .seconds(60)) == .checkSerial)
    }

    @Test func expiryDropsTheZoneAndLoadingStartsOver() {
        var z = Self.loaded(Self.soa(serial: 7, refresh: 600, retry: 60, expire: 3600))
        #expect(z.expiresAt == Self.at(3600))
        var now = Self.at(600)
        while now < Self.at(3600) {
            if z.next(now: now) == .checkSerial { z.failed(now: now) }
            now = now + .seconds(1)
        }
        #expect(z.serial == 7)
        #expect(z.due(now: Self.at(3600)) == .expire)  // before any check that is due too
        expectThat(z.next(now: Self.at(3600)) == .expire)
        #expect(z.serial == nil && z.expiresAt == nil && z.timers == .initial)
        // Loading starts over: a transfer at the next attempt, every firstRetry after that.
        let attempt = z.nextAttempt
        #expect(attempt <= Self.at(3600) + .seconds(60))
        expectThat(z.next(now: max(attempt, Self.at(3600))) == .transfer)
        z.failed(now: Self.at(3601))
        #expect(z.due(now: Self.at(3601) + SecondaryZone.firstRetry) == .transfer)
        #expect(z.due(now: Self.at(100_000)) == .transfer)  // never expires again while nothing is loaded
        // A check that succeeds before expiry keeps the zone.
        var kept = Self.loaded(Self.soa(serial: 7, refresh: 600, retry: 60, expire: 3600))
        expectThat(kept.next(now: Self.at(600)) == .checkSerial)
        kept.checked(serial: 7, now: Self.at(600))
        #expect(kept.expiresAt == Self.at(4200) && kept.due(now: Self.at(3600)) == .checkSerial)
    }

    @Test func theSOAsTimersAreClamped() {
        let low = SecondaryZone.Timers(Self.soa(serial: 1, refresh: 0, retry: 1, expire: 0))
        #expect(low.refresh == SecondaryZone.minimumRefresh && low.retry == SecondaryZone.minimumRetry)
        #expect(low.expire == SecondaryZone.minimumRefresh + SecondaryZone.minimumRetry)  // expire ≥ refresh + retry
        let high = SecondaryZone.Timers(Self.soa(serial: 1, refresh: .max, retry: .max, expire: .max))
        #expect(high.refresh == SecondaryZone.maximumRefresh && high.retry == SecondaryZone.maximumRetry)
        #expect(high.expire == SecondaryZone.maximumExpire)
        let short = SecondaryZone.Timers(Self.soa(serial: 1, refresh: 3600, retry: 600, expire: 1000))
        #expect(short.expire == .seconds(4200))
        #expect(SecondaryZone.minimumRefresh >= .seconds(5) && SecondaryZone.minimumRetry >= .seconds(5))
        #expect(SecondaryZone.maximumRefresh == .seconds(28 * 86_400) && SecondaryZone.maximumExpire == .seconds(168 * 86_400))
        // A primary that asks for a refresh every second is asked every 5 s at most.
        var z = Self.loaded(Self.soa(serial: 7, refresh: 1, retry: 1, expire: 2))
        expectThat(z.due(now: Self.at(4)) == nil && z.next(now: Self.at(5)) == .checkSerial)
        z.failed(now: Self.at(5))
        #expect(z.due(now: Self.at(9)) == nil && z.due(now: Self.at(10)) == .expire)
    }

    @Test func finishedExchangesAreFedBack() throws {
        // A whole transfer, read in pieces of 1,000 bytes: the zone loads.
        let zone = TransferTests.zone
        var z = SecondaryZone(apex: Self.apex, primary: Self.primary)
        expectThat(z.next(now: Self.t0) == .transfer)
        var exchange = PrimaryExchange(.transfer, apex: Self.apex, id: 41, now: Self.t0)
        let stream = try ZoneTransfer.messages(for: zone, id: 41, question: DNSQuestion(name: Self.apex, type: .axfr))
            .flatMap { DNSStreamFramer.frame($0) }
        var at = 0, done = false
        while !done {
            done = exchange.receive(Array(stream[at..<min(at + 1000, stream.count)]), now: Self.at(1))
            at += 1000
        }
        #expect(at >= stream.count && exchange.bytesReceived == stream.count)
        guard case .loaded(let loaded, let records) = z.finish(exchange, now: Self.at(1)) else { Issue.record("not loaded"); return }
        #expect(records == zone.records.count && loaded.apex == Self.apex && z.serial == 7)
        // A check answered with the same serial: current.
        expectThat(z.next(now: Self.at(7201)) == .checkSerial)
        var check = PrimaryExchange(.checkSerial, apex: Self.apex, id: 42, now: Self.at(7201))
        expectThat(check.receive(DNSStreamFramer.frame(TransferTests.answer(id: 42, [zone.soa])), now: Self.at(7201)))
        guard case .current(serial: 7) = z.finish(check, now: Self.at(7201)) else { Issue.record("not current"); return }
        // A transfer that brings a zone that does not load fails; the zone served stays.
        expectThat(z.next(now: Self.at(14_401)) == .checkSerial)
        let broken = DNSRecord(name: DNSName("www.example.test.")!, ttl: 60, data: .cname(DNSName("a.example.test.")!))
        let alsoA = DNSRecord(name: DNSName("www.example.test.")!, ttl: 60, data: .a(IPv4Address(192, 0, 2, 9)))
        var bad = PrimaryExchange(.transfer, apex: Self.apex, id: 43, now: Self.at(14_401))
        expectThat(bad.receive(DNSStreamFramer.frame(TransferTests.answer(id: 43, [zone.soa, broken, alsoA, zone.soa])), now: Self.at(14_401)))
        guard case .failed(let error) = z.finish(bad, now: Self.at(14_401)) else { Issue.record("loaded a broken zone"); return }
        #expect(error.description.hasPrefix("the transferred zone does not load"))
        #expect(z.serial == 7 && z.due(now: Self.at(14_401) + .seconds(1799)) == nil)
    }
}

/// `#expect` for a condition with a mutating call in it (the macro's closure cannot mutate), evaluated first.
func expectThat(_ condition: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(condition, sourceLocation: sourceLocation)
}
