// Swiftlet: the index of a read-only store whose content is a list of paths (files embedded in a kernel
// image, the members of a tar archive): finds a path's file and lists directories, which the paths imply.
//
// Keys are `/`-separated paths without a leading slash, as in KeyValueStore; "" is the root.

import Swiftlet

public struct StoreIndex: Sendable {
    private var files: [String: Int] = [:]
    private var directories: [String: [KeyValueEntry]] = ["": []]

    /// File `i` is `paths[i]`. A path listed twice keeps its last index (a later archive member wins).
    public init(paths: [String]) {
        var children: [String: Set<String>] = [:]
        var kinds: [String: KeyValueEntry.Kind] = [:]
        for (i, path) in paths.enumerated() {
            files[path] = i
            var parent = ""
            let parts = path.split(separator: "/").map(String.init)
            for (depth, part) in parts.enumerated() {
                let full = parent.isEmpty ? part : parent + "/" + part
                children[parent, default: []].insert(part)
                if depth == parts.count - 1 { kinds[full] = .value } else if kinds[full] == nil { kinds[full] = .directory }
                parent = full
            }
        }
        for (directory, names) in children {
            directories[directory] = names.sorted().map { n in
                KeyValueEntry(name: n, kind: kinds[directory.isEmpty ? n : directory + "/" + n] ?? .value)
            }
        }
    }

    /// Adds an empty directory (an archive member that is a directory with nothing in it).
    public mutating func addDirectory(_ path: String) {
        guard !path.isEmpty, directories[path] == nil, files[path] == nil else { return }
        directories[path] = []
        var parent = ""
        for part in path.split(separator: "/").map(String.init) {
            let full = parent.isEmpty ? part : parent + "/" + part
            var entries = directories[parent] ?? []
            if !entries.contains(where: { $0.name == part }) {
                entries.append(KeyValueEntry(name: part, kind: .directory))
                entries.sort { $0.name < $1.name }
                directories[parent] = entries
            }
            if directories[full] == nil { directories[full] = [] }
            parent = full
        }
    }

    /// The file at `key`.
    public func file(_ key: String) throws(KeyValueError) -> Int {
        if let i = files[key] { return i }
        throw directories[key] != nil ? .wrongKind(key) : .notFound(key)
    }

    /// The entries of `directory`, sorted by name.
    public func list(_ directory: String) throws(KeyValueError) -> [KeyValueEntry] {
        if let entries = directories[directory] { return entries }
        throw files[directory] != nil ? .wrongKind(directory) : .notFound(directory)
    }
}
