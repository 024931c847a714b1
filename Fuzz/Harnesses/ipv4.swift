import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        _ = try? IPv4Packet(validatingQuoted: s).payload.count
        guard let p = try? IPv4Packet(validating: s) else { return }
        let h = IPv4Header(p)
        _ = (p.isFragment, p.payload.count, p.options.count)
        var out = [UInt8](repeating: 0xEE, count: h.totalLength)
        var m = out.mutableSpan
        guard (try? h.emit(into: &m)) != nil else { roundTripFailed("emit \(h)") }
        // Options are kept raw, so the re-parsed header must be identical.
        guard (try? IPv4Header(parsing: out.span)) == h else { roundTripFailed("\(h)") }
    }
    return 0
}
