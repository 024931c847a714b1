// CSwiftletCrypto: the ChaCha20 stream cipher (RFC 8439 §2.1-2.4) with SIMD: four blocks at once in SSE2
// or SSSE3 registers, eight at once in AVX2 registers. See the header for the contract.
//
// Layout: register i holds state word i of 4 (or 8) consecutive blocks, one block per 32-bit lane, so a
// quarter round (§2.1) is the same add/xor/rotate on whole registers; lane j of word 12 is the block
// counter + j. After the 20 rounds (§2.3) and the feed-forward addition, 4x4 transposes turn the
// word-per-register layout back into block order (words little-endian, x86 is little-endian) before the
// XOR into the data (§2.4). Rotations by 16 and 8 are byte shuffles with SSSE3/AVX2 (pshufb); with SSE2
// the rotation by 16 is a 16-bit word swap (pshuflw/pshufhw) and by 8 a shift pair; rotations by 12 and
// 7 are always shift pairs.
//
// Constant time: every operation is an add, xor, shift or fixed shuffle; branches and loop counts depend
// only on `length` and `features`, both public. The partial last chunk is computed in a stack buffer that
// is wiped before returning.

#include "include/CSwiftletCrypto.h"
#include <immintrin.h>

static inline uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/// The 16-word input state (§2.3) for block `counter`.
static void initial_state(uint32_t s[16], const uint8_t key[32], const uint8_t nonce[12], uint32_t counter) {
    s[0] = 0x61707865u; s[1] = 0x3320646eu; s[2] = 0x79622d32u; s[3] = 0x6b206574u;
    for (int i = 0; i < 8; i++) s[4 + i] = load_le32(key + 4 * i);
    s[12] = counter;
    for (int i = 0; i < 3; i++) s[13 + i] = load_le32(nonce + 4 * i);
}

// ---- Four blocks in 128-bit registers ----

/// An empty asm that claims to change x: it stops the compiler from merging the rotation by 16 into the
/// next shuffle (which costs an extra shuffle per quarter round), and emits no instruction.
#define KEEP(x) __asm__("" : "+x"(x))

#define ROTL_SHIFT128(x, n) _mm_or_si128(_mm_slli_epi32((x), (n)), _mm_srli_epi32((x), 32 - (n)))
#define ROT16_SSE2(x) _mm_shufflehi_epi16(_mm_shufflelo_epi16((x), 0xb1), 0xb1)
#define ROT8_SSE2(x) ROTL_SHIFT128((x), 8)
#define ROT16_SSSE3(x) _mm_shuffle_epi8((x), rot16)
#define ROT8_SSSE3(x) _mm_shuffle_epi8((x), rot8)

#define QUARTER128(a, b, c, d, ROT16, ROT8)                                                     \
    a = _mm_add_epi32(a, b); d = _mm_xor_si128(d, a); d = ROT16(d); KEEP(d);                  \
    c = _mm_add_epi32(c, d); b = _mm_xor_si128(b, c); b = ROTL_SHIFT128(b, 12);               \
    a = _mm_add_epi32(a, b); d = _mm_xor_si128(d, a); d = ROT8(d);                            \
    c = _mm_add_epi32(c, d); b = _mm_xor_si128(b, c); b = ROTL_SHIFT128(b, 7);

/// Transposes four registers holding word w of blocks 0..3 (w = 4g..4g+3) into block order and XORs
/// them into data at block offsets 0, 64, 128, 192 plus 16g.
#define TRANSPOSE_XOR128(w0, w1, w2, w3, data, g)                                              \
    do {                                                                                       \
        __m128i t0 = _mm_unpacklo_epi32(w0, w1), t1 = _mm_unpacklo_epi32(w2, w3);             \
        __m128i t2 = _mm_unpackhi_epi32(w0, w1), t3 = _mm_unpackhi_epi32(w2, w3);             \
        __m128i b0 = _mm_unpacklo_epi64(t0, t1), b1 = _mm_unpackhi_epi64(t0, t1);             \
        __m128i b2 = _mm_unpacklo_epi64(t2, t3), b3 = _mm_unpackhi_epi64(t2, t3);             \
        __m128i *p0 = (__m128i *)((data) + 16 * (g)), *p1 = (__m128i *)((data) + 64 + 16 * (g)); \
        __m128i *p2 = (__m128i *)((data) + 128 + 16 * (g)), *p3 = (__m128i *)((data) + 192 + 16 * (g)); \
        _mm_storeu_si128(p0, _mm_xor_si128(_mm_loadu_si128(p0), b0));                         \
        _mm_storeu_si128(p1, _mm_xor_si128(_mm_loadu_si128(p1), b1));                         \
        _mm_storeu_si128(p2, _mm_xor_si128(_mm_loadu_si128(p2), b2));                         \
        _mm_storeu_si128(p3, _mm_xor_si128(_mm_loadu_si128(p3), b3));                         \
    } while (0)

/// XORs the keystream of blocks counter..counter+3 into data[0..<256].
#define DEFINE_CHACHA4(name, isa, ROT16, ROT8)                                               \
    __attribute__((target(isa))) static void name(const uint32_t s[16], uint32_t counter, uint8_t *data) { \
        const __m128i rot16 = _mm_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2); \
        const __m128i rot8 = _mm_set_epi8(14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3); \
        (void)rot16; (void)rot8;                                                               \
        __m128i in[16], x[16];                                                                 \
        for (int i = 0; i < 16; i++) in[i] = _mm_set1_epi32((int)s[i]);                        \
        in[12] = _mm_add_epi32(_mm_set1_epi32((int)counter), _mm_set_epi32(3, 2, 1, 0));       \
        for (int i = 0; i < 16; i++) x[i] = in[i];                                             \
        for (int r = 0; r < 10; r++) {                                                         \
            QUARTER128(x[0], x[4], x[8], x[12], ROT16, ROT8)                                   \
            QUARTER128(x[1], x[5], x[9], x[13], ROT16, ROT8)                                   \
            QUARTER128(x[2], x[6], x[10], x[14], ROT16, ROT8)                                  \
            QUARTER128(x[3], x[7], x[11], x[15], ROT16, ROT8)                                  \
            QUARTER128(x[0], x[5], x[10], x[15], ROT16, ROT8)                                  \
            QUARTER128(x[1], x[6], x[11], x[12], ROT16, ROT8)                                  \
            QUARTER128(x[2], x[7], x[8], x[13], ROT16, ROT8)                                   \
            QUARTER128(x[3], x[4], x[9], x[14], ROT16, ROT8)                                   \
        }                                                                                      \
        for (int i = 0; i < 16; i++) x[i] = _mm_add_epi32(x[i], in[i]);                        \
        TRANSPOSE_XOR128(x[0], x[1], x[2], x[3], data, 0);                                     \
        TRANSPOSE_XOR128(x[4], x[5], x[6], x[7], data, 1);                                     \
        TRANSPOSE_XOR128(x[8], x[9], x[10], x[11], data, 2);                                   \
        TRANSPOSE_XOR128(x[12], x[13], x[14], x[15], data, 3);                                 \
    }

DEFINE_CHACHA4(chacha4_sse2, "sse2", ROT16_SSE2, ROT8_SSE2)
DEFINE_CHACHA4(chacha4_ssse3, "ssse3", ROT16_SSSE3, ROT8_SSSE3)

// ---- Eight blocks in 256-bit registers ----

#define AVX2 __attribute__((target("avx2")))
#define ROTL_SHIFT256(x, n) _mm256_or_si256(_mm256_slli_epi32((x), (n)), _mm256_srli_epi32((x), 32 - (n)))

#define QUARTER256(a, b, c, d)                                                                  \
    a = _mm256_add_epi32(a, b); d = _mm256_xor_si256(d, a); d = _mm256_shuffle_epi8(d, rot16); KEEP(d); \
    c = _mm256_add_epi32(c, d); b = _mm256_xor_si256(b, c); b = ROTL_SHIFT256(b, 12);         \
    a = _mm256_add_epi32(a, b); d = _mm256_xor_si256(d, a); d = _mm256_shuffle_epi8(d, rot8);  \
    c = _mm256_add_epi32(c, d); b = _mm256_xor_si256(b, c); b = ROTL_SHIFT256(b, 7);

/// The in-lane 4x4 transpose: afterwards the low 128 bits of out[j] are words 4g..4g+3 of block j and
/// the high 128 bits the same words of block j + 4.
AVX2 static inline void transpose256(__m256i w0, __m256i w1, __m256i w2, __m256i w3, __m256i out[4]) {
    __m256i t0 = _mm256_unpacklo_epi32(w0, w1), t1 = _mm256_unpacklo_epi32(w2, w3);
    __m256i t2 = _mm256_unpackhi_epi32(w0, w1), t3 = _mm256_unpackhi_epi32(w2, w3);
    out[0] = _mm256_unpacklo_epi64(t0, t1); out[1] = _mm256_unpackhi_epi64(t0, t1);
    out[2] = _mm256_unpacklo_epi64(t2, t3); out[3] = _mm256_unpackhi_epi64(t2, t3);
}

AVX2 static inline void xor256(uint8_t *p, __m256i k) {
    _mm256_storeu_si256((__m256i *)p, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p), k));
}

/// XORs the keystream of blocks counter..counter+7 into data[0..<512].
AVX2 static void chacha8_avx2(const uint32_t s[16], uint32_t counter, uint8_t *data) {
    const __m256i rot16 = _mm256_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2,
                                          13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2);
    const __m256i rot8 = _mm256_set_epi8(14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3,
                                         14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3);
    __m256i in[16], x[16];
    for (int i = 0; i < 16; i++) in[i] = _mm256_set1_epi32((int)s[i]);
    in[12] = _mm256_add_epi32(_mm256_set1_epi32((int)counter), _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0));
    for (int i = 0; i < 16; i++) x[i] = in[i];
    for (int r = 0; r < 10; r++) {
        QUARTER256(x[0], x[4], x[8], x[12]) QUARTER256(x[1], x[5], x[9], x[13])
        QUARTER256(x[2], x[6], x[10], x[14]) QUARTER256(x[3], x[7], x[11], x[15])
        QUARTER256(x[0], x[5], x[10], x[15]) QUARTER256(x[1], x[6], x[11], x[12])
        QUARTER256(x[2], x[7], x[8], x[13]) QUARTER256(x[3], x[4], x[9], x[14])
    }
    for (int i = 0; i < 16; i++) x[i] = _mm256_add_epi32(x[i], in[i]);
    __m256i a[4], b[4], c[4], d[4];
    transpose256(x[0], x[1], x[2], x[3], a);      // words 0-3
    transpose256(x[4], x[5], x[6], x[7], b);      // words 4-7
    transpose256(x[8], x[9], x[10], x[11], c);    // words 8-11
    transpose256(x[12], x[13], x[14], x[15], d);  // words 12-15
    for (int j = 0; j < 4; j++) {
        // Block j from the low halves, block j + 4 from the high halves.
        xor256(data + 64 * j, _mm256_permute2x128_si256(a[j], b[j], 0x20));
        xor256(data + 64 * j + 32, _mm256_permute2x128_si256(c[j], d[j], 0x20));
        xor256(data + 64 * (j + 4), _mm256_permute2x128_si256(a[j], b[j], 0x31));
        xor256(data + 64 * (j + 4) + 32, _mm256_permute2x128_si256(c[j], d[j], 0x31));
    }
}

// ---- The entry point ----

void swiftlet_chacha20_xor(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                           uint8_t *data, size_t length, unsigned features) {
    uint32_t s[16];
    initial_state(s, key, nonce, counter);
    int ssse3 = (features & SWIFTLET_CPU_SSSE3) != 0;
    if (features & SWIFTLET_CPU_AVX2) {
        while (length >= 512) {
            chacha8_avx2(s, counter, data);
            counter += 8; data += 512; length -= 512;
        }
    }
    while (length >= 256) {
        if (ssse3) chacha4_ssse3(s, counter, data); else chacha4_sse2(s, counter, data);
        counter += 4; data += 256; length -= 256;
    }
    if (length > 0) {
        // The last 1..255 bytes: four blocks over a copy, then the used bytes back.
        uint8_t buffer[256];
        for (size_t i = 0; i < 256; i++) buffer[i] = i < length ? data[i] : 0;
        if (ssse3) chacha4_ssse3(s, counter, buffer); else chacha4_sse2(s, counter, buffer);
        for (size_t i = 0; i < length; i++) data[i] = buffer[i];
        // Wipe the keystream left in the buffer (volatile: the stores must not be optimised away).
        volatile uint8_t *wipe = buffer;
        for (size_t i = 0; i < 256; i++) wipe[i] = 0;
    }
    volatile uint32_t *wipe_state = s;
    for (int i = 0; i < 16; i++) wipe_state[i] = 0;
}
