// SwiftletDNS: the NSEC3 owner-name hash (RFC 5155 §5): IH(salt, x, 0) = H(x | salt), IH(salt, x, k) =
// H(IH(salt, x, k-1) | salt), over the name's canonical (lowercase, uncompressed) wire form, with H SHA-1
// (hash algorithm 1, the only one defined); written as a label in Base32 with the extended hex alphabet
// (RFC 4648 §7), lowercase, no padding, which sorts as the hash bytes do.
//
// SHA-1 (FIPS 180-4 §6.1) is here, not in SwiftletCrypto, because it is the DNS server's only need for a
// hash: depending on SwiftletCrypto would compile all of it into every hosted DNS build (minutes) and put
// it on the kernel's link line. SHA-1's collision weakness does not matter for NSEC3, which needs only a
// fixed mapping the zone's signer and we agree on. If another module needs SHA-1, move it to SwiftletCrypto.

import Swiftlet
import SwiftletWire

enum NSEC3Hash {
    /// Iterations this server hashes with at most (RFC 9276 §3.1 asks for 0; BIND and validators treat more
    /// than 150 as insecure). A zone asking for more is refused at load: every NXDOMAIN costs three hashes.
    static let maximumIterations = 150

    /// The hashed owner label of `name` (lowercase base32hex of IH(salt, name, iterations)).
    static func label(of name: DNSName, salt: [UInt8], iterations: Int) -> [UInt8] {
        var digest = sha1(name.canonicalWire + salt)
        if iterations > 0 { for _ in 0..<iterations { digest = sha1(digest + salt) } }
        // RFC 4648 §7 without padding (RFC 5155 §3.3), lowercase as owner names are compared.
        return DNSText.base32hexOctets(digest).map { $0 | 0x20 }
    }

    /// SHA-1 of `message`, in one piece.
    static func sha1(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        // §5.1.1: a 1 bit, zeros to 56 mod 64 bytes, the length in bits (64-bit big-endian).
        var m = message
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        let bits = UInt64(message.count) &* 8
        for k in 0..<8 { m.append(UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64(k)))) }
        var w = [UInt32](repeating: 0, count: 80)
        var block = 0
        while block < m.count {
            for t in 0..<16 {
                let i = block + 4 * t
                w[t] = UInt32(m[i]) << 24 | UInt32(m[i + 1]) << 16 | UInt32(m[i + 2]) << 8 | UInt32(m[i + 3])
            }
            for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
            for t in 0..<80 {
                // f_t and K_t (§4.1.1, §4.2.1) by the round's quarter.
                let f: UInt32, k: UInt32
                switch t {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let temp = rotl(a, 5) &+ f &+ e &+ k &+ w[t]
                e = d; d = c; c = rotl(b, 30); b = a; a = temp
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
            block += 64
        }
        var digest: [UInt8] = []
        for v in h { for k in 0..<4 { digest.append(UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(k)))) } }
        return digest
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
}
