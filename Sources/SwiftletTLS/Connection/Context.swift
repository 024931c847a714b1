// SwiftletTLS / Connection: what the connections of one server (or one client) share: the configuration,
// the random generator and, for a server, the session-ticket keys; for a client, the sessions it may
// resume. One executor only, as every Swiftlet device: no locks.
//
// Ticket keys rotate every `ticketLifetimeSeconds` of the connection clock (the time each handshake is
// given; this type reads no clock). A ticket opens under the current and the previous key, so one issued
// just before a rotation still lives out its lifetime; older keys are forgotten, so a stolen ticket key
// reveals at most two periods of sessions (RFC 8446 §4.6.1 and Appendix E.1 on ticket forward secrecy).

import Swiftlet
import SwiftletCrypto

/// Shared by every server connection of one service.
public final class TLSServerContext<Random: Entropy>: @unchecked Sendable {
    public let configuration: TLSServerConfiguration
    public let random: Random
    var ticketKeys: TicketKeys
    var nextRotation: Instant?

    public init(configuration: TLSServerConfiguration, random: Random) {
        self.configuration = configuration
        self.random = random
        ticketKeys = TicketKeys(random: random)
    }

    /// The ticket keys, rotated first when their period has passed at `now`.
    func currentTicketKeys(now: Instant) -> TicketKeys {
        let period = Duration.seconds(Int64(configuration.ticketLifetimeSeconds))
        if let due = nextRotation {
            if now >= due {
                ticketKeys.rotate(random: random)
                nextRotation = now + period
            }
        } else {
            nextRotation = now + period
        }
        return ticketKeys
    }
}

/// Shared by every client connection of one application: trust, randomness and resumable sessions.
public final class TLSClientContext<Random: Entropy>: @unchecked Sendable {
    public let configuration: TLSClientConfiguration
    public let random: Random
    /// The most sessions remembered (one per server name; the oldest goes first).
    public static var maximumSessions: Int { 32 }
    var sessions: [TLSSession] = []

    public init(configuration: TLSClientConfiguration, random: Random) {
        self.configuration = configuration
        self.random = random
    }

    /// Remembers `session` for its server name (replacing an older one).
    public func store(_ session: TLSSession) {
        sessions.removeAll { $0.serverName == session.serverName }
        if sessions.count >= Self.maximumSessions { sessions.removeFirst() }
        sessions.append(session)
    }

    /// A session for `serverName` still within its lifetime at `now`, taken out of the cache (a ticket is
    /// used once: RFC 8446 §C.4 asks clients not to reuse one, so that connections cannot be linked).
    public func takeSession(for serverName: [UInt8], now: Instant) -> TLSSession? {
        guard let i = sessions.firstIndex(where: { $0.serverName == serverName }) else { return nil }
        let session = sessions.remove(at: i)
        guard now - session.received < Duration.seconds(Int64(session.lifetimeSeconds)) else { return nil }
        return session
    }
}
