// IPv4 reassembly (RFC 791) under arbitrary fragment sequences. The input is a program: the first byte
// picks a configuration (the defaults, or small caps and budget so the fuzzer reaches every limit), then
// each 6-byte step is one fragment of one of four datagrams (offset, length, MF, options on fragment
// zero), or a jump in time. Every fragment of a datagram carries the bytes of one fixed pattern, so a
// datagram that completes must be exactly that pattern. After every step: memory accounting never
// negative nor above the budget, no more datagrams than the cap, nothing held when nothing is in
// progress; at the end, a poll past the timeout leaves nothing behind.
import Swiftlet
import SwiftletWire
import SwiftletNet

/// The byte at `position` of datagram `id`.
@inline(__always)
func patternByte(_ id: UInt16, _ position: Int) -> UInt8 { UInt8(truncatingIfNeeded: position &* 31 &+ Int(id) &* 7 &+ position >> 8) }

func violated(_ what: String) -> Never { fatalError("reassembly invariant: \(what)") }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    var config = IPv4Reassembly.Configuration()
    if first & 1 != 0 {
        config.maximumDatagrams = 3
        config.maximumRanges = 6
        config.memoryLimit = 70_000 + Int(first >> 1) * 1000
        config.timeout = .seconds(2)
    }
    var r = IPv4Reassembly(configuration: config)
    let source = IPv4Address(10, 0, 0, 1), destination = IPv4Address(10, 0, 0, 2)
    var now = Instant(nanoseconds: 1_000_000_000)
    var i = 1
    while i + 6 <= input.count {
        let s = input[i..<(i + 6)]
        let b = Array(s)
        i += 6
        if b[0] & 0xC0 == 0xC0 {  // time passes
            now = now + .milliseconds(Int64(b[1]) * 100)
            for (h, leading) in r.poll(now: now) where h.fragmentOffset != 0 || leading.count > 8 { violated("expired \(h)") }
        } else {
            let id = UInt16(b[0] & 3)
            let more = b[0] & 4 != 0
            let offset = Int(UInt16(b[1]) << 8 | UInt16(b[2])) & 0x1FFF
            let raw = Int(UInt16(b[3]) << 8 | UInt16(b[4]))
            // Mostly small fragments, sometimes up to the whole range.
            let length = b[0] & 0x20 != 0 ? raw : raw % 1600
            let options: [UInt8] = b[0] & 0x10 != 0 ? [UInt8](repeating: 1, count: Int(b[5] % 41)) : []
            let start = offset * 8
            var payload = [UInt8](repeating: 0, count: length)
            for k in 0..<length { payload[k] = patternByte(id, start + k) }
            let header = IPv4Header(identification: id, moreFragments: more, fragmentOffset: start, protocol: .udp,
                                    source: source, destination: destination, options: options, payloadLength: length)
            if let (whole, bytes) = r.add(header, payload: payload.span, now: now) {
                guard whole.payloadLength == bytes.count, whole.fragmentOffset == 0, !whole.moreFragments,
                      whole.headerLength + bytes.count <= 65535, whole.identification == id else {
                    violated("completed header \(whole) for \(bytes.count) bytes")
                }
                for k in 0..<bytes.count where bytes[k] != patternByte(id, k) { violated("byte \(k) of datagram \(id)") }
            }
        }
        guard r.bufferedBytes >= 0, r.bufferedBytes <= config.memoryLimit else { violated("bufferedBytes \(r.bufferedBytes)") }
        guard r.inProgress <= config.maximumDatagrams else { violated("\(r.inProgress) in progress") }
        guard r.inProgress > 0 || r.bufferedBytes == 0 else { violated("\(r.bufferedBytes) bytes held by nothing") }
    }
    _ = r.poll(now: now + .seconds(60))
    guard r.inProgress == 0, r.bufferedBytes == 0 else { violated("left \(r.inProgress) datagrams, \(r.bufferedBytes) bytes") }
    return 0
}
