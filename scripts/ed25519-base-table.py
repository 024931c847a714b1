#!/usr/bin/env python3
# Writes Sources/SwiftletCrypto/Curve25519/EdwardsBaseTable.swift: multiples of the Ed25519 base point in
# affine "Niels" form (y + x, y - x, 2 d x y), limbs in radix 2^51, computed with plain Python integers
# from the curve equation of RFC 8032 §5.1. The Swift test `baseTablesMatchComputedMultiples` recomputes
# every entry with the library's own point arithmetic, so this script is not trusted.
p = 2**255 - 19
d = (-121665 * pow(121666, p - 2, p)) % p
By = 4 * pow(5, p - 2, p) % p
def recover_x(y, sign):
    u, v = (y * y - 1) % p, (d * y * y + 1) % p
    x = pow(u * pow(v, p - 2, p), (p + 3) // 8, p)
    if (x * x - u * pow(v, p - 2, p)) % p != 0:
        x = x * pow(2, (p - 1) // 4, p) % p
    if x % 2 != sign:
        x = p - x
    return x
B = (recover_x(By, 0), By)
def add(P, Q):
    (x1, y1), (x2, y2) = P, Q
    t = d * x1 * x2 * y1 * y2 % p
    return ((x1 * y2 + x2 * y1) * pow(1 + t, p - 2, p) % p, (y1 * y2 + x1 * x2) * pow(1 - t, p - 2, p) % p)
def mul(k, P):
    R = (0, 1)
    while k:
        if k & 1: R = add(R, P)
        P = add(P, P); k >>= 1
    return R
def limbs(v):
    return ", ".join("0x%x" % ((v >> (51 * i)) & (2**51 - 1)) for i in range(5))
def niels(P):
    x, y = P
    return [(y + x) % p, (y - x) % p, 2 * d * x * y % p]
out = []
out.append("""// SwiftletCrypto / Curve25519: precomputed multiples of the Ed25519 base point B (RFC 8032 §5.1), made by
// scripts/ed25519-base-table.py from the curve equation and checked entry by entry against the library's own
// point arithmetic by the test `baseTablesMatchComputedMultiples`. Do not edit by hand.
//
// Each entry is an affine point in Niels form (y + x, y - x, 2 d x y), three field elements of five
// radix-2^51 limbs (each < 2^51, fully reduced), 15 UInt64 in all.
//   * `baseTable`: 8 rows of 8 entries; entry (j, m - 1) is m * 2^(32 j) * B, m = 1...8 (64 entries,
//     7.5 KiB). Read by the constant-time fixed-base multiplication, which scans a whole row per lookup.
//   * `baseOddMultiples`: (2 i + 1) * B for i = 0...7, the width-5 NAF table of variable-time verification.

extension EdwardsPoint {
    static let baseTable: [UInt64] = [""")
for j in range(8):
    P = mul(2 ** (32 * j), B)
    Q = P
    for m in range(1, 9):
        out.append("        // row %d: %d * 2^%d * B" % (j, m, 32 * j))
        for v in niels(Q):
            out.append("        " + limbs(v) + ",")
        Q = add(Q, P)
out.append("    ]")
out.append("")
out.append("    static let baseOddMultiples: [UInt64] = [")
for i in range(8):
    out.append("        // %d * B" % (2 * i + 1))
    for v in niels(mul(2 * i + 1, B)):
        out.append("        " + limbs(v) + ",")
out.append("    ]")
out.append("}")
import os, sys
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "SwiftletCrypto", "Curve25519", "EdwardsBaseTable.swift")
open(path, "w").write("\n".join(out) + "\n")
