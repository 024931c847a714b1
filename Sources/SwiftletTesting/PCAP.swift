// SwiftletTesting: classic libpcap files (https://wiki.wireshark.org/Development/LibpcapFileFormat),
// link type Ethernet. The writer lets any test dump what crossed a link for Wireshark; the reader loads
// captures made with tcpdump as test fixtures. Both byte orders and both timestamp resolutions are read.

import Swiftlet

public struct PCAPRecord: Sendable {
    public var timestamp: WallTime
    public var bytes: [UInt8]
    /// Length on the wire (may exceed `bytes.count` when the capture was truncated).
    public var originalLength: Int
}

public enum PCAPError: Error, Equatable, Sendable {
    case notPCAP
    case unsupportedLinkType(UInt32)
    case truncated
}

public enum PCAP {
    static let linkTypeEthernet: UInt32 = 1

    /// Parses a whole capture file.
    public static func read(_ file: [UInt8]) throws(PCAPError) -> [PCAPRecord] {
        guard file.count >= 24 else { throw .notPCAP }
        func le32(_ o: Int) -> UInt32 { UInt32(file[o]) | UInt32(file[o + 1]) << 8 | UInt32(file[o + 2]) << 16 | UInt32(file[o + 3]) << 24 }
        let magic = le32(0)
        let swapped: Bool
        let nanoseconds: Bool
        switch magic {
        case 0xA1B2_C3D4: swapped = false; nanoseconds = false
        case 0xA1B2_3C4D: swapped = false; nanoseconds = true
        case 0xD4C3_B2A1: swapped = true; nanoseconds = false
        case 0x4D3C_B2A1: swapped = true; nanoseconds = true
        default: throw .notPCAP
        }
        func u32(_ o: Int) -> UInt32 { swapped ? le32(o).byteSwapped : le32(o) }
        let linkType = u32(20) & 0x0FFF_FFFF
        guard linkType == linkTypeEthernet else { throw .unsupportedLinkType(linkType) }
        var records: [PCAPRecord] = []
        var i = 24
        while i < file.count {
            guard i + 16 <= file.count else { throw .truncated }
            let seconds = Int64(u32(i)), fraction = Int64(u32(i + 4))
            let captured = Int(u32(i + 8)), original = Int(u32(i + 12))
            guard i + 16 + captured <= file.count else { throw .truncated }
            let ns = seconds * 1_000_000_000 + (nanoseconds ? fraction : fraction * 1_000)
            records.append(PCAPRecord(timestamp: WallTime(nanosecondsSinceEpoch: ns),
                                      bytes: Array(file[(i + 16)..<(i + 16 + captured)]), originalLength: original))
            i += 16 + captured
        }
        return records
    }
}

/// Builds a capture in memory; `bytes` is a complete .pcap file (microsecond timestamps, little-endian).
public struct PCAPWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public let snapLength: Int

    public init(snapLength: Int = 65535) {
        self.snapLength = snapLength
        put32(0xA1B2_C3D4)
        put16(2); put16(4)          // version 2.4
        put32(0); put32(0)          // thiszone, sigfigs
        put32(UInt32(snapLength))
        put32(PCAP.linkTypeEthernet)
    }

    /// Appends one frame seen at `time` (a monotonic instant is fine: Wireshark shows it as seconds).
    public mutating func append(_ frame: Span<UInt8>, at time: Instant) {
        let captured = Swift.min(frame.count, snapLength)
        put32(UInt32(truncatingIfNeeded: time.nanoseconds / 1_000_000_000))
        put32(UInt32(truncatingIfNeeded: time.nanoseconds % 1_000_000_000 / 1_000))
        put32(UInt32(captured))
        put32(UInt32(frame.count))
        for i in 0..<captured { bytes.append(frame[i]) }
    }

    private mutating func put16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    private mutating func put32(_ v: UInt32) { put16(UInt16(v & 0xFFFF)); put16(UInt16(v >> 16)) }
}
