// SwiftletNet: TCP tunables, per stack (defaults follow the RFCs and common practice; each is cited).

import Swiftlet

public enum CongestionControl: Sendable, Hashable {
    /// RFC 5681 with RFC 6582 fast recovery.
    case newReno
    /// RFC 9438.
    case cubic
    /// BBR v1 (draft-cardwell-iccrg-bbr-congestion-control-00): a model of the path's bandwidth and
    /// round trip, not loss, sets the window and a pacing rate. Needs SACK (its delivery-rate samples
    /// come from the per-segment records); a connection whose peer does not offer SACK uses CUBIC.
    case bbr
}

public struct TCPConfiguration: Sendable {
    /// The MSS we announce: MTU 1500 minus 40 bytes of headers.
    public var maximumSegmentSize = 1460
    /// Bytes the application may queue for sending per connection; `write` waits beyond this.
    public var sendBufferSize = 256 * 1024
    /// Bytes received and not yet read per connection, in order and out of order together.
    public var receiveBufferSize = 256 * 1024
    /// Holes the receiver keeps out-of-order data around (its bytes sit in the receive buffer, so this
    /// caps bookkeeping and per-segment work, not memory); a segment that would open one more is dropped.
    public var maximumOutOfOrderRanges = 32
    /// Nagle's algorithm (RFC 9293 §3.7.4); switch off for request/response traffic.
    public var nagle = true
    public var windowScaling = true
    public var timestamps = true
    public var selectiveAcknowledgments = true
    public var congestionControl = CongestionControl.cubic
    /// With BBR: segments leave at its pacing rate (bursts of at most `pacingBurst` of it), not as fast as
    /// the window allows.
    public var pacing = true
    /// The longest burst pacing lets out at once: the timer's lateness is made up for to this much. (The
    /// hosted run loop waits whole milliseconds, rounded up, so a wake-up may be later than this: the rate
    /// then falls short a little; 2 ms was worse in the 10% loss simulation, 0.48 s against 0.23 s.)
    public var pacingBurst = Duration.milliseconds(1)
    /// RFC 6298 §2.1: 1 s before any RTT sample.
    public var initialRetransmissionTimeout = Duration.seconds(1)
    /// RFC 6298 §2.4 recommends 1 s; Linux and most stacks use 200 ms, which suits modern links.
    public var minimumRetransmissionTimeout = Duration.milliseconds(200)
    public var maximumRetransmissionTimeout = Duration.seconds(60)
    /// Retransmissions of one segment before the connection is abandoned (RFC 1122 §4.2.3.5 "R2").
    public var maximumRetransmissions = 12
    /// Tail loss probes (RFC 8985 §7): after about two round trips without an ACK, send one segment to
    /// draw SACK information instead of waiting for the retransmission timeout.
    public var tailLossProbe = true
    /// F-RTO (RFC 5682 §3): after a first retransmission timeout, send new data and watch the next ACKs;
    /// if data sent before the timeout is still arriving, the timeout was spurious and is undone.
    public var forwardRTORecovery = true
    /// RFC 1122 §4.2.3.2: less than 0.5 s; 40 ms as Linux.
    public var delayedAckTimeout = Duration.milliseconds(40)
    /// TIME-WAIT lasts 2×MSL (RFC 9293 §3.4.2); MSL 30 s as Linux.
    public var maximumSegmentLifetime = Duration.seconds(30)
    /// Keep-alive (RFC 1122 §4.2.3.6): off unless set; probes after this much idle time.
    public var keepAliveIdle: Duration? = nil
    public var keepAliveInterval = Duration.seconds(75)
    public var keepAliveProbes = 9
    /// Connections waiting in SYN-RECEIVED or for `accept`, per listener. When it is full, SYNs are
    /// answered with SYN cookies (`synCookies`) or, without them, the oldest half-open one is evicted.
    public var listenBacklog = 128
    /// RFC 4987 §3.6: with a full backlog, answer SYNs statelessly (the ISN carries a keyed hash, the
    /// MSS, and, in the timestamp, window scale and SACK-permitted, as Linux does).
    public var synCookies = true
    /// SYN-ACK retransmissions before a half-open connection is dropped (Linux tcp_synack_retries: 5,
    /// about 63 s with the doubling from 1 s).
    public var synAckRetries = 5
    /// Give up connecting after this long without a SYN-ACK.
    public var connectTimeout = Duration.seconds(75)
    /// How long a connection the application closed may wait in FIN-WAIT-2 for the peer's FIN (Linux
    /// tcp_fin_timeout). A half-closed connection the application still holds waits for ever.
    public var finWait2Timeout = Duration.seconds(60)
    /// RFC 5482 user timeout (RFC 1122 §4.2.3.5 R2, at least 100 s): a connection with data to send that
    /// makes no progress this long (nothing new acknowledged, a zero window never opened, however many
    /// probes the peer answers) is reset and its buffers freed. nil: never (retransmissions still end
    /// after `maximumRetransmissions`).
    public var userTimeout: Duration? = .seconds(120)
    /// Connections one stack holds at most, in every state; SYNs beyond it are dropped and counted.
    public var maximumConnections = 16_384
    /// The most bytes all TCP buffers and connection records together may hold (`MemoryBudget`). Growth
    /// beyond it is refused: data is dropped for the peer to resend, writes wait, new connections are
    /// refused. Keep it well inside the kernel's heap (kvm: 256 MiB by default).
    public var memoryBudget = 64 * 1024 * 1024

    public init() {}

    /// Takes the settings `--tcp` gave (Swiftlet's TCPTuning), leaving the others as they are.
    public mutating func apply(_ tuning: TCPTuning) {
        switch tuning.congestion {
        case .cubic?: congestionControl = .cubic
        case .bbr?: congestionControl = .bbr
        case .newReno?: congestionControl = .newReno
        case nil: break
        }
        if let b = tuning.bufferBytes { sendBufferSize = b; receiveBufferSize = b }
        if let h = tuning.outOfOrderRanges { maximumOutOfOrderRanges = h }
        if let p = tuning.pacing { pacing = p }
    }
}
