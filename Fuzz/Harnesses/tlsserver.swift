// The TLS 1.3 server (SwiftletTLS TLSConnection, RFC 8446 §4, §5, §6) fed a client's bytes. The input's
// first byte chooses the mode (TLSCommon.swift gives the layout and the properties checked):
//   0: a fresh server (both groups) reads the payload as plaintext transport bytes: ClientHello parsing,
//      version, suite, SNI, ALPN, key share and PSK checks (a seed offers a genuine ticket of this
//      server with its binder), ServerHello and the server's whole flight;
//   1: the same with a server that offers secp256r1 only, so a client's x25519 share is answered with a
//      HelloRetryRequest and the payload's second ClientHello is checked against it;
//   2: a server that has sent its flight to our own client's genuine ClientHello (state serverWaitFinished)
//      reads the payload as records sealed under the client's handshake key: Finished, the §5.1 key-change
//      rule, encrypted alerts and messages out of order; a good Finished leads on to NewSessionTicket and
//      the application key, which later records follow;
//   3: a connected server (after a genuine handshake) reads records sealed under the client's application
//      key: KeyUpdate (the key it moves to is followed), alerts, close_notify, application data, messages
//      a client may not send.
// FUZZ_TLS_SEEDS=DIR writes the seed corpus (genuine flights of our own client) to DIR and exits.
import Swiftlet
import SwiftletCrypto
@testable import SwiftletTLS

private struct Snapshots {
    let bothGroups = FuzzTLS.serverContext(groups: [.x25519, .secp256r1])
    let p256Only = FuzzTLS.serverContext(groups: [.secp256r1])
    /// Our client's first flight, and its ClientHello sent again after the p256Only server's HRR.
    var clientHello: [UInt8] = []
    var retryFlight: [UInt8] = []
    /// A server waiting for the client's Finished, and the client's Finished flight in plaintext.
    var waitFinished: FuzzConnection
    var clientFinished: [UInt8] = []
    /// A connected server.
    var connected: FuzzConnection
    /// Our client's ClientHello offering the session of the genuine handshake.
    var resumingHello: [UInt8] = []

    init() {
        FuzzTLS.entropy.reseed(FuzzTLS.inputSeed)
        var client = FuzzTLS.newClient()
        clientHello = client.takeOutput()
        // The HRR flight: the same ClientHello to the p256Only server, its HRR back, the client's answer.
        var retryClient = client
        var retryServer = FuzzConnection.server(context: p256Only)
        FuzzTLS.deliver(clientHello, to: &retryServer)
        FuzzTLS.deliver(retryServer.takeOutput(), to: &retryClient)
        retryFlight = retryClient.takeOutput()

        var server = FuzzConnection.server(context: bothGroups)
        FuzzTLS.deliver(clientHello, to: &server)
        waitFinished = server
        _ = waitFinished.takeOutput()
        guard let clientWriteKey = server.readProtection else { fatalError("tlsserver: no read key") }
        FuzzTLS.deliver(server.takeOutput(), to: &client)
        let finishedFlight = client.takeOutput()
        clientFinished = FuzzTLS.plaintextRecordList(finishedFlight, protection: clientWriteKey)
        FuzzTLS.deliver(finishedFlight, to: &server)
        guard server.state == .connected, client.state == .connected else { fatalError("tlsserver: handshake did not finish") }
        // The ticket goes to the client, whose next ClientHello offers it (PSK with a genuine binder).
        FuzzTLS.deliver(server.takeOutput(), to: &client)
        connected = server
        var resuming = FuzzTLS.newClient()
        resumingHello = resuming.takeOutput()
    }
}

nonisolated(unsafe) private var snapshots = withoutLeakChecks { Snapshots() }

private func seeds() -> [(String, [UInt8])] {
    let s = snapshots
    let reads = FuzzTLS.wholeReads
    return [
        ("clienthello", [0] + reads + s.clientHello),
        ("clienthello-split", [0, 3, 40, 0] + s.clientHello),
        ("resume", [0] + reads + s.resumingHello),
        ("retry", [1] + reads + s.clientHello + s.retryFlight),
        ("finished", [2] + reads + s.clientFinished),
        ("finished-then-data", [2] + reads + s.clientFinished + FuzzTLS.entry(2, Array("GET / HTTP/1.1\r\n\r\n".utf8))),
        ("keyupdate", [3] + reads + FuzzTLS.entry(0, [24, 0, 0, 1, 1]) + FuzzTLS.entry(2, Array("after".utf8))),
        ("data-close", [3] + reads + FuzzTLS.entry(0x42, Array("hello".utf8)) + FuzzTLS.entry(1, [1, 0])),
        ("alert", [3] + reads + FuzzTLS.entry(1, [2, 20])),
        ("ccs-raw", [2] + reads + FuzzTLS.entry(0x80, [20, 3, 3, 0, 1, 1]) + s.clientFinished),
        ("both-flights", [0] + reads + s.clientHello + s.retryFlight),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    FuzzTLS.initialize(touch: { _ = snapshots.connected.state }, seeds: seeds)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTLS.run(data, size) { mode in
        switch mode {
        case 0: FuzzConnection.server(context: snapshots.bothGroups)
        case 1: FuzzConnection.server(context: snapshots.p256Only)
        case 2: snapshots.waitFinished
        default: snapshots.connected
        }
    }
    return 0
}
