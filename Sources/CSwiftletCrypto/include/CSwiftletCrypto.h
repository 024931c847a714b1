// CSwiftletCrypto: the hardware paths of SwiftletCrypto, in C because they are CPU instructions Swift has
// no spelling for: AES-NI and PCLMULQDQ for AES-GCM, SSE2/SSSE3/AVX2 for ChaCha20. Each function carries its own target attribute, so the
// file builds without special flags and nothing here runs unless `swiftlet_crypto_cpu_features` said the
// CPU has the instructions. Freestanding: no libc, no allocation; callers pass every buffer with its size.
// SwiftletCrypto's Audited.swift is the only caller; the portable Swift code is the fallback and the
// reference the tests compare these functions with.
#ifndef CSWIFTLET_CRYPTO_H
#define CSWIFTLET_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/// Bit 0: AES-NI, bit 1: PCLMULQDQ, bit 2: SSSE3, bit 3: SSE4.1 (CPUID leaf 1, ECX bits 25, 1, 9, 19).
/// Bit 4: AVX2 that the OS has enabled: CPUID leaf 7 EBX bit 5, and leaf 1 ECX bit 27 (OSXSAVE) with
/// XGETBV's XCR0 bits 1 and 2 (SSE and AVX state saved); a kernel that never set CR4.OSXSAVE gets no bit 4.
/// SSE2 is part of x86-64 and has no bit.
#define SWIFTLET_CPU_AESNI 1u
#define SWIFTLET_CPU_PCLMUL 2u
#define SWIFTLET_CPU_SSSE3 4u
#define SWIFTLET_CPU_SSE41 8u
#define SWIFTLET_CPU_AVX2 16u
unsigned swiftlet_crypto_cpu_features(void);

/// The GCM key: AES round keys and the powers H^1..H^8 of the hash key, byte-reflected for PCLMULQDQ.
typedef struct {
    uint8_t round_keys[15 * 16];
    uint8_t h_powers[8 * 16];
    int rounds;   // 10 (AES-128) or 14 (AES-256)
} swiftlet_gcm_key;

/// Expands a 16- or 32-byte AES key and computes H = AES(K, 0^128) and its powers. Returns 0, or -1 for
/// another key length.
int swiftlet_aesni_gcm_init(swiftlet_gcm_key *key, const uint8_t *aes_key, size_t key_length);

/// One AES block encryption (for J0 and tests).
void swiftlet_aesni_encrypt_block(const swiftlet_gcm_key *key, const uint8_t in[16], uint8_t out[16]);

/// Folds `length` bytes into the GHASH accumulator `tag` (16 bytes, GCM's bit order); a last partial
/// block is padded with zeros (NIST SP 800-38D §6.4).
void swiftlet_pclmul_ghash(const swiftlet_gcm_key *key, uint8_t tag[16], const uint8_t *data, size_t length);

/// GCM's CTR pass over `length` bytes in place from counter block `counter` (its last 4 bytes count,
/// big-endian, and are advanced), with GHASH of the ciphertext folded into `tag`: after encrypting when
/// `encrypt` is 1, before decrypting when 0, not at all when 2. A partial last block is handled; callers pass a whole message
/// (or whole 16-byte multiples before the end).
void swiftlet_aesni_gcm_crypt(const swiftlet_gcm_key *key, uint8_t counter[16], uint8_t tag[16], uint8_t *data, size_t length, int encrypt);

/// ChaCha20 (RFC 8439 §2.4): XORs the keystream of blocks counter, counter + 1, ... into `data[0..<length]`
/// in place; 32-byte key, 12-byte nonce. Block i of the call uses counter + i modulo 2^32: past
/// 0xFFFFFFFF the counter wraps to 0 and the nonce is left alone (RFC 8439's 32-bit counter; the AEAD
/// refuses texts that would wrap, so it never gets there). `features` chooses the code path and must be
/// a subset of what `swiftlet_crypto_cpu_features` returned: SWIFTLET_CPU_AVX2 runs eight blocks at a time,
/// SWIFTLET_CPU_SSSE3 four with byte-shuffle rotations, neither four with SSE2 only; the output is the
/// same. Any length, including 0; constant time in the key, nonce, counter and data.
void swiftlet_chacha20_xor(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                           uint8_t *data, size_t length, unsigned features);

#endif
