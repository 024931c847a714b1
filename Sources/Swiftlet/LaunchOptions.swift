// Swiftlet: the command line every target's program takes (a hosted process's arguments, the kvm
// kernel's command line):
//
//   [--ipv4 ADDR/PREFIX] [--gateway ADDR] [PLATFORM FLAGS] [-- APPLICATION ARGUMENTS]
//
// The platform backends add their own flags (the hosted targets' --tap, --impair, --store); each bad
// input gives one line that names the fix.

public struct LaunchOptions: Sendable {
    /// Static address for Swiftlet's own stack; DHCP when nil.
    public var ipv4: IPv4Network?
    public var gateway: IPv4Address?
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
            guard a.sameBytes("--ipv4") || a.sameBytes("--gateway") || flags.contains(where: { $0.sameBytes(a) }) else {
                return .failure(UsageError("unknown option '\(a)' (application arguments go after --)"))
            }
            guard i + 1 < arguments.count else {
                let what = a.sameBytes("--ipv4") ? "ADDR/PREFIX" : a.sameBytes("--gateway") ? "an address" : "a value"
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
            default:
                if let problem = apply(a, v) { return .failure(UsageError(problem)) }
            }
        }
        if o.gateway != nil && o.ipv4 == nil {
            return .failure(UsageError("--gateway needs --ipv4 (with DHCP the server names the gateway)"))
        }
        return .success(o)
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
