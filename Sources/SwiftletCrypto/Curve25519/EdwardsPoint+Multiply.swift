// SwiftletCrypto / Curve25519: scalar multiplication on edwards25519.
//
//   * `multiplyBase(_:)`: [a]B for a secret a (Ed25519 keys and nonces, X25519 public keys). CONSTANT
//     TIME. a is written in 64 signed radix-16 digits e_i in [-8, 8] (Scalar25519.radix16), and
//       a B = sum_{t=0}^{7} 16^t sum_{j=0}^{7} e_{8j+t} (2^(32j) B),
//     evaluated by Horner's rule in t: 64 mixed additions of table entries and 28 doublings. Each lookup
//     reads all 8 entries of its row and keeps one with masks, then negates it with masks, so neither
//     the memory trace nor a branch depends on a digit. (A 16-row table would save 16 doublings, about
//     15% of signing, for 7.5 KiB more; 8 rows already sign faster than OpenSSL here.)
//   * `doubleScalarMultiplyVartime(a:point:b:)`: [a]P + [b]B for public a, b and P (signature
//     verification). VARIABLE TIME, which is safe because every input is public: the signature, the
//     message hash and the public key. Straus/Shamir interleaving with width-5 NAFs of both scalars,
//     odd multiples of P computed per call and of B read from `baseOddMultiples`.

extension EdwardsPoint {
    /// The entry chosen by digit `digit` (in [-8, 8]) from row `row` of `baseTable`, i.e.
    /// digit * 2^(32 row) * B. Constant time in `digit`: every entry of the row is read.
    static func baseTableLookup(row: Int, digit: Int8) -> AffineNiels {
        // |digit| and its sign without a branch: m is all ones for a negative digit.
        let d = Int64(digit)
        let m = d >> 63
        let magnitude = UInt64(bitPattern: (d ^ m) &- m)
        let negative = UInt64(bitPattern: m) & 1
        var chosen = AffineNiels.identity
        let table = baseTable
        for k in 1...8 {
            let entry = AffineNiels(table: table, index: 8 * row + k - 1)
            chosen.select(entry, when: ConstantTime.isZero(magnitude ^ UInt64(k)))
        }
        chosen.negate(when: negative)
        return chosen
    }

    /// [a]B. Constant time in `a`.
    static func multiplyBase(_ a: Scalar25519) -> EdwardsPoint {
        let e = a.radix16()
        var q = EdwardsPoint.identity
        for t in stride(from: 7, through: 0, by: -1) {
            if t != 7 {   // public loop position, not data
                // q = 16 q
                var p = q.doubled().projective
                p = p.doubled().projective
                p = p.doubled().projective
                q = p.doubled().extended
            }
            for j in 0..<8 {
                q = q.adding(baseTableLookup(row: j, digit: e[8 * j + t])).extended
            }
        }
        return q
    }

    /// [a]P + [b]B. VARIABLE TIME: only for public a, b and P (verification).
    static func doubleScalarMultiplyVartime(a: Scalar25519, point: EdwardsPoint, b: Scalar25519) -> EdwardsProjectivePoint {
        let nafA = a.nonAdjacentForm(width: 5)
        let nafB = b.nonAdjacentForm(width: 5)

        // P, 3P, 5P, ..., 15P.
        let p2 = point.doubled().extended
        var oddP = InlineArray<8, ProjectiveNiels>(repeating: point.projectiveNiels)
        var current = point
        for i in 1..<8 {
            current = current.adding(p2.projectiveNiels).extended
            oddP[i] = current.projectiveNiels
        }

        var top = 255
        while top >= 0 && nafA[top] == 0 && nafB[top] == 0 { top -= 1 }
        var r = EdwardsPoint.identity.projective
        var i = top
        while i >= 0 {
            var c = r.doubled()
            let da = Int(nafA[i]), db = Int(nafB[i])
            if da > 0 {
                c = c.extended.adding(oddP[da / 2])
            } else if da < 0 {
                c = c.extended.subtracting(oddP[-da / 2])
            }
            if db > 0 {
                c = c.extended.adding(AffineNiels(table: baseOddMultiples, index: db / 2))
            } else if db < 0 {
                c = c.extended.subtracting(AffineNiels(table: baseOddMultiples, index: -db / 2))
            }
            r = c.projective
            i -= 1
        }
        return r
    }
}
