import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let m = try? DNSMessage(parsing: s) else { return }
        guard let out = try? m.emit() else { roundTripFailed("emit") }
        guard (try? DNSMessage(parsing: out.span)) == m else { roundTripFailed("dns") }
    }
    return 0
}
