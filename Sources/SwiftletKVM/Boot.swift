// SwiftletKVM: the set-up the generated `main` of a kvm kernel calls, so that generated files stay a
// few readable lines: the command line (from the PVH start info; QEMU's -append) and the network.
//
//   [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--report boot|memory]... [-- APPLICATION ARGUMENTS]
//
// A bad command line prints one line and exits 2; a missing device exits 1 with a line naming the fix.

import _Concurrency
import Swiftlet
import SwiftletNet
import CSwiftletKVM

public enum Boot {
    /// The kernel command line's words.
    public static var arguments: [String] {
        var words: [String] = []
        for i in 0..<swiftlet_argument_count() { words.append(String(cString: swiftlet_argument(i))) }
        return words
    }

    /// `--report memory` was given: the network's driver prints a `MemoryReport` line when it changes.
    nonisolated(unsafe) static var reportsMemory = false

    /// The parsed command line, or exit 2 with a one-line message. The kernel's own flag, repeatable:
    /// `--report boot` prints boot timing and heap use at exit (Benchmarks/run boot); `--report memory`
    /// prints the heap, the TCP memory budget and the connection count every second they change
    /// (`MemoryReport`). (Words naming virtio-mmio devices, `virtio_mmio.device=`, were taken out in C:
    /// platform.c.)
    public static func options(_ console: SerialConsole) -> LaunchOptions {
        let parsed = LaunchOptions.parse(arguments, flags: ["--report"]) { _, value in
            if value.sameBytes("boot") {
                kernel_info.report_boot = 1
            } else if value.sameBytes("memory") {
                reportsMemory = true
            } else {
                return "--report '" + value + "': the kernel reports 'boot' or 'memory'"
            }
            return nil
        }
        switch parsed {
        case .success(let o): return o
        case .failure(let e):
            console.log("kernel: " + e.description)
            console.log("kernel command line: [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--report boot|memory]... [-- APPLICATION ARGUMENTS]")
            swiftlet_exit(2)
        }
    }

    /// Sets the log levels `--log` gave and reports on the serial console, stamped by the wall clock.
    public static func startLogging(_ logging: LogArguments, _ console: SerialConsole) {
        let clock = KernelWallClock()
        Log.main.configure(logging.settings)
        Log.main.setClock { clock.now() }
        Log.main.addReporter(Log.consoleReporter(console))
    }

    /// With `--syslog`, reports to that collector too; the kernel exits 1 when no socket can be had for it.
    public static func startSyslog<Net: Network>(_ logging: LogArguments, network: Net, application: String, _ console: SerialConsole) {
        guard let collector = logging.syslog else { return }
        do throws(NetworkError) { try Log.startSyslog(to: collector, network: network, appName: application) } catch {
            fail(console, "--syslog: cannot open a UDP socket: " + error.description)
        }
    }

    /// The application's arguments could not be read: prints the help (asked for: status 0) or the one
    /// line of error (status 2) on the console and exits.
    public static func usage(_ console: SerialConsole, _ error: UsageError) -> Never {
        guard error.isHelp else { fail(console, error.description, status: 2) }
        console.log(error.description)
        swiftlet_exit(0)
    }

    /// Prints `message` and exits with `status`.
    public static func fail(_ console: SerialConsole, _ message: String, status: Int32 = 1) -> Never {
        console.log("kernel: " + message)
        swiftlet_exit(status)
    }

    /// Swiftlet's stack over the first virtio-net device, driven by `kernel`: a static address from
    /// `--ipv4`, DHCP otherwise.
    public static func network<E: Entropy>(_ options: LaunchOptions, kernel: Kernel, console: SerialConsole, entropy: E)
        -> StackDriver<VirtioNet>
    {
        guard let transport = VirtioTransport.first(deviceID: 1) else {
            fail(console, VirtioError.noDevice(kind: "net").description)
        }
        let device: VirtioNet
        do throws(VirtioError) {
            device = try VirtioNet(transport, kernel: kernel, random: entropy.next64())
        } catch {
            fail(console, "virtio-net: " + error.description)
        }
        let ipv4 = options.ipv4.map { IPv4Configuration(network: $0, gateway: options.gateway) }
        let ipv6 = options.ipv6Settings.map { IPv6Autoconfiguration.Configuration(manual: $0.manual, router: $0.router) }
        let driver = StackDriver(device: device, ipv4: ipv4, seed: StackSeed(entropy), dhcpSeed: entropy.next64(), now: Kernel.clock(),
                                 ipv6: ipv6) { line in
            console.log(line)
        }
        kernel.add(driver)
        if reportsMemory { driver.reportMemory(now: Kernel.clock()) { (Kernel.heapInUse, Kernel.heapSize) } }
        let address = ipv4.map { $0.network.description } ?? "DHCP"
        console.log("kernel: virtio-net (" + transport.summary + ") " + device.macAddress.description + " " + address)
        return driver
    }

    /// The first virtio-blk device.
    public static func block(kernel: Kernel, console: SerialConsole) -> VirtioBlock {
        guard let transport = VirtioTransport.first(deviceID: 2) else {
            fail(console, "no virtio-blk device (swiftlet run --target kvm --disk FILE)")
        }
        do throws(VirtioError) {
            let disk = try VirtioBlock(transport, kernel: kernel)
            let ro = disk.isReadOnly ? ", read-only" : ""
            console.log("kernel: virtio-blk (" + transport.summary + ") " + disk.sectorCount.description + " sectors of " + disk.sectorSize.description + " bytes" + ro)
            return disk
        } catch {
            fail(console, "virtio-blk: " + error.description)
        }
    }
}
