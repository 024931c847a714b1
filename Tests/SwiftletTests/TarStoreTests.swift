// TarStore over archives GNU tar wrote (Fixtures/tar/make.sh: GNU, pax and ustar formats of one tree with
// a long name, an empty directory and a symbolic link), on devices with 512- and 4096-byte sectors; and
// hostile archives: bad checksums, members past the end, names that climb out.

import Testing
import Foundation
import Swiftlet
import SwiftletStore
import SwiftletTesting

@Suite struct TarStoreTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tar")
    static let long = "docs/a-directory-with-a-rather-long-name-for-testing/another-level-of-directories-to-pass-one-hundred"

    static func device(_ bytes: [UInt8], sectorSize: Int = 512) async throws -> MemoryBlockDevice {
        let sectors = (bytes.count + sectorSize - 1) / sectorSize
        let device = MemoryBlockDevice(sectorSize: sectorSize, sectorCount: UInt64(sectors))
        var padded = bytes
        padded += [UInt8](repeating: 0, count: sectors * sectorSize - bytes.count)
        try await device.write(sector: 0, from: padded)
        return device
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    @Test(arguments: ["gnu.tar", "pax.tar", "ustar.tar"], [512, 4096])
    func servesWhatGNUTarWrote(archive: String, sectorSize: Int) async throws {
        let store = try await TarStore.open(try await Self.device(try Self.fixture(archive), sectorSize: sectorSize))
        #expect(try await store.list("") == [
            KeyValueEntry(name: "docs", kind: .directory), KeyValueEntry(name: "empty", kind: .directory),
            KeyValueEntry(name: "index.html", kind: .value),
        ])
        #expect(try await store.list("empty") == [])
        let index = try await store.get("index.html")
        #expect(String(decoding: index, as: UTF8.self) == "<!doctype html><title>tar</title><p>served from a tar archive\n")
        let guide = try await store.get("docs/guide.md")
        let want = (0..<700).map { "line \($0) of the guide\n" }.joined()
        #expect(guide == Array(want.utf8))
        #expect(try await store.size("docs/guide.md") == want.utf8.count)
        #expect(try await store.get("docs/guide.md", offset: 5000, length: 300) == Array(Array(want.utf8)[5000..<5300]))
        #expect(try await store.get("\(Self.long)/deep.txt") == Array("deep file\n".utf8))
        #expect(try await store.digest("docs/guide.md") == ContentDigest.of(guide.span))
        #expect(store.skipped == 1)  // the symbolic link
        await #expect(throws: KeyValueError.notFound("link.html")) { try await store.get("link.html") }
        await #expect(throws: KeyValueError.wrongKind("docs")) { try await store.get("docs") }
        await #expect(throws: KeyValueError.wrongKind("index.html")) { try await store.list("index.html") }
        await #expect(throws: KeyValueError.badRange(offset: 60, length: 10, size: 62)) {
            try await store.get("index.html", offset: 60, length: 10)
        }
    }

    /// One ustar member with `name` and `content`, checksummed.
    static func member(_ name: String, _ content: [UInt8], type: UInt8 = UInt8(ascii: "0")) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        for (i, b) in name.utf8.prefix(100).enumerated() { h[i] = b }
        func octal(_ v: Int, _ at: Int, _ width: Int) {
            let digits = Array(String(v, radix: 8).utf8)
            let padded = [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits
            for (i, b) in padded.enumerated() { h[at + i] = b }
        }
        octal(0o644, 100, 8)
        octal(content.count, 124, 12)
        h[156] = type
        for (i, b) in "ustar\u{0}00".utf8.enumerated() { h[257 + i] = b }
        for i in 148..<156 { h[i] = 32 }
        octal(h.reduce(0) { $0 + Int($1) }, 148, 7)
        let padding = (512 - content.count % 512) % 512
        return h + content + [UInt8](repeating: 0, count: padding)
    }

    @Test func refusesNamesThatClimbOutAndSkipsThem() async throws {
        let archive = Self.member("../evil", Array("x".utf8)) + Self.member("/etc/passwd", Array("y".utf8))
            + Self.member("./ok/../../evil2", Array("z".utf8)) + Self.member("./good", Array("g".utf8))
            + [UInt8](repeating: 0, count: 1024)
        let store = try await TarStore.open(try await Self.device(archive))
        #expect(store.skipped == 3)
        #expect(try await store.list("") == [KeyValueEntry(name: "good", kind: .value)])
        #expect(try await store.get("good") == Array("g".utf8))
    }

    /// Pax `path` records that lie about their length are ignored (the member keeps its own name), never a
    /// trap: a length shorter than its own digits (the `tar` fuzz crasher: `002 path=...`, a range with
    /// its bounds reversed) and a length of 23 digits (Int overflow) both trapped before.
    @Test func malformedPaxRecordsAreIgnoredNotTraps() async throws {
        for record in ["002 path=p/x\n", "99999999999999999999999 path=p/x\n", "0 path=p/x\n", "90 path=p/x\n", "12path=p/x\n"] {
            let archive = Self.member("./PaxHeader", Array(record.utf8), type: UInt8(ascii: "x"))
                + Self.member("f", Array("f".utf8)) + [UInt8](repeating: 0, count: 1024)
            let store = try await TarStore.open(try await Self.device(archive))
            #expect(try await store.list("") == [KeyValueEntry(name: "f", kind: .value)], "\(record)")
        }
        let good = Self.member("./PaxHeader", Array("12 path=p/x\n".utf8), type: UInt8(ascii: "x"))
            + Self.member("f", Array("f".utf8)) + [UInt8](repeating: 0, count: 1024)
        #expect(try await TarStore.open(try await Self.device(good)).get("p/x") == Array("f".utf8))
        // The fuzzer's input itself (Fuzz/crashers/tar-crash-e553…), padded to whole sectors.
        let crasher = Self.fixtures.appendingPathComponent("../../../../Fuzz/crashers/tar-crash-e55359aad7b1f26e0b5f1c9d8ea5cf6ce44d280b")
        let bytes = Array(try Data(contentsOf: crasher.standardized))
        _ = try? await TarStore.open(try await Self.device(bytes))
    }

    @Test func damagedArchivesAreErrorsNotTraps() async throws {
        var bad = Self.member("a", Array("a".utf8))
        bad[0] = UInt8(ascii: "b")  // the checksum no longer matches
        await #expect(throws: KeyValueError.storage("tar: bad header checksum (not a tar archive, or a damaged one)")) {
            _ = try await TarStore.open(try await Self.device(bad))
        }
        // A member that says it is larger than the device.
        var long = Self.member("big", Array("b".utf8))
        let size = Array("77777777".utf8)
        for i in 0..<12 { long[124 + i] = i < size.count ? size[i] : 0 }
        for i in 148..<156 { long[i] = 32 }
        let sum = Array(String(long[0..<512].reduce(0) { $0 + Int($1) }, radix: 8).utf8)
        for i in 0..<7 { long[148 + i] = i < 7 - sum.count ? UInt8(ascii: "0") : sum[i - (7 - sum.count)] }
        long[155] = 0
        await #expect(throws: KeyValueError.storage("tar: member 'big' runs past the end of the device")) {
            _ = try await TarStore.open(try await Self.device(long))
        }
        // Not a tar archive at all.
        let text = Array(String(repeating: "not a tar archive ", count: 60).utf8)
        await #expect(throws: KeyValueError.self) { _ = try await TarStore.open(try await Self.device(text)) }
        // An empty device is an empty store.
        let empty = try await TarStore.open(MemoryBlockDevice(sectorCount: 4))
        #expect(try await empty.list("") == [])
    }

    @Test func keysAreCleaned() {
        #expect(TarHeader.key("./a/b/") == "a/b")
        #expect(TarHeader.key("a//b") == "a/b")
        #expect(TarHeader.key("a/./b") == "a/b")
        #expect(TarHeader.key("a/../b") == nil)
        #expect(TarHeader.key("/a") == nil)
        #expect(TarHeader.key("./") == nil)
    }
}
