// SwiftletNet: Proportional Rate Reduction (RFC 6937 §3), the congestion window during fast recovery, as
// state with no I/O.
//
// Instead of halting until the pipe falls below ssthresh and then bursting (RFC 6675) or inflating the
// window (RFC 6582), PRR lets out data in proportion to what the peer delivers: ssthresh/RecoverFS of each
// delivered byte while the pipe is above ssthresh, then (slow-start reduction bound, PRR-SSRB) up to what
// was delivered plus one segment until the pipe reaches ssthresh. Bytes, rounded up to whole segments.

struct PRR {
    /// Bytes outstanding when recovery began (RecoverFS).
    let recoverFlightSize: Int
    /// Bytes the peer delivered during this recovery (prr_delivered) and bytes sent during it (prr_out).
    private(set) var delivered = 0
    private(set) var sent = 0

    init(flightSize: Int) { recoverFlightSize = max(flightSize, 1) }

    mutating func noteSent(_ bytes: Int) { sent += bytes }

    /// RFC 6937 §3 on an ACK that delivered `deliveredNow` bytes: the bytes that may be sent now (sndcnt),
    /// given the pipe after the ACK. The first ACK of a recovery always lets one segment out (the fast
    /// retransmission).
    mutating func allowance(deliveredNow: Int, pipe: Int, slowStartThreshold: Int, mss: Int) -> Int {
        delivered += deliveredNow
        var count: Int
        if pipe > slowStartThreshold {
            // ceil(prr_delivered * ssthresh / RecoverFS) - prr_out
            let proportional = (delivered * slowStartThreshold + recoverFlightSize - 1) / recoverFlightSize
            count = proportional - sent
        } else {
            let limit = max(delivered - sent, deliveredNow) + mss
            count = min(slowStartThreshold - pipe, limit)
        }
        if sent == 0 { count = max(count, mss) }
        guard count > 0 else { return 0 }
        return (count + mss - 1) / mss * mss
    }
}
