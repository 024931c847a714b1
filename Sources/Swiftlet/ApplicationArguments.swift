// Swiftlet: reads an application's command line (what follows `--`) against the arguments its manifest
// declares. `swiftlet configure` generates `ENTRY.Arguments`, a struct with one typed property per
// declared argument, whose `init(parsing:)` calls this; every target's generated `main` does so before
// `start`, and a bad command line is one line (or, for `--help`, the help text) before anything runs.
//
//   --name VALUE   --name=VALUE   --flag   --help
//
// Values are checked by kind when parsed (a port is 0-65535, an address is dotted IPv4), so the typed
// accessors afterwards cannot fail. An argument given twice is an error, not "last one wins".

public struct DeclaredArgument: Sendable {
    /// The kinds of argument: the one list. A manifest names its arguments' kinds by these raw values
    /// (SwiftletManifest's `.port(...)` and the rest), and `swiftlet configure` generates a property of
    /// `valueType` read by the `ArgumentValues` accessor named as the kind.
    public enum Kind: String, Sendable {
        case string, int, port, flag, ipv4

        /// The Swift type of a value of this kind.
        public var valueType: String {
            switch self {
            case .string: return "String"
            case .int: return "Int"
            case .port: return "UInt16"
            case .flag: return "Bool"
            case .ipv4: return "IPv4Address"
            }
        }

        /// What the help shows after `--name`.
        public var placeholder: String {
            switch self {
            case .string: return " TEXT"
            case .int: return " N"
            case .port: return " PORT"
            case .ipv4: return " ADDR"
            case .flag: return ""
            }
        }
    }
    public let name: String
    public let kind: Kind
    /// The default as text, for the help; nil when there is none.
    public let defaultText: String?
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultText: String?, help: String) {
        self.name = name
        self.kind = kind
        self.defaultText = defaultText
        self.help = help
    }

    var placeholder: String { kind.placeholder }
}

public struct ArgumentValues: Sendable {
    let declared: [DeclaredArgument]
    /// Parallel to `declared`: the text given, "" for a flag that was given.
    var given: [String?]

    /// Parses `words`; throws the line that says what is wrong, or `UsageError.help` for `--help`/`-h`.
    public init(parsing words: [String], declared: [DeclaredArgument]) throws(UsageError) {
        self.declared = declared
        given = Array(repeating: nil, count: declared.count)
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            if word.sameBytes("--help") || word.sameBytes("-h") { throw UsageError.help(ArgumentValues.help(declared)) }
            // Bytes, not Characters: the kernel would otherwise link grapheme breaking for this loop.
            let bytes = Array(word.utf8)
            guard bytes.count > 2, bytes[0] == UInt8(ascii: "-"), bytes[1] == UInt8(ascii: "-") else {
                throw UsageError("unexpected '\(word)': arguments are --name VALUE (-- --help lists them)")
            }
            let eq = bytes.firstIndex(of: UInt8(ascii: "="))
            let name = String(decoding: bytes[2..<(eq ?? bytes.count)], as: UTF8.self)
            let inline = eq.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) }
            guard let index = declared.firstIndex(where: { $0.name.sameBytes(name) }) else {
                var known = ""
                for d in declared { known += (known.isEmpty ? "--" : ", --") + d.name }
                throw UsageError("unknown argument '--\(name)'" + (known.isEmpty ? " (this application takes none)" : " (known: \(known))"))
            }
            let d = declared[index]
            guard given[index] == nil else { throw UsageError("--\(name) is given twice") }
            if d.kind == .flag {
                guard inline == nil else { throw UsageError("--\(name) is a switch and takes no value") }
                given[index] = ""
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < words.count else { throw UsageError("--\(name) needs a value:\(d.placeholder)") }
                value = words[i]
                i += 1
            }
            switch d.kind {
            case .int:
                guard Int(value) != nil else { throw UsageError("--\(name) '\(value)' is not a whole number") }
            case .port:
                guard UInt16(value) != nil else { throw UsageError("--\(name) '\(value)' is not a port (0-65535)") }
            case .ipv4:
                guard IPv4Address(value) != nil else { throw UsageError("--\(name) '\(value)' is not an IPv4 address (like 10.0.0.1)") }
            case .string, .flag:
                break
            }
            given[index] = value
        }
    }

    func text(_ name: String) -> String? {
        guard let i = declared.firstIndex(where: { $0.name.sameBytes(name) }) else { return nil }
        return given[i]
    }

    public func string(_ name: String) -> String? { text(name) }
    public func int(_ name: String) -> Int? { text(name).flatMap { Int($0) } }
    public func port(_ name: String) -> UInt16? { text(name).flatMap { UInt16($0) } }
    public func ipv4(_ name: String) -> IPv4Address? { text(name).flatMap { IPv4Address($0) } }
    public func flag(_ name: String) -> Bool { text(name) != nil }

    /// One line per argument: `--name VALUE  help (default: D)`.
    public static func help(_ declared: [DeclaredArgument]) -> String {
        guard !declared.isEmpty else { return "This application takes no arguments." }
        var text = "Arguments (after --):"
        var width = 0
        for d in declared { width = max(width, d.name.utf8.count + d.placeholder.utf8.count) }
        for d in declared {
            text += "\n  --" + d.name + d.placeholder
            for _ in (d.name.utf8.count + d.placeholder.utf8.count)..<width { text += " " }
            text += "  " + d.help
            if let v = d.defaultText { text += " (default: " + v + ")" }
        }
        return text
    }
}

/// The arguments every application takes besides its own, read by the generated `Arguments`:
/// `--log LEVELS` (Log.swift's `LogSettings`) and, with a network, `--syslog ADDR[:PORT]` (Syslog.swift).
public struct LogArguments: Sendable {
    public var settings = LogSettings()
    public var syslog: SyslogCollector? = nil

    public init() {}

    public init(_ values: ArgumentValues) throws(UsageError) {
        if let text = values.string("log") { settings = try LogSettings(parsing: text) }
        if let text = values.string("syslog") { syslog = try SyslogCollector(parsing: text) }
    }

    /// Declared before the application's own, so `--help` lists them too.
    public static func declared(network: Bool) -> [DeclaredArgument] {
        let log = DeclaredArgument("log", .string, default: "warning",
                                   help: "Log levels: a default and SOURCE=LEVEL, comma-separated (error, warning, info, debug, off; like http=debug,tcp=info).")
        guard network else { return [log] }
        return [log, DeclaredArgument("syslog", .string, default: nil,
                                      help: "Also send the log to this syslog collector over UDP (RFC 5424): ADDR[:PORT], port 514 by default.")]
    }
}

