// The neighbour cache through simulated time (RFC 4861 §7.3, appendix C): resolution, reachability
// confirmed and lapsing, probing a stale neighbour until it answers or is given up, the override rules of
// §7.2.5, and the bounds under a flood of spoofed solicitations.

import Testing
import Swiftlet
import SwiftletWire
@testable import SwiftletNet

private let neighbor = IPv6Address("fe80::2")!
private let macA = MACAddress(2, 0, 0, 0, 0, 2)
private let macB = MACAddress(2, 0, 0, 0, 0, 3)

private func advert(_ target: IPv6Address = neighbor, mac: MACAddress?, solicited: Bool, override: Bool) -> NeighborAdvertisement {
    var options = NDPOptions()
    options.targetLinkLayer = mac
    return NeighborAdvertisement(solicited: solicited, override: override, target: target, options: options)
}

private func at(_ seconds: Double) -> Instant { .zero + .milliseconds(Int64(seconds * 1000)) }

@Suite struct NeighborCacheTests {
    @Test func resolutionSolicitsThreeTimesThenDropsWhatWaited() {
        var cache = NeighborCache()
        guard case .queuedSendSolicitation = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(0)) else {
            Issue.record("first resolve should solicit"); return
        }
        guard case .queued = cache.resolve(neighbor, holding: PacketBuffer(bytes: [2]), now: at(0.1)) else {
            Issue.record("second resolve should queue"); return
        }
        #expect(cache.state(of: neighbor) == .incomplete && cache.waitingPackets == 2)
        #expect(cache.poll(now: at(1)) == [.multicast(neighbor)])
        #expect(cache.poll(now: at(2)) == [.multicast(neighbor)])
        #expect(cache.poll(now: at(3)) == [])  // three sent: MAX_MULTICAST_SOLICIT
        #expect(cache.state(of: neighbor) == nil && cache.waitingPackets == 0 && cache.dropped == 2)
    }

    @Test func aSolicitedAdvertisementReleasesThePacketsAndLapsesToStaleThenDelayThenProbe() {
        var cache = NeighborCache()
        _ = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(0))
        // An advertisement without the target's link-layer address cannot complete an entry.
        #expect(cache.advertisement(advert(mac: nil, solicited: true, override: true), now: at(0.2)).isEmpty)
        #expect(cache.advertisement(advert(mac: macA, solicited: true, override: false), now: at(0.3)).count == 1)
        #expect(cache.state(of: neighbor) == .reachable && cache.linkLayerAddress(of: neighbor) == macA)
        _ = cache.poll(now: at(30.3))
        #expect(cache.state(of: neighbor) == .stale)
        // Used while stale: DELAY, then after 5 s with no confirmation a unicast probe.
        guard case .resolved(macA) = cache.resolve(neighbor, holding: PacketBuffer(bytes: [2]), now: at(40)) else {
            Issue.record("a stale entry is used as it is"); return
        }
        #expect(cache.state(of: neighbor) == .delay)
        #expect(cache.poll(now: at(45)) == [.unicast(neighbor, macA)])
        #expect(cache.state(of: neighbor) == .probe)
        // The probe's answer (solicited) makes it reachable again.
        _ = cache.advertisement(advert(mac: macA, solicited: true, override: true), now: at(45.5))
        #expect(cache.state(of: neighbor) == .reachable)
    }

    @Test func anUnansweredProbeGivesTheNeighbourUp() {
        var cache = NeighborCache()
        _ = cache.learnUnsolicited(neighbor, is: macA, now: at(0))
        #expect(cache.state(of: neighbor) == .stale)
        _ = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(1))
        #expect(cache.poll(now: at(6)) == [.unicast(neighbor, macA)])
        #expect(cache.poll(now: at(7)) == [.unicast(neighbor, macA)])
        #expect(cache.poll(now: at(8)) == [.unicast(neighbor, macA)])
        #expect(cache.poll(now: at(9)) == [])
        #expect(cache.state(of: neighbor) == nil)
    }

    @Test func upperLayerConfirmationSkipsTheProbe() {
        var cache = NeighborCache()
        _ = cache.learnUnsolicited(neighbor, is: macA, now: at(0))
        _ = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(1))
        cache.confirmReachable(neighbor, now: at(2))
        #expect(cache.poll(now: at(6)) == [] && cache.state(of: neighbor) == .reachable)
    }

    @Test func overrideRulesOfSection7_2_5() {
        var cache = NeighborCache()
        _ = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(0))
        _ = cache.advertisement(advert(mac: macA, solicited: true, override: false), now: at(0.1))
        // Another address without override: the cached one stays, the entry turns stale.
        _ = cache.advertisement(advert(mac: macB, solicited: false, override: false), now: at(1))
        #expect(cache.linkLayerAddress(of: neighbor) == macA && cache.state(of: neighbor) == .stale)
        // With override: the new address is taken; unsolicited, so stale.
        _ = cache.advertisement(advert(mac: macB, solicited: false, override: true), now: at(2))
        #expect(cache.linkLayerAddress(of: neighbor) == macB && cache.state(of: neighbor) == .stale)
        // An advertisement for an address with no entry is dropped (§7.2.5).
        _ = cache.advertisement(advert(IPv6Address("fe80::9")!, mac: macA, solicited: true, override: true), now: at(3))
        #expect(cache.state(of: IPv6Address("fe80::9")!) == nil)
        // A solicitation from a new address for a known neighbour: stale with the new address (§7.2.3).
        _ = cache.advertisement(advert(mac: macB, solicited: true, override: true), now: at(4))
        _ = cache.learnUnsolicited(neighbor, is: macA, now: at(5))
        #expect(cache.linkLayerAddress(of: neighbor) == macA && cache.state(of: neighbor) == .stale)
    }

    @Test func aFloodOfSpoofedSolicitationsCannotPushOutReachableNeighbours() {
        var configuration = NeighborCache.Configuration()
        configuration.capacity = 8
        var cache = NeighborCache(configuration: configuration)
        for i in 0..<4 {
            let address = IPv6Address(high: 0xFE80 << 48, low: UInt64(100 + i))
            _ = cache.resolve(address, holding: PacketBuffer(bytes: [1]), now: at(0))
            _ = cache.advertisement(advert(address, mac: macA, solicited: true, override: true), now: at(0.1))
        }
        for i in 0..<10_000 {
            _ = cache.learnUnsolicited(IPv6Address(high: 0xFE80 << 48, low: UInt64(1000 + i)), is: macB, now: at(1))
        }
        #expect(cache.count == 8)
        for i in 0..<4 {
            #expect(cache.state(of: IPv6Address(high: 0xFE80 << 48, low: UInt64(100 + i))) == .reachable)
        }
        // A full cache of reachable neighbours refuses strangers and counts them.
        var full = NeighborCache(configuration: configuration)
        for i in 0..<8 {
            let address = IPv6Address(high: 0xFE80 << 48, low: UInt64(i + 1))
            _ = full.resolve(address, holding: PacketBuffer(bytes: [1]), now: at(0))
            _ = full.advertisement(advert(address, mac: macA, solicited: true, override: true), now: at(0.1))
        }
        _ = full.learnUnsolicited(IPv6Address("fe80::99")!, is: macB, now: at(1))
        #expect(full.count == 8 && full.refused == 1 && full.state(of: IPv6Address("fe80::99")!) == nil)
    }

    @Test func resolvingMadeUpNeighboursNeitherEvictsARouterNorTakesMoreThanAQuarter() {
        var configuration = NeighborCache.Configuration()
        configuration.capacity = 16
        var cache = NeighborCache(configuration: configuration)
        let router = IPv6Address("fe80::1")!
        _ = cache.learnUnsolicited(router, is: macA, isRouter: true, now: at(0))
        #expect(cache.state(of: router) == .stale)
        var queued = 0
        for i in 0..<1000 {
            let spoofed = IPv6Address(high: 0xFE80 << 48, low: UInt64(5000 + i))
            if case .queuedSendSolicitation = cache.resolve(spoofed, holding: PacketBuffer(bytes: [1]), now: at(1)) { queued += 1 }
        }
        #expect(queued == 4 && cache.count == 5)  // a quarter of 16 in resolution at once
        #expect(cache.state(of: router) == .stale && cache.linkLayerAddress(of: router) == macA)
        // An advertisement naming a group address as the neighbour's is not taken.
        _ = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(5))
        _ = cache.advertisement(advert(mac: MACAddress(0x33, 0x33, 0, 0, 0, 1), solicited: true, override: true), now: at(5))
        #expect(cache.linkLayerAddress(of: neighbor) == nil)
    }

    @Test func waitingPacketsAreBounded() {
        var configuration = NeighborCache.Configuration()
        configuration.pendingPerAddress = 4
        configuration.pendingTotal = 6
        var cache = NeighborCache(configuration: configuration)
        for _ in 0..<10 { _ = cache.resolve(neighbor, holding: PacketBuffer(bytes: [1]), now: at(0)) }
        #expect(cache.waitingPackets == 4 && cache.dropped == 6)
        for i in 0..<10 {
            _ = cache.resolve(IPv6Address(high: 0xFE80 << 48, low: UInt64(50 + i)), holding: PacketBuffer(bytes: [1]), now: at(0))
        }
        #expect(cache.waitingPackets == 6)
    }
}
