// SwiftletCrypto/Cipher: the Poly1305 one-time authenticator (RFC 8439 §2.5), constant time.
//
// Representation: radix 2^64. The accumulator is h = h0 + h1·2^64 + h2·2^128 with h0, h1 full 64-bit
// words and h2 small; the clamped key is r = r0 + r1·2^64. Clamping (§2.5) makes r0, r1 < 2^60 and r1 a
// multiple of 4, so with s1 = r1 + r1/4 = 5·r1/4 the product term h1·r1·2^128 = h1·(r1/4)·2^130 ≡
// h1·s1 (mod p = 2^130 - 5), and likewise h2·r1·2^192 ≡ h2·s1·2^64. Products are 64x64->128-bit
// multiplies (UInt128, one `mul` each on x86-64).
//
// Invariants: after each block h2 ≤ 4 (h < 5·2^128 < 2p); while a block is added h2 ≤ 6. Then
//   d0 = h0·r0 + h1·s1           < 2^124 + 1.25·2^124 < 2^126
//   d1 = h0·r1 + h1·r0 + h2·s1   < 2^126
//   d2 = h2·r0                   < 6·2^60 < 2^63
// and the top word t2 = hi(d1) + d2 + carry < 1.25·2^63, whose bits above 2^130 (t2 >> 2) are folded
// back times 5 (2^130 ≡ 5), leaving h2 = (t2 & 3) + carry ≤ 4. The final reduction (h mod p, then + s
// mod 2^128) selects with a mask: no branch. No branch or index depends on the key, the accumulator or
// the message bytes; only on lengths. Carries are taken from the high half of a 128-bit sum, not from
// comparisons.

struct Poly1305 {
    private let r0, r1, s1: UInt64
    private var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0
    private let pad0, pad1: UInt64

    /// The one-time key as eight little-endian words: r = t0..t3 (clamped here, §2.5), s = t4..t7.
    init(_ t0: UInt32, _ t1: UInt32, _ t2: UInt32, _ t3: UInt32,
         _ t4: UInt32, _ t5: UInt32, _ t6: UInt32, _ t7: UInt32) {
        // §2.5 clamp: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
        r0 = (UInt64(t0) | UInt64(t1) << 32) & 0x0fff_fffc_0fff_ffff
        r1 = (UInt64(t2) | UInt64(t3) << 32) & 0x0fff_fffc_0fff_fffc
        s1 = r1 &+ r1 >> 2
        pad0 = UInt64(t4) | UInt64(t5) << 32
        pad1 = UInt64(t6) | UInt64(t7) << 32
    }

    /// A 32-byte one-time key (checked by the caller).
    init(key: Span<UInt8>) {
        self.init(CipherBytes.loadLE32(key, 0), CipherBytes.loadLE32(key, 4), CipherBytes.loadLE32(key, 8),
                  CipherBytes.loadLE32(key, 12), CipherBytes.loadLE32(key, 16), CipherBytes.loadLE32(key, 20),
                  CipherBytes.loadLE32(key, 24), CipherBytes.loadLE32(key, 28))
    }

    @inline(__always)
    private static func low(_ x: UInt128) -> UInt64 { UInt64(truncatingIfNeeded: x) }

    @inline(__always)
    private static func high(_ x: UInt128) -> UInt64 { UInt64(truncatingIfNeeded: x >> 64) }

    @inline(__always)
    private static func wide(_ a: UInt64, _ b: UInt64) -> UInt128 { UInt128(a) &* UInt128(b) }

    /// h = (h + m + top·2^128) · r mod p (partially reduced) for one 16-byte block m = m0 + m1·2^64;
    /// `top` is 1 for a full block (§2.5 appends a 0x01 byte = 2^128) or 0 for a block padded with 0x01.
    @inline(__always)
    private mutating func block(_ m0: UInt64, _ m1: UInt64, top: UInt64) {
        // h += m, carries through the 128-bit sums' high halves.
        let a0 = UInt128(h0) &+ UInt128(m0)
        let a1 = UInt128(h1) &+ UInt128(m1) &+ (a0 >> 64)
        let x0 = Self.low(a0), x1 = Self.low(a1), x2 = h2 &+ Self.high(a1) &+ top
        // Schoolbook product with the terms at 2^128 and above folded back through s1 (see the header).
        let d0 = Self.wide(x0, r0) &+ Self.wide(x1, s1)
        let d1 = Self.wide(x0, r1) &+ Self.wide(x1, r0) &+ UInt128(x2 &* s1)
        let d2 = x2 &* r0
        // h = d0 + d1·2^64 + d2·2^128 as three words.
        let t1 = (d0 >> 64) &+ UInt128(Self.low(d1))
        let t2 = Self.high(d1) &+ d2 &+ Self.high(t1)
        // Partial reduction: keep 130 bits, fold the rest back times 5 (= (t2 & ~3) + (t2 >> 2)).
        let fold = (t2 & ~3) &+ (t2 >> 2)
        let b0 = UInt128(Self.low(d0)) &+ UInt128(fold)
        let b1 = UInt128(Self.low(t1)) &+ (b0 >> 64)
        h0 = Self.low(b0)
        h1 = Self.low(b1)
        h2 = (t2 & 3) &+ Self.high(b1)
    }

    /// Absorbs the whole 16-byte blocks of `bytes`; returns the offset of the remaining 0..15 bytes.
    @inline(__always)
    private mutating func absorbWholeBlocks(_ bytes: Span<UInt8>) -> Int {
        let count = bytes.count
        var o = 0
        while count - o >= 16 {
            block(CipherBytes.loadLE64(bytes, o), CipherBytes.loadLE64(bytes, o + 8), top: 1)
            o += 16
        }
        return o
    }

    /// Absorbs `bytes` as whole 16-byte blocks, the last one zero-padded (RFC 8439 §2.8's pad16):
    /// the shape of the AEAD's MAC input. Each call starts a fresh block. Optimised for speed even in a
    /// kernel built for size: at -Osize the multiply-carry chain runs about a third slower.
    @_optimize(speed)
    mutating func absorbPadded(_ bytes: Span<UInt8>) {
        let o = absorbWholeBlocks(bytes)
        if o < bytes.count {
            var w: (UInt64, UInt64) = (0, 0)
            for i in 0..<(bytes.count - o) { Poly1305.put(bytes[o + i], at: i, in: &w) }
            block(w.0, w.1, top: 1)
        }
    }

    /// Absorbs a whole message the way §2.5 does: full blocks, then a short last block with a 0x01
    /// byte after it and no 2^128 bit. Call once, then `finalize`.
    mutating func absorbMessage(_ bytes: Span<UInt8>) {
        let o = absorbWholeBlocks(bytes)
        if o < bytes.count {
            var w: (UInt64, UInt64) = (0, 0)
            for i in 0..<(bytes.count - o) { Poly1305.put(bytes[o + i], at: i, in: &w) }
            Poly1305.put(1, at: bytes.count - o, in: &w)
            block(w.0, w.1, top: 0)
        }
    }

    /// Absorbs the AEAD's final block: the two lengths as little-endian 64-bit numbers (§2.8).
    mutating func absorbLengths(_ aad: Int, _ text: Int) {
        block(UInt64(aad), UInt64(text), top: 1)
    }

    /// Puts byte `b` at position `i` (public, 0..<16) of a block held as two little-endian words.
    @inline(__always)
    private static func put(_ b: UInt8, at i: Int, in w: inout (UInt64, UInt64)) {
        let v = UInt64(b) << (8 * UInt64(i & 7))
        if i < 8 { w.0 |= v } else { w.1 |= v }
    }

    /// The 16-byte tag: h fully reduced mod p (branch-free), plus s, mod 2^128 (§2.5).
    func finalize() -> [UInt8] {
        // h < 5·2^128 < 2p (the invariant), so h mod p is h - p = g - 2^130 with g = h + 5 when g reaches
        // 2^130 (g2 ≥ 4), else h. g2 ≤ 5, so g2 >> 2 is that condition as 0 or 1.
        let g0 = UInt128(h0) &+ 5
        let g1 = UInt128(h1) &+ (g0 >> 64)
        let g2 = h2 &+ Self.high(g1)
        let useG = (0 &- (g2 >> 2)) ^ ConstantTime.barrier
        let f0 = (h0 & ~useG) | (Self.low(g0) & useG)
        let f1 = (h1 & ~useG) | (Self.low(g1) & useG)
        // + s, mod 2^128.
        let t0 = UInt128(f0) &+ UInt128(pad0)
        let t1 = f1 &+ pad1 &+ Self.high(t0)
        var tag = [UInt8]()
        tag.reserveCapacity(16)
        let lo = Self.low(t0)
        for i in 0..<8 { tag.append(UInt8(truncatingIfNeeded: lo >> (8 * UInt64(i)))) }
        for i in 0..<8 { tag.append(UInt8(truncatingIfNeeded: t1 >> (8 * UInt64(i)))) }
        return tag
    }

    /// Poly1305 of `message` under a 32-byte one-time `key` (§2.5.1); lengths checked by the caller.
    static func authenticate(_ message: Span<UInt8>, key: Span<UInt8>) -> [UInt8] {
        var p = Poly1305(key: key)
        p.absorbMessage(message)
        return p.finalize()
    }
}
