// SwiftletNet: Swiftlet's own TCP/IP stack on a run loop (the `Network` of the `tap` and `kvm` targets).
//
// Each turn of the loop: hand the frames the device has to the stack, `poll(now:)` it (timers,
// retransmissions, queued output), log what DHCP reported, and resume the tasks whose socket became
// ready. The hosted RunLoop and the kvm kernel's loop both drive it; only the device differs.

import _Concurrency
import Swiftlet

public final class StackDriver<Device: NetworkDevice>: RunLoopDriver, @unchecked Sendable {
    public let device: Device
    public let stack: NetworkStack<Device>
    /// What the application is given: the async API over `stack`.
    public let network: AsyncStack<Device>
    let log: (String) -> Void
    /// Frames taken from the device per turn before other work gets a turn.
    public var receiveBudget = 64
    private var dhcpOutcome: Bool? = nil
    private var memoryReporter: MemoryReporter? = nil
    private var heap: () -> (inUse: Int, size: Int) = { (0, 0) }

    /// A stack over `device` with the static `ipv4` configuration, or DHCP when it is nil. `seed` and
    /// `dhcpSeed` come from the platform's entropy (a non-generic initialiser: Embedded Swift allows no
    /// generic methods on classes).
    public init(device: Device, ipv4: IPv4Configuration?, seed: StackSeed, dhcpSeed: UInt64, now: Instant,
                            tcp: TCPConfiguration = TCPConfiguration(),
                            ipv6: IPv6Autoconfiguration.Configuration? = IPv6Autoconfiguration.Configuration(),
                            log: @escaping (String) -> Void) {
        self.device = device
        self.log = log
        let unconfigured = IPv4Configuration(network: IPv4Network(address: .any, prefixLength: 0)!)
        stack = NetworkStack(device: device, ipv4: ipv4 ?? unconfigured, seed: seed, tcp: tcp, ipv6: ipv6)
        network = AsyncStack(stack, now: now)
        stack.start(now: now)
        if ipv4 == nil {
            do throws(StackError) {
                try stack.startDHCP(seed: dhcpSeed, hostName: "swiftlet", now: now)
                log("dhcp: asking for an address on " + device.macAddress.description)
            } catch {
                log("dhcp: cannot start: " + error.description)
                dhcpOutcome = false
            }
        } else {
            dhcpOutcome = true
        }
    }

    /// Logs a `MemoryReport` every `interval` when a figure changed (`--report memory`); `heap` gives the
    /// platform allocator's bytes in use and its size.
    public func reportMemory(every interval: Duration = .seconds(1), now: Instant,
                             heap: @escaping () -> (inUse: Int, size: Int)) {
        memoryReporter = MemoryReporter(interval: interval, now: now)
        self.heap = heap
    }

    /// The report as of now.
    public var memoryReport: MemoryReport {
        let h = heap()
        return MemoryReport(heapInUse: h.inUse, heapSize: h.size, tcpUsed: stack.tcpMemory.used, tcpPeak: stack.tcpMemory.peak,
                            tcpLimit: stack.tcpMemory.limit, tcpConnections: stack.tcpConnectionCount)
    }

    public func turn(now: Instant) -> Bool {
        var received = 0
        do throws(NetworkDeviceError) {
            received = try device.receive(limit: receiveBudget) { frame in
                stack.receive(frame: frame.bytes, now: now, checksumVerified: frame.checksumVerified)
            }
        } catch {
            log("network: device error: " + error.description)
        }
        _ = stack.poll(now: now)
        for event in stack.takeDHCPEvents() {
            switch event {
            case .leased(let lease):
                let gateway = lease.gateway.map { " gateway " + $0.description } ?? ""
                log("dhcp: leased " + lease.network.description + gateway + " from " + lease.server.description + " for " + lease.leaseTime.description)
                dhcpOutcome = true
            case .refused:
                log("dhcp: the server refused our request; asking again")
            case .expired:
                log("dhcp: the lease expired; the address is no longer used")
            case .noServer(let attempts, let waited):
                log("dhcp: no server answered " + attempts.description + " DISCOVERs in " + waited.description + "; still asking (use --ipv4 ADDR/PREFIX for a static address)")
                if dhcpOutcome == nil { dhcpOutcome = false }
            }
        }
        for event in stack.takeIPv6Events() {
            switch event {
            case .configured(let network): log("ipv6: configured " + network.description)
            case .duplicate(let address): log("ipv6: " + address.description + " is in use by another node; not using it")
            default: break
            }
        }
        network.wake(now: now)
        if memoryReporter != nil, let r = memoryReporter!.due(memoryReport, now: now) { log(r.description) }
        return received >= receiveBudget
    }

    public var nextDeadline: Instant {
        min(network.nextDeadline, device.nextDeadline, memoryReporter?.next ?? .distantFuture)
    }

    public func shutDown(now: Instant) -> Int {
        let closed = stack.closeAllConnections(now: now)
        network.wake(now: now)
        return closed
    }

    public var isSettled: Bool { stack.connectionsSettled }

    /// Waits until the interface has an address: at once for a static one; for DHCP until the first
    /// lease, or until DHCP reports that no server answered (then false; DHCP keeps trying).
    public func waitForAddress() async -> Bool {
        await network.waitUntil { [self] in dhcpOutcome != nil }
        return dhcpOutcome ?? false
    }
}
