import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let p = try? ICMPv4Packet(validating: s) else { return }
        let quoted = try? p.quotedDatagram()
        _ = quoted?.ports
        let original = Array(copying: p.bytes)
        var out = original
        for i in 0..<8 { out[i] = 0xEE }
        var m = out.mutableSpan
        guard (try? ICMPv4Header(p).emit(into: &m)) != nil else { roundTripFailed("emit") }
        // The message re-emits to the same semantic value (unused bits of rest-of-header may differ).
        guard let again = try? ICMPv4Header(parsing: out.span), again.message == p.message || {
            if case .destinationUnreachable = p.message { return true }
            return false
        }() else { roundTripFailed("\(p.message)") }
    }
    return 0
}
