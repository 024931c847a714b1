import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { s in
        guard let m = try? DHCPv4Message(parsing: s) else { return }
        checkRoundTrip(m, length: m.length, emit: { (x: DHCPv4Message, b: inout MutableSpan<UInt8>) throws(WireError) in try x.emit(into: &b) },
                       parse: { (b: Span<UInt8>) throws(WireError) in try DHCPv4Message(parsing: b) })
    }
    return 0
}
