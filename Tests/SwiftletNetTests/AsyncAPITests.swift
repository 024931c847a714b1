// The async API over two simulated stacks, on one executor (the main actor stands in for the
// unikernel's run loop): echo over TCP, writes that wait for a full buffer, UDP, ping, refused connects.

import Testing
import Dispatch
import Synchronization
import Foundation
import Swiftlet
import SwiftletNet
import SwiftletTesting

/// Runs jobs on the main dispatch queue, the main actor's, one at a time and in order with its own: a
/// task started with it as its executor preference keeps its child tasks (a server's per-connection
/// handlers) on the one thread that drives the stacks, as a kernel's single executor does. Without it
/// those children ran on the global pool, beside the main actor and the stacks it drives: data races in
/// tests that the targets cannot have (the unix run loop gives its tasks such a preference; kvm has one
/// thread). Found while looking for why a starved test run once grew to 23.7 GB (not shown to be the
/// cause). Checked by handlersRunOnTheDrivingThread.
final class MainThreadExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = MainThreadExecutor()
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        DispatchQueue.main.async { job.runSynchronously(on: executor) }
    }
}

/// Ports noted by the receivers of `AsyncPair.parkReceivers`, in the order their datagrams came.
@MainActor
final class Ports { var ports: [UInt16] = [] }

@MainActor
final class AsyncPair {
    let net: TwoStacks
    let a: AsyncStack<SimulatedDevice>
    let b: AsyncStack<SimulatedDevice>

    init(_ net: TwoStacks = TwoStacks()) {
        self.net = net
        a = AsyncStack(net.a, now: net.now)
        b = AsyncStack(net.b, now: net.now)
    }

    /// Starts `body` on the main actor with `MainThreadExecutor` as its executor preference, so that its
    /// child tasks stay on the driving thread too. Servers start here.
    func task(_ body: @escaping @MainActor @Sendable () async -> Void) {
        Task(executorPreference: MainThreadExecutor.shared, operation: body)
    }

    /// Parks a receiver on each UDP port of `ports` on stack b; each notes its port in `got` when a
    /// datagram comes. Returns once all are parked.
    func parkReceivers(on ports: Range<UInt16>, noting got: Ports) async throws {
        for port in ports {
            let socket = try b.udp(port: port)
            Task { @MainActor in
                _ = try await socket.receive()
                got.ports.append(port)
            }
        }
        _ = await run(for: .milliseconds(10)) { b.waiting == ports.count }
    }

    /// The run loop: process the network, wake tasks, let them run, advance time. Stops when `done`.
    func run(for limit: Duration, until done: () -> Bool) async -> Bool {
        let end = net.now + limit
        while net.now < end {
            // Let every task run as far as it can before time moves: a kernel's executor drains all its
            // jobs before it blocks. A task that needs many hops (accept, a child task, read, a handler,
            // write) would otherwise wait for the next deadline (an HTTP response came 30 s late).
            for _ in 0..<8 {
                net.settle()
                a.wake(now: net.now)
                b.wake(now: net.now)
                for _ in 0..<32 { await Task.yield() }
            }
            if done() { return true }
            let next = min(net.link.nextDelivery, a.nextDeadline, b.nextDeadline, end)
            net.clock.advance(to: next > net.now ? next : net.now + .microseconds(50))
        }
        return done()
    }
}

@MainActor
@Suite struct AsyncAPITests {
    @Test func theStartUpLineNamesTheStacksOwnAddresses() {
        // Issue 27: a service says where it is reached from the platform: the stack's IPv4 address and its
        // IPv6 addresses but the link-local one.
        let pair = AsyncPair(TwoStacks(ipv6: true))
        #expect(pair.b.reachable(port: 80, scheme: "http") == "http://10.0.0.2:80/ and http://[2001:db8::2]:80/")
        #expect(pair.a.reachable(port: 53) == "10.0.0.1:53 and [2001:db8::1]:53")
        #expect(AsyncPair().a.reachable(port: 7) == "10.0.0.1:7")
    }

    @Test func tcpEchoWithForAwaitAndLargeWrites() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 7)
        var served = 0
        var echoed: [UInt8]? = nil
        var failure: NetworkError? = nil
        Task { @MainActor in
            for await stream in listener {
                do throws(NetworkError) {
                    while let data = try await stream.read() { try await stream.write(data) }
                } catch { failure = error }
                stream.close()
                served += 1
            }
        }
        let message = pattern(1_000_000, seed: 77)  // larger than the send buffer: write must wait
        Task { @MainActor in
            do throws(NetworkError) {
                let c = try await pair.a.connect(to: TwoStacks.addressB, port: 7)
                try await c.write(message)
                c.shutdownWrite()
                var got: [UInt8] = []
                while let data = try await c.read() { got += data }
                c.close()
                echoed = got
            } catch { failure = error }
        }
        #expect(await pair.run(for: .seconds(30)) { echoed != nil || failure != nil })
        #expect(failure == nil)
        #expect(echoed == message)
        #expect(served == 1)
        listener.close()
        #expect(await pair.run(for: .seconds(120)) { pair.net.a.tcpConnectionCount == 0 && pair.net.b.tcpConnectionCount == 0 && pair.b.waiting == 0 })
        #expect(pair.a.waiting == 0 && pair.b.waiting == 0)
    }

    @Test func sleepWakesAtItsDeadline() async {
        let pair = AsyncPair()
        let start = pair.net.now
        var woke: Instant? = nil
        Task { @MainActor in
            await pair.a.sleep(for: .milliseconds(1500))
            woke = pair.a.now
        }
        #expect(await pair.run(for: .seconds(10)) { woke != nil })
        #expect(woke == start + .milliseconds(1500))
        // Nothing parked: no deadline of the async layer is left for the run loop to wake for.
        #expect(pair.a.waiting == 0 && pair.a.nextDeadline == pair.net.a.nextDeadline)
    }

    @Test func readWithTimeoutThrowsTimedOutAndTheConnectionStaysUsable() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 80)
        var outcome: NetworkError? = nil
        var timedOutAt: Instant? = nil
        var later: [UInt8]? = nil
        let start = pair.net.now
        Task { @MainActor in
            guard let flow = await listener.accept() else { return }
            do throws(NetworkError) { _ = try await flow.read(maximum: 100, timeout: .milliseconds(300)) } catch { outcome = error }
            timedOutAt = pair.b.now
            later = try? await flow.read(maximum: 100, timeout: .seconds(5))
        }
        Task { @MainActor in
            guard let c = try? await pair.a.connect(to: TwoStacks.addressB, port: 80) else { return }
            await pair.a.sleep(for: .seconds(1))
            try? await c.write([1, 2, 3])
        }
        #expect(await pair.run(for: .seconds(5)) { later != nil })
        #expect(outcome == .timedOut)
        #expect(timedOutAt.map { $0 - start >= .milliseconds(300) && $0 - start < .milliseconds(400) } == true)
        #expect(later == [1, 2, 3])
    }

    /// Writes 2 MB with `timeout` to a peer that accepts and never reads; returns how the write ended and
    /// how long it took (nil: it had not ended after 30 s).
    private func writeToAPeerThatNeverReads(_ pair: AsyncPair, timeout: Duration) async throws -> (NetworkError?, Duration)? {
        let listener = try pair.b.listen(port: 80)
        var outcome: NetworkError? = nil
        var took: Duration? = nil
        Task { @MainActor in
            guard let flow = await listener.accept() else { return }
            _ = flow  // accepted and never read
            await pair.b.sleep(for: .seconds(100))
        }
        Task { @MainActor in
            guard let c = try? await pair.a.connect(to: TwoStacks.addressB, port: 80) else { return }
            let start = pair.a.now
            do throws(NetworkError) { try await c.write(pattern(2_000_000, seed: 1), timeout: timeout) } catch { outcome = error }
            took = pair.a.now - start
            c.abort()
        }
        guard await pair.run(for: .seconds(30), until: { took != nil }), let took else { return nil }
        return (outcome, took)
    }

    /// A peer that never reads: a write with a timeout gives up (before, `write` had no timeout and waited
    /// for as long as the peer answered window probes).
    @Test func writeWithTimeoutThrowsTimedOutWhenThePeerNeverReads() async throws {
        let ended = try await writeToAPeerThatNeverReads(AsyncPair(), timeout: .seconds(5))
        #expect(ended?.0 == .timedOut)
        #expect(ended.map { $0.1 >= .seconds(5) && $0.1 < .seconds(6) } == true)
    }

    /// A send buffer that may not grow (the stack's TCP memory budget is spent) is full, whatever its
    /// limit says: the writer waits and its timeout fires. Before, the readiness said "room" from the
    /// limit, the queue took nothing, and the writer asked again at once, for ever, without suspending:
    /// the whole executor hung (one task at 100% CPU, the run loop never turning again).
    @Test(.timeLimit(.minutes(1)))
    func writeWithTimeoutThrowsTimedOutWhenTheMemoryBudgetIsSpent() async throws {
        var small = TCPConfiguration()
        small.memoryBudget = 48 * 1024
        let pair = AsyncPair(TwoStacks(tcp: small, tcpB: TCPConfiguration()))
        let ended = try await writeToAPeerThatNeverReads(pair, timeout: .seconds(2))
        #expect(ended?.0 == .timedOut)
        #expect(ended.map { $0.1 >= .seconds(2) && $0.1 < .seconds(3) } == true)
        #expect(pair.net.a.tcpMemory.peak <= small.memoryBudget)
    }

    /// A server's handlers run on the thread that drives the stacks (the main actor's), as on a kernel's
    /// one executor, never beside it.
    @Test func handlersRunOnTheDrivingThread() async throws {
        let pair = AsyncPair()
        let listener = try pair.b.listen(port: 9)
        let handlerThread = Mutex<pthread_t?>(nil)
        pair.task {
            await listener.serve { flow in
                handlerThread.withLock { $0 = pthread_self() }
                flow.close()
            }
        }
        Task { @MainActor in _ = try? await pair.a.connect(to: TwoStacks.addressB, port: 9) }
        #expect(await pair.run(for: .seconds(5)) { handlerThread.withLock { $0 } != nil })
        #expect(handlerThread.withLock { $0 } == pthread_self())  // this test runs on the main actor
        listener.close()
    }

    @Test func refusedConnectThrows() async {
        let pair = AsyncPair()
        var outcome: NetworkError? = nil
        Task { @MainActor in
            do throws(NetworkError) { _ = try await pair.a.connect(to: TwoStacks.addressB, port: 9) } catch { outcome = error }
        }
        #expect(await pair.run(for: .seconds(5)) { outcome != nil })
        #expect(outcome == .refused)
        #expect(pair.net.a.tcpConnectionCount == 0)
    }

    @Test func udpAndPing() async throws {
        let pair = AsyncPair()
        let server = try pair.b.udp(port: 53)
        let client = try pair.a.udp(port: 5000)
        var answer: UDPDatagram? = nil
        var rtt: Duration?? = nil
        Task { @MainActor in
            let q = try await server.receive()
            try server.send(q.payload.reversed(), to: q.source, port: q.sourcePort)
        }
        Task { @MainActor in
            try client.send([1, 2, 3], to: TwoStacks.addressB, port: 53)
            answer = try await client.receive()
            rtt = try await pair.a.ping(TwoStacks.addressB, sequence: 1, timeout: .seconds(1))
        }
        #expect(await pair.run(for: .seconds(5)) { rtt != nil })
        #expect(answer?.payload == [3, 2, 1] && answer?.sourcePort == 53)
        #expect((rtt ?? nil) != nil)
        // A ping to nobody times out.
        var lost: Duration?? = nil
        Task { @MainActor in lost = try await pair.a.ping(IPv4Address(10, 0, 0, 99), sequence: 2, timeout: .seconds(1)) }
        #expect(await pair.run(for: .seconds(5)) { lost != nil })
        #expect(lost == .some(nil))
    }

    /// Pings in flight at once each get their own reply: one task's wait does not take another's.
    @Test func concurrentPingsEachGetTheirReply() async {
        let pair = AsyncPair()
        var rtts: [UInt16: Duration?] = [:]
        for sequence: UInt16 in 1...4 {
            Task { @MainActor in rtts[sequence] = try await pair.a.ping(TwoStacks.addressB, sequence: sequence, timeout: .seconds(2)) }
        }
        #expect(await pair.run(for: .seconds(5)) { rtts.count == 4 })
        #expect(rtts.values.allSatisfy { $0 != nil }, "every ping answered: \(rtts)")
    }

    /// A turn tests only the tasks parked on the sockets it changed: 50 receivers wait on 50 ports, a
    /// datagram to one of them wakes it without testing the other 49 (they were tested on every turn).
    @Test func aTurnTestsOnlyTheTasksItsChangesConcern() async throws {
        let pair = AsyncPair()
        let got = Ports()
        try await pair.parkReceivers(on: 1000..<1050, noting: got)
        #expect(pair.b.waiting == 50)
        let before = pair.b.testsRun
        let client = try pair.a.udp(port: 5000)
        try client.send([1], to: TwoStacks.addressB, port: 1007)
        #expect(await pair.run(for: .seconds(1)) { got.ports == [1007] })
        #expect(pair.b.waiting == 49)
        #expect(pair.b.testsRun - before <= 2, "tests run for one datagram: \(pair.b.testsRun - before)")
    }
}
