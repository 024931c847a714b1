// SwiftletKVM: the virtio network device (Virtual I/O Device Specification 1.2, section 5.1) as a
// Swiftlet `NetworkDevice`.
//
// Receive offloads, as `--offload` allows (NetworkOffloads) and the device offers (section 5.1.6.4):
// with GUEST_CSUM a frame whose header says NEEDS_CSUM or DATA_VALID is handed up with
// `checksumVerified`; with GUEST_TSO4/6 and MRG_RXBUF the device may deliver TCP segments of up to 64 KiB
// spread over several receive buffers, the count in the header's `num_buffers`, which are gathered into
// one frame. TSO is only asked for with MRG_RXBUF: without it every buffer would have to hold 64 KiB.
// Transmit offloads are not negotiated: every frame sent is a whole Ethernet frame behind a zeroed
// header (10 bytes on legacy transports without MRG_RXBUF, 12 otherwise).
//
// The receive queue keeps every descriptor posted with its own 2 KiB buffer; a received frame is
// copied out and its buffers offered again at once. Transmit copies the frame into a free 2 KiB
// buffer of the transmit queue; completed buffers are reclaimed on the next transmit (transmit
// interrupts are suppressed). Used ids and lengths are checked by `Virtqueue.takeUsed` (a device that
// returns a buffer it was not given, twice, or overfilled stops the kernel), and so is `num_buffers`
// (1 to the most a 64 KiB segment needs), so the buffer arithmetic below stays in bounds. Queue
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
    /// The features both sides accepted.
    public let features: UInt64
    let header: Int
    private let rx: Virtqueue
    private let tx: Virtqueue
    private let bufferSize = 2048
    private let rxBuffers: UnsafeMutableRawPointer
    private let txBuffers: UnsafeMutableRawPointer
    private var txFree: [Int]
    private var rxOffered = false
    private var txOffered = false
    /// MRG_RXBUF: a frame may span several receive buffers.
    private let mergeable: Bool
    /// GUEST_CSUM: the header's flags may vouch for a frame's checksum.
    private let trustsChecksums: Bool
    /// The most buffers one frame may span: a 64 KiB IP packet, its Ethernet header and ours.
    private let mostBuffers: Int
    /// A frame gathered from mergeable buffers whose last buffers the device has not returned yet.
    private var partial: [UInt8] = []
    private var partialBuffersLeft = 0
    private var partialVerified = false
    /// Frames moved each way, frames refused because the transmit queue was full, and received frames
    /// that spanned several buffers (segments the host did not cut).
    public private(set) var received = 0, transmitted = 0, transmitDropped = 0, receivedCoalesced = 0

    static let featureGuestChecksum: UInt64 = 1 << 1
    static let featureMAC: UInt64 = 1 << 5
    static let featureGuestTSO4: UInt64 = 1 << 7
    static let featureGuestTSO6: UInt64 = 1 << 8
    static let featureMergeableBuffers: UInt64 = 1 << 15
    // Header flags (section 5.1.6).
    static let needsChecksum: UInt8 = 1
    static let dataValid: UInt8 = 2

    /// `random` picks the address when the device offers none; `offloads` says which receive offloads
    /// may be negotiated.
    public init(_ transport: VirtioTransport, kernel: Kernel, random: UInt64, offloads: NetworkOffloads = .all) throws(VirtioError) {
        self.transport = transport
        features = try transport.negotiate { offered in
            var wanted = Self.featureMAC
            if offloads.receiveChecksum { wanted |= Self.featureGuestChecksum }
            if offloads.receiveSegmentation, offered & Self.featureMergeableBuffers != 0, offered & Self.featureGuestChecksum != 0 {
                wanted |= Self.featureGuestTSO4 | Self.featureGuestTSO6 | Self.featureMergeableBuffers
            }
            return wanted
        }
        mergeable = features & Self.featureMergeableBuffers != 0
        trustsChecksums = features & Self.featureGuestChecksum != 0
        header = transport.isLegacy && !mergeable ? 10 : 12
        mostBuffers = (65535 + 18 + header + bufferSize - 1) / bufferSize
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

    /// The offloads in use, as `--offload` names them.
    public var offloads: NetworkOffloads {
        NetworkOffloads(receiveChecksum: trustsChecksums, receiveSegmentation: features & (Self.featureGuestTSO4 | Self.featureGuestTSO6) != 0)
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
        while n < limit {
            if mergeable {
                guard let frame = takeMerged() else { break }
                n += 1
                if let frame { handler(frame) }
                continue
            }
            guard let done = rx.takeUsed() else { break }
            let length = done.length - header
            if length > 0 && length <= bufferSize - header {
                let base = rxBuffers + done.head * bufferSize
                var frame = PacketBuffer(bytes: Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(base + header), count: length)))
                frame.checksumVerified = vouches(base.load(as: UInt8.self))
                handler(frame)
                received += 1
            }
            offerAgain(done.head)
            n += 1
        }
        return n
    }

    /// The header's flags vouch for the checksum (only when GUEST_CSUM was accepted).
    private func vouches(_ flags: UInt8) -> Bool {
        trustsChecksums && flags & (Self.needsChecksum | Self.dataValid) != 0
    }

    private func offerAgain(_ head: Int) {
        rx.offer(head, writableLength: bufferSize)
        rxOffered = true
    }

    /// The next frame from mergeable buffers: nil when none is complete yet (what has come is kept for the
    /// next call), .some(nil) for a frame dropped (too short), else the frame.
    private func takeMerged() -> PacketBuffer?? {
        if partialBuffersLeft == 0 {
            guard let first = rx.takeUsed() else { return nil }
            let base = rxBuffers + first.head * bufferSize
            guard first.length >= header else {  // not even a header: nothing to read, nothing follows
                offerAgain(first.head)
                return .some(nil)
            }
            let count = Int(base.load(fromByteOffset: 10, as: UInt16.self))  // num_buffers, little-endian
            guard count >= 1, count <= mostBuffers else {
                // The count says which of the next used buffers belong to this frame: a wrong one would
                // splice other frames in. As for any broken rule of the ring, the kernel stops.
                let message = "virtio-net receive queue (virtio-mmio at 0x" + String(transport.base, radix: 16)
                    + "): num_buffers " + String(count) + " outside 1..." + String(mostBuffers)
                message.withCString { swiftlet_panic($0, SWIFTLET_EXIT_FATAL) }
            }
            partial.append(contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(base + header), count: first.length - header))
            partialVerified = vouches(base.load(as: UInt8.self))
            partialBuffersLeft = count - 1
            offerAgain(first.head)
        }
        while partialBuffersLeft > 0 {
            guard let next = rx.takeUsed() else { return nil }
            partial.append(contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(rxBuffers + next.head * bufferSize), count: next.length))
            partialBuffersLeft -= 1
            offerAgain(next.head)
        }
        guard !partial.isEmpty else { return .some(nil) }
        var frame = PacketBuffer(bytes: partial)
        frame.checksumVerified = partialVerified
        received += 1
        if partial.count > bufferSize - header { receivedCoalesced += 1 }
        partial = []  // the frame holds these bytes now
        return .some(frame)
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
