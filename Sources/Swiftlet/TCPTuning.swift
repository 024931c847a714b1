// Swiftlet: `--tcp SPEC`, the TCP settings of Swiftlet's own stack (the `tap` and `kvm` targets) that a
// run may change without a rebuild:
//
//   --tcp cc=bbr,buffer=1M,holes=128,pacing=off
//
//   cc       congestion control: cubic (the default), bbr, newreno
//   buffer   bytes of send and of receive buffer per connection (suffix K or M; 16K to 64M; default 256K)
//   holes    out-of-order ranges a receiver keeps per connection (1 to 1024; default 32)
//   pacing   with bbr: on (default) or off
//
// SwiftletNet's `TCPConfiguration.apply(_:)` carries them into the stack, where each setting is described;
// why the defaults are what they are: docs/ARCHITECTURE.md, "TCP loss recovery" (buffers and holes).

public struct TCPTuning: Sendable, Equatable {
    public enum Congestion: Sendable, Equatable { case newReno, cubic, bbr }
    public var congestion: Congestion? = nil
    public var bufferBytes: Int? = nil
    public var outOfOrderRanges: Int? = nil
    public var pacing: Bool? = nil

    public init() {}

    public static let bufferRange = 16 * 1024...64 * 1024 * 1024
    public static let outOfOrderRangeLimit = 1...1024

    /// Parses SPEC: comma-separated NAME=VALUE pairs, each name at most once. (Byte-wise throughout: String's
    /// own splitting compares Characters, which would link the Unicode tables into every kernel.)
    public static func parse(_ spec: String) -> Result<TCPTuning, UsageError> {
        var t = TCPTuning()
        var seen: [String] = []
        for item in spec.utf8.split(separator: 0x2C, omittingEmptySubsequences: false) {  // ","
            guard let eq = item.firstIndex(of: 0x3D), eq != item.startIndex, item.index(after: eq) != item.endIndex else {  // "="
                return .failure(UsageError("--tcp '" + spec + "': NAME=VALUE pairs separated by commas (like cc=bbr,buffer=1M)"))
            }
            let name = String(decoding: item[item.startIndex..<eq], as: UTF8.self)
            let value = String(decoding: item[item.index(after: eq)...], as: UTF8.self)
            if seen.contains(where: { $0.sameBytes(name) }) { return .failure(UsageError("--tcp: '" + name + "' given twice")) }
            seen.append(name)
            switch ByteKey(name) {
            case "cc":
                switch ByteKey(value) {
                case "cubic": t.congestion = .cubic
                case "bbr": t.congestion = .bbr
                case "newreno": t.congestion = .newReno
                default: return .failure(UsageError("--tcp cc='" + value + "': cubic, bbr or newreno"))
                }
            case "buffer":
                guard let n = TCPTuning.size(value), TCPTuning.bufferRange.contains(n) else {
                    return .failure(UsageError("--tcp buffer='" + value + "': bytes from 16K to 64M (like 1M or 262144)"))
                }
                t.bufferBytes = n
            case "holes":
                guard let n = TCPTuning.decimal(value.utf8[...]), TCPTuning.outOfOrderRangeLimit.contains(n) else {
                    return .failure(UsageError("--tcp holes='" + value + "': a number from 1 to 1024"))
                }
                t.outOfOrderRanges = n
            case "pacing":
                if value.sameBytes("on") { t.pacing = true } else if value.sameBytes("off") { t.pacing = false } else {
                    return .failure(UsageError("--tcp pacing='" + value + "': on or off"))
                }
            default:
                return .failure(UsageError("--tcp: unknown setting '" + name + "' (cc, buffer, holes, pacing)"))
            }
        }
        if t.pacing != nil && t.congestion != .bbr { return .failure(UsageError("--tcp pacing: applies with cc=bbr")) }
        return .success(t)
    }

    /// Decimal digits only (no sign), at most nine of them; nil otherwise.
    static func decimal(_ digits: Substring.UTF8View) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var n = 0
        for d in digits {
            guard d >= 0x30, d <= 0x39 else { return nil }
            n = n * 10 + Int(d - 0x30)
        }
        return n
    }

    /// "262144", "256K" or "1M" as bytes; nil if not a number or beyond 1 GiB.
    static func size(_ text: String) -> Int? {
        var digits = text.utf8[...]
        var scale = 1
        switch digits.last {
        case UInt8(ascii: "K"), UInt8(ascii: "k"): scale = 1024; digits = digits.dropLast()
        case UInt8(ascii: "M"), UInt8(ascii: "m"): scale = 1024 * 1024; digits = digits.dropLast()
        default: break
        }
        guard let n = decimal(digits), n <= (1 << 30) / scale else { return nil }
        return n * scale
    }
}
