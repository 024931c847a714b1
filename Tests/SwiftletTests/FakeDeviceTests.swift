// Every device protocol exercised through its in-memory fake, via generic code as applications use them.

import Testing
import Swiftlet
import SwiftletTesting

private func sendAndReceive<D: NetworkDevice>(_ a: D, _ b: D) async throws -> [[UInt8]] {
    var frame = a.makeFrame(reserve: 14)
    try frame.append(contentsOf: [9, 9].span)
    try frame.prepend(14)
    try a.transmit(frame)
    var got: [[UInt8]] = []
    _ = try b.receive(limit: 10) { got.append($0.array) }
    return got
}

private func readBack<B: BlockDevice>(_ disk: B) async throws -> [UInt8] {
    try await disk.write(sector: 2, from: [UInt8](repeating: 7, count: 1024))
    try await disk.flush()
    var buffer = [UInt8](repeating: 0, count: 512)
    try await disk.read(sector: 3, into: &buffer)
    return buffer
}

@Suite struct FakeDeviceTests {
    @Test func networkPairDeliversFramesAndBoundsTheQueue() async throws {
        let a = FakeNetworkDevice(macAddress: MACAddress(2, 0, 0, 0, 0, 1), queueLimit: 2)
        let b = FakeNetworkDevice(macAddress: MACAddress(2, 0, 0, 0, 0, 2), queueLimit: 2)
        FakeNetworkDevice.pair(a, b)
        let got = try await sendAndReceive(a, b)
        #expect(got.count == 1 && got[0].count == 16 && got[0].suffix(2) == [9, 9])
        for _ in 0..<3 { b.deliver(PacketBuffer(bytes: [1])) }
        #expect(b.pending == 2 && b.dropped == 1)
        let big = PacketBuffer(bytes: [UInt8](repeating: 0, count: 1600))
        #expect(throws: NetworkDeviceError.frameTooLarge(size: 1600, limit: 1518)) { try a.transmit(big) }
        a.isUp = false
        #expect(throws: NetworkDeviceError.down) { try a.transmit(PacketBuffer(bytes: [1])) }
    }

    // On one executor (the main actor here, the run loop's in Swiftlet), as every target runs.
    /// The simulated link holds at most `frameLimit` frames in flight and as many at each device: a
    /// sender that never stops (a runaway loop in a test) is dropped and counted, not stored.
    @Test func simulatedLinkBoundsWhatItHolds() throws {
        let clock = ManualClock()
        let link = SimulatedLink(clock: clock, seed: 1)
        let frame = PacketBuffer(bytes: [UInt8](repeating: 1, count: 60))
        for _ in 0..<(SimulatedLink.frameLimit + 10) { try link.a.transmit(frame) }
        #expect(link.framesInFlight == SimulatedLink.frameLimit)
        #expect(link.overflowed == 10)
        clock.advance(by: .seconds(1))
        #expect(link.deliverDue() == SimulatedLink.frameLimit)
        // Nobody reads b: the next burst fills nothing beyond its receive queue.
        for _ in 0..<10 { try link.a.transmit(frame) }
        clock.advance(by: .seconds(1))
        #expect(link.deliverDue() == 0)
        #expect(link.b.pending == SimulatedLink.frameLimit)
        #expect(link.overflowed == 20)
    }

    @Test func blockDeviceReadsWritesAndChecksRanges() async throws {
        let disk = MemoryBlockDevice(sectorCount: 8)
        #expect(try await readBack(disk) == [UInt8](repeating: 7, count: 512))
        #expect(disk.flushes == 1)
        await #expect(throws: BlockDeviceError.outOfRange(sector: 7, count: 2, sectorCount: 8)) {
            try await disk.write(sector: 7, from: [UInt8](repeating: 0, count: 1024))
        }
        await #expect(throws: BlockDeviceError.unaligned(length: 100, sectorSize: 512)) {
            var b = [UInt8](repeating: 0, count: 100)
            try await disk.read(sector: 0, into: &b)
        }
        await #expect(throws: BlockDeviceError.outOfRange(sector: .max, count: 1, sectorCount: 8)) {
            var b = [UInt8](repeating: 0, count: 512)
            try await disk.read(sector: .max, into: &b)
        }
        let ro = MemoryBlockDevice(sectorCount: 1, isReadOnly: true)
        await #expect(throws: BlockDeviceError.readOnly) { try await ro.write(sector: 0, from: [UInt8](repeating: 0, count: 512)) }
    }

    @Test func consoleClockEntropy() {
        let c = MemoryConsole()
        c.log("hello")
        c.write("wörld")
        #expect(c.text == "hello\nwörld")
        let clock = ManualClock()
        clock.advance(by: .milliseconds(5))
        #expect(clock.now() == Instant(nanoseconds: 5_000_000))
        let e1 = SeededEntropy(seed: 1), e2 = SeededEntropy(seed: 1)
        #expect(e1.next64() == e2.next64())
        #expect(e1.next(below: 10) < 10)
        var buffer = [UInt8](repeating: 0, count: 13)
        var span = buffer.mutableSpan
        e1.fill(&span)
        #expect(buffer.contains { $0 != 0 })
    }

    @Test func keyValueStore() async throws {
        let kv = MemoryKeyValueStore(["index.html": Array("<h1>hi</h1>".utf8), "css/site.css": Array("body{}".utf8),
                                      "css/print.css": [1], "img/a/b.png": [2]])
        #expect(try await kv.get("index.html") == Array("<h1>hi</h1>".utf8))
        #expect(try await kv.get("index.html", offset: 4, length: 2) == Array("hi".utf8))
        #expect(try await kv.size("css/site.css") == 6)
        #expect(try await kv.list("") == [KeyValueEntry(name: "css", kind: .directory), KeyValueEntry(name: "img", kind: .directory),
                                          KeyValueEntry(name: "index.html", kind: .value)])
        #expect(try await kv.list("css").map(\.name) == ["print.css", "site.css"])
        let d1 = try await kv.digest("index.html")
        #expect(d1.count == 16 && d1 == ContentDigest.of(Array("<h1>hi</h1>".utf8).span))
        #expect(try await kv.digest("css/print.css") != kv.digest("img/a/b.png"))
        await #expect(throws: KeyValueError.notFound("nope")) { try await kv.get("nope") }
        await #expect(throws: KeyValueError.wrongKind("css")) { try await kv.get("css") }
        await #expect(throws: KeyValueError.wrongKind("index.html")) { try await kv.list("index.html") }
        await #expect(throws: KeyValueError.badRange(offset: 10, length: 5, size: 11)) { try await kv.get("index.html", offset: 10, length: 5) }
    }
}
