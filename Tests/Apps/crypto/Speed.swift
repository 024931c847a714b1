// Operations per second of each primitive on the target, timed with the monotonic clock device (the
// timers device's `now` is the run loop's time, which stands still inside a synchronous loop), printed as
//   FIGURE key value unit
// with the keys of swiftlet-bench crypto, so that Benchmarks/crypto.sh reads both the same way.

import Swiftlet
import SwiftletCrypto

enum Speed {
    /// Runs `body` in batches until 0.3 s passed; the best rate of 3 rounds, per second.
    static func rate(clock: some MonotonicClock, batch: Int, _ body: () -> Void) -> Double {
        var best = 0.0
        for _ in 0..<3 {
            let start = clock.now()
            var done = 0
            repeat {
                for _ in 0..<batch { body() }
                done += batch
            } while (clock.now() - start).nanoseconds < 300_000_000
            let elapsed = Double((clock.now() - start).nanoseconds)
            best = max(best, Double(done) * 1e9 / elapsed)
        }
        return best
    }

    static func figure(_ console: some Console, _ key: String, _ value: Double, _ unit: String) {
        // Three decimals for GB/s, whole numbers for operations per second.
        let scaled = unit == "GB/s" ? Int(value * 1000) : Int(value)
        let text = unit == "GB/s" ? "\(scaled / 1000).\(String(scaled % 1000 + 1000).dropFirst())" : "\(scaled)"
        console.log("FIGURE \(key) \(text) \(unit)")
    }

    static func run(console: some Console, clock: some MonotonicClock) {
        let message = [UInt8](repeating: 0xA5, count: 16_384)
        var sink: UInt8 = 0
        figure(console, "sha256", rate(clock: clock, batch: 20) { sink &+= SHA256.hash(message)[0] } * 16_384 / 1e9, "GB/s")
        figure(console, "sha512", rate(clock: clock, batch: 20) { sink &+= SHA512.hash(message)[0] } * 16_384 / 1e9, "GB/s")
        console.log("crypto: bench done (\(sink))")
    }
}
