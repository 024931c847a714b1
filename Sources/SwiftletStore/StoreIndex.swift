// Swiftlet: the index of a read-only store whose content is a list of paths (files embedded in a kernel
// image, the members of a tar archive): finds a path's file and lists directories, which the paths imply.
//
// Keys are `/`-separated paths without a leading slash, as in KeyValueStore; "" is the root. Paths are
// compared and hashed as bytes (`ByteKey`), as a file system names files, which also keeps String's
// Unicode tables out of kernels.

import Swiftlet

public struct StoreIndex: Sendable {
    private var files: [ByteKey: Int] = [:]
    private var directories: [ByteKey: [KeyValueEntry]] = [ByteKey(""): []]

    /// File `i` is `paths[i]`. A path listed twice keeps its last index (a later archive member wins).
    public init(paths: [String]) {
        var children: [ByteKey: [String]] = [:]
        var kinds: [ByteKey: KeyValueEntry.Kind] = [:]
        for (i, path) in paths.enumerated() {
            files[ByteKey(path)] = i
            var parent = ""
            let parts = path.splitBytes(UInt8(ascii: "/"))
            for (depth, part) in parts.enumerated() {
                let full = ByteKey(parent.isEmpty ? part : parent + "/" + part)
                let isNew = kinds[full] == nil
                if isNew { children[ByteKey(parent), default: []].append(part) }
                if depth == parts.count - 1 { kinds[full] = .value } else if isNew { kinds[full] = .directory }
                parent = full.text
            }
        }
        for (directory, names) in children {
            directories[directory] = StoreIndex.sorted(names).map { n in
                KeyValueEntry(name: n, kind: kinds[ByteKey(directory.text.isEmpty ? n : directory.text + "/" + n)] ?? .value)
            }
        }
    }

    /// Byte order of names (what `ls` does in the C locale).
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
    static func sorted(_ names: [String]) -> [String] { names.sorted(by: precedes) }

    /// Adds an empty directory (an archive member that is a directory with nothing in it).
    public mutating func addDirectory(_ path: String) {
        guard !path.isEmpty, directories[ByteKey(path)] == nil, files[ByteKey(path)] == nil else { return }
        directories[ByteKey(path)] = []
        var parent = ""
        for part in path.splitBytes(UInt8(ascii: "/")) {
            let full = parent.isEmpty ? part : parent + "/" + part
            var entries = directories[ByteKey(parent)] ?? []
            if !entries.contains(where: { $0.name.sameBytes(part) }) {
                entries.append(KeyValueEntry(name: part, kind: .directory))
                entries.sort { StoreIndex.precedes($0.name, $1.name) }
                directories[ByteKey(parent)] = entries
            }
            if directories[ByteKey(full)] == nil { directories[ByteKey(full)] = [] }
            parent = full
        }
    }

    /// The file at `key`.
    public func file(_ key: String) throws(KeyValueError) -> Int {
        if let i = files[ByteKey(key)] { return i }
        throw directories[ByteKey(key)] != nil ? .wrongKind(key) : .notFound(key)
    }

    /// The entries of `directory`, sorted by name.
    public func list(_ directory: String) throws(KeyValueError) -> [KeyValueEntry] {
        if let entries = directories[ByteKey(directory)] { return entries }
        throw files[ByteKey(directory)] != nil ? .wrongKind(directory) : .notFound(directory)
    }
}
