// SwiftletKVM: the virtio network device (Virtual I/O Device Specification 1.2, section 5.1) as a
// Swiftlet `NetworkDevice`.
//
// Receive offloads, as `--offload` allows (NetworkOffloads) and the device offers (section 5.1.6.4):
// with GUEST_CSUM a frame whose header says NEEDS_CSUM or DATA_VALID is handed up with
// `checksumVerified`; with GUEST_TSO4/6 and MRG_RXBUF the device may deliver TCP segments of up to 64 KiB
// spread over several receive buffers, the count in the header's `num_buffers`, which are gathered into
// one frame. TSO is only asked for with MRG_RXBUF: without it every buffer would have to hold 64 KiB.
// Transmit, with tx-tso and the device's CSUM and HOST_TSO4/6: the stack still sends segments of one
// MSS, each recorded for SACK and RACK as before, but consecutive TCP segments of one connection sent in
// a run-loop turn travel as one train: the first frame whole, each next one's payload in a descriptor
// chained to it, finished (its IP length, its checksum left to the device, PSH of the last segment,
// a GSO header giving the first segment's size) when a frame that cannot join comes, at 48 segments or
// 64 KiB, or at the turn's end. The host cuts it into segments of that size (the IPv4 identifications
// numbered on from the first's, the checksums computed), or keeps it whole where it delivers it
// locally or to a device that takes such frames: one descriptor chain and one write to the tap for up to
// 45 segments. A segment joins only when its Ethernet, IP and TCP headers (options included) equal the
// first's in every field but the sequence number (which continues the train), lengths, identification,
// checksums and PSH; it carries data, only ACK and PSH are set, and every segment before it was as large
// as the first. Any other frame goes alone behind a zeroed header (10 bytes on legacy transports without
// MRG_RXBUF, 12 otherwise), as without the offload. Legacy transports get ANY_LAYOUT, since the header
// shares a descriptor with the frame.
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
import SwiftletWire
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
    /// Frames moved each way, frames refused because the transmit queue was full, received frames that
    /// spanned several buffers (segments the host did not cut), and trains of segments sent as one.
    public private(set) var received = 0, transmitted = 0, transmitDropped = 0, receivedCoalesced = 0, trainsSent = 0
    /// Per transmit descriptor, the next one of its chain (-1: the last).
    private var txNext: [Int]
    /// The train being built (tx-tso), not yet offered to the device.
    private var train: Train?
    /// The most segments one train takes (descriptors of one chain).
    static let trainSegments = 48

    struct Train {
        var head: Int, tail: Int
        let shape: TrainShape
        /// The first frame up to its payload (SegmentTrain compares and rewrites these).
        let headers: [UInt8]
        /// The first segment's payload: the size the host cuts the train into.
        let segmentSize: Int
        var segments = 1
        var payload: Int
        /// A segment shorter than the first, or with PSH, ended it: nothing more joins.
        var ended = false
        var push = false
    }

    static let featureChecksum: UInt64 = 1 << 0
    static let featureGuestChecksum: UInt64 = 1 << 1
    static let featureMAC: UInt64 = 1 << 5
    static let featureGuestTSO4: UInt64 = 1 << 7
    static let featureGuestTSO6: UInt64 = 1 << 8
    static let featureHostTSO4: UInt64 = 1 << 11
    static let featureHostTSO6: UInt64 = 1 << 12
    static let featureMergeableBuffers: UInt64 = 1 << 15
    /// Legacy only (section 2.7.4.1): the header may share a descriptor with the frame.
    static let featureAnyLayout: UInt64 = 1 << 27

    /// `random` picks the address when the device offers none; `offloads` says which offloads may be
    /// negotiated.
    public init(_ transport: VirtioTransport, kernel: Kernel, random: UInt64, offloads: NetworkOffloads = .all) throws(VirtioError) {
        self.transport = transport
        features = try transport.negotiate { offered in
            var wanted = Self.featureMAC | Self.featureAnyLayout
            if offloads.receiveChecksum { wanted |= Self.featureGuestChecksum }
            if offloads.receiveSegmentation, offloads.receiveChecksum,  // GUEST_TSO needs GUEST_CSUM (section 5.1.3.1)
               offered & Self.featureMergeableBuffers != 0, offered & Self.featureGuestChecksum != 0 {
                wanted |= Self.featureGuestTSO4 | Self.featureGuestTSO6 | Self.featureMergeableBuffers
            }
            if offloads.transmitSegmentation, offered & Self.featureChecksum != 0 {  // HOST_TSO needs CSUM
                wanted |= Self.featureChecksum | Self.featureHostTSO4 | Self.featureHostTSO6
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
        // The device hands over a frame only when the buffers posted can hold all of it: a queue with room
        // for fewer buffers than a 64 KiB segment spans would stop receiving at the first one.
        if features & Self.featureGuestTSO4 != 0, rx.size < mostBuffers { throw .queueTooSmall(index: 0, size: rx.size, needed: mostBuffers) }
        rxBuffers = UnsafeMutableRawPointer(swiftlet_alloc_pages(rx.size * bufferSize))!
        txBuffers = UnsafeMutableRawPointer(swiftlet_alloc_pages(tx.size * bufferSize))!
        txFree = Array((0..<tx.size).reversed())
        txNext = [Int](repeating: -1, count: tx.size)
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
        NetworkOffloads(receiveChecksum: trustsChecksums, receiveSegmentation: features & (Self.featureGuestTSO4 | Self.featureGuestTSO6) != 0,
                        transmitSegmentation: features & (Self.featureHostTSO4 | Self.featureHostTSO6) != 0)
    }

    private func address(_ base: UnsafeMutableRawPointer, _ i: Int) -> UInt64 {
        UInt64(UInt(bitPattern: base + i * bufferSize))
    }

    public func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {
        let count = frame.count
        guard count <= mtu + 18 else { throw .frameTooLarge(size: count, limit: mtu + 18) }
        while let done = tx.takeUsed() {  // a chain comes back by its head: free all of it
            var d = done.head
            while d >= 0 {
                txFree.append(d)
                let next = txNext[d]
                txNext[d] = -1
                d = next
            }
        }
        let shape = features & (Self.featureHostTSO4 | Self.featureHostTSO6) == 0 ? nil
            : SegmentTrain.shape(frame.bytes, ipv4: features & Self.featureHostTSO4 != 0, ipv6: features & Self.featureHostTSO6 != 0)
        if let shape, let t = train, !t.ended, t.segments < Self.trainSegments, !txFree.isEmpty,
           SegmentTrain.continues(frame.bytes, shape: shape, first: t.headers.span, firstShape: t.shape, payload: t.payload,
                                  segmentSize: t.segmentSize), let d = txFree.popLast() {
            let payload = count - shape.payloadStart
            frame.bytes.withUnsafeBytes {
                (txBuffers + d * bufferSize).copyMemory(from: $0.baseAddress! + shape.payloadStart, byteCount: payload)
            }
            tx.setDescriptor(d, address: address(txBuffers, d), length: payload, deviceWrites: false)
            tx.chain(t.tail, to: d)
            txNext[t.tail] = d
            var grown = t
            grown.tail = d
            grown.segments += 1
            grown.payload += payload
            grown.push = frame.bytes[shape.tcpStart + 13] & 0x08 != 0
            grown.ended = payload < t.segmentSize || grown.push
            train = grown
            transmitted += 1
            return
        }
        finishTrain()
        guard let d = txFree.popLast() else {
            transmitDropped += 1
            throw .queueFull
        }
        let buffer = txBuffers + d * bufferSize
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: header)
        frame.bytes.withUnsafeBytes { (buffer + header).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        tx.setDescriptor(d, address: address(txBuffers, d), length: header + count, deviceWrites: false)
        transmitted += 1
        if let shape, frame.bytes[shape.tcpStart + 13] & 0x08 == 0 {  // a train may start here
            let headers = Array(frame.storage[frame.start..<(frame.start + shape.payloadStart)])
            train = Train(head: d, tail: d, shape: shape, headers: headers, segmentSize: count - shape.payloadStart,
                          payload: count - shape.payloadStart)
            return
        }
        tx.offer(d, writableLength: 0)
        txOffered = true
    }

    /// Offers the train being built: one segment goes as it is; several get their first frame's headers
    /// rewritten for the whole and the GSO header in front (SegmentTrain.finish).
    private func finishTrain() {
        guard let t = train else { return }
        train = nil
        if t.segments > 1 {
            var headers = t.headers
            var span = headers.mutableSpan
            let gso = SegmentTrain.finish(&span, shape: t.shape, payload: t.payload, segmentSize: t.segmentSize, push: t.push)
            let v = txBuffers + t.head * bufferSize
            gso.bytes.withUnsafeBytes { v.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            headers.withUnsafeBytes { (v + header).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            trainsSent += 1
        }
        tx.offer(t.head, writableLength: 0)
        txOffered = true
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
        trustsChecksums && flags & (VirtioNetHeader.needsChecksum | VirtioNetHeader.dataValid) != 0
    }

    private func offerAgain(_ head: Int) {
        rx.offer(head, writableLength: bufferSize)
        rxOffered = true
    }

    /// The next frame from mergeable buffers: nil when none is complete yet (what has come is kept for the
    /// next call), .some(nil) for a frame dropped (too short), else the frame. Every buffer of a frame but
    /// its last must be full (section 5.1.6.4.1): a device that returns a shorter one would splice frames,
    /// and as for any broken rule of the ring, the kernel stops.
    private func takeMerged() -> PacketBuffer?? {
        if partialBuffersLeft == 0 {
            guard let first = rx.takeUsed() else { return nil }
            let base = rxBuffers + first.head * bufferSize
            guard first.length >= header else {  // not even a header: nothing to read, nothing follows
                offerAgain(first.head)
                return .some(nil)
            }
            let count = Int(base.load(fromByteOffset: 10, as: UInt16.self))  // num_buffers, little-endian
            // The count says which of the next used buffers belong to this frame: a wrong one would splice
            // other frames in.
            guard count >= 1, count <= mostBuffers else { deviceBroke("num_buffers " + String(count) + " outside 1..." + String(mostBuffers)) }
            if count > 1, first.length != bufferSize { deviceBroke("buffer 1 of " + String(count) + " holds " + String(first.length) + " bytes, not all " + String(bufferSize)) }
            partial.append(contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(base + header), count: first.length - header))
            partialVerified = vouches(base.load(as: UInt8.self))
            partialBuffersLeft = count - 1
            offerAgain(first.head)
        }
        while partialBuffersLeft > 0 {
            guard let next = rx.takeUsed() else { return nil }
            if partialBuffersLeft > 1, next.length != bufferSize {
                deviceBroke("a buffer before a frame's last holds " + String(next.length) + " bytes, not all " + String(bufferSize))
            }
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

    /// Stops the kernel, naming the device and the rule it broke (through `swiftlet_panic`, whose message
    /// survives optimised Embedded builds).
    private func deviceBroke(_ what: String) -> Never {
        let message = "virtio-net receive queue (virtio-mmio at 0x" + String(transport.base, radix: 16) + "): " + what
        message.withCString { swiftlet_panic($0, SWIFTLET_EXIT_FATAL) }
    }

    /// Publishes what this turn offered and notifies the device where it asks for it.
    func flush() {
        finishTrain()
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
