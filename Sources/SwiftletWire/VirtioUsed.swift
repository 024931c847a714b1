// SwiftletWire: checks of the used elements a virtio device returns (Virtual I/O Device Specification 1.2,
// §2.7.8 "The Virtqueue Used Ring"). The device writes the used ring; the driver must not trust it. An
// element names the head of a descriptor chain the driver made available (`id`) and how many bytes the
// device wrote into it (`len`, §2.7.8.1: never more than the chain's device-writable part). An id outside
// the queue, one not in flight (completed twice, or never offered), or a length beyond the buffer would
// make the driver read or write outside its buffers; the platform backend (SwiftletKVM's `Virtqueue`)
// stops the kernel with the violation instead. Pure logic, so host tests check it.

/// What is wrong with a used element.
public enum VirtioUsedViolation: Error, Equatable, Sendable, CustomStringConvertible {
    /// The id is not a descriptor index of the queue.
    case idOutOfRange(id: UInt32, queueSize: Int)
    /// The id names a chain the driver has not made available, or one already returned.
    case notInFlight(id: UInt32)
    /// The device claims to have written more than the chain's device-writable bytes.
    case lengthTooLarge(id: UInt32, length: UInt32, writable: Int)

    public var description: String {
        // Concatenated, not interpolated: every interpolation is code in every kernel.
        switch self {
        case .idOutOfRange(let id, let size): return "used id " + String(id) + " outside the queue (size " + String(size) + ")"
        case .notInFlight(let id): return "used id " + String(id) + " is not in flight (completed twice or never offered)"
        case .lengthTooLarge(let id, let length, let writable):
            return "used id " + String(id) + " claims " + String(length) + " bytes written into a chain of " + String(writable) + " writable bytes"
        }
    }
}

public enum VirtioUsedCheck {
    /// Checks one used element against the queue size, whether its chain is in flight, and the chain's
    /// device-writable length.
    public static func validate(id: UInt32, length: UInt32, queueSize: Int, inFlight: Bool,
                                writableLength: Int) -> VirtioUsedViolation? {
        guard Int(id) < queueSize else { return .idOutOfRange(id: id, queueSize: queueSize) }
        guard inFlight else { return .notInFlight(id: id) }
        guard Int(length) <= writableLength else { return .lengthTooLarge(id: id, length: length, writable: writableLength) }
        return nil
    }
}

/// The chains a driver has made available and not yet had back, with each chain's device-writable length.
public struct VirtioInFlight: Sendable {
    /// Per descriptor index: the writable length of the chain headed there, or -1 when none is in flight.
    private var writable: [Int]
    public private(set) var count = 0

    public init(queueSize: Int) { writable = [Int](repeating: -1, count: queueSize) }

    public var queueSize: Int { writable.count }

    /// Records that the chain headed by `head` is available to the device. A head already in flight is the
    /// driver's own bug, and traps.
    public mutating func offer(_ head: Int, writableLength: Int) {
        precondition(writable[head] < 0, "virtio: descriptor offered twice")
        writable[head] = writableLength
        count += 1
    }

    /// Takes back the chain a used element names: its head and length, or what is wrong with the element.
    public mutating func complete(id: UInt32, length: UInt32) throws(VirtioUsedViolation) -> (head: Int, length: Int) {
        let size = writable.count
        let posted = Int(id) < size ? writable[Int(id)] : -1
        if let violation = VirtioUsedCheck.validate(id: id, length: length, queueSize: size, inFlight: posted >= 0,
                                                   writableLength: posted) {
            throw violation
        }
        writable[Int(id)] = -1
        count -= 1
        return (Int(id), Int(length))
    }
}
