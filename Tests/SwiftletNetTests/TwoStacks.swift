// Two Swiftlet stacks joined by a simulated link, driven in virtual time. A test supplies `step`, the
// application's behaviour, which runs after every batch of events; the driver then advances the clock to
// the next frame arrival or timer. On failure the test can write `link.capture` to a pcap.

import Foundation
import Swiftlet
import SwiftletNet
import SwiftletTesting

final class TwoStacks {
    let clock = ManualClock(start: Instant(nanoseconds: 1_000_000_000))
    let link: SimulatedLink
    let a: NetworkStack<SimulatedDevice>
    let b: NetworkStack<SimulatedDevice>
    static let addressA = IPv4Address(10, 0, 0, 1)
    static let addressB = IPv4Address(10, 0, 0, 2)
    /// With `ipv6: true`: these by hand on 2001:db8::/64 (plus each side's link-local address).
    static let address6A = IPv6Address("2001:db8::1")!
    static let address6B = IPv6Address("2001:db8::2")!

    init(seed: UInt64 = 1, impairment: LinkImpairment = .perfect, tcp: TCPConfiguration = TCPConfiguration(),
         tcpB: TCPConfiguration? = nil, capture: Bool = false, ipv6: Bool = false) {
        link = SimulatedLink(clock: clock, seed: seed, impairment: impairment)
        // SWIFTLET_PCAP=1 records every run; failing tests then write the capture (see dumpCapture).
        if capture || ProcessInfo.processInfo.environment["SWIFTLET_PCAP"] == "1" { link.capture = PCAPWriter() }
        a = NetworkStack(device: link.a, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.1/24")!),
                         seed: StackSeed(SeededEntropy(seed: seed &* 31 &+ 1)), tcp: tcp,
                         ipv6: ipv6 ? .init(manual: [IPv6Network(address: Self.address6A, prefixLength: 64)!], router: nil) : nil)
        b = NetworkStack(device: link.b, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!),
                         seed: StackSeed(SeededEntropy(seed: seed &* 31 &+ 2)), tcp: tcpB ?? tcp,
                         ipv6: ipv6 ? .init(manual: [IPv6Network(address: Self.address6B, prefixLength: 64)!], router: nil) : nil)
        a.start(now: clock.now())
        b.start(now: clock.now())
    }

    var now: Instant { clock.now() }

    /// Delivers due frames and fires due timers until nothing more happens at this instant.
    func settle() {
        for _ in 0..<10_000 {
            link.deliverDue()
            var handled = 0
            handled += (try? link.a.receive(limit: 1_000) { a.receive(frame: $0.bytes, now: now) }) ?? 0
            handled += (try? link.b.receive(limit: 1_000) { b.receive(frame: $0.bytes, now: now) }) ?? 0
            a.poll(now: now)
            b.poll(now: now)
            if handled == 0 && link.nextDelivery > now { return }
        }
    }

    /// Runs until `done` holds or virtual time passes `limit`; `step` is the applications' turn.
    @discardableResult
    func run(for limit: Duration, step: () -> Void = {}, until done: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            settle()
            step()
            settle()
            if done() { return true }
            let next = Swift.min(link.nextDelivery, a.nextDeadline, b.nextDeadline, end)
            if next > now { clock.advance(to: next) } else { clock.advance(by: .microseconds(1)) }
        }
        return done()
    }

    /// Writes what crossed the link, for Wireshark.
    func dumpCapture(_ name: String) {
        guard let bytes = link.capture?.bytes else { return }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).pcap").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        print("capture written to \(path)")
    }
}

/// Deterministic content for transfers.
func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
    var r = SeededRandom(seed: seed)
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        let v = r.next()
        for k in 0..<8 where i + k < count { out[i + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) }
        i += 8
    }
    return out
}
