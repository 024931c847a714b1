// SwiftletCrypto: the one file of this module with unchecked memory access, read by a reviewer in one
// sitting: the calls into CSwiftletCrypto's hardware AES-GCM (AES-NI, PCLMULQDQ) and SIMD ChaCha20
// (SSE2, SSSE3, AVX2). Every pointer handed to C comes from a span or an owned value whose length was
// checked here first (or is fixed by its type, as InlineArray<32, UInt8> for a ChaCha20 key), the C
// functions touch exactly the lengths they are given, and nothing is kept past the call.

import CSwiftletCrypto

/// AES-GCM on AES-NI and PCLMULQDQ, when the CPU has them (CPUID, asked once).
struct HardwareAESGCM {
    /// Whether this CPU has AES-NI, PCLMULQDQ, SSSE3 and SSE4.1.
    static let available: Bool = {
        let all = SWIFTLET_CPU_AESNI | SWIFTLET_CPU_PCLMUL | SWIFTLET_CPU_SSSE3 | SWIFTLET_CPU_SSE41
        return swiftlet_crypto_cpu_features() & all == all
    }()

    private var key = swiftlet_gcm_key()

    /// nil when the CPU lacks the instructions or the key is not 16 or 32 bytes.
    init?(key aesKey: Span<UInt8>) {
        guard Self.available, aesKey.count == 16 || aesKey.count == 32 else { return nil }
        let status = aesKey.withUnsafeBufferPointer { k in
            withUnsafeMutablePointer(to: &key) { swiftlet_aesni_gcm_init($0, k.baseAddress, k.count) }
        }
        guard status == 0 else { return nil }
    }

    /// E(K, block) for a 16-byte block.
    func encryptBlock(_ block: InlineArray<16, UInt8>) -> InlineArray<16, UInt8> {
        var input = block, output = InlineArray<16, UInt8>(repeating: 0)
        var key = self.key
        withUnsafePointer(to: &key) { k in
            withUnsafeBytes(of: &input) { i in
                withUnsafeMutableBytes(of: &output) { o in
                    swiftlet_aesni_encrypt_block(k, i.baseAddress!.assumingMemoryBound(to: UInt8.self), o.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        return output
    }

    /// Folds `data` (zero-padded to whole blocks) into the GHASH accumulator `tag`.
    func ghash(_ tag: inout InlineArray<16, UInt8>, _ data: Span<UInt8>) {
        guard !data.isEmpty else { return }
        var key = self.key
        withUnsafePointer(to: &key) { k in
            withUnsafeMutableBytes(of: &tag) { t in
                data.withUnsafeBufferPointer { d in
                    swiftlet_pclmul_ghash(k, t.baseAddress!.assumingMemoryBound(to: UInt8.self), d.baseAddress, d.count)
                }
            }
        }
    }

    /// GCM's counter-mode pass in place; `mode` 1 hashes the output (encryption), 0 the input (decryption),
    /// 2 nothing (decryption after the tag was checked).
    func crypt(_ text: inout MutableSpan<UInt8>, counter: inout InlineArray<16, UInt8>, tag: inout InlineArray<16, UInt8>, mode: Int32) {
        guard !text.isEmpty else { return }
        var key = self.key
        withUnsafePointer(to: &key) { k in
            withUnsafeMutableBytes(of: &counter) { c in
                withUnsafeMutableBytes(of: &tag) { t in
                    text.withUnsafeMutableBufferPointer { d in
                        swiftlet_aesni_gcm_crypt(k, c.baseAddress!.assumingMemoryBound(to: UInt8.self), t.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                 d.baseAddress, d.count, mode)
                    }
                }
            }
        }
    }
}

/// ChaCha20 in CSwiftletCrypto's SIMD code: SSE2 (every x86-64 CPU), SSSE3, and AVX2 where the OS has
/// enabled it.
enum SIMDChaCha20 {
    /// The ChaCha20 paths of this CPU beyond SSE2: SWIFTLET_CPU_SSSE3 and SWIFTLET_CPU_AVX2 bits (CPUID and
    /// XGETBV, asked once).
    static let features: UInt32 = swiftlet_crypto_cpu_features() & (SWIFTLET_CPU_SSSE3 | SWIFTLET_CPU_AVX2)

    /// XORs the keystream from block `counter` into `text` (block i uses counter + i mod 2^32), on the
    /// paths in `features` that this CPU has. Key and nonce lengths are fixed by their types.
    static func xorKeystream(_ text: inout MutableSpan<UInt8>, key: ChaCha20Key, nonce: InlineArray<12, UInt8>, counter: UInt32, features: UInt32) {
        guard !text.isEmpty else { return }
        var keyBytes = key.bytes, nonceBytes = nonce
        let paths = features & Self.features
        withUnsafeBytes(of: &keyBytes) { k in
            withUnsafeBytes(of: &nonceBytes) { n in
                text.withUnsafeMutableBufferPointer { d in
                    swiftlet_chacha20_xor(k.baseAddress!.assumingMemoryBound(to: UInt8.self), n.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                          counter, d.baseAddress, d.count, paths)
                }
            }
        }
    }
}
