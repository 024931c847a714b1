// swiftlet-bench crypto: the speed of SwiftletCrypto's primitives, one figure per line as
//   FIGURE KEY VALUE UNIT
// (GB/s over 16 KiB messages for hashes and AEADs, operations per second for public-key operations).
// Benchmarks/crypto.sh runs `openssl speed` for the same operations in the same run and prints the ratios.

import SwiftletCrypto

/// Operations per second of `body`, run in batches of `batch` until at least 0.3 s passed, best of 3.
func operationsPerSecond(batch: Int, _ body: () -> Void) -> Double {
    var bestRate = 0.0
    for _ in 0..<3 {
        let t0 = nowNanoseconds()
        var done = 0
        repeat {
            for _ in 0..<batch { body() }
            done += batch
        } while nowNanoseconds() - t0 < 300_000_000
        bestRate = max(bestRate, Double(done) * 1e9 / Double(nowNanoseconds() - t0))
    }
    return bestRate
}

func figure(_ key: String, _ value: Double, _ unit: String) {
    print("FIGURE \(key) \(format(value, unit == "GB/s" ? 3 : 0)) \(unit)")
}

func benchCrypto() {
    let message = [UInt8](repeating: 0xA5, count: 16_384)
    var sink: UInt8 = 0
    let sha = operationsPerSecond(batch: 20) { sink &+= SHA256.hash(message)[0] }
    figure("sha256", sha * 16_384 / 1e9, "GB/s")
    let sha512 = operationsPerSecond(batch: 20) { sink &+= SHA512.hash(message)[0] }
    figure("sha512", sha512 * 16_384 / 1e9, "GB/s")
    print("# sink \(sink)")
}
