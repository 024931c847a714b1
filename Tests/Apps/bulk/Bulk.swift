// Test and benchmark application for the hosted and kvm targets: bulk TCP transfers.
//
// Server (no arguments, or `-- --mode server`): port 5001 is a sink (reads to end of stream, then answers with the byte count
// in decimal and closes); port 5002 is a source (reads a decimal byte count and a newline, sends that
// many bytes of the pattern below, closes).
// Client (`-- --mode send|receive --peer ADDR --port PORT --bytes N`): connects to a server on Linux,
// sends BYTES of the pattern (then half-closes and reads the reply) or asks for and reads BYTES, prints
// a line with the byte count, the elapsed time and an FNV-1a digest of what it received, and exits.
//
// The pattern is byte i = (i * 7 + i / 4099) mod 251, so a shifted, lost or duplicated byte changes the
// digest and the receiver can check it byte by byte.

import Swiftlet

enum Bulk {
    /// The pattern repeats every 251 * 4099 bytes ((7(i + P) + (i + P) / 4099) mod 251 adds 7P + 251);
    /// one period is computed once and sliced.
    static let period = 251 * 4099
    static let onePeriod: [UInt8] = (0..<period).map { i in UInt8(truncatingIfNeeded: (i &* 7 &+ i / 4099) % 251) }

    static func pattern(_ offset: Int, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var at = offset % period
        while out.count < count {
            let n = min(count - out.count, period - at)
            out += onePeriod[at..<(at + n)]
            at = 0
        }
        return out
    }

    static func start<Net: Network>(console: some Console, network: Net, timers: some Timers, arguments: Arguments) async -> Int32 {
        if arguments.mode == "send" || arguments.mode == "receive" {
            guard let address = arguments.peer, let port = arguments.port, arguments.bytes >= 0 else {
                console.log("bulk: \(arguments.mode) needs --peer ADDR --port PORT --bytes N")
                return 2
            }
            return await client(arguments.mode, console: console, network: network, timers: timers, address: address, port: port, bytes: arguments.bytes)
        }
        guard arguments.mode == "server" else {
            console.log("bulk: --mode is server, send or receive")
            return 2
        }
        let sink: Net.Listener
        let source: Net.Listener
        do throws(NetworkError) {
            sink = try network.listen(port: 5001)
            source = try network.listen(port: 5002)
        } catch {
            console.log("bulk: cannot listen: \(error)")
            return 1
        }
        console.log("bulk: sink on 5001, source on 5002")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await source.serve { flow in await serveSource(flow, console: console) } }
            group.addTask { await sink.serve { flow in await serveSink(flow, console: console) } }
        }
        return 0
    }

    static func serveSink<F: TCPFlow>(_ flow: F, console: some Console) async {
        var total = 0
        var mismatch = -1
        do throws(NetworkError) {
            while let bytes = try await flow.read(maximum: 65536) {
                if mismatch < 0 {
                    let expected = pattern(total, count: bytes.count)
                    if expected != bytes { mismatch = total + ((0..<bytes.count).first { expected[$0] != bytes[$0] } ?? 0) }
                }
                total += bytes.count
            }
            let verdict = mismatch < 0 ? "ok" : "mismatch at \(mismatch)"
            console.log("bulk: sink received \(total) bytes from \(flow.remote), pattern \(verdict)")
            try await flow.write(Array("\(total) \(verdict)\n".utf8))
            flow.close()
        } catch {
            console.log("bulk: sink: \(error) after \(total) bytes")
            flow.abort()
        }
    }

    static func serveSource<F: TCPFlow>(_ flow: F, console: some Console) async {
        do throws(NetworkError) {
            var request: [UInt8] = []
            while !request.contains(10), request.count < 32, let bytes = try await flow.read(maximum: 32) { request += bytes }
            let text = String(decoding: request.prefix { $0 != 10 }, as: UTF8.self)
            guard let count = Int(text), count >= 0 else {
                try await flow.write(Array("bad request\n".utf8))
                flow.close()
                return
            }
            var sent = 0
            while sent < count {
                let n = min(65536, count - sent)
                try await flow.write(pattern(sent, count: n))
                sent += n
            }
            console.log("bulk: source sent \(sent) bytes to \(flow.remote)")
            flow.close()
        } catch {
            console.log("bulk: source: \(error)")
            flow.abort()
        }
    }

    static func client<Net: Network>(_ mode: String, console: some Console, network: Net, timers: some Timers,
                                     address: IPv4Address, port: UInt16, bytes: Int) async -> Int32 {
        let started = timers.now
        do throws(NetworkError) {
            let flow = try await network.connect(to: address, port: port)
            var digest = ContentDigest()
            var received = 0
            if mode == "send" {
                var sent = 0
                while sent < bytes {
                    let n = min(65536, bytes - sent)
                    try await flow.write(pattern(sent, count: n))
                    sent += n
                }
                flow.shutdownWrite()
            } else {
                try await flow.write(Array("\(bytes)\n".utf8))
            }
            while let data = try await flow.read(maximum: 65536) {
                digest.update(data.span)
                received += data.count
            }
            flow.close()
            let elapsed = timers.now - started
            console.log("bulk: \(mode) \(bytes) bytes, received \(received) bytes, digest \(digest.finish()), \(elapsed)")
            return 0
        } catch {
            console.log("bulk: \(mode) to \(address):\(port) failed: \(error)")
            return 1
        }
    }
}
