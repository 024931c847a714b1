// SwiftletNet: congestion windows for NewReno (RFC 5681 §3.1, RFC 6582) and CUBIC (RFC 9438).
//
// Windows are in bytes. The connection owns loss detection and the recovery point; this type only says
// how the window grows on new acknowledgments and shrinks on a loss. Slow start uses appropriate byte
// counting with L = 2·SMSS (RFC 3465). The initial window is RFC 6928's min(10·MSS, max(2·MSS, 14600)).

import Swiftlet

struct CongestionController {
    let algorithm: CongestionControl
    var mss: Int
    private(set) var window: Int
    private(set) var slowStartThreshold = Int.max
    private var avoidanceCredit = 0            // NewReno: bytes acked toward the next MSS of growth

    // CUBIC state (RFC 9438 §4), in segments.
    private var wMax = 0.0
    private var k = 0.0
    private var epochStart: Instant? = nil
    private var wEstimate = 0.0
    private var cubicCredit = 0.0
    static let beta = 0.7
    static let c = 0.4

    init(algorithm: CongestionControl, mss: Int) {
        self.algorithm = algorithm
        self.mss = mss
        window = min(10 * mss, max(2 * mss, 14600))
    }

    var inSlowStart: Bool { window < slowStartThreshold }

    /// New data acknowledged outside loss recovery.
    mutating func acknowledged(_ bytes: Int, now: Instant, smoothedRTT: Duration?) {
        guard bytes > 0, window < CongestionController.maximumWindow else { return }
        if inSlowStart {
            window += min(bytes, 2 * mss)
            return
        }
        switch algorithm {
        case .newReno:
            avoidanceCredit += bytes
            if avoidanceCredit >= window {
                avoidanceCredit -= window
                window += mss
            }
        case .cubic, .bbr:  // (a BBR connection keeps CUBIC only as its fallback without SACK)
            cubicAvoidance(bytes, now: now, rtt: smoothedRTT ?? .milliseconds(100))
        }
    }

    private mutating func cubicAvoidance(_ bytes: Int, now: Instant, rtt: Duration) {
        let segments = Double(window) / Double(mss)
        if epochStart == nil {
            epochStart = now
            if wMax < segments { wMax = segments; k = 0 } else {
                k = CongestionController.cubeRoot(wMax * (1 - CongestionController.beta) / CongestionController.c)
            }
            wEstimate = segments
        }
        let t = Double((now - epochStart!).nanoseconds + rtt.nanoseconds) / 1e9
        let d = t - k
        var target = CongestionController.c * d * d * d + wMax
        target = max(segments, min(target, 1.5 * segments))
        // Reno-friendly estimate (RFC 9438 §4.3): alpha = 3(1-beta)/(1+beta).
        let acked = Double(bytes) / Double(mss)
        wEstimate += 3 * (1 - CongestionController.beta) / (1 + CongestionController.beta) * acked / segments
        if target < wEstimate { target = wEstimate }
        // Grow by (target - cwnd)/cwnd per acknowledged segment (§4.4).
        cubicCredit += (target - segments) / segments * acked
        if cubicCredit >= 1 {
            let whole = Int(cubicCredit)
            window += whole * mss
            cubicCredit -= Double(whole)
        }
    }

    /// A loss detected by duplicate ACKs or SACK: returns the window to use during recovery.
    mutating func lossDetected(flight: Int) {
        switch algorithm {
        case .newReno:
            slowStartThreshold = max(flight / 2, 2 * mss)
        case .cubic, .bbr:  // (a BBR connection keeps CUBIC only as its fallback without SACK)
            let segments = Double(window) / Double(mss)
            // Fast convergence (§4.7).
            wMax = segments < wMax ? segments * (1 + CongestionController.beta) / 2 : segments
            slowStartThreshold = max(Int(Double(window) * CongestionController.beta), 2 * mss)
            epochStart = nil
            cubicCredit = 0
        }
        window = slowStartThreshold
        avoidanceCredit = 0
    }

    /// The window PRR computes during fast recovery (RFC 6937: cwnd = pipe + sndcnt).
    mutating func setWindow(_ bytes: Int) { window = min(max(bytes, mss), CongestionController.maximumWindow) }

    /// No window grows beyond 1 GiB (far beyond any buffer), so no arithmetic on it can overflow.
    static let maximumWindow = 1 << 30

    /// RFC 6582 §3.2 step 3: inflate by one MSS per duplicate ACK during recovery.
    mutating func inflate() { window += mss }

    /// RFC 6582 §3.2 step 5 partial ACK: deflate by the amount acknowledged, add back one MSS.
    mutating func partialAck(_ bytes: Int) { window = max(window - bytes + mss, mss) }

    /// Leaving recovery on a full ACK (RFC 6582 §3.2 step 6, option 1).
    mutating func recoveryEnded(flight: Int) { window = min(slowStartThreshold, max(flight, 0) + mss) }

    /// Retransmission timeout (RFC 5681 §3.1 eqn. 4; loss window of one segment).
    mutating func timedOut(flight: Int) {
        if algorithm != .newReno {
            let segments = Double(window) / Double(mss)
            wMax = segments
            epochStart = nil
            cubicCredit = 0
            slowStartThreshold = max(Int(Double(window) * CongestionController.beta), 2 * mss)
        } else {
            slowStartThreshold = max(flight / 2, 2 * mss)
        }
        window = mss
        avoidanceCredit = 0
    }

    /// Newton's method: the standard `cbrt` is not available in Embedded Swift.
    static func cubeRoot(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        var r = x > 1 ? x / 3 : 1.0
        for _ in 0..<60 {
            let next = r - (r * r * r - x) / (3 * r * r)
            if abs(next - r) < 1e-9 * r { return next }
            r = next
        }
        return r
    }
}
