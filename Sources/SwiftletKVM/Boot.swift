// SwiftletKVM: the set-up the generated `main` of a kvm kernel calls, so that generated files stay a
// few readable lines: the command line (from the PVH start info; QEMU's -append) and the network.
//
//   [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--report boot|memory]...
//   [--offload all|none|NAME,...] [-- APPLICATION ARGUMENTS]
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
    /// `--offload SPEC`: the virtio-net offloads the driver may negotiate (NetworkOffloads; default all).
    nonisolated(unsafe) static var offloads = NetworkOffloads.all

    /// The parsed command line, or exit 2 with a one-line message. The kernel's own flag, repeatable:
    /// `--report boot` prints boot timing and heap use at exit (Benchmarks/run boot); `--report memory`
    /// prints the heap, the TCP memory budget and the connection count every second they change
    /// (`MemoryReport`). (Words naming virtio-mmio devices, `virtio_mmio.device=`, were taken out in C:
    /// platform.c.)
    public static func options(_ console: SerialConsole) -> LaunchOptions {
        PlatformMetrics.writer = { out in Boot.writeMetrics(&out) }
        let parsed = LaunchOptions.parse(arguments, flags: ["--report", "--offload"]) { flag, value in
            if flag.sameBytes("--offload") {
                switch NetworkOffloads.parse(value) {
                case .success(let o): offloads = o
                case .failure(let e): return e.description
                }
            } else if value.sameBytes("boot") {
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
            console.log("kernel command line: [--ipv4 ADDR/PREFIX] [--gateway ADDR] [--ipv6 ADDR/PREFIX|off] [--gateway6 ADDR] [--tcp SPEC] [--report boot|memory]... [--offload all|none|NAME,...] [-- APPLICATION ARGUMENTS]")
            swiftlet_exit(2)
        }
    }

    /// Sets the log levels `--log` gave and reports on the serial console, stamped by the wall clock.
    public static func startLogging(_ logging: LogArguments, _ console: SerialConsole) {
        let clock = KernelWallClock()
        Log.main.configure(logging.settings)
        Log.main.setClock { clock.now() }
        // The serial port costs a VM exit a byte (about 100 us under kvm-pvm): at most 1,000 bytes of log a
        // second go there, a tenth of the CPU at worst. Unbounded, a debug line per response cuts a web
        // kernel's keep-alive request rate to about a ninth.
        Log.main.addReporter(Log.consoleReporter(console, bytesPerSecond: 1000))
    }

    /// With `--syslog`, reports to that collector too; the kernel exits 1 when no socket can be had for it.
    public static func startSyslog<Net: Network>(_ logging: LogArguments, network: Net, application: String, _ console: SerialConsole) {
        guard let collector = logging.syslog else { return }
        do throws(NetworkError) { try Log.startSyslog(to: collector, network: network, appName: application) } catch {
            fail(console, "--syslog: cannot open a UDP socket: " + error.description)
        }
    }

    /// The kernel's own figures on every metrics port: the heap (in use, its size, its high-water mark)
    /// and the boot times `--report boot` prints.
    static func writeMetrics(_ out: inout MetricsText) {
        out.metric("swiftlet_heap_bytes", .gauge, help: "Bytes of the kernel heap in use.", Kernel.heapInUse)
        out.metric("swiftlet_heap_size_bytes", .gauge, help: "The kernel heap's size (RAM from the PVH memory map).", Kernel.heapSize)
        out.metric("swiftlet_heap_high_water_bytes", .gauge, help: "The most of the heap ever handed out (allocator pages, with its page table).",
                   swiftlet_heap_high_water())
        out.family("swiftlet_boot_seconds", .gauge, help: "Time from the PVH entry to each stage of boot.")
        for (stage, name) in ["ring3", "main", "first_output"].enumerated() {
            out.sample("swiftlet_boot_seconds", text: MetricsText.seconds(microseconds: Int(swiftlet_boot_microseconds(Int32(stage)))),
                       labels: [("stage", name)])
        }
        out.metric("process_start_time_seconds", .gauge, help: "When the kernel booted, in seconds since the Unix epoch.",
                   Int(kernel_info.boot_wall_ns / 1_000_000_000))
    }

    /// COM2, where `swiftlet run` writes `shutdown` on SIGTERM or SIGINT: QEMU has no ACPI on microvm as
    /// `swiftlet run` starts it, so the request comes as a line on a second serial port (a Unix socket on
    /// the host, `-device isa-serial,iobase=0x2f8,irq=3`). Nothing happens when the machine has no COM2
    /// (its scratch register does not hold what is written to it). Other lines are ignored; at most 64
    /// bytes are read per interrupt and a line is cut at 32.
    public static func listenForShutdown(kernel: Kernel) {
        let com2: UInt16 = 0x2F8
        swiftlet_outb(com2 + 7, 0x5A)
        guard swiftlet_inb(com2 + 7) == 0x5A else { return }
        swiftlet_outb(com2 + 1, 0x00)  // no interrupts while it is set up
        swiftlet_outb(com2 + 2, 0x07)  // FIFO on and cleared
        swiftlet_outb(com2 + 4, 0x0B)  // DTR, RTS and OUT2, which gates the UART's interrupt line on a PC
        swiftlet_outb(com2 + 1, 0x01)  // interrupt when data arrives
        let line = ShutdownLine()
        kernel.onInterrupt(gsi: 3) {
            var read = 0
            while read < 64, swiftlet_inb(com2 + 5) & 1 != 0 {
                read += 1
                if line.take(swiftlet_inb(com2)) { kernel.shutdownRequested = true }
            }
            return read > 0
        }
    }

    /// The bytes of the line arriving on COM2.
    final class ShutdownLine {
        var bytes: [UInt8] = []
        /// Takes one byte; true when it ends the line `shutdown`.
        func take(_ b: UInt8) -> Bool {
            guard b != UInt8(ascii: "\n") else {
                defer { bytes.removeAll(keepingCapacity: true) }
                return bytes.elementsEqual("shutdown".utf8) || bytes.elementsEqual("shutdown\r".utf8)
            }
            if bytes.count < 32 { bytes.append(b) }
            return false
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
            device = try VirtioNet(transport, kernel: kernel, random: entropy.next64(), offloads: offloads)
        } catch {
            fail(console, "virtio-net: " + error.description)
        }
        let ipv4 = options.ipv4.map { IPv4Configuration(network: $0, gateway: options.gateway) }
        let ipv6 = options.ipv6Settings.map { IPv6Autoconfiguration.Configuration(manual: $0.manual, router: $0.router) }
        var tcp = TCPConfiguration()
        tcp.apply(options.tcp)
        let driver = StackDriver(device: device, ipv4: ipv4, seed: StackSeed(entropy), dhcpSeed: entropy.next64(), now: Kernel.clock(),
                                 tcp: tcp, ipv6: ipv6) { line in
            console.log(line)
        }
        kernel.add(driver)
        if reportsMemory { driver.reportMemory(now: Kernel.clock()) { (Kernel.heapInUse, Kernel.heapSize) } }
        let address = ipv4.map { $0.network.description } ?? "DHCP"
        console.log("kernel: virtio-net (" + transport.summary + ", offloads " + device.offloads.spec + ") " + device.macAddress.description + " " + address)
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
