// Swiftlet: `--offload SPEC`, which of a network device's offloads Swiftlet's own stack may use (the kvm
// target's virtio-net; docs/ARCHITECTURE.md, "virtio-net offloads"):
//
//   --offload all | none | NAME[,NAME]...      (the names given are on, the others off; default all)
//
//   rx-csum  the device vouches for received TCP and UDP checksums (virtio-net GUEST_CSUM: the host's
//            own data comes with its checksum left to compute, NEEDS_CSUM, or checked, DATA_VALID), so
//            the stack does not sum those bytes again
//   rx-tso   the device hands over TCP segments of up to 64 KiB that the host never cut into frames
//            (GUEST_TSO4, GUEST_TSO6, in mergeable receive buffers, MRG_RXBUF); needs rx-csum
//   tx-tso   consecutive segments of a connection sent in one run-loop turn, each as large as the first
//            but the last, go to the device as one frame of up to 64 KiB that the host cuts back into
//            segments of that size (CSUM, HOST_TSO4, HOST_TSO6)
//
// Each can be switched off to compare or to work around a device; the stack works the same without.

public struct NetworkOffloads: Sendable, Equatable {
    public var receiveChecksum: Bool
    public var receiveSegmentation: Bool
    public var transmitSegmentation: Bool

    public init(receiveChecksum: Bool, receiveSegmentation: Bool, transmitSegmentation: Bool = false) {
        self.receiveChecksum = receiveChecksum
        self.receiveSegmentation = receiveSegmentation
        self.transmitSegmentation = transmitSegmentation
    }

    public static let all = NetworkOffloads(receiveChecksum: true, receiveSegmentation: true, transmitSegmentation: true)
    public static let none = NetworkOffloads(receiveChecksum: false, receiveSegmentation: false, transmitSegmentation: false)

    /// "rx-csum,rx-tso,tx-tso", "none": the spec that gives these settings back.
    public var spec: String {
        var names: [String] = []
        if receiveChecksum { names.append("rx-csum") }
        if receiveSegmentation { names.append("rx-tso") }
        if transmitSegmentation { names.append("tx-tso") }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }

    /// Parses SPEC (byte-wise, as TCPTuning does: no Unicode tables in kernels).
    public static func parse(_ spec: String) -> Result<NetworkOffloads, UsageError> {
        if spec.sameBytes("all") { return .success(.all) }
        if spec.sameBytes("none") { return .success(.none) }
        var o = NetworkOffloads.none
        for item in spec.utf8.split(separator: 0x2C, omittingEmptySubsequences: false) {  // ","
            let name = String(decoding: item, as: UTF8.self)
            switch ByteKey(name) {
            case "rx-csum": o.receiveChecksum = true
            case "rx-tso": o.receiveSegmentation = true
            case "tx-tso": o.transmitSegmentation = true
            default:
                return .failure(UsageError("--offload '" + spec + "': all, none, or names from rx-csum, rx-tso, tx-tso separated by commas"))
            }
        }
        if o.receiveSegmentation && !o.receiveChecksum {
            return .failure(UsageError("--offload '" + spec + "': rx-tso needs rx-csum (virtio-net's GUEST_TSO requires GUEST_CSUM)"))
        }
        return .success(o)
    }
}
