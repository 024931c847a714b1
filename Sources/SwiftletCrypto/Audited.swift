// SwiftletCrypto: the one file of this module with unchecked memory access, read by a reviewer in one
// sitting: the calls into CSwiftletCrypto's hardware AES-GCM (AES-NI, PCLMULQDQ). Every pointer handed
// to C comes from a span or an owned value whose length was checked here first, the C functions touch
// exactly the lengths they are given, and nothing is kept past the call.

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
