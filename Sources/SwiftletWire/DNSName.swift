// SwiftletWire: DNS domain names (RFC 1035 §2.3.4, §3.1, §4.1.4; RFC 4343 case-insensitivity).
//
// A name is kept in uncompressed wire form: length-prefixed labels ending with the zero-length root label.
// Invariants (checked on every construction): labels 1...63 octets, whole name ≤ 255 octets on the wire.
// Comparison and hashing ignore ASCII case. Reading from a message follows compression pointers, which
// must point strictly backwards (before the pointer itself): a loop then cannot exist, and at most 255/2
// jumps can happen before the length bound stops the walk.

import Swiftlet

public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// Uncompressed wire form, always ending with 0.
    public private(set) var wire: [UInt8]

    public static let root = DNSName(unchecked: [0])
    static let maximumLength = 255
    static let maximumLabel = 63

    init(unchecked wire: [UInt8]) { self.wire = wire }

    /// Builds a name from labels (each 1...63 octets, total ≤ 255 on the wire).
    public init(labels: [[UInt8]]) throws(WireError) {
        var w: [UInt8] = []
        for label in labels {
            guard !label.isEmpty, label.count <= DNSName.maximumLabel else { throw .badLabel }
            w.append(UInt8(label.count))
            w += label
        }
        w.append(0)
        guard w.count <= DNSName.maximumLength else { throw .nameTooLong }
        wire = w
    }

    /// Parses presentation form (`www.example.com`, trailing dot optional, `.` is the root) with
    /// RFC 1035 §5.1 escapes `\.` and `\DDD`. Returns nil for empty labels or over-long names.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        if bytes == [UInt8(ascii: ".")] { self = .root; return }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { return nil }
                let d = bytes[i + 1]
                if d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") {
                    guard i + 3 < bytes.count else { return nil }
                    var v = 0
                    for k in 1...3 {
                        let digit = bytes[i + k]
                        guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                        v = v * 10 + Int(digit - UInt8(ascii: "0"))
                    }
                    guard v <= 255 else { return nil }
                    current.append(UInt8(v))
                    i += 4
                } else {
                    current.append(d)
                    i += 2
                }
            } else if c == UInt8(ascii: ".") {
                guard !current.isEmpty else { return nil }
                labels.append(current)
                current = []
                i += 1
            } else {
                current.append(c)
                i += 1
            }
        }
        if !current.isEmpty { labels.append(current) }
        guard let name = try? DNSName(labels: labels) else { return nil }
        self = name
    }

    public var labels: [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while wire[i] != 0 {
            let n = Int(wire[i])
            out.append(Array(wire[(i + 1)...(i + n)]))
            i += n + 1
        }
        return out
    }

    public var labelCount: Int {
        var count = 0, i = 0
        while wire[i] != 0 { count += 1; i += Int(wire[i]) + 1 }
        return count
    }

    public var isRoot: Bool { wire.count == 1 }

    /// The name without its first label (the root's parent is the root).
    public var parent: DNSName {
        if isRoot { return self }
        return DNSName(unchecked: Array(wire[(Int(wire[0]) + 1)...]))
    }

    /// `label.self`, checked.
    public func prepending(_ label: [UInt8]) throws(WireError) -> DNSName {
        guard !label.isEmpty, label.count <= DNSName.maximumLabel else { throw .badLabel }
        guard wire.count + label.count + 1 <= DNSName.maximumLength else { throw .nameTooLong }
        return DNSName(unchecked: [UInt8(label.count)] + label + wire)
    }

    /// Appends `suffix` (this name must be relative, i.e. written without its root): `www` + `example.com`.
    public func appending(_ suffix: DNSName) throws(WireError) -> DNSName {
        let w = Array(wire.dropLast()) + suffix.wire
        guard w.count <= DNSName.maximumLength else { throw .nameTooLong }
        return DNSName(unchecked: w)
    }

    /// True when this name equals `ancestor` or lies below it (case-insensitively).
    public func isSubdomain(of ancestor: DNSName) -> Bool {
        guard wire.count >= ancestor.wire.count else { return false }
        let offset = wire.count - ancestor.wire.count
        // The suffix must start on a label boundary.
        var i = 0
        while i < offset { i += Int(wire[i]) + 1 }
        guard i == offset else { return false }
        for k in 0..<ancestor.wire.count where lower(wire[offset + k]) != lower(ancestor.wire[k]) { return false }
        return true
    }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        guard a.wire.count == b.wire.count else { return false }
        for i in 0..<a.wire.count where lower(a.wire[i]) != lower(b.wire[i]) { return false }
        return true
    }

    /// Lowercased bytes fed eight at a time (fed a byte at a time, hashing would be a DNS server's largest
    /// cost).
    public func hash(into h: inout Hasher) {
        var word: UInt64 = 0
        var n = 0
        for b in wire {
            word = word << 8 | UInt64(lower(b))
            n += 1
            if n == 8 { h.combine(word); word = 0; n = 0 }
        }
        h.combine(word)
        h.combine(n)
    }

    /// Lowercased wire form: the key for compression tables and lookups.
    public var canonicalWire: [UInt8] { wire.map(lower) }

    /// Presentation form with a trailing dot; non-printable octets and `.`/`\` inside labels escaped.
    public var description: String {
        if isRoot { return "." }
        var s = ""
        for label in labels {
            for c in label {
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "\\") || c == UInt8(ascii: "\"") {
                    s += "\\" + String(UnicodeScalar(c))
                } else if c > 0x20 && c < 0x7F {
                    s += String(UnicodeScalar(c))
                } else {
                    s += "\\" + (c < 100 ? "0" : "") + (c < 10 ? "0" : "") + String(c)
                }
            }
            s += "."
        }
        return s
    }

    /// The name whose uncompressed wire form is exactly `bytes` (RDATA held as raw octets, such as a
    /// DNAME's); nil if the octets are not one whole name.
    public init?(wholeWire bytes: [UInt8]) {
        let span = bytes.span
        guard let read = try? DNSName.read(from: span, at: 0, pointers: false), read.1 == bytes.count else { return nil }
        self = read.0
    }

    /// Reads a possibly compressed name at `offset` in `message`; returns it and the offset just past its
    /// in-place encoding (after the first pointer, if any).
    /// With `pointers` false a compression pointer is `badPointer` (names RFC 3597 §4 forbids compressing).
    static func read(from message: Span<UInt8>, at offset: Int, pointers: Bool = true) throws(WireError) -> (DNSName, Int) {
        var w: [UInt8] = []
        var i = offset
        var end: Int? = nil
        var lowestJump = offset   // every pointer must go strictly below the lowest position visited
        while true {
            guard i < message.count else { throw .truncated(.dns, needed: i + 1, available: message.count) }
            let length = message[i]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    w.append(0)
                    guard w.count <= maximumLength else { throw .nameTooLong }
                    return (DNSName(unchecked: w), end ?? i + 1)
                }
                let n = Int(length)
                guard i + 1 + n <= message.count else { throw .truncated(.dns, needed: i + 1 + n, available: message.count) }
                guard w.count + n + 2 <= maximumLength else { throw .nameTooLong }
                w.append(length)
                for k in 0..<n { w.append(message[i + 1 + k]) }
                i += n + 1
            case 0xC0:
                guard pointers else { throw .badPointer }
                guard i + 1 < message.count else { throw .truncated(.dns, needed: i + 2, available: message.count) }
                let target = Int(length & 0x3F) << 8 | Int(message[i + 1])
                guard target < lowestJump else { throw .badPointer }
                if end == nil { end = i + 2 }
                lowestJump = target
                i = target
            default:
                throw .badLabel  // 0x40 (extended label, RFC 6891 §5) and 0x80 are not supported
            }
        }
    }
}

@inline(__always)
func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// Writes names into a message, reusing earlier names' suffixes (RFC 1035 §4.1.4).
///
/// Remembers where each suffix it wrote starts: the name (its storage shared, not copied) and the label
/// offset. A lookup scans them, comparing lengths first and then bytes case-insensitively: a response has
/// a few dozen suffixes at most, and a scan costs less than hashing each suffix would (hashing them
/// would take about a tenth of a DNS server's time). Beyond `capacity` suffixes new ones are not
/// remembered, which costs compression, never correctness.
struct DNSNameCompressor {
    private var suffixes: [(name: DNSName, start: Int, offset: Int)] = []
    static let capacity = 128

    /// Appends `name` to `out`, compressed when `compress` and a suffix was already written.
    mutating func write(_ name: DNSName, into out: inout [UInt8], compress: Bool) {
        let wire = name.wire
        var i = 0
        while wire[i] != 0 {
            if compress, let target = find(wire, from: i) {
                out.put16(0xC000 | UInt16(target))
                return
            }
            if out.count < 0x4000, suffixes.count < Self.capacity { suffixes.append((name, i, out.count)) }
            let n = Int(wire[i])
            out += wire[i...(i + n)]
            i += n + 1
        }
        out.append(0)
    }

    private func find(_ wire: [UInt8], from start: Int) -> Int? {
        let length = wire.count - start
        for s in suffixes where s.name.wire.count - s.start == length {
            let other = s.name.wire
            var k = 0
            while k < length, lower(wire[start + k]) == lower(other[s.start + k]) { k += 1 }
            if k == length { return s.offset }
        }
        return nil
    }
}
