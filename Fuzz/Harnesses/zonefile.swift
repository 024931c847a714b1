// Fuzz harness: the zone-file parser (SwiftletDNS/ZoneFile.swift, RFC 1035 §5 master format). Any text
// must parse or give a line-numbered ZoneError; a trap is the crash libFuzzer reports. Records that
// parse must fit a wire message (the responder's next step), so they are emitted too.
import Swiftlet
import SwiftletWire
import SwiftletDNS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do throws(ZoneError) {
        let records = try ZoneFile.parse(text, origin: DNSName("fuzz.test."))
        guard !records.isEmpty else { return 0 }
        let message = DNSMessage(header: DNSHeader(id: 1, isResponse: true, authoritative: true),
                                 answers: Array(records.prefix(8)))
        _ = try? message.emit()
    } catch {
        guard error.line >= 1 else { fatalError("a zone error without a line: \(error)") }
    }
    return 0
}
