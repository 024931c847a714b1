// SwiftletCrypto / NISTCurves: Jacobian coordinates for ECDSA VERIFICATION ONLY (variable time).
//
// (X : Y : Z) stands for x = X/Z², y = Y/Z³; Z = 0 is the identity. These formulas are cheaper than the
// complete ones (doubling 3M + 5S instead of 8M + 3S + 2m_b) but have exceptional cases, handled here with
// branches: adding the identity, P + P (doubling) and P + (−P) (identity). Branching is safe because
// verification only ever handles public values (the public key, the signature, the digest); nothing here
// may be used with a private key or nonce, which go through the complete formulas in ProjectivePoint.
//
// Formulas from the Explicit-Formulas Database (Bernstein, Lange), "Jacobian coordinates with a = −3":
// dbl-2001-b, add-2007-bl and madd-2007-bl.

struct JacobianPoint<C: PrimeCurve> {
    typealias F = Residue<C.Field>
    var x: F
    var y: F
    var z: F

    static var identity: Self { Self(x: .one, y: .one, z: .zero) }

    init(x: F, y: F, z: F) { self.x = x; self.y = y; self.z = z }

    init(_ p: AffinePoint<C>) { self.init(x: p.x, y: p.y, z: .one) }

    var isIdentity: Bool { z.isZeroBit == 1 }

    var negated: Self { Self(x: x, y: -y, z: z) }

    /// 2P (dbl-2001-b, a = −3).
    func doubled() -> Self {
        if isIdentity { return self }
        let delta = z.squared()
        let gamma = y.squared()
        let beta = x * gamma
        let t = (x - delta) * (x + delta)
        let alpha = t + t + t
        let beta2 = beta + beta
        let beta4 = beta2 + beta2
        let x3 = alpha.squared() - (beta4 + beta4)
        let yz = y + z
        let z3 = yz.squared() - gamma - delta
        let gamma2 = gamma.squared()
        let gamma4 = gamma2 + gamma2
        let gamma8 = gamma4 + gamma4
        let y3 = alpha * (beta4 - x3) - (gamma8 + gamma8)
        return Self(x: x3, y: y3, z: z3)
    }

    /// P + Q (add-2007-bl), with the exceptional cases branched on.
    static func + (p: Self, q: Self) -> Self {
        if p.isIdentity { return q }
        if q.isIdentity { return p }
        let z1z1 = p.z.squared()
        let z2z2 = q.z.squared()
        let u1 = p.x * z2z2
        let u2 = q.x * z1z1
        let s1 = p.y * q.z * z2z2
        let s2 = q.y * p.z * z1z1
        let h = u2 - u1
        let sDifference = s2 - s1
        if h.isZeroBit == 1 {
            return sDifference.isZeroBit == 1 ? p.doubled() : .identity
        }
        let h2 = h + h
        let i = h2.squared()
        let j = h * i
        let r = sDifference + sDifference
        let v = u1 * i
        let x3 = r.squared() - j - (v + v)
        let s1j = s1 * j
        let y3 = r * (v - x3) - (s1j + s1j)
        let z3 = ((p.z + q.z).squared() - z1z1 - z2z2) * h
        return Self(x: x3, y: y3, z: z3)
    }

    /// P + Q for an affine Q (madd-2007-bl), with the exceptional cases branched on.
    static func + (p: Self, q: AffinePoint<C>) -> Self {
        if p.isIdentity { return Self(q) }
        let z1z1 = p.z.squared()
        let u2 = q.x * z1z1
        let s2 = q.y * p.z * z1z1
        let h = u2 - p.x
        let sDifference = s2 - p.y
        if h.isZeroBit == 1 {
            return sDifference.isZeroBit == 1 ? p.doubled() : .identity
        }
        let hh = h.squared()
        let i = (hh + hh) + (hh + hh)
        let j = h * i
        let r = sDifference + sDifference
        let v = p.x * i
        let x3 = r.squared() - j - (v + v)
        let y1j = p.y * j
        let y3 = r * (v - x3) - (y1j + y1j)
        let z3 = (p.z + h).squared() - z1z1 - hh
        return Self(x: x3, y: y3, z: z3)
    }
}
