// swift-tools-version:6.1
// Swiftlet: a library operating system in Swift. Folders are layers; see docs/ARCHITECTURE.md.
import PackageDescription

// Byte views are `~Escapable` structs over `Span`; their initialisers carry lifetime annotations.
let core: [SwiftSetting] = [
    .enableExperimentalFeature("Lifetimes"),
    // One cooperative executor per unikernel: nonisolated async code runs on its caller's executor.
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]
// The stack is generic over its device; an application's build specialises it only if the stack's bodies
// are visible across the module boundary. Without it the tap target ran unspecialised code that looked
// up generic metadata in the runtime's cache several times per datagram (callgrind, tap DNS).
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

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
        .library(name: "SwiftletTesting", targets: ["SwiftletTesting"]),
        .library(name: "SwiftletUnix", targets: ["SwiftletUnix"]),
        .executable(name: "swiftlet", targets: ["swiftlet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Core targets (compile in Embedded Swift; checked by scripts/embedded-check).
        .target(name: "Swiftlet", swiftSettings: core),
        .target(name: "SwiftletWire", dependencies: ["Swiftlet"], swiftSettings: core),
        .target(name: "SwiftletNet", dependencies: ["Swiftlet", "SwiftletWire"], swiftSettings: core + crossModule),
        .target(name: "SwiftletHTTP", dependencies: ["Swiftlet", "SwiftletWire"], swiftSettings: core),
        .target(name: "SwiftletDNS", dependencies: ["Swiftlet", "SwiftletWire"], swiftSettings: core),
        // Read-only stores over a list of paths (tar archives on a block device); a module of its own so that
        // kernels without a store link none of it (Embedded Swift keeps or drops a module's metadata whole).
        .target(name: "SwiftletStore", dependencies: ["Swiftlet"], swiftSettings: core),
        // Clean-slate, constant-time cryptography (hashes, AEADs, curves, signatures, X.509) for every
        // target. Cross-module optimisation lets an application inline the small field and block functions.
        .target(name: "SwiftletCrypto", dependencies: ["Swiftlet", "CSwiftletCrypto"], swiftSettings: core + crossModule),
        // SwiftletCrypto's hardware paths (AES-NI, PCLMULQDQ), chosen by CPUID at run time; portable Swift
        // is the fallback. Each function names its own target features, so no special flags.
        .target(name: "CSwiftletCrypto"),
        // TLS 1.3 (client and server, sans-I/O), TLS over any TCP flow, and HTTPS over SwiftletHTTP.
        .target(name: "SwiftletTLS", dependencies: ["Swiftlet", "SwiftletHTTP", "SwiftletCrypto"], swiftSettings: core + crossModule),
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
        .testTarget(name: "SwiftletWireTests", dependencies: ["Swiftlet", "SwiftletWire", "SwiftletTesting"],
                    exclude: ["Fixtures"], swiftSettings: core),
    ],
    swiftLanguageModes: [.v6]
)
