// SwiftletCrypto: SHA-256 (FIPS 180-4 §6.2). A streaming hash over `Span<UInt8>`: whole 64-byte blocks are
// compressed straight from the caller's bytes, only a partial block is copied into the value's own buffer.
// Hashing handles no secret-dependent branch or index (HMAC keys pass through it): the rounds are fixed.

public struct SHA256: HashFunction, Sendable {
    public static var digestLength: Int { 32 }
    public static var blockLength: Int { 64 }

    /// The hash value H(i), FIPS 180-4 §5.3.3 for the initial one.
    private var state: InlineArray<8, UInt32> = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes of an incomplete block; `buffered` of them are meaningful.
    private var buffer: InlineArray<64, UInt8> = .init(repeating: 0)
    private var buffered = 0
    /// Message length in bytes so far (FIPS 180-4 allows < 2^64 bits; the length field wraps as it says).
    private var length: UInt64 = 0

    public init() {}

    public mutating func update(_ bytes: Span<UInt8>) {
        length &+= UInt64(bytes.count)
        var i = 0
        if buffered > 0 {
            let take = Swift.min(64 - buffered, bytes.count)
            for j in 0..<take { buffer[buffered + j] = bytes[j] }
            buffered += take
            i = take
            guard buffered == 64 else { return }
            let block = buffer
            Self.compress(&state, block.span, at: 0)
            buffered = 0
        }
        while bytes.count - i >= 64 {
            Self.compress(&state, bytes, at: i)
            i += 64
        }
        for j in i..<bytes.count { buffer[j - i] = bytes[j] }
        buffered = bytes.count - i
    }

    public consuming func finalize() -> [UInt8] {
        // §5.1.1: a 1 bit, zeros to 56 mod 64 bytes, the length in bits as a 64-bit big-endian number.
        let bits = length &<< 3
        var pad = InlineArray<72, UInt8>(repeating: 0)
        pad[0] = 0x80
        let padLength = (buffered < 56 ? 56 : 120) - buffered
        for k in 0..<8 { pad[padLength + k] = UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64(k))) }
        update(pad.span.extracting(0..<(padLength + 8)))
        var digest = [UInt8](repeating: 0, count: 32)
        for w in 0..<8 {
            for k in 0..<4 { digest[4 * w + k] = UInt8(truncatingIfNeeded: state[w] >> (24 - 8 * UInt32(k))) }
        }
        return digest
    }

    /// The round constants K (§4.2.2).
    private static let k: InlineArray<64, UInt32> = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }

    /// The compression function (§6.2.2) on the 64 bytes of `bytes` from `offset`. The message schedule
    /// is kept as a rolling window of 16 words.
    private static func compress(_ state: inout InlineArray<8, UInt32>, _ bytes: Span<UInt8>, at offset: Int) {
        let block = bytes.extracting(offset..<(offset + 64))
        var w = InlineArray<16, UInt32>(repeating: 0)
        for t in 0..<16 {
            w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        @inline(__always) func round(_ t: Int, _ wt: UInt32) {
            let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ wt
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        for t in 0..<16 { round(t, w[t]) }
        for t in 16..<64 {
            let w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15]
            let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)
            let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10)
            let wt = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
            w[t & 15] = wt
            round(t, wt)
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }
}
