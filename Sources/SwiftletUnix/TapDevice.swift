// SwiftletUnix: a Linux tap device (`/dev/net/tun`, IFF_TAP | IFF_NO_PI) as a `NetworkDevice`.
//
// One read(2) is one Ethernet frame, one write(2) sends one. The descriptor is non-blocking: `receive`
// drains what is there, `transmit` drops and counts when the kernel's queue is full (as a NIC ring
// would). IFF_VNET_HDR offloads are not used yet (docs/ARCHITECTURE.md says why).

#if canImport(Glibc)
import Glibc
#endif
import _Concurrency
import Swiftlet

/// What can go wrong opening a tap, each with the one line a user needs.
public enum TapError: Error, CustomStringConvertible {
    case notPermitted(String)
    case noTunDevice
    case busy(String)
    case other(String, Errno)

    public var description: String {
        switch self {
        case .notPermitted(let name):
            return "cannot create tap '\(name)': not permitted (run as root, or give this program CAP_NET_ADMIN)"
        case .noTunDevice:
            return "cannot create a tap: /dev/net/tun is missing (load the tun module: modprobe tun)"
        case .busy(let name):
            return "cannot use tap '\(name)': it is busy (another program has it open)"
        case .other(let name, let e):
            return "cannot create tap '\(name)': \(e)"
        }
    }
}

public final class TapDevice: NetworkDevice {
    public let name: String
    public let macAddress: MACAddress
    public let mtu = 1500
    public let headroom = 0
    private let descriptor: FileDescriptor
    var fd: Int32 { descriptor.raw }
    let loop: RunLoop
    /// Frames the kernel would not take.
    public private(set) var transmitDrops = 0
    private var scratch: PacketBuffer

    /// Opens (creating if needed) tap `name`. The device's MAC is `macAddress`, or a random locally
    /// administered one from `entropy`.
    public init<E: Entropy>(name: String, loop: RunLoop, macAddress: MACAddress? = nil, entropy: E) throws(TapError) {
        do throws(Errno) {
            var actual = name
            descriptor = try Sys.openTap(name, actualName: &actual)
            self.name = actual
        } catch {
            switch error {
            case .permission, .access: throw .notPermitted(name)
            case .noEntry: throw .noTunDevice
            case .busy: throw .busy(name)
            default: throw .other(name, error)
            }
        }
        self.loop = loop
        if let macAddress {
            self.macAddress = macAddress
        } else {
            let r = entropy.next64()
            // Locally administered, unicast (IEEE 802: bit 1 of the first octet set, bit 0 clear).
            self.macAddress = MACAddress(rawValue: (r & 0xFEFF_FFFF_FFFF) | 0x0200_0000_0000)
        }
        scratch = PacketBuffer(capacity: 65536, headroom: 0)
        try! scratch.append(65536)
        do throws(Errno) { try loop.register(fd) } catch { fatalError("swiftlet: epoll cannot watch the tap: \(error)") }
    }

    deinit {
        loop.unregister(fd)  // the descriptor closes as the device goes
    }

    public func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {
        let limit = mtu + 18
        guard frame.count <= limit else { throw .frameTooLarge(size: frame.count, limit: limit) }
        do throws(Errno) {
            var result: Result<Int, Errno> = .success(0)
            frame.bytes.withUnsafeBytes { b in
                do throws(Errno) { result = .success(try Sys.write(fd, b)) } catch { result = .failure(error) }
            }
            _ = try result.get()
        } catch where error == .again {
            transmitDrops += 1
            throw .queueFull
        } catch {
            throw error.code == EIO ? .down : .platform(code: error.code)
        }
    }

    public func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int {
        var handed = 0
        while handed < limit {
            var n = 0
            var failure: Errno? = nil
            scratch.withMutableBytes { span in
                span.withUnsafeMutableBytes { buffer in
                    do throws(Errno) { n = try Sys.read(fd, into: buffer) } catch { failure = error }
                }
            }
            if let failure {
                if failure == .again { break }
                throw failure.code == EIO ? .down : .platform(code: failure.code)
            }
            guard n > 0 else { break }
            var frame = scratch
            try? frame.truncate(to: n)
            handler(frame)
            handed += 1
        }
        return handed
    }
}
