// SwiftletCrypto / RSA: what RSA signatures need of a hash (`HashAlgorithm`, Hash/): the DigestInfo
// prefix (RFC 8017 §9.2 note 1) and MGF1 (Appendix B.2.1).

extension HashAlgorithm {
    /// The DER encoding of DigestInfo up to (not including) the digest itself: RFC 8017 §9.2 note 1.
    /// SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (hLen bytes) }.
    var digestInfoPrefix: [UInt8] {
        switch self {
        case .sha256: [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384: [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512: [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
    }

    /// MGF1 (RFC 8017 §B.2.1) with this hash: XORs `Hash(seed || C)` for C = 0, 1, ... (4-byte big-endian
    /// counters) into `bytes[range]`. Lengths are public; no branch on the data.
    func xorMask(seed: Span<UInt8>, into bytes: inout [UInt8], range: Range<Int>) {
        var counter: UInt32 = 0
        var position = range.lowerBound
        while position < range.upperBound {
            let c: [UInt8] = [UInt8(truncatingIfNeeded: counter >> 24), UInt8(truncatingIfNeeded: counter >> 16),
                              UInt8(truncatingIfNeeded: counter >> 8), UInt8(truncatingIfNeeded: counter)]
            let block = hash(seed, c.span, [UInt8]().span)
            for byte in block where position < range.upperBound {
                bytes[position] ^= byte
                position += 1
            }
            counter &+= 1
        }
    }
}
