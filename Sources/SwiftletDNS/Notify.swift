// SwiftletDNS: the NOTIFYs a primary sends its secondaries when its zones load (RFC 1996), sans I/O and
// without a clock: the caller passes the time in, sends what `step(now:)` returns and hands answers to
// `answered(id:from:)`.
//
// One NOTIFY per zone and target (§3.7: opcode NOTIFY, the apex's SOA as question and hint), resent every
// `interval` until the target answers, at most `tries` times (§3.6: retransmitted over UDP until answered or
// too many were sent). An answer counts only when it comes from the address the NOTIFY went to and carries
// its ID (a forged answer would have to guess both). At most `maximumInFlight` NOTIFYs wait for answers at
// once, so the table that answers are matched against stays small however many zones and targets there
// are; the others start as earlier ones finish. IDs come from a full-period generator modulo 2^16, so the
// ones in flight are distinct.

import Swiftlet
import SwiftletWire

/// The NOTIFYs of a set of zones to a set of targets (see the top of the file).
public struct NotifySender: Sendable {
    /// Sends of one NOTIFY at most.
    public static let tries = 5
    /// Time between two sends of one NOTIFY.
    public static let interval = Duration.seconds(2)
    /// NOTIFYs waiting for an answer at once, at most.
    public static let maximumInFlight = 64

    /// What the driver does or logs.
    public enum Event: Equatable, Sendable {
        /// Send this NOTIFY message over UDP.
        case send([UInt8], to: Endpoint)
        /// The NOTIFY of the zone to the target is over.
        case finished(DNSName, Endpoint, Result)
    }

    /// How a NOTIFY ended.
    public enum Result: Equatable, Sendable, CustomStringConvertible {
        /// The target answered.
        case answered
        /// The target answered none of the `tries` sends.
        case unanswered
        /// The NOTIFY could not be built.
        case failed(WireError)

        public var description: String {
            switch self {
            case .answered: return "answered"
            case .unanswered: return "no answer after " + String(NotifySender.tries) + " tries"
            case .failed(let error): return error.description
            }
        }
    }

    private struct InFlight: Sendable {
        let zone: Int
        let target: Endpoint
        let id: UInt16
        var sent: Int
        var nextSend: Instant
        var answered: Bool
    }

    private let zones: [Zone]
    private let targets: [Endpoint]
    /// The next (zone, target) pair to start, as zone * targets.count + target.
    private var started = 0
    private var inFlight: [InFlight] = []
    private var lastID: UInt16

    /// NOTIFYs for every zone to every target; IDs follow `seed`.
    public init(zones: [Zone], targets: [Endpoint], seed: UInt16 = 0x5EED) {
        self.zones = zones
        self.targets = targets
        lastID = seed
    }

    /// Whether every NOTIFY has been answered or given up.
    public var isDone: Bool { inFlight.isEmpty && started >= zones.count * targets.count }

    /// NOTIFYs waiting for an answer now (at most `maximumInFlight`).
    public var inFlightCount: Int { inFlight.count }

    /// When `step` has something to do next (nil when done): the earliest resend, or at once when an
    /// answer is to be reported or a NOTIFY is to start.
    public func wake(now: Instant) -> Instant? {
        if isDone { return nil }
        if inFlight.contains(where: { $0.answered }) || (inFlight.count < Self.maximumInFlight && !allStarted) { return now }
        return inFlight.map { $0.nextSend }.min()
    }

    private var allStarted: Bool { started >= zones.count * targets.count }

    /// What to do at `now`: report answers and give-ups, resend what is due, start new NOTIFYs while
    /// fewer than `maximumInFlight` wait.
    public mutating func step(now: Instant) -> [Event] {
        var events: [Event] = []
        var kept: [InFlight] = []
        for var f in inFlight {
            let apex = zones[f.zone].apex
            if f.answered {
                events.append(.finished(apex, f.target, .answered))
                continue
            }
            if now >= f.nextSend {
                if f.sent >= Self.tries {
                    events.append(.finished(apex, f.target, .unanswered))
                    continue
                }
                let event = send(&f, now: now)
                events.append(event)
                if case .finished = event { continue }
            }
            kept.append(f)
        }
        inFlight = kept
        while inFlight.count < Self.maximumInFlight && !allStarted {
            lastID = ZoneTransfer.nextID(after: lastID)
            var f = InFlight(zone: started / targets.count, target: targets[started % targets.count], id: lastID, sent: 0,
                             nextSend: now, answered: false)
            started += 1
            let event = send(&f, now: now)
            events.append(event)
            if case .finished = event { continue }
            inFlight.append(f)
        }
        return events
    }

    private func send(_ f: inout InFlight, now: Instant) -> Event {
        do throws(WireError) {
            let message = try ZoneTransfer.notify(zones[f.zone], id: f.id)
            f.sent += 1
            f.nextSend = now + Self.interval
            return .send(message, to: f.target)
        } catch {
            return .finished(zones[f.zone].apex, f.target, .failed(error))
        }
    }

    /// A NOTIFY response with `id` came from `address`: true when it answers one of ours (reported at the
    /// next `step`).
    public mutating func answered(id: UInt16, from address: IPAddress) -> Bool {
        guard let i = inFlight.firstIndex(where: { $0.id == id && $0.target.address == address && !$0.answered }) else { return false }
        inFlight[i].answered = true
        return true
    }
}
