// virtio_mmio.device= words on a kernel command line (Swiftlet/MMIODeviceAnnouncement.swift), with the
// words QEMU 7.2's microvm wrote here (`-M microvm,acpi=off,ioapic2=off` with one virtio-net-device)
// and the form Firecracker writes.

import Testing
import Swiftlet

@Suite struct MMIODeviceAnnouncementTests {
    @Test func readsQEMUAndFirecrackerWords() {
        #expect(MMIODeviceAnnouncement(value: "512@0xfeb00e00:12") == MMIODeviceAnnouncement(base: 0xfeb0_0e00, size: 512, irq: 12))
        #expect(MMIODeviceAnnouncement(value: "4K@0xd0000000:5") == MMIODeviceAnnouncement(base: 0xd000_0000, size: 4096, irq: 5))
        #expect(MMIODeviceAnnouncement(value: "1M@0XD0001000:6:3") == MMIODeviceAnnouncement(base: 0xd000_1000, size: 1 << 20, irq: 6))
        #expect(MMIODeviceAnnouncement(value: "4096@3489660928:7") == MMIODeviceAnnouncement(base: 0xd000_0000, size: 4096, irq: 7))
    }

    @Test func refusesMalformedValues() {
        for bad in ["", "4K", "4K@", "4K@0xd0000000", "4K@0xd0000000:", "@0xd0000000:5", "0@0x1000:5",
                    "4K@0xg0000000:5", "4K@0x:5", "4Q@0x1000:5", "4K@0x1000:5:", "4K@0x1000:48",
                    "4K@0x1000:5:1:2", "4K@0x1ffffffffffffffff:5", "17179869184G@0x1000:5"] {
            #expect(MMIODeviceAnnouncement(value: bad) == nil, "\(bad)")
        }
    }

    @Test func separatesAnnouncementsFromTheApplicationsArguments() {
        let words = ["--ipv4", "10.0.0.2/24", "--", "--port", "7",
                     "virtio_mmio.device=512@0xfeb00e00:12", "virtio_mmio.device=512@0xfeb00c00:11"]
        let s = MMIODeviceAnnouncement.separate(words)
        #expect(s.others == ["--ipv4", "10.0.0.2/24", "--", "--port", "7"])
        #expect(s.devices.map(\.base) == [0xfeb0_0e00, 0xfeb0_0c00])
        #expect(s.bad == nil)
        let wrong = MMIODeviceAnnouncement.separate(["--", "virtio_mmio.device=4K@here:5"])
        #expect(wrong.bad == "virtio_mmio.device=4K@here:5")
        #expect(MMIODeviceAnnouncement.separate(["virtio_mmio.devices=1"]).others == ["virtio_mmio.devices=1"])
    }
}
