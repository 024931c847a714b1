// Swiftlet: time as the stack and applications see it.
//
// `Instant` is a point on a monotonic clock (nanoseconds since an arbitrary origin, usually boot) and
// `Duration` a signed span of nanoseconds. They are our own because the standard clocks do not exist in
// Embedded Swift. State machines never read a clock: callers pass `now` in.
// Arithmetic saturates instead of trapping, so a far-future deadline cannot overflow.

/// A signed span of time in nanoseconds.
public struct Duration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func nanoseconds(_ n: Int64) -> Duration { Duration(nanoseconds: n) }
    public static func microseconds(_ n: Int64) -> Duration { Duration(nanoseconds: saturatingMultiply(n, 1_000)) }
    public static func milliseconds(_ n: Int64) -> Duration { Duration(nanoseconds: saturatingMultiply(n, 1_000_000)) }
    public static func seconds(_ n: Int64) -> Duration { Duration(nanoseconds: saturatingMultiply(n, 1_000_000_000)) }

    public static let zero = Duration(nanoseconds: 0)
    public static let max = Duration(nanoseconds: .max)

    public var milliseconds: Int64 { nanoseconds / 1_000_000 }
    public var microseconds: Int64 { nanoseconds / 1_000 }

    public static func < (a: Duration, b: Duration) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: Duration, b: Duration) -> Duration { Duration(nanoseconds: saturatingAdd(a.nanoseconds, b.nanoseconds)) }
    public static func - (a: Duration, b: Duration) -> Duration { Duration(nanoseconds: saturatingAdd(a.nanoseconds, -Swift.max(b.nanoseconds, -Int64.max))) }
    public static func * (a: Duration, k: Int64) -> Duration { Duration(nanoseconds: saturatingMultiply(a.nanoseconds, k)) }
    public static func / (a: Duration, k: Int64) -> Duration { Duration(nanoseconds: k == 0 ? .max : a.nanoseconds / k) }

    public var description: String {
        let n = nanoseconds
        if n % 1_000_000_000 == 0 { return "\(n / 1_000_000_000)s" }
        if n % 1_000_000 == 0 { return "\(n / 1_000_000)ms" }
        if n % 1_000 == 0 { return "\(n / 1_000)us" }
        return "\(n)ns"
    }
}

/// A point on a monotonic clock, in nanoseconds since the clock's origin.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)
    /// Later than every real instant; use as "no deadline".
    public static let distantFuture = Instant(nanoseconds: .max)

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (t: Instant, d: Duration) -> Instant {
        if d.nanoseconds >= 0 {
            let (r, o) = t.nanoseconds.addingReportingOverflow(UInt64(d.nanoseconds))
            return Instant(nanoseconds: o ? .max : r)
        }
        let m = d.nanoseconds == .min ? UInt64(Int64.max) + 1 : UInt64(-d.nanoseconds)
        return Instant(nanoseconds: t.nanoseconds >= m ? t.nanoseconds - m : 0)
    }

    public static func - (t: Instant, d: Duration) -> Instant { t + Duration(nanoseconds: -Swift.max(d.nanoseconds, -Int64.max)) }

    /// The signed time from `b` to `a`, saturating.
    public static func - (a: Instant, b: Instant) -> Duration {
        if a >= b {
            let d = a.nanoseconds - b.nanoseconds
            return Duration(nanoseconds: d > UInt64(Int64.max) ? .max : Int64(d))
        }
        let d = b.nanoseconds - a.nanoseconds
        return Duration(nanoseconds: d > UInt64(Int64.max) ? -.max : -Int64(d))
    }

    public var description: String { "@\(Duration(nanoseconds: Int64(clamping: nanoseconds)))" }
}

/// Wall-clock time: nanoseconds since the Unix epoch (UTC), ignoring leap seconds as POSIX does.
public struct WallTime: Hashable, Comparable, Sendable {
    public var nanosecondsSinceEpoch: Int64
    public init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }
    public init(secondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = saturatingMultiply(secondsSinceEpoch, 1_000_000_000) }
    public var secondsSinceEpoch: Int64 { nanosecondsSinceEpoch / 1_000_000_000 }
    public static func < (a: WallTime, b: WallTime) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
}

/// A monotonic clock: never goes backwards, unaffected by wall-clock changes.
public protocol MonotonicClock: AnyObject, Sendable {
    func now() -> Instant
}

/// A wall clock (may jump when set), with the steady reading beside it that intervals are measured on.
public protocol WallClock: AnyObject, Sendable {
    func now() -> WallTime
    /// The time since an arbitrary start, never going back and not moved when the wall clock is set: for
    /// deadlines and timeouts (a request's, a handshake's), which the wall time would stretch or cut short
    /// whenever it is stepped.
    func elapsed() -> Instant
}

@inline(__always)
func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? (b > 0 ? .max : .min) : r
}

@inline(__always)
func saturatingMultiply(_ a: Int64, _ b: Int64) -> Int64 {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    return o ? ((a < 0) != (b < 0) ? .min : .max) : r
}
