// SwiftletWire: segment trains, the transmit side of virtio-net's TCP segmentation offload (Virtual I/O
// Device Specification 1.2, §5.1.6.2: HOST_TSO4/HOST_TSO6 with CSUM; the GSO header `virtio_net_hdr`).
//
// A train is one Ethernet frame carrying the payloads of consecutive TCP segments of one connection,
// which the device cuts back into segments of `segmentSize` bytes, copying the headers of the first and
// computing each checksum. These are the byte rules the kvm driver (SwiftletKVM's VirtioNet) follows;
// it only copies memory.
//
// - `shape`: a frame may lead or join a train when it is IPv4 without options and not a fragment, or IPv6
//   with TCP as its first next header, its length fields match the frame, and its TCP segment carries
//   data with no flag but ACK and PSH (no SYN, FIN, RST, URG; no CWR or ECE, since HOST_ECN is not asked).
// - `continues`: a frame joins when its Ethernet, IP and TCP headers (options included) equal the
//   first frame's in every field but the lengths, the IPv4 identification, the checksums and PSH; its
//   sequence number is where the train's data ends; it is no larger than the first's payload; and the
//   whole stays within 65,535 bytes of IP.
// - `finish`: the first frame's headers for the whole train: its IP length (and IPv4 header checksum),
//   PSH when the last segment had it, and the TCP checksum field primed with the pseudo-header sum
//   (RFC 9293 §3.1, RFC 8200 §8.1) over the whole TCP length, folded and not complemented, which is what
//   the device completes; and the GSO header: NEEDS_CSUM, TCPV4 or TCPV6, the headers' length, the
//   segment size, where the checksum starts and where in the TCP header it goes.

import Swiftlet

/// Where a frame's TCP header and payload start (offsets from the Ethernet header).
public struct TrainShape: Sendable, Equatable {
    public let tcpStart: Int
    public let payloadStart: Int
    /// 20 (IPv4) or 40 (IPv6).
    public var ipHeaderLength: Int { tcpStart - 14 }
    public var tcpHeaderLength: Int { payloadStart - tcpStart }
}

/// `struct virtio_net_hdr`'s first five fields (§5.1.6), as the driver writes them little-endian.
public struct VirtioNetHeader: Sendable, Equatable {
    /// Flags: the checksum from `checksumStart` is left to compute (NEEDS_CSUM), or was checked (DATA_VALID).
    public static let needsChecksum: UInt8 = 1
    public static let dataValid: UInt8 = 2
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoTCPv6: UInt8 = 4
    public var flags: UInt8 = 0
    public var gsoType: UInt8 = 0
    public var headerLength: UInt16 = 0
    public var segmentSize: UInt16 = 0
    public var checksumStart: UInt16 = 0
    public var checksumOffset: UInt16 = 0

    public init() {}

    /// The ten bytes, little-endian as virtio's legacy and 1.x layouts both put them on x86.
    public var bytes: [UInt8] {
        func le(_ v: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
        return [flags, gsoType] + le(headerLength) + le(segmentSize) + le(checksumStart) + le(checksumOffset)
    }
}

public enum SegmentTrain {
    /// The largest IP packet a train may make.
    public static let largestPacket = 65535

    /// Where `frame`'s TCP header and payload start when it may lead or join a train (the file's rules),
    /// for the families the device accepts; nil for any other frame.
    public static func shape(_ frame: Span<UInt8>, ipv4: Bool, ipv6: Bool) -> TrainShape? {
        guard frame.count >= 14 + 20 + 20 else { return nil }
        let ip: Int
        switch frame.u16(12) {
        case 0x0800 where ipv4:
            guard frame[14] == 0x45, frame[23] == 6, frame.u16(20) & 0x3FFF == 0, Int(frame.u16(16)) == frame.count - 14 else { return nil }
            ip = 20
        case 0x86DD where ipv6:
            guard frame.count >= 14 + 40 + 20, frame[14] >> 4 == 6, frame[20] == 6, Int(frame.u16(18)) == frame.count - 54 else { return nil }
            ip = 40
        default:
            return nil
        }
        let t = 14 + ip
        let tcpLength = Int(frame[t + 12] >> 4) * 4
        let flags = frame[t + 13]
        guard tcpLength >= 20, frame.count > t + tcpLength, frame[t + 12] & 0x0F == 0, flags & 0x10 != 0, flags & ~0x18 == 0 else {
            return nil
        }
        return TrainShape(tcpStart: t, payloadStart: t + tcpLength)
    }

    /// Whether `frame` (of `shape`) continues the train led by `first` (its headers, at least up to its
    /// payload) whose payload so far is `payload` bytes in segments of `segmentSize`.
    public static func continues(_ frame: Span<UInt8>, shape: TrainShape, first: Span<UInt8>, firstShape: TrainShape,
                                 payload: Int, segmentSize: Int) -> Bool {
        let length = frame.count - shape.payloadStart
        guard shape == firstShape, first.count >= firstShape.payloadStart, length <= segmentSize,
              shape.ipHeaderLength + shape.tcpHeaderLength + payload + length <= largestPacket else { return false }
        func same(_ range: Range<Int>) -> Bool {
            for i in range where first[i] != frame[i] { return false }
            return true
        }
        let s = shape.tcpStart
        // Ethernet; IPv4: version, TOS, flags and fragment offset, TTL, protocol, addresses; IPv6: version,
        // class, flow label, next header, hop limit, addresses; TCP: ports, acknowledgment, data offset,
        // window, urgent pointer, options.
        let ipSame = shape.ipHeaderLength == 20 ? same(14..<16) && same(20..<24) && same(26..<34) : same(14..<18) && same(20..<54)
        guard same(0..<14), ipSame, same(s..<(s + 4)), same((s + 8)..<(s + 13)), same((s + 14)..<(s + 16)),
              same((s + 18)..<shape.payloadStart) else { return false }
        return frame.u32(s + 4) == first.u32(s + 4) &+ UInt32(payload)
    }

    /// Rewrites `headers` (the first frame's, up to its payload) for a train of `payload` bytes whose last
    /// segment had PSH when `push`; returns the GSO header to send in front of it.
    public static func finish(_ headers: inout MutableSpan<UInt8>, shape: TrainShape, payload: Int, segmentSize: Int,
                              push: Bool) -> VirtioNetHeader {
        let tcpLength = shape.tcpHeaderLength + payload
        var pseudo = InternetChecksum()
        if shape.ipHeaderLength == 20 {
            headers.set16(UInt16(20 + tcpLength), 16)
            headers.set16(0, 24)
            var ip = InternetChecksum()
            ip.add(headers.span.extracting(14..<34))
            headers.set16(ip.value, 24)
            pseudo = .pseudoHeader(source: headers.span.ipv4(26), destination: headers.span.ipv4(30), protocol: .tcp, length: tcpLength)
        } else {
            headers.set16(UInt16(tcpLength), 18)
            pseudo = .pseudoHeader(source: headers.span.ipv6(22), destination: headers.span.ipv6(38), protocol: .tcp, length: tcpLength)
        }
        headers.set16(pseudo.folded, shape.tcpStart + 16)
        if push { headers[shape.tcpStart + 13] |= 0x08 }
        var h = VirtioNetHeader()
        h.flags = VirtioNetHeader.needsChecksum
        h.gsoType = shape.ipHeaderLength == 20 ? VirtioNetHeader.gsoTCPv4 : VirtioNetHeader.gsoTCPv6
        h.headerLength = UInt16(shape.payloadStart)
        h.segmentSize = UInt16(segmentSize)
        h.checksumStart = UInt16(shape.tcpStart)
        h.checksumOffset = 16
        return h
    }
}
