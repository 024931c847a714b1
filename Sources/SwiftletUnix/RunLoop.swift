// SwiftletUnix: the one-thread run loop of the hosted targets (docs/ARCHITECTURE.md, "Concurrency").
//
// One turn: run the Swift jobs that are ready, fire due timers, let each driver (the tap stack) take
// its turn (read frames, `poll(now:)`, wake parked tasks), then block in epoll until a descriptor is
// ready, a timer is due or a job arrives. Idle, it blocks with no timeout: 0% CPU.
//
// The application's task runs with this loop as its task executor (SE-0417), so every job of it and of
// its child tasks lands in `enqueue` and runs on the thread that called `run`. Nothing of the
// application's runs anywhere else, which is why the network types need no locks; only the job queue
// itself is guarded, because a job may be enqueued from another thread (the standard library's own
// threads, a signal handler's task) and must then wake the loop through an eventfd.

#if canImport(Glibc)
import Glibc
#endif
import _Concurrency
import Synchronization
import CSwiftletUnix
import Swiftlet

// The properties below the job queue are only touched on the loop's own thread (jobs, drivers and
// timers all run there), and none is modified while a callee could reach it again, so they skip Swift's
// run-time exclusivity checks (as NetworkStack's do; the checks would be about a tenth of a DNS server's
// instructions). The job queue, which other threads enqueue to, is behind its mutex.
public final class RunLoop: TaskExecutor, Timers, @unchecked Sendable {
    private struct Queue: ~Copyable {
        var jobs: [UnownedJob] = []
        var blocked = false
    }
    private let queue = Mutex(Queue())
    private let epollDescriptor: FileDescriptor
    private let wakeupDescriptor: FileDescriptor
    private var epoll: Int32 { epollDescriptor.raw }
    private var wakeup: Int32 { wakeupDescriptor.raw }

    /// The timer queue: tasks in `sleep` and reads with a deadline.
    @exclusivity(unchecked) private var timers = TimerQueue()

    private struct Waiters {
        var watched = false
        var readers: [Wake] = []
        var writers: [Wake] = []
        /// False once a read found the socket empty (or read less than it asked for), until epoll
        /// reports input again: an edge-triggered descriptor reports every arrival after the read that
        /// emptied it, so a read may wait without first asking the kernel (nginx's `ready` flag), which
        /// spares a busy HTTP connection a recvfrom failing with EAGAIN every other request.
        var mayHaveInput = true
        /// Set for good once epoll reports the peer's end of input (RDHUP or HUP): a short read then
        /// does not mean empty, since the end of input is still to be read (nginx's `pending_eof`).
        var inputEnded = false
    }
    /// Indexed by descriptor (they are small integers the kernel hands out lowest first): a dictionary
    /// would hash the descriptor some ten times a request, about a tenth of an HTTP server's instructions.
    @exclusivity(unchecked) private var descriptors: [Waiters] = []
    private func watched(_ fd: Int32) -> Bool { fd >= 0 && Int(fd) < descriptors.count && descriptors[Int(fd)].watched }
    @exclusivity(unchecked) private var drivers: [RunLoopDriver] = []

    @exclusivity(unchecked) public private(set) var now: Instant
    /// Set by the application's task when `main` returns: the loop must not block again.
    @exclusivity(unchecked) private var finished = false
    /// Turns taken (for tests and benchmarks).
    @exclusivity(unchecked) public private(set) var turns = 0
    /// Where TCP reads land before they are copied out at their own size. One per loop is enough: a read
    /// copies out before it can suspend, and only this loop's thread reads. (A 64 KB array per read,
    /// thrown away when the socket has nothing, would cost an HTTP server about a tenth of its requests.)
    let receiveScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)

    public init() {
        do throws(Errno) {
            epollDescriptor = try Sys.epollCreate()
            wakeupDescriptor = try Sys.eventfd()
            try Sys.epollAdd(epollDescriptor.raw, wakeupDescriptor.raw, events: EPOLLIN.rawValue)
        } catch {
            fatalError("swiftlet: cannot create the run loop's epoll and eventfd: \(error)")
        }
        now = Sys.monotonicNow()
    }

    deinit {
        receiveScratch.deallocate()  // the two descriptors close as the loop goes
    }

    // MARK: - Executor

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let wake = queue.withLock { q in
            q.jobs.append(unowned)
            let was = q.blocked
            q.blocked = false
            return was
        }
        if wake { Sys.signalEventfd(wakeup) }
    }

    private func runReadyJobs() -> Bool {
        let batch = queue.withLock { q in
            let b = q.jobs
            q.jobs.removeAll(keepingCapacity: true)
            return b
        }
        let executor = asUnownedTaskExecutor()
        for job in batch { job.runSynchronously(on: executor) }
        return !batch.isEmpty
    }

    // MARK: - Running

    /// Runs `main` as the application's task and turns until it returns; returns its result.
    ///
    /// `main` is `@Sendable` so that it is never isolated to the main actor of the caller (a `@main`
    /// type's `main()` is): a main-actor closure would hop to the main queue, which nothing drains.
    public func run(_ main: @escaping @Sendable () async -> Int32) -> Int32 {
        final class Result: @unchecked Sendable { var code: Int32? }
        let result = Result()
        Task(executorPreference: self) {
            result.code = await main()
            self.finished = true
        }
        var shutdown: Shutdown? = nil
        while result.code == nil {
            turn()
            let signal = RunLoop.terminationSignal
            if shutdown == nil, signal != 0 {
                let s = Shutdown(reason: signal == SIGINT ? "SIGINT" : "SIGTERM", drivers: drivers, now: Sys.monotonicNow())
                shutdown = s
                drivers.append(GraceDeadline(deadline: s.deadline))  // so a quiet turn wakes at the deadline
            }
            if let s = shutdown, let line = s.finished(drivers: drivers, now: Sys.monotonicNow()) {
                Sys.writeAll(1, "swiftlet: " + line + "\n")
                finished = false
                return 0
            }
        }
        finished = false
        return result.code!
    }

    // MARK: - Termination

    /// The signal that asked the run to end (0: none), set by the handler `endsOnTermination` installs.
    nonisolated(unsafe) static var terminationSignal: Int32 = 0
    /// The eventfd that handler writes to, so the loop wakes from epoll.
    nonisolated(unsafe) static var terminationWakeup: Int32 = -1

    /// Signals received so far (a third ends the process at once).
    nonisolated(unsafe) static var terminationCount: Int32 = 0

    /// SIGTERM and SIGINT end `run` cleanly from now on (the generated `main` asks for it): the drivers
    /// close their connections (`Shutdown`), the loop turns until those settle or two seconds pass, and
    /// `run` returns 0 after one line. A loop that cannot get there (a task that never yields) is ended by
    /// SIGALRM five seconds after the signal, or at once by a third signal (a second changes nothing:
    /// Ctrl-C in a terminal reaches this process twice, from the terminal and passed on by `swiftlet run`).
    public func endsOnTermination() {
        // Set before the handler can run: it touches nothing that is not already initialised.
        RunLoop.terminationWakeup = wakeup
        RunLoop.terminationSignal = 0
        RunLoop.terminationCount = 0
        let handler: @convention(c) (Int32) -> Void = { signal in
            let saved = errno
            RunLoop.terminationCount += 1
            if RunLoop.terminationCount >= 3 { _exit(128 + signal) }
            if RunLoop.terminationSignal == 0 {
                RunLoop.terminationSignal = signal
                alarm(5)
                Sys.signalEventfd(RunLoop.terminationWakeup)
            }
            errno = saved
        }
        Glibc.signal(SIGTERM, handler)
        Glibc.signal(SIGINT, handler)
    }

    /// A driver that only asks the loop to wake at a deadline.
    private final class GraceDeadline: RunLoopDriver {
        let nextDeadline: Instant
        init(deadline: Instant) { nextDeadline = deadline }
        func turn(now: Instant) -> Bool { false }
    }

    /// Adds a driver; it gets a turn every time round the loop.
    public func add(_ driver: RunLoopDriver) { drivers.append(driver) }

    public func remove(_ driver: RunLoopDriver) { drivers.removeAll { $0 === driver } }

    /// One turn of the loop (public so tests can step it).
    public func turn() {
        turns += 1
        _ = runReadyJobs()
        now = Sys.monotonicNow()
        timers.fire(now: now)
        var busy = false
        for d in drivers where d.turn(now: now) { busy = true }
        // The application returned during this turn's jobs: blocking now could be forever.
        if finished { return }
        // Jobs the drivers' wake-ups enqueued run on the next turn without blocking.
        let pending = queue.withLock { q in
            if q.jobs.isEmpty && !busy { q.blocked = true; return false }
            return true
        }
        var timeout: Int32 = 0
        if !pending {
            var deadline = timers.nextDeadline
            for d in drivers { deadline = min(deadline, d.nextDeadline) }
            timeout = Self.milliseconds(until: deadline, from: Sys.monotonicNow())
        }
        waitForDescriptors(timeout: timeout)
        queue.withLock { $0.blocked = false }
    }

    /// Rounds up so a timer never fires early; -1 (forever) for no deadline.
    static func milliseconds(until deadline: Instant, from now: Instant) -> Int32 {
        if deadline == .distantFuture { return -1 }
        if deadline <= now { return 0 }
        let ns = (deadline - now).nanoseconds
        return Int32(clamping: (ns + 999_999) / 1_000_000)
    }

    private func waitForDescriptors(timeout: Int32) {
        let capacity = 64
        withUnsafeTemporaryAllocation(of: epoll_event.self, capacity: capacity) { events in
            let n = Sys.epollWait(epoll, events, timeoutMilliseconds: timeout)
            for i in 0..<n {
                let fd = events[i].data.fd
                let flags = events[i].events
                if fd == wakeup { Sys.drainEventfd(wakeup); continue }
                guard watched(fd) else { continue }
                let d = Int(fd)
                let failed = flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
                // Fired in place and emptied keeping their capacity: `fire` only schedules the task, so
                // nothing touches the lists meanwhile. (Copying them out would cost two allocations a read.)
                if failed || flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 {
                    descriptors[d].mayHaveInput = true
                    if flags & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 { descriptors[d].inputEnded = true }
                    for i in descriptors[d].readers.indices { descriptors[d].readers[i].fire() }
                    descriptors[d].readers.removeAll(keepingCapacity: true)
                }
                if failed || flags & EPOLLOUT.rawValue != 0 {
                    for i in descriptors[d].writers.indices { descriptors[d].writers[i].fire() }
                    descriptors[d].writers.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    // MARK: - Descriptors

    /// Watches `fd` (edge-triggered for reading and writing). Operations try the call first and wait
    /// only on EAGAIN (reads also after `drained`); since only this thread consumes epoll events, no
    /// edge is lost in between.
    public func register(_ fd: Int32) throws(Errno) {
        let events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        try Sys.epollAdd(epoll, fd, events: events)
        if Int(fd) >= descriptors.count {
            descriptors.append(contentsOf: repeatElement(Waiters(), count: Int(fd) + 1 - descriptors.count))
        }
        descriptors[Int(fd)] = Waiters(watched: true)
    }

    /// Stops watching `fd`; tasks waiting on it resume (their next call reports the error).
    public func unregister(_ fd: Int32) {
        Sys.epollRemove(epoll, fd)
        guard watched(fd) else { return }
        let w = descriptors[Int(fd)]
        descriptors[Int(fd)] = Waiters()
        for c in w.readers + w.writers { c.fire() }
    }

    /// Whether a read of `fd` may find input: false after `drained(_:)` until epoll reports input. True
    /// for a descriptor the loop does not watch (the read then reports what is wrong).
    public func mayHaveInput(_ fd: Int32) -> Bool { !watched(fd) || descriptors[Int(fd)].mayHaveInput }

    /// Records that a read emptied `fd`'s receive queue (it failed with EAGAIN, or returned less than
    /// it asked for on a stream socket); ignored once the peer has ended its input.
    public func drained(_ fd: Int32) {
        if watched(fd) && !descriptors[Int(fd)].inputEnded { descriptors[Int(fd)].mayHaveInput = false }
    }

    /// Suspends until `fd` is readable (or has failed), or until `deadline` if one is given.
    public func readable(_ fd: Int32, until deadline: Instant? = nil) async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            guard watched(fd) else { c.resume(); return }
            let wake = Wake(c)
            let d = Int(fd)
            if !descriptors[d].readers.isEmpty {
                descriptors[d].readers.removeAll { !$0.pending }  // woken by an earlier deadline
            }
            descriptors[d].readers.append(wake)
            if let deadline { timers.add(deadline, wake) }
        }
    }

    /// Suspends until `fd` is writable (or has failed).
    public func writable(_ fd: Int32, until deadline: Instant? = nil) async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            guard watched(fd) else { c.resume(); return }
            let wake = Wake(c)
            let d = Int(fd)
            if !descriptors[d].writers.isEmpty {
                descriptors[d].writers.removeAll { !$0.pending }  // woken by an earlier deadline
            }
            descriptors[d].writers.append(wake)
            if let deadline { timers.add(deadline, wake) }
        }
    }

    // MARK: - Timers

    /// Parks the task until `deadline`; one already past still waits for the next turn. `sleep(for:)`
    /// counts from the turn's `now`, which a long job leaves behind the clock: returning at once there
    /// would let a task that polls `while now < limit { await sleep(for:) }` spin for ever, the loop never
    /// turning and `now` never moving.
    public func sleep(until deadline: Instant) async {
        let real = Sys.monotonicNow()
        await TimerQueue.sleep(until: deadline > real ? deadline : real + .nanoseconds(1), now: real) { timers.add($0, $1) }
    }

    /// Tasks parked in `sleep` or in a read with a deadline (for leak checks).
    public var sleeping: Int { timers.pending }
}
