// Swiftlet: the read-only key-value store protocol (files embedded at build time, a directory on hosted
// targets, a tar archive on a block device, or an in-memory fake).
//
// Keys are `/`-separated paths without a leading slash (`css/site.css`). `digest` is a stable content
// hash for use as an HTTP entity tag: equal content gives an equal digest on every store.

import _Concurrency

public enum KeyValueError: Error, Hashable, Sendable {
    case notFound(String)
    /// The key names a directory where a value was expected, or a value where a directory was expected.
    case wrongKind(String)
    /// `offset`/`length` outside the value.
    case badRange(offset: Int, length: Int, size: Int)
    /// The backing store failed (I/O error, corrupt archive).
    case storage(String)
}

extension KeyValueError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let key): return "no entry '" + key + "'"
        case .wrongKind(let key): return "'" + key + "' is a directory where a value was expected, or a value where a directory was"
        case .badRange(let offset, let length, let size):
            return "bytes " + String(offset) + "+" + String(length) + " are outside a value of " + String(size)
        case .storage(let why): return "the store failed: " + why
        }
    }
}

public struct KeyValueEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case value, directory }
    /// The entry's name inside the listed directory (no slashes).
    public let name: String
    public let kind: Kind
    public init(name: String, kind: Kind) { self.name = name; self.kind = kind }
}

/// A value's size and digest together: what the head of an HTTP response for it needs.
public struct KeyValueInfo: Hashable, Sendable {
    public let size: Int
    public let digest: String
    public init(size: Int, digest: String) { self.size = size; self.digest = digest }
}

public protocol KeyValueStore: AnyObject, Sendable {
    /// The whole value at `key`.
    func get(_ key: String) async throws(KeyValueError) -> [UInt8]
    /// `length` bytes of the value at `key` from `offset` (for range requests).
    func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8]
    /// The entries of a directory (`""` is the root), sorted by name.
    func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry]
    /// The size of the value at `key` in bytes.
    func size(_ key: String) async throws(KeyValueError) -> Int
    /// A stable digest of the value at `key` (see `ContentDigest`).
    func digest(_ key: String) async throws(KeyValueError) -> String
    /// The size and the digest of the value at `key` in one call (a web server's per-request question).
    func info(_ key: String) async throws(KeyValueError) -> KeyValueInfo
}

extension KeyValueStore {
    /// `size` and `digest`; a store that holds both together answers in one look-up instead.
    public func info(_ key: String) async throws(KeyValueError) -> KeyValueInfo {
        KeyValueInfo(size: try await size(key), digest: try await digest(key))
    }
}

/// The range check every store's `get(_:offset:length:)` makes. A concrete function, not a protocol
/// extension method: `Self.checkRange` inside a generic store class (TarStore) is a dynamic-Self call
/// that Embedded Swift refuses to specialise in a client module.
public enum KeyValueRange {
    /// Checks `offset`/`length` against a value of `size` bytes.
    public static func check(offset: Int, length: Int, size: Int) throws(KeyValueError) {
        guard offset >= 0, length >= 0, offset <= size, length <= size - offset else {
            throw .badRange(offset: offset, length: length, size: size)
        }
    }
}

/// The content digest every store uses: 64-bit FNV-1a over the bytes and the length, as 16 hex digits.
/// Not cryptographic; it only has to change when the content does.
public struct ContentDigest: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325
    private var length: UInt64 = 0

    public init() {}

    public mutating func update(_ bytes: Span<UInt8>) {
        var h = state
        for i in 0..<bytes.count {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01b3
        }
        state = h
        length &+= UInt64(bytes.count)
    }

    public func finish() -> String {
        var h = state
        var n = length
        for _ in 0..<8 {
            h = (h ^ (n & 0xFF)) &* 0x0000_0100_0000_01b3
            n >>= 8
        }
        var s = ""
        for i in 0..<8 { s += hexByte(UInt8(truncatingIfNeeded: h >> UInt64(56 - 8 * i))) }
        return s
    }

    public static func of(_ bytes: Span<UInt8>) -> String {
        var d = ContentDigest()
        d.update(bytes)
        return d.finish()
    }
}
