// Swiftlet: the block device protocol (virtio-blk, a file on hosted targets, or a test fake).
//
// Reads and writes are whole sectors; `buffer` lengths must be a multiple of `sectorSize` and the range
// must lie inside the device. Violations are reported as errors, never trapped.

import _Concurrency

public enum BlockDeviceError: Error, Equatable, Sendable {
    /// The request runs past the last sector.
    case outOfRange(sector: UInt64, count: Int, sectorCount: UInt64)
    /// The buffer length is not a multiple of the sector size.
    case unaligned(length: Int, sectorSize: Int)
    /// The device is read-only.
    case readOnly
    /// The device reported an I/O error.
    case io(code: Int32)
}

public protocol BlockDevice: AnyObject, Sendable {
    /// Bytes per sector (512 for virtio-blk).
    var sectorSize: Int { get }
    /// Number of sectors.
    var sectorCount: UInt64 { get }
    var isReadOnly: Bool { get }

    /// Fills `buffer` from consecutive sectors starting at `sector`.
    func read(sector: UInt64, into buffer: inout [UInt8]) async throws(BlockDeviceError)
    /// Writes `buffer` to consecutive sectors starting at `sector`.
    func write(sector: UInt64, from buffer: [UInt8]) async throws(BlockDeviceError)
    /// Waits until every completed write is durable.
    func flush() async throws(BlockDeviceError)
}

extension BlockDevice {
    /// Checks a request against the device's geometry; shared by every implementation.
    public func validate(sector: UInt64, length: Int) throws(BlockDeviceError) {
        guard length % sectorSize == 0 else { throw .unaligned(length: length, sectorSize: sectorSize) }
        let count = length / sectorSize
        let (last, overflow) = sector.addingReportingOverflow(UInt64(count))
        guard !overflow, last <= sectorCount else {
            throw .outOfRange(sector: sector, count: count, sectorCount: sectorCount)
        }
    }
}
