// SwiftletCrypto: the random bytes keys, nonces and salts are made from: an HMAC_DRBG with SHA-256
// (SP 800-90A §10.1.2) seeded from an `Entropy` device (getrandom on the hosted targets, RDSEED/RDRAND on
// kvm) and reseeded from it every `reseedEvery` requests, long before the standard's 2^48 limit, so that
// a state read out of memory once does not give away later keys for long. Requests larger than the DRBG's
// 64 KiB limit are served in pieces. Itself an `Entropy`, so it can stand in wherever one is taken. It
// refuses a source that says it is predictable (`Entropy.isUnpredictable`) unless made with
// `init(predictableSource:)`, for tests. One executor only (as every Swiftlet device): it has no lock, so
// two threads drawing at once could be given the same bytes.

import Swiftlet

public final class RandomGenerator<Source: Entropy>: Entropy, @unchecked Sendable {
    /// Requests between reseeds from the entropy device.
    public static var reseedEvery: UInt64 { 1 << 16 }
    /// Bytes of entropy input taken from the device at instantiation and at each reseed (twice the
    /// 256-bit security strength: the device is not assumed to give full entropy per bit).
    public static var seedLength: Int { 64 }

    private let source: Source
    /// Whether it was made with `init(source:)`, which demands an unpredictable source.
    private var requireUnpredictable = false
    private var drbg: HMACDRBG<SHA256>
    /// Reseeds done since instantiation.
    public private(set) var reseeds = 0

    /// Seeds from `source`: entropy input, and a nonce of 16 more bytes from the same device (§8.6.7 allows
    /// it), with `personalization` (a host name, say) as the personalization string.
    /// `CryptoError.predictableEntropy` when the source says it is predictable (`isUnpredictable`): a
    /// seeded fake, or a kvm kernel on a CPU without RDSEED and RDRAND.
    public convenience init(source: Source, personalization: Span<UInt8>) throws(CryptoError) {
        guard source.isUnpredictable else { throw .predictableEntropy }
        self.init(predictableSource: source, personalization: personalization)
        requireUnpredictable = true
    }

    public convenience init(source: Source) throws(CryptoError) {
        let none: [UInt8] = []
        try self.init(source: source, personalization: none.span)
    }

    /// Seeds from `source` whatever it says of itself: for tests and simulations only, where a
    /// reproducible stream is the point. Never for keys.
    public convenience init(predictableSource source: Source) {
        let none: [UInt8] = []
        self.init(predictableSource: source, personalization: none.span)
    }

    /// As `init(predictableSource:)`, with a personalization string.
    public init(predictableSource source: Source, personalization: Span<UInt8>) {
        self.source = source
        var seed = [UInt8](repeating: 0, count: Self.seedLength + 16)
        var span = seed.mutableSpan
        source.fill(&span)
        drbg = Self.instantiate(seed, personalization)
        ConstantTime.wipe(&seed)
    }

    private static func instantiate(_ seed: [UInt8], _ personalization: Span<UInt8>) -> HMACDRBG<SHA256> {
        let all = seed.span
        // Cannot throw: the entropy input is seedLength >= minimumEntropy bytes long.
        return try! HMACDRBG(entropy: all.extracting(0..<seedLength), nonce: all.extracting(seedLength..<seed.count), personalization: personalization)
    }

    /// Reseeds that were skipped because the source had become predictable (the kvm kernel's RDSEED and
    /// RDRAND failing): the generator then keeps its state, which is still unpredictable, rather than mix
    /// in guessable bytes it would count as entropy.
    public private(set) var skippedReseeds = 0

    /// New entropy from the device now (after a fork of a snapshot, say). Skipped (and counted) when the
    /// source has become predictable since.
    public func reseed() {
        guard source.isUnpredictable || !requireUnpredictable else { skippedReseeds += 1; return }
        var seed = [UInt8](repeating: 0, count: Self.seedLength)
        var span = seed.mutableSpan
        source.fill(&span)
        let none: [UInt8] = []
        try! drbg.reseed(entropy: seed.span, additionalInput: none.span)   // seedLength >= minimumEntropy
        ConstantTime.wipe(&seed)
        reseeds += 1
    }

    /// As its source was when it was made (a generator made with `init(source:)` is unpredictable).
    public var isUnpredictable: Bool { requireUnpredictable }

    public func fill(_ buffer: inout MutableSpan<UInt8>) {
        let none: [UInt8] = []
        var offset = 0
        var piece: [UInt8] = []
        while offset < buffer.count {
            if drbg.reseedCounter > Self.reseedEvery { reseed() }
            let n = Swift.min(HMACDRBG<SHA256>.maximumRequest, buffer.count - offset)
            if piece.count != n { piece = [UInt8](repeating: 0, count: n) }
            var span = piece.mutableSpan
            // Cannot throw: n <= maximumRequest and the counter is reset long before reseedInterval.
            try! drbg.generate(into: &span, additionalInput: none.span)
            for i in 0..<n { buffer[offset + i] = piece[i] }
            offset += n
        }
        ConstantTime.wipe(&piece)
    }

    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var span = out.mutableSpan
        fill(&span)
        return out
    }
}
