// SwiftletWire: TCP options (RFC 9293 §3.1–3.2, RFC 7323 window scale and timestamps, RFC 2018 SACK).
//
// Parsing: EOL ends the list; NOP is one byte; every other option has a length byte ≥ 2 that must fit.
// Known options with a wrong length are errors (`badOption`, RFC 9293 §3.1 allows treating them as
// malformed); unknown options are skipped by their length. Values are kept raw (a window scale above 14
// is the stack's to clamp, RFC 7323 §2.3). At most four SACK blocks fit in 40 bytes of options.
// Emit order follows common practice so middleboxes see the usual shapes:
// MSS, SACK-permitted + timestamps, NOP + window scale, NOP NOP + SACK blocks; padded with NOPs.

import Swiftlet

public struct TCPTimestamps: Hashable, Sendable {
    public var value: UInt32
    public var echoReply: UInt32
    public init(value: UInt32, echoReply: UInt32) { self.value = value; self.echoReply = echoReply }
}

/// One SACK block: the bytes [left, right) were received (RFC 2018 §3).
public struct SACKBlock: Hashable, Sendable {
    public var left: TCPSequenceNumber
    public var right: TCPSequenceNumber
    public init(left: TCPSequenceNumber, right: TCPSequenceNumber) { self.left = left; self.right = right }
}

/// Up to four SACK blocks, stored inline so that parsing a segment does not allocate.
public struct SACKBlocks: Hashable, Sendable, RandomAccessCollection {
    public static let capacity = 4
    private var b0 = SACKBlock(left: .init(0), right: .init(0))
    private var b1 = SACKBlock(left: .init(0), right: .init(0))
    private var b2 = SACKBlock(left: .init(0), right: .init(0))
    private var b3 = SACKBlock(left: .init(0), right: .init(0))
    public private(set) var count: Int = 0

    public init() {}
    public init(_ blocks: [SACKBlock]) {
        for b in blocks.prefix(SACKBlocks.capacity) { append(b) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> SACKBlock {
        precondition(i >= 0 && i < count, "SACKBlocks index out of range")
        switch i {
        case 0: return b0
        case 1: return b1
        case 2: return b2
        default: return b3
        }
    }

    /// Adds a block; returns false (and drops it) when four are already held.
    @discardableResult
    public mutating func append(_ block: SACKBlock) -> Bool {
        switch count {
        case 0: b0 = block
        case 1: b1 = block
        case 2: b2 = block
        case 3: b3 = block
        default: return false
        }
        count += 1
        return true
    }

    public static func == (a: SACKBlocks, b: SACKBlocks) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for i in 0..<count { h.combine(self[i]) }
    }
}

public struct TCPOptions: Hashable, Sendable {
    public var maximumSegmentSize: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted: Bool
    public var sackBlocks: SACKBlocks
    public var timestamps: TCPTimestamps?

    public init(maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false,
                sackBlocks: SACKBlocks = SACKBlocks(), timestamps: TCPTimestamps? = nil) {
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.sackBlocks = sackBlocks
        self.timestamps = timestamps
    }

    enum Kind {
        static let end: UInt8 = 0, nop: UInt8 = 1, mss: UInt8 = 2, windowScale: UInt8 = 3
        static let sackPermitted: UInt8 = 4, sack: UInt8 = 5, timestamps: UInt8 = 8
    }

    /// Parses an option list (the bytes between the fixed header and the data).
    @inline(__always)
    public init(parsing bytes: Span<UInt8>) throws(WireError) {
        // Locals first, one store into self at the end: this runs for every segment received.
        var mss: UInt16? = nil, scale: UInt8? = nil, sackOK = false
        var blocks = SACKBlocks(), stamps: TCPTimestamps? = nil
        let n = bytes.count
        var i = 0
        while i < n {
            let kind = bytes[i]
            if kind == Kind.nop { i += 1; continue }
            if kind == Kind.end { break }
            guard i + 1 < n else { throw .badOption(.tcp) }
            let length = Int(bytes[i + 1])
            guard length >= 2, length <= n - i else { throw .badOption(.tcp) }
            switch kind {
            case Kind.mss:
                guard length == 4 else { throw .badOption(.tcp) }
                mss = bytes.u16(i + 2)
            case Kind.windowScale:
                guard length == 3 else { throw .badOption(.tcp) }
                scale = bytes[i + 2]
            case Kind.sackPermitted:
                guard length == 2 else { throw .badOption(.tcp) }
                sackOK = true
            case Kind.sack:
                guard length > 2, (length - 2) % 8 == 0, (length - 2) / 8 <= SACKBlocks.capacity else {
                    throw .badOption(.tcp)
                }
                var j = i + 2
                while j < i + length {
                    blocks.append(SACKBlock(left: TCPSequenceNumber(bytes.u32(j)), right: TCPSequenceNumber(bytes.u32(j + 4))))
                    j += 8
                }
            case Kind.timestamps:
                guard length == 10 else { throw .badOption(.tcp) }
                stamps = TCPTimestamps(value: bytes.u32(i + 2), echoReply: bytes.u32(i + 6))
            default:
                break  // unknown: skipped by its length
            }
            i += length
        }
        self.init(maximumSegmentSize: mss, windowScale: scale, sackPermitted: sackOK, sackBlocks: blocks, timestamps: stamps)
    }

    /// Bytes `emit` writes, padded to a multiple of 4.
    public var length: Int {
        var n = 0
        if maximumSegmentSize != nil { n += 4 }
        if timestamps != nil { n += 12 } else if sackPermitted { n += 4 }  // SACK-permitted shares the timestamp word
        if windowScale != nil { n += 4 }
        if !sackBlocks.isEmpty { n += 4 + 8 * sackBlocks.count }
        return n
    }

    /// Writes the options at `offset`; returns the bytes written. The caller checks `length` ≤ 40.
    func emit(into b: inout MutableSpan<UInt8>, at offset: Int) -> Int {
        var i = offset
        if let mss = maximumSegmentSize {
            b.set8(Kind.mss, i); b.set8(4, i + 1); b.set16(mss, i + 2); i += 4
        }
        if let ts = timestamps {
            if sackPermitted { b.set8(Kind.sackPermitted, i); b.set8(2, i + 1) }
            else { b.set8(Kind.nop, i); b.set8(Kind.nop, i + 1) }
            b.set8(Kind.timestamps, i + 2); b.set8(10, i + 3)
            b.set32(ts.value, i + 4); b.set32(ts.echoReply, i + 8)
            i += 12
        } else if sackPermitted {
            b.set8(Kind.nop, i); b.set8(Kind.nop, i + 1); b.set8(Kind.sackPermitted, i + 2); b.set8(2, i + 3)
            i += 4
        }
        if let ws = windowScale {
            b.set8(Kind.nop, i); b.set8(Kind.windowScale, i + 1); b.set8(3, i + 2); b.set8(ws, i + 3); i += 4
        }
        if !sackBlocks.isEmpty {
            b.set8(Kind.nop, i); b.set8(Kind.nop, i + 1)
            b.set8(Kind.sack, i + 2); b.set8(UInt8(2 + 8 * sackBlocks.count), i + 3)
            i += 4
            for block in sackBlocks {
                b.set32(block.left.rawValue, i); b.set32(block.right.rawValue, i + 4); i += 8
            }
        }
        return i - offset
    }
}
