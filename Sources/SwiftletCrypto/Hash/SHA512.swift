// SwiftletCrypto: SHA-512 and SHA-384 (FIPS 180-4 §6.4 and §6.5): one compression function over 64-bit
// words and 128-byte blocks; SHA-384 differs only in its initial hash value (§5.3.4) and keeps the first
// 48 bytes of the digest. Streaming over `Span<UInt8>` as SHA256 does; fixed rounds, no secret-dependent
// branch or index.

/// The state shared by SHA-512 and SHA-384.
struct SHA512Core: Sendable {
    private var state: InlineArray<8, UInt64>
    private var buffer: InlineArray<128, UInt8> = .init(repeating: 0)
    private var buffered = 0
    /// Message length in bytes so far. The 128-bit length field's top 64 bits are the overflow of this
    /// count times 8, which a `UInt64` byte count bounds to its top three bits.
    private var length: UInt64 = 0

    init(initialState: InlineArray<8, UInt64>) { state = initialState }

    mutating func update(_ bytes: Span<UInt8>) {
        length &+= UInt64(bytes.count)
        var i = 0
        if buffered > 0 {
            let take = Swift.min(128 - buffered, bytes.count)
            for j in 0..<take { buffer[buffered + j] = bytes[j] }
            buffered += take
            i = take
            guard buffered == 128 else { return }
            let block = buffer
            Self.compress(&state, block.span, at: 0)
            buffered = 0
        }
        while bytes.count - i >= 128 {
            Self.compress(&state, bytes, at: i)
            i += 128
        }
        for j in i..<bytes.count { buffer[j - i] = bytes[j] }
        buffered = bytes.count - i
    }

    /// The first `count` bytes of the digest.
    mutating func finalize(count: Int) -> [UInt8] {
        // §5.1.2: a 1 bit, zeros to 112 mod 128 bytes, the length in bits as a 128-bit big-endian number.
        let high = length >> 61, low = length &<< 3
        var pad = InlineArray<144, UInt8>(repeating: 0)
        pad[0] = 0x80
        let padLength = (buffered < 112 ? 112 : 240) - buffered
        for k in 0..<8 {
            pad[padLength + k] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(k)))
            pad[padLength + 8 + k] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(k)))
        }
        update(pad.span.extracting(0..<(padLength + 16)))
        var digest = [UInt8](repeating: 0, count: count)
        for i in 0..<count { digest[i] = UInt8(truncatingIfNeeded: state[i / 8] >> (56 - 8 * UInt64(i % 8))) }
        return digest
    }

    /// The round constants K (§4.2.3).
    private static let k: InlineArray<80, UInt64> = [
        0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
        0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
        0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
        0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
        0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
        0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
        0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
        0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
        0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
        0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
        0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
        0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
        0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
    ]

    @inline(__always)
    private static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { x >> n | x << (64 - n) }

    /// The compression function (§6.4.2) on the 128 bytes of `bytes` from `offset`.
    private static func compress(_ state: inout InlineArray<8, UInt64>, _ bytes: Span<UInt8>, at offset: Int) {
        let block = bytes.extracting(offset..<(offset + 128))
        var w = InlineArray<16, UInt64>(repeating: 0)
        for t in 0..<16 {
            var word: UInt64 = 0
            for k in 0..<8 { word = word << 8 | UInt64(block[8 * t + k]) }
            w[t] = word
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<80 {
            let wt: UInt64
            if t < 16 {
                wt = w[t]
            } else {
                let w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15]
                let s0 = rotr(w15, 1) ^ rotr(w15, 8) ^ (w15 >> 7)
                let s1 = rotr(w2, 19) ^ rotr(w2, 61) ^ (w2 >> 6)
                wt = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
                w[t & 15] = wt
            }
            let t1 = h &+ (rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ wt
            let t2 = (rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)) &+ ((a & b) ^ (a & c) ^ (b & c))
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }
}

/// SHA-512 (FIPS 180-4 §6.4).
public struct SHA512: HashFunction, Sendable {
    public static var digestLength: Int { 64 }
    public static var blockLength: Int { 128 }
    private var core = SHA512Core(initialState: [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ])
    public init() {}
    public mutating func update(_ bytes: Span<UInt8>) { core.update(bytes) }
    public consuming func finalize() -> [UInt8] { core.finalize(count: 64) }
}

/// SHA-384 (FIPS 180-4 §6.5): SHA-512 from another initial value, truncated to 48 bytes.
public struct SHA384: HashFunction, Sendable {
    public static var digestLength: Int { 48 }
    public static var blockLength: Int { 128 }
    private var core = SHA512Core(initialState: [
        0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
        0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
    ])
    public init() {}
    public mutating func update(_ bytes: Span<UInt8>) { core.update(bytes) }
    public consuming func finalize() -> [UInt8] { core.finalize(count: 48) }
}
