// SwiftletCrypto / NISTCurves: the domain parameters of P-256 and P-384 (FIPS 186-4 Appendix D.1.2.3 and
// D.1.2.4; SEC 2 v2 §2.4.2 and §2.5.1): y² = x³ − 3x + b over GF(p), base point G of prime order n,
// cofactor 1. Constants are little-endian 64-bit limbs; b and G are given in Montgomery form (·R mod p),
// R = 2^256 for P-256 and 2^384 for P-384, as the point code uses them. The tests check them against the
// published values (G from the private key 1, n through n−1 giving −G).

/// A short-Weierstrass curve with a = −3 and cofactor 1, as P-256 and P-384 are.
protocol PrimeCurve {
    /// GF(p).
    associatedtype Field: MontgomeryModulus
    /// Z/nZ, same limb count as the field.
    associatedtype Order: MontgomeryModulus where Order.Limbs == Field.Limbs
    /// The hash RFC 6979 pairs with this curve (HMAC-DRBG for nonces, and `signature(for:)`).
    associatedtype Hash: HashFunction
    /// b·R mod p.
    static var b: Field.Limbs { get }
    /// G's coordinates, ·R mod p.
    static var generatorX: Field.Limbs { get }
    static var generatorY: Field.Limbs { get }
    /// Multiples of G for the fixed-base multiplication, built on first use (see GeneratorTable).
    static var generatorTable: GeneratorTable<Self> { get }
    /// Window width of the fixed-base multiplication (2…8): wider is faster and a bigger table.
    static var generatorWindowBits: Int { get }
}

extension PrimeCurve {
    /// Bytes of a field element or scalar (32 or 48).
    static var byteCount: Int { Field.Limbs.limbCount * 8 }
    /// Bits in n (256 or 384: both orders have their top bit set).
    static var orderBits: Int { Field.Limbs.limbCount * 64 }
}

// MARK: P-256

enum P256Field: MontgomeryModulus {
    typealias Limbs = InlineArray<4, UInt64>
    /// p = 2^256 − 2^224 + 2^192 + 2^96 − 1
    static var modulus: Limbs { [0xffff_ffff_ffff_ffff, 0x0000_0000_ffff_ffff, 0x0000_0000_0000_0000, 0xffff_ffff_0000_0001] }
    static var montgomeryFactor: UInt64 { 1 }
    static var rSquared: Limbs { [0x0000_0000_0000_0003, 0xffff_fffb_ffff_ffff, 0xffff_ffff_ffff_fffe, 0x0000_0004_ffff_fffd] }
    static var rModM: Limbs { [0x0000_0000_0000_0001, 0xffff_ffff_0000_0000, 0xffff_ffff_ffff_ffff, 0x0000_0000_ffff_fffe] }
}

enum P256Order: MontgomeryModulus {
    typealias Limbs = InlineArray<4, UInt64>
    /// n = ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
    static var modulus: Limbs { [0xf3b9_cac2_fc63_2551, 0xbce6_faad_a717_9e84, 0xffff_ffff_ffff_ffff, 0xffff_ffff_0000_0000] }
    static var montgomeryFactor: UInt64 { 0xccd1_c8aa_ee00_bc4f }
    static var rSquared: Limbs { [0x8324_4c95_be79_eea2, 0x4699_799c_49bd_6fa6, 0x2845_b239_2b6b_ec59, 0x66e1_2d94_f3d9_5620] }
    static var rModM: Limbs { [0x0c46_353d_039c_daaf, 0x4319_0552_58e8_617b, 0x0000_0000_0000_0000, 0x0000_0000_ffff_ffff] }
}

enum P256Curve: PrimeCurve {
    typealias Field = P256Field
    typealias Order = P256Order
    typealias Hash = SHA256
    /// b = 5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b, in Montgomery form.
    static var b: Field.Limbs { [0xd89c_df62_29c4_bddf, 0xacf0_05cd_7884_3090, 0xe5a2_20ab_f721_2ed6, 0xdc30_061d_0487_4834] }
    /// Gx = 6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296, in Montgomery form.
    static var generatorX: Field.Limbs { [0x79e7_30d4_18a9_143c, 0x75ba_95fc_5fed_b601, 0x79fb_732b_7762_2510, 0x1890_5f76_a537_55c6] }
    /// Gy = 4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5, in Montgomery form.
    static var generatorY: Field.Limbs { [0xddf2_5357_ce95_560a, 0x8b4a_b8e4_ba19_e45c, 0xd2e8_8688_dd21_f325, 0x8571_ff18_2588_5d85] }
    static var generatorWindowBits: Int { 6 }  // 43 additions per k·G, 88 KB table
    static let table = GeneratorTable<P256Curve>()
    static var generatorTable: GeneratorTable<P256Curve> { table }
}

// MARK: P-384

enum P384Field: MontgomeryModulus {
    typealias Limbs = InlineArray<6, UInt64>
    /// p = 2^384 − 2^128 − 2^96 + 2^32 − 1
    static var modulus: Limbs {
        [0x0000_0000_ffff_ffff, 0xffff_ffff_0000_0000, 0xffff_ffff_ffff_fffe,
         0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff]
    }
    static var montgomeryFactor: UInt64 { 0x0000_0001_0000_0001 }
    static var rSquared: Limbs {
        [0xffff_fffe_0000_0001, 0x0000_0002_0000_0000, 0xffff_fffe_0000_0000,
         0x0000_0002_0000_0000, 0x0000_0000_0000_0001, 0x0000_0000_0000_0000]
    }
    static var rModM: Limbs {
        [0xffff_ffff_0000_0001, 0x0000_0000_ffff_ffff, 0x0000_0000_0000_0001,
         0x0000_0000_0000_0000, 0x0000_0000_0000_0000, 0x0000_0000_0000_0000]
    }
}

enum P384Order: MontgomeryModulus {
    typealias Limbs = InlineArray<6, UInt64>
    /// n = ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973
    static var modulus: Limbs {
        [0xecec_196a_ccc5_2973, 0x581a_0db2_48b0_a77a, 0xc763_4d81_f437_2ddf,
         0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff]
    }
    static var montgomeryFactor: UInt64 { 0x6ed4_6089_e88f_dc45 }
    static var rSquared: Limbs {
        [0x2d31_9b24_19b4_09a9, 0xff3d_81e5_df1a_a419, 0xbc3e_483a_fcb8_2947,
         0xd40d_4917_4aab_1cc5, 0x3fb0_5b7a_2826_6895, 0x0c84_ee01_2b39_bf21]
    }
    static var rModM: Limbs {
        [0x1313_e695_333a_d68d, 0xa7e5_f24d_b74f_5885, 0x389c_b27e_0bc8_d220,
         0x0000_0000_0000_0000, 0x0000_0000_0000_0000, 0x0000_0000_0000_0000]
    }
}

enum P384Curve: PrimeCurve {
    typealias Field = P384Field
    typealias Order = P384Order
    typealias Hash = SHA384
    /// b = b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef
    static var b: Field.Limbs {
        [0x0811_8871_9d41_2dcc, 0xf729_add8_7a4c_32ec, 0x77f2_209b_1920_022e,
         0xe337_4bee_9493_8ae2, 0xb62b_21f4_1f02_2094, 0xcd08_114b_604f_bff9]
    }
    /// Gx = aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7
    static var generatorX: Field.Limbs {
        [0x3dd0_7566_49c0_b528, 0x20e3_78e2_a0d6_ce38, 0x879c_3afc_541b_4d6e,
         0x6454_8684_59a3_0eff, 0x812f_f723_614e_de2b, 0x4d3a_adc2_299e_1513]
    }
    /// Gy = 3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f
    static var generatorY: Field.Limbs {
        [0x2304_3dad_4b03_a4fe, 0xa1bf_a8bf_7bb4_a9ac, 0x8bad_e756_2e83_b050,
         0xc6c3_5219_68f4_ffd9, 0xdd80_0226_3969_a840, 0x2b78_abc2_5a15_c5e9]
    }
    static var generatorWindowBits: Int { 4 }  // 97 additions per k·G, 74 KB table
    static let table = GeneratorTable<P384Curve>()
    static var generatorTable: GeneratorTable<P384Curve> { table }
}
