// swiftlet-bench: the Swift side of Benchmarks/run. Each benchmark prints its figures and ends with
//   RESULT NAME VALUE UNIT [ratio X vs PEER]
// Timing uses CLOCK_MONOTONIC; every benchmark repeats its measurement and reports the best of 5 rounds
// (the machine is shared and noisy; the minimum is the most repeatable figure).

import CBenchPeers
import Glibc
import Swiftlet
import SwiftletWire

func nowNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Runs `body` 5 times and returns the fastest wall time in nanoseconds.
func best(_ body: () -> Void) -> Double {
    var fastest = UInt64.max
    for _ in 0..<5 {
        let t0 = nowNanoseconds()
        body()
        fastest = min(fastest, nowNanoseconds() - t0)
    }
    return Double(fastest)
}

func format(_ x: Double, _ digits: Int = 2) -> String {
    var s = String(Int(x))
    var frac = x - Double(Int(x))
    if digits > 0 { s += "." }
    for _ in 0..<digits { frac *= 10; s += String(Int(frac) % 10) }
    return s
}

/// A TCP SYN captured from Linux (Fixtures/capture.pcap): Ethernet, IPv4, TCP with MSS, SACK-permitted,
/// timestamps and window scale.
let synFrame: [UInt8] = {
    let hex = "5e8a1e06cddcf2f3f67fdb7c08004500003c4dfb40004006d8ac0a0900010a0900029bc41f90b6125f5a00000000a002faf037b80000020405b40402080a283c0842000000000103030a"
    var out: [UInt8] = []
    var it = hex.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
    while let hi = it.next(), let lo = it.next() { out.append(nibble(hi) << 4 | nibble(lo)) }
    return out
}()

@inline(never)
func parseSwiftlet(_ frame: Span<UInt8>) -> UInt32 {
    do {
        let eth = try EthernetFrame(validating: frame)
        guard eth.etherType == .ipv4 else { return 0 }
        let ip = try IPv4Packet(validating: eth.payload)
        guard ip.protocol == .tcp else { return 0 }
        let segment = try TCPSegment(validating: ip.payload, source: ip.source, destination: ip.destination)
        let header = TCPHeader(segment)
        return header.sequenceNumber.rawValue &+ UInt32(header.options.maximumSegmentSize ?? 0)
    } catch {
        return 0
    }
}

/// `SWIFTLET_BENCH_SCALE` (default 1.0) shrinks the work, e.g. 0.01 under valgrind.
let scale: Double = {
    guard let v = getenv("SWIFTLET_BENCH_SCALE") else { return 1 }
    return Double(String(cString: v)) ?? 1
}()

func benchWire() {
    let iterations = max(1, Int(5_000_000 * scale))
    var sink: UInt32 = 0
    let swift = best {
        let span = synFrame.span
        for _ in 0..<iterations { sink &+= parseSwiftlet(span) }
    }
    let c = best {
        synFrame.withUnsafeBufferPointer { p in
            for _ in 0..<iterations {
                var seq: UInt32 = 0, mss: UInt16 = 0
                if peer_parse_tcp_frame(p.baseAddress, p.count, &seq, &mss) == 0 { sink &+= seq &+ UInt32(mss) }
            }
        }
    }
    precondition(sink != 0, "the frame must parse")
    let ns = swift / Double(iterations), peer = c / Double(iterations)
    print("wire: validate + parse Ethernet/IPv4/TCP (checksums verified, 4 options), \(iterations) frames x best of 5")
    print("  Swiftlet   \(format(ns)) ns/frame")
    print("  C (clang)  \(format(peer)) ns/frame   (hand-written validating parser, same checks)")
    print("RESULT wire \(format(ns)) ns/frame ratio \(format(peer / ns)) vs C-parser")
}

func benchChecksum() {
    let bufferCount = 64, size = 1500, rounds = max(1, Int(20_000 * scale))
    var buffers: [[UInt8]] = []
    var x: UInt64 = 0x1234_5678
    for _ in 0..<bufferCount {
        buffers.append((0..<size).map { _ in x = x &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: x >> 33) })
    }
    for b in buffers { precondition(InternetChecksum.of(b.span) == b.withUnsafeBufferPointer { peer_checksum_rfc1071($0.baseAddress, $0.count) }) }
    var sink: UInt16 = 0
    let swift = best {
        for _ in 0..<rounds { for b in buffers { sink &+= InternetChecksum.of(b.span) } }
    }
    let c = best {
        for _ in 0..<rounds { for b in buffers { sink &+= b.withUnsafeBufferPointer { peer_checksum_rfc1071($0.baseAddress, $0.count) } } }
    }
    let bytes = Double(bufferCount * size * rounds)
    let gbps = bytes / swift, peer = bytes / c
    print("checksum: RFC 1071 over \(bufferCount) x \(size)-byte buffers, \(rounds) rounds x best of 5 (sink \(sink))")
    print("  Swiftlet   \(format(gbps)) GB/s")
    print("  C (clang)  \(format(peer)) GB/s   (16-bit word loop, RFC 1071 §4.1 style)")
    print("RESULT checksum \(format(gbps)) GB/s ratio \(format(gbps / peer)) vs C-rfc1071-loop")
}

let name = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
switch name {
case "wire": benchWire()
case "checksum": benchChecksum()
case "tcp-memory": benchTCPMemory()
case "tcp-connect": benchTCPConnect()
case "crypto": benchCrypto()
case "crypto-timing": benchCryptoTiming()
case "logging-calls": benchLoggingCalls()
case "logging-tcp": benchLoggingTCP(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "off")
default:
    print("usage: swiftlet-bench wire|checksum|tcp-memory|tcp-connect|crypto|crypto-timing|logging-calls|logging-tcp off|on")
    exit(2)
}
