// SwiftletKVM: the virtio network device (Virtual I/O Device Specification 1.2, section 5.1) as a
// Swiftlet `NetworkDevice`.
//
// No offloads are negotiated: every frame is a whole Ethernet frame behind a zeroed virtio-net header
// (10 bytes on legacy transports, 12 with VIRTIO_F_VERSION_1). The receive queue keeps every
// descriptor posted with its own 2 KiB buffer; a received frame is copied out and its buffer offered
// again at once. Transmit copies the frame into a free 2 KiB buffer of the transmit queue; completed
// buffers are reclaimed on the next transmit (transmit interrupts are suppressed). Used ids and lengths
// are checked by `Virtqueue.takeUsed` (a device that returns a buffer it was not given, twice, or
// overfilled stops the kernel), so the buffer arithmetic below stays in bounds. Queue
// notifications, which are VM exits, are batched: once per run-loop turn, at its end (`flush`).

import _Concurrency
import Swiftlet
import CSwiftletKVM

public final class VirtioNet: NetworkDevice, @unchecked Sendable {
    public let macAddress: MACAddress
    public let mtu = 1500
    /// Frames are copied into the device's buffers, so the stack need not leave room for its header.
    public let headroom = 0
    public let transport: VirtioTransport
    let header: Int
    private let rx: Virtqueue
    private let tx: Virtqueue
    private let bufferSize = 2048
    private let rxBuffers: UnsafeMutableRawPointer
    private let txBuffers: UnsafeMutableRawPointer
    private var txFree: [Int]
    private var rxOffered = false
    private var txOffered = false
    /// Frames moved each way, and frames refused because the transmit queue was full.
    public private(set) var received = 0, transmitted = 0, transmitDropped = 0

    static let featureMAC: UInt64 = 1 << 5

    /// `random` picks the address when the device offers none.
    public init(_ transport: VirtioTransport, kernel: Kernel, random: UInt64) throws(VirtioError) {
        self.transport = transport
        let features = try transport.negotiate(wanted: Self.featureMAC)
        header = transport.isLegacy ? 10 : 12
        if features & Self.featureMAC != 0 {
            macAddress = MACAddress(transport.configByte(0), transport.configByte(1), transport.configByte(2),
                                    transport.configByte(3), transport.configByte(4), transport.configByte(5))
        } else {  // locally administered, unicast
            let r = random
            macAddress = MACAddress(0x02, UInt8(truncatingIfNeeded: r), UInt8(truncatingIfNeeded: r >> 8),
                                    UInt8(truncatingIfNeeded: r >> 16), UInt8(truncatingIfNeeded: r >> 24),
                                    UInt8(truncatingIfNeeded: r >> 32))
        }
        rx = try Virtqueue(transport, index: 0, maximumSize: 256, name: "virtio-net receive queue")
        tx = try Virtqueue(transport, index: 1, maximumSize: 256, name: "virtio-net transmit queue")
        rxBuffers = UnsafeMutableRawPointer(swiftlet_alloc_pages(rx.size * bufferSize))!
        txBuffers = UnsafeMutableRawPointer(swiftlet_alloc_pages(tx.size * bufferSize))!
        txFree = Array((0..<tx.size).reversed())
        for i in 0..<rx.size {
            rx.setDescriptor(i, address: address(rxBuffers, i), length: bufferSize, deviceWrites: true)
            rx.offer(i, writableLength: bufferSize)
        }
        tx.suppressInterrupts()
        transport.finishSetup()
        if rx.publish() { rx.notify() }
        kernel.onInterrupt(gsi: transport.gsi) { [self] in
            transport.acknowledgeInterrupt() != 0
        }
        kernel.atEndOfTurn { [self] in flush() }
    }

    private func address(_ base: UnsafeMutableRawPointer, _ i: Int) -> UInt64 {
        UInt64(UInt(bitPattern: base + i * bufferSize))
    }

    public func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {
        let count = frame.count
        guard count <= mtu + 18 else { throw .frameTooLarge(size: count, limit: mtu + 18) }
        while let done = tx.takeUsed() { txFree.append(done.head) }
        guard let d = txFree.popLast() else {
            transmitDropped += 1
            throw .queueFull
        }
        let buffer = txBuffers + d * bufferSize
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: header)
        frame.bytes.withUnsafeBytes { (buffer + header).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        tx.setDescriptor(d, address: address(txBuffers, d), length: header + count, deviceWrites: false)
        tx.offer(d, writableLength: 0)
        txOffered = true
        transmitted += 1
    }

    public func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int {
        var n = 0
        while n < limit, let done = rx.takeUsed() {
            let length = done.length - header
            if length > 0 && length <= bufferSize - header {
                let start = UnsafeRawPointer(rxBuffers + done.head * bufferSize + header)
                handler(PacketBuffer(bytes: Array(UnsafeRawBufferPointer(start: start, count: length))))
                received += 1
            }
            rx.offer(done.head, writableLength: bufferSize)
            rxOffered = true
            n += 1
        }
        return n
    }

    /// Publishes what this turn offered and notifies the device where it asks for it.
    func flush() {
        if txOffered {
            txOffered = false
            if tx.publish() { tx.notify() }
        }
        if rxOffered {
            rxOffered = false
            if rx.publish() { rx.notify() }
        }
    }
}
