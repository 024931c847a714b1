// SwiftletKVMStore: the key-value store of the kvm target: files embedded in the kernel image at build time.
//
// A module of its own so that a kernel without a store links none of it: Embedded Swift puts a module's
// class metadata and witness tables in one data section, which `--gc-sections` keeps or drops whole
// (inside SwiftletKVM, the store would add about 40 KB to every kernel, hello included).
//
// `swiftlet build --target kvm` turns the manifest's store directory into a table of (path, bytes) in the
// image's read-only data (a generated store.S with `.incbin`); this store serves it without copying it
// into the heap until a caller asks for bytes. Directories are implied by the paths (StoreIndex). Digests
// are computed on first use and kept.

import _Concurrency
import Swiftlet
import SwiftletStore
import CSwiftletKVM
import SwiftletKVM

public final class EmbeddedStore: KeyValueStore, @unchecked Sendable {
    private let files: [UnsafeRawBufferPointer]
    private var digests: [String?]
    private let index: StoreIndex

    public init() {
        var count = 0
        let table = swiftlet_store_table(&count)
        var files: [UnsafeRawBufferPointer] = []
        var paths: [String] = []
        for i in 0..<count {
            let e = table![i]
            paths.append(String(decoding: UnsafeRawBufferPointer(start: e.name, count: Int(e.name_length)), as: UTF8.self))
            files.append(UnsafeRawBufferPointer(start: e.data, count: Int(e.size)))
        }
        self.files = files
        digests = Array(repeating: nil, count: count)
        index = StoreIndex(paths: paths)
    }

    /// The store of a kernel whose manifest keeps the disk out (`.store(DIR)`): says how many files it has.
    public static func open(console: SerialConsole) -> EmbeddedStore {
        let store = EmbeddedStore()
        console.log("kernel: store: \(store.count) files embedded in the image")
        return store
    }

    /// The number of files.
    public var count: Int { files.count }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        Array(files[try index.file(key)])
    }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        let data = files[try index.file(key)]
        try KeyValueRange.check(offset: offset, length: length, size: data.count)
        return Array(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + length)]))
    }

    public func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] {
        try index.list(directory)
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int {
        files[try index.file(key)].count
    }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        let i = try index.file(key)
        if let d = digests[i] { return d }
        let bytes = Array(files[i])  // bound first: `.span` of a temporary crashes IRGen (ARCHITECTURE.md)
        let d = ContentDigest.of(bytes.span)
        digests[i] = d
        return d
    }
}
