// SwiftletCrypto/Cipher: AES-GCM (NIST SP 800-38D) for 96-bit IVs, and the public AES128GCM and
// AES256GCM types, which share one generic implementation.
//
// Construction (§7.1, §7.2): H = E_K(0^128); J0 = IV || 0^31 || 1 (96-bit IVs only, §7.1 step 2);
// the text is encrypted with GCTR from inc32(J0), i.e. counter blocks IV || be32(2), be32(3), ...,
// the counter wrapping mod 2^32 (§6.2 inc32); the tag is E_K(J0) ^ GHASH_H(A || 0^v || C || 0^u ||
// [len(A)]_64 || [len(C)]_64). open recomputes the tag from the ciphertext, compares in constant time,
// and decrypts only after that, so a forgery leaves the buffer as it was. Length limits (§5.2.1.1):
// len(P) ≤ 2^39 - 256 bits, len(A) ≤ 2^64 - 1 bits, refused with .outputTooLong; with a 96-bit IV that
// bound also keeps the 32-bit counter from wrapping.
//
// Backends: `GCM` is generic over `GCMBlockCipher` (the block function and the CTR loop) and `GHashEngine`
// (GHASH); the portable pair is `BitslicedAES` + `GHash`. A key's `AESGCMBackend` is that portable
// GCM or `HardwareAESGCM` (AES-NI and PCLMULQDQ, GCMHardware.swift), chosen when the key is made and
// switched on once per message, never per block.

/// What GCM needs from its block cipher. The portable `BitslicedAES` conforms.
protocol GCMBlockCipher {
    /// E_K of one 16-byte block given and returned as big-endian halves (H and E_K(J0)).
    func encryptBlock(hi: UInt64, lo: UInt64) -> (hi: UInt64, lo: UInt64)
    /// XORs into `text` the keystream E_K(IV || be32(counter)), E_K(IV || be32(counter + 1)), ...
    /// (GCTR with inc32, §6.5); `iv` has 12 bytes.
    func xorCounterStream(_ text: inout MutableSpan<UInt8>, iv: Span<UInt8>, counter: UInt32)
}

extension BitslicedAES: GCMBlockCipher {
    func encryptBlock(hi: UInt64, lo: UInt64) -> (hi: UInt64, lo: UInt64) {
        let w = encrypt(words: hi.byteSwapped, lo.byteSwapped, 0, 0, 0, 0, 0, 0)
        return (w.0.byteSwapped, w.1.byteSwapped)
    }

    func xorCounterStream(_ text: inout MutableSpan<UInt8>, iv: Span<UInt8>, counter: UInt32) {
        // A counter block as two little-endian words: IV bytes 0..7, then IV bytes 8..11 and be32(ctr).
        let a = CipherBytes.loadLE64(iv, 0)
        let b = UInt64(CipherBytes.loadLE32(iv, 8))
        @inline(__always) func word(_ c: UInt32) -> UInt64 { b | UInt64(c.byteSwapped) << 32 }
        let count = text.count
        var o = 0
        var c = counter
        while count - o >= 64 {
            let k = encrypt(words: a, word(c), a, word(c &+ 1), a, word(c &+ 2), a, word(c &+ 3))
            CipherBytes.xorLE64(&text, o, k.0); CipherBytes.xorLE64(&text, o + 8, k.1)
            CipherBytes.xorLE64(&text, o + 16, k.2); CipherBytes.xorLE64(&text, o + 24, k.3)
            CipherBytes.xorLE64(&text, o + 32, k.4); CipherBytes.xorLE64(&text, o + 40, k.5)
            CipherBytes.xorLE64(&text, o + 48, k.6); CipherBytes.xorLE64(&text, o + 56, k.7)
            o += 64
            c &+= 4
        }
        if o < count {
            let k = encrypt(words: a, word(c), a, word(c &+ 1), a, word(c &+ 2), a, word(c &+ 3))
            for i in 0..<(count - o) {
                // i is a public position: pick word i / 8, byte i % 8.
                let w: UInt64
                switch i >> 3 {
                case 0: w = k.0
                case 1: w = k.1
                case 2: w = k.2
                case 3: w = k.3
                case 4: w = k.4
                case 5: w = k.5
                case 6: w = k.6
                default: w = k.7
                }
                text[o + i] ^= UInt8(truncatingIfNeeded: w >> (8 * UInt64(i & 7)))
            }
        }
    }
}

/// GCM over any block cipher and GHASH engine (the seam for hardware backends).
struct GCM<Cipher: GCMBlockCipher, Hash: GHashEngine> {
    let cipher: Cipher
    /// GHASH under H = E_K(0^128), in its initial state; copied for each message.
    let hash: Hash

    /// §5.2.1.1: len(P) ≤ 2^39 - 256 bits, in bytes (64-bit so that 32-bit targets compute it too).
    static var maximumTextLength64: Int64 { (1 << 36) - 32 }
    /// §5.2.1.1: len(A) ≤ 2^64 - 1 bits, i.e. below 2^61 bytes.
    static var maximumAADLength64: Int64 { (1 << 61) - 1 }
    /// The same limits as `Int` (clamped where `Int` has 32 bits; no buffer can be longer then).
    static var maximumTextLength: Int { Int(clamping: maximumTextLength64) }
    static var maximumAADLength: Int { Int(clamping: maximumAADLength64) }

    init(cipher: Cipher) {
        self.cipher = cipher
        let h = cipher.encryptBlock(hi: 0, lo: 0)
        hash = Hash(hashKey: h.hi, h.lo)
    }

    static func check(nonce: Int, text: Int, aad: Int) throws(CryptoError) {
        guard nonce == 12 else { throw .badLength }
        guard Int64(text) <= maximumTextLength64, Int64(aad) <= maximumAADLength64 else { throw .outputTooLong }
    }

    /// The tag over `aad` and the ciphertext `text` (§7.1 steps 5-6).
    private func tag(_ text: Span<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>) -> [UInt8] {
        var g = hash
        g.absorbPadded(aad)
        g.absorbPadded(text)
        g.absorbLengths(aad: aad.count, text: text.count)
        let s = g.digest
        let j0Low = UInt64(CipherBytes.loadBE32(nonce, 8)) << 32 | 1      // J0 = IV || 0^31 || 1
        let j0 = cipher.encryptBlock(hi: CipherBytes.loadBE64(nonce, 0), lo: j0Low)
        var out = [UInt8]()
        out.reserveCapacity(16)
        CipherBytes.appendBE64(&out, s.hi ^ j0.hi)
        CipherBytes.appendBE64(&out, s.lo ^ j0.lo)
        return out
    }

    func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        try Self.check(nonce: nonce.count, text: text.count, aad: aad.count)
        cipher.xorCounterStream(&text, iv: nonce, counter: 2)
        return tag(text.span, nonce: nonce, aad: aad)
    }

    func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>,
              tag expected: Span<UInt8>) throws(CryptoError) {
        try Self.check(nonce: nonce.count, text: text.count, aad: aad.count)
        guard expected.count == 16 else { throw .badLength }
        let computed = tag(text.span, nonce: nonce, aad: aad)
        guard ConstantTime.equal(computed.span, expected) else { throw .authenticationFailure }
        cipher.xorCounterStream(&text, iv: nonce, counter: 2)
    }
}

/// AES-128-GCM (NIST SP 800-38D): 16-byte key, 12-byte nonce, 16-byte tag. Constant time, on AES-NI and
/// PCLMULQDQ where the CPU has them, portable (bitsliced) elsewhere.
public struct AES128GCM: AESGCMKey {
    /// 16.
    public static var keyLength: Int { 16 }
    public let state: AESGCMState
    public init(state: AESGCMState) { self.state = state }
}

/// AES-256-GCM (NIST SP 800-38D): 32-byte key, 12-byte nonce, 16-byte tag. Constant time, on AES-NI and
/// PCLMULQDQ where the CPU has them, portable (bitsliced) elsewhere.
public struct AES256GCM: AESGCMKey {
    /// 32.
    public static var keyLength: Int { 32 }
    public let state: AESGCMState
    public init(state: AESGCMState) { self.state = state }
}

/// What AES128GCM and AES256GCM share: everything but the key length.
public protocol AESGCMKey: AEAD {
    var state: AESGCMState { get }
    init(state: AESGCMState)
}

/// An expanded AES-GCM key, opaque: made only by `AESGCMKey.init(key:)`.
public struct AESGCMState {
    let backend: AESGCMBackend
}

extension AESGCMKey {
    /// 12 (96-bit IVs only).
    public static var nonceLength: Int { 12 }
    /// 16.
    public static var tagLength: Int { 16 }
    /// The longest text (§5.2.1.1: 2^39 - 256 bits).
    public static var maximumTextLength: Int { GCM<BitslicedAES, GHash>.maximumTextLength }

    /// `CryptoError.badLength` unless `key` has `keyLength` bytes. Uses AES-NI and PCLMULQDQ when the CPU
    /// has them.
    public init(key: Span<UInt8>) throws(CryptoError) {
        try self.init(key: key, hardware: HardwareAESGCM.available)
    }

    /// With `hardware` false, the portable implementation even where the CPU has AES-NI (the tests and
    /// `Benchmarks/run crypto-timing` run both); with `hardware` true, AES-NI where the CPU has it.
    public init(key: Span<UInt8>, hardware: Bool) throws(CryptoError) {
        guard key.count == Self.keyLength else { throw .badLength }
        self.init(state: AESGCMState(backend: AESGCMBackend(key: key, hardware: hardware)))
    }

    /// `CryptoError.badLength` unless `key` has `keyLength` bytes.
    public init(key: [UInt8]) throws(CryptoError) { try self.init(key: key.span) }

    /// Encrypts `text` in place and returns the 16-byte tag. `.badLength` for a nonce that is not
    /// 12 bytes, `.outputTooLong` past the §5.2.1.1 limits (nothing is written then).
    public func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        try state.backend.seal(&text, nonce: nonce, aad: aad)
    }

    /// Checks `tag`, then decrypts `text` in place. `.authenticationFailure` (buffer untouched) when the
    /// tag does not verify; `.badLength` for a nonce that is not 12 bytes or a tag that is not 16.
    public func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, authenticating aad: Span<UInt8>, tag: Span<UInt8>) throws(CryptoError) {
        try state.backend.open(&text, nonce: nonce, aad: aad, tag: tag)
    }
}

/// Which implementation an AES-GCM key uses: chosen once, when the key is made (CPUID is asked once per
/// process), and switched on once per message, never per block.
enum AESGCMBackend {
    case hardware(HardwareAESGCM)
    case portable(GCM<BitslicedAES, GHash>)

    /// `key` has 16 or 32 bytes (checked by the caller).
    init(key: Span<UInt8>, hardware: Bool) {
        if hardware, let h = HardwareAESGCM(key: key) {
            self = .hardware(h)
        } else {
            self = .portable(GCM(cipher: BitslicedAES(key: key)))
        }
    }

    var isHardware: Bool {
        if case .hardware = self { return true }
        return false
    }

    func seal(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        switch self {
        case .portable(let gcm):
            return try gcm.seal(&text, nonce: nonce, aad: aad)
        case .hardware(let gcm):
            try GCM<BitslicedAES, GHash>.check(nonce: nonce.count, text: text.count, aad: aad.count)
            return gcm.seal(&text, nonce: nonce, authenticating: aad)
        }
    }

    func open(_ text: inout MutableSpan<UInt8>, nonce: Span<UInt8>, aad: Span<UInt8>, tag: Span<UInt8>) throws(CryptoError) {
        switch self {
        case .portable(let gcm):
            try gcm.open(&text, nonce: nonce, aad: aad, tag: tag)
        case .hardware(let gcm):
            try GCM<BitslicedAES, GHash>.check(nonce: nonce.count, text: text.count, aad: aad.count)
            guard tag.count == 16 else { throw .badLength }
            guard gcm.open(&text, nonce: nonce, authenticating: aad, tag: tag) else { throw .authenticationFailure }
        }
    }
}
