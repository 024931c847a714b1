// SwiftletKVM: the simple devices of the kvm target: the COM1 console, the clocks (kvmclock or the
// PIT-calibrated TSC, see CSwiftletKVM/platform.c), and entropy from RDSEED/RDRAND.

import Swiftlet
import CSwiftletKVM

/// COM1 (0x3f8), which `swiftlet run` connects to the terminal.
public final class SerialConsole: Console, @unchecked Sendable {
    public init() {}
    public func write(bytes: Span<UInt8>) {
        bytes.withUnsafeBufferPointer { swiftlet_serial_write($0.baseAddress, $0.count) }
    }
}

/// Nanoseconds since boot.
public final class KernelClock: MonotonicClock, @unchecked Sendable {
    public init() {}
    public func now() -> Instant { Kernel.clock() }
}

/// The host's wall time at boot (kvmclock, or the CMOS clock under TCG) plus the monotonic clock.
public final class KernelWallClock: WallClock, @unchecked Sendable {
    public init() {}
    public func now() -> WallTime { WallTime(nanosecondsSinceEpoch: swiftlet_wall_ns()) }
    public func elapsed() -> Instant { Kernel.clock() }
}

/// RDSEED (RDRAND where RDSEED runs dry or is absent). A CPU with neither gets a loud warning on the
/// console and a TSC-seeded generator: TCP sequence numbers and ports are then guessable.
public final class HardwareEntropy: Entropy, @unchecked Sendable {
    private let console: SerialConsole
    private var fallback: UInt64 = 0
    public init(console: SerialConsole) {
        self.console = console
        swiftlet_cpu_features()
        if kernel_info.has_rdseed == 0 && kernel_info.has_rdrand == 0 {
            console.log("WARNING: this CPU has neither RDSEED nor RDRAND; entropy comes from the TSC and is predictable (use -cpu host or -cpu max)")
            fallback = swiftlet_rdtsc() | 1
        }
    }
    /// False once the TSC fallback is in use (no RDSEED/RDRAND, or they failed).
    public var isUnpredictable: Bool { fallback == 0 }
    public func fill(_ buffer: inout MutableSpan<UInt8>) {
        let ok = buffer.withUnsafeMutableBufferPointer { swiftlet_hardware_random($0.baseAddress, $0.count) }
        if ok != 0 { return }
        if fallback == 0 {
            console.log("WARNING: RDSEED/RDRAND failed; entropy comes from the TSC and is predictable")
            fallback = swiftlet_rdtsc() | 1
        }
        for i in 0..<buffer.count {
            fallback ^= fallback << 13
            fallback ^= fallback >> 7
            fallback ^= fallback << 17
            fallback ^= swiftlet_rdtsc() &* 0x9e37_79b9_7f4a_7c15
            buffer[i] = UInt8(truncatingIfNeeded: fallback >> 32)
        }
    }
}
