// Swiftlet: the network device protocol (an Ethernet NIC: a tap, virtio-net, or a test fake).
//
// Transmit is synchronous and never blocks: the device queues the frame or reports it dropped.
// Receive never waits either: `receive(limit:_:)` hands over the frames that are already there. The
// platform's run loop learns that frames arrived (epoll on the tap's descriptor, the virtio interrupt) and
// its stack driver drains the device.
// Frames are whole Ethernet frames without FCS.

import _Concurrency

public enum NetworkDeviceError: Error, Equatable, Sendable {
    /// The frame is larger than the device's MTU plus the Ethernet header.
    case frameTooLarge(size: Int, limit: Int)
    /// The transmit queue is full; the frame was dropped.
    case queueFull
    /// The device has been closed or the link is gone.
    case down
    /// The platform reported an error (errno on hosted targets).
    case platform(code: Int32)
}

extension NetworkDeviceError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .frameTooLarge(let size, let limit): return "a frame of " + String(size) + " bytes is over the device's " + String(limit)
        case .queueFull: return "the transmit queue is full"
        case .down: return "the device is down"
        case .platform(let code): return "platform error " + String(code)
        }
    }
}

public protocol NetworkDevice: AnyObject {
    /// The device's own address.
    var macAddress: MACAddress { get }
    /// The largest payload of an Ethernet frame (1500 for standard Ethernet).
    var mtu: Int { get }
    /// Bytes in front of the Ethernet header the device needs for its own header (virtio-net uses it).
    var headroom: Int { get }

    /// Sends one frame. `frame.bytes` starts at the Ethernet header; the device may prepend into its headroom.
    func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError)

    /// Hands each frame that has already arrived (at most `limit`) to `handler`; never waits.
    /// Returns how many were handed over. A device with receive segmentation offload (virtio-net's
    /// GUEST_TSO) may hand over frames larger than `mtu + 18`, up to a 64 KiB IP packet.
    func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int

    /// When the device itself needs a turn of the run loop even if no frame arrives (frames an
    /// impairment holds back); `.distantFuture` for real devices.
    var nextDeadline: Instant { get }
}

extension NetworkDevice {
    public var nextDeadline: Instant { .distantFuture }
}

extension NetworkDevice {
    /// A buffer for building one frame with `reserve` bytes of headroom for the headers the caller will
    /// prepend (Ethernet included), plus the device's own headroom, and room for an MTU-sized payload.
    public func makeFrame(reserve: Int) -> PacketBuffer {
        let ethernetRoom = 18  // 14-byte header plus an 802.1Q tag
        return PacketBuffer(capacity: headroom + max(reserve, ethernetRoom) + mtu, headroom: headroom + reserve)
    }
}
