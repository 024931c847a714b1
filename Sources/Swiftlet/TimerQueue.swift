// Swiftlet: the timer queue of a run loop (the hosted RunLoop and the kvm kernel share it).
//
// A parked task is a `Wake`: the first event that fires it resumes the task, later ones do nothing, so
// one task can wait for "data or a deadline". The queue is sorted by (deadline, order of arrival).
// Sleepers whose wake already fired by another route (a read that got its data) stay queued until due;
// the queue is swept of them when it doubles, so a server that parks every read with a 60 s deadline
// keeps it about as long as its live connections.

import _Concurrency

/// A parked task that more than one event may wake: the first wins.
public final class Wake {
    private var continuation: UnsafeContinuation<Void, Never>?
    public init(_ c: UnsafeContinuation<Void, Never>) { continuation = c }
    /// True until the task has been resumed.
    public var pending: Bool { continuation != nil }
    public func fire() {
        guard let c = continuation else { return }
        continuation = nil
        c.resume()
    }
}

public struct TimerQueue {
    private struct Sleeper {
        let deadline: Instant
        let order: UInt64
        let wake: Wake
    }
    private var sleepers: [Sleeper] = []
    private var order: UInt64 = 0
    private var sweepAt = 64

    public init() {}

    /// Fires `wake` at `deadline` (unless something else fires it first).
    public mutating func add(_ deadline: Instant, _ wake: Wake) {
        if sleepers.count >= sweepAt {
            sleepers.removeAll { !$0.wake.pending }
            sweepAt = max(64, sleepers.count * 2)
        }
        order += 1
        // Binary search for the first sleeper due later: equal deadlines keep their order.
        var low = 0, high = sleepers.count
        while low < high {
            let mid = (low + high) / 2
            if sleepers[mid].deadline > deadline { high = mid } else { low = mid + 1 }
        }
        sleepers.insert(Sleeper(deadline: deadline, order: order, wake: wake), at: low)
    }

    /// Fires every sleeper due at `now`.
    public mutating func fire(now: Instant) {
        var due = 0
        while due < sleepers.count && sleepers[due].deadline <= now { due += 1 }
        guard due > 0 else { return }
        let fired = sleepers[..<due]
        sleepers.removeFirst(due)
        for s in fired { s.wake.fire() }
    }

    /// The earliest deadline (`.distantFuture` when none).
    public var nextDeadline: Instant { sleepers.first?.deadline ?? .distantFuture }

    /// Sleepers not yet woken (for leak checks).
    public var pending: Int { sleepers.filter { $0.wake.pending }.count }

    /// Parks the calling task until `deadline` on `queue` (returns at once if it has passed).
    public static func sleep(until deadline: Instant, now: Instant, on add: (Instant, Wake) -> Void) async {
        if deadline <= now { return }
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in add(deadline, Wake(c)) }
    }
}

/// Something a run loop gives a turn to after the ready jobs have run (a network stack driver).
public protocol RunLoopDriver: AnyObject {
    /// Does this turn's work; returns true when it stopped early with more to do (the loop then does
    /// not block).
    func turn(now: Instant) -> Bool
    /// When the driver must get a turn even if nothing arrives.
    var nextDeadline: Instant { get }
    /// The run is ending (SIGTERM on a hosted target, a shutdown request on kvm): close what the driver
    /// holds as the application would; returns how many connections it closed.
    func shutDown(now: Instant) -> Int
    /// Whether what `shutDown` closed has settled (every FIN acknowledged): the loop turns until every
    /// driver has, or `Shutdown.grace` has passed.
    var isSettled: Bool { get }
}

extension RunLoopDriver {
    public func shutDown(now: Instant) -> Int { 0 }
    public var isSettled: Bool { true }
}

/// A clean end of a run, shared by the hosted run loop and the kvm kernel: the drivers close their
/// connections, the loop goes on turning (the application's tasks too) until they have settled or the
/// grace period is over, and the program exits with status 0 and one line.
public struct Shutdown {
    /// How long a shutdown waits for closed connections to settle.
    public static let grace = Duration.seconds(2)

    public let reason: String
    public let deadline: Instant
    public let closed: Int

    /// Closes every driver's connections at `now` for `reason` ("SIGTERM", "shutdown requested").
    public init(reason: String, drivers: [RunLoopDriver], now: Instant) {
        self.reason = reason
        deadline = now + Shutdown.grace
        var closed = 0
        for d in drivers { closed += d.shutDown(now: now) }
        self.closed = closed
    }

    /// The line to print when the run ends (nil while it should go on turning).
    public func finished(drivers: [RunLoopDriver], now: Instant) -> String? {
        let settled = drivers.allSatisfy { $0.isSettled }
        guard settled || now >= deadline else { return nil }
        return reason + ": closed " + String(closed) + (closed == 1 ? " connection" : " connections")
            + (settled ? "" : " (not all acknowledged after " + Shutdown.grace.description + ")") + "; exiting"
    }
}
