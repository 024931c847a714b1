// SwiftletCrypto: GCM (NIST SP 800-38D §7) for 96-bit nonces on the hardware AES and GHASH of
// `HardwareAESGCM` (Audited.swift). J0 = IV || 0^31 || 1 (§7.1 step 2); the text is counted from inc32(J0);
// the tag is E(K, J0) xor GHASH(A, C, [len(A)]64 || [len(C)]64). `open` hashes the ciphertext and checks
// the tag in constant time before it decrypts a byte. `AESGCMBackend` (AESGCM.swift) checks the lengths
// (§5.2.1.1) before calling these, with the same rules as the portable GCM.

extension HardwareAESGCM {
    private static func initialCounter(_ nonce: Span<UInt8>) -> InlineArray<16, UInt8> {
        var j0 = InlineArray<16, UInt8>(repeating: 0)
        for i in 0..<12 { j0[i] = nonce[i] }
        j0[15] = 1
        return j0
    }

    private func finish(_ tag: inout InlineArray<16, UInt8>, j0: InlineArray<16, UInt8>, aadCount: Int, textCount: Int) -> [UInt8] {
        var lengths = InlineArray<16, UInt8>(repeating: 0)
        let aadBits = UInt64(aadCount) &* 8, textBits = UInt64(textCount) &* 8
        for k in 0..<8 {
            lengths[k] = UInt8(truncatingIfNeeded: aadBits >> (56 - 8 * UInt64(k)))
            lengths[8 + k] = UInt8(truncatingIfNeeded: textBits >> (56 - 8 * UInt64(k)))
        }
        ghash(&tag, lengths.span)
        let mask = encryptBlock(j0)
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { out[i] = tag[i] ^ mask[i] }
        return out
    }

    /// Encrypts in place and returns the tag. The caller checked the nonce's length (12) and the text's.
    func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>) -> [UInt8] {
        let j0 = Self.initialCounter(nonce)
        var counter = j0
        counter[15] = 2
        var tag = InlineArray<16, UInt8>(repeating: 0)
        ghash(&tag, aad)
        crypt(&text, counter: &counter, tag: &tag, mode: 1)
        return finish(&tag, j0: j0, aadCount: aad.count, textCount: text.count)
    }

    /// Checks the tag over `aad` and the ciphertext, then decrypts in place; false (text untouched) when
    /// the tag does not verify. The caller checked the lengths of nonce and tag.
    func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>, tag expected: Span<UInt8>) -> Bool {
        let j0 = Self.initialCounter(nonce)
        var tag = InlineArray<16, UInt8>(repeating: 0)
        ghash(&tag, aad)
        ghash(&tag, text.span)
        let computed = finish(&tag, j0: j0, aadCount: aad.count, textCount: text.count)
        guard ConstantTime.equal(computed.span, expected) else { return false }
        var counter = j0
        counter[15] = 2
        crypt(&text, counter: &counter, tag: &tag, mode: 2)
        return true
    }
}
