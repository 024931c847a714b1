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
public final class DirectoryStore: KeyValueStore, @unchecked Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// The path for `key`, or nil for keys that would leave the root.
    func path(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        for p in parts where p == ".." || p == "." { return nil }
        if key.utf8.contains(0) { return nil }
        return parts.isEmpty ? root : root + "/" + parts.joined(separator: "/")
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int {
        guard let p = path(key), let s = Sys.status(p) else { throw .notFound(key) }
        if s.directory { throw .wrongKind(key) }
        return s.size
    }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        let n = try await size(key)
        return try await get(key, offset: 0, length: n)
    }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        let n = try await size(key)
        try Self.checkRange(offset: offset, length: length, size: n)
        guard let p = path(key) else { throw .notFound(key) }
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
        let bytes = try await get(key)
        return ContentDigest.of(bytes.span)
    }
}
