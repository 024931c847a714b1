// Swiftlet: the virtio-mmio devices a virtual machine monitor names on a kernel's command line, in the
// form Linux reads (its kernel-parameters documentation, `virtio_mmio.device=`):
//
//   virtio_mmio.device=SIZE@BASE:IRQ[:ID]      e.g. virtio_mmio.device=4K@0xd0000000:5
//
// SIZE takes a K, M or G suffix; BASE is hexadecimal after 0x, decimal otherwise; IRQ is decimal and
// below 48 (`irqLimit`); ID (the Linux platform-device number) is read and ignored. Firecracker writes
// one such word per device, and QEMU's microvm does when its ACPI tables are off; both append them after
// whatever the user gave, so they arrive among the application's arguments and are taken out wherever
// they stand.

public struct MMIODeviceAnnouncement: Equatable, Sendable {
    /// The register window: its physical address and length in bytes.
    public var base: UInt64
    public var size: UInt64
    /// The interrupt line (the I/O APIC input, GSI) the device raises.
    public var irq: UInt32

    public init(base: UInt64, size: UInt64, irq: UInt32) {
        self.base = base
        self.size = size
        self.irq = irq
    }

    public static let prefix = "virtio_mmio.device="
    /// IRQs are inputs of the I/O APICs: 24 on Firecracker's one, 48 on QEMU microvm's two.
    public static let irqLimit: UInt64 = 48

    /// Reads the value after `virtio_mmio.device=`; nil when it is not SIZE@BASE:IRQ[:ID].
    /// (One pass over the bytes, without slices or splitting: this runs in every kernel.)
    public init?(value: String) { self.init(bytes: Array(value.utf8), from: 0) }

    init?(bytes: [UInt8], from start: Int) {
        var i = start
        guard let size = Self.number(bytes, &i, suffixes: true), size > 0, Self.skip(bytes, &i, "@"),
              let base = Self.number(bytes, &i), Self.skip(bytes, &i, ":"),
              let irq = Self.number(bytes, &i), irq < Self.irqLimit
        else { return nil }
        if i < bytes.count {  // the optional ID
            guard Self.skip(bytes, &i, ":"), Self.number(bytes, &i) != nil else { return nil }
        }
        guard i == bytes.count else { return nil }
        self.init(base: base, size: size, irq: UInt32(irq))
    }

    /// Splits a command line's words into the announcements and everything else (in order). A word with
    /// the prefix whose value does not parse is returned as `bad`, for one line of error.
    public static func separate(_ words: [String]) -> (others: [String], devices: [MMIODeviceAnnouncement], bad: String?) {
        var others: [String] = []
        var devices: [MMIODeviceAnnouncement] = []
        let p = Array(prefix.utf8)
        for word in words {
            let bytes = Array(word.utf8)
            var i = 0
            while i < p.count && i < bytes.count && bytes[i] == p[i] { i += 1 }
            guard i == p.count else {
                others.append(word)
                continue
            }
            guard let device = MMIODeviceAnnouncement(bytes: bytes, from: i) else {
                return (others, devices, word)
            }
            devices.append(device)
        }
        return (others, devices, nil)
    }

    static func skip(_ bytes: [UInt8], _ i: inout Int, _ c: Unicode.Scalar) -> Bool {
        guard i < bytes.count, bytes[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    /// The number at `i` (decimal, or hexadecimal after 0x), with a K, M or G suffix (powers of 1024)
    /// if `suffixes`; moves `i` past it. Nil when there are no digits or it passes 64 bits.
    static func number(_ bytes: [UInt8], _ i: inout Int, suffixes: Bool = false) -> UInt64? {
        var radix: UInt64 = 10
        if i + 2 < bytes.count, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            i += 2
        }
        let start = i
        var value: UInt64 = 0
        while i < bytes.count, let d = hexValue(bytes[i]), UInt64(d) < radix {
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            value = sum
            i += 1
        }
        guard i > start else { return nil }
        guard suffixes, i < bytes.count else { return value }
        let shift: UInt64
        switch bytes[i] | 0x20 {
        case UInt8(ascii: "k"): shift = 10
        case UInt8(ascii: "m"): shift = 20
        case UInt8(ascii: "g"): shift = 30
        default: return value
        }
        i += 1
        return value < (1 << (64 - shift)) ? value << shift : nil
    }
}
