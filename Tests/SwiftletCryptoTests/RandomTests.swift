// SwiftletCryptoTests: HMAC_DRBG (SP 800-90A §10.1.2) against a second implementation of the same
// algorithm in Python (its `hmac` module, written from the standard's pseudocode, sharing no code with
// ours), and the limits and reseeding of `RandomGenerator` over a counting entropy device.

import ChildProcess
import Testing
import Swiftlet
@testable import SwiftletCrypto

/// An entropy device that counts what it was asked for and returns a seeded stream.
final class CountingEntropy: Entropy, @unchecked Sendable {
    var random = SeededBytes(seed: 99)
    var calls = 0, bytesGiven = 0
    var unpredictable = true
    /// Pretends to be a real source unless told otherwise (the generator refuses a predictable one).
    var isUnpredictable: Bool { unpredictable }
    func fill(_ buffer: inout MutableSpan<UInt8>) {
        calls += 1
        bytesGiven += buffer.count
        for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: random.next()) }
    }
}

@Suite struct RandomTests {
    @Test func hmacDRBGMatchesAnIndependentImplementation() throws {
        var random = SeededBytes(seed: 800_90)
        var lines: [String] = [], ours: [String] = []
        for _ in 0..<40 {
            let entropy = random.bytes(32 + random.below(32)), nonce = random.bytes(random.below(32))
            let personalization = random.bytes(random.below(3) == 0 ? 0 : random.below(40))
            let reseedEntropy = random.bytes(32), additional = random.bytes(random.below(2) == 0 ? 0 : 32)
            let lengths = [1 + random.below(200), 1 + random.below(1000)]
            var drbg = try HMACDRBG<SHA256>(entropy: entropy.span, nonce: nonce.span, personalization: personalization.span)
            var outputs: [String] = []
            for (i, n) in lengths.enumerated() {
                if i == 1 { try drbg.reseed(entropy: reseedEntropy.span, additionalInput: additional.span) }
                var out = [UInt8](repeating: 0, count: n)
                var span = out.mutableSpan
                try drbg.generate(into: &span, additionalInput: additional.span)
                outputs.append(hex(out))
            }
            ours.append(outputs.joined(separator: " "))
            lines.append(([entropy, nonce, personalization, reseedEntropy, additional].map { $0.isEmpty ? "-" : hex($0) }
                          + lengths.map(String.init)).joined(separator: " "))
        }
        let script = """
        import sys, hmac
        def H(k, m): return hmac.new(k, m, 'sha256').digest()
        class DRBG:
            def __init__(s, seed): s.K = b'\\0' * 32; s.V = b'\\1' * 32; s.up(seed)
            def up(s, data):
                s.K = H(s.K, s.V + b'\\0' + data); s.V = H(s.K, s.V)
                if data: s.K = H(s.K, s.V + b'\\1' + data); s.V = H(s.K, s.V)
            def gen(s, n, add):
                if add: s.up(add)
                t = b''
                while len(t) < n: s.V = H(s.K, s.V); t += s.V
                s.up(add); return t[:n]
        for line in sys.stdin:
            f = [b'' if x == '-' else bytes.fromhex(x) for x in line.split()[:5]]
            n1, n2 = map(int, line.split()[5:])
            d = DRBG(f[0] + f[1] + f[2])
            a = d.gen(n1, f[4]); d.up(f[3] + f[4]); b = d.gen(n2, f[4])
            print(a.hex(), b.hex())
        """
        let theirs = try ChildProcess.python(script, input: lines.joined(separator: "\n") + "\n").split(separator: "\n").map(String.init)
        #expect(theirs == ours)
    }

    @Test func hmacDRBGRefusesWhatTheStandardForbids() throws {
        let short = [UInt8](repeating: 1, count: 31), enough = [UInt8](repeating: 1, count: 32), none: [UInt8] = []
        #expect(throws: CryptoError.badLength) { _ = try HMACDRBG<SHA256>(entropy: short.span, nonce: none.span, personalization: none.span) }
        var drbg = try HMACDRBG<SHA256>(entropy: enough.span, nonce: none.span, personalization: none.span)
        #expect(throws: CryptoError.badLength) { try drbg.reseed(entropy: short.span, additionalInput: none.span) }
        var big = [UInt8](repeating: 0, count: (1 << 16) + 1)
        var span = big.mutableSpan
        #expect(throws: CryptoError.outputTooLong) { try drbg.generate(into: &span, additionalInput: none.span) }
        #expect(big.allSatisfy { $0 == 0 })
    }

    @Test func randomGeneratorSeedsFromItsDeviceAndReseedsOnSchedule() throws {
        let device = CountingEntropy()
        let generator = try RandomGenerator(source: device)
        #expect(device.calls == 1 && device.bytesGiven == RandomGenerator<CountingEntropy>.seedLength + 16)
        // A request over the DRBG's 64 KiB limit is served in pieces, with different bytes in each.
        let large = generator.bytes(200_000)
        #expect(large.count == 200_000)
        #expect(Array(large[0..<32]) != Array(large[65_536..<(65_536 + 32)]))
        var counts = [Int](repeating: 0, count: 256)
        for b in large { counts[Int(b)] += 1 }
        #expect(counts.min()! > 600 && counts.max()! < 960)   // 781 expected per value; a broken DRBG fails this by far
        // After reseedEvery requests to the DRBG the next one takes fresh entropy from the device.
        let scheduled = CountingEntropy()
        let fresh = try RandomGenerator(source: scheduled)
        for _ in 0..<Int(RandomGenerator<CountingEntropy>.reseedEvery) { _ = fresh.bytes(1) }
        #expect(scheduled.calls == 1 && fresh.reseeds == 0)
        _ = fresh.bytes(1)
        #expect(scheduled.calls == 2 && fresh.reseeds == 1)
        // Two generators over devices giving the same bytes give the same stream; another personalization not.
        let a = try RandomGenerator(source: CountingEntropy()), b = try RandomGenerator(source: CountingEntropy())
        let name = Array("host-a".utf8)
        let c = try RandomGenerator(source: CountingEntropy(), personalization: name.span)
        let first = a.bytes(64)
        #expect(first == b.bytes(64) && first != c.bytes(64))
    }

    @Test func aPredictableSourceIsRefusedAndNeverCountedAsEntropy() throws {
        let weak = CountingEntropy()
        weak.unpredictable = false
        #expect(throws: CryptoError.predictableEntropy) { _ = try RandomGenerator(source: weak) }
        #expect(weak.calls == 0)   // refused before a byte was drawn
        // For tests it can be asked for anyway, and then says what it is.
        #expect(!RandomGenerator(predictableSource: weak).isUnpredictable)
        // A source that goes bad later (RDRAND failing): reseeds are skipped, not fed guessable bytes.
        let failing = CountingEntropy()
        let generator = try RandomGenerator(source: failing)
        #expect(generator.isUnpredictable)
        failing.unpredictable = false
        generator.reseed()
        #expect(failing.calls == 1 && generator.reseeds == 0 && generator.skippedReseeds == 1)
        #expect(generator.bytes(16) != generator.bytes(16))
    }
}
