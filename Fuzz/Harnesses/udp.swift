import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let a = IPv4Address(10, 0, 0, 1), b = IPv4Address(10, 0, 0, 2)
    withInput(data, size) { s in
        guard let p = try? UDPPacket(validating: s, source: a, destination: b) else { return }
        var out = Array(copying: p.bytes)
        var m = out.mutableSpan
        guard (try? UDPHeader(p).emit(into: &m, source: a, destination: b)) != nil else { roundTripFailed("emit") }
        guard (try? UDPHeader(parsing: out.span, source: a, destination: b)) == UDPHeader(p) else { roundTripFailed("udp") }
    }
    return 0
}
