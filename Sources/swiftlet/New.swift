// swiftlet new: a new application folder from one of the examples (hello, echo, website, dns), outside
// this checkout, that builds at once: `swiftlet build NAME`, `swiftlet run NAME`.
//
// The example's Swift files, manifest (Swiftlet.swift) and data folders are copied (symbolic links followed, so the
// website's link to the project's docs becomes a copy); the manifest gets the new name. Built products
// stay in NAME/.swiftlet (ignored by the .gitignore written next to them). The application depends on
// the Swiftlet checkout this tool was built from (or $SWIFTLET_ROOT), which the generated package names.

import ArgumentParser
import Foundation

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new application from an example.")
    @Argument(help: "The new application's folder; its last component is the application's name.") var path: String
    @Option(help: "hello, echo, website, dns or dashboard.") var template: String = "hello"

    static let templates = ["hello", "echo", "website", "dns", "dashboard"]

    func run() throws {
        try reportingCLIErrors {
            let folder = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            try New.create(at: folder, template: template)
            say("created \(folder.path) from the \(template) example")
            say("next: swiftlet run \(path)   (or --target tap|kvm; swiftlet run --help for the options)")
            if template == "website" {
                say("HTTPS: swiftlet cert --out \(path)/site/.tls localhost 127.0.0.1   (a development CA and a certificate for those names)")
                say("       swiftlet run \(path) -- --https-port 8443   then: curl --cacert \(path)/site/.tls/ca.pem https://localhost:8443/")
                say("       (names starting with a dot are never served nor embedded in a kernel: on kvm give the site as a --disk tar archive)")
            }
        }
    }

    static func create(at folder: URL, template: String) throws {
        guard templates.contains(template) else {
            throw CLIError("unknown template '\(template)' (templates: \(templates.joined(separator: ", ")))")
        }
        let name = folder.lastPathComponent
        guard Manifest.isValidName(name) else {
            throw CLIError("'\(name)': an application's name is lower-case letters, digits and '-', starting with a letter")
        }
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw CLIError("\(folder.path) exists and is not empty: choose another folder")
        }
        let source = swiftletRoot.appendingPathComponent("Examples/\(template)")
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for item in try fm.contentsOfDirectory(atPath: source.path) where !item.hasPrefix(".") {
            try copyFollowingLinks(source.appendingPathComponent(item), to: folder.appendingPathComponent(item))
        }
        // The manifest's name becomes the folder's (the examples spell it `name: "TEMPLATE",` on a line of its own).
        let manifestURL = folder.appendingPathComponent(Manifest.fileName)
        let text = try String(contentsOf: manifestURL, encoding: .utf8)
        let declared = "name: \"\(template)\","
        guard text.components(separatedBy: declared).count == 2 else {
            throw CLIError("\(source.path)/\(Manifest.fileName): expected one '\(declared)' to rename")
        }
        try text.replacingOccurrences(of: declared, with: "name: \"\(name)\",").write(to: manifestURL, atomically: true, encoding: .utf8)
        // .tls/ holds the website's TLS key (swiftlet cert): never committed.
        try ".swiftlet/\n.tls/\n".write(to: folder.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        _ = try Manifest.load(from: folder)  // the result must load as it stands
    }

    /// Copies `source` to `destination`, files and folders, with symbolic links replaced by what they name.
    static func copyFollowingLinks(_ source: URL, to destination: URL) throws {
        let fm = FileManager.default
        let real = source.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: real.path, isDirectory: &isDirectory) else { return }  // a dangling link
        if isDirectory.boolValue {
            try fm.createDirectory(at: destination, withIntermediateDirectories: true)
            // Hidden names stay behind (a site's .tls/ key above all), except a Markdown site's settings.
            for item in try fm.contentsOfDirectory(atPath: real.path) where !item.hasPrefix(".") || item == ".site" {
                try copyFollowingLinks(real.appendingPathComponent(item), to: destination.appendingPathComponent(item))
            }
        } else {
            try fm.copyItem(at: real, to: destination)
        }
    }
}
