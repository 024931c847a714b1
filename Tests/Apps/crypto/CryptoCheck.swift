// The crypto test application: runs SwiftletCrypto's known-answer tests (RFC and NIST examples) on the
// target it is built for, prints "crypto: N known answers passed" (or each failure and exits 1), then with
// --bench prints "FIGURE key value unit" lines as Benchmarks/crypto.sh's swiftlet-bench does, measured
// with the clock device. Tests/Integration/kvm.sh runs it on the kvm target.

import Swiftlet
import SwiftletCrypto

enum CryptoCheck {
    static func start(console: some Console, clock: some MonotonicClock, entropy: some Entropy, arguments: Arguments) async -> Int32 {
        var failures = 0, passed = 0
        func check(_ name: String, _ got: [UInt8], _ expected: String) {
            if hex(got) == expected { passed += 1 } else { failures += 1; console.log("crypto: FAIL \(name): \(hex(got))") }
        }
        for (name, got, expected) in KnownAnswers.all() { check(name, got, expected) }
        // The generator over the platform's entropy device (which must say it is unpredictable: RDSEED or
        // RDRAND on kvm, getrandom hosted): two draws must differ.
        if let random = try? RandomGenerator(source: entropy), random.bytes(32) != random.bytes(32) {
            passed += 1
        } else {
            failures += 1
            console.log("crypto: FAIL random: the entropy device is predictable, or two draws were equal")
        }
        guard failures == 0 else {
            console.log("crypto: \(failures) known answers FAILED, \(passed) passed")
            return 1
        }
        console.log("crypto: \(passed) known answers passed")
        if arguments.bench { Speed.run(console: console, clock: clock) }
        return 0
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    var s = ""
    for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
    return s
}

func bytes(_ hexText: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8 = 0, odd = false
    for c in hexText.utf8 {
        let v: UInt8 = c <= 57 ? c - 48 : c - 87
        if odd { out.append(high << 4 | v) } else { high = v }
        odd.toggle()
    }
    return out
}
