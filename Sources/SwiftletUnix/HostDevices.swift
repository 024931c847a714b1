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
        bytes.withUnsafeBytes { Sys.writeStandardOutput($0) }
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
}

/// getrandom(2): the kernel's CSPRNG.
public final class HostEntropy: Entropy, @unchecked Sendable {
    public init() {}
    public func fill(_ buffer: inout MutableSpan<UInt8>) {
        buffer.withUnsafeMutableBytes { raw in
            do throws(Errno) { try Sys.getrandom(raw) } catch { fatalError("swiftlet: getrandom failed: \(error)") }
        }
    }
}

/// A read-only store over a directory: key `a/b.html` is the file `ROOT/a/b.html`. Keys may not climb
/// out of the root (`..` components and absolute keys are refused as not found).
///
/// Small files (up to `cacheFileLimit`) are kept in memory with their digest, at most `cacheLimit` bytes
/// in all; a use checks the file's size and modification time with one stat, so an edited file is
/// served fresh. A check of the file used last holds for `recheckAfter` (1 ms): a web server asks for
/// the size, digest and content of one file per request, microseconds apart, and those three then come
/// from one stat and, but for an edit in that millisecond, one version of the file. (Without the cache
/// that was three stats, two opens and a full read for the digest; without the reuse, three stats and six
/// hash lookups of the key per request.)
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
    private var paths: [String: String] = [:]
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

    /// The path for `key`, or nil for keys that would leave the root (remembered for keys seen before).
    func path(_ key: String) -> String? {
        if let p = paths[key] { return p }
        guard let p = computePath(key) else { return nil }
        if paths.count < 4096 { paths[key] = p }
        return p
    }

    private func computePath(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        for p in parts where p == ".." || p == "." { return nil }
        if key.utf8.contains(0) { return nil }
        return parts.isEmpty ? root : root + "/" + parts.joined(separator: "/")
    }

    /// The cached copy of a small file, refreshed when its size or modification time changed.
    private func cached(_ key: String) throws(KeyValueError) -> Cached? {
        let t = now()
        if let r = recent, r.key == key, t - r.checked < recheckAfter { return r.cached }
        guard let p = path(key), let s = Sys.fileStatus(p) else { throw .notFound(key) }
        if s.directory { throw .wrongKind(key) }
        if let c = cache[key], c.size == s.size, c.modified == s.modified { recent = (key, t, c); return c }
        guard s.size <= cacheFileLimit else { return nil }
        let bytes = try read(key, path: p, offset: 0, length: s.size)
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
        guard let p = path(key), let s = Sys.status(p) else { throw .notFound(key) }
        return s.size
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
        guard let p = path(key) else { throw .notFound(key) }
        return try read(key, path: p, offset: offset, length: length)
    }

    private func read(_ key: String, path p: String, offset: Int, length: Int) throws(KeyValueError) -> [UInt8] {
        let fd: Int32
        do throws(Errno) { fd = try Sys.openRead(p) } catch { throw .notFound(key) }
        defer { Sys.close(fd) }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = 0
            while count < length {
                do throws(Errno) {
                    let got = try Sys.pread(fd, into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[count...])), offset: offset + count)
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
        guard let p = path(directory), let s = Sys.status(p) else { throw .notFound(directory) }
        guard s.directory else { throw .wrongKind(directory) }
        let names: [String]
        do throws(Errno) { names = try Sys.listDirectory(p) } catch { throw .notFound(directory) }
        return names.sorted().map { name in
            let d = Sys.status(p + "/" + name)?.directory ?? false
            return KeyValueEntry(name: name, kind: d ? .directory : .value)
        }
    }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        if let c = try cached(key) { return c.digest }
        let bytes = try await get(key)
        return ContentDigest.of(bytes.span)
    }
}
