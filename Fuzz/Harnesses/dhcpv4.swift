import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let m = try? DHCPv4Message(parsing: s) else { return }
        var out = [UInt8](repeating: 0xEE, count: m.length)
        var span = out.mutableSpan
        // Emit refuses sname/file of 64/128 octets without a NUL; everything parsed fits.
        guard (try? m.emit(into: &span)) != nil else { roundTripFailed("emit") }
        guard (try? DHCPv4Message(parsing: out.span)) == m else { roundTripFailed("dhcp") }
    }
    return 0
}
