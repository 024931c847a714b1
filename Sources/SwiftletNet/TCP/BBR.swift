// SwiftletNet: BBR congestion control, version 1 (draft-cardwell-iccrg-bbr-congestion-control-00; the
// algorithm Linux's tcp_bbr has run since 4.9), as state with no I/O and no clock: times are passed in.
//
// BBR does not read loss as a sign of congestion. It models the path by two numbers: the bottleneck
// bandwidth, the highest delivery rate sampled (`DeliveryRate`) over the last 10 round trips, and the
// round-trip propagation time, the lowest RTT over the last 10 seconds. Their product is the path's
// bandwidth-delay product (BDP). The sender paces at a gain times the bandwidth and keeps at most a gain
// times the BDP in flight:
//   Startup   pacing and window gain 2/ln 2 (doubling the rate each round) until three rounds in a row
//             raise the bandwidth by less than a quarter (the pipe is full);
//   Drain     pacing gain ln 2/2, until what is in flight is down to one BDP;
//   ProbeBW   window gain 2, pacing gain cycling through 5/4, 3/4 and six times 1, one phase per minimum
//             RTT: probe for more bandwidth, drain the queue that made, cruise;
//   ProbeRTT  when the minimum RTT is 10 s old: 4 segments in flight for 200 ms and a round, to see
//             the empty-queue RTT again.
// ACKs that come in bursts (a peer or a link that holds them and lets them go together: delayed and
// stretch ACKs, a user-space bridge, a virtual NIC's batches) would starve a window of exactly twice the
// BDP between bursts, so the window also holds the most data ACKs delivered beyond what the bandwidth
// estimate expected over an aggregation epoch (the largest over 5 rounds, at most 100 ms of the
// bandwidth), as Linux's BBR has done since 2019 and the later drafts describe.
// In loss recovery the window falls by the bytes newly deemed lost; during the first round of a fast
// recovery it is held at what is in flight plus what was just delivered (packet conservation), and when
// the recovery ends it is back to at least its value before. A retransmission timeout sets it to one
// segment (four, BBR's floor, from the next ACK), from where it grows by what ACKs deliver, and back to at
// least its value before when the recovery ends. So random loss costs only the lost segments,
// not the window: at 5% loss a loss-based controller (CUBIC) keeps a few segments in flight, BBR the BDP.
// Not implemented: v1's long-term bandwidth sampling for token-bucket policers; BBRv2/v3's loss and ECN
// bounds (drafts in progress).

import Swiftlet

/// A connection's BBR, out of line: a connection that does not use BBR carries 8 bytes for it, not its 250,
/// in a struct the stack copies (callgrind of tcp-memory: +11M instructions of memcpy inline).
final class BBRBox {
    @exclusivity(unchecked) var model: BBR
    init(_ model: BBR) { self.model = model }
}

struct BBR {
    enum Mode: Equatable { case startup, drain, probeBandwidth, probeRTT }

    private(set) var mode = Mode.startup
    var mss: Int
    /// The congestion window, bytes.
    private(set) var window: Int
    /// The pacing rate, bytes per second (0: none yet).
    private(set) var pacingRate = 0
    private(set) var pacingGain = BBR.highGain
    private var windowGain = BBR.highGain

    /// The bottleneck bandwidth estimate (bytes per second) and its round-trip window.
    private var bandwidthFilter = WindowedMaximum()
    var bandwidth: Int { bandwidthFilter.best }
    /// The round-trip propagation time estimate and when it was last lowered or refreshed.
    private(set) var minimumRTT: Duration? = nil
    private var minimumRTTStamp = Instant.zero

    /// Round trips, counted by delivery: a round ends when a segment sent after it began is delivered.
    private(set) var rounds = 0
    private var nextRoundDelivered: UInt32 = 0
    private var roundStart = false

    // Startup: the plateau detector.
    private var fullBandwidth = 0
    private var fullBandwidthRounds = 0
    private(set) var filledPipe = false

    // ProbeBW: the gain cycle.
    private var cycleIndex = 0
    private var cycleStamp = Instant.zero

    // ProbeRTT.
    private var probeRTTDone: Instant? = nil
    private var probeRTTRoundDone = false

    // ACK aggregation: the current epoch (since when ACKs have delivered more than the estimate
    // expected, and how much), and the most extra seen over the last rounds.
    private var aggregationEpochStart = Instant.zero
    private var aggregationEpochBytes = 0
    private var extraAcknowledged = WindowedMaximum()

    // Loss recovery.
    private var inRecovery = false
    private var packetConservation = false
    private var priorWindow = 0

    static let highGain = 2.885  // 2/ln 2: the smallest gain that doubles the delivery rate each round
    static let drainGain = 1 / 2.885
    static let probeBandwidthWindowGain = 2.0
    /// ProbeBW's pacing gains, phase by phase: probe, drain, then six phases cruising.
    static let cyclePhases = 8
    static func cycleGain(_ phase: Int) -> Double { phase == 0 ? 1.25 : phase == 1 ? 0.75 : 1 }
    static let bandwidthWindowRounds = 10
    static let minimumRTTWindow = Duration.seconds(10)
    static let probeRTTDuration = Duration.milliseconds(200)
    static let minimumWindowSegments = 4
    static let aggregationWindowRounds = 5
    static let aggregationMaximum = Duration.milliseconds(100)
    /// Pacing runs 1% below the estimate, so that a queue the estimate built drains.
    static let pacingMargin = 0.99

    init(mss: Int, initialWindow: Int) {
        self.mss = mss
        window = initialWindow
        updatePacingRate(smoothedRTT: nil)
    }

    var minimumWindow: Int { BBR.minimumWindowSegments * mss }

    /// Everything one ACK taught: its rate sample (nil if none), the connection's delivered count now, the
    /// bytes it delivered and those newly deemed lost, the bytes in flight after it, whether the connection
    /// is in loss recovery, an RTT sample, and the smoothed RTT (for the first pacing rate).
    mutating func acknowledged(sample: RateSample?, delivered: UInt32, newlyDelivered: Int, newlyLost: Int,
                               inFlight: Int, inRecovery recovering: Bool, rtt: Duration?, smoothedRTT: Duration?, now: Instant) {
        // Round counting, from valid samples only (as Linux's bbr_update_bw: a sample over less than the
        // minimum RTT says nothing).
        roundStart = false
        if let s = sample, s.isValid, DeliveryRate.distance(s.priorDelivered, nextRoundDelivered) >= 0 {
            nextRoundDelivered = delivered
            rounds += 1
            roundStart = true
            packetConservation = false
        }
        // The bandwidth: an application-limited sample counts only if it is higher than the estimate.
        if let s = sample, s.isValid {
            let rate = s.rate
            if !s.applicationLimited || rate >= bandwidth {
                bandwidthFilter.update(rate, round: rounds, window: BBR.bandwidthWindowRounds)
            }
        }
        if sample?.isValid == true { updateAggregation(newlyDelivered: newlyDelivered, now: now) }
        // (What was in flight before this ACK decides the phase, as in Linux.)
        if mode == .probeBandwidth, nextPhaseDue(newlyLost: newlyLost, inFlight: inFlight + newlyDelivered, now: now) {
            cycleIndex = (cycleIndex + 1) % BBR.cyclePhases
            cycleStamp = now
            pacingGain = BBR.cycleGain(cycleIndex)
        }
        // Startup ends when three rounds in a row grew the bandwidth by less than a quarter.
        if !filledPipe, roundStart, let s = sample, s.isValid, !s.applicationLimited {
            if Double(bandwidth) >= Double(fullBandwidth) * 1.25 {
                fullBandwidth = bandwidth
                fullBandwidthRounds = 0
            } else {
                fullBandwidthRounds += 1
                if fullBandwidthRounds >= 3 { filledPipe = true }
            }
        }
        if mode == .startup, filledPipe {
            mode = .drain
            pacingGain = BBR.drainGain
            windowGain = BBR.highGain
        }
        if mode == .drain, inFlight <= inflight(gain: 1) { enterProbeBandwidth(now: now) }
        // (Send times may lie a few nanoseconds ahead of the clock: an RTT is at least 1 us.)
        updateMinimumRTT(rtt.map { max($0, .microseconds(1)) }, delivered: delivered, inFlight: inFlight, now: now)
        updatePacingRate(smoothedRTT: smoothedRTT)
        // Loss recovery began or ended (fast recovery here; a timeout calls `timedOut` at once).
        if recovering != inRecovery {
            if recovering {
                priorWindow = savedWindow
                inRecovery = true
                packetConservation = true
                nextRoundDelivered = delivered  // conservation for one round
                window = max(inFlight + newlyDelivered, mss)
            } else {
                inRecovery = false
                packetConservation = false
                window = max(window, priorWindow)
            }
        }
        updateWindow(newlyDelivered: newlyDelivered, newlyLost: newlyLost, inFlight: inFlight, delivered: delivered)
    }

    /// A retransmission timeout: the window is one segment, and grows back by what ACKs deliver; the
    /// plateau detector starts over.
    mutating func timedOut() {
        priorWindow = savedWindow
        inRecovery = true
        packetConservation = false
        fullBandwidth = 0
        fullBandwidthRounds = 0
        window = mss
    }

    /// The window to restore after a recovery: the one before it (in ProbeRTT, the larger of the two).
    private var savedWindow: Int {
        !inRecovery && mode != .probeRTT ? window : max(priorWindow, window)
    }

    /// `gain` times the estimated BDP, or the window before any estimate.
    func inflight(gain: Double) -> Int {
        guard let m = minimumRTT, bandwidth > 0 else { return max(window, minimumWindow) }
        let bdp = Double(bandwidth) * Double(m.nanoseconds) / 1e9
        return Int(gain * bdp)
    }

    /// How far the ACKs of the current epoch ran ahead of the bandwidth estimate; a new epoch starts
    /// whenever they fell behind it (or ran a megabyte ahead, so the sum stays small).
    private mutating func updateAggregation(newlyDelivered: Int, now: Instant) {
        guard bandwidth > 0, newlyDelivered > 0 else { return }
        let elapsed = now - aggregationEpochStart
        var expected = elapsed > .seconds(1) ? Int.max : Int(Double(bandwidth) * Double(elapsed.nanoseconds) / 1e9)
        if aggregationEpochBytes <= expected || aggregationEpochBytes + newlyDelivered >= 1 << 20 {
            aggregationEpochStart = now
            aggregationEpochBytes = 0
            expected = 0
        }
        aggregationEpochBytes += newlyDelivered
        let extra = min(aggregationEpochBytes - expected, window)
        extraAcknowledged.update(extra, round: rounds, window: BBR.aggregationWindowRounds)
    }

    /// The window's allowance for ACK aggregation (once the pipe is full: in Startup the gain covers it).
    var aggregationAllowance: Int {
        guard filledPipe else { return 0 }
        let cap = Int(Double(bandwidth) * Double(BBR.aggregationMaximum.nanoseconds) / 1e9)
        return min(extraAcknowledged.best, cap)
    }

    private mutating func enterProbeBandwidth(now: Instant) {
        mode = .probeBandwidth
        windowGain = BBR.probeBandwidthWindowGain
        // Start in a cruising phase, not the draining one, at a place that varies between connections.
        cycleIndex = 2 + rounds % 6
        cycleStamp = now
        pacingGain = BBR.cycleGain(cycleIndex)
    }

    private func nextPhaseDue(newlyLost: Int, inFlight: Int, now: Instant) -> Bool {
        let fullLength = minimumRTT.map { now - cycleStamp > $0 } ?? true
        if pacingGain == 1 { return fullLength }
        if pacingGain > 1 { return fullLength && (newlyLost > 0 || inFlight >= inflight(gain: pacingGain)) }
        return fullLength || inFlight <= inflight(gain: 1)
    }

    private mutating func updateMinimumRTT(_ rtt: Duration?, delivered: UInt32, inFlight: Int, now: Instant) {
        let expired = minimumRTT != nil && now > minimumRTTStamp + BBR.minimumRTTWindow
        if let rtt, minimumRTT == nil || rtt <= minimumRTT! || expired {
            minimumRTT = rtt
            minimumRTTStamp = now
        }
        if expired, mode != .probeRTT {
            priorWindow = savedWindow
            mode = .probeRTT
            pacingGain = 1
            windowGain = 1
            probeRTTDone = nil
        }
        guard mode == .probeRTT else { return }
        if probeRTTDone == nil {
            if inFlight <= minimumWindow {
                probeRTTDone = now + BBR.probeRTTDuration
                probeRTTRoundDone = false
                nextRoundDelivered = delivered
            }
        } else {
            if roundStart { probeRTTRoundDone = true }
            if probeRTTRoundDone, now >= probeRTTDone! {
                minimumRTTStamp = now
                window = max(window, priorWindow)
                if filledPipe { enterProbeBandwidth(now: now) } else {
                    mode = .startup
                    pacingGain = BBR.highGain
                    windowGain = BBR.highGain
                }
            }
        }
    }

    private mutating func updatePacingRate(smoothedRTT: Duration?) {
        if bandwidth == 0 {
            // Before any sample: the initial window over the smoothed RTT (1 ms without one), at the gain.
            let rtt = max(smoothedRTT ?? .milliseconds(1), .microseconds(10))
            pacingRate = Int(pacingGain * Double(window) * 1e9 / Double(rtt.nanoseconds))
            return
        }
        let rate = Int(pacingGain * Double(bandwidth) * BBR.pacingMargin)
        // Until the pipe is full the rate only grows: a low early sample must not slow the start.
        if filledPipe || rate > pacingRate { pacingRate = rate }
    }

    private mutating func updateWindow(newlyDelivered: Int, newlyLost: Int, inFlight: Int, delivered: UInt32) {
        var target = inflight(gain: windowGain) + 3 * mss + aggregationAllowance
        if mode == .probeBandwidth, cycleIndex == 0 { target += 2 * mss }
        if inRecovery, newlyLost > 0 { window = max(window - newlyLost, mss) }
        if packetConservation {
            window = max(window, inFlight + newlyDelivered)
        } else if filledPipe {
            window = min(window + newlyDelivered, target)
        } else if window < target || Int(delivered) < 10 * mss {
            window += newlyDelivered
        }
        window = min(max(window, minimumWindow), CongestionController.maximumWindow)
        if mode == .probeRTT { window = min(window, minimumWindow) }
    }
}

/// The largest value seen over a window of rounds, kept as three samples (the best, and the best of
/// the later parts of the window) so that the maximum can age out without storing every round's
/// (Kathleen Nichols' windowed min/max filter, as the BBR draft describes).
struct WindowedMaximum {
    typealias Sample = (value: Int, round: Int)
    private var first: Sample = (0, 0)
    private var second: Sample = (0, 0)
    private var third: Sample = (0, 0)

    var best: Int { first.value }

    mutating func update(_ value: Int, round: Int, window: Int) {
        let fresh: Sample = (value, round)
        // A new best, or nothing left inside the window: start over from this sample.
        if value >= first.value || round - third.round > window {
            first = fresh; second = fresh; third = fresh
            return
        }
        if value >= second.value {
            second = fresh; third = fresh
        } else if value >= third.value {
            third = fresh
        }
        if round - first.round > window {
            // The best left the window: the second takes its place, the third the second's.
            first = second; second = third; third = fresh
            if round - first.round > window { first = second; second = third }
        } else if second.round == first.round, round - first.round > window / 4 {
            // A quarter of the window passed with no second-best: take one from what comes now.
            second = fresh; third = fresh
        } else if third.round == second.round, round - second.round > window / 2 {
            third = fresh
        }
    }
}
