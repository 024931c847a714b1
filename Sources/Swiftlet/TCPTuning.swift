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
// SwiftletNet's `TCPConfiguration.apply(_:)` carries them into the stack; what each means, and why the
// defaults are what they are, is said there.

public struct TCPTuning: Sendable, Equatable {
    public enum Congestion: Sendable, Equatable { case newReno, cubic, bbr }
    public var congestion: Congestion? = nil
    public var bufferBytes: Int? = nil
    public var outOfOrderRanges: Int? = nil
    public var pacing: Bool? = nil

    public init() {}

    public static let bufferRange = 16 * 1024...64 * 1024 * 1024
    public static let outOfOrderRangeLimit = 1...1024

    /// Parses SPEC: comma-separated NAME=VALUE pairs, each name at most once.
    public static func parse(_ spec: String) -> Result<TCPTuning, UsageError> {
        var t = TCPTuning()
        var seen: [String] = []
        for item in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                return .failure(UsageError("--tcp '" + spec + "': NAME=VALUE pairs separated by commas (like cc=bbr,buffer=1M)"))
            }
            let name = String(pair[0]), value = String(pair[1])
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
                guard value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(value), TCPTuning.outOfOrderRangeLimit.contains(n) else {
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

    /// "262144", "256K" or "1M" as bytes; nil if not a number or beyond 1 GiB.
    static func size(_ text: String) -> Int? {
        var digits = Substring(text), scale = 1
        if let last = text.utf8.last, last == UInt8(ascii: "K") || last == UInt8(ascii: "k") { scale = 1024; digits = digits.dropLast() }
        else if let last = text.utf8.last, last == UInt8(ascii: "M") || last == UInt8(ascii: "m") { scale = 1024 * 1024; digits = digits.dropLast() }
        guard digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(digits), n <= (1 << 30) / scale else { return nil }
        return n * scale
    }
}
