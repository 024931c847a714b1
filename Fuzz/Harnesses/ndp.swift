import SwiftletWire
import Swiftlet
// An ICMPv6 message between two link-local addresses (the checksum patched in, hop limit 255): Neighbor
// Discovery and MLD. What parses as NDP must encode and parse back to the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard s.count >= 8 else { return }
        // The first byte picks the addresses, so the rules about :: and multicast destinations are reached.
        let selector = s[0]
        let source = selector & 1 == 0 ? IPv6Address(high: 0xFE80 << 48, low: 1) : IPv6Address.unspecified
        let target = IPv6Address(high: 0xFE80 << 48, low: UInt64(selector >> 4))
        let destination = selector & 2 == 0 ? IPv6Address(high: 0xFE80 << 48, low: 2)
                        : selector & 4 == 0 ? IPv6Address.allNodes : target.solicitedNode
        var bytes = Array(copying: s.extracting(1...))
        guard bytes.count >= 8 else { return }
        var m = bytes.mutableSpan
        ICMPv6Header.fillChecksum(&m, source: source, destination: destination)
        guard let icmp = try? ICMPv6Packet(validating: bytes.span, source: source, destination: destination) else {
            roundTripFailed("a filled-in checksum did not verify")
        }
        _ = icmp.message
        if let report = try? MLDv2Report(icmp) {
            let again = report.encoded(source: source, destination: destination)
            guard let back = try? ICMPv6Packet(validating: again.span, source: source, destination: destination),
                  (try? MLDv2Report(back)) == report else { roundTripFailed("\(report)") }
        }
        _ = try? MLDQuery(icmp)
        guard let message = try? NDPMessage(icmp, hopLimit: 255, source: source, destination: destination) else { return }
        let again = message.encoded(source: source, destination: destination)
        guard let back = try? ICMPv6Packet(validating: again.span, source: source, destination: destination),
              (try? NDPMessage(back, hopLimit: 255, source: source, destination: destination)) == message else {
            roundTripFailed("\(message)")
        }
    }
    return 0
}
