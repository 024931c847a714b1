// SwiftletNet: the memory report a kernel or tap process prints on its console when started with
// `--report memory` (`swiftlet run --memory-report`): one line, at most once a second and only when a
// figure changed, so that a test or an operator can watch memory and connections from the outside:
//
//   memory: heap 1843200 of 268435456 bytes, tcp 1180 (peak 524288) of 67108864 bytes, tcp connections 3
//
// heap: the platform's allocator (kvm: the kernel heap and its size; tap: malloc's bytes in use and the
// bytes it took from the system); tcp: the stack's `MemoryBudget` (used, peak, limit); connections: every
// TCP connection record the stack holds, in any state. No RFC: a Swiftlet convention (docs/GUIDE.md).

import Swiftlet

/// One memory report: what the platform's heap and the stack's TCP budget hold at an instant.
public struct MemoryReport: Hashable, Sendable, CustomStringConvertible {
    public var heapInUse: Int
    public var heapSize: Int
    public var tcpUsed: Int
    public var tcpPeak: Int
    public var tcpLimit: Int
    public var tcpConnections: Int

    public init(heapInUse: Int, heapSize: Int, tcpUsed: Int, tcpPeak: Int, tcpLimit: Int, tcpConnections: Int) {
        self.heapInUse = heapInUse
        self.heapSize = heapSize
        self.tcpUsed = tcpUsed
        self.tcpPeak = tcpPeak
        self.tcpLimit = tcpLimit
        self.tcpConnections = tcpConnections
    }

    public var description: String {
        // Appended piece by piece through one non-inlined helper: each interpolation is code in every kernel.
        var s = "memory: heap "
        MemoryReport.append(heapInUse, " of ", to: &s)
        MemoryReport.append(heapSize, " bytes, tcp ", to: &s)
        MemoryReport.append(tcpUsed, " (peak ", to: &s)
        MemoryReport.append(tcpPeak, ") of ", to: &s)
        MemoryReport.append(tcpLimit, " bytes, tcp connections ", to: &s)
        MemoryReport.append(tcpConnections, "", to: &s)
        return s
    }

    @inline(never)
    static func append(_ value: Int, _ text: String, to s: inout String) {
        s += String(value)
        s += text
    }
}

/// Decides when a report is due: every `interval`, printed only when it differs from the last one printed.
public struct MemoryReporter: Sendable {
    public let interval: Duration
    public private(set) var next: Instant
    private var last: MemoryReport? = nil

    public init(interval: Duration = .seconds(1), now: Instant) {
        self.interval = interval
        next = now
    }

    /// The report to print at `now`, or nil (not due yet, or nothing changed since the last one).
    public mutating func due(_ report: @autoclosure () -> MemoryReport, now: Instant) -> MemoryReport? {
        guard now >= next else { return nil }
        next = now + interval
        let r = report()
        guard r != last else { return nil }
        last = r
        return r
    }
}
