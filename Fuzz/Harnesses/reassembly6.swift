// IPv6 reassembly (RFC 8200 §4.5, RFC 5722) under arbitrary fragment sequences, as the IPv4 harness
// (reassembly.swift) does it: the first byte picks a configuration (defaults, or small caps and budget),
// then each 6-byte step is one fragment of one of four datagrams (offset, length, M, and for fragment zero
// sometimes a destination-options header first, whose length byte comes from the input) or a jump in time.
// Every fragment carries one fixed pattern, so a completed datagram must be exactly that pattern (after
// the options header, when there is one). After every step: memory never negative nor above the budget,
// no more datagrams than the cap, nothing held by nothing; at the end a poll past the timeout leaves nothing.
import Swiftlet
import SwiftletWire
import SwiftletNet

@inline(__always)
func patternByte6(_ id: UInt32, _ position: Int) -> UInt8 { UInt8(truncatingIfNeeded: position &* 29 &+ Int(id) &* 5 &+ position >> 8) }

func violated6(_ what: String) -> Never { fatalError("reassembly6 invariant: \(what)") }

/// Each datagram's pattern, computed once (a per-byte loop per fragment held the harness to 1,300 runs a second).
let patterns6: [[UInt8]] = (0..<4).map { id in (0..<131_072).map { patternByte6(UInt32(id), $0) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    var config = IPv6Reassembly.Configuration()
    if first & 1 != 0 {
        config.maximumDatagrams = 3
        config.maximumRanges = 6
        config.memoryLimit = 70_000 + Int(first >> 1) * 1000
        config.timeout = .seconds(2)
    }
    var r = IPv6Reassembly(configuration: config)
    let source = IPv6Address(high: 0x2001_0DB8 << 32, low: 1), destination = IPv6Address(high: 0x2001_0DB8 << 32, low: 2)
    var now = Instant(nanoseconds: 1_000_000_000)
    var i = 1
    while i + 6 <= input.count {
        let b = Array(input[i..<(i + 6)])
        i += 6
        if b[0] & 0xC0 == 0xC0 {  // time passes
            now = now + .milliseconds(Int64(b[1]) * 100)
            for f in r.poll(now: now) where f.quote.count > 96 || f.header.source != source { violated6("expired quote") }
            continue
        }
        let id = UInt32(b[0] & 3)
        let more = b[0] & 4 != 0
        let offset = (Int(UInt16(b[1]) << 8 | UInt16(b[2])) & 0x1FFF) * 8
        let raw = Int(UInt16(b[3]) << 8 | UInt16(b[4]))
        let length = b[0] & 0x20 != 0 ? raw % 65536 : raw % 1600
        let options = offset == 0 && b[0] & 0x10 != 0
        var payload = Array(patterns6[Int(id)][offset..<(offset + length)])
        if options, length >= 2 { payload[0] = IPProtocol.udp.rawValue; payload[1] = b[5] % 4 }
        let fragment = IPv6FragmentHeader(nextHeader: options ? .ipv6DestinationOptions : .udp, offset: offset, moreFragments: more,
                                          identification: id)
        let header = IPv6Header(nextHeader: .ipv6Fragment, hopLimit: 64, source: source, destination: destination,
                                payloadLength: Swift.min(65535, IPv6FragmentHeader.length + length))
        var headers = [UInt8](repeating: 0, count: IPv6Header.length + IPv6FragmentHeader.length)
        var out = headers.mutableSpan
        guard (try? header.emit(into: &out)) != nil else { continue }
        var tail = out.extracting(IPv6Header.length...)
        guard (try? fragment.emit(into: &tail)) != nil else { continue }
        let packet = headers + payload
        if let (whole, bytes) = r.add(packet.span, fragment, dataOffset: IPv6Header.length + IPv6FragmentHeader.length,
                                      header: header, now: now) {
            guard whole.payloadLength == bytes.count, bytes.count <= 65535, whole.source == source else {
                violated6("completed header \(whole.payloadLength) for \(bytes.count) bytes")
            }
            let skip = whole.nextHeader == .ipv6DestinationOptions ? 2 : 0
            guard bytes[skip...].elementsEqual(patterns6[Int(id)][skip..<bytes.count]) else { violated6("the bytes of datagram \(id)") }
        }
        guard r.bufferedBytes >= 0, r.bufferedBytes <= config.memoryLimit else { violated6("bufferedBytes \(r.bufferedBytes)") }
        guard r.inProgress <= config.maximumDatagrams else { violated6("\(r.inProgress) in progress") }
        guard r.inProgress > 0 || r.bufferedBytes == 0 else { violated6("\(r.bufferedBytes) bytes held by nothing") }
    }
    _ = r.poll(now: now + .seconds(60))
    guard r.inProgress == 0, r.bufferedBytes == 0 else { violated6("left \(r.inProgress) datagrams, \(r.bufferedBytes) bytes") }
    return 0
}
