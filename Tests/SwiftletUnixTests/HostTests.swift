// The hosted backend's pieces that need no root: option and impairment parsing, the directory store,
// the run loop's timers and host sockets on 127.0.0.1, the impaired device over a fake.

import Testing
#if canImport(Glibc)
import Glibc
#endif
import Swiftlet
import SwiftletTesting
import SwiftletHTTP
@testable import SwiftletUnix

@Suite struct HostOptionTests {
    @Test func parsesTheTapOptionsAndApplicationArguments() throws {
        let o = try HostOptions.parse(["--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.1", "--tap", "swl3",
                                       "--impair", "loss=5%,reorder=25,delay=2ms,seed=9", "--", "--port", "80"]).get()
        #expect(o.ipv4 == IPv4Network("10.0.0.2/24"))
        #expect(o.gateway == IPv4Address(10, 0, 0, 1))
        #expect(o.tap == "swl3")
        #expect(o.impairment.lossPercent == 5 && o.impairment.reorderPercent == 25)
        #expect(o.impairment.delay == .milliseconds(2) && o.impairment.seed == 9)
        #expect(o.applicationArguments == ["--port", "80"])
    }

    @Test func badInputGivesOneClearLine() {
        func message(_ args: [String]) -> String? {
            if case .failure(let e) = HostOptions.parse(args) { return e.description }
            return nil
        }
        #expect(message(["--ipv4", "10.0.0.2"])?.contains("not ADDR/PREFIX") == true)
        #expect(message(["--ipv4", "10.0.0.300/24"])?.contains("not ADDR/PREFIX") == true)
        #expect(message(["--gateway", "10.0.0.1"])?.contains("needs --ipv4") == true)
        #expect(message(["--tap", "a-name-far-too-long"])?.contains("1 to 15") == true)
        #expect(message(["--impair", "loss=150%"])?.contains("bad --impair part 'loss=150%'") == true)
        #expect(message(["--impair", "jitter=1ms"])?.contains("bad --impair part") == true)
        #expect(message(["--port", "7"])?.contains("after --") == true)
        #expect(message(["--ipv4"])?.contains("needs") == true)
    }

    @Test func takesTheUserToBecomeButNeverRoot() throws {
        let o = try HostOptions.parse(["--tap", "swl0", "--user", "4242:4343", "--", "--user", "x"]).get()
        #expect(o.user?.uid == 4242 && o.user?.gid == 4343)
        #expect(o.applicationArguments == ["--user", "x"])
        #expect(try HostOptions.parse(["--tap", "swl0"]).get().user == nil)
        for bad in ["0:4343", "4242:0", "4242", "a:b", "4242:4343:1", "-1:5", ""] {
            guard case .failure(let e) = HostOptions.parse(["--user", bad]) else {
                Issue.record("--user '\(bad)' was taken")
                continue
            }
            #expect(e.description.contains("UID:GID"))
        }
    }
}

@Suite struct DirectoryStoreTests {
    @Test func readsFilesAndRefusesToLeaveTheRoot() async throws {
        let root = "/tmp/swiftlet-store-\(getpid())"
        try makeTree(root)
        let store = DirectoryStore(root: root)
        #expect(try await store.get("a.txt") == Array("hello".utf8))
        #expect(try await store.get("sub/b.txt", offset: 1, length: 3) == Array("orl".utf8))
        #expect(try await store.size("sub/b.txt") == 5)
        #expect(try await store.list("").map(\.name) == ["a.txt", "sub"])
        #expect(try await store.list("").map(\.kind) == [.value, .directory])
        #expect(try await store.digest("a.txt") == ContentDigest.of(Array("hello".utf8).span))
        #expect(try await store.info("a.txt") == KeyValueInfo(size: 5, digest: ContentDigest.of(Array("hello".utf8).span)))
        await #expect(throws: KeyValueError.wrongKind("sub")) { try await store.info("sub") }
        await #expect(throws: KeyValueError.notFound("../etc/passwd")) { try await store.get("../etc/passwd") }
        await #expect(throws: KeyValueError.notFound("missing")) { try await store.get("missing") }
        await #expect(throws: KeyValueError.wrongKind("sub")) { try await store.get("sub") }
        await #expect(throws: KeyValueError.badRange(offset: 4, length: 5, size: 5)) { try await store.get("a.txt", offset: 4, length: 5) }
        // The cache notices an edited file (size and modification time are checked on every use).
        #expect(system("sleep 0.01; printf 'changed!' > \(root)/a.txt") == 0)
        #expect(try await store.get("a.txt") == Array("changed!".utf8))
        #expect(try await store.digest("a.txt") == ContentDigest.of(Array("changed!".utf8).span))
        #expect(try await store.get("a.txt", offset: 2, length: 3) == Array("ang".utf8))
    }

    /// The file used last is checked once per `recheckAfter`: within it, an edit is not seen (and the
    /// size, digest and bytes agree); after it, it is.
    @Test func aCheckHoldsForAMillisecond() async throws {
        let root = "/tmp/swiftlet-store-recheck-\(getpid())"
        try makeTree(root)
        final class Clock: @unchecked Sendable { var t = Instant(nanoseconds: 1_000_000_000) }
        let clock = Clock()
        let store = DirectoryStore(root: root, now: { clock.t })
        #expect(try await store.get("a.txt") == Array("hello".utf8))
        #expect(system("printf 'changed!' > \(root)/a.txt") == 0)
        clock.t = clock.t + .microseconds(999)
        #expect(try await store.get("a.txt") == Array("hello".utf8))
        #expect(try await store.size("a.txt") == 5)
        #expect(try await store.get("sub/b.txt") == Array("world".utf8), "another file is checked itself")
        #expect(try await store.get("a.txt") == Array("changed!".utf8), "the last check was of another file")
        clock.t = clock.t + .microseconds(1)
        #expect(try await store.size("a.txt") == 8)
        #expect(system("printf 'x' > \(root)/a.txt") == 0)
        clock.t = clock.t + .milliseconds(1)
        #expect(try await store.get("a.txt") == Array("x".utf8))
    }

    /// Nothing outside the root is served: a link to a file outside, a link to a directory outside
    /// (and a key through it), a link inside pointing inside, a FIFO: all not found, and left out of
    /// `list`. (Before, the links were followed: the outside file was served.)
    @Test func symbolicLinksAreNotFollowed() async throws {
        let root = "/tmp/swiftlet-store-links-\(getpid())"
        let outside = "/tmp/swiftlet-store-outside-\(getpid())"
        #expect(system("rm -rf \(root) \(outside)") == 0)
        try makeTree(root)
        #expect(system("""
            mkdir -p \(outside) && printf secret > \(outside)/secret.txt && \
            ln -s \(outside)/secret.txt \(root)/secret.txt && ln -s ../../\(outside)/secret.txt \(root)/sub/relative.txt && \
            ln -s \(outside) \(root)/out && ln -s a.txt \(root)/inside.txt && ln -s sub \(root)/subLink && \
            mkfifo \(root)/fifo
            """) == 0)
        let store = DirectoryStore(root: root)
        for key in ["secret.txt", "sub/relative.txt", "out/secret.txt", "inside.txt", "subLink/b.txt", "fifo"] {
            await #expect(throws: KeyValueError.notFound(key)) { try await store.get(key) }
            await #expect(throws: KeyValueError.notFound(key)) { try await store.size(key) }
            await #expect(throws: KeyValueError.notFound(key)) { try await store.get(key, offset: 0, length: 1) }
            await #expect(throws: KeyValueError.notFound(key)) { try await store.digest(key) }
        }
        await #expect(throws: KeyValueError.notFound("out")) { try await store.list("out") }
        await #expect(throws: KeyValueError.notFound("subLink")) { try await store.list("subLink") }
        #expect(try await store.list("").map(\.name) == ["a.txt", "sub"])
        #expect(try await store.list("sub").map(\.name) == ["b.txt"])
        // The root's own path may be a link (it names the root): served as the directory it names.
        #expect(system("ln -sfn \(root) \(root)-link") == 0)
        #expect(try await DirectoryStore(root: root + "-link").get("sub/b.txt") == Array("world".utf8))
        #expect(system("rm -rf \(root) \(root)-link \(outside)") == 0)
    }

    /// Every descriptor the store opens is closed, on the paths that fail as on those that succeed: a
    /// thousand rounds of reads, lists and refusals (a link, a FIFO, a missing key, a file where a
    /// directory is asked for) leave the process with about as many open descriptors as before. A leak on
    /// any path would add a thousand; other tests running at the same time open a few.
    @Test func theStoreClosesEveryDescriptorItOpens() async throws {
        let root = "/tmp/swiftlet-store-fds-\(getpid())"
        #expect(system("rm -rf \(root)") == 0)
        try makeTree(root)
        #expect(system("mkdir -p \(root)/sub/deeper && printf x > \(root)/sub/deeper/c.txt && ln -s a.txt \(root)/link && mkfifo \(root)/fifo") == 0)
        let store = DirectoryStore(root: root, recheckAfter: .zero)
        let before = openDescriptors()
        for _ in 0..<1000 {
            #expect(try await store.get("sub/deeper/c.txt") == [UInt8(ascii: "x")])
            #expect(try await store.list("sub").count == 2)
            _ = try? await store.get("link")
            _ = try? await store.get("fifo")
            _ = try? await store.get("sub/missing/c.txt")
            _ = try? await store.list("a.txt")
            _ = try? await store.list("sub/deeper/c.txt/x")
        }
        let after = openDescriptors()
        #expect(after - before < 100, "open descriptors \(before) -> \(after)")
        #expect(system("rm -rf \(root)") == 0)
    }

    private func makeTree(_ root: String) throws {
        #expect(system("mkdir -p \(root)/sub && printf hello > \(root)/a.txt && printf world > \(root)/sub/b.txt") == 0)
    }
}

@Suite struct RunLoopTests {
    @Test func childTasksRunOnTheLoop() {
        let loop = RunLoop()
        let status = loop.run {
            async let a: Int32 = { await loop.sleep(for: .milliseconds(5)); return 1 }()
            async let b: Int32 = { await loop.sleep(for: .milliseconds(2)); return 2 }()
            return await a + b
        }
        #expect(status == 3)
    }

    @Test func aPollingLoopAfterALongJobStillLetsTheLoopTurn() {
        // A job that ran 30 ms leaves the turn's `now` behind; polling `now` with short sleeps must still
        // reach the limit (before the fix each sleep returned at once and `now` never moved).
        let loop = RunLoop()
        let passes = loop.run { () -> Int32 in
            usleep(30_000)
            let limit = loop.now + .milliseconds(50)
            var n: Int32 = 0
            while loop.now < limit, n < 100_000 {
                await loop.sleep(for: .milliseconds(10))
                n += 1
            }
            return n
        }
        #expect(passes > 0 && passes < 100)
    }

    @Test func sleepersWakeInDeadlineOrderAndTheLoopReturnsTheStatus() {
        let loop = RunLoop()
        final class Order: @unchecked Sendable { var woke: [Int] = [] }
        let order = Order()
        let status = loop.run {
            await withDiscardingTaskGroup { group in
                for (i, ms) in [30, 10, 20].enumerated() {
                    group.addTask {
                        await loop.sleep(for: .milliseconds(Int64(ms)))
                        order.woke.append(i)
                    }
                }
            }
            return 42
        }
        #expect(status == 42)
        #expect(order.woke == [1, 2, 0])
        #expect(loop.sleeping == 0)
    }

    @Test func theStartUpLineSaysEveryAddressOrTheOneBound() {
        let loop = RunLoop()
        #expect(HostNetwork(loop: loop).reachable(port: 8080, scheme: "http") == "http://127.0.0.1:8080/ (or any address of this host)")
        #expect(HostNetwork(loop: loop, bindAddress: IPv4Address(127, 0, 0, 1)).reachable(port: 7) == "127.0.0.1:7")
    }

    @Test func hostSocketsEchoOverLoopback() {
        let loop = RunLoop()
        let network = HostNetwork(loop: loop)
        final class Outcome: @unchecked Sendable { var echoed: [UInt8] = []; var udp: [UInt8] = []; var refused: NetworkError? }
        let outcome = Outcome()
        let status = loop.run {
            do throws(NetworkError) {
                let listener = try network.listen(port: 0)
                let server = try network.udp(port: 0)
                let client = try network.udp(port: 0)
                async let served: Void = {
                    if let flow = await listener.accept() {
                        while let bytes = try? await flow.read(maximum: 7) { try? await flow.write(bytes) }
                        flow.close()
                    }
                }()
                let flow = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: listener.port)
                let message = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
                try await flow.write(message)
                flow.shutdownWrite()
                while let bytes = try await flow.read() { outcome.echoed += bytes }
                flow.close()
                await served
                try client.send([1, 2, 3], to: IPv4Address(127, 0, 0, 1), port: server.port)
                outcome.udp = try await server.receive().payload
                listener.close()
                do throws(NetworkError) {
                    _ = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: listener.port)
                } catch { outcome.refused = error }
                return outcome.echoed == message ? 0 : 1
            } catch {
                return 2
            }
        }
        #expect(status == 0)
        #expect(outcome.udp == [1, 2, 3])
        #expect(outcome.refused == .refused)
    }

    /// Every socket closes, on the failing paths too: binding a port in use (TCP and UDP), connecting to
    /// a closed port, and accepted connections dropped without a word. A thousand rounds leave about as
    /// many descriptors open as before (a leak on any path would add a thousand).
    @Test func socketsCloseOnEveryPath() {
        let loop = RunLoop()
        let network = HostNetwork(loop: loop, bindAddress: IPv4Address(127, 0, 0, 1))
        final class Counts: @unchecked Sendable { var before = 0, after = 0, refusals = 0, inUse = 0 }
        let counts = Counts()
        let status = loop.run {
            do throws(NetworkError) {
                let listener = try network.listen(port: 0)
                let udp = try network.udp(port: 0)
                let closed = try network.listen(port: 0)
                let closedPort = closed.port
                closed.close()
                counts.before = openDescriptors()
                for _ in 0..<1000 {
                    do throws(NetworkError) { _ = try network.listen(port: listener.port) } catch { counts.inUse += 1 }
                    do throws(NetworkError) { _ = try network.udp(port: udp.port) } catch { counts.inUse += 1 }
                    do throws(NetworkError) {
                        _ = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: closedPort)
                    } catch { counts.refusals += 1 }
                    let flow = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: listener.port)
                    _ = await listener.accept()  // dropped: its descriptor closes as it goes
                    flow.close()
                }
                counts.after = openDescriptors()
                listener.close()
                return 0
            } catch {
                return 1
            }
        }
        #expect(status == 0)
        #expect(counts.inUse == 2000 && counts.refusals == 1000)
        #expect(counts.after - counts.before < 100, "open descriptors \(counts.before) -> \(counts.after)")
    }

    /// One listening socket and one UDP port hear both families (AF_INET6 with IPV6_V6ONLY off): a client
    /// over ::1 is seen as `.v6(::1)`, one over 127.0.0.1 as `.v4` (not as ::ffff:127.0.0.1), and answers go
    /// back to each in its own family.
    @Test func oneSocketServesBothFamilies() throws {
        let loop = RunLoop()
        let network = HostNetwork(loop: loop)
        guard network.isDualStack else {
            print("SKIPPED oneSocketServesBothFamilies: this host has no IPv6 sockets (ipv6.disable=1)")
            return
        }
        final class Outcome: @unchecked Sendable {
            var remotes: [IPAddress] = []; var sources: [IPAddress] = []; var answers: [[UInt8]] = []
        }
        let outcome = Outcome()
        let status = loop.run {
            do throws(NetworkError) {
                let listener = try network.listen(port: 0)
                let server = try network.udp(port: 0)
                for address in [IPAddress.v6(.loopback), .v4(IPv4Address(127, 0, 0, 1))] {
                    let flow = try await network.connect(to: address, port: listener.port)
                    guard let accepted = await listener.accept() else { return 1 }
                    outcome.remotes.append(accepted.remote.address)
                    try await flow.write([7])
                    guard try await accepted.read(maximum: 1, timeout: .seconds(5)) == [7] else { return 3 }
                    flow.close(); accepted.close()
                    let client = try network.udp(port: 0)
                    try client.send([1, 2], to: address, port: server.port)
                    let d = try await server.receive(timeout: .seconds(5))
                    outcome.sources.append(d.source)
                    try server.send(d.payload + [3], to: d.source, port: d.sourcePort)
                    outcome.answers.append(try await client.receive(timeout: .seconds(5)).payload)
                    client.close()
                }
                listener.close()
                server.close()
                return 0
            } catch {
                return 2
            }
        }
        #expect(status == 0)
        #expect(outcome.remotes == [.v6(.loopback), .v4(IPv4Address(127, 0, 0, 1))])
        #expect(outcome.sources == outcome.remotes)
        #expect(outcome.answers == [[1, 2, 3], [1, 2, 3]])
    }

    /// A read that returns less than it asked for lets the next one wait for epoll without asking the
    /// kernel first, except once the peer has closed: here the three bytes and the FIN are both queued
    /// before the first read, so the short read is followed by the end of the stream, which must still be
    /// seen (before the fix this waited for an edge that had already come).
    @Test func aShortReadThenThePeersCloseIsSeen() {
        let loop = RunLoop()
        let network = HostNetwork(loop: loop)
        final class Outcome: @unchecked Sendable { var first: [UInt8]? = nil; var second: NetworkError? = nil; var ended = false }
        let outcome = Outcome()
        let status = loop.run {
            do throws(NetworkError) {
                let listener = try network.listen(port: 0)
                let client = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: listener.port)
                guard let server = await listener.accept() else { return 1 }
                try await client.write([1, 2, 3])
                client.shutdownWrite()
                await loop.sleep(for: .milliseconds(50))  // the FIN is queued behind the bytes
                outcome.first = try await server.read(maximum: 64, timeout: .seconds(5))
                do throws(NetworkError) {
                    outcome.ended = try await server.read(maximum: 64, timeout: .seconds(5)) == nil
                } catch { outcome.second = error }
                server.close()
                client.close()
                listener.close()
                return 0
            } catch {
                return 2
            }
        }
        #expect(status == 0)
        #expect(outcome.first == [1, 2, 3])
        #expect(outcome.second == nil)
        #expect(outcome.ended)
    }

    /// Datagrams arrive in batches (recvmmsg) and replies sent while more are waiting are held and sent
    /// together (sendmmsg): 50 datagrams queued at once, sizes up to the largest UDP datagram, each
    /// answered; every reply arrives, in order, byte for byte, and one sent after the batch goes at once.
    @Test func batchedDatagramsAreAnsweredInOrder() {
        let loop = RunLoop()
        let network = HostNetwork(loop: loop)
        final class Outcome: @unchecked Sendable { var replies: [[UInt8]] = []; var late: [UInt8] = [] }
        let outcome = Outcome()
        @Sendable func datagram(_ i: Int) -> [UInt8] {
            let size = i == 7 ? HostUDPSocket.maximumDatagram : i == 30 ? 0 : 1 + i * 37
            return (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
        }
        let status = loop.run {
            do throws(NetworkError) {
                let server = try network.udp(port: 0)
                let client = try network.udp(port: 0)
                // All 50 are queued before the server first reads, so it sees them in batches.
                for i in 0..<50 { try client.send(datagram(i), to: IPv4Address(127, 0, 0, 1), port: server.port) }
                for _ in 0..<50 {
                    let d = try await server.receive()
                    try server.send(d.payload.reversed(), to: d.source, port: d.sourcePort)
                }
                for _ in 0..<50 { outcome.replies.append(try await client.receive(timeout: .seconds(5)).payload) }
                try server.send([9, 9], to: IPv4Address(127, 0, 0, 1), port: client.port)
                outcome.late = try await client.receive(timeout: .seconds(5)).payload
                #expect(throws: NetworkError.messageTooLong(HostUDPSocket.maximumDatagram + 1)) {
                    try server.send([UInt8](repeating: 0, count: HostUDPSocket.maximumDatagram + 1), to: IPv4Address(127, 0, 0, 1), port: client.port)
                }
                return 0
            } catch {
                return 2
            }
        }
        #expect(status == 0)
        #expect(outcome.replies.count == 50)
        for (i, reply) in outcome.replies.enumerated() { #expect(reply == Array(datagram(i).reversed()), "reply \(i)") }
        #expect(outcome.late == [9, 9])
    }
}

@Suite struct HTTPTimeoutTests {
    /// A client that starts a request and stalls gets 408 and a close; one that never sends is closed.
    @Test func slowRequestsGet408AndIdleConnectionsAreClosed() {
        let loop = RunLoop()
        let network = HostNetwork(loop: loop)
        final class Seen: @unchecked Sendable { var slow: [UInt8] = []; var idle: [UInt8]? = [1]; var readTimedOut = false }
        let seen = Seen()
        let status = loop.run {
            do throws(NetworkError) {
                let listener = try network.listen(port: 0)
                var timeouts = HTTPServer.Timeouts()
                timeouts.idle = .milliseconds(200)
                timeouts.request = .milliseconds(300)
                async let server: Void = {
                    for _ in 0..<2 {
                        guard let flow = await listener.accept() else { return }
                        await HTTPServer.connection(flow, clock: HostWallClock(), timeouts: timeouts) { _ in .text(200, "ok") }
                    }
                }()
                let slow = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: listener.port)
                try await slow.write(Array("GET / HT".utf8))
                while let bytes = try await slow.read() { seen.slow += bytes }
                slow.close()
                let idle = try await network.connect(to: IPv4Address(127, 0, 0, 1), port: listener.port)
                do throws(NetworkError) { _ = try await idle.read(maximum: 10, timeout: .milliseconds(20)) } catch { seen.readTimedOut = error == .timedOut }
                seen.idle = try await idle.read()
                idle.close()
                await server
                listener.close()
                return 0
            } catch {
                return 1
            }
        }
        #expect(status == 0)
        #expect(String(decoding: seen.slow, as: UTF8.self).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(seen.readTimedOut, "a read with a timeout throws .timedOut and leaves the connection usable")
        #expect(seen.idle == nil, "the idle connection is closed without a response")
    }
}

@Suite struct ImpairedDeviceTests {
    @Test func dropsDuplicatesAndHoldsBackAsConfigured() throws {
        let a = FakeNetworkDevice(macAddress: MACAddress(2, 0, 0, 0, 0, 1), queueLimit: 2000)
        let b = FakeNetworkDevice(macAddress: MACAddress(2, 0, 0, 0, 0, 2), queueLimit: 2000)
        FakeNetworkDevice.pair(a, b)
        var impairment = Impairment()
        impairment.lossPercent = 10
        impairment.duplicatePercent = 5
        impairment.reorderPercent = 20
        impairment.delay = .milliseconds(1)
        final class Clock: @unchecked Sendable { var now = Instant(nanoseconds: 1_000_000) }
        let clock = Clock()
        let device = ImpairedDevice(a, impairment: impairment, clock: { clock.now })
        for i in 0..<1000 { try device.transmit(PacketBuffer(bytes: [UInt8(truncatingIfNeeded: i), UInt8(i >> 8)])) }
        #expect(b.pending == 0, "everything is delayed by 1 ms")
        #expect(device.nextDeadline == clock.now + .milliseconds(1))
        clock.now = clock.now + .milliseconds(5)
        _ = try device.receive(limit: 0) { _ in }  // releases what is due
        var got: [Int] = []
        _ = try b.receive(limit: 2000) { got.append(Int($0.array[0]) | Int($0.array[1]) << 8) }
        let c = device.counters
        #expect(got.count == 1000 - c.dropped + c.duplicated)
        #expect((60...140).contains(c.dropped) && (20...80).contains(c.duplicated) && (130...270).contains(c.reordered))
        #expect(got != got.sorted(), "reordered frames arrive after later ones")
        #expect(device.nextDeadline == .distantFuture)
    }
}

/// A connection whose next request is always there at once (a client that pipelines and keeps the
/// socket full): reads never wait.
private final class PipelinedFlow: TCPFlow, @unchecked Sendable {
    let remote = Endpoint(address: IPv4Address(127, 0, 0, 1), port: 40000)
    private var remaining: Int
    private static let request = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
    init(requests: Int) { remaining = requests }
    func read(maximum: Int) async throws(NetworkError) -> [UInt8]? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        return Self.request
    }
    func read(maximum: Int, timeout: Duration) async throws(NetworkError) -> [UInt8]? { try await read(maximum: maximum) }
    func write(_ bytes: [UInt8]) async throws(NetworkError) {}
    func write(_ bytes: [UInt8], timeout: Duration) async throws(NetworkError) {}
    func writeWithoutWaiting(_ bytes: [UInt8]) -> Int { bytes.count }
    func shutdownWrite() {}
    func close() {}
    func abort() {}
}

@Suite struct HTTPFairnessTests {
    /// On one run loop, a connection that never has to wait must still let the others in: the second
    /// connection's request is answered after a bounded number of the first one's, not after all 200.
    @Test func aConnectionThatNeverWaitsDoesNotStarveTheOthers() {
        final class Log: @unchecked Sendable { var order: [Int] = [] }
        let log = Log(), loop = RunLoop(), clock = HostWallClock()
        let status = loop.run {
            async let a: Void = HTTPServer.connection(PipelinedFlow(requests: 200), clock: clock) { _ in
                log.order.append(1); return HTTPResponse(status: 200)
            }
            async let b: Void = HTTPServer.connection(PipelinedFlow(requests: 1), clock: clock) { _ in
                log.order.append(2); return HTTPResponse(status: 200)
            }
            _ = await (a, b)
            return 0
        }
        #expect(status == 0)
        #expect(log.order.count == 201)
        let waited = log.order.firstIndex(of: 2) ?? -1
        #expect(waited >= 0 && waited <= HTTPServer.requestsBetweenYields, "the second connection waited for \(waited) requests of the first")
    }
}

/// How many descriptors the process has open (the entries of /proc/self/fd, less the one reading it).
func openDescriptors() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var count = 0
    while readdir(dir) != nil { count += 1 }
    return count - 3  // ".", "..", and dir's own
}
