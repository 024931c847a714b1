// The Internet checksum against RFC 1071's worked example, a byte-at-a-time reference, and RFC 1624's
// incremental update.

import Testing
import SwiftletTesting
@testable import SwiftletWire

/// Straight from RFC 1071 §4.1 in spirit: 16-bit big-endian words, end-around carry.
private func reference(_ b: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    var i = 0
    while i + 1 < b.count { sum += UInt32(b[i]) << 8 | UInt32(b[i + 1]); i += 2 }
    if i < b.count { sum += UInt32(b[i]) << 8 }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

@Suite struct ChecksumTests {
    @Test func rfc1071Example() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2; the checksum is its complement.
        let b: [UInt8] = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]
        var c = InternetChecksum()
        c.add(b.span)
        #expect(c.folded == 0xDDF2)
        #expect(c.value == 0x220D)
    }

    @Test func matchesReferenceForEveryLengthAndSplit() {
        var r = SeededRandom(seed: 42)
        for length in 0..<300 {
            let b = r.bytes(length)
            #expect(InternetChecksum.of(b.span) == reference(b), "length \(length)")
            // Split at an arbitrary (possibly odd) point: the odd byte must carry over.
            let cut = length == 0 ? 0 : Int.random(in: 0...length, using: &r)
            var c = InternetChecksum()
            c.add(b.span.extracting(0..<cut))
            c.add(b.span.extracting(cut...))
            #expect(c.value == reference(b), "length \(length) cut \(cut)")
        }
        let big = r.bytes(65_537)
        #expect(InternetChecksum.of(big.span) == reference(big))
        let ones = [UInt8](repeating: 0xFF, count: 100_000)
        #expect(InternetChecksum.of(ones.span) == reference(ones))
    }

    @Test func incrementalUpdateMatchesRecomputation() {
        var r = SeededRandom(seed: 7)
        for _ in 0..<1000 {
            var b = r.bytes(40)
            let before = InternetChecksum.of(b.span)
            let at = Int.random(in: 0..<10, using: &r) * 4
            let old = UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
            let new = UInt32.random(in: 0...UInt32.max, using: &r)
            for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: new >> UInt32(24 - 8 * k)) }
            let updated = InternetChecksum.update(before, old: old, new: new)
            let recomputed = InternetChecksum.of(b.span)
            // RFC 1624 §3: the two may differ only as 0x0000 vs 0xFFFF (both mean zero in ones' complement).
            #expect(updated == recomputed || (updated ^ recomputed) == 0xFFFF && (updated == 0 || recomputed == 0))
        }
    }

    @Test func pseudoHeaderMatchesManualLayout() {
        let src = IPv4Address(192, 168, 0, 1), dst = IPv4Address(10, 0, 0, 7)
        let segment: [UInt8] = [1, 2, 3, 4, 5]
        var c = InternetChecksum.pseudoHeader(source: src, destination: dst, protocol: .udp, length: segment.count)
        c.add(segment.span)
        let manual: [UInt8] = [192, 168, 0, 1, 10, 0, 0, 7, 0, 17, 0, 5] + segment
        #expect(c.value == reference(manual))
    }
}
