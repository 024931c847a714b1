// SwiftletTesting: a point-to-point Ethernet link in memory with seeded faults, for whole-stack tests:
// loss, duplication, reordering (extra delay for some frames), corruption (one flipped bit), fixed delay,
// bandwidth (serialisation time per direction) and an MTU (oversized frames are dropped and counted).
// Time is a `ManualClock` the test advances; the same seed gives the same run. Every frame handed to the
// link can be recorded in a pcap (`capture`) for Wireshark. Bounded like a real link: at most
// `SimulatedLink.frameLimit` frames in flight and as many waiting in each device's receive queue; beyond
// that a frame is dropped and counted (`overflowed`), so a runaway sender in a test grows no memory.

import Swiftlet

public struct LinkImpairment: Sendable {
    public var loss = 0.0
    public var duplication = 0.0
    /// Probability that a frame is held back by `reorderDelay` extra, letting later frames overtake it.
    public var reordering = 0.0
    public var reorderDelay = Duration.milliseconds(2)
    /// Probability that one bit of the frame is flipped.
    public var corruption = 0.0
    public var delay = Duration.microseconds(100)
    /// Bits per second per direction; nil for unlimited.
    public var bandwidth: Int? = nil
    /// Largest Ethernet payload carried.
    public var mtu = 1500
    public init() {}

    public static let perfect = LinkImpairment()
}

public final class SimulatedDevice: NetworkDevice {
    public let macAddress: MACAddress
    public let mtu: Int
    public let headroom = 0
    weak var link: SimulatedLink?
    @exclusivity(unchecked) var inbox: [PacketBuffer] = []

    init(macAddress: MACAddress, mtu: Int) {
        self.macAddress = macAddress
        self.mtu = mtu
    }

    public func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {
        guard let link else { throw .down }
        guard frame.count <= mtu + 14 else { throw .frameTooLarge(size: frame.count, limit: mtu + 14) }
        link.carry(frame, from: self)
    }

    /// Queues a delivered frame; false (dropped) when `SimulatedLink.frameLimit` are already waiting.
    func accept(_ frame: PacketBuffer) -> Bool {
        guard inbox.count < SimulatedLink.frameLimit else { return false }
        inbox.append(frame)
        return true
    }

    public func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int {
        let n = min(limit, inbox.count)
        let batch = Array(inbox.prefix(n))
        inbox.removeFirst(n)
        for f in batch { handler(f) }
        return n
    }

    public var pending: Int { inbox.count }
}

/// Used from one thread, by tests and benchmarks that step it; its properties skip Swift's run-time
/// exclusivity checks (see NetworkStack), which would be a tenth of `Benchmarks/run tcp-memory`.
public final class SimulatedLink {
    public let a: SimulatedDevice
    public let b: SimulatedDevice
    public let clock: ManualClock
    @exclusivity(unchecked) public var impairment: LinkImpairment
    @exclusivity(unchecked) public var capture: PCAPWriter? = nil
    @exclusivity(unchecked) private var rng: SeededRandom
    /// Frames in flight, sorted by (arrival, order) from `head` on; delivered entries before `head` are
    /// dropped in bulk now and then, so delivery does not move the whole queue for every frame.
    @exclusivity(unchecked) private var queue: [(at: Instant, order: Int, toA: Bool, frame: PacketBuffer)] = []
    @exclusivity(unchecked) private var head = 0
    @exclusivity(unchecked) private var order = 0
    @exclusivity(unchecked) private var busyUntilAtoB = Instant.zero
    @exclusivity(unchecked) private var busyUntilBtoA = Instant.zero

    /// What a delivered entry holds until the queue is compacted (its frame went to the device).
    private static var delivered: PacketBuffer { PacketBuffer(bytes: []) }

    @exclusivity(unchecked) public private(set) var carried = 0, lost = 0, duplicated = 0, corrupted = 0, reordered = 0, oversized = 0
    /// Frames dropped because `frameLimit` were in flight, or waiting at the receiving device.
    @exclusivity(unchecked) public private(set) var overflowed = 0
    /// The most frames in flight, and the most waiting at each device (about 100 MB of full frames):
    /// far above what any test's windows put on the link, so only a runaway sender meets it.
    public static let frameLimit = 65_536

    public init(clock: ManualClock, seed: UInt64, impairment: LinkImpairment = .perfect,
                macA: MACAddress = MACAddress(2, 0, 0, 0, 0, 1), macB: MACAddress = MACAddress(2, 0, 0, 0, 0, 2)) {
        self.clock = clock
        self.impairment = impairment
        rng = SeededRandom(seed: seed)
        a = SimulatedDevice(macAddress: macA, mtu: impairment.mtu)
        b = SimulatedDevice(macAddress: macB, mtu: impairment.mtu)
        a.link = self
        b.link = self
    }

    private func chance(_ p: Double) -> Bool { p > 0 && Double.random(in: 0..<1, using: &rng) < p }

    /// Takes the sender's buffer as it is (no copy): the sender is done with it once `transmit` returns.
    func carry(_ frame: PacketBuffer, from device: SimulatedDevice) {
        let now = clock.now()
        capture?.append(frame.bytes, at: now)
        carried += 1
        let toA = device === b
        guard frame.count <= impairment.mtu + 14 else { oversized += 1; return }
        if chance(impairment.loss) { lost += 1; return }
        // Serialisation on the sender's side of the wire.
        var departs = now
        if let bps = impairment.bandwidth {
            let busy = toA ? busyUntilBtoA : busyUntilAtoB
            let start = max(now, busy)
            let bits = Int64((frame.count + 24) * 8)  // preamble, FCS and gap
            let end = start + .nanoseconds(bits * 1_000_000_000 / Int64(bps))
            if toA { busyUntilBtoA = end } else { busyUntilAtoB = end }
            departs = end
        }
        var arrival = departs + impairment.delay
        if chance(impairment.reordering) { arrival = arrival + impairment.reorderDelay; reordered += 1 }
        var bytes = frame
        if chance(impairment.corruption), !bytes.isEmpty {
            let bit = Int.random(in: 0..<(bytes.count * 8), using: &rng)
            bytes.withMutableBytes { (b: inout MutableSpan<UInt8>) in b[bit / 8] ^= UInt8(1) << UInt8(bit % 8) }
            corrupted += 1
        }
        enqueue(arrival, toA, bytes)
        if chance(impairment.duplication) {
            duplicated += 1
            enqueue(arrival + .microseconds(10), toA, bytes)
        }
    }

    private func enqueue(_ at: Instant, _ toA: Bool, _ frame: PacketBuffer) {
        guard queue.count - head < Self.frameLimit else { overflowed += 1; return }
        order += 1
        let entry = (at: at, order: order, toA: toA, frame: frame)
        // Arrivals are nearly in order: search from the back.
        var i = queue.count
        while i > head, (queue[i - 1].at, queue[i - 1].order) > (at, order) { i -= 1 }
        queue.insert(entry, at: i)
    }

    /// Moves every frame due by now into its device's receive queue; returns how many.
    @discardableResult
    public func deliverDue() -> Int {
        let now = clock.now()
        var n = 0
        while head < queue.count, queue[head].at <= now {
            let first = queue[head]
            queue[head].frame = SimulatedLink.delivered
            head += 1
            if (first.toA ? a : b).accept(first.frame) { n += 1 } else { overflowed += 1 }
        }
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return n
    }

    /// When the next frame arrives.
    public var nextDelivery: Instant { head < queue.count ? queue[head].at : .distantFuture }
    public var framesInFlight: Int { queue.count - head }
}
