// SwiftletCrypto/Cipher: the ChaCha20 stream cipher (RFC 8439 §2.1-2.4), the keystream half of
// ChaCha20-Poly1305.
//
// Invariants: the state is 16 UInt32 words (§2.3): 4 constants, 8 key words, a 32-bit block counter and
// 3 nonce words, all little-endian. The block function works on 16 local UInt32 values (no arrays) and
// `xorKeystream` consumes whole 64-byte blocks, so nothing is allocated per byte or per block. Every
// operation is an add, xor or fixed rotation: constant time by construction. Counter overflow is the
// caller's to refuse (ChaCha20Poly1305 checks the message length before it calls in); past 2^32 - 1 the
// counter wraps to 0, as CSwiftletCrypto's SIMD code does. This portable code is the fallback and the
// reference the tests hold the SIMD code to.

/// A ChaCha20 key and nonce, ready to produce keystream blocks.
struct ChaCha20 {
    let k0, k1, k2, k3, k4, k5, k6, k7: UInt32
    let n0, n1, n2: UInt32

    /// `key` must hold 32 bytes and `nonce` 12 (checked by the caller).
    init(key: Span<UInt8>, nonce: Span<UInt8>) {
        let k = ChaCha20Key(key)
        k0 = k.k0; k1 = k.k1; k2 = k.k2; k3 = k.k3; k4 = k.k4; k5 = k.k5; k6 = k.k6; k7 = k.k7
        n0 = CipherBytes.loadLE32(nonce, 0); n1 = CipherBytes.loadLE32(nonce, 4); n2 = CipherBytes.loadLE32(nonce, 8)
    }

    init(keyWords k: ChaCha20Key, nonce: Span<UInt8>) {
        k0 = k.k0; k1 = k.k1; k2 = k.k2; k3 = k.k3; k4 = k.k4; k5 = k.k5; k6 = k.k6; k7 = k.k7
        n0 = CipherBytes.loadLE32(nonce, 0); n1 = CipherBytes.loadLE32(nonce, 4); n2 = CipherBytes.loadLE32(nonce, 8)
    }

    /// The 16 output words of the block with this counter (§2.3: 20 rounds, then the input added back).
    @inline(__always)
    func block(counter: UInt32) -> ChaCha20Block {
        var x0: UInt32 = 0x6170_7865, x1: UInt32 = 0x3320_646e, x2: UInt32 = 0x7962_2d32, x3: UInt32 = 0x6b20_6574
        var x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7
        var x12 = counter, x13 = n0, x14 = n1, x15 = n2
        for _ in 0..<10 {
            // §2.3: a column round then a diagonal round.
            Self.quarterRound(&x0, &x4, &x8, &x12); Self.quarterRound(&x1, &x5, &x9, &x13)
            Self.quarterRound(&x2, &x6, &x10, &x14); Self.quarterRound(&x3, &x7, &x11, &x15)
            Self.quarterRound(&x0, &x5, &x10, &x15); Self.quarterRound(&x1, &x6, &x11, &x12)
            Self.quarterRound(&x2, &x7, &x8, &x13); Self.quarterRound(&x3, &x4, &x9, &x14)
        }
        return ChaCha20Block(
            w0: x0 &+ 0x6170_7865, w1: x1 &+ 0x3320_646e, w2: x2 &+ 0x7962_2d32, w3: x3 &+ 0x6b20_6574,
            w4: x4 &+ k0, w5: x5 &+ k1, w6: x6 &+ k2, w7: x7 &+ k3,
            w8: x8 &+ k4, w9: x9 &+ k5, w10: x10 &+ k6, w11: x11 &+ k7,
            w12: x12 &+ counter, w13: x13 &+ n0, w14: x14 &+ n1, w15: x15 &+ n2)
    }

    /// XORs the keystream starting at block `counter` into `text` (§2.4). The caller guarantees that
    /// `counter + ceil(text.count / 64) - 1` does not pass 2^32 - 1.
    func xorKeystream(_ text: inout MutableSpan<UInt8>, counter: UInt32) {
        let count = text.count
        var offset = 0
        var ctr = counter
        while count - offset >= 64 {
            let b = block(counter: ctr)
            CipherBytes.xorLE32(&text, offset, b.w0); CipherBytes.xorLE32(&text, offset + 4, b.w1)
            CipherBytes.xorLE32(&text, offset + 8, b.w2); CipherBytes.xorLE32(&text, offset + 12, b.w3)
            CipherBytes.xorLE32(&text, offset + 16, b.w4); CipherBytes.xorLE32(&text, offset + 20, b.w5)
            CipherBytes.xorLE32(&text, offset + 24, b.w6); CipherBytes.xorLE32(&text, offset + 28, b.w7)
            CipherBytes.xorLE32(&text, offset + 32, b.w8); CipherBytes.xorLE32(&text, offset + 36, b.w9)
            CipherBytes.xorLE32(&text, offset + 40, b.w10); CipherBytes.xorLE32(&text, offset + 44, b.w11)
            CipherBytes.xorLE32(&text, offset + 48, b.w12); CipherBytes.xorLE32(&text, offset + 52, b.w13)
            CipherBytes.xorLE32(&text, offset + 56, b.w14); CipherBytes.xorLE32(&text, offset + 60, b.w15)
            offset += 64
            ctr &+= 1
        }
        if offset < count {
            // The last, partial block: its length is public, so indexing by position is fine.
            let b = block(counter: ctr)
            for i in 0..<(count - offset) { text[offset + i] ^= b.byte(i) }
        }
    }
}

/// A ChaCha20 key, kept by ChaCha20Poly1305 between messages: the eight words for the portable code,
/// the 32 bytes for the SIMD code (Audited.swift).
struct ChaCha20Key {
    let k0, k1, k2, k3, k4, k5, k6, k7: UInt32
    let bytes: InlineArray<32, UInt8>
    /// `key` must hold 32 bytes (checked by the caller).
    init(_ key: Span<UInt8>) {
        bytes = InlineArray { key[$0] }
        k0 = CipherBytes.loadLE32(key, 0); k1 = CipherBytes.loadLE32(key, 4)
        k2 = CipherBytes.loadLE32(key, 8); k3 = CipherBytes.loadLE32(key, 12)
        k4 = CipherBytes.loadLE32(key, 16); k5 = CipherBytes.loadLE32(key, 20)
        k6 = CipherBytes.loadLE32(key, 24); k7 = CipherBytes.loadLE32(key, 28)
    }
}

/// One 64-byte ChaCha20 output block as 16 little-endian words.
struct ChaCha20Block {
    let w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15: UInt32

    /// Word `i` (0..<16). `i` is a public position, never secret.
    func word(_ i: Int) -> UInt32 {
        switch i {
        case 0: w0
        case 1: w1
        case 2: w2
        case 3: w3
        case 4: w4
        case 5: w5
        case 6: w6
        case 7: w7
        case 8: w8
        case 9: w9
        case 10: w10
        case 11: w11
        case 12: w12
        case 13: w13
        case 14: w14
        default: w15
        }
    }

    /// Byte `i` (0..<64) of the serialised block (§2.3: words little-endian, in order).
    func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: word(i >> 2) >> (8 * UInt32(i & 3))) }

    /// The serialised block (tests and the Poly1305 key).
    var bytes: [UInt8] { (0..<64).map { byte($0) } }
}

extension ChaCha20 {
    /// The ChaCha quarter round (§2.1).
    @inline(__always)
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d << 16 | d >> 16
        c &+= d; b ^= c; b = b << 12 | b >> 20
        a &+= b; d ^= a; d = d << 8 | d >> 24
        c &+= d; b ^= c; b = b << 7 | b >> 25
    }
}
