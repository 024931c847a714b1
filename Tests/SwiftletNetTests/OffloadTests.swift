// Receive offloads (issue 23): what the stack does with a frame whose device vouched for its TCP or UDP
// checksum (`PacketBuffer.checksumVerified`, virtio-net's NEEDS_CSUM or DATA_VALID), with TCP segments a
// device coalesced (virtio-net's GUEST_TSO), and with `--offload` (NetworkOffloads).

import Testing
import Swiftlet
import SwiftletNet
import SwiftletWire

/// A UDP datagram to `port` whose checksum field holds `checksum` whatever the data (a partial checksum,
/// as a host leaves it under NEEDS_CSUM, or a wrong one).
private func udp(port: UInt16, checksum: UInt16, _ data: [UInt8]) -> (inout MutableSpan<UInt8>) throws(WireError) -> Void {
    { (b: inout MutableSpan<UInt8>) throws(WireError) in
        let length = 8 + data.count
        let header: [UInt8] = [0x13, 0x88, UInt8(port >> 8), UInt8(port & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF),
                               UInt8(checksum >> 8), UInt8(checksum & 0xFF)]
        for (i, byte) in (header + data).enumerated() { b[i] = byte }
    }
}

@Suite struct ReceiveChecksumOffloadTests {
    /// A wrong checksum is dropped as malformed unless the device vouched for the frame; then the datagram
    /// is delivered as it is.
    @Test func aDatagramTheDeviceVouchedForSkipsTheChecksum() throws {
        let s = try LoneStack()
        _ = try s.stack.udpBind(port: 53)
        try s.deliver(from: LoneStack.gateway, protocol: .udp, length: 11, transport: udp(port: 53, checksum: 0x1234, [1, 2, 3]))
        #expect(try s.stack.udpReceive(port: 53) == nil)
        #expect(s.stack.counters.malformed == 1)
        try s.deliver(from: LoneStack.gateway, protocol: .udp, length: 11, checksumVerified: true,
                      transport: udp(port: 53, checksum: 0x1234, [1, 2, 3]))
        #expect(try s.stack.udpReceive(port: 53)?.payload == [1, 2, 3])
        #expect(s.stack.counters.malformed == 1)
        // The flag lasts for its frame only: the next one is checked again.
        try s.deliver(from: LoneStack.gateway, protocol: .udp, length: 11, transport: udp(port: 53, checksum: 0x1234, [4, 5, 6]))
        #expect(try s.stack.udpReceive(port: 53) == nil)
        #expect(s.stack.counters.malformed == 2)
    }

    /// A SYN with a wrong checksum draws nothing; vouched for, the listener answers it.
    @Test func aSegmentTheDeviceVouchedForSkipsTheChecksum() throws {
        let s = try LoneStack()
        try s.stack.tcpListen(port: 80)
        let syn = { (b: inout MutableSpan<UInt8>) throws(WireError) in
            let h = TCPHeader(sourcePort: 40000, destinationPort: 80, sequenceNumber: TCPSequenceNumber(1), flags: .syn, window: 65535,
                              options: TCPOptions(maximumSegmentSize: 1460))
            try h.emit(into: &b, source: LoneStack.gateway, destination: LoneStack.address)
            b[16] ^= 0xFF  // the checksum made wrong
        }
        try s.deliver(from: LoneStack.gateway, protocol: .tcp, length: 24, transport: syn)
        #expect(s.ipv4Sent == 0)
        #expect(s.stack.counters.malformed == 1)
        try s.deliver(from: LoneStack.gateway, protocol: .tcp, length: 24, checksumVerified: true, transport: syn)
        #expect(s.ipv4Sent == 1, "the SYN-ACK")
    }

    /// A device vouches for the frames it hands over, not for the datagram fragments make: the reassembled
    /// datagram's checksum is checked even when each fragment came vouched for.
    @Test func fragmentsAreCheckedWhateverTheirFrames() throws {
        let s = try LoneStack()
        _ = try s.stack.udpBind(port: 53)
        let data = [UInt8](repeating: 9, count: 16)
        let first = IPv4Header(identification: 7, moreFragments: true, fragmentOffset: 0, protocol: .udp, source: LoneStack.gateway,
                               destination: LoneStack.address, payloadLength: 16)
        try s.deliver(from: LoneStack.gateway, protocol: .udp, length: 16, checksumVerified: true, header: first,
                      transport: udp(port: 53, checksum: 0x1234, [UInt8](data[0..<8])))
        let last = IPv4Header(identification: 7, moreFragments: false, fragmentOffset: 16, protocol: .udp, source: LoneStack.gateway,
                              destination: LoneStack.address, payloadLength: 8)
        try s.deliver(from: LoneStack.gateway, protocol: .udp, length: 8, checksumVerified: true, header: last) {
            (b: inout MutableSpan<UInt8>) throws(WireError) in for i in 0..<8 { b[i] = 9 }
        }
        #expect(try s.stack.udpReceive(port: 53) == nil)
        #expect(s.stack.counters.malformed == 1)
    }
}

@Suite struct OffloadSpecTests {
    @Test func specsParseAndRoundTrip() throws {
        #expect(try NetworkOffloads.parse("all").get() == .all)
        #expect(try NetworkOffloads.parse("none").get() == .none)
        #expect(try NetworkOffloads.parse("rx-csum").get() == NetworkOffloads(receiveChecksum: true, receiveSegmentation: false, transmitSegmentation: false))
        #expect(try NetworkOffloads.parse("rx-tso,rx-csum,tx-tso").get() == .all)
        #expect(try NetworkOffloads.parse("tx-tso").get() == NetworkOffloads(receiveChecksum: false, receiveSegmentation: false, transmitSegmentation: true))
        for o in [NetworkOffloads.all, .none, NetworkOffloads(receiveChecksum: true, receiveSegmentation: false, transmitSegmentation: false)] {
            #expect(try NetworkOffloads.parse(o.spec).get() == o)
        }
    }

    @Test func badSpecsAreRefusedWithTheFix() {
        func problem(_ spec: String) -> String? {
            if case .failure(let e) = NetworkOffloads.parse(spec) { return e.description }
            return nil
        }
        #expect(problem("rx-tso") == "--offload 'rx-tso': rx-tso needs rx-csum (virtio-net's GUEST_TSO requires GUEST_CSUM)")
        #expect(problem("tso") == "--offload 'tso': all, none, or names from rx-csum, rx-tso, tx-tso separated by commas")
        #expect(problem("") == "--offload '': all, none, or names from rx-csum, rx-tso, tx-tso separated by commas")
        #expect(problem("rx-csum,") == "--offload 'rx-csum,': all, none, or names from rx-csum, rx-tso, tx-tso separated by commas")
    }
}
