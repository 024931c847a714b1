// SwiftletUnix: the command line of a hosted Swiftlet program and the device set-up the generated
// `main` calls, so that generated files stay a few readable lines.
//
//   PROGRAM [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--tcp SPEC] [--tap NAME] [--impair SPEC] [--store DIR] [--user UID:GID]
//           [--report memory] [-- APP ARGS]
//
// Errors a user can make (a bad address, a tap that cannot be opened) print one line naming the fix
// and exit with status 2 (usage) or 1 (environment).

#if canImport(Glibc)
import Glibc
#endif
import Swiftlet
import SwiftletNet

public struct HostOptions: Sendable {
    /// Static address for the `tap` target; DHCP when nil.
    public var ipv4: IPv4Network?
    public var gateway: IPv4Address?
    /// IPv6 on the stack (nil: `--ipv6 off`), with any static address and router.
    public var ipv6: IPv6Autoconfiguration.Configuration? = IPv6Autoconfiguration.Configuration()
    public var tap = "swl0"
    public var impairment = Impairment()
    /// `--tcp SPEC`: settings of the tap target's TCP.
    public var tcp = TCPTuning()
    /// Directory behind the key-value store.
    public var store: String?
    /// `--report memory`: the tap target's stack prints a `MemoryReport` line every second it changes.
    public var reportsMemory = false
    /// The user and group the process becomes once its devices are open (`Host.dropPrivileges`);
    /// `swiftlet run` gives it when it runs as root.
    public var user: (uid: UInt32, gid: UInt32)?
    /// Everything after `--`, for the application.
    public var applicationArguments: [String] = []

    public init() {}

    public static let usage = """
        options: [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--tcp SPEC] [--tap NAME] [--impair SPEC] [--store DIR] [--user UID:GID] [--report memory] [-- APP ARGS]
        """

    /// Parses `arguments` (without the program name).
    public static func parse(_ arguments: [String]) -> Result<HostOptions, HostUsageError> {
        var o = HostOptions()
        let parsed = LaunchOptions.parse(arguments, flags: ["--tap", "--impair", "--store", "--report", "--user"]) { flag, v in
            switch flag {
            case "--tap":
                guard !v.isEmpty, v.utf8.count < 16 else { return "--tap '\(v)': names have 1 to 15 characters" }
                o.tap = v
            case "--impair":
                switch Impairment.parse(v) {
                case .success(let i): o.impairment = i
                case .failure(let e): return e.description
                }
            case "--report":
                guard v.sameBytes("memory") else { return "--report '\(v)': the tap target reports 'memory'" }
                o.reportsMemory = true
            case "--user":
                let parts = v.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]), uid != 0, gid != 0 else {
                    return "--user '\(v)': UID:GID, two numbers other than 0 (like 1000:1000)"
                }
                o.user = (uid, gid)
            default:
                o.store = v
            }
            return nil
        }
        switch parsed {
        case .failure(let e): return .failure(e)
        case .success(let launch):
            o.ipv4 = launch.ipv4
            o.gateway = launch.gateway
            o.tcp = launch.tcp
            o.ipv6 = launch.ipv6Settings.map { IPv6Autoconfiguration.Configuration(manual: $0.manual, router: $0.router) }
            o.applicationArguments = launch.applicationArguments
            return .success(o)
        }
    }
}

public typealias HostUsageError = UsageError

/// Set-up helpers for generated `main` files.
public enum Host {
    /// The process's options, or exit 2 with a one-line message.
    public static func options() -> HostOptions {
        switch HostOptions.parse(Array(CommandLine.arguments.dropFirst())) {
        case .success(let o):
            openKeyLog()
            let started = Sys.wallNow()
            PlatformMetrics.writer = { out in Host.writeMetrics(&out, started: started) }
            return o
        case .failure(let e): fail("\(e)\n\(HostOptions.usage)", status: 2)
        }
    }

    /// SSLKEYLOGFILE: TLS secrets appended to that file (created mode 0600), for Wireshark. Opened here,
    /// before privileges are dropped.
    static func openKeyLog() {
        guard let path = getenv("SSLKEYLOGFILE"), path.pointee != 0 else { return }
        let file: KeyLogFile
        do throws(Errno) {
            file = KeyLogFile(try Sys.openForAppending(path, mode: 0o600))
        } catch {
            Sys.writeAll(2, "swiftlet: cannot open SSLKEYLOGFILE \(String(cString: path)) (\(error)); no key log\n")
            return
        }
        KeyLog.sink = { lines in
            lines.withUnsafeBytes { Sys.writeAll(file.descriptor.raw, $0) }
        }
    }

    /// The process's own figures on every metrics port, under the names Prometheus's client libraries
    /// give them: resident memory, CPU time, start time; and the allocator's bytes in use.
    static func writeMetrics(_ out: inout MetricsText, started: WallTime) {
        let cpu = Sys.cpuMicroseconds()
        out.family("process_cpu_seconds_total", .counter, help: "User and system CPU time the process has spent.")
        out.sample("process_cpu_seconds_total", text: MetricsText.seconds(microseconds: cpu))
        out.metric("process_resident_memory_bytes", .gauge, help: "Resident memory of the process.", Sys.residentBytes())
        out.metric("process_start_time_seconds", .gauge, help: "When the process started, in seconds since the Unix epoch.",
                   Int(started.secondsSinceEpoch))
        out.metric("swiftlet_heap_bytes", .gauge, help: "Bytes the process's allocator has handed out.", Sys.heap().inUse)
    }

    /// Sets the log levels `--log` gave and reports to standard output, stamped by the host's clock.
    public static func startLogging(_ logging: LogArguments) {
        let console = StandardOutputConsole(), clock = HostWallClock()
        Log.main.configure(logging.settings)
        Log.main.setClock { clock.now() }
        Log.main.addReporter(Log.consoleReporter(console))
    }

    /// With `--syslog`, reports to that collector too; exits 1 when no socket can be had for it.
    public static func startSyslog<Net: Network>(_ logging: LogArguments, network: Net, application: String) {
        guard let collector = logging.syslog else { return }
        do throws(NetworkError) { try Log.startSyslog(to: collector, network: network, appName: application) } catch {
            fail("--syslog: cannot open a UDP socket: " + error.description)
        }
    }

    /// The application's arguments could not be read: prints the help (asked for: standard output,
    /// status 0) or the one line of error (status 2) and exits.
    public static func usage(_ error: UsageError) -> Never {
        guard error.isHelp else { fail("\(error)", status: 2) }
        Sys.writeAll(1, error.description + "\n")
        exit(0)
    }

    /// Prints `message` as the program's one line of error and exits.
    public static func fail(_ message: String, status: Int32 = 1) -> Never {
        let name = CommandLine.arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "swiftlet"
        Sys.writeAll(2, "\(name): \(message)\n")
        exit(status)
    }

    /// The `tap` target's network: Swiftlet's stack over the tap in `options` (impaired as asked), on
    /// `loop`. Exits with one line when the tap cannot be opened.
    public static func tapStack<C: Console, E: Entropy>(_ options: HostOptions, loop: RunLoop, console: C, entropy: E)
        -> StackDriver<ImpairedDevice<TapDevice>>
    {
        let tap: TapDevice
        do throws(TapError) {
            tap = try TapDevice(name: options.tap, loop: loop, entropy: entropy)
        } catch {
            fail(error.description)
        }
        let device = ImpairedDevice(tap, impairment: options.impairment, clock: { Sys.monotonicNow() })
        let ipv4 = options.ipv4.map { IPv4Configuration(network: $0, gateway: options.gateway) }
        var tcp = TCPConfiguration()
        tcp.apply(options.tcp)
        let driver = StackDriver(device: device, ipv4: ipv4, seed: StackSeed(entropy), dhcpSeed: entropy.next64(), now: Sys.monotonicNow(),
                                 tcp: tcp, ipv6: options.ipv6) { [console] line in
            console.log(line)
        }
        loop.add(driver)
        if options.reportsMemory { driver.reportMemory(now: Sys.monotonicNow()) { Sys.heap() } }
        let address = ipv4.map { "\($0.network)" } ?? "DHCP"
        let impaired = options.impairment.isActive ? ", impaired: \(options.impairment)" : ""
        console.log("swiftlet: tap \(tap.name) \(tap.macAddress) \(address)\(impaired)")
        return driver
    }

    /// With `--user UID:GID`, called once every device is open (the tap needs root to open) and before
    /// the run loop reads a frame or the application starts: the process becomes that user and group,
    /// with no supplementary groups, for good. Exits with one line when it cannot. Without --user it does
    /// nothing.
    public static func dropPrivileges(_ options: HostOptions) {
        guard let user = options.user else { return }
        do throws(Errno) {
            try Sys.becomeUser(uid: user.uid, gid: user.gid)
        } catch {
            fail("cannot become user \(user.uid):\(user.gid): \(error)")
        }
        if Sys.canBecomeRoot() { fail("still able to become root after switching to user \(user.uid)") }
    }

    /// User `name`'s uid and primary gid, nil when there is no such user (for `swiftlet run`'s choice of
    /// whom to run as).
    public static func account(_ name: String) -> (uid: UInt32, gid: UInt32)? { Sys.account(name) }

    /// Group `name`'s gid, nil when there is no such group.
    public static func groupID(_ name: String) -> UInt32? { Sys.groupID(name) }

    /// The key-value store: the directory from `--store`, or `fallback`.
    public static func store(_ options: HostOptions, fallback: String) -> DirectoryStore {
        let root = options.store ?? fallback
        guard let s = Sys.status(root), s.directory else { fail("store directory '\(root)' does not exist (give one with --store DIR)") }
        return DirectoryStore(root: root)
    }
}

/// The key log's file, held by the sink that writes to it (it closes if the sink is replaced).
private final class KeyLogFile: Sendable {
    let descriptor: FileDescriptor
    init(_ descriptor: consuming FileDescriptor) { self.descriptor = descriptor }
}
