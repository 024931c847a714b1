// Test application for the block device (kvm target): the test writes a marker into sector 0 of the
// image before boot; this application checks it, writes a pattern over `--sectors N` sectors from
// sector 8 (crossing the 256 KiB request size), flushes, reads it back, checks that a read past the end
// is refused, and writes a closing marker into sector 1 for the test to find after the kernel exits.

import Swiftlet

enum Disk {
    static let marker = Array("swiftlet-disk-test".utf8)
    static let closing = Array("written-by-swiftlet".utf8)

    static func pattern(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: (i &* 31) ^ (i >> 9)) }

    static func start(console: some Console, block: some BlockDevice, arguments: Arguments) async -> Int32 {
        let sectors = arguments.sectors
        guard sectors > 0 else {
            console.log("disk: --sectors must be at least 1")
            return 2
        }
        do throws(BlockDeviceError) {
            var first = [UInt8](repeating: 0, count: block.sectorSize)
            try await block.read(sector: 0, into: &first)
            guard Array(first[0..<marker.count]) == marker else {
                console.log("disk: sector 0 does not hold the test's marker")
                return 1
            }
            let bytes = sectors * block.sectorSize
            var data = [UInt8](repeating: 0, count: bytes)
            for i in 0..<bytes { data[i] = pattern(i) }
            try await block.write(sector: 8, from: data)
            try await block.flush()
            var back = [UInt8](repeating: 0, count: bytes)
            try await block.read(sector: 8, into: &back)
            guard back == data else {
                console.log("disk: read back differs from what was written")
                return 1
            }
            do {
                var past = [UInt8](repeating: 0, count: block.sectorSize)
                try await block.read(sector: block.sectorCount, into: &past)
                console.log("disk: a read past the end succeeded")
                return 1
            } catch {
                guard case .outOfRange = error else { console.log("disk: past the end: \(error)"); return 1 }
            }
            var last = [UInt8](repeating: 0, count: block.sectorSize)
            for (i, b) in closing.enumerated() { last[i] = b }
            try await block.write(sector: 1, from: last)
            try await block.flush()
            console.log("disk: wrote, flushed and read back \(bytes) bytes")
            return 0
        } catch {
            console.log("disk: \(error)")
            return 1
        }
    }
}
