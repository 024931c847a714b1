import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let a = IPv4Address(10, 0, 0, 1), b = IPv4Address(10, 0, 0, 2)
    withInput(data, size) { s in
        // Options are fuzzed without the checksum getting in the way: parse them directly too.
        if s.count > 0 { _ = try? TCPOptions(parsing: s) }
        guard let p = try? TCPSegment(validating: s, source: a, destination: b) else { return }
        let h = TCPHeader(p)
        guard h.options.length <= 40 else { return }
        var out = [UInt8](repeating: 0xEE, count: h.length + p.payload.count)
        var m = out.mutableSpan
        guard (try? h.emit(into: &m, source: a, destination: b)) != nil else { roundTripFailed("emit \(h)") }
        guard (try? TCPHeader(parsing: out.span, source: a, destination: b)) == h else { roundTripFailed("\(h)") }
    }
    return 0
}
