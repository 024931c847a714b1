// SwiftletCrypto/Cipher: AES-128 and AES-256 block encryption (FIPS 197), bitsliced, constant time.
//
// Design. Four 16-byte blocks (64 bytes) are processed at once as eight UInt64 "planes": bit n of
// plane j is bit j of byte n of the 64-byte chunk, with n = 16·block + 4·column + row (FIPS 197 §3.4:
// a block's bytes go down the columns). In that layout
//  - SubBytes (§5.1.1) is a Boolean circuit of about 190 gates run on all 64 bytes in parallel: the
//    multiplicative inverse computed in the isomorphic tower field GF((2^4)^2) (change of basis, three
//    GF(16) multiplications and one GF(16) inversion, change of basis back fused with the affine map;
//    see `subBytes`), then the constant 0x63;
//  - ShiftRows (§5.1.2) moves the row-r bits of each 16-bit block lane by 4·r positions (masks, shifts);
//  - MixColumns (§5.1.3) rotates rows inside each 4-bit column nibble and doubles in GF(2^8) by moving
//    planes (xtime: bit 7 feeds bits 0, 1, 3, 4);
//  - AddRoundKey XORs round keys kept in the same bitsliced form (each round key repeated 4 times).
// Bytes go in and out of the planes by two transposes (an 8x8 bit transpose inside each 64-bit word,
// then an 8x8 byte transpose across the eight words), both built from swap-with-mask steps.
// Every step is AND/XOR/OR/NOT/shift by constants: no table, no branch, no index depends on the key
// or the data. Key expansion (§5.2) runs SubWord through the same circuit, so it is constant time too.
// Only encryption is provided: GCM and CTR never use the inverse cipher.

/// Eight bit-planes of 64 bytes (four AES blocks). `p0` holds bit 0 (least significant) of every byte.
struct Bitsliced {
    var p0, p1, p2, p3, p4, p5, p6, p7: UInt64

    init(p0: UInt64, p1: UInt64, p2: UInt64, p3: UInt64, p4: UInt64, p5: UInt64, p6: UInt64, p7: UInt64) {
        self.p0 = p0; self.p1 = p1; self.p2 = p2; self.p3 = p3
        self.p4 = p4; self.p5 = p5; self.p6 = p6; self.p7 = p7
    }

    /// The planes of 64 bytes given as eight little-endian words (word m = bytes 8m..8m+7).
    @inline(__always)
    init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64,
         _ w4: UInt64, _ w5: UInt64, _ w6: UInt64, _ w7: UInt64) {
        var w0 = Bitsliced.transposeBits(w0), w1 = Bitsliced.transposeBits(w1)
        var w2 = Bitsliced.transposeBits(w2), w3 = Bitsliced.transposeBits(w3)
        var w4 = Bitsliced.transposeBits(w4), w5 = Bitsliced.transposeBits(w5)
        var w6 = Bitsliced.transposeBits(w6), w7 = Bitsliced.transposeBits(w7)
        Bitsliced.transposeBytes(&w0, &w1, &w2, &w3, &w4, &w5, &w6, &w7)
        self.init(p0: w0, p1: w1, p2: w2, p3: w3, p4: w4, p5: w5, p6: w6, p7: w7)
    }

    /// The inverse of `init(words:)`: the eight little-endian words of the 64 bytes.
    @inline(__always)
    func words() -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        var w0 = p0, w1 = p1, w2 = p2, w3 = p3, w4 = p4, w5 = p5, w6 = p6, w7 = p7
        Bitsliced.transposeBytes(&w0, &w1, &w2, &w3, &w4, &w5, &w6, &w7)
        return (Bitsliced.transposeBits(w0), Bitsliced.transposeBits(w1), Bitsliced.transposeBits(w2),
                Bitsliced.transposeBits(w3), Bitsliced.transposeBits(w4), Bitsliced.transposeBits(w5),
                Bitsliced.transposeBits(w6), Bitsliced.transposeBits(w7))
    }

    /// Transposes the 8x8 bit matrix whose row i is byte i of `x` (bit 8i+j <-> bit 8j+i). Its own inverse.
    @inline(__always)
    static func transposeBits(_ x: UInt64) -> UInt64 {
        var x = x
        var t = ((x >> 7) ^ x) & 0x00AA_00AA_00AA_00AA
        x ^= t ^ (t << 7)
        t = ((x >> 14) ^ x) & 0x0000_CCCC_0000_CCCC
        x ^= t ^ (t << 14)
        t = ((x >> 28) ^ x) & 0x0000_0000_F0F0_F0F0
        x ^= t ^ (t << 28)
        return x
    }

    /// Transposes the 8x8 byte matrix whose row m is word m (byte j of word m <-> byte m of word j).
    /// Its own inverse.
    @inline(__always)
    static func transposeBytes(_ w0: inout UInt64, _ w1: inout UInt64, _ w2: inout UInt64, _ w3: inout UInt64,
                               _ w4: inout UInt64, _ w5: inout UInt64, _ w6: inout UInt64, _ w7: inout UInt64) {
        swap(&w0, &w4, 32, 0x0000_0000_FFFF_FFFF); swap(&w1, &w5, 32, 0x0000_0000_FFFF_FFFF)
        swap(&w2, &w6, 32, 0x0000_0000_FFFF_FFFF); swap(&w3, &w7, 32, 0x0000_0000_FFFF_FFFF)
        swap(&w0, &w2, 16, 0x0000_FFFF_0000_FFFF); swap(&w1, &w3, 16, 0x0000_FFFF_0000_FFFF)
        swap(&w4, &w6, 16, 0x0000_FFFF_0000_FFFF); swap(&w5, &w7, 16, 0x0000_FFFF_0000_FFFF)
        swap(&w0, &w1, 8, 0x00FF_00FF_00FF_00FF); swap(&w2, &w3, 8, 0x00FF_00FF_00FF_00FF)
        swap(&w4, &w5, 8, 0x00FF_00FF_00FF_00FF); swap(&w6, &w7, 8, 0x00FF_00FF_00FF_00FF)
    }

    /// Exchanges the bits of `a` at mask << shift with the bits of `b` at mask.
    @inline(__always)
    static func swap(_ a: inout UInt64, _ b: inout UInt64, _ shift: UInt64, _ mask: UInt64) {
        let t = ((a >> shift) ^ b) & mask
        b ^= t
        a ^= t << shift
    }

    @inline(__always)
    static func ^ (a: Bitsliced, b: Bitsliced) -> Bitsliced {
        Bitsliced(p0: a.p0 ^ b.p0, p1: a.p1 ^ b.p1, p2: a.p2 ^ b.p2, p3: a.p3 ^ b.p3,
                  p4: a.p4 ^ b.p4, p5: a.p5 ^ b.p5, p6: a.p6 ^ b.p6, p7: a.p7 ^ b.p7)
    }
}

// MARK: - SubBytes: inversion in the tower field GF((2^4)^2)

/// Four planes holding one GF(16) element per byte position: GF(2)[z]/(z^4 + z + 1), `b0` the
/// coefficient of z^0.
struct Nibbles {
    var b0, b1, b2, b3: UInt64

    @inline(__always)
    static func ^ (a: Nibbles, b: Nibbles) -> Nibbles {
        Nibbles(b0: a.b0 ^ b.b0, b1: a.b1 ^ b.b1, b2: a.b2 ^ b.b2, b3: a.b3 ^ b.b3)
    }

    /// Product in GF(16): schoolbook (16 ANDs), then z^4 = z + 1, z^5 = z^2 + z, z^6 = z^3 + z^2.
    @inline(__always)
    static func * (a: Nibbles, b: Nibbles) -> Nibbles {
        let c0 = a.b0 & b.b0
        let c1 = (a.b0 & b.b1) ^ (a.b1 & b.b0)
        let c2 = (a.b0 & b.b2) ^ (a.b1 & b.b1) ^ (a.b2 & b.b0)
        let c3 = (a.b0 & b.b3) ^ (a.b1 & b.b2) ^ (a.b2 & b.b1) ^ (a.b3 & b.b0)
        let c4 = (a.b1 & b.b3) ^ (a.b2 & b.b2) ^ (a.b3 & b.b1)
        let c5 = (a.b2 & b.b3) ^ (a.b3 & b.b2)
        let c6 = a.b3 & b.b3
        return Nibbles(b0: c0 ^ c4, b1: c1 ^ c4 ^ c5, b2: c2 ^ c5 ^ c6, b3: c3 ^ c6)
    }

    /// The inverse in GF(16) (0 maps to 0), as the algebraic normal form of d -> d^14 per output bit
    /// (computed once from the field's inverse table): 10 ANDs.
    @inline(__always)
    func inverse() -> Nibbles {
        let d01 = b0 & b1, d02 = b0 & b2, d03 = b0 & b3, d12 = b1 & b2, d13 = b1 & b3, d23 = b2 & b3
        let d012 = d01 & b2, d013 = d01 & b3, d023 = d02 & b3, d123 = d12 & b3
        return Nibbles(
            b0: b0 ^ b1 ^ b2 ^ d02 ^ d12 ^ d012 ^ b3 ^ d123,
            b1: d01 ^ d02 ^ d12 ^ b3 ^ d13 ^ d013,
            b2: d01 ^ b2 ^ d02 ^ b3 ^ d03 ^ d023,
            b3: b1 ^ b2 ^ b3 ^ d03 ^ d13 ^ d23 ^ d123)
    }
}

extension Bitsliced {
    /// SubBytes on all 64 bytes (FIPS 197 §5.1.1): the multiplicative inverse, then the affine map.
    ///
    /// The inverse is taken in GF((2^4)^2) = GF(16)[y]/(y^2 + y + λ), λ = z^3 + z^2 + z (0xE), which is
    /// isomorphic to AES's GF(2^8): x maps to β = 0x39 = (z + 1)·y + (z^3 + 1), a root of the AES
    /// polynomial x^8 + x^4 + x^3 + x + 1 in the tower, so the change of basis is the linear map
    /// x^j -> β^j (the XORs at the top). For a = h·y + l:
    ///     a^(-1) = (h·Δ^(-1))·y + ((h + l)·Δ^(-1)),  Δ = λ·h^2 + h·l + l^2   (Δ is in GF(16)),
    /// since (h·y + l)(h·y + h + l) = Δ using y^2 = y + λ; Δ = 0 exactly when a = 0, and GF(16)'s
    /// inverse maps 0 to 0, so 0 maps to 0 as §5.1.1 requires. The map back to AES's basis and the
    /// affine map's linear part are one matrix (the XORs at the bottom); the constant 0x63 is the NOTs.
    /// λ and β were chosen (by a search over all candidates) for the fewest XORs; every matrix and the
    /// whole circuit were checked against the S-box computed from its definition for all 256 inputs,
    /// which the tests repeat (`aesSBoxCircuit`).
    @inline(__always)
    mutating func subBytes() {
        // AES polynomial basis -> tower basis (l = low nibble, h = high nibble).
        let l = Nibbles(b0: p0 ^ p1 ^ p6, b1: p2 ^ p3 ^ p6 ^ p7, b2: p2 ^ p4 ^ p7, b3: p1 ^ p2 ^ p6 ^ p7)
        let h = Nibbles(b0: p1 ^ p2 ^ p3 ^ p5 ^ p7, b1: p1 ^ p4 ^ p5 ^ p6, b2: p2 ^ p3, b3: p5 ^ p7)
        // Δ = λ·h^2 + h·l + l^2; λ·h^2 and l^2 are GF(2)-linear in h and l.
        let lambdaH2 = Nibbles(b0: h.b1 ^ h.b2, b1: h.b0, b2: h.b0 ^ h.b1 ^ h.b3, b3: h.b0 ^ h.b1)
        let l2 = Nibbles(b0: l.b0 ^ l.b2, b1: l.b2, b2: l.b1 ^ l.b3, b3: l.b3)
        let e = (lambdaH2 ^ (h * l) ^ l2).inverse()
        let oh = h * e
        let ol = (h ^ l) * e
        // Tower basis -> AES basis, composed with the affine map; NOT where 0x63 has a 1 bit.
        p0 = ~(ol.b0 ^ ol.b1 ^ oh.b1 ^ oh.b2)
        p1 = ~(ol.b0 ^ oh.b3)
        p2 = ol.b0 ^ ol.b1 ^ ol.b2 ^ oh.b0 ^ oh.b1
        p3 = ol.b0 ^ ol.b1
        p4 = ol.b0 ^ ol.b2 ^ ol.b3 ^ oh.b0 ^ oh.b3
        p5 = ~(ol.b1 ^ ol.b2 ^ ol.b3 ^ oh.b3)
        p6 = ~(oh.b0 ^ oh.b1 ^ oh.b3)
        p7 = ol.b1 ^ ol.b2 ^ oh.b3
    }
}

// MARK: - ShiftRows, MixColumns

extension Bitsliced {
    /// ShiftRows on one plane (§5.1.2): s'[r][c] = s[r][(c + r) mod 4]. Within each 16-bit lane the bit
    /// of (row r, column c) is at 4c + r, so row r moves right by 4r with wrap-around inside the lane.
    @inline(__always)
    static func shiftRows(_ x: UInt64) -> UInt64 {
        (x & 0x1111_1111_1111_1111)
            | ((x >> 4) & 0x0222_0222_0222_0222) | ((x << 12) & 0x2000_2000_2000_2000)
            | ((x >> 8) & 0x0044_0044_0044_0044) | ((x << 8) & 0x4400_4400_4400_4400)
            | ((x >> 12) & 0x0008_0008_0008_0008) | ((x << 4) & 0x8880_8880_8880_8880)
    }

    @inline(__always)
    mutating func shiftRows() {
        p0 = Self.shiftRows(p0); p1 = Self.shiftRows(p1); p2 = Self.shiftRows(p2); p3 = Self.shiftRows(p3)
        p4 = Self.shiftRows(p4); p5 = Self.shiftRows(p5); p6 = Self.shiftRows(p6); p7 = Self.shiftRows(p7)
    }

    /// Row r+1 of the same column moved to row r (inside each 4-bit column nibble).
    @inline(__always)
    static func rotateRows1(_ x: UInt64) -> UInt64 {
        ((x >> 1) & 0x7777_7777_7777_7777) | ((x << 3) & 0x8888_8888_8888_8888)
    }

    /// Row r+2 moved to row r.
    @inline(__always)
    static func rotateRows2(_ x: UInt64) -> UInt64 {
        ((x >> 2) & 0x3333_3333_3333_3333) | ((x << 2) & 0xCCCC_CCCC_CCCC_CCCC)
    }

    /// MixColumns (§5.1.3): s'_r = 2·s_r ^ 3·s_(r+1) ^ s_(r+2) ^ s_(r+3)
    ///                         = 2·t_r ^ s_(r+1) ^ t_(r+2)   with t_r = s_r ^ s_(r+1).
    /// Doubling (xtime, §4.2.1) shifts planes up one and adds plane 7 into planes 0, 1, 3 and 4.
    @inline(__always)
    mutating func mixColumns() {
        let r0 = Self.rotateRows1(p0), r1 = Self.rotateRows1(p1), r2 = Self.rotateRows1(p2)
        let r3 = Self.rotateRows1(p3), r4 = Self.rotateRows1(p4), r5 = Self.rotateRows1(p5)
        let r6 = Self.rotateRows1(p6), r7 = Self.rotateRows1(p7)
        let t0 = p0 ^ r0, t1 = p1 ^ r1, t2 = p2 ^ r2, t3 = p3 ^ r3
        let t4 = p4 ^ r4, t5 = p5 ^ r5, t6 = p6 ^ r6, t7 = p7 ^ r7
        p0 = t7 ^ r0 ^ Self.rotateRows2(t0)
        p1 = t0 ^ t7 ^ r1 ^ Self.rotateRows2(t1)
        p2 = t1 ^ r2 ^ Self.rotateRows2(t2)
        p3 = t2 ^ t7 ^ r3 ^ Self.rotateRows2(t3)
        p4 = t3 ^ t7 ^ r4 ^ Self.rotateRows2(t4)
        p5 = t4 ^ r5 ^ Self.rotateRows2(t5)
        p6 = t5 ^ r6 ^ Self.rotateRows2(t6)
        p7 = t6 ^ r7 ^ Self.rotateRows2(t7)
    }
}

// MARK: - The cipher

/// An expanded AES-128 or AES-256 key, round keys in bitsliced form; encrypts four blocks per call.
struct BitslicedAES {
    /// 10 for AES-128, 14 for AES-256 (§5, Figure 4).
    let rounds: Int
    /// (rounds + 1) round keys of eight planes each, every round key repeated in all four block slots.
    private let roundKeys: [UInt64]

    /// `key` must have 16 or 32 bytes (checked by the caller). Key expansion per §5.2.
    init(key: Span<UInt8>) {
        let nk = key.count / 4
        rounds = nk + 6
        let total = 4 * (rounds + 1)
        var w = [UInt32]()
        w.reserveCapacity(total)
        for i in 0..<nk { w.append(CipherBytes.loadLE32(key, 4 * i)) }   // byte 0 of the word in the low bits
        var rcon: UInt32 = 1
        for i in nk..<total {
            // The branches here depend on the word index only, which is public.
            var temp = w[i - 1]
            if i % nk == 0 {
                temp = BitslicedAES.subWord(temp >> 8 | temp << 24) ^ rcon   // RotWord, SubWord, Rcon
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b)                     // xtime of a public value
            } else if nk > 6 && i % nk == 4 {
                temp = BitslicedAES.subWord(temp)
            }
            w.append(w[i - nk] ^ temp)
        }
        var keys = [UInt64]()
        keys.reserveCapacity(8 * (rounds + 1))
        for r in 0...rounds {
            let lo = UInt64(w[4 * r]) | UInt64(w[4 * r + 1]) << 32
            let hi = UInt64(w[4 * r + 2]) | UInt64(w[4 * r + 3]) << 32
            let k = Bitsliced(words: lo, hi, lo, hi, lo, hi, lo, hi)
            keys.append(contentsOf: [k.p0, k.p1, k.p2, k.p3, k.p4, k.p5, k.p6, k.p7])
        }
        roundKeys = keys
        for i in w.indices { w[i] = 0 }
    }

    /// SubWord (§5.2): the S-box on each byte of a word, through the bitsliced circuit.
    static func subWord(_ x: UInt32) -> UInt32 {
        var s = Bitsliced(words: UInt64(x), 0, 0, 0, 0, 0, 0, 0)
        s.subBytes()
        return UInt32(truncatingIfNeeded: s.words().0)
    }

    @inline(__always)
    private func addRoundKey(_ s: inout Bitsliced, _ round: Int) {
        let o = 8 * round
        s.p0 ^= roundKeys[o]; s.p1 ^= roundKeys[o + 1]; s.p2 ^= roundKeys[o + 2]; s.p3 ^= roundKeys[o + 3]
        s.p4 ^= roundKeys[o + 4]; s.p5 ^= roundKeys[o + 5]; s.p6 ^= roundKeys[o + 6]; s.p7 ^= roundKeys[o + 7]
    }

    /// The cipher (§5.1, Figure 5) on four blocks in bitsliced form.
    @inline(__always)
    func encrypt(_ s: inout Bitsliced) {
        addRoundKey(&s, 0)
        for round in 1..<rounds {
            s.subBytes()
            s.shiftRows()
            s.mixColumns()
            addRoundKey(&s, round)
        }
        s.subBytes()
        s.shiftRows()
        addRoundKey(&s, rounds)
    }

    /// Encrypts four blocks given as eight little-endian words (block k = words 2k, 2k+1).
    func encrypt(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64,
                 _ w4: UInt64, _ w5: UInt64, _ w6: UInt64, _ w7: UInt64)
        -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        var s = Bitsliced(words: w0, w1, w2, w3, w4, w5, w6, w7)
        encrypt(&s)
        return s.words()
    }

    /// Encrypts one 16-byte block (tests, GCM's H and E(J0)); wastes three of the four slots.
    func encryptBlock(_ block: Span<UInt8>) -> [UInt8] {
        let w = encrypt(words: CipherBytes.loadLE64(block, 0), CipherBytes.loadLE64(block, 8), 0, 0, 0, 0, 0, 0)
        var out = [UInt8]()
        out.reserveCapacity(16)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: w.0 >> (8 * UInt64(i)))) }
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: w.1 >> (8 * UInt64(i)))) }
        return out
    }
}
