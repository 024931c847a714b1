// SwiftletDNS: a zone compiled when a kernel is built. For a store declared `.store(DIR, compileZones: true)`
// and embedded in a kvm image, `swiftlet build` parses each NAME.zone on the host (a broken zone stops the
// build, naming its file and line) and embeds in its place the zone's AXFR as it would cross a TCP
// connection: DNS messages (RFC 5936 §2.2: the SOA first and last), each after its two-octet length
// (RFC 7766 §8). The kernel reads it back with the transfer code a secondary zone uses anyway
// (DNSStreamFramer, AXFRReceiver: every message, name and record checked), so it needs no
// presentation-format parser, which is 64 KB of the dns kernel (docs/ARCHITECTURE.md, "Kernel size, measured").

import Swiftlet
import SwiftletWire

public enum ZoneImage {
    /// The compiled form of `zone`.
    public static func compile(_ zone: Zone) throws(WireError) -> [UInt8] {
        var image: [UInt8] = []
        for message in try ZoneTransfer.messages(for: zone, id: 0, question: DNSQuestion(name: zone.apex, type: .axfr)) {
            image += DNSStreamFramer.frame(message)
        }
        return image
    }

    /// The records of the compiled zone `image`, whose apex must be `apex`. An image that is cut short, has
    /// bytes after its closing SOA, or any message or record the transfer checks refuse is an error.
    public static func records(_ image: [UInt8], apex: DNSName) throws(TransferError) -> [DNSRecord] {
        var framer = DNSStreamFramer()
        framer.append(image)
        var receiver = AXFRReceiver(apex: apex, id: 0)
        while let message = framer.next() {
            if try receiver.receive(message) {
                guard framer.buffered == 0 else { throw TransferError("the compiled zone has data after its closing SOA") }
                return receiver.records
            }
        }
        throw TransferError("the compiled zone ends before its closing SOA")
    }
}
