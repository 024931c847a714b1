// SwiftletNet: delivery-rate samples for a TCP sender (draft-cheng-iccrg-delivery-rate-estimation-02),
// the input of BBR (BBR.swift). State with no I/O and no clock: times are passed in.
//
// The connection counts every byte delivered (cumulatively acknowledged or SACKed) and when the latest
// was. Each segment, when sent, records those counters (`SentSegment.delivered`, `deliveredAt`,
// `firstSentAt`). When an ACK delivers segments, the one sent last among them gives the sample: the bytes
// delivered between its send and now, over the longer of two intervals: from the send of the segment
// whose delivery it saw at its own send to its own send (the send rate), and from that delivery to now
// (the ACK rate). The longer one keeps ACK compression and bursts from inflating the rate (§3.3). A
// sample over less than the minimum RTT is discarded (ACKs of a stretch can compress into less than
// a round trip). A segment sent while the application had nothing more to send is marked
// application-limited, and so is its sample (a low rate then says nothing of the path, §3.4).

import Swiftlet
import SwiftletWire

/// One ACK's delivery-rate sample.
struct RateSample {
    /// Bytes delivered over `interval`.
    var delivered: Int
    var interval: Duration
    /// The segment it came from was sent while the application was not keeping the window full.
    var applicationLimited: Bool
    /// The connection's delivered count when that segment was sent (for round counting).
    var priorDelivered: UInt32
    /// False when the interval was shorter than the minimum RTT (ACKs compressed): BBR takes nothing from
    /// it, neither bandwidth nor the end of a round.
    var isValid = true

    /// Bytes per second.
    var rate: Int {
        let ns = interval.nanoseconds
        guard ns > 0 else { return 0 }
        return Int(Double(delivered) * 1e9 / Double(ns))
    }
}

struct DeliveryRate {
    /// Bytes delivered so far (wrapping).
    private(set) var delivered: UInt32 = 0
    /// When the latest of them was delivered, and when the segment that delivery belonged to was sent
    /// (microseconds, wrapping).
    private var deliveredAt: UInt32 = 0
    private var firstSentAt: UInt32 = 0
    /// Non-zero while sends are application-limited: the delivered count at which that ends.
    private var applicationLimitedUntil: UInt32 = 0

    /// The sample this ACK is building: the latest-sent segment delivered so far.
    private var candidate: (sent: Instant, end: TCPSequenceNumber, delivered: UInt32, deliveredAt: UInt32, sendElapsed: Int64,
                            applicationLimited: Bool)? = nil

    static func micros(_ t: Instant) -> UInt32 { UInt32(truncatingIfNeeded: t.nanoseconds / 1000) }
    /// `a - b` for two wrapping counters, as a signed distance.
    static func distance(_ a: UInt32, _ b: UInt32) -> Int64 { Int64(Int32(bitPattern: a &- b)) }

    /// The counters a segment sent now records. `idle`: nothing is in flight, so the send and ACK
    /// intervals start afresh (§3.2: after an idle period the first send is the start of both).
    mutating func stamp(_ segment: inout SentSegment, idle: Bool, now: Instant) {
        if idle {
            firstSentAt = DeliveryRate.micros(now)
            deliveredAt = firstSentAt
        }
        segment.delivered = delivered
        segment.deliveredAt = deliveredAt
        segment.firstSentAt = firstSentAt
        if applicationLimitedUntil != 0 { segment.flags |= SentSegment.applicationLimited }
        else { segment.flags &= ~SentSegment.applicationLimited }
    }

    /// `bytes` of segment `r` were delivered by the ACK being processed at `now`.
    mutating func delivered(_ r: SentSegment, bytes: Int, now: Instant) {
        delivered &+= UInt32(truncatingIfNeeded: bytes)
        deliveredAt = DeliveryRate.micros(now)
        if applicationLimitedUntil != 0, DeliveryRate.distance(delivered, applicationLimitedUntil) > 0 {
            applicationLimitedUntil = 0
        }
        // The segment sent last wins (send times are strictly increasing; the sequence breaks a tie), so
        // the order in which the peer lists its SACK blocks makes no difference.
        if let c = candidate, !(r.sent > c.sent || (r.sent == c.sent && r.end > c.end)) { return }
        let sentAt = DeliveryRate.micros(r.sent)
        candidate = (r.sent, r.end, r.delivered, r.deliveredAt, max(0, DeliveryRate.distance(sentAt, r.firstSentAt)),
                     r.has(SentSegment.applicationLimited))
        firstSentAt = sentAt
    }

    /// The sample of the ACK just processed (nil when it delivered nothing; not `isValid` when its
    /// interval was shorter than `minimumRTT`); the next ACK starts a new one.
    mutating func takeSample(minimumRTT: Duration?, now: Instant) -> RateSample? {
        guard let c = candidate else { return nil }
        candidate = nil
        let ackElapsed = max(0, DeliveryRate.distance(DeliveryRate.micros(now), c.deliveredAt))
        let interval = Duration.microseconds(max(c.sendElapsed, ackElapsed))
        let bytes = Int(DeliveryRate.distance(delivered, c.delivered))
        guard bytes > 0 else { return nil }
        let valid = interval > .zero && !(minimumRTT.map { interval < $0 } ?? false)
        return RateSample(delivered: bytes, interval: interval, applicationLimited: c.applicationLimited, priorDelivered: c.delivered,
                          isValid: valid)
    }

    /// The application has no more data to send while `inFlight` bytes are out and the window has room:
    /// samples until those are delivered are application-limited (§3.4).
    mutating func applicationLimited(inFlight: Int) {
        let until = delivered &+ UInt32(truncatingIfNeeded: max(inFlight, 1))
        applicationLimitedUntil = until == 0 ? 1 : until
    }
}
