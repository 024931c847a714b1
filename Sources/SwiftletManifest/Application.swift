// SwiftletManifest: what an application's manifest (`Swiftlet.swift` in its folder) declares, in Swift,
// type-checked by the compiler as SwiftPM's Package.swift is:
//
//   import SwiftletManifest
//
//   let application = Application(
//       name: "echo",                                    the program / kernel image name
//       entry: "Echo",                                   the type whose static `start` the wiring calls
//       devices: [.console, .network, .timers],          what `start` takes, in order, with these labels
//       arguments: [                                     typed runtime arguments: `start` gets `arguments:`
//           .port("port", default: 7, help: "The TCP and UDP port to echo on."),
//       ])
//
// `swiftlet configure` compiles the manifest against this library and runs it; the program prints the
// declaration as JSON when it exits (the `swiftlet` tool decodes it with these same types). What the
// compiler cannot check (names, duplicates) is checked here, and each error names the manifest's file and
// the line of the declaration at fault, as a compiler error would.

#if canImport(Glibc)
import Glibc
#endif
import Foundation

public struct Application: Codable, Sendable, Equatable {
    public var name: String
    public var entry: String
    public var devices: [Device]
    public var arguments: [Argument]
    /// Where the declaration is, for messages.
    public var file: String
    public var line: Int

    public init(name: String, entry: String, devices: [Device] = [], arguments: [Argument] = [],
                file: String = #filePath, line: Int = #line) {
        self.name = name
        self.entry = entry
        self.devices = devices
        self.arguments = arguments
        self.file = file
        self.line = line
        Registration.register(self)
    }

    /// Application names: lower-case letters, digits and '-', starting with a letter, at most 64 characters
    /// (they name programs, SwiftPM products and kernel images).
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }
    }

    /// Whether `text` is a plain Swift identifier (the entry type's name).
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// The problems with this declaration, each as `FILE:LINE: error: ...`; empty when it is sound.
    public func problems() -> [String] {
        var found: [String] = []
        func problem(_ line: Int, _ text: String) { found.append("\(file):\(line): error: \(text)") }
        if !Application.isValidName(name) {
            problem(line, "name '\(name)' must be lower-case letters, digits and '-', starting with a letter (at most 64)")
        }
        if !Application.isIdentifier(entry) {
            problem(line, "entry '\(entry)' is not a Swift type name")
        }
        var kinds: Set<Device.Kind> = []
        for d in devices {
            if !kinds.insert(d.kind).inserted { problem(line, "device '\(d.kind.rawValue)' is listed twice") }
            if let directory = d.directory, directory.isEmpty || directory.hasPrefix("/") || directory.contains("\"") || directory.contains("\\") {
                problem(line, "store directory '\(directory)' must be a plain path relative to the application's folder")
            }
        }
        var names: Set<String> = []
        for a in arguments {
            for p in a.problems() { problem(a.line, p) }
            if !names.insert(a.name).inserted { problem(a.line, "argument '\(a.name)' is declared twice") }
            if a.name == "log" || a.name == "syslog" || a.name == "help" {
                problem(a.line, "argument '\(a.name)' is the platform's (every application takes --log and --syslog, and --help)")
            }
        }
        return found
    }

    /// The declaration as the `swiftlet` tool reads it.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes what a manifest program printed.
    public static func decode(_ data: Data) throws -> Application {
        try JSONDecoder().decode(Application.self, from: data)
    }
}

/// The manifest program's output: the one `Application` it made, printed when it exits; errors on
/// standard error and status 1 instead when the declaration is unsound or missing.
enum Registration {
    nonisolated(unsafe) static var declared: [Application] = []

    static func register(_ app: Application) {
        if declared.isEmpty {
            atexit {
                guard Registration.declared.count == 1, let app = Registration.declared.first else {
                    let where_ = Registration.declared.dropFirst().first.map { "\($0.file):\($0.line): error: " } ?? ""
                    Registration.fail("\(where_)a manifest declares one Application, this one declares \(Registration.declared.count)")
                }
                let problems = app.problems()
                if !problems.isEmpty { Registration.fail(problems.joined(separator: "\n")) }
                do {
                    print(try app.json())
                } catch {
                    Registration.fail("\(app.file):\(app.line): error: cannot encode the declaration: \(error)")
                }
            }
        }
        declared.append(app)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        _exit(1)
    }
}
