// SwiftletCrypto / NISTCurves: points of y² = x³ − 3x + b (P-256, P-384) and the group law.
//
// Points are homogeneous projective (X : Y : Z) with x = X/Z, y = Y/Z; the identity is (0 : 1 : 0).
// Addition and doubling use the complete formulas of Renes, Costello and Batina, "Complete addition
// formulas for prime order elliptic curves" (EUROCRYPT 2016, ePrint 2015/1060), §3.2 for a = −3:
// Algorithm 4 (addition, 12M + 2m_b + 29a), Algorithm 5 (mixed addition with Z2 = 1, 11M + 2m_b + 23a)
// and Algorithm 6 (doubling, 8M + 3S + 2m_b + 21a). They are correct for every pair of inputs,
// including P + P, P + (−P) and the identity, with no branch, which is what makes the signer constant
// time. (Mixed addition needs its second operand affine, so it cannot be the identity; callers handle a
// zero digit with a masked select.)
//
// Encodings follow SEC 1 v2 §2.3.3–2.3.4: uncompressed 0x04 ‖ X ‖ Y only. Decoding checks each
// coordinate is below p and the point is on the curve (SEC 1 §3.2.2.1 steps 1–3; the order check is
// implied by cofactor 1); it runs in variable time, which is safe because public keys are public.

/// A point in homogeneous projective coordinates, field elements in Montgomery form.
struct ProjectivePoint<C: PrimeCurve>: BitwiseCopyable, Sendable {
    typealias F = Residue<C.Field>
    var x: F
    var y: F
    var z: F

    static var identity: Self { Self(x: .zero, y: .one, z: .zero) }
    static var generator: Self {
        Self(x: F(montgomery: C.generatorX), y: F(montgomery: C.generatorY), z: .one)
    }

    @inline(__always)
    init(x: F, y: F, z: F) { self.x = x; self.y = y; self.z = z }

    @inline(__always)
    init(_ p: AffinePoint<C>) { self.init(x: p.x, y: p.y, z: .one) }

    /// 1 when this is the identity (Z = 0), else 0.
    var isIdentityBit: UInt64 { z.isZeroBit }

    @inline(__always)
    static func select(mask: UInt64, _ a: Self, _ b: Self) -> Self {
        Self(x: .select(mask: mask, a.x, b.x), y: .select(mask: mask, a.y, b.y), z: .select(mask: mask, a.z, b.z))
    }

    /// −P = (X : −Y : Z).
    @inline(__always)
    var negated: Self { Self(x: x, y: -y, z: z) }

    /// P + Q for any P, Q (RCB Algorithm 4).
    static func + (p: Self, q: Self) -> Self {
        let b = F(montgomery: C.b)
        var t0 = p.x * q.x
        var t1 = p.y * q.y
        var t2 = p.z * q.z
        var t3 = p.x + p.y
        var t4 = q.x + q.y
        t3 = t3 * t4
        t4 = t0 + t1
        t3 = t3 - t4
        t4 = p.y + p.z
        var x3 = q.y + q.z
        t4 = t4 * x3
        x3 = t1 + t2
        t4 = t4 - x3
        x3 = p.x + p.z
        var y3 = q.x + q.z
        x3 = x3 * y3
        y3 = t0 + t2
        y3 = x3 - y3
        var z3 = b * t2
        x3 = y3 - z3
        z3 = x3 + x3
        x3 = x3 + z3
        z3 = t1 - x3
        x3 = t1 + x3
        y3 = b * y3
        t1 = t2 + t2
        t2 = t1 + t2
        y3 = y3 - t2
        y3 = y3 - t0
        t1 = y3 + y3
        y3 = t1 + y3
        t1 = t0 + t0
        t0 = t1 + t0
        t0 = t0 - t2
        t1 = t4 * y3
        t2 = t0 * y3
        y3 = x3 * z3
        y3 = y3 + t2
        x3 = t3 * x3
        x3 = x3 - t1
        z3 = t4 * z3
        t1 = t3 * t0
        z3 = z3 + t1
        return Self(x: x3, y: y3, z: z3)
    }

    /// P + Q for any P and an affine Q (RCB Algorithm 5).
    static func + (p: Self, q: AffinePoint<C>) -> Self {
        let b = F(montgomery: C.b)
        var t0 = p.x * q.x
        var t1 = p.y * q.y
        var t3 = q.x + q.y
        var t4 = p.x + p.y
        t3 = t3 * t4
        t4 = t0 + t1
        t3 = t3 - t4
        t4 = q.y * p.z
        t4 = t4 + p.y
        var y3 = q.x * p.z
        y3 = y3 + p.x
        var z3 = b * p.z
        var x3 = y3 - z3
        z3 = x3 + x3
        x3 = x3 + z3
        z3 = t1 - x3
        x3 = t1 + x3
        y3 = b * y3
        t1 = p.z + p.z
        var t2 = t1 + p.z
        y3 = y3 - t2
        y3 = y3 - t0
        t1 = y3 + y3
        y3 = t1 + y3
        t1 = t0 + t0
        t0 = t1 + t0
        t0 = t0 - t2
        t1 = t4 * y3
        t2 = t0 * y3
        y3 = x3 * z3
        y3 = y3 + t2
        x3 = t3 * x3
        x3 = x3 - t1
        z3 = t4 * z3
        t1 = t3 * t0
        z3 = z3 + t1
        return Self(x: x3, y: y3, z: z3)
    }

    /// 2P for any P (RCB Algorithm 6).
    func doubled() -> Self {
        let b = F(montgomery: C.b)
        var t0 = x.squared()
        let t1 = y.squared()
        var t2 = z.squared()
        var t3 = x * y
        t3 = t3 + t3
        var z3 = x * z
        z3 = z3 + z3
        var y3 = b * t2
        y3 = y3 - z3
        var x3 = y3 + y3
        y3 = x3 + y3
        x3 = t1 - y3
        y3 = t1 + y3
        y3 = x3 * y3
        x3 = x3 * t3
        t3 = t2 + t2
        t2 = t2 + t3
        z3 = b * z3
        z3 = z3 - t2
        z3 = z3 - t0
        t3 = z3 + z3
        z3 = z3 + t3
        t3 = t0 + t0
        t0 = t3 + t0
        t0 = t0 - t2
        t0 = t0 * z3
        y3 = y3 + t0
        t0 = y * z
        t0 = t0 + t0
        z3 = t0 * z3
        x3 = x3 - z3
        z3 = t0 * t1
        z3 = z3 + z3
        z3 = z3 + z3
        return Self(x: x3, y: y3, z: z3)
    }

    /// The affine point (constant time; the identity maps to (0, 0), which callers exclude).
    func affine() -> AffinePoint<C> {
        let zInverse = z.inverse()
        return AffinePoint(x: x * zInverse, y: y * zInverse)
    }
}

/// A point other than the identity in affine coordinates (Montgomery form).
struct AffinePoint<C: PrimeCurve>: BitwiseCopyable, Sendable {
    typealias F = Residue<C.Field>
    var x: F
    var y: F

    static var generator: Self { Self(x: F(montgomery: C.generatorX), y: F(montgomery: C.generatorY)) }

    @inline(__always)
    static func select(mask: UInt64, _ a: Self, _ b: Self) -> Self {
        Self(x: .select(mask: mask, a.x, b.x), y: .select(mask: mask, a.y, b.y))
    }

    /// 1 when y² = x³ − 3x + b, else 0.
    var isOnCurveBit: UInt64 {
        let rhs = (x.squared() - F.one - F.one - F.one) * x + F(montgomery: C.b)
        return y.squared().equalBit(rhs)
    }

    /// Parses an uncompressed SEC 1 point 0x04 ‖ X ‖ Y. Variable time (public keys are public).
    /// - Throws: `.badLength` for a length other than 1 + 2·byteCount (the one-byte encoding of the
    ///   identity, 0x00, is `.badPoint`); `.badPoint` for another first byte, a coordinate ≥ p, or a
    ///   point not on the curve.
    init(uncompressed bytes: Span<UInt8>) throws(CryptoError) {
        let size = C.byteCount
        if bytes.count == 1 && bytes[0] == 0 { throw .badPoint }  // the point at infinity
        guard bytes.count == 1 + 2 * size else { throw .badLength }
        guard bytes[0] == 0x04 else { throw .badPoint }
        let (x, xOK) = F.decode(bytes.extracting(1..<(1 + size)))
        let (y, yOK) = F.decode(bytes.extracting((1 + size)..<(1 + 2 * size)))
        guard xOK == 1, yOK == 1 else { throw .badPoint }
        self.init(x: x, y: y)
        guard isOnCurveBit == 1 else { throw .badPoint }
    }

    @inline(__always)
    init(x: F, y: F) { self.x = x; self.y = y }

    /// 0x04 ‖ X ‖ Y.
    func uncompressed() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(1 + 2 * C.byteCount)
        out.append(0x04)
        x.integer.appendBigEndian(to: &out)
        y.integer.appendBigEndian(to: &out)
        return out
    }
}
