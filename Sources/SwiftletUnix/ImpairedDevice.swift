// SwiftletUnix: a fault-injecting wrapper around a network device (`swiftlet run --impair ...`).
//
// This kernel has no netem, so the faults a service must survive are made here, in both directions:
// loss, duplication, delay and reordering (a reordered frame is held back an extra `reorderDelay`, so
// frames sent after it overtake it). Held frames wait in bounded queues (`queueLimit`; beyond it they
// are dropped and counted) and are released on the run loop's turns, which `nextDeadline` schedules.
// The decisions come from a seeded generator, so a failing run can be repeated with the same seed.

import Swiftlet

/// What to do to frames; percentages are per frame and per direction.
public struct Impairment: Equatable, Sendable, CustomStringConvertible {
    public var lossPercent = 0.0
    public var duplicatePercent = 0.0
    public var reorderPercent = 0.0
    public var delay = Duration.zero
    /// How much longer a reordered frame is held (default: 1 ms more than `delay`).
    public var reorderDelay = Duration.milliseconds(1)
    public var seed: UInt64 = 1
    public var queueLimit = 4096

    public init() {}

    public var isActive: Bool {
        lossPercent > 0 || duplicatePercent > 0 || reorderPercent > 0 || delay > .zero
    }

    /// Parses `loss=5%,reorder=25%,duplicate=1%,delay=1ms,seed=7` (the `%` is optional; durations take
    /// `ns`, `us`, `ms` or `s`). Returns a message naming the bad part on error.
    public static func parse(_ text: String) -> Result<Impairment, ImpairmentSyntaxError> {
        var i = Impairment()
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return .failure(ImpairmentSyntaxError(part: String(part))) }
            let (key, value) = (kv[0], kv[1])
            switch key {
            case "loss", "duplicate", "dup", "reorder":
                let number = value.hasSuffix("%") ? String(value.dropLast()) : value
                guard let p = Double(number), p >= 0, p <= 100 else { return .failure(ImpairmentSyntaxError(part: String(part))) }
                if key == "loss" { i.lossPercent = p } else if key == "reorder" { i.reorderPercent = p } else { i.duplicatePercent = p }
            case "delay", "reorder-delay":
                guard let d = parseDuration(value) else { return .failure(ImpairmentSyntaxError(part: String(part))) }
                if key == "delay" { i.delay = d } else { i.reorderDelay = d }
            case "seed":
                guard let s = UInt64(value) else { return .failure(ImpairmentSyntaxError(part: String(part))) }
                i.seed = s
            default:
                return .failure(ImpairmentSyntaxError(part: String(part)))
            }
        }
        return .success(i)
    }

    static func parseDuration(_ text: String) -> Duration? {
        for (suffix, scale) in [("ns", Int64(1)), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)] where text.hasSuffix(suffix) {
            guard let n = Int64(text.dropLast(suffix.count)), n >= 0 else { return nil }
            return .nanoseconds(n * scale)
        }
        return nil
    }

    public var description: String {
        "loss=\(lossPercent)%,duplicate=\(duplicatePercent)%,reorder=\(reorderPercent)%,delay=\(delay),seed=\(seed)"
    }
}

public struct ImpairmentSyntaxError: Error, CustomStringConvertible {
    public let part: String
    public var description: String {
        "bad --impair part '\(part)': expected loss=P%, duplicate=P%, reorder=P%, delay=D, reorder-delay=D or seed=N (D like 1ms)"
    }
}

public final class ImpairedDevice<Base: NetworkDevice>: NetworkDevice {
    public let base: Base
    public let impairment: Impairment
    let clock: () -> Instant
    private var random: UInt64
    private struct Held {
        let due: Instant
        let frame: PacketBuffer
    }
    private var outgoing: [Held] = []
    private var incoming: [Held] = []
    private var released: [PacketBuffer] = []

    public struct Counters: Sendable {
        public var dropped = 0, duplicated = 0, reordered = 0, overflowed = 0
    }
    public private(set) var counters = Counters()

    public init(_ base: Base, impairment: Impairment, clock: @escaping () -> Instant) {
        self.base = base
        self.impairment = impairment
        self.clock = clock
        self.random = impairment.seed == 0 ? 0x9E37_79B9_7F4A_7C15 : impairment.seed
    }

    public var macAddress: MACAddress { base.macAddress }
    public var mtu: Int { base.mtu }
    public var headroom: Int { base.headroom }

    /// splitmix64: a seeded, well-mixed sequence.
    private func next() -> UInt64 {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func chance(_ percent: Double) -> Bool {
        percent > 0 && Double(next() >> 11) / Double(1 << 53) * 100 < percent
    }

    /// The fate of one frame: no copies (lost), one or two, each with the time it may pass.
    private func decide(now: Instant) -> [Instant] {
        if chance(impairment.lossPercent) { counters.dropped += 1; return [] }
        var copies = [now + impairment.delay]
        if chance(impairment.reorderPercent) {
            counters.reordered += 1
            copies[0] = copies[0] + impairment.reorderDelay
        }
        if chance(impairment.duplicatePercent) {
            counters.duplicated += 1
            copies.append(now + impairment.delay)
        }
        return copies
    }

    private func hold(_ frame: PacketBuffer, until due: Instant, in queue: inout [Held]) {
        guard queue.count < impairment.queueLimit else { counters.overflowed += 1; return }
        let index = queue.lastIndex { $0.due <= due }.map { $0 + 1 } ?? 0
        queue.insert(Held(due: due, frame: frame), at: index)
    }

    public func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {
        guard impairment.isActive else { return try base.transmit(frame) }
        let now = clock()
        for due in decide(now: now) {
            if due <= now && outgoing.isEmpty {
                try? base.transmit(frame)
            } else {
                hold(PacketBuffer(bytes: frame.array), until: due, in: &outgoing)
            }
        }
        flushOutgoing(now: now)
    }

    private func flushOutgoing(now: Instant) {
        var n = 0
        while n < outgoing.count && outgoing[n].due <= now { try? base.transmit(outgoing[n].frame); n += 1 }
        if n > 0 { outgoing.removeFirst(n) }
    }

    public func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int {
        guard impairment.isActive else { return try base.receive(limit: limit, handler) }
        let now = clock()
        flushOutgoing(now: now)
        let taken = try base.receive(limit: limit) { frame in
            for due in decide(now: now) {
                if due <= now { released.append(PacketBuffer(bytes: frame.array)) } else { hold(PacketBuffer(bytes: frame.array), until: due, in: &incoming) }
            }
        }
        var n = 0
        while n < incoming.count && incoming[n].due <= now { released.append(incoming[n].frame); n += 1 }
        if n > 0 { incoming.removeFirst(n) }
        let ready = released
        released.removeAll(keepingCapacity: true)
        for f in ready { handler(f) }
        return taken
    }

    public var nextDeadline: Instant {
        min(outgoing.first?.due ?? .distantFuture, incoming.first?.due ?? .distantFuture)
    }
}
