// Fuzz harness: the tar store (SwiftletStore/TarStore.swift, POSIX ustar, GNU long names, pax `path`).
// The input is a disk image in memory: opening must succeed or fail with a KeyValueError, and every key
// the store then lists must be readable within the image. A trap is the crash libFuzzer reports.
import Dispatch
import Swiftlet
import SwiftletStore

final class MemoryDisk: BlockDevice, @unchecked Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var sectorSize: Int { 512 }
    var sectorCount: UInt64 { UInt64(bytes.count / 512) }
    var isReadOnly: Bool { true }
    func read(sector: UInt64, into buffer: inout [UInt8]) async throws(BlockDeviceError) {
        let start = Int(sector) * 512
        guard start + buffer.count <= bytes.count else { fatalError("the store read past the device's end") }
        for i in 0..<buffer.count { buffer[i] = bytes[start + i] }
    }
    func write(sector: UInt64, from buffer: [UInt8]) async throws(BlockDeviceError) { throw .readOnly }
    func flush() async throws(BlockDeviceError) {}
}

/// Lists every folder from the root and reads every file (at most 64 entries).
func walk(_ store: TarStore<MemoryDisk>) async {
    var pending = [""]
    var seen = 0
    while let dir = pending.popLast(), seen < 64 {
        guard let entries = try? await store.list(dir) else { fatalError("a listed folder cannot be listed: '\(dir)'") }
        for e in entries {
            seen += 1
            let key = dir.isEmpty ? e.name : dir + "/" + e.name
            if e.kind == .directory { pending.append(key); continue }
            guard let n = try? await store.size(key), let b = try? await store.get(key), b.count == n else {
                fatalError("a listed file cannot be read: '\(key)'")
            }
            _ = try? await store.digest(key)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Whole sectors: the input padded with zeros (an end-of-archive block) to a multiple of 512.
    var image = Array(UnsafeBufferPointer(start: data, count: size))
    image += [UInt8](repeating: 0, count: (512 - image.count % 512) % 512)
    let disk = MemoryDisk(image)
    let done = DispatchSemaphore(value: 0)
    Task {
        if let store = try? await TarStore.open(disk) { await walk(store) }
        done.signal()
    }
    done.wait()
    return 0
}
