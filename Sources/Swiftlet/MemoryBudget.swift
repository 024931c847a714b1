// Swiftlet: a memory budget: the most bytes a set of buffers may hold together. Every growth asks first,
// and what the budget refuses is shed instead. The stack's TCP buffers share one (a receive ring that may
// not grow drops the segment, a send ring that may not grow takes fewer bytes, a stack whose budget is
// nearly spent accepts no new connection), and so do an HTTP server's request buffers and responses
// (`HTTPServer.Load`), so that no network input can push a kernel's heap past its budgets and into a panic
// (docs/ARCHITECTURE.md, "Limits under attack").

/// Shared by the holders of the buffers it counts; used from one thread (one executor) only.
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
