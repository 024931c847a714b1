// SwiftletCrypto/X509: matching a host name or IP address against a leaf certificate (RFC 6125 §6, with
// the stricter choices of current practice, CA/Browser Forum Baseline Requirements §7.1.2.7.12):
// - the reference identity is a DNS name (ASCII; IDNs arrive as A-labels) or an IPv4/IPv6 literal;
// - DNS names match subjectAltName dNSName entries only, compared ASCII case-insensitively, one trailing
//   dot ignored on either side (§6.4.1);
// - a wildcard is allowed only as the whole left-most label ("*.example.com"), matches exactly one
//   non-empty label (§6.4.3), and only when at least two labels follow it ("*.com" never matches);
//   partial-label wildcards ("w*.example.com") never match;
// - IP literals match iPAddress entries only, octet for octet (§6.2.1 of RFC 6125 leaves IP to RFC 5280
//   §4.2.1.6), never a dNSName nor a wildcard;
// - the subject's commonName is never used (RFC 6125 §6.4.4 allows it only without SAN; modern clients
//   have dropped it entirely): a certificate with no subjectAltName matches nothing.
// All of this is public data and runs in variable time.

public enum HostName {
    /// Throws `.nameMismatch` unless `certificate` is valid for `host` (a DNS name or an IP literal; an IPv6
    /// literal may be in brackets).
    public static func check(_ host: String, _ certificate: Certificate) throws(CertificateError) {
        guard matches(Array(host.utf8), certificate) else { throw .nameMismatch }
    }

    /// Whether `certificate` is valid for `host` (ASCII bytes of a DNS name or an IP literal).
    public static func matches(_ host: [UInt8], _ certificate: Certificate) -> Bool {
        let ext = certificate.extensions
        if let address = parseIPv4(host) ?? parseIPv6(host) {
            for range in ext.ipAddresses where DERReader.equal(certificate.bytes, range, address) { return true }
            return false
        }
        guard let name = normalised(host, allowWildcard: false) else { return false }
        for range in ext.dnsNames {
            guard let pattern = normalised(Array(certificate.bytes[range]), allowWildcard: true) else { continue }
            if matchDNS(pattern: pattern, name: name) { return true }
        }
        return false
    }

    /// Lower-cased labels without a trailing dot, or nil if `text` is not a syntactically valid DNS name
    /// (letters, digits, '-', '_'; non-empty labels of at most 63 bytes; at most 253 bytes). With
    /// `allowWildcard`, the first label may be "*".
    static func normalised(_ text: [UInt8], allowWildcard: Bool) -> [UInt8]? {
        var bytes = text
        if bytes.last == 0x2E { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count <= 253 else { return nil }
        var labelLength = 0
        var labelIndex = 0
        for i in bytes.indices {
            let c = bytes[i]
            if c == 0x2E {
                guard labelLength > 0 else { return nil }
                labelLength = 0
                labelIndex += 1
                continue
            }
            labelLength += 1
            guard labelLength <= 63 else { return nil }
            switch c {
            case 0x41...0x5A: bytes[i] = c | 0x20
            case 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F: break
            case 0x2A:
                // '*' only as the whole first label.
                guard allowWildcard, labelIndex == 0, i == 0, bytes.count > 1, bytes[1] == 0x2E else { return nil }
            default: return nil
            }
        }
        guard labelLength > 0 else { return nil }
        return bytes
    }

    /// Matches a normalised pattern (maybe "*.rest") with a normalised name.
    static func matchDNS(pattern: [UInt8], name: [UInt8]) -> Bool {
        guard pattern.first == 0x2A else { return pattern == name }
        let rest = pattern[1...]  // ".example.com"
        // At least two labels after the wildcard: the rest (after its leading dot) holds another dot.
        guard rest.dropFirst().contains(0x2E) else { return false }
        guard let dot = name.firstIndex(of: 0x2E), dot > 0 else { return false }
        return name[dot...].elementsEqual(rest)
    }

    /// The four octets of a dotted-quad IPv4 literal (decimal, no leading zeros), or nil.
    static func parseIPv4(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var value = 0, digits = 0
        for c in text + [0x2E] {
            if c == 0x2E {
                guard digits > 0, out.count < 4 else { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
            } else if c >= 0x30, c <= 0x39 {
                guard !(digits == 1 && value == 0) else { return nil }  // leading zero: ambiguous (octal)
                value = value * 10 + Int(c - 0x30)
                digits += 1
                guard value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        return out.count == 4 ? out : nil
    }

    /// The sixteen octets of an IPv6 literal (RFC 4291 §2.2: hex groups, one "::", an IPv4 tail), optionally
    /// in brackets; nil if it is not one. Zone identifiers are refused.
    static func parseIPv6(_ input: [UInt8]) -> [UInt8]? {
        var text = input
        if text.first == 0x5B {
            guard text.last == 0x5D, text.count > 2 else { return nil }
            text = Array(text[1..<(text.count - 1)])
        }
        guard text.contains(0x3A), text.count <= 45 else { return nil }
        var head: [UInt8] = [], tail: [UInt8] = []
        var sawGap = false
        // Split on ':' keeping empty pieces; "::" marks the gap.
        var pieces: [[UInt8]] = [[]]
        for c in text {
            if c == 0x3A { pieces.append([]) } else { pieces[pieces.count - 1].append(c) }
        }
        var i = 0
        // A leading or trailing "::" makes two empty pieces at that end.
        if pieces.count >= 2, pieces[0].isEmpty {
            guard pieces[1].isEmpty else { return nil }
            i = 1
        }
        var lastIndex = pieces.count - 1
        if pieces.count >= 2, pieces[lastIndex].isEmpty {
            guard pieces[lastIndex - 1].isEmpty else { return nil }
            lastIndex -= 1
        }
        while i <= lastIndex {
            let piece = pieces[i]
            if piece.isEmpty {
                guard !sawGap else { return nil }
                sawGap = true
            } else if i == lastIndex, piece.contains(0x2E) {
                guard let v4 = parseIPv4(piece) else { return nil }
                if sawGap { tail += v4 } else { head += v4 }
            } else {
                guard piece.count <= 4 else { return nil }
                var value: UInt16 = 0
                for c in piece {
                    let d: UInt16
                    switch c {
                    case 0x30...0x39: d = UInt16(c - 0x30)
                    case 0x61...0x66: d = UInt16(c - 0x57)
                    case 0x41...0x46: d = UInt16(c - 0x37)
                    default: return nil
                    }
                    value = value << 4 | d
                }
                let octets: [UInt8] = [UInt8(value >> 8), UInt8(value & 0xFF)]
                if sawGap { tail += octets } else { head += octets }
            }
            i += 1
        }
        let total = head.count + tail.count
        if sawGap {
            guard total <= 14 else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - total) + tail
        }
        return total == 16 ? head : nil
    }
}
