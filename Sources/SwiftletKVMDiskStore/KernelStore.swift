// SwiftletKVMDiskStore: the store device of a kvm kernel whose manifest says `.store(DIR, disk: true)`:
// the tar archive on the virtio-blk disk when the kernel has one (`swiftlet run --target kvm --disk
// site.tar`), else the files embedded in the image.
//
// One concrete type for the generated `main` to hand the application, whichever backs it. A module of its
// own, apart from EmbeddedStore, for the reason SwiftletKVMStore is one: a module's class metadata shares
// one data section, so in EmbeddedStore's module this type would make every kernel with a store keep the
// tar reader (25 KB of the dns kernel), whether or not it can ever read a disk.

import _Concurrency
import Swiftlet
import SwiftletStore
import SwiftletKVM
import SwiftletKVMStore

public final class KernelStore: KeyValueStore, @unchecked Sendable {
    enum Backing {
        case embedded(EmbeddedStore)
        case tar(TarStore<VirtioBlock>)
    }
    let backing: Backing

    init(_ backing: Backing) { self.backing = backing }

    /// The disk's archive, or the embedded files when there is no disk. A disk that is not a tar
    /// archive ends the kernel with a line that says so.
    public static func open(kernel: Kernel, console: SerialConsole) async -> KernelStore {
        guard VirtioTransport.first(deviceID: 2) != nil else {
            let store = EmbeddedStore()
            console.log("kernel: store: \(store.count) files embedded in the image")
            return KernelStore(.embedded(store))
        }
        let disk = Boot.block(kernel: kernel, console: console)
        do throws(KeyValueError) {
            let store = try await TarStore.open(disk)
            let skipped = store.skipped > 0 ? " (\(store.skipped) members skipped: links, devices or names outside the store)" : ""
            console.log("kernel: store: the tar archive on the disk\(skipped)")
            return KernelStore(.tar(store))
        } catch {
            Boot.fail(console, "store: the disk is not a usable tar archive: \(error)")
        }
    }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        switch backing {
        case .embedded(let s): return try await s.get(key)
        case .tar(let s): return try await s.get(key)
        }
    }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        switch backing {
        case .embedded(let s): return try await s.get(key, offset: offset, length: length)
        case .tar(let s): return try await s.get(key, offset: offset, length: length)
        }
    }

    public func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] {
        switch backing {
        case .embedded(let s): return try await s.list(directory)
        case .tar(let s): return try await s.list(directory)
        }
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int {
        switch backing {
        case .embedded(let s): return try await s.size(key)
        case .tar(let s): return try await s.size(key)
        }
    }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        switch backing {
        case .embedded(let s): return try await s.digest(key)
        case .tar(let s): return try await s.digest(key)
        }
    }
}
