// swiftlet: the application manifest (`swiftlet.manifest` in the application's folder).
//
//   # comment
//   name = echo                                  the program / kernel image name
//   entry = Echo                                 the type whose static `start` the wiring calls
//   devices = console network timers arguments   what `start` takes, in order, with these labels
//   store = site                                 the `store` device's directory (relative to the
//                                                application's folder) unless `--store` names another
//
// Errors name the file and line.

import Foundation

enum Device: String, CaseIterable {
    case console, network, timers, clock, wallclock, entropy, store, block, arguments
}

struct Manifest {
    /// Application names: lower-case letters, digits and '-', starting with a letter (they name programs,
    /// SwiftPM products and kernel images).
    static func isValidName(_ name: String) -> Bool { name.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil && name.count <= 64 }

    var name: String
    var entry: String
    var devices: [Device]
    var store = "data"

    static let fileName = "swiftlet.manifest"

    static func load(from folder: URL) throws -> Manifest {
        let url = folder.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw CLIError("\(url.path): no manifest (an application folder has a \(fileName) naming its entry type and devices)")
        }
        return try parse(text, path: url.path)
    }

    static func parse(_ text: String, path: String) throws -> Manifest {
        var fields: [String: (String, Int)] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CLIError("\(path):\(index + 1): expected 'key = value', found '\(trimmed)'")
            }
            guard ["name", "entry", "devices", "store"].contains(parts[0]) else {
                throw CLIError("\(path):\(index + 1): unknown key '\(parts[0])' (keys: name, entry, devices, store)")
            }
            fields[parts[0]] = (parts[1], index + 1)
        }
        guard let (name, nameLine) = fields["name"] else { throw CLIError("\(path): missing 'name = ...'") }
        guard Manifest.isValidName(name) else {
            throw CLIError("\(path):\(nameLine): name '\(name)' must be lower-case letters, digits and '-', starting with a letter")
        }
        guard let (entry, entryLine) = fields["entry"] else { throw CLIError("\(path): missing 'entry = TypeName'") }
        guard entry.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw CLIError("\(path):\(entryLine): entry '\(entry)' is not a Swift type name")
        }
        var devices: [Device] = []
        if let (list, line) = fields["devices"] {
            for word in list.split(separator: " ", omittingEmptySubsequences: true) {
                guard let d = Device(rawValue: String(word)) else {
                    let known = Device.allCases.map(\.rawValue).joined(separator: ", ")
                    throw CLIError("\(path):\(line): unknown device '\(word)' (known: \(known))")
                }
                guard !devices.contains(d) else { throw CLIError("\(path):\(line): device '\(word)' is listed twice") }
                devices.append(d)
            }
        }
        var manifest = Manifest(name: name, entry: entry, devices: devices)
        if let (store, line) = fields["store"] {
            guard !store.isEmpty, !store.contains("\""), !store.contains("\\") else {
                throw CLIError("\(path):\(line): store '\(store)' is not a plain directory path")
            }
            manifest.store = store
        }
        return manifest
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
