// Swiftlet: the entropy protocol (getrandom on hosted targets, RDSEED/RDRAND on kvm, seeded in tests).
//
// Used for TCP initial sequence numbers (RFC 6528), ephemeral ports, DNS IDs and hash seeds, so a real
// implementation must be unpredictable; the test fake is deterministic on purpose.

public protocol Entropy: AnyObject, Sendable {
    /// Fills `buffer` with random bytes.
    func fill(_ buffer: inout MutableSpan<UInt8>)
    /// Whether what `fill` gives now comes from a source an attacker cannot predict (getrandom,
    /// RDSEED/RDRAND): false for seeded test fakes and for the kvm kernel's TSC fallback on a CPU without
    /// RDSEED and RDRAND. Keys must not be made from a source that says false (SwiftletCrypto's
    /// `RandomGenerator` refuses one).
    var isUnpredictable: Bool { get }
}

extension Entropy {
    /// A random 64-bit value.
    public func next64() -> UInt64 {
        var bytes = [UInt8](repeating: 0, count: 8)
        var span = bytes.mutableSpan
        fill(&span)
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        return v
    }

    /// A random value in `0..<bound` without modulo bias (`bound` > 0).
    public func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "Entropy.next(below:) needs a positive bound")
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let v = next64()
            if v < limit { return v % bound }
        }
    }
}
