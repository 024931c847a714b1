// SwiftletNet: the retransmission timeout estimator (RFC 6298), with Karn's rule applied by the caller
// (only unambiguous samples: timestamps, or a segment never retransmitted).

import Swiftlet

struct RetransmissionTimer {
    private(set) var smoothed: Duration? = nil      // SRTT
    private(set) var variation = Duration.zero      // RTTVAR
    private(set) var timeout: Duration              // RTO before backoff
    private(set) var backoff = 0
    let minimum: Duration
    let maximum: Duration

    init(initial: Duration, minimum: Duration, maximum: Duration) {
        timeout = initial
        self.minimum = minimum
        self.maximum = maximum
    }

    /// RFC 6298 §2.2 and §2.3 (alpha 1/8, beta 1/4, K 4, clock granularity 1 ms).
    mutating func sample(_ rtt: Duration) {
        let r = max(rtt, .microseconds(1))
        if let srtt = smoothed {
            let delta = srtt > r ? srtt - r : r - srtt
            variation = (variation * 3 + delta) / 4
            smoothed = (srtt * 7 + r) / 8
        } else {
            smoothed = r
            variation = r / 2
        }
        let candidate = smoothed! + max(.milliseconds(1), variation * 4)
        timeout = min(max(candidate, minimum), maximum)
        backoff = 0
    }

    /// The current timeout including exponential backoff (RFC 6298 §5.5), capped at the maximum.
    var current: Duration {
        var t = timeout
        for _ in 0..<min(backoff, 16) { t = t * 2; if t >= maximum { return maximum } }
        return t
    }

    mutating func backOff() { backoff += 1 }
    mutating func resetBackoff() { backoff = 0 }
}
