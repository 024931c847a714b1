// Swiftlet: the command line every target's program takes (a hosted process's arguments, the kvm
// kernel's command line):
//
//   [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--tcp SPEC] [PLATFORM FLAGS]
//   [-- APPLICATION ARGUMENTS]
//
// The platform backends add their own flags (the hosted targets' --tap, --impair, --store); each bad
// input gives one line that names the fix.

public struct LaunchOptions: Sendable {
    /// Static address for Swiftlet's own stack; DHCP when nil.
    public var ipv4: IPv4Network?
    public var gateway: IPv4Address?
    /// IPv6 on Swiftlet's own stack: on (link-local address, SLAAC when a router advertises) unless
    /// `--ipv6 off`; `--ipv6 ADDR/PREFIX` adds a static address, `--gateway6` a static default router.
    public var ipv6Enabled = true
    public var ipv6: IPv6Network?
    public var gateway6: IPv6Address?
    /// `--tcp SPEC`: settings of Swiftlet's own TCP (TCPTuning.swift).
    public var tcp = TCPTuning()
    /// Everything after `--`, for the application.
    public var applicationArguments: [String] = []

    public init() {}

    /// Parses `arguments` (without the program name). `flags` are the platform's own options, each
    /// taking one value; `apply` takes one and returns nil, or the line that explains what is wrong.
    public static func parse(_ arguments: [String], flags: [String] = [],
                             apply: (_ flag: String, _ value: String) -> String? = { _, _ in nil })
        -> Result<LaunchOptions, UsageError>
    {
        var o = LaunchOptions()
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.sameBytes("--") {
                o.applicationArguments = Array(arguments[(i + 1)...])
                break
            }
            let ours = a.sameBytes("--ipv4") || a.sameBytes("--gateway") || a.sameBytes("--ipv6") || a.sameBytes("--gateway6")
                || a.sameBytes("--tcp")
            guard ours || flags.contains(where: { $0.sameBytes(a) }) else {
                return .failure(UsageError("unknown option '\(a)' (application arguments go after --)"))
            }
            guard i + 1 < arguments.count else {
                let what = a.sameBytes("--ipv4") || a.sameBytes("--ipv6") ? "ADDR/PREFIX"
                    : a.sameBytes("--gateway") || a.sameBytes("--gateway6") ? "an address" : "a value"
                return .failure(UsageError("\(a) needs \(what)"))
            }
            let v = arguments[i + 1]
            i += 2
            switch ByteKey(a) {
            case "--ipv4":
                guard v.utf8.contains(UInt8(ascii: "/")), let n = IPv4Network(v) else {
                    return .failure(UsageError("--ipv4 '\(v)' is not ADDR/PREFIX (like 10.0.0.2/24)"))
                }
                o.ipv4 = n
            case "--gateway":
                guard let g = IPv4Address(v) else { return .failure(UsageError("--gateway '\(v)' is not an IPv4 address")) }
                o.gateway = g
            case "--ipv6":
                if v.sameBytes("off") { o.ipv6Enabled = false; continue }
                guard let n = IPv6Network(v), !n.address.isMulticast, !n.address.isUnspecified else {
                    return .failure(UsageError("--ipv6 '" + v + "' is not ADDR/PREFIX (like 2001:db8::2/64) or off"))
                }
                o.ipv6 = n
            case "--gateway6":
                guard let g = IPv6Address(v), !g.isMulticast, !g.isUnspecified else {
                    return .failure(UsageError("--gateway6 '" + v + "' is not an IPv6 unicast address"))
                }
                o.gateway6 = g
            case "--tcp":
                switch TCPTuning.parse(v) {
                case .success(let t): o.tcp = t
                case .failure(let e): return .failure(e)
                }
            default:
                if let problem = apply(a, v) { return .failure(UsageError(problem)) }
            }
        }
        if o.gateway != nil && o.ipv4 == nil {
            return .failure(UsageError("--gateway needs --ipv4 (with DHCP the server names the gateway)"))
        }
        if !o.ipv6Enabled && (o.ipv6 != nil || o.gateway6 != nil) {
            return .failure(UsageError("--ipv6 off leaves no use for --ipv6 ADDR/PREFIX or --gateway6"))
        }
        return .success(o)
    }

    /// The stack's IPv6 settings these options ask for; nil for `--ipv6 off`.
    public var ipv6Settings: (manual: [IPv6Network], router: IPv6Address?)? {
        ipv6Enabled ? (ipv6.map { [$0] } ?? [], gateway6) : nil
    }
}

public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    /// Not an error: the user asked for `--help`, and `description` is the help text.
    public let isHelp: Bool
    public init(_ d: String) { description = d; isHelp = false }
    init(help: String) { description = help; isHelp = true }
    public static func help(_ text: String) -> UsageError { UsageError(help: text) }
}
