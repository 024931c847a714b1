// SwiftletManifest: the devices an application can ask for. Each becomes an argument of its entry
// type's `start`, labelled with the device's name, and the target picks the concrete type
// (`swiftlet describe` prints which).

public struct Device: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case console, network, timers, clock, wallclock, entropy, store, block
    }

    public let kind: Kind
    /// The store's directory, relative to the application's folder (the store device only).
    public let directory: String?

    init(_ kind: Kind, directory: String? = nil) {
        self.kind = kind
        self.directory = directory
    }

    /// Console: log lines (standard output, the serial port).
    public static let console = Device(.console)
    /// Network: TCP and UDP (the host's sockets on unix, Swiftlet's own stack on tap and kvm).
    public static let network = Device(.network)
    /// Timers: sleep and deadlines on the target's run loop.
    public static let timers = Device(.timers)
    /// A monotonic clock.
    public static let clock = Device(.clock)
    /// The time of day (HTTP `Date`, logs).
    public static let wallclock = Device(.wallclock)
    /// Random bytes from the host or the CPU.
    public static let entropy = Device(.entropy)
    /// A read-only block device (kvm: virtio-blk).
    public static let block = Device(.block)
    /// A read-only key-value store of the files under `directory`: read from disk on the hosted targets
    /// (unless `swiftlet run --store` names another), embedded in the image on kvm.
    public static func store(_ directory: String) -> Device { Device(.store, directory: directory) }
}
