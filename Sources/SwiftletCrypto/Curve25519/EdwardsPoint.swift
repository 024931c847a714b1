// SwiftletCrypto / Curve25519: the twisted Edwards curve edwards25519, -x^2 + y^2 = 1 + d x^2 y^2 over
// GF(2^255 - 19) (RFC 8032 §5.1), the group of Ed25519 and of X25519's fast public-key path.
//
// Coordinates (Hisil, Wong, Carter, Dawson, "Twisted Edwards Curves Revisited", 2008, §3 and §4):
//   * `EdwardsPoint`: extended (X : Y : Z : T), x = X/Z, y = Y/Z, x y = T/Z.
//   * `EdwardsProjectivePoint`: (X : Y : Z) without T, the input of doubling.
//   * `EdwardsCompletedPoint`: ((E : G), (H : F)) as left by the formulas before their last multiplications;
//     becomes extended with 4 multiplications or projective with 3.
//   * `AffineNiels` (y + x, y - x, 2 d x y) and `ProjectiveNiels` (Y + X, Y - X, 2 Z, 2 d T): a point
//     prepared to be added.
// The addition formulas (a = -1, k = 2d) are complete on this curve (d is not a square in GF(p)), so they
// also add the identity and double; no branch on the operands is ever needed.
//
// Field bounds (Field25519.swift): every stored coordinate is reduced or loose (< 2^53); the one
// exception is G in a mixed addition, D + C < 2^53.6, which only meets multiplications (accept < 2^54).
//
// Constant time: all of this file except `decode`, which runs on public keys and signature R values
// only (it returns early on invalid encodings, which are public).

struct EdwardsPoint {
    var x: Field25519
    var y: Field25519
    var z: Field25519
    var t: Field25519

    static var identity: EdwardsPoint { EdwardsPoint(x: .zero, y: .one, z: .one, t: .zero) }

    /// The point encoded in 32 bytes (RFC 8032 §5.1.3), or nil when y >= p, when no x satisfies the curve
    /// equation, or when x = 0 with the sign bit set. VARIABLE TIME: for public inputs only.
    /// `bytes` must have 32 elements.
    static func decode(_ bytes: Span<UInt8>) -> EdwardsPoint? {
        guard Field25519.isCanonical(bytes) == 1 else { return nil }   // step 1: y < p
        let y = Field25519(bytes: bytes)
        let sign = UInt64(bytes[31] >> 7)
        // Step 2: x^2 = (y^2 - 1) / (d y^2 + 1).
        let yy = y.squared()
        let u = yy - .one
        let v = Field25519.d * yy + .one
        var (x, isSquare) = Field25519.sqrtRatio(u, v)
        guard isSquare == 1 else { return nil }
        // Step 4: x = 0 with x_0 = 1 is refused; otherwise pick the root whose parity is the sign bit.
        if x.isZero == 1 && sign == 1 { return nil }
        if x.isNegative != sign { x = -x }
        return EdwardsPoint(x: x, y: y, z: .one, t: x * y)
    }

    /// The 32-byte encoding (RFC 8032 §5.1.2): y little endian, the low bit of x in bit 255.
    var encoded: [UInt8] { projective.encoded }

    var projective: EdwardsProjectivePoint { EdwardsProjectivePoint(x: x, y: y, z: z) }

    /// (Y + X, Y - X, 2Z, 2dT), ready to be added to other points.
    var projectiveNiels: ProjectiveNiels {
        ProjectiveNiels(yPlusX: y + x, yMinusX: y - x, z2: z + z, t2d: t * Field25519.d2)
    }

    var negated: EdwardsPoint { EdwardsPoint(x: -x, y: y, z: z, t: -t) }

    /// 2P.
    func doubled() -> EdwardsCompletedPoint { projective.doubled() }

    /// P + Q for a cached point Q (add-2008-hwcd-3).
    func adding(_ q: ProjectiveNiels) -> EdwardsCompletedPoint {
        let a = (y - x) * q.yMinusX
        let b = (y + x) * q.yPlusX
        let c = t * q.t2d
        let d = z * q.z2
        return EdwardsCompletedPoint(e: b - a, f: d - c, g: d + c, h: b + a)
    }

    /// P - Q for a cached point Q: Q negated is (Y - X, Y + X, 2Z, -2dT).
    func subtracting(_ q: ProjectiveNiels) -> EdwardsCompletedPoint {
        let a = (y - x) * q.yPlusX
        let b = (y + x) * q.yMinusX
        let c = t * q.t2d
        let d = z * q.z2
        return EdwardsCompletedPoint(e: b - a, f: d + c, g: d - c, h: b + a)
    }

    /// P + Q for an affine Q (Z2 = 1, so D = 2 Z1 needs no multiplication).
    func adding(_ q: AffineNiels) -> EdwardsCompletedPoint {
        let a = (y - x) * q.yMinusX
        let b = (y + x) * q.yPlusX
        let c = t * q.xy2d
        let d = z + z
        return EdwardsCompletedPoint(e: b - a, f: d - c, g: d + c, h: b + a)
    }

    /// P - Q for an affine Q.
    func subtracting(_ q: AffineNiels) -> EdwardsCompletedPoint {
        let a = (y - x) * q.yPlusX
        let b = (y + x) * q.yMinusX
        let c = t * q.xy2d
        let d = z + z
        return EdwardsCompletedPoint(e: b - a, f: d + c, g: d - c, h: b + a)
    }
}

struct EdwardsProjectivePoint {
    var x: Field25519
    var y: Field25519
    var z: Field25519

    /// The 32-byte encoding (RFC 8032 §5.1.2): y = Y/Z little endian, the low bit of x = X/Z in bit 255.
    var encoded: [UInt8] {
        let inverse = z.inverted()
        var out = (y * inverse).encoded
        out[31] |= UInt8(truncatingIfNeeded: (x * inverse).isNegative << 7)
        return out
    }

    /// 2P (dbl-2008-hwcd with a = -1): A = X^2, B = Y^2, C = 2 Z^2, E = (X + Y)^2 - A - B,
    /// G = B - A, F = G - C, H = -A - B.
    func doubled() -> EdwardsCompletedPoint {
        let a = x.squared()
        let b = y.squared()
        let zz = z.squared()
        let c = zz + zz
        let e = (x + y).squared() - a - b
        let g = b - a
        return EdwardsCompletedPoint(e: e, f: g - c, g: g, h: .zero - (a + b))
    }
}

/// A point as ((E : G), (H : F)); X = E F, Y = G H, Z = F G, T = E H.
struct EdwardsCompletedPoint {
    var e: Field25519
    var f: Field25519
    var g: Field25519
    var h: Field25519

    var extended: EdwardsPoint { EdwardsPoint(x: e * f, y: g * h, z: f * g, t: e * h) }

    var projective: EdwardsProjectivePoint { EdwardsProjectivePoint(x: e * f, y: g * h, z: f * g) }
}

/// An affine point as (y + x, y - x, 2 d x y).
struct AffineNiels {
    var yPlusX: Field25519
    var yMinusX: Field25519
    var xy2d: Field25519

    static var identity: AffineNiels { AffineNiels(yPlusX: .one, yMinusX: .one, xy2d: .zero) }

    /// Entry `index` of a table of 15-limb entries (EdwardsBaseTable.swift).
    @inline(__always)
    init(table: [UInt64], index: Int) {
        let o = 15 * index
        yPlusX = Field25519(table[o], table[o + 1], table[o + 2], table[o + 3], table[o + 4])
        yMinusX = Field25519(table[o + 5], table[o + 6], table[o + 7], table[o + 8], table[o + 9])
        xy2d = Field25519(table[o + 10], table[o + 11], table[o + 12], table[o + 13], table[o + 14])
    }

    init(yPlusX: Field25519, yMinusX: Field25519, xy2d: Field25519) {
        self.yPlusX = yPlusX; self.yMinusX = yMinusX; self.xy2d = xy2d
    }

    /// Replaces self with `other` when `bit` is 1.
    @inline(__always)
    mutating func select(_ other: AffineNiels, when bit: UInt64) {
        yPlusX.select(other.yPlusX, when: bit)
        yMinusX.select(other.yMinusX, when: bit)
        xy2d.select(other.xy2d, when: bit)
    }

    /// Negates the point when `bit` is 1: (x, y) -> (-x, y) swaps y + x with y - x and negates 2dxy.
    @inline(__always)
    mutating func negate(when bit: UInt64) {
        Field25519.conditionalSwap(&yPlusX, &yMinusX, bit)
        xy2d.select(-xy2d, when: bit)
    }
}

/// A projective point as (Y + X, Y - X, 2 Z, 2 d T).
struct ProjectiveNiels {
    var yPlusX: Field25519
    var yMinusX: Field25519
    var z2: Field25519
    var t2d: Field25519
}
