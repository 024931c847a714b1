// Swiftlet: a read-only key-value store over a tar archive on a block device (the kvm target's way to
// serve content larger than it wants to embed: `tar cf disk.img site/`, then `--disk disk.img`).
//
// Formats (POSIX.1-2017 `pax`, which includes ustar): 512-byte headers with octal fields and a checksum;
// names up to 100 bytes, or 155 + 100 with the ustar prefix; longer names from a GNU `L` member or a pax
// `x` header's `path` record; the archive ends at a zero block. Regular files become values and
// directories become (possibly empty) directories; links, devices and other members are skipped.
// `open` reads every header once and keeps an index (StoreIndex) of paths, offsets and sizes; values are
// read from the device when asked for. Names are cleaned of `./` and trailing `/`; a member whose name is
// absolute or climbs with `..` is refused, so a hostile archive cannot reach outside the store.

import _Concurrency
import Swiftlet

public struct TarHeader: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case file, directory, longName, paxHeader, other }
    public let name: String
    public let size: UInt64
    public let kind: Kind

    static let block = 512

    /// Parses one header block; nil for a zero block (the end of the archive).
    public static func parse(_ b: [UInt8]) throws(KeyValueError) -> TarHeader? {
        guard b.count == block else { throw .storage("tar: a header block of \(b.count) bytes") }
        if b.allSatisfy({ $0 == 0 }) { return nil }
        var sum: UInt32 = 0
        for (i, byte) in b.enumerated() { sum &+= (148..<156).contains(i) ? 32 : UInt32(byte) }
        guard let recorded = octal(b, 148, 8), recorded == UInt64(sum) else {
            throw .storage("tar: bad header checksum (not a tar archive, or a damaged one)")
        }
        guard let size = octal(b, 124, 12) else { throw .storage("tar: bad size field (sizes over 8 GiB are not read)") }
        var name = text(b, 0, 100)
        let magic = text(b, 257, 6)
        if magic.sameBytes("ustar") {  // POSIX ustar: a prefix joins the name
            let prefix = text(b, 345, 155)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        let kind: Kind
        switch b[156] {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "L"): kind = .longName
        case UInt8(ascii: "x"): kind = .paxHeader
        default: kind = .other
        }
        return TarHeader(name: name, size: size, kind: kind)
    }

    /// A NUL-terminated (or full) field as text.
    static func text(_ b: [UInt8], _ at: Int, _ count: Int) -> String {
        var end = at
        while end < at + count && b[end] != 0 { end += 1 }
        return String(decoding: b[at..<end], as: UTF8.self)
    }

    /// An octal field (leading spaces, ending in NUL or space).
    static func octal(_ b: [UInt8], _ at: Int, _ count: Int) -> UInt64? {
        var v: UInt64 = 0
        var digits = 0
        for i in at..<(at + count) {
            let c = b[i]
            if c == 0 || (c == 32 && digits > 0) { break }
            if c == 32 { continue }
            guard c >= 48 && c <= 55, v < (1 << 60) else { return nil }
            v = v << 3 | UInt64(c - 48)
            digits += 1
        }
        return digits > 0 ? v : nil
    }

    /// The `path` record of a pax extended header ("LEN path=VALUE\n" records, LEN counting the whole
    /// record), if any; nil when a record's length is not a number that covers its own "LEN " and fits
    /// in what is left (checked digit by digit, so a long run of digits cannot overflow).
    static func paxPath(_ data: [UInt8]) -> String? {
        var i = 0
        while i < data.count {
            var length = 0
            var j = i
            while j < data.count, data[j] >= 48 && data[j] <= 57 {
                length = length * 10 + Int(data[j] - 48)
                guard length <= data.count - i else { return nil }
                j += 1
            }
            guard length > 0, j < data.count, data[j] == 32, j + 1 <= i + length else { return nil }
            let record = data[(j + 1)..<(i + length)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
                if key.sameBytes("path") {
                    var value = record[(eq + 1)...]
                    if value.last == 10 { value = value.dropLast() }
                    return String(decoding: value, as: UTF8.self)
                }
            }
            i += length
        }
        return nil
    }

    /// `name` as a store key: without `./` and trailing `/`; nil when it is empty, absolute or climbs out.
    public static func key(_ name: String) -> String? {
        guard !name.hasBytePrefix("/") else { return nil }
        var parts: [String] = []
        for part in name.splitBytes(UInt8(ascii: "/")) {
            if part.sameBytes(".") { continue }
            if part.sameBytes("..") { return nil }
            parts.append(part)
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}

public final class TarStore<Device: BlockDevice>: KeyValueStore, @unchecked Sendable {
    public let device: Device
    private var offsets: [UInt64] = []
    private var sizes: [Int] = []
    private var digests: [String?] = []
    private var index = StoreIndex(paths: [])
    /// Members that were not served (links, devices, refused names).
    public private(set) var skipped = 0

    /// Limits on what an archive may hold.
    public static var maximumMembers: Int { 100_000 }
    public static var maximumNameLength: Int { 4096 }

    private init(_ device: Device) { self.device = device }

    /// Reads the archive's headers and returns the store.
    public static func open(_ device: Device) async throws(KeyValueError) -> TarStore<Device> {
        let store = TarStore(device)
        try await store.readIndex()
        return store
    }

    private func readIndex() async throws(KeyValueError) {
        let end = device.sectorCount * UInt64(device.sectorSize)
        var offset: UInt64 = 0
        var paths: [String] = []
        var emptyDirectories: [String] = []
        var longName: String? = nil
        var members = 0
        while offset + 512 <= end {
            guard let header = try TarHeader.parse(try await bytes(at: offset, count: 512)) else { break }
            members += 1
            guard members <= Self.maximumMembers else { throw .storage("tar: more than \(Self.maximumMembers) members") }
            let data = offset + 512
            let padded = (header.size + 511) / 512 * 512
            guard header.size <= end, data + padded <= end else {
                throw .storage("tar: member '\(header.name)' runs past the end of the device")
            }
            switch header.kind {
            case .longName, .paxHeader:
                guard header.size <= UInt64(Self.maximumNameLength) * 4 else { throw .storage("tar: a name record of \(header.size) bytes") }
                let record = try await bytes(at: data, count: Int(header.size))
                if header.kind == .longName {
                    longName = TarHeader.text(record, 0, record.count)
                } else if let path = TarHeader.paxPath(record) {
                    longName = path
                }
            case .file, .directory, .other:
                let name = longName ?? header.name
                longName = nil
                // The archive's root ("./"), which tar lists first: nothing to serve, nothing refused.
                if header.kind == .directory && name.splitBytes(UInt8(ascii: "/")).allSatisfy({ $0.sameBytes(".") }) { break }
                guard header.kind != .other, name.utf8.count <= Self.maximumNameLength, let key = TarHeader.key(name) else {
                    skipped += 1
                    break
                }
                if header.kind == .directory {
                    emptyDirectories.append(key)
                } else {
                    paths.append(key)
                    offsets.append(data)
                    sizes.append(Int(header.size))
                }
            }
            offset = data + padded
        }
        digests = Array(repeating: nil, count: paths.count)
        index = StoreIndex(paths: paths)
        for d in emptyDirectories { index.addDirectory(d) }
    }

    /// `count` bytes of the device from byte `offset` (any alignment).
    private func bytes(at offset: UInt64, count: Int) async throws(KeyValueError) -> [UInt8] {
        if count == 0 { return [] }
        let size = UInt64(device.sectorSize)
        let first = offset / size
        let last = (offset + UInt64(count) - 1) / size
        var buffer = [UInt8](repeating: 0, count: Int(last - first + 1) * device.sectorSize)
        do throws(BlockDeviceError) {
            try await device.read(sector: first, into: &buffer)
        } catch {
            throw .storage("tar: reading the device: \(error)")
        }
        let skip = Int(offset - first * size)
        return Array(buffer[skip..<(skip + count)])
    }

    public func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        let i = try index.file(key)
        return try await bytes(at: offsets[i], count: sizes[i])
    }

    public func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        let i = try index.file(key)
        try KeyValueRange.check(offset: offset, length: length, size: sizes[i])
        return try await bytes(at: offsets[i] + UInt64(offset), count: length)
    }

    public func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] {
        try index.list(directory)
    }

    public func size(_ key: String) async throws(KeyValueError) -> Int {
        sizes[try index.file(key)]
    }

    public func digest(_ key: String) async throws(KeyValueError) -> String {
        let i = try index.file(key)
        if let d = digests[i] { return d }
        let content = try await get(key)
        let d = ContentDigest.of(content.span)
        digests[i] = d
        return d
    }
}
