import SwiftletWire
import Swiftlet
// An IPv6 packet: the fixed header, the walk of its extension headers, and for ICMPv6 errors the quoted
// packet. The ICMPv6 checksum is patched before parsing, so the fuzzer reaches the message behind it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        _ = try? IPv6Packet(validatingQuoted: s).payload.count
        guard let p = try? IPv6Packet(validating: s) else { return }
        let h = IPv6Header(p)
        checkRoundTrip(h, length: IPv6Header.length + h.payloadLength,
                       emit: { (x: IPv6Header, b: inout MutableSpan<UInt8>) throws(WireError) in try x.emit(into: &b) },
                       parse: { (b: Span<UInt8>) throws(WireError) in try IPv6Header(parsing: b) })
        guard let chain = try? p.walkExtensionHeaders() else { return }
        switch chain {
        case .upperLayer(let proto, let offset):
            guard offset <= p.bytes.count else { roundTripFailed("upper layer past the end: \(offset)") }
            guard proto == .icmpv6 else { return }
            var icmp = Array(copying: p.bytes.extracting(offset...))
            guard icmp.count >= 8 else { return }
            var m = icmp.mutableSpan
            ICMPv6Header.fillChecksum(&m, source: h.source, destination: h.destination)
            guard let message = try? ICMPv6Packet(validating: icmp.span, source: h.source, destination: h.destination) else {
                roundTripFailed("a filled-in checksum did not verify")
            }
            _ = try? message.quotedDatagram().ports
            _ = try? NDPMessage(message, hopLimit: h.hopLimit, source: h.source, destination: h.destination)
        case .fragment(let f, let dataOffset):
            guard dataOffset <= p.bytes.count, f.offset % 8 == 0 else { roundTripFailed("fragment \(f) at \(dataOffset)") }
        case .parameterProblem(_, let pointer, _):
            guard pointer < p.bytes.count else { roundTripFailed("pointer past the end: \(pointer)") }
        case .discard:
            break
        }
    }
    return 0
}
