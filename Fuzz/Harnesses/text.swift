// Text parsers: addresses and DNS names from presentation form.
import SwiftletWire
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let a = IPv4Address(text), IPv4Address(a.description) != a { roundTripFailed("ipv4 \(text)") }
    if let a = IPv6Address(text), IPv6Address(a.description) != a { roundTripFailed("ipv6 \(text)") }
    if let a = MACAddress(text), MACAddress(a.description) != a { roundTripFailed("mac \(text)") }
    _ = IPv4Network(text)
    if let n = DNSName(text), DNSName(n.description) != n { roundTripFailed("name \(text)") }
    return 0
}
