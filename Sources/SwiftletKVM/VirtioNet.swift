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
        /// Bytes of the IP header (20 or 40) and of the TCP header (options included).
        let ipHeader: Int, tcpHeader: Int
        /// The first segment's payload: the size the host cuts the train into.
        let segmentSize: Int
        var segments = 1
        var payload: Int
        /// A segment shorter than the first, or with PSH, ended it: nothing more joins.
        var ended = false
        var push = false
        var tcpStart: Int { 14 + ipHeader }
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
    // Header flags (section 5.1.6).
    static let needsChecksum: UInt8 = 1
    static let dataValid: UInt8 = 2

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
        let shape = features & (Self.featureHostTSO4 | Self.featureHostTSO6) != 0 ? trainShape(frame.bytes) : nil
        if let shape, let t = train, joins(frame.bytes, shape, t) {
            if let d = txFree.popLast() {
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
            train = Train(head: d, tail: d, ipHeader: shape.tcpStart - 14, tcpHeader: shape.payloadStart - shape.tcpStart,
                          segmentSize: count - shape.payloadStart, payload: count - shape.payloadStart)
            return
        }
        tx.offer(d, writableLength: 0)
        txOffered = true
    }

    /// Where a frame's TCP header and payload start when it may lead or join a train: IPv4 without
    /// options and not a fragment, or IPv6 with TCP as its first next header, whose length fields match
    /// the frame; TCP with data and no flag but ACK and PSH. Nil for any other frame.
    private func trainShape(_ b: Span<UInt8>) -> (tcpStart: Int, payloadStart: Int)? {
        guard b.count >= 14 + 20 + 20 else { return nil }
        let type = UInt16(b[12]) << 8 | UInt16(b[13])
        let ip: Int
        if type == 0x0800, features & Self.featureHostTSO4 != 0 {
            guard b[14] == 0x45, b[23] == 6, (UInt16(b[20]) << 8 | UInt16(b[21])) & 0x3FFF == 0,
                  Int(UInt16(b[16]) << 8 | UInt16(b[17])) == b.count - 14 else { return nil }
            ip = 20
        } else if type == 0x86DD, features & Self.featureHostTSO6 != 0 {
            guard b.count >= 14 + 40 + 20, b[14] >> 4 == 6, b[20] == 6,
                  Int(UInt16(b[18]) << 8 | UInt16(b[19])) == b.count - 54 else { return nil }
            ip = 40
        } else {
            return nil
        }
        let t = 14 + ip
        let tcpLength = Int(b[t + 12] >> 4) * 4
        guard tcpLength >= 20, b.count > t + tcpLength, b[t + 12] & 0x0F == 0, b[t + 13] & 0x10 != 0, b[t + 13] & ~0x18 == 0 else {
            return nil
        }
        return (t, t + tcpLength)
    }

    /// Whether a frame of `shape` continues `t`: room left, every segment so far full, its headers equal
    /// to the first's but for the sequence number, which is where the train's data ends.
    private func joins(_ b: Span<UInt8>, _ shape: (tcpStart: Int, payloadStart: Int), _ t: Train) -> Bool {
        let payload = b.count - shape.payloadStart
        guard !t.ended, shape.tcpStart == t.tcpStart, shape.payloadStart - shape.tcpStart == t.tcpHeader,
              payload <= t.segmentSize, t.segments < Self.trainSegments, !txFree.isEmpty,
              t.ipHeader + t.tcpHeader + t.payload + payload <= 65535 else { return false }
        let first = UnsafeRawPointer(txBuffers + t.head * bufferSize + header)
        func same(_ range: Range<Int>) -> Bool {
            for i in range where first.load(fromByteOffset: i, as: UInt8.self) != b[i] { return false }
            return true
        }
        let s = t.tcpStart
        // Ethernet; IPv4: TOS, flags (DF), TTL, protocol, addresses; IPv6: class, flow, next header, hop
        // limit, addresses; TCP: ports, acknowledgment, offset, window, urgent pointer, options.
        let ipSame = t.ipHeader == 20 ? same(14..<16) && same(20..<24) && same(26..<34) : same(14..<18) && same(20..<54)
        guard same(0..<14), ipSame, same(s..<(s + 4)), same((s + 8)..<(s + 13)), same((s + 14)..<(s + 16)),
              same((s + 18)..<(s + t.tcpHeader)) else { return false }
        func u32(_ at: Int) -> UInt32 { UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3]) }
        let firstSequence = UInt32(first.load(fromByteOffset: s + 4, as: UInt8.self)) << 24
            | UInt32(first.load(fromByteOffset: s + 5, as: UInt8.self)) << 16
            | UInt32(first.load(fromByteOffset: s + 6, as: UInt8.self)) << 8 | UInt32(first.load(fromByteOffset: s + 7, as: UInt8.self))
        return u32(s + 4) == firstSequence &+ UInt32(t.payload)
    }

    /// Offers the train being built: one segment goes as it is; several get the lengths of the whole,
    /// PSH if the last had it, the TCP checksum field primed with the pseudo-header (the device sums the
    /// rest, as RFC 9293 §3.1 defines it over each segment it cuts), and the GSO header.
    private func finishTrain() {
        guard let t = train else { return }
        train = nil
        if t.segments > 1 {
            let v = txBuffers + t.head * bufferSize
            let f = v + header
            func put16(_ p: UnsafeMutableRawPointer, _ at: Int, _ value: Int, bigEndian: Bool) {
                let x = UInt16(truncatingIfNeeded: value)
                p.storeBytes(of: bigEndian ? x.bigEndian : x.littleEndian, toByteOffset: at, as: UInt16.self)
            }
            let tcpLength = t.tcpHeader + t.payload
            var sum: UInt32 = 6 + UInt32(tcpLength)  // pseudo-header: protocol and TCP length
            func add(_ range: Range<Int>) {
                for i in stride(from: range.lowerBound, to: range.upperBound, by: 2) {
                    sum += UInt32(f.load(fromByteOffset: i, as: UInt8.self)) << 8 | UInt32(f.load(fromByteOffset: i + 1, as: UInt8.self))
                }
            }
            if t.ipHeader == 20 {
                put16(f, 16, 20 + tcpLength, bigEndian: true)
                put16(f, 24, 0, bigEndian: true)
                var ipSum: UInt32 = 0
                for i in stride(from: 14, to: 34, by: 2) {
                    ipSum += UInt32(f.load(fromByteOffset: i, as: UInt8.self)) << 8 | UInt32(f.load(fromByteOffset: i + 1, as: UInt8.self))
                }
                while ipSum > 0xFFFF { ipSum = (ipSum & 0xFFFF) + (ipSum >> 16) }
                put16(f, 24, Int(~ipSum & 0xFFFF), bigEndian: true)
                add(26..<34)
            } else {
                put16(f, 18, tcpLength, bigEndian: true)
                add(22..<54)
            }
            while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            put16(f, t.tcpStart + 16, Int(sum), bigEndian: true)
            if t.push { f.storeBytes(of: f.load(fromByteOffset: t.tcpStart + 13, as: UInt8.self) | 0x08, toByteOffset: t.tcpStart + 13, as: UInt8.self) }
            // struct virtio_net_hdr (section 5.1.6): NEEDS_CSUM, GSO TCPV4 or TCPV6, the headers' length,
            // the segment size, where the checksum starts and where in it the sum goes.
            v.storeBytes(of: Self.needsChecksum, as: UInt8.self)
            v.storeBytes(of: UInt8(t.ipHeader == 20 ? 1 : 4), toByteOffset: 1, as: UInt8.self)
            put16(v, 2, t.tcpStart + t.tcpHeader, bigEndian: false)
            put16(v, 4, t.segmentSize, bigEndian: false)
            put16(v, 6, t.tcpStart, bigEndian: false)
            put16(v, 8, 16, bigEndian: false)
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
        trustsChecksums && flags & (Self.needsChecksum | Self.dataValid) != 0
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
