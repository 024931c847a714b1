// The TCP state machine under arbitrary segments and application calls. The input is a program: each
// 16-byte step picks flags, sequence and acknowledgment numbers near the connection's own (so the fuzzer
// reaches in-window cases), a window, options and a payload length, or an application call or a jump in
// time. The connection must never trap and must keep its buffer bounds, its out-of-order cap, and a
// memory budget (a small one, so that refusals happen) whose accounting matches the rings it pays for.
// CUBIC or BBR, by the input's second byte.
import Swiftlet
import SwiftletWire
import SwiftletNet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let a = TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
    let b = TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
    var config = TCPConfiguration()
    config.receiveBufferSize = 4096
    config.sendBufferSize = 4096
    config.keepAliveIdle = .seconds(5)
    var now = Instant(nanoseconds: 1_000_000_000)
    config.maximumOutOfOrderRanges = 4
    // A quarter of the runs with BBR (its delivery-rate samples, pacing timer and recovery windows).
    if input.count > 2, input[1] & 6 == 6 { config.congestionControl = .bbr }
    // Room for both rings at full size, but not always for the doubling steps on the way.
    let budget = MemoryBudget(limit: input.count > 2 && input[1] & 1 == 0 ? 4096 + 2048 : 2 * 4096)
    var c = TCPConnection.connect(local: a, remote: b, iss: TCPSequenceNumber(1000), tsOffset: 7, configuration: config,
                                  budget: budget, now: now)
    let syn = c.drainOutbox()[0].header
    var peerSeq = TCPSequenceNumber(input.count > 4 ? UInt32(input[0]) << 24 | UInt32(input[1]) << 16 : 5000)
    // Half the runs start from ESTABLISHED, half stay in SYN-SENT.
    if input.first.map({ $0 & 1 == 0 }) ?? true {
        var opts = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                              timestamps: TCPTimestamps(value: 1, echoReply: syn.options.timestamps?.value ?? 0))
        opts.sackBlocks = SACKBlocks()
        c.handle(TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: peerSeq, acknowledgmentNumber: syn.sequenceNumber + 1,
                           flags: [.syn, .ack], window: 65535, options: opts), payload: [UInt8]().span, now: now)
        peerSeq = peerSeq + 1
    }
    var i = 2
    var tsval: UInt32 = 2
    while i + 16 <= input.count {
        let s = Array(input[i..<(i + 16)])
        i += 16
        switch s[0] % 8 {
        case 0, 1, 2, 3, 4:
            let flags = TCPFlags(rawValue: UInt16(s[1]) | UInt16(s[2] & 1) << 8)
            let seq = peerSeq + Int(Int16(bitPattern: UInt16(s[3]) << 8 | UInt16(s[4])))
            let ackBase = c.newestQueuedSequence ?? TCPSequenceNumber(1001)
            let ack = ackBase + Int(Int16(bitPattern: UInt16(s[5]) << 8 | UInt16(s[6])))
            var options = TCPOptions()
            if s[7] & 1 != 0 { tsval &+= UInt32(s[8]); options.timestamps = TCPTimestamps(value: tsval, echoReply: UInt32(s[9])) }
            if s[7] & 2 != 0 {
                _ = options.sackBlocks.append(SACKBlock(left: ack + Int(s[10]) * 100, right: ack + Int(s[10]) * 100 + Int(s[11]) * 10))
            }
            // More blocks for the sender's records: one further up, one reversed or below the ACK (D-SACK-like).
            if s[7] & 8 != 0 {
                _ = options.sackBlocks.append(SACKBlock(left: ack + Int(s[11]) * 37, right: ack + Int(s[11]) * 37 + Int(s[10]) * 23))
            }
            if s[7] & 16 != 0 {
                _ = options.sackBlocks.append(SACKBlock(left: ack - Int(s[10]) * 11, right: ack - Int(s[11]) * 7))
            }
            if s[7] & 4 != 0 { options.maximumSegmentSize = UInt16(s[12]) }
            let payload = [UInt8](repeating: s[13], count: Int(s[14]) * 8)
            let h = TCPHeader(sourcePort: 80, destinationPort: 40000, sequenceNumber: seq, acknowledgmentNumber: ack,
                              flags: flags, window: UInt16(s[15]) << 4, options: options)
            c.handle(h, payload: payload.span, now: now)
            if s[0] & 0x80 != 0 { peerSeq = seq + payload.count }
        case 5:
            now = now + .milliseconds(Int64(s[1]) * 40 + Int64(s[2]) * 1000)
            c.poll(now: now)
        case 6:
            switch s[1] % 5 {
            case 0: _ = c.write([UInt8](repeating: 1, count: Int(s[2]) * 20).span, now: now)
            case 1: _ = c.read(Int(s[2]) * 20, now: now)
            case 2: c.shutdownWrite(now: now)
            case 3: c.close(now: now)
            default: c.abort(now: now)
            }
        default:
            _ = c.drainOutbox()
        }
        precondition(c.readable <= config.receiveBufferSize, "receive buffer bound broken")
        precondition(c.sendSpace <= config.sendBufferSize, "send buffer bound broken")
        precondition(c.outOfOrderRangeCount <= config.maximumOutOfOrderRanges, "out-of-order cap broken")
        precondition(budget.used == c.bufferBytesAllocated && budget.used <= budget.limit, "memory budget accounting broken")
        if c.queuedSegmentCount > 10_000 { _ = c.drainOutbox() }
    }
    return 0
}
