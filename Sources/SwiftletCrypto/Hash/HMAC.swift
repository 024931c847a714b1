// SwiftletCrypto: HMAC (RFC 2104, FIPS 198-1) over any `HashFunction`. The keyed inner and outer hash
// states are computed once in `init`, so a value can be copied to authenticate many messages under one key
// (HKDF and the DRBG do). A key longer than the hash's block is hashed first (RFC 2104 §2).

public struct HMAC<H: HashFunction> {
    private var inner: H
    private var outer: H

    /// Bytes in a code: the hash's digest length.
    public static var codeLength: Int { H.digestLength }

    public init(key: Span<UInt8>) {
        let blockLength = H.blockLength
        var padded = [UInt8](repeating: 0, count: blockLength)
        if key.count > blockLength {
            let digest = H.hash(key)
            for i in 0..<digest.count { padded[i] = digest[i] }
        } else {
            for i in 0..<key.count { padded[i] = key[i] }
        }
        for i in 0..<blockLength { padded[i] ^= 0x36 }
        inner = H()
        inner.update(padded.span)
        for i in 0..<blockLength { padded[i] ^= 0x36 ^ 0x5c }
        outer = H()
        outer.update(padded.span)
        ConstantTime.wipe(&padded)
    }

    public init(key: [UInt8]) { self.init(key: key.span) }

    public mutating func update(_ bytes: Span<UInt8>) { inner.update(bytes) }

    public mutating func update(_ bytes: [UInt8]) { inner.update(bytes.span) }

    /// The code of everything given to `update`.
    public consuming func finalize() -> [UInt8] {
        let innerDigest = inner.finalize()
        outer.update(innerDigest.span)
        return outer.finalize()
    }

    /// HMAC(key, message).
    public static func authenticationCode(for message: Span<UInt8>, key: Span<UInt8>) -> [UInt8] {
        var mac = HMAC(key: key)
        mac.update(message)
        return mac.finalize()
    }

    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        authenticationCode(for: message.span, key: key.span)
    }

    /// Whether `code` is HMAC(key, message), compared in constant time.
    public static func isValid(code: Span<UInt8>, for message: Span<UInt8>, key: Span<UInt8>) -> Bool {
        let expected = authenticationCode(for: message, key: key)
        return ConstantTime.equal(expected.span, code)
    }
}
