// SwiftletHTTP: what one server's connections may hold at once: how many connections it serves, and
// the heap bytes of their unanswered requests and of the responses being written. The stack's memory
// budget bounds what TCP holds; this bounds what the application copies out of it, so that a crowd of
// clients, each within the parser's limits (a 64 KiB head, a 1 MiB body), cannot together take a
// kernel's heap. What is over a bound is shed with a 503 and the connection closed (RFC 9110 §15.6.4),
// never queued. docs/ARCHITECTURE.md, "Limits under attack", lists the defaults.

import Swiftlet

extension HTTPServer {
    /// The bounds of one server; change them with `serve(_:clock:limits:timeouts:capacity:handler:)`.
    public struct Capacity: Sendable {
        /// Connections served at once: 1,024. One more is answered 503 and closed at once.
        public var connections = 1024
        /// Heap bytes all connections may hold at once for requests being read (the parsers' buffers)
        /// and responses being written: 32 MiB. A connection whose next read or response would pass it
        /// is answered 503 and closed.
        public var memory = 32 << 20
        public init() {}
    }

    /// One server's running count: its connections and the memory they hold. Shared by the server's
    /// connection tasks, which all run on one executor (the run loop's), so no lock is needed: start
    /// `serve` from the application's task (not a detached one), and read a `Load` from that executor.
    public final class Load: @unchecked Sendable {
        public let capacity: Capacity
        /// Bytes held now, the most ever held, and refusals (see `MemoryBudget`).
        public let memory: MemoryBudget
        /// Connections being served now, and the most at once.
        public private(set) var connections = 0
        public private(set) var peakConnections = 0
        /// Connections answered 503 because `capacity.connections` were being served.
        public private(set) var refusedConnections = 0
        /// Connections answered 503 because their memory would have passed `capacity.memory`.
        public private(set) var shedForMemory = 0
        /// Responses to unsafe methods sent although they did not fit (the handler had acted; a 503 would
        /// invite a second time); each connection ends after one.
        public private(set) var overBudgetResponses = 0
        /// Refused connections being answered now (each holds a task and a connection for at most about
        /// 17 s: see `HTTPServer.refuse`); beyond `maximumRefusing` they are reset at once.
        public private(set) var refusing = 0
        public static let maximumRefusing = 128
        /// Responses sent, by status class (1xx ... 5xx), the shed and refused ones included.
        public private(set) var responses = [0, 0, 0, 0, 0]
        /// Requests answered by the handler, by how long from the request parsed to its response taken by
        /// TCP: counts per bucket of `latencyBounds` (microseconds; one more bucket above the last), and their sum.
        public private(set) var latencies = [Int](repeating: 0, count: Load.latencyBounds.count + 1)
        public private(set) var latencySum = 0
        public static let latencyBounds = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 1_000_000]

        public init(_ capacity: Capacity = .init()) {
            self.capacity = capacity
            memory = MemoryBudget(limit: capacity.memory)
        }

        /// Takes a connection slot; false (counted) when all are taken.
        func admit() -> Bool {
            guard connections < capacity.connections else { refusedConnections += 1; return false }
            connections += 1
            if connections > peakConnections { peakConnections = connections }
            return true
        }

        func leave() { connections -= 1 }

        func shed() { shedForMemory += 1 }

        func overBudgetResponse() { overBudgetResponses += 1 }

        func beginRefusal() -> Bool {
            guard refusing < Load.maximumRefusing else { return false }
            refusing += 1
            return true
        }

        func endRefusal() { refusing -= 1 }

        func responded(_ status: Int) {
            let k = status / 100 - 1
            if k >= 0, k < responses.count { responses[k] += 1 }
        }

        func answered(in duration: Duration) {
            let us = Swift.max(0, Int(duration.microseconds))
            latencySum += us
            let i = Load.latencyBounds.firstIndex { us <= $0 } ?? Load.latencyBounds.count
            latencies[i] += 1
        }

        /// The server's figures as Prometheus metrics.
        public func writeMetrics(_ out: inout MetricsText) {
            out.family("swiftlet_http_responses_total", .counter, help: "HTTP responses sent, by status class.")
            for (i, n) in responses.enumerated() {
                out.sample("swiftlet_http_responses_total", n, labels: [("code", String(i + 1) + "xx")])
            }
            out.histogram("swiftlet_http_request_duration_seconds",
                          help: "From a request parsed to its response taken by TCP, for requests the handler answered.",
                          bounds: Load.latencyBounds, counts: latencies, sum: latencySum)
            out.metric("swiftlet_http_connections", .gauge, help: "HTTP connections being served.", connections)
            out.metric("swiftlet_http_connections_peak", .gauge, help: "The most HTTP connections served at once.", peakConnections)
            out.metric("swiftlet_http_connections_refused_total", .counter, help: "Connections answered 503: all slots taken.",
                       refusedConnections)
            out.metric("swiftlet_http_shed_for_memory_total", .counter, help: "Connections answered 503: over the memory capacity.",
                       shedForMemory)
            out.metric("swiftlet_http_memory_bytes", .gauge, help: "Bytes the connections' requests and responses hold.", memory.used)
            out.metric("swiftlet_http_memory_limit_bytes", .gauge, help: "The server's memory capacity.", memory.limit)
        }
    }
}

/// What one connection has charged to its server's `Load`: follows the parser's memory up and down, and
/// gives everything back when the connection ends.
struct HTTPConnectionCharge {
    let load: HTTPServer.Load?
    private(set) var charged = 0

    init(_ load: HTTPServer.Load?) { self.load = load }

    /// Charges `bytes` in all (more or less than before); false, with the charge unchanged, when the
    /// increase does not fit.
    mutating func set(_ bytes: Int) -> Bool {
        guard let load else { return true }
        if bytes > charged {
            guard load.memory.reserve(bytes - charged) else { return false }
        } else if bytes < charged {
            load.memory.release(charged - bytes)
        }
        charged = bytes
        return true
    }

    mutating func releaseAll() { _ = set(0) }
}
