// SwiftletNet: the stack's memory budget: the most bytes that TCP buffers (send, receive and out-of-order,
// which lives in the receive ring) and connection records may hold together. Every growth asks first, and
// what the budget refuses is shed instead: a receive ring that may not grow drops the segment (the peer
// sends it again), a send ring that may not grow takes fewer bytes (`write` waits), and a stack whose
// budget is nearly spent accepts no new connection. So no network input can push a kernel's heap past the
// budget and into a panic (docs/ARCHITECTURE.md, "Limits under attack").

/// Shared by a stack and its connections; used from the stack's one thread only.
public final class MemoryBudget {
    /// The most bytes that may be reserved at once.
    public let limit: Int
    /// Bytes reserved now.
    public private(set) var used = 0
    /// The most bytes ever reserved at once.
    public private(set) var peak = 0
    /// Requests refused because they would have passed the limit.
    public private(set) var refusals = 0

    public init(limit: Int) { self.limit = max(0, limit) }

    public var available: Int { limit - used }

    /// Reserves `bytes` if they fit; false (and nothing reserved) when they do not.
    public func reserve(_ bytes: Int) -> Bool {
        guard bytes <= limit - used else { refusals += 1; return false }
        used += bytes
        if used > peak { peak = used }
        return true
    }

    /// Reserves `bytes` only if `leaving` bytes stay free after it: for memory that can be done without
    /// (out-of-order data), so that it never takes what in-order data and new connections need.
    public func reserve(_ bytes: Int, leaving: Int) -> Bool {
        guard bytes <= limit - used - leaving else { refusals += 1; return false }
        return reserve(bytes)
    }

    /// Gives back bytes reserved earlier. More than is reserved is an accounting error (a copy of a
    /// connection changed on its own, say): counted, and never a trap in a kernel.
    public func release(_ bytes: Int) {
        if bytes > used || bytes < 0 { accountingErrors += 1 }
        used -= min(max(bytes, 0), used)
    }

    /// Releases of more than was reserved (should stay 0; the tcpstate fuzzer checks the exact count).
    public private(set) var accountingErrors = 0
}
