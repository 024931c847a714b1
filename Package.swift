// swift-tools-version:6.1
// Swiftlet: a library operating system in Swift. Folders are layers; see docs/ARCHITECTURE.md.
import Foundation
import PackageDescription

// The Embedded modules, their imports and the language features come from one list, Sources/modules.txt,
// which the swiftlet tool and scripts/embedded-check read too.
let moduleList = try! String(contentsOfFile: Context.packageDirectory + "/Sources/modules.txt", encoding: .utf8)
    .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty && !$0[0].hasPrefix("#") }
let core: [SwiftSetting] = moduleList.filter { $0[0] == "feature" }.map {
    $0[1] == "upcoming" ? .enableUpcomingFeature($0[2]) : .enableExperimentalFeature($0[2])
}
/// Each `core` line's imports, by name.
let coreImports = Dictionary(uniqueKeysWithValues: moduleList.filter { $0[0] == "core" }.map {
    (String($0[1].dropLast()), Array($0.dropFirst(2)).map { Target.Dependency(stringLiteral: $0) })
})
// The stack is generic over its device; an application's build specialises it only if the stack's bodies
// are visible across the module boundary; unspecialised, it looks up generic metadata in the runtime's
// cache several times per datagram.
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
/// A core target: its dependencies are its line's imports (and `extra`, C targets).
func coreTarget(_ name: String, extra: [Target.Dependency] = [], settings: [SwiftSetting] = []) -> Target {
    .target(name: name, dependencies: coreImports[name]! + extra, swiftSettings: core + settings)
}

let package = Package(
    name: "Swiftlet",
    products: [
        .library(name: "Swiftlet", targets: ["Swiftlet"]),
        .library(name: "SwiftletWire", targets: ["SwiftletWire"]),
        .library(name: "SwiftletNet", targets: ["SwiftletNet"]),
        .library(name: "SwiftletHTTP", targets: ["SwiftletHTTP"]),
        .library(name: "SwiftletDNS", targets: ["SwiftletDNS"]),
        .library(name: "SwiftletStore", targets: ["SwiftletStore"]),
        .library(name: "SwiftletCrypto", targets: ["SwiftletCrypto"]),
        .library(name: "SwiftletTLS", targets: ["SwiftletTLS"]),
        .library(name: "SwiftletVNC", targets: ["SwiftletVNC"]),
        .library(name: "SwiftletTesting", targets: ["SwiftletTesting"]),
        .library(name: "SwiftletUnix", targets: ["SwiftletUnix"]),
        .executable(name: "swiftlet", targets: ["swiftlet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Markdown to HTML for `.store(DIR, renderMarkdown: true)` sites, on the host only (the tool).
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    ],
    targets: [
        // Core targets (compile in Embedded Swift; Sources/modules.txt lists them, scripts/embedded-check checks them).
        coreTarget("Swiftlet"),
        coreTarget("SwiftletWire"),
        coreTarget("SwiftletNet", settings: crossModule),
        coreTarget("SwiftletHTTP"),
        coreTarget("SwiftletDNS"),
        // Read-only stores over a list of paths (tar archives on a block device); a module of its own so that
        // kernels without a store link none of it (Embedded Swift keeps or drops a module's metadata whole).
        coreTarget("SwiftletStore"),
        // Clean-slate, constant-time cryptography (hashes, AEADs, curves, signatures, X.509) for every
        // target. Cross-module optimisation lets an application inline the small field and block functions.
        coreTarget("SwiftletCrypto", extra: ["CSwiftletCrypto"], settings: crossModule),
        // SwiftletCrypto's hardware paths (AES-NI, PCLMULQDQ), chosen by CPUID at run time; portable Swift
        // is the fallback. Each function names its own target features, so no special flags.
        .target(name: "CSwiftletCrypto"),
        // TLS 1.3 (client and server, sans-I/O), TLS over any TCP flow, and HTTPS over SwiftletHTTP.
        coreTarget("SwiftletTLS", settings: crossModule),
        // VNC (RFB 3.8): a frame buffer to draw on, served to viewers with Raw, CopyRect, RRE, Hextile and ZRLE
        // (with its own deflate). Cross-module optimisation lets an application inline the drawing calls.
        coreTarget("SwiftletVNC", settings: crossModule),
        // Platform backend of the hosted targets (`unix`, `tap`): run loop, sockets, tap, directory store.
        .target(name: "CSwiftletUnix"),
        .target(name: "SwiftletUnix", dependencies: ["Swiftlet", "SwiftletNet", "CSwiftletUnix"], swiftSettings: core),
        // What an application's manifest (Swiftlet.swift) declares: compiled by the tool with the manifest,
        // and decoded by the tool with the same types.
        .target(name: "SwiftletManifest"),
        // The command-line tool: build and run applications for a target.
        .executableTarget(name: "swiftlet", dependencies: [
            "Swiftlet", "SwiftletUnix",  // host sockets for `run --port` forwarding
            "SwiftletCrypto",  // `cert`: keys and certificates made with Swiftlet's own code
            "SwiftletWire", "SwiftletDNS",  // `.store(DIR, compileZones: true)`: zone files compiled for kvm images
            "SwiftletManifest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Ink", package: "Ink"),
        ], swiftSettings: core),
        // Test helpers: fakes of every device protocol.
        .target(name: "SwiftletTesting", dependencies: ["Swiftlet", "SwiftletWire", "SwiftletNet"], swiftSettings: core),
        // Test helper (host only): running the independent programs the tests compare with.
        .target(name: "ChildProcess", path: "Tests/Support/ChildProcess"),
        // Benchmarks/run builds this in release mode.
        .target(name: "CBenchPeers", path: "Benchmarks/Sources/CBenchPeers"),
        .executableTarget(name: "swiftlet-bench", dependencies: ["Swiftlet", "SwiftletWire", "SwiftletNet", "SwiftletTesting", "SwiftletCrypto", "CBenchPeers"],
                          path: "Benchmarks/Sources/swiftlet-bench", swiftSettings: core),
        .testTarget(name: "SwiftletTests", dependencies: ["Swiftlet", "SwiftletStore", "SwiftletTesting"], exclude: ["Fixtures"], swiftSettings: core),
        .testTarget(name: "SwiftletNetTests", dependencies: ["Swiftlet", "SwiftletWire", "SwiftletNet", "SwiftletHTTP", "SwiftletDNS", "SwiftletTesting"],
                    swiftSettings: core),
        .testTarget(name: "SwiftletDNSTests", dependencies: ["Swiftlet", "SwiftletWire", "SwiftletDNS", "ChildProcess"], exclude: ["Fixtures"],
                    swiftSettings: core),
        .testTarget(name: "SwiftletHTTPTests", dependencies: ["Swiftlet", "SwiftletHTTP", "SwiftletTesting"], swiftSettings: core),
        .testTarget(name: "SwiftletUnixTests", dependencies: ["Swiftlet", "SwiftletUnix", "SwiftletHTTP", "SwiftletTesting"], swiftSettings: core),
        .testTarget(name: "SwiftletCryptoTests", dependencies: ["Swiftlet", "SwiftletCrypto", "SwiftletUnix", "ChildProcess"], swiftSettings: core),
        .testTarget(name: "SwiftletTLSTests", dependencies: ["Swiftlet", "SwiftletCrypto", "SwiftletTLS", "SwiftletHTTP", "SwiftletUnix", "SwiftletTesting", "ChildProcess"],
                    swiftSettings: core),
        .testTarget(name: "SwiftletVNCTests", dependencies: ["Swiftlet", "SwiftletVNC", "SwiftletTesting"], swiftSettings: core),
        .testTarget(name: "SwiftletWireTests", dependencies: ["Swiftlet", "SwiftletWire", "SwiftletTesting"],
                    exclude: ["Fixtures"], swiftSettings: core),
        // The swiftlet tool's pure functions: the plan of a run, the generated wiring, kernel imports, the store.
        .testTarget(name: "SwiftletToolTests", dependencies: ["swiftlet", "SwiftletTesting"], path: "Tests/SwiftletToolTests", swiftSettings: core),
    ],
    swiftLanguageModes: [.v6]
)
