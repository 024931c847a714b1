// SwiftletCrypto / Curve25519: Ed25519 signatures, pure variant (RFC 8032 §5.1; no context, no prehash).
//
// Signing (§5.1.6) is constant time: the secret scalar s and the nonce r only meet Scalar25519's constant-time
// reduction and multiply-add and the constant-time fixed-base multiplication. SHA-512 is the lead's
// (Hash/SHA512.swift).
//
// Verification (§5.1.7) handles public data only (key, message, signature) and is variable time. It is
// COFACTORLESS: it accepts when [S]B - [k]A encodes to exactly the R bytes of the signature, i.e. checks
// [S]B = R + [k]A rather than [8][S]B = [8]R + [8][k]A. Both are allowed by §5.1.7 and both pass every
// RFC vector; cofactorless is what OpenSSL (and so Python `cryptography`, our differential reference)
// does, so the two accept exactly the same signatures, including crafted ones with small-order
// components, and a batch verifier is not planned. Checks, in order: lengths (.badLength); S < L, on the
// integer as §5.1.7 and §8.4 require (.badScalar); A and R decode per §5.1.3, canonical y < p, x on the
// curve, no "-0" (.badPoint); the equation (.authenticationFailure).

/// An Ed25519 signing key made from its 32-byte seed (RFC 8032 §5.1.5).
public struct Ed25519PrivateKey: Sendable {
    /// The secret scalar s = clamp(SHA-512(seed)[0..<32]) reduced mod L (the group has order L, so
    /// [s]B and s * k mod L are unchanged by the reduction).
    private let scalar: Scalar25519
    /// SHA-512(seed)[32..<64], which keys the deterministic nonce.
    private let prefix: [UInt8]
    /// The 32-byte public key A = [s]B.
    public let publicKey: [UInt8]

    /// Bytes in a seed, a public key; a signature is twice as long.
    public static let seedLength = 32

    /// - Throws: `CryptoError.badLength` unless `seed` has 32 bytes.
    public init(seed: Span<UInt8>) throws(CryptoError) {
        guard seed.count == Ed25519PrivateKey.seedLength else { throw .badLength }
        // §5.1.5 steps 1-3: hash the seed, prune the low half into the scalar, keep the high half.
        var h = SHA512.hash(seed)
        defer { ConstantTime.wipe(&h) }
        h[0] &= 248
        h[31] &= 127
        h[31] |= 64
        scalar = Scalar25519(reducing32: h.span.extracting(0..<32))
        prefix = Array(h[32..<64])
        publicKey = EdwardsPoint.multiplyBase(scalar).encoded
    }

    /// The 64-byte signature R || S of `message` (RFC 8032 §5.1.6). Deterministic.
    public func signature(for message: Span<UInt8>) -> [UInt8] {
        // Step 2: r = SHA-512(prefix || M) mod L.
        var hasher = SHA512()
        hasher.update(prefix.span)
        hasher.update(message)
        var nonceHash = hasher.finalize()
        let r = Scalar25519(reducing64: nonceHash.span)
        ConstantTime.wipe(&nonceHash)
        // Step 3: R = [r]B.
        let rEncoded = EdwardsPoint.multiplyBase(r).encoded
        // Steps 4-5: k = SHA-512(R || A || M) mod L, S = (r + k s) mod L.
        let k = Ed25519.challenge(r: rEncoded.span, publicKey: publicKey.span, message: message)
        let s = Scalar25519.multiplyAdd(k, scalar, r)
        return rEncoded + s.encoded
    }
}

/// Ed25519 verification (RFC 8032 §5.1.7).
public enum Ed25519 {
    /// Bytes in a public key.
    public static let publicKeyLength = 32
    /// Bytes in a signature.
    public static let signatureLength = 64

    /// Checks `signature` over `message` under `publicKey`; returns normally when it is valid.
    /// Cofactorless (see the file comment). Variable time: all inputs are public.
    /// - Throws: `CryptoError.badLength` (signature not 64 bytes or key not 32),
    ///   `CryptoError.badScalar` (S >= L), `CryptoError.badPoint` (A or R does not decode: y >= p, x = 0
    ///   with the sign bit set, or not on the curve), `CryptoError.authenticationFailure` (the equation
    ///   does not hold).
    public static func verify(signature: Span<UInt8>, message: Span<UInt8>, publicKey: Span<UInt8>) throws(CryptoError) {
        guard signature.count == signatureLength, publicKey.count == publicKeyLength else { throw .badLength }
        let rBytes = signature.extracting(0..<32)
        guard let s = Scalar25519(canonical: signature.extracting(32..<64)) else { throw .badScalar }
        guard let a = EdwardsPoint.decode(publicKey) else { throw .badPoint }
        guard EdwardsPoint.decode(rBytes) != nil else { throw .badPoint }
        let k = challenge(r: rBytes, publicKey: publicKey, message: message)
        // R' = [S]B - [k]A = [k](-A) + [S]B; accept when R' encodes to R (R decoded canonically, so
        // equal encodings mean equal points).
        let check = EdwardsPoint.doubleScalarMultiplyVartime(a: k, point: a.negated, b: s).encoded
        guard ConstantTime.equal(check.span, rBytes) else { throw .authenticationFailure }
    }

    /// k = SHA-512(R || A || M) mod L (§5.1.6 step 4, §5.1.7 step 2).
    static func challenge(r: Span<UInt8>, publicKey: Span<UInt8>, message: Span<UInt8>) -> Scalar25519 {
        var hasher = SHA512()
        hasher.update(r)
        hasher.update(publicKey)
        hasher.update(message)
        let digest = hasher.finalize()
        return Scalar25519(reducing64: digest.span)
    }
}
