// SwiftletKVM: the virtio block device (Virtual I/O Device Specification 1.2, section 5.2) as a
// Swiftlet `BlockDevice`: read, write and flush.
//
// A request is a chain of three descriptors over one heap block: the 16-byte header (type, sector),
// the data, and the status byte the device writes. Heap memory is identity-mapped, so it can be handed
// to the device as it is. Requests larger than 256 KiB are split. A request waits on its own `Wake`;
// the interrupt handler drains the used ring and completes every finished request. When every
// descriptor is in use, new requests wait for one to come back. The used ring is checked by
// `Virtqueue.takeUsed`: a completion the driver did not ask for stops the kernel.

import _Concurrency
import Swiftlet
import CSwiftletKVM

public final class VirtioBlock: BlockDevice, @unchecked Sendable {
    public let sectorSize = 512
    public let sectorCount: UInt64
    public let isReadOnly: Bool
    public let transport: VirtioTransport
    private let queue: Virtqueue
    private var freeDescriptors: [Int]
    private var requests: [Request?]
    private var waitingForDescriptors: [Wake] = []
    private var offered = false
    /// The largest transfer one request carries.
    static let chunk = 256 * 1024

    static let featureReadOnly: UInt64 = 1 << 5
    static let featureFlush: UInt64 = 1 << 9
    let hasFlush: Bool

    final class Request {
        let memory: UnsafeMutableRawPointer
        let length: Int
        var wake: Wake?
        var done = false
        init(length: Int) {
            self.length = length
            memory = UnsafeMutableRawPointer.allocate(byteCount: 16 + length + 1, alignment: 16)
        }
        deinit { memory.deallocate() }
        var status: UInt8 { memory.load(fromByteOffset: 16 + length, as: UInt8.self) }
    }

    public init(_ transport: VirtioTransport, kernel: Kernel) throws(VirtioError) {
        self.transport = transport
        let features = try transport.negotiate(wanted: Self.featureReadOnly | Self.featureFlush)
        isReadOnly = features & Self.featureReadOnly != 0
        hasFlush = features & Self.featureFlush != 0
        sectorCount = UInt64(transport.config32(0)) | UInt64(transport.config32(4)) << 32
        queue = try Virtqueue(transport, index: 0, maximumSize: 128, name: "virtio-blk request queue")
        freeDescriptors = Array((0..<queue.size).reversed())
        requests = Array(repeating: nil, count: queue.size)
        chainNext = Array(repeating: 0, count: queue.size)
        chainLast = Array(repeating: 0, count: queue.size)
        transport.finishSetup()
        kernel.onInterrupt(gsi: transport.gsi) { [self] in
            let cause = transport.acknowledgeInterrupt()
            complete()
            return cause != 0
        }
        kernel.atEndOfTurn { [self] in
            if offered {
                offered = false
                if queue.publish() { queue.notify() }
            }
        }
    }

    private func complete() {
        while let used = queue.takeUsed() {
            // `takeUsed` checked the head: one of ours, in flight, so a request is waiting on it.
            guard let r = requests[used.head] else { continue }
            requests[used.head] = nil
            // The chain's three descriptors go back to the free list.
            freeDescriptors.append(used.head)
            freeDescriptors.append(chainNext[used.head])
            freeDescriptors.append(chainLast[used.head])
            r.done = true
            r.wake?.fire()
        }
        let w = waitingForDescriptors
        waitingForDescriptors.removeAll()
        for wake in w { wake.fire() }
    }

    /// The data and status descriptors of the chain that starts at each head.
    private var chainNext: [Int]
    private var chainLast: [Int]

    /// Sends one request and waits for the device to finish it; returns its status byte.
    private func perform(type: UInt32, sector: UInt64, _ r: Request, deviceWrites: Bool) async -> UInt8 {
        while freeDescriptors.count < 3 {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in waitingForDescriptors.append(Wake(c)) }
        }
        let head = freeDescriptors.removeLast(), data = freeDescriptors.removeLast(), status = freeDescriptors.removeLast()
        r.memory.storeBytes(of: type, as: UInt32.self)
        r.memory.storeBytes(of: 0, toByteOffset: 4, as: UInt32.self)
        r.memory.storeBytes(of: sector, toByteOffset: 8, as: UInt64.self)
        r.memory.storeBytes(of: 0xff, toByteOffset: 16 + r.length, as: UInt8.self)
        let base = UInt64(UInt(bitPattern: r.memory))
        queue.setDescriptor(head, address: base, length: 16, deviceWrites: false)
        if r.length > 0 {
            queue.setDescriptor(data, address: base + 16, length: r.length, deviceWrites: deviceWrites)
            queue.setDescriptor(status, address: base + 16 + UInt64(r.length), length: 1, deviceWrites: true)
            queue.chain(head, to: data)
            queue.chain(data, to: status, deviceWrites: deviceWrites)
        } else {  // flush: header and status only; the data descriptor stays unused
            queue.setDescriptor(status, address: base + 16, length: 1, deviceWrites: true)
            queue.chain(head, to: status)
        }
        chainNext[head] = data
        chainLast[head] = status
        requests[head] = r
        // The device writes the data of a read and the status byte (Virtio 1.2 §5.2.6).
        queue.offer(head, writableLength: (deviceWrites ? r.length : 0) + 1)
        offered = true
        if !r.done {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in r.wake = Wake(c) }
        }
        return r.status
    }

    private static func check(_ status: UInt8) throws(BlockDeviceError) {
        switch status {
        case 0: return
        case 2: throw .io(code: 95)  // VIRTIO_BLK_S_UNSUPP: EOPNOTSUPP
        default: throw .io(code: 5)  // VIRTIO_BLK_S_IOERR: EIO
        }
    }

    public func read(sector: UInt64, into buffer: inout [UInt8]) async throws(BlockDeviceError) {
        try validate(sector: sector, length: buffer.count)
        var done = 0
        while done < buffer.count {
            let n = min(Self.chunk, buffer.count - done)
            let r = Request(length: n)
            try Self.check(await perform(type: 0, sector: sector + UInt64(done / sectorSize), r, deviceWrites: true))
            let source = UnsafeRawBufferPointer(start: r.memory + 16, count: n)
            for i in 0..<n { buffer[done + i] = source[i] }
            done += n
        }
    }

    public func write(sector: UInt64, from buffer: [UInt8]) async throws(BlockDeviceError) {
        guard !isReadOnly else { throw .readOnly }
        try validate(sector: sector, length: buffer.count)
        var done = 0
        while done < buffer.count {
            let n = min(Self.chunk, buffer.count - done)
            let r = Request(length: n)
            buffer.withUnsafeBytes { (r.memory + 16).copyMemory(from: $0.baseAddress! + done, byteCount: n) }
            try Self.check(await perform(type: 1, sector: sector + UInt64(done / sectorSize), r, deviceWrites: false))
            done += n
        }
    }

    public func flush() async throws(BlockDeviceError) {
        guard hasFlush else { return }  // without VIRTIO_BLK_F_FLUSH the device writes through
        try Self.check(await perform(type: 4, sector: 0, Request(length: 0), deviceWrites: false))
    }
}
