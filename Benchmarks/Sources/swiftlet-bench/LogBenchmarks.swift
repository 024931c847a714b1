// Benchmarks/run logging: what logging costs (Swiftlet/Log.swift).
//
//   logging-calls        a loop that does a little work per pass, with and without a debug message whose
//                        source is at warning (the message is never built): ns per pass, and the ratio
//   logging-tcp off|on   tcp-connect's workload (two stacks, 3-way handshakes and closes in one thread) with
//                        the tcp source at its default (warning: nothing reported) or at debug to a
//                        reporter that drops what it gets; Benchmarks/logging.sh runs both and the ratio
//
// Log.main's levels are set before the stack's source is first used, as the generated main does.

import Swiftlet

/// A step of work a hot path might do: mixes `i` into the state.
@inline(never)
func mix(_ state: inout UInt64, _ i: Int) {
    state = (state ^ UInt64(truncatingIfNeeded: i)) &* 0x9E37_79B9_7F4A_7C15
    state ^= state >> 29
}

@inline(never)
func mixAndLog(_ state: inout UInt64, _ i: Int, _ source: LogSource) {
    state = (state ^ UInt64(truncatingIfNeeded: i)) &* 0x9E37_79B9_7F4A_7C15
    source.debug("pass " + String(i) + " state " + String(state))
    state ^= state >> 29
}

func benchLoggingCalls() {
    let passes = max(1_000_000, Int(100_000_000 * scale))
    let router = LogRouter()
    router.addReporter { _ in fatalError("a message below its level was reported") }
    let source = LogSource("bench", router: router)  // at the default, warning: debug is off
    var state: UInt64 = 1
    let plain = best { for i in 0..<passes { mix(&state, i) } }
    let logged = best { for i in 0..<passes { mixAndLog(&state, i, source) } }
    print("logging-calls: \(passes) passes of a small step, best of 5 (state \(state & 0xff))")
    print("  without a log call           \(format(plain / Double(passes), 3)) ns/pass")
    print("  with a debug call, level off \(format(logged / Double(passes), 3)) ns/pass")
    print("RESULT logging-off \(format(logged / Double(passes), 3)) ns/pass ratio \(format(logged / plain, 3)) vs no-log-call")
}

func benchLoggingTCP(_ mode: String) {
    if mode == "on" {
        var settings = LogSettings()
        settings.perSource = [("tcp", LogLevel.debug.rawValue)]
        Log.main.configure(settings)
        final class Count: @unchecked Sendable { var n = 0 }
        let count = Count()
        Log.main.setClock { WallTime(nanosecondsSinceEpoch: Int64(nowNanoseconds())) }
        Log.main.addReporter { _ in count.n += 1 }
    }
    let count = max(100, Int(10_000 * scale))
    let t = best { _ = swiftletConnections(count) }
    print("LOGGING-TCP \(mode) \(Int(Double(count) / (t / 1e9)))")
}
