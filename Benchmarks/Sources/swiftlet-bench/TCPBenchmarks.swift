// swiftlet-bench: TCP between two Swiftlet stacks in one process over the in-memory link (no loss, no
// delay, no bandwidth limit), against Linux's own TCP over loopback measured in the same run.

import Glibc
import Swiftlet
import SwiftletNet
import SwiftletTesting

/// Two stacks on a perfect simulated link, driven as fast as the CPU allows (virtual time barely moves).
final class BenchPair {
    let clock = ManualClock(start: Instant(nanoseconds: 1_000_000_000))
    let link: SimulatedLink
    let a: NetworkStack<SimulatedDevice>
    let b: NetworkStack<SimulatedDevice>

    init() {
        var impair = LinkImpairment()
        impair.delay = .microseconds(10)
        link = SimulatedLink(clock: clock, seed: 1, impairment: impair)
        var tcp = TCPConfiguration()
        tcp.sendBufferSize = 1 << 20
        tcp.receiveBufferSize = 1 << 20
        a = NetworkStack(device: link.a, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.1/24")!), seed: StackSeed(SeededEntropy(seed: 1)), tcp: tcp)
        b = NetworkStack(device: link.b, ipv4: IPv4Configuration(network: IPv4Network("10.0.0.2/24")!), seed: StackSeed(SeededEntropy(seed: 2)), tcp: tcp)
    }

    func step() {
        let now = clock.now()
        link.deliverDue()
        _ = try? link.a.receive(limit: 10_000) { a.receive(frame: $0.bytes, now: now) }
        _ = try? link.b.receive(limit: 10_000) { b.receive(frame: $0.bytes, now: now) }
        a.poll(now: now)
        b.poll(now: now)
        let next = min(link.nextDelivery, a.nextDeadline, b.nextDeadline)
        if next > now && next != .distantFuture { clock.advance(to: next) } else if next == .distantFuture { clock.advance(by: .microseconds(1)) }
    }
}

func swiftletBulk(bytes total: Int) -> Double {
    let pair = BenchPair()
    try! pair.b.tcpListen(port: 9)
    let client = try! pair.a.tcpConnect(to: TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 9), now: pair.clock.now())
    var server: TCPSocketID? = nil
    while server == nil || pair.a.tcpState(client) != .established { pair.step(); if server == nil { server = pair.b.tcpAccept(port: 9) } }
    let chunk = [UInt8](repeating: 0x5A, count: 256 * 1024)
    var sent = 0, received = 0
    let t0 = nowNanoseconds()
    while received < total {
        if sent < total {
            let n = min(chunk.count, total - sent)
            sent += (try? pair.a.tcpWrite(client, chunk.span.extracting(0..<n), now: pair.clock.now())) ?? 0
        }
        while let got = try? pair.b.tcpRead(server!, maximum: 1 << 20, now: pair.clock.now()), !got.isEmpty { received += got.count }
        pair.step()
    }
    return Double(nowNanoseconds() - t0)
}

/// A listening TCP socket on 127.0.0.1 with a kernel-chosen port; returns the socket and its address.
func loopbackListener(backlog: Int32) -> (Int32, sockaddr_in) {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(listener, $0, len) } }
    withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &len) } }
    listen(listener, backlog)
    return (listener, addr)
}

/// Linux TCP over 127.0.0.1: a writer thread and a reader in this thread.
func linuxBulk(bytes total: Int) -> Double {
    let (listener, addr) = loopbackListener(backlog: 1)
    let port = addr.sin_port
    var thread = pthread_t()
    let args = UnsafeMutablePointer<(UInt16, Int)>.allocate(capacity: 1)
    args.pointee = (port, total)
    pthread_create(&thread, nil, { raw in
        let p = raw!.assumingMemoryBound(to: (UInt16, Int).self).pointee
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        a.sin_port = p.0
        withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let buf = [UInt8](repeating: 0x5A, count: 256 * 1024)
        var sent = 0
        while sent < p.1 { let n = buf.withUnsafeBytes { write(fd, $0.baseAddress, min($0.count, p.1 - sent)) }; if n <= 0 { break }; sent += n }
        close(fd)
        return nil
    }, args)
    let conn = accept(listener, nil, nil)
    var buf = [UInt8](repeating: 0, count: 256 * 1024)
    var received = 0
    let t0 = nowNanoseconds()
    while received < total {
        let n = buf.withUnsafeMutableBytes { read(conn, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        received += n
    }
    let t = Double(nowNanoseconds() - t0)
    pthread_join(thread, nil)
    close(conn); close(listener)
    args.deallocate()
    return t
}

func benchTCPMemory() {
    let total = max(1 << 20, Int(Double(256 << 20) * scale))
    let swift = best { _ = swiftletBulk(bytes: total) } // includes set-up; the transfer dominates
    let linux = best { _ = linuxBulk(bytes: total) }
    let gbps = Double(total) * 8 / swift, peer = Double(total) * 8 / linux
    print("tcp-memory: \(total >> 20) MiB one way between two Swiftlet stacks in one process (in-memory link), best of 5")
    print("  Swiftlet             \(format(gbps)) Gbit/s")
    print("  Linux TCP loopback   \(format(peer)) Gbit/s   (two threads, 127.0.0.1, same run)")
    print("RESULT tcp-memory \(format(gbps)) Gbit/s ratio \(format(gbps / peer)) vs linux-loopback")
}

func swiftletConnections(_ count: Int) -> Double {
    let pair = BenchPair()
    try! pair.b.tcpListen(port: 7, backlog: 1024)
    let t0 = nowNanoseconds()
    var completed = 0
    var open: [TCPSocketID] = []
    var started = 0
    while completed < count {
        while started < count && open.count < 64 {
            open.append(try! pair.a.tcpConnect(to: TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 7), now: pair.clock.now()))
            started += 1
        }
        pair.step()
        while let s = pair.b.tcpAccept(port: 7) { pair.b.tcpClose(s, now: pair.clock.now()) }
        open.removeAll { id in
            if pair.a.tcpState(id) == .established || pair.a.tcpAtEndOfStream(id) {
                pair.a.tcpClose(id, now: pair.clock.now())
                completed += 1
                return true
            }
            return false
        }
    }
    return Double(nowNanoseconds() - t0)
}

func linuxConnections(_ count: Int) -> Double {
    var (listener, addr) = loopbackListener(backlog: 1024)
    let len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let t0 = nowNanoseconds()
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        // SO_LINGER 0 on the client: no TIME-WAIT pile-up exhausting ephemeral ports during the run.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = connect(fd, $0, len) } }
        let c = accept(listener, nil, nil)
        close(c)
        close(fd)
    }
    let t = Double(nowNanoseconds() - t0)
    close(listener)
    return t
}

func benchTCPConnect() {
    // Under the 16,384 ephemeral ports: closed client connections sit in TIME-WAIT for the whole run.
    let count = max(100, Int(10_000 * scale))
    let swift = best { _ = swiftletConnections(count) }
    let linux = best { _ = linuxConnections(count) }
    let rate = Double(count) / (swift / 1e9), peer = Double(count) / (linux / 1e9)
    print("tcp-connect: \(count) connections opened (3-way handshake) and closed, best of 5")
    print("  Swiftlet             \(Int(rate)) connections/s   (both stacks in one thread)")
    print("  Linux TCP loopback   \(Int(peer)) connections/s   (connect + accept + close, one thread)")
    print("RESULT tcp-connect \(Int(rate)) connections/s ratio \(format(rate / peer)) vs linux-loopback")
}
