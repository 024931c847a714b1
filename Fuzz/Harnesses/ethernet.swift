import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let h = try? EthernetHeader(parsing: s) else { return }
        checkRoundTrip(h, length: h.length, emit: { (x: EthernetHeader, b: inout MutableSpan<UInt8>) throws(WireError) in try x.emit(into: &b) },
                       parse: { (b: Span<UInt8>) throws(WireError) in try EthernetHeader(parsing: b) })
    }
    return 0
}
