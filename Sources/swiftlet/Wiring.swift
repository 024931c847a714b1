// swiftlet: generates the wiring of an application for a target, and the package that builds it.
//
// The wiring is readable Swift: `SwiftletMain.swift` picks a concrete type for every device the manifest
// names and calls the application's `start` with them (the compiler then specialises the application for
// those types); `Arguments.swift` is the typed struct of the arguments the manifest declares (`start`
// receives it as `arguments:` when there are any) and the platform's `--log` and `--syslog`. For the
// hosted targets the package lives in `APP/.swiftlet/TARGET/` and links the application's own sources
// there; for kvm the files go to `APP/.swiftlet/kvm/`.

import Foundation
import Swiftlet
import SwiftletManifest

enum Target: String, CaseIterable {
    case unix, tap, kvm
}

struct Wiring {
    let manifest: Manifest
    let target: Target

    /// The expression and set-up lines for each device.
    private func device(_ d: Device) throws -> (setup: [String], argument: String) {
        if target == .kvm { return try kernelDevice(d) }
        switch d.kind {
        case .block:
            throw CLIError("the block device is only on the kvm target so far (swiftlet run --target kvm --disk FILE)")
        case .console: return (["let console = StandardOutputConsole()"], "console")
        case .timers: return ([], "loop")
        case .clock: return (["let clock = HostMonotonicClock()"], "clock")
        case .wallclock: return (["let wallclock = HostWallClock()"], "wallclock")
        case .entropy: return ([], "entropy")
        case .store: return (["let store = Host.store(options, fallback: \(Wiring.literal(manifest.servedStoreDirectory)))"], "store")
        case .network:
            switch target {
            case .unix: return (["let network = HostNetwork(loop: loop)"], "network")
            case .tap, .kvm:
                return ([
                    "let driver = Host.tapStack(options, loop: loop, console: console, entropy: entropy)",
                    "let network = driver.network",
                ], "network")
            }
        }
    }

    /// The kvm target's type for each device (SwiftletKVM/Boot.swift does the set-up).
    private func kernelDevice(_ d: Device) throws -> (setup: [String], argument: String) {
        switch d.kind {
        case .console: return ([], "console")
        case .timers: return ([], "kernel")
        case .clock: return (["let clock = KernelClock()"], "clock")
        case .wallclock: return (["let wallclock = KernelWallClock()"], "wallclock")
        case .entropy: return ([], "entropy")
        case .network: return (["let driver = Boot.network(options, kernel: kernel, console: console, entropy: entropy)",
                                "let network = driver.network"], "network")
        case .block: return (["let block = Boot.block(kernel: kernel, console: console)"], "block")
        case .store: return ([], "store")  // opened in the run closure: reading a disk's archive awaits
        }
    }

    /// The set-up lines of every device the manifest names, and the labelled arguments for `start`; the
    /// typed arguments last, read before any device is made (a bad command line changes nothing).
    private func wire(_ device: (Device) throws -> (setup: [String], argument: String), usage: String) throws -> (setup: [String], arguments: [String]) {
        var setup: [String] = [], arguments: [String] = []
        // Always read: every application takes the platform's --log (and --syslog with a network).
        setup += [
            "let arguments: \(manifest.entry).Arguments",
            "do { arguments = try \(manifest.entry).Arguments(parsing: options.applicationArguments) } catch { \(usage)error) }",
            target == .kvm ? "Boot.startLogging(arguments.logging, console)" : "Host.startLogging(arguments.logging)",
        ]
        for d in manifest.devices {
            let (lines, argument) = try device(d)
            setup += lines
            arguments.append("\(d.kind.rawValue): \(argument)")
        }
        if !manifest.arguments.isEmpty { arguments.append("arguments: arguments") }
        return (setup, arguments)
    }

    /// The generated files: name and text.
    func files() throws -> [(name: String, text: String)] {
        [("SwiftletMain.swift", try source()), ("Arguments.swift", argumentsSource())]
    }

    func source() throws -> String {
        if target == .kvm { return try kernelSource() }
        var setup = [
            "let options = Host.options()",
            "let loop = RunLoop()",
        ]
        // Entropy feeds the tap stack (ISNs, ports) and the entropy device; nothing else.
        if manifest.devices.contains(.entropy) || (manifest.devices.contains(.network) && target == .tap) {
            setup.append("let entropy = HostEntropy()")
        }
        // The tap stack logs through a console even when the application takes none.
        if !manifest.devices.contains(.console) && manifest.devices.contains(.network) && target == .tap {
            setup.append("let console = StandardOutputConsole()")
        }
        let (deviceLines, arguments) = try wire(device, usage: "Host.usage(")
        setup += deviceLines
        // Root (for the tap) ends here when `swiftlet run` gave --user: every device is open, nothing read yet.
        setup.append("Host.dropPrivileges(options)")
        // SIGTERM and SIGINT close the connections and end the run with status 0 (RunLoop.endsOnTermination).
        setup.append("loop.endsOnTermination()")
        var body = ["let status = loop.run {"]
        if manifest.devices.contains(.network) && target == .tap {
            body.append("    _ = await driver.waitForAddress()")
        }
        if manifest.devices.contains(.network) {
            body.append("    Host.startSyslog(arguments.logging, network: network, application: \(Wiring.literal(manifest.name)))")
        }
        body.append("    return exitStatus(await \(manifest.entry).start(\(arguments.joined(separator: ", "))))")
        body.append("}")
        body.append("exit(status)")
        let lines = (setup + body).map { "        " + $0 }.joined(separator: "\n")
        return """
            // Generated by `swiftlet configure --target \(target.rawValue)` from Swiftlet.swift; do not edit.
            // It picks the \(target.rawValue) target's type for each device and calls \(manifest.entry).start.

            #if canImport(Glibc)
            import Glibc
            #endif
            import Swiftlet
            import SwiftletUnix

            @main
            enum SwiftletMain {
                static func main() {
            \(lines)
                }
            }

            """
    }

    /// The kvm kernel's `main`: SwiftletKVM's devices, the kernel's run loop; the application's status
    /// becomes QEMU's exit status.
    func kernelSource() throws -> String {
        let devices = manifest.devices
        var setup = [
            "let kernel = Kernel()",
            "let console = SerialConsole()",
            "let options = Boot.options(console)",
        ]
        if devices.contains(.network) || devices.contains(.entropy) {
            setup.append("let entropy = HardwareEntropy(console: console)")
        }
        let (deviceLines, arguments) = try wire(kernelDevice, usage: "Boot.usage(console, ")
        setup += deviceLines
        // The host's shutdown request (swiftlet run on SIGTERM) arrives on COM2.
        setup.append("Boot.listenForShutdown(kernel: kernel)")
        var body = ["kernel.run {"]
        if manifest.has(.store) {
            body.append(manifest.storeFromDisk ? "    let store = await KernelStore.open(kernel: kernel, console: console)"
                                               : "    let store = EmbeddedStore.open(console: console)")
        }
        if manifest.devices.contains(.network) {
            body.append("    _ = await driver.waitForAddress()")
            body.append("    Boot.startSyslog(arguments.logging, network: network, application: \(Wiring.literal(manifest.name)), console)")
        }
        body.append("    return exitStatus(await \(manifest.entry).start(\(arguments.joined(separator: ", "))))")
        body.append("}")
        let lines = (setup + body).map { "        " + $0 }.joined(separator: "\n")
        return """
            // Generated by `swiftlet configure --target kvm` from Swiftlet.swift; do not edit.
            // It picks the kvm target's type for each device and calls \(manifest.entry).start in the kernel's
            // run loop; the status it returns is the kernel's exit status.

            import Swiftlet
            import SwiftletNet
            import SwiftletKVM\(manifest.has(.store) ? "\nimport SwiftletKVMStore" : "")\(manifest.storeFromDisk ? "\nimport SwiftletKVMDiskStore" : "")

            @main
            enum SwiftletMain {
                static func main() {
            \(lines)
                }
            }

            """
    }

    /// `ENTRY.Arguments`: one typed property per declared argument, with its default, and
    /// `init(parsing:)`, which reads a command line through `ArgumentValues` (Swiftlet core).
    func argumentsSource() -> String {
        var properties: [String] = [], declared: [String] = [], reads: [String] = []
        for a in manifest.arguments {
            let p = a.propertyName
            let kind = a.declaredKind
            // The ArgumentValues accessor of a kind is named as the kind.
            let (type, accessor) = (kind.valueType, kind.rawValue)
            properties.append("        /// \(a.help.replacingOccurrences(of: "\n", with: " "))")
            if kind == .flag {
                properties.append("        var \(p): Bool = false")
                reads.append("            \(p) = values.flag(\(Wiring.literal(a.name)))")
            } else if let d = a.defaultValue {
                let value: String
                switch kind {
                case .string: value = Wiring.literal(d)
                case .ipv4: value = "IPv4Address(\(d.split(separator: ".").joined(separator: ", ")))"
                default: value = d
                }
                properties.append("        var \(p): \(type) = \(value)")
                reads.append("            if let v = values.\(accessor)(\(Wiring.literal(a.name))) { \(p) = v }")
            } else {
                properties.append("        var \(p): \(type)? = nil")
                reads.append("            \(p) = values.\(accessor)(\(Wiring.literal(a.name)))")
            }
            declared.append("            DeclaredArgument(\(Wiring.literal(a.name)), .\(kind.rawValue), default: \(a.defaultValue.map(Wiring.literal) ?? "nil"), help: \(Wiring.literal(a.help))),")
        }
        return """
            // Generated by `swiftlet configure` from Swiftlet.swift; do not edit.
            // \(manifest.entry)'s arguments as its manifest declares them: the command line after `--` fills them
            // (`-- --help` lists them), and \(manifest.entry).start receives them as `arguments:`.

            import Swiftlet

            extension \(manifest.entry) {
                struct Arguments: Sendable {
            \(properties.joined(separator: "\n"))
                    /// The platform's --log (and --syslog): LogArguments in Swiftlet core.
                    var logging = LogArguments()

                    static let declared: [DeclaredArgument] = LogArguments.declared(network: \(manifest.devices.contains(.network))) + [
            \(declared.joined(separator: "\n"))
                    ]

                    /// Every argument at its default.
                    init() {}

                    /// Reads a command line; throws the line that says what is wrong, or the help for `--help`.
                    init(parsing words: [String]) throws(UsageError) {
                        let values = try ArgumentValues(parsing: words, declared: Arguments.declared)
                        logging = try LogArguments(values)
            \(reads.joined(separator: "\n"))
                    }
                }
            }

            """
    }

    /// `text` as a Swift string literal.
    static func literal(_ text: String) -> String {
        var out = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7f { out += "\\u{\(String(c.value, radix: 16))}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }

    /// Libraries a hosted application depends on only when it imports them.
    static let optionalProducts = ["SwiftletCrypto", "SwiftletTLS", "SwiftletVNC"]

    func packageManifest(swiftletRoot: URL, imports: Set<String> = []) -> String {
        let identity = swiftletRoot.lastPathComponent.lowercased()
        let optional = Self.optionalProducts.filter { imports.contains($0) }
            .map { "\n                .product(name: \"\($0)\", package: \"\(identity)\")," }.joined()
        let settings = ModuleList.swiftlet.packageSettings.map { "                " + $0 }.joined(separator: "\n")
        return """
            // swift-tools-version:6.1
            // Generated by `swiftlet configure --target \(target.rawValue)`; do not edit.
            import PackageDescription

            let package = Package(
                name: "\(manifest.name)-\(target.rawValue)",
                dependencies: [.package(path: "\(swiftletRoot.path)")],
                targets: [
                    .executableTarget(
                        name: "\(manifest.name)",
                        dependencies: [
                            .product(name: "Swiftlet", package: "\(identity)"),
                            .product(name: "SwiftletUnix", package: "\(identity)"),
                            .product(name: "SwiftletHTTP", package: "\(identity)"),
                            .product(name: "SwiftletDNS", package: "\(identity)"),\(optional)
                        ],
                        path: "Sources",
                        swiftSettings: [
            \(settings)
                        ]
                    ),
                ],
                swiftLanguageModes: [.v6]
            )

            """
    }
}
