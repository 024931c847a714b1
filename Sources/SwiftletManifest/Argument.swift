// SwiftletManifest: an application's runtime arguments, declared with a type, a default and help text.
// `swiftlet configure` turns them into a struct `ENTRY.Arguments` with one typed property each, which
// `start` receives as `arguments:`; the program's command line (after `--`) fills it, `-- --help` prints
// the help, and a bad value is one line naming the argument. A `--max-size` argument is the property
// `maxSize`; an argument without a default is optional.

public struct Argument: Codable, Sendable, Equatable {
    public let name: String
    /// The kind's name in Swiftlet's one list of kinds (`DeclaredArgument.Kind` in Swiftlet core), which
    /// the tool reads it against; the constructors below are the kinds a manifest can declare.
    public let kind: String
    /// The default, as the command line would spell it; nil: none (the property is optional).
    public let defaultValue: String?
    public let help: String
    public let line: Int

    /// Any text.
    public static func string(_ name: String, default value: String? = nil, help: String, line: Int = #line) -> Argument {
        Argument(name: name, kind: "string", defaultValue: value, help: help, line: line)
    }
    /// A decimal integer (`Int`).
    public static func int(_ name: String, default value: Int? = nil, help: String, line: Int = #line) -> Argument {
        Argument(name: name, kind: "int", defaultValue: value.map { String($0) }, help: help, line: line)
    }
    /// A TCP or UDP port (`UInt16`).
    public static func port(_ name: String, default value: UInt16? = nil, help: String, line: Int = #line) -> Argument {
        Argument(name: name, kind: "port", defaultValue: value.map { String($0) }, help: help, line: line)
    }
    /// An IPv4 address in dotted form (`IPv4Address`).
    public static func ipv4(_ name: String, default value: String? = nil, help: String, line: Int = #line) -> Argument {
        Argument(name: name, kind: "ipv4", defaultValue: value, help: help, line: line)
    }
    /// A switch, off unless given (`Bool`).
    public static func flag(_ name: String, help: String, line: Int = #line) -> Argument {
        Argument(name: name, kind: "flag", defaultValue: nil, help: help, line: line)
    }

    /// The Swift property: `max-size` is `maxSize`.
    public var propertyName: String {
        var out = ""
        var upper = false
        for c in name {
            if c == "-" { upper = true; continue }
            out.append(upper ? Character(c.uppercased()) : c)
            upper = false
        }
        return out
    }

    func problems() -> [String] {
        var found: [String] = []
        if !Application.isValidName(name) {
            found.append("argument name '\(name)' must be lower-case letters, digits and '-', starting with a letter")
        } else if name.hasSuffix("-") || name.contains("--") {
            found.append("argument name '\(name)' cannot end in '-' or hold '--'")
        }
        if name == "help" { found.append("argument name 'help' is taken: -- --help prints the arguments") }
        // A default's value is checked by the tool with the parser the application's command line goes through.
        return found
    }
}
