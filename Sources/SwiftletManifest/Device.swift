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
    /// The store device only: whether a kvm kernel serves the tar archive on a virtio-blk disk instead of
    /// its embedded files when one is attached (`swiftlet run --target kvm --disk FILE`).
    public let disk: Bool?
    /// The store device only: its `NAME.zone` files are DNS zone files, compiled when they are embedded
    /// in a kvm image (see `store(_:disk:compileZones:)`).
    public let compileZones: Bool?
    /// The store device only: the directory is a Markdown site's source, rendered to HTML by
    /// `swiftlet build` (see `store(_:disk:compileZones:renderMarkdown:)`).
    public let renderMarkdown: Bool?

    init(_ kind: Kind, directory: String? = nil, disk: Bool? = nil, compileZones: Bool? = nil, renderMarkdown: Bool? = nil) {
        self.kind = kind
        self.directory = directory
        self.disk = disk
        self.compileZones = compileZones
        self.renderMarkdown = renderMarkdown
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
    /// (unless `swiftlet run --store` names another), embedded in the image on kvm. With `disk: true` a
    /// kvm kernel started with a disk (`--disk site.tar`) serves that tar archive instead, which costs
    /// the image the tar reader (25 KB of the dns kernel); leave it out when the files
    /// are fixed at build time.
    ///
    /// With `compileZones: true` the store's `NAME.zone` files are DNS zone files (RFC 1035 §5): when they
    /// are embedded in a kvm image (no `disk`), `swiftlet build` parses them on the host, stops on a broken
    /// one with its file and line, and embeds each as its AXFR in wire form (SwiftletDNS `ZoneImage`); the
    /// application is then compiled with the condition `SWIFTLET_COMPILED_ZONES` and reads them with
    /// `ZoneImage.records`, so the kernel carries no zone-file parser (64 KB of the dns kernel).
    ///
    /// With `renderMarkdown: true` the directory is the source of a website: `swiftlet build` renders
    /// each `NAME.md` to `NAME.html` in one layout (navigation, a table of contents, links between pages
    /// kept working), makes a news page and an Atom feed of `news/`, an API reference of the Swiftlet
    /// modules the site's `.site` file names, and copies every other file; the store is that result
    /// (`APP/.swiftlet/site/`), on every target (docs/GUIDE.md, "A website from Markdown").
    public static func store(_ directory: String, disk: Bool = false, compileZones: Bool = false, renderMarkdown: Bool = false) -> Device {
        Device(.store, directory: directory, disk: disk, compileZones: compileZones, renderMarkdown: renderMarkdown)
    }
}
