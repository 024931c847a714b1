// The TLS record layer and handshake framing (SwiftletTLS/Wire, RFC 8446 §5.1, §5.2, §4): the input's
// first byte's low bit chooses the record framer (`TLSWireFuzz.records`) or the handshake reassembler with
// every message and extension parser (`TLSWireFuzz.handshakeMessages`); the rest goes to it whole, so its
// own first byte picks the fragment size. Both check that what parses re-emits and re-parses equal; a
// trap there, or in any parser, is the crash libFuzzer reports.
import SwiftletTLS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        TLSWireFuzz.records(rest)
    } else {
        TLSWireFuzz.handshakeMessages(rest)
    }
    return 0
}
