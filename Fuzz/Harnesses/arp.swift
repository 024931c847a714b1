import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let h = try? ARPHeader(parsing: s) else { return }
        var out = [UInt8](repeating: 0xEE, count: ARPHeader.length)
        var m = out.mutableSpan
        guard (try? h.emit(into: &m)) != nil else { roundTripFailed("emit") }
        guard (try? ARPHeader(parsing: out.span)) == h else { roundTripFailed("\(h)") }
    }
    return 0
}
