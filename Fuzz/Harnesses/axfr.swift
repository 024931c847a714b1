// Fuzz harness: a zone transfer in (SwiftletDNS/Secondary.swift `PrimaryExchange`, Transfer.swift
// `AXFRReceiver`; RFC 5936 §2.2). The input is what a primary sends over TCP after our AXFR query (ID 0x0042
// for example.test.): length-prefixed messages, several per input, handed over in reads whose size the
// first byte picks. Any bytes must end in records, an error, or a wait for more; never a trap. Records that
// complete a transfer are loaded as a Zone; a zone that loads is sent out again (AXFRWriter) and must come
// back through a receiver whole, with the same number of records.
import Swiftlet
import SwiftletWire
import SwiftletDNS

let apex = DNSName("example.test.")!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    let stream = Array(input.dropFirst())
    let readSize = Int(first) * 16 + 1
    let start = Instant(nanoseconds: 1_000_000_000)
    var exchange = PrimaryExchange(.transfer, apex: apex, id: 0x0042, now: start, maximumRecords: 5_000)
    var at = 0
    var done = false
    while !done && at < stream.count {
        done = exchange.receive(Array(stream[at..<min(at + readSize, stream.count)]), now: start)
        at += readSize
    }
    if !done { done = exchange.receive(nil, now: start) }
    guard done, !exchange.isRunning else { fatalError("an exchange still running after the primary closed") }
    guard case .records(let records) = exchange.state else { return 0 }
    guard records.first?.type == .soa else { fatalError("a transfer that does not start with the SOA") }
    guard let zone = try? Zone(records: records) else { return 0 }
    // Out again and back in: the same records.
    let question = DNSQuestion(name: apex, type: .axfr)
    guard let messages = try? ZoneTransfer.messages(for: zone, id: 7, question: question) else { return 0 }
    var receiver = AXFRReceiver(apex: apex, id: 7)
    var complete = false
    for m in messages {
        do throws(TransferError) { complete = try receiver.receive(m) } catch {
            fatalError("our own transfer of a zone that loaded was refused: \(error)")
        }
    }
    guard complete, receiver.records.count == zone.records.count else {
        fatalError("our own transfer brought \(receiver.records.count) records of \(zone.records.count)")
    }
    return 0
}
