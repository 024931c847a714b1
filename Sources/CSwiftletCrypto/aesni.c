// CSwiftletCrypto: AES (FIPS 197) with AES-NI and GCM (NIST SP 800-38D) with PCLMULQDQ, and the CPU
// feature query every path of this target is gated on (CPUID, and XGETBV for OS-enabled AVX). See the header.
//
// GHASH works in GF(2^128) with GCM's reflected bit order: the first bit of a block is the coefficient of
// x^0. Blocks are byte-reversed on load (so the 128-bit register reads as a polynomial with bits reflected);
// a carry-less product of two reflected values is the reflected product shifted right by one bit, which
// is put right by shifting the 256-bit product left by one before reduction modulo
// x^128 + x^7 + x^2 + x + 1 (the reduction folds the low 128 bits into the high ones with shifts by
// 1, 2, 7 and 63, 62, 57). Eight blocks are hashed per reduction: sum of X_i * H^(9-i), reduced once.
// No table is indexed by data, no branch depends on a key or on data: constant time.

#include "include/CSwiftletCrypto.h"
#include <immintrin.h>

#define TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1")))

unsigned swiftlet_crypto_cpu_features(void) {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    unsigned features = 0;
    if (c & (1u << 25)) features |= SWIFTLET_CPU_AESNI;
    if (c & (1u << 1)) features |= SWIFTLET_CPU_PCLMUL;
    if (c & (1u << 9)) features |= SWIFTLET_CPU_SSSE3;
    if (c & (1u << 19)) features |= SWIFTLET_CPU_SSE41;
    // AVX2 only when the OS saves the YMM state: OSXSAVE (so XGETBV exists), XCR0 bits 1-2, and AVX.
    unsigned max_leaf, b0, c0, d0;
    __asm__ volatile("cpuid" : "=a"(max_leaf), "=b"(b0), "=c"(c0), "=d"(d0) : "a"(0), "c"(0));
    if ((c & (1u << 27)) && (c & (1u << 28)) && max_leaf >= 7) {
        unsigned xcr0_low, xcr0_high;
        __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
        unsigned a7, b7, c7, d7;
        __asm__ volatile("cpuid" : "=a"(a7), "=b"(b7), "=c"(c7), "=d"(d7) : "a"(7), "c"(0));
        if ((xcr0_low & 6u) == 6u && (b7 & (1u << 5))) features |= SWIFTLET_CPU_AVX2;
    }
    return features;
}

// ---- AES key expansion (FIPS 197 §5.2) ----

TARGET static __m128i expand_step128(__m128i key, __m128i assist) {
    // assist's word 3 is SubWord(RotWord(w[i-1])) xor Rcon; each word of the new round key is the xor of
    // that and all earlier words of the previous round key.
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

TARGET static __m128i expand_step256b(__m128i key, __m128i other) {
    // AES-256's odd round keys: SubWord(w[i-1]) without rotation or Rcon (word 2 of aeskeygenassist).
    __m128i assist = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(other, 0), 0xaa);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

#define STEP128(k, rcon) expand_step128((k), _mm_aeskeygenassist_si128((k), (rcon)))
#define STEP256A(k, other, rcon) expand_step128((k), _mm_aeskeygenassist_si128((other), (rcon)))

TARGET static int expand_key(__m128i *rk, const uint8_t *key, size_t length) {
    if (length == 16) {
        rk[0] = _mm_loadu_si128((const __m128i *)key);
        rk[1] = STEP128(rk[0], 0x01); rk[2] = STEP128(rk[1], 0x02); rk[3] = STEP128(rk[2], 0x04);
        rk[4] = STEP128(rk[3], 0x08); rk[5] = STEP128(rk[4], 0x10); rk[6] = STEP128(rk[5], 0x20);
        rk[7] = STEP128(rk[6], 0x40); rk[8] = STEP128(rk[7], 0x80); rk[9] = STEP128(rk[8], 0x1b);
        rk[10] = STEP128(rk[9], 0x36);
        return 10;
    }
    if (length == 32) {
        rk[0] = _mm_loadu_si128((const __m128i *)key);
        rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
        static const int rcon[7] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40};
        for (int i = 0; i < 7; i++) {
            // aeskeygenassist needs an immediate Rcon: one case per round.
            __m128i assist;
            switch (rcon[i]) {
            case 0x01: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x01); break;
            case 0x02: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x02); break;
            case 0x04: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x04); break;
            case 0x08: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x08); break;
            case 0x10: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x10); break;
            case 0x20: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x20); break;
            default: assist = _mm_aeskeygenassist_si128(rk[2 * i + 1], 0x40); break;
            }
            rk[2 * i + 2] = expand_step128(rk[2 * i], assist);
            if (i < 6) rk[2 * i + 3] = expand_step256b(rk[2 * i + 1], rk[2 * i + 2]);
        }
        return 14;
    }
    return -1;
}

TARGET static __m128i encrypt(const __m128i *rk, int rounds, __m128i block) {
    block = _mm_xor_si128(block, rk[0]);
    for (int r = 1; r < rounds; r++) block = _mm_aesenc_si128(block, rk[r]);
    return _mm_aesenclast_si128(block, rk[rounds]);
}

// ---- GF(2^128) arithmetic ----

TARGET static inline __m128i reverse_bytes(__m128i x) {
    const __m128i order = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm_shuffle_epi8(x, order);
}

/// The unreduced 256-bit carry-less product a*b, added into (*hi, *lo).
TARGET static inline void multiply_add(__m128i a, __m128i b, __m128i *hi, __m128i *lo, __m128i *mid) {
    *lo = _mm_xor_si128(*lo, _mm_clmulepi64_si128(a, b, 0x00));
    *hi = _mm_xor_si128(*hi, _mm_clmulepi64_si128(a, b, 0x11));
    *mid = _mm_xor_si128(*mid, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10)));
}

/// (hi, lo, mid) -> the reduced product, in the byte-reversed representation.
TARGET static inline __m128i reduce(__m128i hi, __m128i lo, __m128i mid) {
    // Fold the middle terms into the two halves.
    lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
    hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
    // Shift the 256-bit product [hi:lo] left by one bit (the reflected product is one bit short).
    __m128i lo_carry = _mm_srli_epi32(lo, 31), hi_carry = _mm_srli_epi32(hi, 31);
    lo = _mm_slli_epi32(lo, 1);
    hi = _mm_slli_epi32(hi, 1);
    hi = _mm_or_si128(hi, _mm_srli_si128(lo_carry, 12));   // lo's top bit into hi's bottom
    hi = _mm_or_si128(hi, _mm_slli_si128(hi_carry, 4));
    lo = _mm_or_si128(lo, _mm_slli_si128(lo_carry, 4));
    // Reduce: in the reflected order x^128 = x^7 + x^2 + x + 1 folds lo into hi. First the parts of
    // lo * (x^63 + x^62 + x^57) that stay within lo (the 32-bit lane shifts by 31, 30, 25).
    __m128i a = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30)), _mm_slli_epi32(lo, 25));
    __m128i spill = _mm_srli_si128(a, 4);
    lo = _mm_xor_si128(lo, _mm_slli_si128(a, 12));
    // Then lo * (1 + x + x^2 + x^7) in this order: right shifts by 1, 2, 7, plus what spilled above.
    __m128i b = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2)), _mm_srli_epi32(lo, 7));
    b = _mm_xor_si128(b, spill);
    lo = _mm_xor_si128(lo, b);
    return _mm_xor_si128(hi, lo);
}

TARGET static inline __m128i gf_multiply(__m128i a, __m128i b) {
    __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128(), mid = _mm_setzero_si128();
    multiply_add(a, b, &hi, &lo, &mid);
    return reduce(hi, lo, mid);
}

TARGET int swiftlet_aesni_gcm_init(swiftlet_gcm_key *key, const uint8_t *aes_key, size_t key_length) {
    __m128i rk[15];
    int rounds = expand_key(rk, aes_key, key_length);
    if (rounds < 0) return -1;
    key->rounds = rounds;
    for (int i = 0; i <= rounds; i++) _mm_storeu_si128((__m128i *)(key->round_keys + 16 * i), rk[i]);
    __m128i h = reverse_bytes(encrypt(rk, rounds, _mm_setzero_si128()));
    __m128i power = h;
    for (int i = 0; i < 8; i++) {
        _mm_storeu_si128((__m128i *)(key->h_powers + 16 * i), power);   // h_powers[i] = H^(i+1)
        power = gf_multiply(power, h);
    }
    return 0;
}

TARGET void swiftlet_aesni_encrypt_block(const swiftlet_gcm_key *key, const uint8_t in[16], uint8_t out[16]) {
    __m128i rk[15];
    for (int i = 0; i <= key->rounds; i++) rk[i] = _mm_loadu_si128((const __m128i *)(key->round_keys + 16 * i));
    _mm_storeu_si128((__m128i *)out, encrypt(rk, key->rounds, _mm_loadu_si128((const __m128i *)in)));
}

/// Folds 8 blocks (byte-reversed) into the accumulator x: (x + b0) H^8 + b1 H^7 + ... + b7 H.
TARGET static inline __m128i ghash8(const swiftlet_gcm_key *key, __m128i x, const __m128i *blocks) {
    __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128(), mid = _mm_setzero_si128();
    for (int i = 0; i < 8; i++) {
        __m128i b = blocks[i];
        if (i == 0) b = _mm_xor_si128(b, x);
        multiply_add(b, _mm_loadu_si128((const __m128i *)(key->h_powers + 16 * (7 - i))), &hi, &lo, &mid);
    }
    return reduce(hi, lo, mid);
}

TARGET void swiftlet_pclmul_ghash(const swiftlet_gcm_key *key, uint8_t tag[16], const uint8_t *data, size_t length) {
    __m128i x = reverse_bytes(_mm_loadu_si128((const __m128i *)tag));
    __m128i h = _mm_loadu_si128((const __m128i *)key->h_powers);
    size_t i = 0;
    __m128i blocks[8];
    for (; i + 128 <= length; i += 128) {
        for (int j = 0; j < 8; j++) blocks[j] = reverse_bytes(_mm_loadu_si128((const __m128i *)(data + i + 16 * j)));
        x = ghash8(key, x, blocks);
    }
    for (; i + 16 <= length; i += 16)
        x = gf_multiply(_mm_xor_si128(x, reverse_bytes(_mm_loadu_si128((const __m128i *)(data + i)))), h);
    if (i < length) {
        uint8_t last[16] = {0};
        for (size_t j = 0; i + j < length; j++) last[j] = data[i + j];
        x = gf_multiply(_mm_xor_si128(x, reverse_bytes(_mm_loadu_si128((const __m128i *)last))), h);
    }
    _mm_storeu_si128((__m128i *)tag, reverse_bytes(x));
}

TARGET void swiftlet_aesni_gcm_crypt(const swiftlet_gcm_key *key, uint8_t counter[16], uint8_t tag[16], uint8_t *data, size_t length, int encrypt_mode) {
    __m128i rk[15];
    const int rounds = key->rounds;
    for (int i = 0; i <= rounds; i++) rk[i] = _mm_loadu_si128((const __m128i *)(key->round_keys + 16 * i));
    __m128i x = reverse_bytes(_mm_loadu_si128((const __m128i *)tag));
    __m128i h = _mm_loadu_si128((const __m128i *)key->h_powers);
    // The counter block with its last word as a native integer (inc32 of SP 800-38D §6.2 wraps mod 2^32).
    __m128i base = _mm_loadu_si128((const __m128i *)counter);
    uint32_t n = (uint32_t)counter[12] << 24 | (uint32_t)counter[13] << 16 | (uint32_t)counter[14] << 8 | counter[15];
    size_t i = 0;
    for (; i + 128 <= length; i += 128) {
        __m128i s[8], blocks[8];
        for (int j = 0; j < 8; j++) {
            uint32_t c = n + (uint32_t)j;
            s[j] = _mm_insert_epi32(base, (int)__builtin_bswap32(c), 3);
            s[j] = _mm_xor_si128(s[j], rk[0]);
        }
        n += 8;
        for (int r = 1; r < rounds; r++)
            for (int j = 0; j < 8; j++) s[j] = _mm_aesenc_si128(s[j], rk[r]);
        for (int j = 0; j < 8; j++) {
            __m128i in = _mm_loadu_si128((const __m128i *)(data + i + 16 * j));
            __m128i out = _mm_xor_si128(_mm_aesenclast_si128(s[j], rk[rounds]), in);
            _mm_storeu_si128((__m128i *)(data + i + 16 * j), out);
            blocks[j] = reverse_bytes(encrypt_mode == 1 ? out : in);
        }
        if (encrypt_mode != 2) x = ghash8(key, x, blocks);
    }
    for (; i < length; i += 16) {
        __m128i s = encrypt(rk, rounds, _mm_insert_epi32(base, (int)__builtin_bswap32(n), 3));
        n += 1;
        uint8_t pad[16], block[16] = {0};
        size_t take = length - i < 16 ? length - i : 16;
        _mm_storeu_si128((__m128i *)pad, s);
        for (size_t j = 0; j < take; j++) block[j] = data[i + j];
        // GHASH sees the ciphertext zero-padded; the keystream beyond `take` is never used.
        uint8_t cipher[16] = {0};
        for (size_t j = 0; j < take; j++) {
            uint8_t out = block[j] ^ pad[j];
            cipher[j] = encrypt_mode == 1 ? out : block[j];
            data[i + j] = out;
        }
        if (encrypt_mode != 2) x = gf_multiply(_mm_xor_si128(x, reverse_bytes(_mm_loadu_si128((const __m128i *)cipher))), h);
    }
    counter[12] = (uint8_t)(n >> 24); counter[13] = (uint8_t)(n >> 16); counter[14] = (uint8_t)(n >> 8); counter[15] = (uint8_t)n;
    _mm_storeu_si128((__m128i *)tag, reverse_bytes(x));
}
