// The bounds of what the stack keeps for its waiting tasks, each driven to its limit: the list of
// touched sockets (4096, then "all"), the echo replies nobody has taken (64, 64 KiB), and a parked
// task's deadline (one turn at that time, not one every turn after it).

import Testing
import Swiftlet
@testable import SwiftletNet
import SwiftletTesting

@MainActor
@Suite struct WakeBoundsTests {
    /// The touched list keeps 4096 sockets, then says "look at every socket"; the next turn starts empty.
    /// A socket touched twice in a row is noted once.
    @Test func theTouchedListStopsAtItsLimitAndSaysSo() {
        let stack = TwoStacks().a
        stack.recordsTouches = true
        for port in 0..<5000 { stack.touch(.udp(UInt16(port))) }
        var keys: [SocketKey] = []
        #expect(stack.takeTouched(into: &keys) == true)
        #expect(keys.count == NetworkStack<SimulatedDevice>.touchedLimit)
        keys.removeAll()
        #expect(stack.takeTouched(into: &keys) == false && keys.isEmpty)
        stack.touch(.udp(7)); stack.touch(.udp(7)); stack.touch(.udp(8)); stack.touch(.udp(7))
        #expect(stack.takeTouched(into: &keys) == false && keys == [.udp(7), .udp(8), .udp(7)])
    }

    /// When a turn touched more sockets than the list keeps, every parked task is tested: a receiver
    /// whose datagram arrived while its touch went unrecorded is still woken.
    @Test func aTurnWhoseTouchesOverflowedLooksAtEverySocket() async throws {
        let pair = AsyncPair()
        let got = Ports()
        try await pair.parkReceivers(on: 1000..<1050, noting: got)
        #expect(pair.b.waiting == 50)
        // The datagram arrives with touches off: no turn knows that port 1007 changed.
        pair.net.b.recordsTouches = false
        let client = try pair.a.udp(port: 5000)
        try client.send([1], to: TwoStacks.addressB, port: 1007)
        #expect(await pair.run(for: .milliseconds(50)) { false } == false)
        #expect(got.ports.isEmpty && pair.b.waiting == 50, "no touch, no wake")
        // A turn that touched more than 4096 other sockets tests every parked task, 1007's too.
        pair.net.b.recordsTouches = true
        for port in 20000..<(20000 + NetworkStack<SimulatedDevice>.touchedLimit + 1) { pair.net.b.touch(.udp(UInt16(port))) }
        let before = pair.b.testsRun
        pair.b.wake(now: pair.net.now)
        #expect(pair.b.testsRun - before == 50)
        #expect(pair.b.waiting == 49)
        #expect(await pair.run(for: .milliseconds(10)) { got.ports == [1007] })
    }

    /// Echo replies nobody takes are kept at most 64 at a time, and at most 64 KiB of data; the oldest go
    /// first.
    @Test func unclaimedEchoRepliesAreBounded() async {
        let pair = AsyncPair()
        let stack = pair.net.a
        for batch in 0..<10 {
            for k in 0..<10 {
                try? stack.ping(TwoStacks.addressB, identifier: 9, sequence: UInt16(batch * 10 + k), now: pair.net.now)
            }
            _ = await pair.run(for: .milliseconds(5)) { false }
        }
        #expect(stack.echoReplies.count == NetworkStack<SimulatedDevice>.echoRepliesKept)
        #expect(stack.echoReplies.first?.sequence == 36 && stack.echoReplies.last?.sequence == 99)
        let payload = [UInt8](repeating: 0xA5, count: 1400)
        for batch in 0..<10 {
            for k in 0..<10 {
                try? stack.ping(TwoStacks.addressB, identifier: 10, sequence: UInt16(batch * 10 + k), payload: payload, now: pair.net.now)
            }
            _ = await pair.run(for: .milliseconds(5)) { false }
        }
        let held = stack.echoReplies.reduce(0) { $0 + $1.payload.count }
        #expect(held <= NetworkStack<SimulatedDevice>.echoReplyBytesKept)
        #expect(stack.echoReplies.count == NetworkStack<SimulatedDevice>.echoReplyBytesKept / 1400)
        #expect(stack.echoReplies.last?.sequence == 99 && stack.echoReplies.last?.payload == payload)
    }

    /// A parked task's deadline asks for one turn at that time. If its test is still false then, it waits
    /// on with no deadline: the run loop's next deadline is not left in the past (it turned without
    /// sleeping, for ever).
    @Test func aPassedDeadlineDoesNotKeepTheLoopTurning() async {
        let pair = AsyncPair()
        var done = false
        let deadline = pair.net.now + .milliseconds(100)
        Task { @MainActor in
            await pair.a.waitUntil(deadline: deadline) { done }
        }
        #expect(await pair.run(for: .milliseconds(10)) { pair.a.waiting == 1 })
        #expect(pair.a.nextDeadline <= deadline)
        _ = await pair.run(for: .milliseconds(200)) { false }
        #expect(pair.net.now > deadline && pair.a.waiting == 1)
        #expect(pair.a.nextDeadline > pair.net.now, "the next deadline is \(pair.a.nextDeadline), now \(pair.net.now)")
        done = true
        #expect(await pair.run(for: .milliseconds(10)) { pair.a.waiting == 0 })
    }
}
