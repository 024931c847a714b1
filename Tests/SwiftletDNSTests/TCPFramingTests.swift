// DNS over TCP framing (SwiftletDNS/TCPFraming.swift, RFC 7766 §8): pipelined queries come out whole and
// in order however the stream is cut, and the cost stays linear: bytes moved inside the buffer are
// counted, never timed.

import Testing
import SwiftletDNS

@Suite struct TCPFramingTests {
    /// 20,000 pipelined 40-byte queries in one read: the framer moved at most as many bytes as it
    /// received. (`removeFirst` per message moved every byte behind each message: about 8 GB here.)
    @Test func pipelinedQueriesCostLinearTime() {
        let count = 20_000
        var stream: [UInt8] = []
        for i in 0..<count {
            stream += DNSStreamFramer.frame([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 38) + [UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)])
        }
        var framer = DNSStreamFramer()
        framer.append(stream)
        var seen = 0
        while let m = framer.next() {
            #expect(m.count == 40 && Int(m[38]) << 8 | Int(m[39]) == seen & 0xFFFF)
            seen += 1
        }
        #expect(seen == count)
        #expect(framer.buffered == 0)
        #expect(framer.bytesMoved <= stream.count)
    }

    /// The same stream cut into reads of every size from 1 to 700 bytes, drained after each read as
    /// the name server does: the same messages, still linear.
    @Test func anyCutGivesTheSameMessages() {
        var messages: [[UInt8]] = []
        for i in 0..<3_000 { messages.append([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: i % 97)) }
        messages.append([UInt8](repeating: 7, count: 65535))  // the largest message
        messages.append([])  // a zero-length one
        let stream = messages.flatMap(DNSStreamFramer.frame)
        for cut in [1, 2, 3, 41, 700] {
            var framer = DNSStreamFramer()
            var out: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                framer.append(Array(stream[i..<min(i + cut, stream.count)]))
                i += cut
                while let m = framer.next() { out.append(m) }
            }
            #expect(out == messages)
            #expect(framer.buffered == 0)
            #expect(framer.bytesMoved <= stream.count)
        }
    }

    @Test func aPartialMessageWaits() {
        var framer = DNSStreamFramer()
        framer.append([0])
        #expect(framer.next() == nil)
        framer.append([3, 1, 2])
        #expect(framer.next() == nil)
        framer.append([3, 0])
        #expect(framer.next() == [1, 2, 3])
        #expect(framer.next() == nil)
        #expect(framer.buffered == 1)
    }
}
