// SwiftletDNS: a secondary zone's timers and its exchanges with the primary, sans I/O and without a clock:
// the caller passes the time in, runs what `SecondaryZone.next(now:)` asks for, and feeds the outcome back.
//
// `SecondaryZone` follows RFC 1034 §4.3.5: until the zone has loaded it is transferred (AXFR) every
// `firstRetry`; once loaded, the primary's SOA serial is asked for every refresh interval of the zone's SOA,
// a transfer follows at once when that serial is newer than ours (RFC 1982 order, so it wraps), a failed
// check or transfer is tried again after the retry interval, and when no check has succeeded for the expire
// interval the zone is dropped and loading starts over. A NOTIFY from the primary (RFC 1996 §3.10, §4.7)
// starts a check at once, but no sooner than `notifyHoldoff` after the last exchange ended, so a flood of
// (spoofable) NOTIFYs costs the primary at most one SOA query per holdoff. The SOA's timers are clamped
// (`Timers`) so that a primary cannot make us query it in a tight loop nor keep a zone past half a year.
//
// `PrimaryExchange` is one TCP exchange with the primary (a SOA query or an AXFR): the query to write, the
// bytes read fed back one read at a time, checked by `AXFRReceiver` / `ZoneTransfer.serial(inAnswer:)`, and
// two bounds besides the record count: a deadline for the whole exchange (`checkDeadline`,
// `transferDeadline`) and the bytes it may bring (`maximumCheckBytes`, `maximumTransferBytes`). Every
// failure is a `TransferError`; the zone served before stays in place.

import Swiftlet
import SwiftletWire

/// One secondary zone's refresh state (RFC 1034 §4.3.5). See the top of the file.
public struct SecondaryZone: Sendable {
    /// What the driver does next.
    public enum Action: Equatable, Sendable {
        /// Ask the primary for the zone's SOA serial (a `PrimaryExchange(checking:)`).
        case checkSerial
        /// Transfer the whole zone (a `PrimaryExchange(transferring:)`).
        case transfer
        /// Stop serving the zone: no check succeeded for the expire interval. Loading starts over.
        case expire
    }

    /// The refresh, retry and expire intervals in force, from the zone's SOA, clamped.
    public struct Timers: Equatable, Sendable {
        public let refresh: Duration
        public let retry: Duration
        public let expire: Duration

        /// Before the zone has loaded: a transfer every `firstRetry`, nothing to expire.
        public static let initial = Timers(refresh: firstRetry, retry: firstRetry, expire: .max)

        init(refresh: Duration, retry: Duration, expire: Duration) {
            self.refresh = refresh; self.retry = retry; self.expire = expire
        }

        /// The SOA's intervals (seconds) clamped: refresh to `minimumRefresh...maximumRefresh`, retry to
        /// `minimumRetry...maximumRetry`, expire to at least refresh + retry (so that a check and a retry
        /// come before the zone goes) and at most `maximumExpire`.
        public init(_ soa: DNSSOA) {
            refresh = Self.clamp(soa.refresh, SecondaryZone.minimumRefresh, SecondaryZone.maximumRefresh)
            retry = Self.clamp(soa.retry, SecondaryZone.minimumRetry, SecondaryZone.maximumRetry)
            expire = Self.clamp(soa.expire, refresh + retry, SecondaryZone.maximumExpire)
        }

        static func clamp(_ seconds: UInt32, _ low: Duration, _ high: Duration) -> Duration {
            min(max(Duration.seconds(Int64(seconds)), low), high)
        }
    }

    /// Before the first load (and after an expiry): a transfer tried every 5 s.
    public static let firstRetry = Duration.seconds(5)
    /// Refresh intervals below this are raised to it: a primary cannot make us ask more than every 5 s.
    public static let minimumRefresh = Duration.seconds(5)
    /// Refresh intervals above 4 weeks are lowered to it (NSD's and BIND's default ceiling).
    public static let maximumRefresh = Duration.seconds(2_419_200)
    /// Retry intervals below this are raised to it.
    public static let minimumRetry = Duration.seconds(5)
    /// Retry intervals above 2 weeks are lowered to it.
    public static let maximumRetry = Duration.seconds(1_209_600)
    /// Expire intervals above 24 weeks are lowered to it: stale data is not served for longer.
    public static let maximumExpire = Duration.seconds(14_515_200)
    /// A NOTIFY starts a check no sooner than this after the last exchange with the primary ended.
    public static let notifyHoldoff = Duration.seconds(2)

    public let apex: DNSName
    public let primary: Endpoint
    /// The serial of the zone served, nil before it has loaded and after it expired.
    public private(set) var serial: UInt32? = nil
    public private(set) var timers = Timers.initial
    /// When the next check (or, before the first load, transfer) is due.
    public private(set) var nextAttempt: Instant = .zero
    /// When the zone expires unless a check succeeds first; nil while nothing is loaded.
    public private(set) var expiresAt: Instant? = nil
    /// A NOTIFY came and no exchange has started since.
    public private(set) var isNotified = false
    /// The last check found a newer serial: the transfer is due at once.
    private var newerSerial = false
    private var lastExchangeEnded: Instant? = nil

    /// A zone not loaded yet: its first transfer is due at once.
    public init(apex: DNSName, primary: Endpoint) {
        self.apex = apex
        self.primary = primary
    }

    /// What is due at `now`, if anything (this changes nothing; `next(now:)` takes it).
    public func due(now: Instant) -> Action? {
        if let expiresAt, now >= expiresAt { return .expire }
        let notifiedNow = isNotified && (lastExchangeEnded.map { now >= $0 + Self.notifyHoldoff } ?? true)
        guard serial != nil else { return notifiedNow || now >= nextAttempt ? .transfer : nil }
        if newerSerial { return .transfer }
        return notifiedNow || now >= nextAttempt ? .checkSerial : nil
    }

    /// Takes what is due at `now`: a check or transfer to run now (a NOTIFY that comes while it runs
    /// asks for another), or the expiry (the zone is forgotten and loading starts over at the next attempt).
    public mutating func next(now: Instant) -> Action? {
        let action = due(now: now)
        switch action {
        case .checkSerial, .transfer: isNotified = false
        case .expire:
            serial = nil
            timers = .initial
            expiresAt = nil
            newerSerial = false
        case nil: break
        }
        return action
    }

    /// The primary sent a NOTIFY for the zone (RFC 1996 §4.7): check at once.
    public mutating func notified() { isNotified = true }

    /// A check found the primary's serial `primarySerial` at `now`. Newer than ours (RFC 1982): the transfer
    /// is due at once. Otherwise the zone is current: the next check is a refresh interval away and
    /// expiry restarts. Returns whether the zone is current.
    @discardableResult
    public mutating func checked(serial primarySerial: UInt32, now: Instant) -> Bool {
        lastExchangeEnded = now
        if let serial, !ZoneTransfer.serial(serial, isBefore: primarySerial) {
            nextAttempt = now + timers.refresh
            expiresAt = now + timers.expire
            return true
        }
        newerSerial = true
        return false
    }

    /// The zone with `soa` was transferred and is served from `now`: its timers are the SOA's, clamped.
    public mutating func loaded(soa: DNSSOA, now: Instant) {
        lastExchangeEnded = now
        serial = soa.serial
        timers = Timers(soa)
        nextAttempt = now + timers.refresh
        expiresAt = now + timers.expire
        newerSerial = false
    }

    /// A check or transfer failed at `now`: try again after the retry interval (`firstRetry` before the
    /// first load). Expiry is not put off.
    public mutating func failed(now: Instant) {
        lastExchangeEnded = now
        newerSerial = false
        nextAttempt = now + timers.retry
    }

    /// What an exchange came to, for the driver to act on and log.
    public enum Outcome: Sendable {
        /// The primary's serial is ours (or older): nothing to do.
        case current(serial: UInt32)
        /// The primary's serial is newer: a transfer is due.
        case newer(serial: UInt32)
        /// A transfer brought this zone (`records` records): serve it in place of the old one.
        case loaded(Zone, records: Int)
        /// The check or transfer failed, or the zone it brought does not load; the old zone stays.
        case failed(TransferError)
    }

    /// Feeds a finished `exchange` in at `now` (the events above) and says what it came to.
    public mutating func finish(_ exchange: PrimaryExchange, now: Instant) -> Outcome {
        switch exchange.state {
        case .serial(let s):
            return checked(serial: s, now: now) ? .current(serial: s) : .newer(serial: s)
        case .records(let records):
            let zone: Zone
            do throws(ZoneLoadError) { zone = try Zone(records: records) } catch {
                failed(now: now)
                return .failed(TransferError("the transferred zone does not load: " + error.description))
            }
            guard case .soa(let soa) = zone.soa.data else {
                failed(now: now)
                return .failed(TransferError("the transferred zone has no SOA"))
            }
            loaded(soa: soa, now: now)
            return .loaded(zone, records: records.count)
        case .failed(let error):
            failed(now: now)
            return .failed(error)
        case .running:
            failed(now: now)
            return .failed(TransferError("the exchange with the primary did not finish"))
        }
    }
}

/// One TCP exchange with a primary: a SOA query or an AXFR (see the top of the file). The driver connects,
/// writes `query`, and reads with `timeout(now:)` giving each read to `receive(_:now:)` until it returns
/// true; a network error goes to `failed(_:now:)`.
public struct PrimaryExchange: Sendable {
    /// How long one read (or the write of the query) may wait.
    public static let readTimeout = Duration.seconds(10)
    /// The most a SOA check may take, from the start of the connection to the answer.
    public static let checkDeadline = Duration.seconds(30)
    /// The most a whole transfer may take, however steadily the primary trickles it out.
    public static let transferDeadline = Duration.seconds(600)
    /// The bytes a SOA check may read: one message and its length.
    public static let maximumCheckBytes = 2 + 65_535
    /// The bytes a transfer may read in all (about the wire size of a zone file's `maximumRecords`).
    public static let maximumTransferBytes = 64 << 20
    /// The most one read asks for: one whole message and its length.
    public static let readSize = 2 + 65_535

    public enum State: Sendable {
        case running
        /// The primary's SOA serial (a check).
        case serial(UInt32)
        /// The zone's records, the SOA first (a transfer).
        case records([DNSRecord])
        case failed(TransferError)
    }

    public let action: SecondaryZone.Action
    public let apex: DNSName
    /// The query, framed for TCP (RFC 1035 §4.2.2).
    public let query: [UInt8]
    /// How long the whole exchange may take, and when it fails if it has not finished.
    public let allowed: Duration
    public let deadline: Instant
    /// The most bytes it may read.
    public let maximumBytes: Int
    public private(set) var state: State = .running
    public private(set) var bytesReceived = 0
    private var framer = DNSStreamFramer()
    private var receiver: AXFRReceiver

    /// The exchange for `action` (`.checkSerial` or `.transfer`; `.expire` is no exchange and fails at
    /// once) on `apex`, with message ID `id`, starting at `now`.
    public init(_ action: SecondaryZone.Action, apex: DNSName, id: UInt16, now: Instant,
                deadline: Duration? = nil, maximumBytes: Int? = nil, maximumRecords: Int = ZoneTransfer.maximumRecords) {
        self.action = action
        self.apex = apex
        let isTransfer = action == .transfer
        allowed = deadline ?? (isTransfer ? Self.transferDeadline : Self.checkDeadline)
        self.deadline = now + allowed
        self.maximumBytes = maximumBytes ?? (isTransfer ? Self.maximumTransferBytes : Self.maximumCheckBytes)
        receiver = AXFRReceiver(apex: apex, id: id, maximumRecords: maximumRecords)
        var query: [UInt8] = []
        if action == .expire {
            state = .failed(TransferError("expiry is not an exchange"))
        } else {
            do throws(WireError) {
                query = DNSStreamFramer.frame(try ZoneTransfer.query(apex, type: isTransfer ? .axfr : .soa, id: id))
            } catch {
                state = .failed(TransferError("cannot build the query: " + error.description))
            }
        }
        self.query = query
    }

    /// Whether the exchange is still waiting for the primary.
    public var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    /// How long the next read may wait at `now`: `readTimeout`, or less as the deadline nears (at least 1 ms,
    /// as a zero timeout may mean none).
    public func timeout(now: Instant) -> Duration {
        max(min(Self.readTimeout, deadline - now), .milliseconds(1))
    }

    /// Takes what one read brought at `now` (nil or nothing: the primary closed the connection). True when
    /// the exchange is over: `state` holds the serial, the records or the error.
    public mutating func receive(_ bytes: [UInt8]?, now: Instant) -> Bool {
        guard isRunning else { return true }
        do throws(TransferError) {
            guard now < deadline else { throw deadlineError }
            guard let bytes, !bytes.isEmpty else {
                throw TransferError("the primary closed the connection before the answer was complete")
            }
            bytesReceived += bytes.count
            guard bytesReceived <= maximumBytes else {
                throw TransferError("the primary sent more than " + String(maximumBytes) + " bytes")
            }
            framer.append(bytes)
            while let message = framer.next() {
                if action == .transfer {
                    if try receiver.receive(message) {
                        state = .records(receiver.records)
                        return true
                    }
                } else {
                    state = .serial(try ZoneTransfer.serial(inAnswer: message, apex: apex, id: receiver.id))
                    return true
                }
            }
        } catch {
            state = .failed(error)
            return true
        }
        return false
    }

    /// The connection failed at `now` (connect, write or read): the exchange is over.
    public mutating func failed(_ error: NetworkError, now: Instant) {
        guard isRunning else { return }
        state = .failed(now >= deadline ? deadlineError : TransferError("the connection failed: " + error.description))
    }

    private var deadlineError: TransferError {
        TransferError("no complete answer within " + allowed.description + " (a stalled primary)")
    }
}
