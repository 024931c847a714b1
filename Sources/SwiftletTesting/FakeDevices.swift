// SwiftletTesting: in-memory fakes of every device protocol in `Swiftlet`.
//
// They behave like the real devices as far as the protocols promise (bounded queues, range checks,
// errors), and they record what happened so tests can look.

import Swiftlet

/// A network device whose frames go into `transmitted` (and to a connected peer, if any) and which receives
/// what a test or the peer `deliver`s. The receive queue is bounded; overflow is counted, as a NIC would drop.
public final class FakeNetworkDevice: NetworkDevice {
    public let macAddress: MACAddress
    public let mtu: Int
    public let headroom: Int
    public let queueLimit: Int
    public private(set) var transmitted: [PacketBuffer] = []
    public private(set) var dropped = 0
    public var isUp = true
    private var inbox: [PacketBuffer] = []
    private weak var peer: FakeNetworkDevice?

    public init(macAddress: MACAddress, mtu: Int = 1500, headroom: Int = 0, queueLimit: Int = 256) {
        self.macAddress = macAddress
        self.mtu = mtu
        self.headroom = headroom
        self.queueLimit = queueLimit
    }

    /// Connects two fakes back to back: each one's transmissions are delivered to the other.
    public static func pair(_ a: FakeNetworkDevice, _ b: FakeNetworkDevice) {
        a.peer = b
        b.peer = a
    }

    public func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {
        guard isUp else { throw .down }
        let limit = mtu + 18
        guard frame.count <= limit else { throw .frameTooLarge(size: frame.count, limit: limit) }
        let copy = PacketBuffer(bytes: frame.array)
        transmitted.append(copy)
        peer?.deliver(copy)
    }

    /// Puts a frame in the receive queue (dropped and counted when the queue is full).
    public func deliver(_ frame: PacketBuffer) {
        guard inbox.count < queueLimit else { dropped += 1; return }
        inbox.append(frame)
    }

    public var pending: Int { inbox.count }

    public func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int {
        guard isUp else { throw .down }
        let n = min(limit, inbox.count)
        let batch = inbox.prefix(n)
        inbox.removeFirst(n)
        for frame in batch { handler(frame) }
        return n
    }

    /// Forgets what was transmitted so far.
    public func clearTransmitted() { transmitted.removeAll() }
}

/// A block device held in memory; `isReadOnly` devices refuse writes.
public final class MemoryBlockDevice: BlockDevice, @unchecked Sendable {
    public let sectorSize: Int
    public let sectorCount: UInt64
    public let isReadOnly: Bool
    public private(set) var storage: [UInt8]
    public private(set) var flushes = 0

    public init(sectorSize: Int = 512, sectorCount: UInt64, isReadOnly: Bool = false) {
        self.sectorSize = sectorSize
        self.sectorCount = sectorCount
        self.isReadOnly = isReadOnly
        storage = [UInt8](repeating: 0, count: sectorSize * Int(sectorCount))
    }

    public func read(sector: UInt64, into buffer: inout [UInt8]) async throws(BlockDeviceError) {
        try validate(sector: sector, length: buffer.count)
        let start = Int(sector) * sectorSize
        buffer.replaceSubrange(0..<buffer.count, with: storage[start..<(start + buffer.count)])
    }

    public func write(sector: UInt64, from buffer: [UInt8]) async throws(BlockDeviceError) {
        guard !isReadOnly else { throw .readOnly }
        try validate(sector: sector, length: buffer.count)
        let start = Int(sector) * sectorSize
        storage.replaceSubrange(start..<(start + buffer.count), with: buffer)
    }

    public func flush() async throws(BlockDeviceError) { flushes += 1 }
}

/// A console that keeps everything written.
public final class MemoryConsole: Console, @unchecked Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(bytes span: Span<UInt8>) {
        for i in 0..<span.count { bytes.append(span[i]) }
    }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A monotonic clock that only moves when told to.
public final class ManualClock: MonotonicClock, @unchecked Sendable {
    public private(set) var current: Instant
    public init(start: Instant = .zero) { current = start }
    public func now() -> Instant { current }
    public func advance(by d: Duration) {
        precondition(d >= .zero, "ManualClock cannot go backwards")
        current = current + d
    }
    public func advance(to t: Instant) {
        if t > current { current = t }
    }
}

/// A wall clock set by the test.
/// A wall clock a test sets. Alone it stands still (`current`, and `steady` for `elapsed`); made
/// `following:` a simulation's `ManualClock`, both move with it, as a real clock's do with real time.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    public var current: WallTime
    public var steady: Instant = .zero
    let following: ManualClock?
    let start: Instant
    public init(_ t: WallTime, following clock: ManualClock? = nil) {
        current = t
        following = clock
        start = clock?.now() ?? .zero
    }
    public func now() -> WallTime {
        guard let following else { return current }
        return WallTime(nanosecondsSinceEpoch: current.nanosecondsSinceEpoch &+ Int64(clamping: (following.now() - start).nanoseconds))
    }
    public func elapsed() -> Instant { following?.now() ?? steady }
}

/// Deterministic entropy from a seed; never use outside tests and fuzzers.
public final class SeededEntropy: Entropy, @unchecked Sendable {
    /// Seeded, so predictable by design; `claimsUnpredictable` makes it say otherwise, so that code which
    /// refuses predictable entropy (key generation, TLS) runs in a test or a fuzzer and replays exactly.
    public let isUnpredictable: Bool
    private var generator: SeededRandom
    public init(seed: UInt64, claimsUnpredictable: Bool = false) {
        generator = SeededRandom(seed: seed)
        isUnpredictable = claimsUnpredictable
    }
    /// Starts the sequence again from `seed` (a fuzzer does for every input).
    public func reseed(_ seed: UInt64) { generator = SeededRandom(seed: seed) }
    public func fill(_ buffer: inout MutableSpan<UInt8>) {
        var i = 0
        while i < buffer.count {
            let v = generator.next()
            for k in 0..<8 where i + k < buffer.count { buffer[i + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) }
            i += 8
        }
    }
}

/// A read-only key-value store over a dictionary of paths; directories are implied by the paths.
public final class MemoryKeyValueStore: KeyValueStore, @unchecked Sendable {
    private let values: [String: [UInt8]]

    public init(_ values: [String: [UInt8]]) { self.values = values }

    private func value(_ key: String) throws(KeyValueError) -> [UInt8] {
        if let v = values[key] { return v }
        if isDirectory(key) { throw .wrongKind(key) }
        throw .notFound(key)
    }

    private func isDirectory(_ key: String) -> Bool {
        key.isEmpty || values.keys.contains { $0.hasPrefix(key + "/") }
    }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] { try value(key) }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        let v = try value(key)
        try KeyValueRange.check(offset: offset, length: length, size: v.count)
        return Array(v[offset..<(offset + length)])
    }

    public func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] {
        if values[directory] != nil { throw .wrongKind(directory) }
        guard isDirectory(directory) else { throw .notFound(directory) }
        let prefix = directory.isEmpty ? "" : directory + "/"
        var entries: [String: KeyValueEntry.Kind] = [:]
        for key in values.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                entries[String(rest[..<slash])] = .directory
            } else {
                entries[String(rest)] = .value
            }
        }
        return entries.keys.sorted().map { KeyValueEntry(name: $0, kind: entries[$0]!) }
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int { try value(key).count }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        let v = try value(key)
        return ContentDigest.of(v.span)
    }
}
