// SwiftletUnix: the small devices of the hosted targets: console on stdout, clocks, getrandom entropy,
// and a read-only key-value store over a directory.

#if canImport(Glibc)
import Glibc
#endif
import _Concurrency
import Swiftlet

/// The console: standard output, unbuffered (one write(2) per call).
public final class StandardOutputConsole: Console, @unchecked Sendable {
    public init() {}
    public func write(bytes: Span<UInt8>) {
        bytes.withUnsafeBytes { Sys.writeAll(1, $0) }
    }
}

/// CLOCK_MONOTONIC.
public final class HostMonotonicClock: MonotonicClock, @unchecked Sendable {
    public init() {}
    public func now() -> Instant { Sys.monotonicNow() }
}

/// CLOCK_REALTIME.
public final class HostWallClock: WallClock, @unchecked Sendable {
    public init() {}
    public func now() -> WallTime { Sys.wallNow() }
    public func elapsed() -> Instant { Sys.monotonicNow() }
}

/// getrandom(2): the kernel's CSPRNG.
public final class HostEntropy: Entropy, @unchecked Sendable {
    public init() {}
    public var isUnpredictable: Bool { true }
    public func fill(_ buffer: inout MutableSpan<UInt8>) {
        buffer.withUnsafeMutableBytes { raw in
            do throws(Errno) { try Sys.getrandom(raw) } catch { fatalError("swiftlet: getrandom failed: \(error)") }
        }
    }
}

/// A read-only store over a directory: key `a/b.html` is the file `ROOT/a/b.html`. Keys may not climb
/// out of the root (`..` components and absolute keys are refused as not found).
///
/// Nothing outside the root is ever served: below the root, symbolic links are not followed (a key
/// that names one, or passes through one, is not found, even when the link points inside the root)
/// and only regular files and directories are served; `list` leaves links and special files out. Keys
/// are resolved from a descriptor of the root one component at a time with O_NOFOLLOW, so renaming or
/// swapping in a link between two checks does not help either. The root's own path may hold links:
/// it is opened once, at the first use (a root replaced later is not seen until a restart).
///
/// Small files (up to `cacheFileLimit`) are kept in memory with their digest, at most `cacheLimit` bytes
/// in all; a use checks the file's size and modification time with one stat, so an edited file is
/// served fresh. A check of the file used last holds for `recheckAfter` (1 ms): a web server asks for
/// the size, digest and content of one file per request, microseconds apart, and those three then come
/// from one stat and, but for an edit in that millisecond, one version of the file. (Without the cache
/// a request would cost three stats, two opens and a full read for the digest; without the reuse, three
/// stats and six hash lookups of the key.)
public final class DirectoryStore: KeyValueStore, @unchecked Sendable {
    public let root: String
    public let cacheFileLimit = 256 * 1024
    public let cacheLimit = 16 * 1024 * 1024
    private struct Cached {
        let size: Int
        let modified: Int64
        let bytes: [UInt8]
        let digest: String
    }
    private var cache: [String: Cached] = [:]
    private var cachedBytes = 0
    private var paths: [String: [String]] = [:]
    /// The root, opened at the first use (not open until then). Like the caches, it is used from one
    /// executor only (the run loop's): two threads opening it at once could close a number the other uses.
    private var rootDescriptor = FileDescriptor(-1)
    /// How long a check of the file used last is trusted.
    public let recheckAfter: Duration
    private let now: () -> Instant
    /// The file checked last, and when.
    private var recent: (key: String, checked: Instant, cached: Cached)? = nil

    /// `now` is the clock for `recheckAfter` (tests pass their own).
    public init(root: String, recheckAfter: Duration = .milliseconds(1), now: (() -> Instant)? = nil) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.recheckAfter = recheckAfter
        self.now = now ?? { Sys.monotonicNow() }
    }

    /// The components of `key`, or nil for keys that would leave the root (remembered for keys seen before).
    func components(_ key: String) -> [String]? {
        if let p = paths[key] { return p }
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        for p in parts where p == ".." || p == "." { return nil }
        if key.utf8.contains(0) { return nil }
        let result = parts.map(String.init)
        if paths.count < 4096 { paths[key] = result }
        return result
    }

    private func rootFD(_ key: String) throws(KeyValueError) -> Int32 {
        if !rootDescriptor.isOpen {
            do throws(Errno) { rootDescriptor = try Sys.openDirectory(root) } catch { throw .notFound(key) }
        }
        return rootDescriptor.raw
    }

    /// `body` with the directory that holds `key`'s last component (reached without following a link)
    /// and that component ("." for the root itself).
    private func withParent<T: ~Copyable>(_ key: String, _ body: (Int32, String) throws(KeyValueError) -> T) throws(KeyValueError) -> T {
        guard let parts = components(key) else { throw .notFound(key) }
        let root = try rootFD(key)
        guard let last = parts.last else { return try body(root, ".") }
        var below = FileDescriptor(-1)  // the directory reached so far below the root (each closes as the next opens)
        for part in parts.dropLast() {
            do throws(Errno) { below = try Sys.openDirectory(at: below.isOpen ? below.raw : root, part) } catch { throw .notFound(key) }
        }
        return try body(below.isOpen ? below.raw : root, last)
    }

    /// A regular file's or a directory's status; anything else (a link, a device, a FIFO) is not found.
    private func status(_ key: String) throws(KeyValueError) -> (directory: Bool, size: Int, modified: Int64) {
        let s = try withParent(key) { (dir, name) throws(KeyValueError) in Sys.fileStatus(at: dir, name) }
        guard let s, s.kind != .other else { throw .notFound(key) }
        return (s.kind == .directory, s.size, s.modified)
    }

    /// The cached copy of a small file, refreshed when its size or modification time changed.
    private func cached(_ key: String) throws(KeyValueError) -> Cached? {
        let t = now()
        if let r = recent, r.key == key, t - r.checked < recheckAfter { return r.cached }
        let s = try status(key)
        if s.directory { throw .wrongKind(key) }
        if let c = cache[key], c.size == s.size, c.modified == s.modified { recent = (key, t, c); return c }
        guard s.size <= cacheFileLimit else { return nil }
        let bytes = try read(key, offset: 0, length: s.size)
        if let old = cache.removeValue(forKey: key) { cachedBytes -= old.bytes.count }
        if cachedBytes + bytes.count > cacheLimit { cache.removeAll(); cachedBytes = 0 }
        let c = Cached(size: s.size, modified: s.modified, bytes: bytes, digest: ContentDigest.of(bytes.span))
        cache[key] = c
        cachedBytes += bytes.count
        recent = (key, t, c)
        return c
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int {
        if let c = try cached(key) { return c.size }
        return try status(key).size
    }

    /// From the cache entry when the file is cached: one `stat` (or none) for both.
    public func info(_ key: String) async throws(KeyValueError) -> KeyValueInfo {
        if let c = try cached(key) { return KeyValueInfo(size: c.size, digest: c.digest) }
        return KeyValueInfo(size: try status(key).size, digest: try await digest(key))
    }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        if let c = try cached(key) { return c.bytes }
        let n = try await size(key)
        return try await get(key, offset: 0, length: n)
    }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        if let c = try cached(key) {
            try KeyValueRange.check(offset: offset, length: length, size: c.size)
            return Array(c.bytes[offset..<(offset + length)])
        }
        let n = try await size(key)
        try KeyValueRange.check(offset: offset, length: length, size: n)
        return try read(key, offset: offset, length: length)
    }

    private func read(_ key: String, offset: Int, length: Int) throws(KeyValueError) -> [UInt8] {
        let file = try withParent(key) { (dir, name) throws(KeyValueError) -> FileDescriptor in
            do throws(Errno) { return try Sys.openRegularFile(at: dir, name) } catch { throw .notFound(key) }
        }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = 0
            while count < length {
                do throws(Errno) {
                    let got = try Sys.pread(file.raw, into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[count...])), offset: offset + count)
                    if got == 0 { break }
                    count += got
                } catch {
                    failed = true
                    break
                }
            }
        }
        if failed || bytes.count != length { throw .storage("short read of \(key)") }
        return bytes
    }

    public func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] {
        guard try status(directory).directory else { throw .wrongKind(directory) }
        let entries = try withParent(directory) { (dir, name) throws(KeyValueError) -> [(name: String, kind: Sys.FileKind)] in
            do throws(Errno) { return try Sys.listDirectory(try Sys.openDirectory(at: dir, name)) } catch { throw .notFound(directory) }
        }
        return entries.filter { $0.kind != .other }.sorted { $0.name < $1.name }.map { e in
            KeyValueEntry(name: e.name, kind: e.kind == .directory ? .directory : .value)
        }
    }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        if let c = try cached(key) { return c.digest }
        let bytes = try await get(key)
        return ContentDigest.of(bytes.span)
    }
}
