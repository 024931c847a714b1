import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let h = try? ARPHeader(parsing: s) else { return }
        checkRoundTrip(h, length: ARPHeader.length, emit: { (x: ARPHeader, b: inout MutableSpan<UInt8>) throws(WireError) in try x.emit(into: &b) },
                       parse: { (b: Span<UInt8>) throws(WireError) in try ARPHeader(parsing: b) })
    }
    return 0
}
