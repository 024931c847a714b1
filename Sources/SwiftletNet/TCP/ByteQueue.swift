// SwiftletNet: a bounded FIFO of bytes (a ring), used for TCP send and receive buffers.
// Invariant: 0 <= count <= capacity; bytes are read in the order written.

struct ByteQueue {
    private var storage: [UInt8]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: max(capacity, 1)) }

    var capacity: Int { storage.count }
    var free: Int { storage.count - count }
    var isEmpty: Bool { count == 0 }

    /// Appends as much of `bytes` as fits; returns how many were taken.
    mutating func append(_ bytes: Span<UInt8>) -> Int {
        let n = min(bytes.count, free)
        var tail = (head + count) % storage.count
        for i in 0..<n {
            storage[tail] = bytes[i]
            tail += 1
            if tail == storage.count { tail = 0 }
        }
        count += n
        return n
    }

    /// A copy of `length` bytes starting `offset` bytes from the front.
    func copy(offset: Int, length: Int) -> [UInt8] {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "ByteQueue.copy out of range")
        var out = [UInt8](repeating: 0, count: length)
        var at = (head + offset) % storage.count
        for i in 0..<length {
            out[i] = storage[at]
            at += 1
            if at == storage.count { at = 0 }
        }
        return out
    }

    /// Removes `n` bytes from the front.
    mutating func drop(_ n: Int) {
        precondition(n >= 0 && n <= count, "ByteQueue.drop beyond count")
        head = (head + n) % storage.count
        count -= n
        if count == 0 { head = 0 }
    }

    /// Removes and returns up to `n` bytes from the front.
    mutating func read(_ n: Int) -> [UInt8] {
        let k = min(n, count)
        let out = copy(offset: 0, length: k)
        drop(k)
        return out
    }
}
