// SwiftletKVM: the kernel's run loop, the one executor of the unikernel (docs/ARCHITECTURE.md, "Concurrency").
//
// One turn: run the Swift jobs that are ready (CSwiftletKVM/executor.c holds the run queue), hand the
// interrupts that arrived to their drivers, fire due timers, let each driver take its turn (frames to
// the stack, `poll(now:)`, wake parked tasks), then devices publish what the turn queued. When nothing is ready it blocks in the yield gate until
// the next deadline or an interrupt: an idle kernel halts the virtual CPU. When the application's task
// returns, the kernel exits QEMU with its status.

import _Concurrency
import Swiftlet
import CSwiftletKVM

public final class Kernel: Timers, @unchecked Sendable {
    /// The time of the latest turn.
    public private(set) var now: Instant
    private var timers = TimerQueue()
    private var drivers: [RunLoopDriver] = []
    private var interruptHandlers: [(mask: UInt64, handler: () -> Bool)] = []
    private var endOfTurn: [() -> Void] = []
    /// Turns taken and times blocked (for the idle test and benchmarks).
    public private(set) var turns = 0
    public private(set) var blocks = 0

    public init() { now = Kernel.clock() }

    /// The monotonic clock: nanoseconds since boot, from the TSC.
    @inline(__always) public static func clock() -> Instant { Instant(nanoseconds: swiftlet_monotonic_ns()) }

    public func sleep(until deadline: Instant) async {
        await TimerQueue.sleep(until: deadline, now: Kernel.clock()) { timers.add($0, $1) }
    }

    /// Adds a driver; it gets a turn every time round the loop.
    public func add(_ driver: RunLoopDriver) { drivers.append(driver) }

    /// Routes `gsi` to a vector of its own and calls `handler` on the loop (not in the interrupt) after
    /// it fired. The handler returns whether the device had anything to report: after a second without
    /// any interrupt the loop asks every handler anyway, so that a lost edge cannot stall a device
    /// forever (`recoveredInterrupts` counts the times that found something).
    public func onInterrupt(gsi: UInt32, _ handler: @escaping () -> Bool) {
        let bit = 16 + interruptHandlers.count  // vectors 0x30...0x5f; 0x20 is the timer
        precondition(bit < 64, "more than 48 device interrupts")
        interruptHandlers.append((mask: UInt64(1) << UInt64(bit), handler: handler))
        swiftlet_route_irq(gsi, UInt8(0x20 + bit))
    }

    /// Calls `body` at the end of every turn, after the drivers (devices batch their notifications).
    public func atEndOfTurn(_ body: @escaping () -> Void) { endOfTurn.append(body) }

    private func dispatch(_ bits: UInt64) {
        guard bits != 0 else { return }
        for h in interruptHandlers where bits & h.mask != 0 { _ = h.handler() }
    }

    /// Times the once-a-second check found a device with news but no interrupt (0 unless edges are lost).
    public private(set) var recoveredInterrupts = 0
    static let interruptCheck = Duration.seconds(1)

    /// Runs `main` as the application's task and turns until it returns; then exits QEMU with its status.
    public func run(_ main: @escaping @Sendable () async -> Int32) -> Never {
        let result = ApplicationResult()
        Task { result.code = await main() }
        var shutdown: Shutdown? = nil
        while true {
            turns += 1
            _ = swiftlet_run_jobs()
            if let code = result.code { swiftlet_exit(code) }
            dispatch(swiftlet_take_interrupts())
            now = Kernel.clock()
            if shutdown == nil, shutdownRequested { shutdown = Shutdown(reason: "shutdown requested", drivers: drivers, now: now) }
            if let s = shutdown, let line = s.finished(drivers: drivers, now: now) {
                var text = "kernel: " + line + "\n"
                text.withUTF8 { swiftlet_serial_write($0.baseAddress, $0.count) }
                swiftlet_exit(0)
            }
            timers.fire(now: now)
            var busy = false
            for d in drivers where d.turn(now: now) { busy = true }
            for f in endOfTurn { f() }
            if busy || swiftlet_jobs_ready() != 0 { continue }
            var deadline = timers.nextDeadline
            for d in drivers { deadline = min(deadline, d.nextDeadline) }
            if let s = shutdown { deadline = min(deadline, s.deadline) }
            if deadline <= Kernel.clock() { continue }
            let check = interruptHandlers.isEmpty ? Instant.distantFuture : now + Kernel.interruptCheck
            blocks += 1
            let bits = swiftlet_block(min(deadline, check) == .distantFuture ? .max : min(deadline, check).nanoseconds)
            if bits == 0 && Kernel.clock() >= check {
                for h in interruptHandlers where h.handler() { recoveredInterrupts += 1 }
            }
            dispatch(bits)
        }
    }

    private final class ApplicationResult: @unchecked Sendable { var code: Int32? }

    /// Set when the host asked the kernel to end (`Boot.listenForShutdown`): the loop then closes the
    /// drivers' connections and exits with 0 once they settle or `Shutdown.grace` has passed.
    public var shutdownRequested = false

    /// Tasks parked in `sleep` (for leak checks).
    public var sleeping: Int { timers.pending }

    /// Heap figures, in bytes.
    public static var heapSize: Int { swiftlet_heap_size() }
    public static var heapInUse: Int { swiftlet_heap_in_use() }
}
