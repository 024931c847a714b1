// SwiftletKVMStore: the key-value store of the kvm target: files embedded in the kernel image at build time.
//
// A module of its own so that a kernel without a store links none of it: Embedded Swift puts a module's
// class metadata and witness tables in one data section, which `--gc-sections` keeps or drops whole
// (with the store in SwiftletKVM, hello grew from 149 to 188 KB).
//
// `swiftlet build --target kvm` turns the manifest's store directory into a table of (path, bytes) in the
// image's read-only data (a generated store.S with `.incbin`); this store serves it without copying it
// into the heap until a caller asks for bytes. Directories are implied by the paths. Digests are computed
// on first use and kept.

import _Concurrency
import Swiftlet
import CSwiftletKVM

public final class EmbeddedStore: KeyValueStore, @unchecked Sendable {
    private struct File {
        let data: UnsafeRawBufferPointer
        var digest: String?
    }
    private var files: [File] = []
    private var index: [String: Int] = [:]
    /// Every directory a path implies ("" is the root), with its sorted entries.
    private var directories: [String: [KeyValueEntry]] = [:]

    public init() {
        directories[""] = []
        var children: [String: Set<String>] = [:]
        var kinds: [String: KeyValueEntry.Kind] = [:]
        var count = 0
        let table = swiftlet_store_table(&count)
        for i in 0..<count {
            let e = table![i]
            let name = String(decoding: UnsafeRawBufferPointer(start: e.name, count: Int(e.name_length)), as: UTF8.self)
            index[name] = files.count
            files.append(File(data: UnsafeRawBufferPointer(start: e.data, count: Int(e.size)), digest: nil))
            // Register every parent directory and the child it holds.
            var parent = ""
            let parts = name.split(separator: "/").map(String.init)
            for (depth, part) in parts.enumerated() {
                let path = parent.isEmpty ? part : parent + "/" + part
                children[parent, default: []].insert(part)
                kinds[path] = depth == parts.count - 1 ? .value : .directory
                parent = path
            }
        }
        for (directory, names) in children {
            directories[directory] = names.sorted().map { n in
                KeyValueEntry(name: n, kind: kinds[directory.isEmpty ? n : directory + "/" + n] ?? .value)
            }
        }
    }

    /// The number of files.
    public var count: Int { files.count }

    private func file(_ key: String) throws(KeyValueError) -> Int {
        if let i = index[key] { return i }
        throw directories[key] != nil ? .wrongKind(key) : .notFound(key)
    }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        Array(files[try file(key)].data)
    }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        let data = files[try file(key)].data
        try Self.checkRange(offset: offset, length: length, size: data.count)
        return Array(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + length)]))
    }

    public func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] {
        if let entries = directories[directory] { return entries }
        throw index[directory] != nil ? .wrongKind(directory) : .notFound(directory)
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int {
        files[try file(key)].data.count
    }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        let i = try file(key)
        if let d = files[i].digest { return d }
        let bytes = Array(files[i].data)  // bound first: `.span` of a temporary crashes IRGen (ARCHITECTURE.md)
        let d = ContentDigest.of(bytes.span)
        files[i].digest = d
        return d
    }
}
