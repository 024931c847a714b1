// Fuzz harness: RDATA of every type (SwiftletWire/DNSRDataFormat.swift and the typed cases) and its
// presentation (SwiftletDNS/DNSPresentation.swift, RDataText.swift). Input: a 2-byte type, then RDATA.
// RDATA that the wire reader accepts must print, parse back from its presentation line, and give the
// same uncompressed wire octets; anything else is a finding (fatalError). A trap is the crash libFuzzer
// reports.
import Swiftlet
import SwiftletWire
import SwiftletDNS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let type = DNSType(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
    guard let record = try? DNSRecordData(type: type, rdata: Array(bytes[2...])) else { return 0 }
    guard record.rdata == Array(bytes[2...]) else { fatalError("\(type): the record does not hold its own RDATA") }
    let line = DNSPresentation.record(DNSRecord(name: DNSName("fuzz.test.")!, ttl: 60, data: record))
    let parsed: [DNSRecord]
    do throws(ZoneError) { parsed = try ZoneFile.parse(line + "\n") } catch {
        guard type == .opt || (type.rawValue >= 128 && type.rawValue <= 255) else {
            fatalError("\(type): our presentation does not parse back: \(error) in \(line)")
        }
        return 0  // meta types are refused in zone files, as they should be
    }
    guard parsed.count == 1, parsed[0].data.rdata == record.rdata else {
        fatalError("\(type): presentation round trip changed the octets: \(line)")
    }
    return 0
}
