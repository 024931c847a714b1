import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        _ = try? IPv4Packet(validatingQuoted: s).payload.count
        guard let p = try? IPv4Packet(validating: s) else { return }
        let h = IPv4Header(p)
        _ = (p.isFragment, p.payload.count, p.options.count)
        // Options are kept raw, so the re-parsed header must be identical.
        checkRoundTrip(h, length: h.totalLength, emit: { (x: IPv4Header, b: inout MutableSpan<UInt8>) throws(WireError) in try x.emit(into: &b) },
                       parse: { (b: Span<UInt8>) throws(WireError) in try IPv4Header(parsing: b) })
    }
    return 0
}
