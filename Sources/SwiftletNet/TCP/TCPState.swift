// SwiftletNet: TCP connection states (RFC 9293 §3.3.2).

public enum TCPState: Hashable, Sendable {
    case closed, listen, synSent, synReceived, established, finWait1, finWait2, closeWait, closing, lastAck, timeWait

    /// States after the handshake in which sequence numbers of both sides are known.
    var isSynchronized: Bool {
        switch self {
        case .closed, .listen, .synSent, .synReceived: false
        default: true
        }
    }

    /// States in which the peer may still send us data.
    var acceptsData: Bool { self == .established || self == .finWait1 || self == .finWait2 }

    /// States in which we may still send data.
    var canSend: Bool { self == .established || self == .closeWait }
}

/// Why a connection ended abnormally.
public enum TCPError: Error, Hashable, Sendable {
    /// The peer answered our SYN with RST (nothing listening).
    case refused
    /// The peer reset an established connection.
    case reset
    /// Retransmissions or the connect timeout ran out.
    case timedOut
    /// The application aborted it.
    case aborted
}

extension TCPError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .refused: return "refused"
        case .reset: return "reset by the peer"
        case .timedOut: return "timed out"
        case .aborted: return "aborted"
        }
    }
}
