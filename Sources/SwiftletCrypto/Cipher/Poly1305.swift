// SwiftletCrypto/Cipher: the Poly1305 one-time authenticator (RFC 8439 §2.5), constant time.
//
// Representation: the accumulator h and the clamped key r are held in five 26-bit limbs
// (value = l0 + l1·2^26 + l2·2^52 + l3·2^78 + l4·2^104), products in UInt64. Invariants between blocks:
// r_i < 2^26 (r4 < 2^20 after clamping), s_i = 5·r_i < 2^29, h_i < 2^26 + 2^6 after the carry chain,
// so every 5-term product sum stays below 5·2^27·2^29 < 2^59. Reduction uses 2^130 ≡ 5 (mod p),
// p = 2^130 - 5. The final reduction (h mod p, then + s mod 2^128) selects with a mask: no branch.
// No branch or index depends on the key, the accumulator or the message bytes; only on lengths.

struct Poly1305 {
    private var r0, r1, r2, r3, r4: UInt64
    private var s1, s2, s3, s4: UInt64
    private var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0, h3: UInt64 = 0, h4: UInt64 = 0
    private let pad0, pad1, pad2, pad3: UInt64

    /// The one-time key as eight little-endian words: r = t0..t3 (clamped here, §2.5), s = t4..t7.
    init(_ t0: UInt32, _ t1: UInt32, _ t2: UInt32, _ t3: UInt32,
         _ t4: UInt32, _ t5: UInt32, _ t6: UInt32, _ t7: UInt32) {
        // §2.5 clamp: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
        let c0 = UInt64(t0 & 0x0fff_ffff), c1 = UInt64(t1 & 0x0fff_fffc)
        let c2 = UInt64(t2 & 0x0fff_fffc), c3 = UInt64(t3 & 0x0fff_fffc)
        let m: UInt64 = 0x3ff_ffff
        r0 = c0 & m
        r1 = (c0 >> 26 | c1 << 6) & m
        r2 = (c1 >> 20 | c2 << 12) & m
        r3 = (c2 >> 14 | c3 << 18) & m
        r4 = c3 >> 8
        s1 = r1 * 5; s2 = r2 * 5; s3 = r3 * 5; s4 = r4 * 5
        pad0 = UInt64(t4); pad1 = UInt64(t5); pad2 = UInt64(t6); pad3 = UInt64(t7)
    }

    /// A 32-byte one-time key (checked by the caller).
    init(key: Span<UInt8>) {
        self.init(CipherBytes.loadLE32(key, 0), CipherBytes.loadLE32(key, 4), CipherBytes.loadLE32(key, 8),
                  CipherBytes.loadLE32(key, 12), CipherBytes.loadLE32(key, 16), CipherBytes.loadLE32(key, 20),
                  CipherBytes.loadLE32(key, 24), CipherBytes.loadLE32(key, 28))
    }

    /// h = (h + block) · r mod p for one 16-byte block given as four little-endian words; `high` is
    /// 2^24 in limb 4 (the 2^128 bit §2.5 appends to a full block) or 0 for a block padded with 0x01.
    @inline(__always)
    private mutating func block(_ t0: UInt32, _ t1: UInt32, _ t2: UInt32, _ t3: UInt32, high: UInt64) {
        let m: UInt64 = 0x3ff_ffff
        let a0 = UInt64(t0), a1 = UInt64(t1), a2 = UInt64(t2), a3 = UInt64(t3)
        h0 &+= a0 & m
        h1 &+= (a0 >> 26 | a1 << 6) & m
        h2 &+= (a1 >> 20 | a2 << 12) & m
        h3 &+= (a2 >> 14 | a3 << 18) & m
        h4 &+= a3 >> 8 | high
        // Schoolbook product with the limbs above 2^130 folded back times 5 (s_i = 5·r_i).
        let d0 = h0 &* r0 &+ h1 &* s4 &+ h2 &* s3 &+ h3 &* s2 &+ h4 &* s1
        var d1 = h0 &* r1 &+ h1 &* r0 &+ h2 &* s4 &+ h3 &* s3 &+ h4 &* s2
        var d2 = h0 &* r2 &+ h1 &* r1 &+ h2 &* r0 &+ h3 &* s4 &+ h4 &* s3
        var d3 = h0 &* r3 &+ h1 &* r2 &+ h2 &* r1 &+ h3 &* r0 &+ h4 &* s4
        var d4 = h0 &* r4 &+ h1 &* r3 &+ h2 &* r2 &+ h3 &* r1 &+ h4 &* r0
        // Carry chain: back to 26-bit limbs (h1 may keep a bit or so above 26, within the invariant).
        d1 &+= d0 >> 26; h0 = d0 & m
        d2 &+= d1 >> 26; h1 = d1 & m
        d3 &+= d2 >> 26; h2 = d2 & m
        d4 &+= d3 >> 26; h3 = d3 & m
        h4 = d4 & m
        h0 &+= (d4 >> 26) &* 5
        h1 &+= h0 >> 26; h0 &= m
    }

    /// Absorbs `bytes` as whole 16-byte blocks, the last one zero-padded (RFC 8439 §2.8's pad16):
    /// the shape of the AEAD's MAC input. Each call starts a fresh block.
    mutating func absorbPadded(_ bytes: Span<UInt8>) {
        let count = bytes.count
        var o = 0
        while count - o >= 16 {
            block(CipherBytes.loadLE32(bytes, o), CipherBytes.loadLE32(bytes, o + 4),
                  CipherBytes.loadLE32(bytes, o + 8), CipherBytes.loadLE32(bytes, o + 12), high: 1 << 24)
            o += 16
        }
        if o < count {
            var w: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            for i in 0..<(count - o) { Poly1305.put(bytes[o + i], at: i, in: &w) }
            block(w.0, w.1, w.2, w.3, high: 1 << 24)
        }
    }

    /// Absorbs a whole message the way §2.5 does: full blocks, then a short last block with a 0x01
    /// byte after it and no 2^128 bit. Call once, then `finalize`.
    mutating func absorbMessage(_ bytes: Span<UInt8>) {
        let count = bytes.count
        let full = count - count % 16
        var o = 0
        while o < full {
            block(CipherBytes.loadLE32(bytes, o), CipherBytes.loadLE32(bytes, o + 4),
                  CipherBytes.loadLE32(bytes, o + 8), CipherBytes.loadLE32(bytes, o + 12), high: 1 << 24)
            o += 16
        }
        if o < count {
            var w: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            for i in 0..<(count - o) { Poly1305.put(bytes[o + i], at: i, in: &w) }
            Poly1305.put(1, at: count - o, in: &w)
            block(w.0, w.1, w.2, w.3, high: 0)
        }
    }

    /// Absorbs the AEAD's final block: the two lengths as little-endian 64-bit numbers (§2.8).
    mutating func absorbLengths(_ aad: Int, _ text: Int) {
        let a = UInt64(aad), t = UInt64(text)
        block(UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: a >> 32),
              UInt32(truncatingIfNeeded: t), UInt32(truncatingIfNeeded: t >> 32), high: 1 << 24)
    }

    /// Puts byte `b` at position `i` (public) of a block held as four little-endian words.
    @inline(__always)
    private static func put(_ b: UInt8, at i: Int, in w: inout (UInt32, UInt32, UInt32, UInt32)) {
        let v = UInt32(b) << (8 * UInt32(i & 3))
        switch i >> 2 {
        case 0: w.0 |= v
        case 1: w.1 |= v
        case 2: w.2 |= v
        default: w.3 |= v
        }
    }

    /// The 16-byte tag: h fully reduced mod p (branch-free), plus s, mod 2^128 (§2.5).
    func finalize() -> [UInt8] {
        let m: UInt64 = 0x3ff_ffff
        var h0 = h0, h1 = h1, h2 = h2, h3 = h3, h4 = h4
        // Full carry so that every limb is below 2^26 and h < 2^130 + small.
        h2 &+= h1 >> 26; h1 &= m
        h3 &+= h2 >> 26; h2 &= m
        h4 &+= h3 >> 26; h3 &= m
        h0 &+= (h4 >> 26) &* 5; h4 &= m
        h1 &+= h0 >> 26; h0 &= m
        h2 &+= h1 >> 26; h1 &= m
        // g = h + 5 - 2^130; h < 2p here, so h mod p is g when g does not borrow, else h.
        var g0 = h0 &+ 5
        var g1 = h1 &+ (g0 >> 26); g0 &= m
        var g2 = h2 &+ (g1 >> 26); g1 &= m
        var g3 = h3 &+ (g2 >> 26); g2 &= m
        let g4 = h4 &+ (g3 >> 26) &- (1 << 26); g3 &= m
        let keepG = (g4 >> 63) &- 1          // all ones when g4 did not go below zero
        h0 = (h0 & ~keepG) | (g0 & keepG)
        h1 = (h1 & ~keepG) | (g1 & keepG)
        h2 = (h2 & ~keepG) | (g2 & keepG)
        h3 = (h3 & ~keepG) | (g3 & keepG)
        h4 = (h4 & ~keepG) | (g4 & keepG & m)
        // Normalise the limbs once more (a limb may sit at exactly 2^26) so that they pack without overlap.
        h1 &+= h0 >> 26; h0 &= m
        h2 &+= h1 >> 26; h1 &= m
        h3 &+= h2 >> 26; h2 &= m
        h4 &+= h3 >> 26; h3 &= m
        // h mod 2^128 as four 32-bit words, plus s with carries.
        let w0 = (h0 | h1 << 26) & 0xffff_ffff
        let w1 = (h1 >> 6 | h2 << 20) & 0xffff_ffff
        let w2 = (h2 >> 12 | h3 << 14) & 0xffff_ffff
        let w3 = (h3 >> 18 | h4 << 8) & 0xffff_ffff
        let f0 = w0 &+ pad0
        let f1 = w1 &+ pad1 &+ (f0 >> 32)
        let f2 = w2 &+ pad2 &+ (f1 >> 32)
        let f3 = w3 &+ pad3 &+ (f2 >> 32)
        var tag = [UInt8]()
        tag.reserveCapacity(16)
        for f in [f0, f1, f2, f3] {
            for i in 0..<4 { tag.append(UInt8(truncatingIfNeeded: f >> (8 * UInt64(i)))) }
        }
        return tag
    }

    /// Poly1305 of `message` under a 32-byte one-time `key` (§2.5.1); lengths checked by the caller.
    static func authenticate(_ message: Span<UInt8>, key: Span<UInt8>) -> [UInt8] {
        var p = Poly1305(key: key)
        p.absorbMessage(message)
        return p.finalize()
    }
}
