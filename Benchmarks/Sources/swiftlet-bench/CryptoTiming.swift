// swiftlet-bench crypto-timing: a dudect-style check that secret-handling operations take the same time
// whatever the secret (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017). Each
// operation runs on inputs of two classes, a fixed secret and fresh random secrets, in a random order;
// the cycle counts of the two classes are compared with Welch's t-test, over all measurements and again
// with the slowest ones cropped at several percentiles (interrupts and migrations only ever add time).
// |t| above 4.5 is evidence of a leak (the dudect threshold); below it, none was found at this sample size.
//   RESULT timing-NAME MAX|t| t (N measurements)

import CBenchPeers
import Glibc
import SwiftletCrypto
import SwiftletTesting

/// Running mean and variance (Welford), one per class.
struct Moments {
    var n = 0.0, mean = 0.0, m2 = 0.0
    mutating func add(_ x: Double) {
        n += 1
        let d = x - mean
        mean += d / n
        m2 += d * (x - mean)
    }
    var variance: Double { n > 1 ? m2 / (n - 1) : 0 }
}

func welch(_ a: Moments, _ b: Moments) -> Double {
    let s = a.variance / a.n + b.variance / b.n
    return s > 0 ? (a.mean - b.mean) / s.squareRoot() : 0
}

/// Measures `operation` `count` times on inputs made up front by `makeInput(class, generator)` (class 0: the
/// fixed secret, 1: a random one; each input in storage of its own, so both classes reach the operation in
/// the same way). Prints the |t| of every crop and the largest.
/// SWIFTLET_TIMING_SCALE=N multiplies every sample count (a real leak's |t| grows with the square root of
/// the count; noise does not); SWIFTLET_TIMING_ONLY=NAME runs one check.
let timingScale = max(1, Int(String(cString: getenv("SWIFTLET_TIMING_SCALE") ?? strdup("1"))) ?? 1)
let timingOnly = getenv("SWIFTLET_TIMING_ONLY").map { String(cString: $0) }

func timingCheck(_ name: String, count baseCount: Int, makeInput: (Int, inout SplitMix) -> [UInt8], operation: ([UInt8]) -> Void) {
    if let only = timingOnly, only != name { return }
    let count = baseCount * timingScale
    var random = SplitMix(seed: 0x7157_0000 &+ UInt64(name.utf8.count))
    var classes: [Int] = [], inputs: [[UInt8]] = []
    classes.reserveCapacity(count)
    inputs.reserveCapacity(count)
    for _ in 0..<count {
        let cls = Int(random.next() & 1)
        classes.append(cls)
        inputs.append(makeInput(cls, &random))
    }
    var cycles = [Double](repeating: 0, count: count)
    for i in 0..<count {
        let input = inputs[i]
        let t0 = peer_cycles()
        operation(input)
        let t1 = peer_cycles()
        cycles[i] = Double(t1 &- t0)
    }
    // Drop the first tenth (warm-up: caches, branch predictors, frequency).
    let first = count / 10
    let sorted = cycles[first...].sorted()
    var worst = 0.0
    var report: [String] = []
    for percentile in [100.0, 99.0, 95.0, 90.0, 75.0, 50.0] {
        let limit = sorted[min(sorted.count - 1, Int(Double(sorted.count) * percentile / 100))]
        var a = Moments(), b = Moments()
        for i in first..<count where cycles[i] <= limit { if classes[i] == 0 { a.add(cycles[i]) } else { b.add(cycles[i]) } }
        let t = welch(a, b)
        worst = max(worst, abs(t))
        report.append("p\(Int(percentile)) \(t < 0 ? "-" : "")\(format(abs(t), 2))")
    }
    let median = sorted[sorted.count / 2]
    print("  \(name): median \(Int(median)) cycles; t by crop: \(report.joined(separator: ", "))")
    print("RESULT timing-\(name) \(format(worst, 2)) max|t| (\(count - first) measurements; leak if > 4.5)")
}

/// `count` bytes: `fixed` repeated for class 0 (all zeros for scalars: the value most likely to take a
/// shortcut in variable-time code), random for class 1.
func secret(_ cls: Int, _ r: inout SplitMix, count: Int = 32, fixed: UInt8 = 0x5C) -> [UInt8] {
    var bytes = [UInt8](repeating: fixed, count: count)
    if cls == 1 { r.fill(&bytes) }
    return bytes
}

typealias SplitMix = SeededRandom

extension SeededRandom {
    mutating func fill(_ bytes: inout [UInt8]) {
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: next()) }
    }
}

func benchCryptoTiming() {
    print("crypto-timing: Welch's t over fixed-vs-random secrets (dudect); |t| > 4.5 means a leak")
    let message = [UInt8](repeating: 1, count: 64)
    var sink: UInt8 = 0
    // The control: a comparison that stops at the first difference (Swift's ==) against the fixed secret,
    // 1 KiB long so the difference is visible. It must show a leak, or the check itself is blind.
    let reference = [UInt8](repeating: 0x5C, count: 1024)
    timingCheck("control-early-exit-compare", count: 100_000, makeInput: { secret($0, &$1, count: 1024) },
                operation: { if $0 == reference { sink &+= 1 } })
    // HMAC-SHA-256: the key is the secret.
    timingCheck("hmac-sha256", count: 200_000, makeInput: { secret($0, &$1) },
                operation: { sink &+= HMAC<SHA256>.authenticationCode(for: message, key: $0)[0] })
    // X25519: the private scalar is the secret (the peer's point is public and fixed).
    let peer = (try? X25519.publicKey(privateKey: [UInt8](repeating: 0x17, count: 32).span)) ?? []
    timingCheck("x25519", count: 20_000, makeInput: { secret($0, &$1, fixed: 0) },
                operation: { sink &+= ((try? X25519.sharedSecret(privateKey: $0.span, peerPublicKey: peer.span)) ?? [0])[0] })
    // Ed25519 signing: the seed is the secret (key expansion and signing both timed).
    timingCheck("ed25519-sign", count: 20_000, makeInput: { secret($0, &$1, fixed: 0) },
                operation: { sink &+= ((try? Ed25519PrivateKey(seed: $0.span))?.signature(for: message.span) ?? [0])[0] })
    // P-256 signing: the private scalar is the secret (fixed: 1, the smallest valid key; zero is refused).
    let digest = SHA256.hash(message)
    timingCheck("p256-sign", count: 20_000, makeInput: { cls, r in
        var k = secret(cls, &r, fixed: 0)
        if cls == 0 { k[31] = 1 } else { k[0] &= 0x7f }   // below the order
        return k
    }, operation: { sink &+= ((try? P256PrivateKey(rawScalar: $0.span))?.signature(forDigest: digest.span) ?? [0])[0] })
    // AES-128-GCM (the path the CPU gets): the key is the secret; key setup and sealing 64 bytes are timed.
    let nonce = [UInt8](repeating: 9, count: 12)
    timingCheck("aes128gcm", count: 200_000, makeInput: { secret($0, &$1, count: 16, fixed: 0) }, operation: { key in
        var text = message
        var span = text.mutableSpan
        if let aes = try? AES128GCM(key: key.span) { sink &+= ((try? aes.seal(&span, nonce: nonce.span, authenticating: nonce.span)) ?? [0])[0] }
    })
    // The portable (bitsliced) AES-GCM, which machines without AES-NI run.
    timingCheck("aes128gcm-portable", count: 100_000, makeInput: { secret($0, &$1, count: 16, fixed: 0) }, operation: { key in
        var text = message
        var span = text.mutableSpan
        if let aes = try? AES128GCM(key: key.span, hardware: false) { sink &+= ((try? aes.seal(&span, nonce: nonce.span, authenticating: nonce.span)) ?? [0])[0] }
    })
    // ChaCha20-Poly1305: the key is the secret.
    timingCheck("chacha20poly1305", count: 200_000, makeInput: { secret($0, &$1, fixed: 0) }, operation: { key in
        var text = message
        var span = text.mutableSpan
        if let chacha = try? ChaCha20Poly1305(key: key.span) { sink &+= ((try? chacha.seal(&span, nonce: nonce.span, authenticating: nonce.span)) ?? [0])[0] }
    })
    print("# sink \(sink)")
}
