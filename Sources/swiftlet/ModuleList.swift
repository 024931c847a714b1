// swiftlet: Sources/modules.txt read: Swiftlet's Embedded modules in dependency order with their imports, and
// the language features every module and application is compiled with. Package.swift reads the same file.

import Foundation

struct ModuleList {
    struct Module {
        let name: String
        let dependencies: [String]
        /// A `kernel` line: built only into kvm kernels (no SwiftPM target).
        let kernelOnly: Bool
    }
    let modules: [Module]
    /// `-enable-experimental-feature NAME` / `-enable-upcoming-feature NAME` for each feature line.
    let experimentalFeatures: [String]
    let upcomingFeatures: [String]

    /// The list of the checkout the tool was built from.
    static let swiftlet: ModuleList = {
        let file = swiftletRoot.appendingPathComponent("Sources/modules.txt")
        do {
            return try ModuleList(parsing: String(contentsOf: file, encoding: .utf8))
        } catch {
            say("\(file.path): \(error)")
            exit(1)
        }
    }()

    init(parsing text: String) throws {
        var modules: [Module] = []
        var experimental: [String] = [], upcoming: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let malformed = CLIError("line \(number + 1): not `core|kernel NAME: IMPORTS` or `feature experimental|upcoming NAME`")
            let words = line.split(separator: " ").map(String.init)
            guard let kind = words.first, !kind.hasPrefix("#") else { continue }
            switch kind {
            case "feature" where words.count == 3 && words[1] == "experimental": experimental.append(words[2])
            case "feature" where words.count == 3 && words[1] == "upcoming": upcoming.append(words[2])
            case "core", "kernel":
                guard words.count >= 2, words[1].hasSuffix(":") else { throw malformed }
                let name = String(words[1].dropLast())
                let dependencies = Array(words.dropFirst(2))
                // Dependency order: a module's imports are lines above it.
                for d in dependencies where !modules.contains(where: { $0.name == d }) {
                    throw CLIError("line \(number + 1): \(name) imports \(d), which no line above it names")
                }
                modules.append(Module(name: name, dependencies: dependencies, kernelOnly: kind == "kernel"))
            default:
                throw malformed
            }
        }
        self.modules = modules
        experimentalFeatures = experimental
        upcomingFeatures = upcoming
    }

    /// The compiler flags that turn the features on.
    var featureFlags: [String] {
        experimentalFeatures.flatMap { ["-enable-experimental-feature", $0] } + upcomingFeatures.flatMap { ["-enable-upcoming-feature", $0] }
    }

    /// The features as SwiftPM settings, for a generated Package.swift.
    var packageSettings: [String] {
        experimentalFeatures.map { ".enableExperimentalFeature(\"\($0)\")," } + upcomingFeatures.map { ".enableUpcomingFeature(\"\($0)\")," }
    }
}
