// SwiftletCrypto: HMAC_DRBG, the deterministic random bit generator of NIST SP 800-90A Rev. 1 §10.1.2,
// over any `HashFunction` (SHA-256 gives 256-bit security strength, Table 2). A state machine with no
// I/O: the caller supplies entropy input and nonce; `RandomGenerator` wraps it around an `Entropy` device.
// Limits (Table 2): at most 2^16 bytes (2^19 bits) per request, at most 2^48 requests between reseeds.

public struct HMACDRBG<H: HashFunction>: ~Copyable {
    /// The most bytes one `generate` call returns (max_number_of_bits_per_request = 2^19).
    public static var maximumRequest: Int { 1 << 16 }
    /// Requests allowed between reseeds (reseed_interval = 2^48).
    public static var reseedInterval: UInt64 { 1 << 48 }
    /// The fewest bytes of entropy input `init` and `reseed` accept: the security strength, the hash's
    /// output length for the SHA-2 hashes (§10.1, Table 2).
    public static var minimumEntropy: Int { H.digestLength < 32 ? H.digestLength : 32 }

    private var key: [UInt8]
    private var value: [UInt8]
    /// reseed_counter (§10.1.2.1): requests since the last (re)seed, plus one.
    public private(set) var reseedCounter: UInt64

    /// Instantiate (§10.1.2.3): seed material = entropy input || nonce || personalization string.
    /// `CryptoError.badLength` when `entropy` is shorter than `minimumEntropy`.
    public init(entropy: Span<UInt8>, nonce: Span<UInt8>, personalization: Span<UInt8>) throws(CryptoError) {
        guard entropy.count >= Self.minimumEntropy else { throw .badLength }
        key = [UInt8](repeating: 0x00, count: H.digestLength)
        value = [UInt8](repeating: 0x01, count: H.digestLength)
        reseedCounter = 1
        update(entropy, nonce, personalization)
    }

    /// Reseed (§10.1.2.4): seed material = entropy input || additional input.
    public mutating func reseed(entropy: Span<UInt8>, additionalInput: Span<UInt8>) throws(CryptoError) {
        guard entropy.count >= Self.minimumEntropy else { throw .badLength }
        let none: [UInt8] = []
        update(entropy, additionalInput, none.span)
        reseedCounter = 1
    }

    /// Generate (§10.1.2.5): fills `output` with pseudorandom bytes. `CryptoError.outputTooLong` for more
    /// than `maximumRequest` bytes, `.reseedRequired` once `reseedInterval` requests have been served.
    public mutating func generate(into output: inout MutableSpan<UInt8>, additionalInput: Span<UInt8>) throws(CryptoError) {
        guard output.count <= Self.maximumRequest else { throw .outputTooLong }
        guard reseedCounter <= Self.reseedInterval else { throw .reseedRequired }
        let none: [UInt8] = []
        if !additionalInput.isEmpty { update(additionalInput, none.span, none.span) }
        var written = 0
        while written < output.count {
            value = HMAC<H>.authenticationCode(for: value.span, key: key.span)
            let take = Swift.min(value.count, output.count - written)
            for i in 0..<take { output[written + i] = value[i] }
            written += take
        }
        update(additionalInput, none.span, none.span)
        reseedCounter += 1
    }

    /// HMAC_DRBG_Update (§10.1.2.2) of the concatenation of up to three inputs (passed apart so that
    /// seed material is never copied into one more buffer).
    private mutating func update(_ a: Span<UInt8>, _ b: Span<UInt8>, _ c: Span<UInt8>) {
        let provided = !(a.isEmpty && b.isEmpty && c.isEmpty)
        for round: UInt8 in 0...1 {
            if round == 1 && !provided { return }
            var mac = HMAC<H>(key: key.span)
            mac.update(value.span)
            var separator = InlineArray<1, UInt8>(repeating: round)
            mac.update(separator.span)
            separator[0] = 0
            mac.update(a)
            mac.update(b)
            mac.update(c)
            ConstantTime.wipe(&key)
            key = mac.finalize()
            value = HMAC<H>.authenticationCode(for: value.span, key: key.span)
        }
    }
}
