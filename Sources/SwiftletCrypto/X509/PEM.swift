// SwiftletCrypto/X509: PEM textual encoding (RFC 7468) of certificates and keys, and the Base64 it uses
// (RFC 4648 §4).
// Decoding follows RFC 7468 §3 with these choices:
// - text outside blocks is ignored (§5.2 explanatory text), but a line that starts with "-----BEGIN" must be a
//   well-formed encapsulation boundary (label per §3 `label`, five dashes, then only spaces or tabs);
// - lines end in LF, CRLF or CR; a base64 line may be any length (not only 64) and may have trailing spaces
//   or tabs, nothing else; no empty lines and no RFC 1421 headers ("Proc-Type:") inside a block;
// - the Base64 is strict: a multiple of four characters, '=' padding only at the very end, zero padding bits
//   (so there is exactly one text for each DER value);
// - the END label equals the BEGIN label; input ends inside a block is an error; the input and the number
//   of blocks are bounded.
// Base64 decoding and encoding are constant time in the data (no table lookups or branches on the
// characters' values; RFC 7468 blocks carry private keys): the only data-dependent branches compare each
// character with line ends, spaces and dashes, which are never Base64 characters.

/// Why a PEM document did not decode.
public enum PEMError: Error, Hashable, Sendable {
    /// The input is longer than the limit, or holds more blocks than the limit.
    case tooLarge
    /// A character outside the Base64 alphabet, misplaced padding, a bad length or non-zero padding bits.
    case badBase64
    /// A malformed "-----BEGIN ...-----" or "-----END ...-----" line.
    case badBoundary
    /// The END label is not the BEGIN label.
    case labelMismatch
    /// The input ends inside a block.
    case missingEnd
    /// No block with the wanted label.
    case noBlock
}

/// One decoded block.
public struct PEMBlock: Sendable, Hashable {
    /// The label between "BEGIN " and the dashes, as ASCII bytes ("CERTIFICATE", "PRIVATE KEY"...).
    public let label: [UInt8]
    /// The decoded bytes.
    public let der: [UInt8]

    public init(label: [UInt8], der: [UInt8]) {
        self.label = label
        self.der = der
    }

    /// Whether the label is `text`.
    public func hasLabel(_ text: String) -> Bool { label.elementsEqual(text.utf8) }
}

public enum PEM {
    /// The default limit on the input (a system CA bundle is about 220 KB).
    public static let defaultMaximumSize = 4 << 20
    /// The most blocks one document may hold.
    public static let maximumBlocks = 4096
    public static let certificateLabel = "CERTIFICATE"
    public static let privateKeyLabel = "PRIVATE KEY"
    public static let ecPrivateKeyLabel = "EC PRIVATE KEY"
    public static let rsaPrivateKeyLabel = "RSA PRIVATE KEY"
    public static let publicKeyLabel = "PUBLIC KEY"

    private static let dash: UInt8 = 0x2D
    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("-----END ".utf8)

    /// Decodes every block of `text`, in order.
    public static func decodeAll(_ text: [UInt8], maximumSize: Int = defaultMaximumSize) throws(PEMError) -> [PEMBlock] {
        guard text.count <= maximumSize else { throw .tooLarge }
        var blocks: [PEMBlock] = []
        var label: [UInt8]? = nil
        var base64: [UInt8] = []
        var padded = false
        var lineStart = 0
        while lineStart < text.count {
            // The line is text[lineStart..<lineEnd]; the next starts after its LF, CRLF or CR.
            var lineEnd = lineStart
            while lineEnd < text.count, text[lineEnd] != 0x0A, text[lineEnd] != 0x0D { lineEnd += 1 }
            var next = lineEnd
            if next < text.count {
                next += (text[next] == 0x0D && next + 1 < text.count && text[next + 1] == 0x0A) ? 2 : 1
            }
            let line = lineStart..<lineEnd
            lineStart = next
            if let open = label {
                if startsWith(text, line, end) {
                    let closing = try boundaryLabel(text, line, prefix: end.count)
                    guard closing == open else { throw .labelMismatch }
                    blocks.append(PEMBlock(label: open, der: try decodeBase64(base64)))
                    guard blocks.count <= maximumBlocks else { throw .tooLarge }
                    label = nil
                    base64.removeAll(keepingCapacity: true)
                    padded = false
                    continue
                }
                // A Base64 line: characters, then optional trailing spaces or tabs.
                var last = line.upperBound
                while last > line.lowerBound, text[last - 1] == 0x20 || text[last - 1] == 0x09 { last -= 1 }
                guard last > line.lowerBound, !padded else { throw .badBase64 }
                for i in line.lowerBound..<last {
                    let c = text[i]
                    guard c != 0x20, c != 0x09, c != dash, c != 0x3A else { throw .badBase64 }
                    base64.append(c)
                }
                padded = text[last - 1] == 0x3D
            } else if startsWith(text, line, begin) {
                label = try boundaryLabel(text, line, prefix: begin.count)
            } else if startsWith(text, line, Array("-----BEGIN".utf8)) {
                throw .badBoundary
            }
        }
        guard label == nil else { throw .missingEnd }
        return blocks
    }

    /// The bytes of the first block labelled `label`.
    public static func decode(_ text: [UInt8], label: String, maximumSize: Int = defaultMaximumSize) throws(PEMError) -> [UInt8] {
        for block in try decodeAll(text, maximumSize: maximumSize) where block.hasLabel(label) { return block.der }
        throw .noBlock
    }

    /// The PEM text of `der` under `label`: 64-character lines, LF line ends (RFC 7468 §2).
    public static func encode(label: String, der: [UInt8]) -> [UInt8] {
        var out: [UInt8] = begin + Array(label.utf8) + [dash, dash, dash, dash, dash, 0x0A]
        let body = encodeBase64(der)
        var i = 0
        while i < body.count {
            let stop = Swift.min(i + 64, body.count)
            out += body[i..<stop]
            out.append(0x0A)
            i = stop
        }
        out += end + Array(label.utf8) + [dash, dash, dash, dash, dash, 0x0A]
        return out
    }

    private static func startsWith(_ text: [UInt8], _ line: Range<Int>, _ prefix: [UInt8]) -> Bool {
        guard line.count >= prefix.count else { return false }
        for k in prefix.indices where text[line.lowerBound + k] != prefix[k] { return false }
        return true
    }

    /// The label of a boundary line after its prefix: `label "-----" *WSP`, label per RFC 7468 §3.
    private static func boundaryLabel(_ text: [UInt8], _ line: Range<Int>, prefix: Int) throws(PEMError) -> [UInt8] {
        var i = line.lowerBound + prefix
        var label: [UInt8] = []
        while i < line.upperBound, text[i] != dash || (i + 1 < line.upperBound && text[i + 1] != dash) {
            label.append(text[i])
            i += 1
        }
        // Five dashes, then only spaces or tabs.
        guard line.upperBound - i >= 5 else { throw .badBoundary }
        for k in 0..<5 where text[i + k] != dash { throw .badBoundary }
        for k in (i + 5)..<line.upperBound where text[k] != 0x20 && text[k] != 0x09 { throw .badBoundary }
        // labelchar = %x21-2C / %x2E-7E, single '-' or ' ' only between labelchars.
        var previousWasSeparator = true
        for c in label {
            let separator = c == dash || c == 0x20
            guard separator || (c >= 0x21 && c <= 0x7E) else { throw .badBoundary }
            guard !(separator && previousWasSeparator) else { throw .badBoundary }
            previousWasSeparator = separator
        }
        guard label.isEmpty || !previousWasSeparator else { throw .badBoundary }
        return label
    }

    // MARK: Base64 (RFC 4648 §4), constant time in the data

    /// The 6-bit value of a Base64 character, or -1: range masks instead of a table.
    @inline(__always)
    private static func value(_ byte: UInt8) -> Int32 {
        let c = Int32(byte)
        var r: Int32 = -1
        // ((lo - 1 - c) & (c - hi - 1)) >> 8 is all ones exactly when lo <= c <= hi (c in 0...255).
        r += ((0x40 - c) & (c - 0x5B)) >> 8 & (c - 64)  // 'A'...'Z' -> 0...25
        r += ((0x60 - c) & (c - 0x7B)) >> 8 & (c - 70)  // 'a'...'z' -> 26...51
        r += ((0x2F - c) & (c - 0x3A)) >> 8 & (c + 5)  // '0'...'9' -> 52...61
        r += ((0x2A - c) & (c - 0x2C)) >> 8 & 63  // '+' -> 62
        r += ((0x2E - c) & (c - 0x30)) >> 8 & 64  // '/' -> 63
        return r
    }

    /// Strict Base64 decoding of `chars` (no whitespace).
    public static func decodeBase64(_ chars: [UInt8]) throws(PEMError) -> [UInt8] {
        guard chars.count % 4 == 0 else { throw .badBase64 }
        guard !chars.isEmpty else { return [] }
        var padding = 0
        if chars[chars.count - 1] == 0x3D { padding = chars[chars.count - 2] == 0x3D ? 2 : 1 }
        let significant = chars.count - padding
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var bad: Int32 = 0
        var accumulator: UInt32 = 0
        for i in 0..<significant {
            let v = value(chars[i])
            bad |= v
            accumulator = accumulator << 6 | UInt32(truncatingIfNeeded: v & 63)
            if i % 4 == 3 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                out.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            }
        }
        // The last group: 3 characters carry 2 bytes (2 zero bits), 2 carry 1 byte (4 zero bits).
        var paddingBits: UInt32 = 0
        if padding == 1 {
            out.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
            paddingBits = accumulator & 3
        } else if padding == 2 {
            out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
            paddingBits = accumulator & 15
        }
        guard bad >= 0, paddingBits == 0 else {
            for i in out.indices { out[i] = 0 }
            throw .badBase64
        }
        return out
    }

    /// Base64 encoding with padding.
    public static func encodeBase64(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let remaining = bytes.count - i
            let b0 = UInt32(bytes[i])
            let b1 = remaining > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(character(Int32(group >> 18 & 63)))
            out.append(character(Int32(group >> 12 & 63)))
            out.append(remaining > 1 ? character(Int32(group >> 6 & 63)) : 0x3D)
            out.append(remaining > 2 ? character(Int32(group & 63)) : 0x3D)
            i += 3
        }
        return out
    }

    /// The Base64 character of a 6-bit value, by arithmetic (no table).
    @inline(__always)
    private static func character(_ v: Int32) -> UInt8 {
        var c = v + 65
        c += (25 - v) >> 8 & 6  // 26... -> 'a'...
        c -= (51 - v) >> 8 & 75  // 52... -> '0'...
        c -= (61 - v) >> 8 & 15  // 62 -> '+'
        c += (62 - v) >> 8 & 3  // 63 -> '/'
        return UInt8(truncatingIfNeeded: c)
    }
}
