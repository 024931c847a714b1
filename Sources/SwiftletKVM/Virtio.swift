// SwiftletKVM: virtio over memory-mapped I/O, legacy (version 1) and modern (virtio 1.x, version 2),
// and the split virtqueue (Virtual I/O Device Specification 1.2, sections 2.7 and 4.2).
//
// Where the transports are: named on the kernel command line (`virtio_mmio.device=SIZE@BASE:IRQ`, which
// Firecracker writes, and QEMU's microvm without ACPI; platform.c reads them), or else
// found where QEMU's microvm puts them by default: up to 24 at 0xfeb00000 + 0x200*i, transport i raising
// GSI 24 + i on the second I/O APIC (docs/ARCHITECTURE.md, "The machine under the kvm target"). A queue is one page-aligned block: descriptors, the available ring,
// then (at the next page) the used ring, which is the layout legacy devices require and modern ones
// accept. The rings live in memory shared with the device; their indices are read and written with
// volatile accesses, and a full fence orders our ring writes before the check for notification
// suppression. Unsafe pointers are confined to this platform backend.
//
// The device is not trusted: every used element is checked (`VirtioInFlight`, SwiftletWire) against the
// queue size, the chains in flight and the writable length offered, and a device that breaks the rules
// stops the kernel with a message naming it and the bad value, before any buffer is touched.

import Swiftlet
import SwiftletWire
import CSwiftletKVM

public enum VirtioError: Error, Equatable, CustomStringConvertible {
    case noDevice(kind: String)
    case featuresRefused
    case queueUnavailable(index: Int)
    case queueTooSmall(index: Int, size: Int, needed: Int)

    public var description: String {
        switch self {
        case .noDevice(let kind): return "no virtio-mmio " + kind.description + " device (QEMU: -device virtio-" + kind.description + "-device,...)"
        case .featuresRefused: return "the device refused the features the driver needs"
        case .queueUnavailable(let i): return "the device has no queue " + i.description
        case .queueTooSmall(let i, let size, let needed):
            return "queue " + i.description + " holds " + size.description + " buffers, fewer than the " + needed.description
                + " a 64 KiB segment spans (--offload without rx-tso avoids it)"
        }
    }
}

/// One virtio-mmio transport (a register window).
public struct VirtioTransport {
    public static let firstBase: UInt64 = 0xfeb0_0000
    public static let slots = 24

    public let base: UInt64
    public let version: UInt32
    public let deviceID: UInt32
    /// The interrupt the transport raises.
    public let gsi: UInt32
    public var isLegacy: Bool { version == 1 }
    /// "virtio 1.x, GSI 31", for the kernel's log.
    public var summary: String { (isLegacy ? "legacy, GSI " : "virtio 1.x, GSI ") + String(gsi) }

    enum Register: UInt64 {
        case magic = 0x000, version = 0x004, deviceID = 0x008
        case deviceFeatures = 0x010, deviceFeaturesSelect = 0x014
        case driverFeatures = 0x020, driverFeaturesSelect = 0x024
        case guestPageSize = 0x028
        case queueSelect = 0x030, queueSizeMax = 0x034, queueSize = 0x038, queueAlign = 0x03c, queuePFN = 0x040
        case queueReady = 0x044, queueNotify = 0x050
        case interruptStatus = 0x060, interruptAck = 0x064, status = 0x070
        case queueDescLow = 0x080, queueDescHigh = 0x084, queueDriverLow = 0x090, queueDriverHigh = 0x094
        case queueDeviceLow = 0x0a0, queueDeviceHigh = 0x0a4
        case config = 0x100
    }

    func read(_ r: Register) -> UInt32 { swiftlet_mmio_read32(base + r.rawValue) }
    func write(_ r: Register, _ v: UInt32) { swiftlet_mmio_write32(base + r.rawValue, v) }
    func configByte(_ offset: Int) -> UInt8 { swiftlet_mmio_read8(base + Register.config.rawValue + UInt64(offset)) }
    func config32(_ offset: Int) -> UInt32 { swiftlet_mmio_read32(base + Register.config.rawValue + UInt64(offset)) }

    /// Every transport with a device behind it: those the command line named, in its order, or else
    /// microvm's slots in slot order. A window must lie in the fourth GiB, the one the kernel maps for
    /// devices.
    public static func probe() -> [VirtioTransport] {
        var found: [VirtioTransport] = []
        func look(_ base: UInt64, gsi: UInt32) {
            guard base >= 0xc000_0000, base <= 0xffff_f000, base & 3 == 0 else { return }
            guard swiftlet_mmio_read32(base) == 0x7472_6976 else { return }  // "virt"
            let version = swiftlet_mmio_read32(base + 4)
            let id = swiftlet_mmio_read32(base + 8)
            if id != 0 && (version == 1 || version == 2) {
                found.append(VirtioTransport(base: base, version: version, deviceID: id, gsi: gsi))
            }
        }
        let named = swiftlet_mmio_device_count()
        if named == 0 {
            for slot in 0..<slots { look(firstBase + UInt64(slot) * 0x200, gsi: UInt32(24 + slot)) }
        } else {
            for i in 0..<named { look(swiftlet_mmio_device_base(i), gsi: swiftlet_mmio_device_irq(i)) }
        }
        return found
    }

    /// The first transport with a device of type `id` (1 network, 2 block).
    public static func first(deviceID id: UInt32) -> VirtioTransport? {
        probe().first { $0.deviceID == id }
    }

    // Status bits (section 2.1).
    static let acknowledge: UInt32 = 1, driver: UInt32 = 2, driverOK: UInt32 = 4, featuresOK: UInt32 = 8

    /// Resets the device and negotiates: offers `wanted` ∩ device features (plus VERSION_1 on modern
    /// transports). Returns the accepted features.
    func negotiate(wanted: UInt64) throws(VirtioError) -> UInt64 {
        try negotiate { _ in wanted }
    }

    /// The same, with the features wanted chosen from those the device offers (one feature may only be
    /// wanted together with another the device may lack).
    func negotiate(choosing wanted: (_ offered: UInt64) -> UInt64) throws(VirtioError) -> UInt64 {
        write(.status, 0)
        write(.status, Self.acknowledge)
        write(.status, Self.acknowledge | Self.driver)
        var offered: UInt64
        if isLegacy {
            offered = UInt64(read(.deviceFeatures))
        } else {
            write(.deviceFeaturesSelect, 0)
            offered = UInt64(read(.deviceFeatures))
            write(.deviceFeaturesSelect, 1)
            offered |= UInt64(read(.deviceFeatures)) << 32
        }
        let version1: UInt64 = 1 << 32
        var accepted = offered & wanted(offered)
        if !isLegacy {
            guard offered & version1 != 0 else { throw .featuresRefused }
            accepted |= version1
            write(.driverFeaturesSelect, 0)
            write(.driverFeatures, UInt32(truncatingIfNeeded: accepted))
            write(.driverFeaturesSelect, 1)
            write(.driverFeatures, UInt32(truncatingIfNeeded: accepted >> 32))
            write(.status, Self.acknowledge | Self.driver | Self.featuresOK)
            guard read(.status) & Self.featuresOK != 0 else { throw .featuresRefused }
        } else {
            write(.driverFeatures, UInt32(truncatingIfNeeded: accepted))
            write(.guestPageSize, 4096)
        }
        return accepted
    }

    func finishSetup() {
        write(.status, read(.status) | Self.driverOK)
    }

    /// Reads and acknowledges the interrupt cause (bit 0: used buffers, bit 1: configuration change).
    public func acknowledgeInterrupt() -> UInt32 {
        let cause = read(.interruptStatus)
        if cause != 0 { write(.interruptAck, cause) }
        return cause
    }
}

/// A split virtqueue (descriptor table, available ring, used ring).
final class Virtqueue {
    let transport: VirtioTransport
    let index: UInt32
    let size: Int
    /// "virtio-net receive queue", for the panic message of a misbehaving device.
    let name: String
    /// The chains offered and not yet returned, with their writable lengths.
    private var inFlight: VirtioInFlight
    private let memory: UnsafeMutableRawPointer
    private let available: UnsafeMutableRawPointer
    private let used: UnsafeMutableRawPointer
    /// Our copy of the available index and the used index we have consumed up to.
    private var availableIndex: UInt16 = 0
    private var usedIndex: UInt16 = 0

    static let descriptorWrite: UInt16 = 2
    static let availableNoInterrupt: UInt16 = 1
    static let usedNoNotify: UInt16 = 1

    init(_ transport: VirtioTransport, index: UInt32, maximumSize: Int, name: String) throws(VirtioError) {
        self.transport = transport
        self.index = index
        self.name = name
        transport.write(.queueSelect, index)
        let deviceMax = Int(transport.read(.queueSizeMax))
        guard deviceMax > 0 else { throw .queueUnavailable(index: Int(index)) }
        var n = 1
        while n * 2 <= min(deviceMax, maximumSize) { n *= 2 }
        size = n
        inFlight = VirtioInFlight(queueSize: n)
        let availableOffset = 16 * n
        let usedOffset = (availableOffset + 6 + 2 * n + 4095) & ~4095
        let bytes = usedOffset + ((6 + 8 * n + 4095) & ~4095)
        memory = UnsafeMutableRawPointer(swiftlet_alloc_pages(bytes))!
        available = memory + availableOffset
        used = memory + usedOffset
        let address = UInt64(UInt(bitPattern: memory))
        transport.write(.queueSize, UInt32(n))
        if transport.isLegacy {
            transport.write(.queueAlign, 4096)
            transport.write(.queuePFN, UInt32(address >> 12))
        } else {
            let a = address + UInt64(availableOffset), u = address + UInt64(usedOffset)
            transport.write(.queueDescLow, UInt32(truncatingIfNeeded: address))
            transport.write(.queueDescHigh, UInt32(truncatingIfNeeded: address >> 32))
            transport.write(.queueDriverLow, UInt32(truncatingIfNeeded: a))
            transport.write(.queueDriverHigh, UInt32(truncatingIfNeeded: a >> 32))
            transport.write(.queueDeviceLow, UInt32(truncatingIfNeeded: u))
            transport.write(.queueDeviceHigh, UInt32(truncatingIfNeeded: u >> 32))
            transport.write(.queueReady, 1)
        }
    }

    /// Asks the device not to interrupt when it uses buffers of this queue (a hint it may ignore).
    func suppressInterrupts() {
        available.storeBytes(of: Self.availableNoInterrupt, as: UInt16.self)
    }

    /// Fills descriptor `i` (a single buffer; no chaining).
    func setDescriptor(_ i: Int, address: UInt64, length: Int, deviceWrites: Bool) {
        let d = memory + 16 * i
        d.storeBytes(of: address, as: UInt64.self)
        d.storeBytes(of: UInt32(length), toByteOffset: 8, as: UInt32.self)
        d.storeBytes(of: deviceWrites ? Self.descriptorWrite : 0, toByteOffset: 12, as: UInt16.self)
        d.storeBytes(of: 0, toByteOffset: 14, as: UInt16.self)
    }

    /// Chains descriptor `i` to `next`; `deviceWrites` as `i` was set (the flags are written, not read
    /// back from memory the device shares).
    func chain(_ i: Int, to next: Int, deviceWrites: Bool = false) {
        let d = memory + 16 * i
        d.storeBytes(of: (deviceWrites ? Self.descriptorWrite : 0) | 1, toByteOffset: 12, as: UInt16.self)
        d.storeBytes(of: UInt16(next), toByteOffset: 14, as: UInt16.self)
    }

    /// Offers the chain starting at descriptor `head`, of which the device may write `writableLength`
    /// bytes, to the device (visible at the next `publish`).
    func offer(_ head: Int, writableLength: Int) {
        inFlight.offer(head, writableLength: writableLength)
        let slot = Int(availableIndex) & (size - 1)
        (available + 4 + 2 * slot).storeBytes(of: UInt16(head), as: UInt16.self)
        availableIndex &+= 1
    }

    /// Publishes the offered chains; returns true when the device wants a notification.
    func publish() -> Bool {
        swiftlet_shared_store16(available + 2, availableIndex)
        swiftlet_barrier()
        return swiftlet_shared_load16(used) & Self.usedNoNotify == 0
    }

    func notify() { transport.write(.queueNotify, index) }

    /// The next chain the device has finished with: (head descriptor, bytes it wrote), both checked: the
    /// head is one we offered and have not had back, and the length fits what it may write.
    func takeUsed() -> (head: Int, length: Int)? {
        if swiftlet_shared_load16(used + 2) == usedIndex { return nil }
        let slot = Int(usedIndex) & (size - 1)
        let element = used + 4 + 8 * slot
        let id = element.load(as: UInt32.self)
        let length = element.load(fromByteOffset: 4, as: UInt32.self)
        usedIndex &+= 1
        do throws(VirtioUsedViolation) {
            return try inFlight.complete(id: id, length: length)
        } catch {
            // Through `swiftlet_panic`, not `fatalError`: Embedded Swift drops fatalError's message in
            // optimised builds, and this one must say which device misbehaved and how.
            let message = name + " (virtio-mmio at 0x" + String(transport.base, radix: 16) + "): " + error.description
            message.withCString { swiftlet_panic($0, SWIFTLET_EXIT_FATAL) }
        }
    }
}
