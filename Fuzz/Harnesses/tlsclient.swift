// The TLS 1.3 client (SwiftletTLS TLSConnection, RFC 8446 §4, §5, §6) fed a server's bytes. The input's
// first byte chooses the mode (TLSCommon.swift gives the layout and the properties checked):
//   0: a client that has sent its ClientHello reads the payload as plaintext transport bytes: ServerHello
//      or HelloRetryRequest (version, downgrade sentinel, echoes, suite, key share, PSK, cookie), and the
//      second ClientHello an HRR brings;
//   1: a client that met a HelloRetryRequest and sent its second ClientHello reads plaintext bytes: the
//      second ServerHello's checks against the retry (suite, group, no second HRR);
//   2: a client that read our own server's genuine ServerHello (state clientWaitEncryptedExtensions)
//      reads records sealed under the server's handshake key: EncryptedExtensions (ALPN, forbidden
//      extensions), CertificateRequest, Certificate (parsing and chain validation against the fixed CA),
//      CertificateVerify, Finished; a good Finished leads on to the application key, which later records
//      follow (NewSessionTicket, KeyUpdate);
//   3: a connected client reads records sealed under the server's application key: NewSessionTicket,
//      KeyUpdate, alerts, close_notify, application data, messages a server may not send after the
//      handshake.
// FUZZ_TLS_SEEDS=DIR writes the seed corpus (genuine flights of our own server) to DIR and exits.
import Swiftlet
import SwiftletCrypto
@testable import SwiftletTLS

private struct Snapshots {
    let server = FuzzTLS.serverContext(groups: [.x25519, .secp256r1])
    let p256Only = FuzzTLS.serverContext(groups: [.secp256r1])
    var fresh: FuzzConnection
    var afterRetry: FuzzConnection
    var waitEncryptedExtensions: FuzzConnection
    var connected: FuzzConnection
    /// The genuine server flights: whole (plaintext ServerHello and the rest), the HRR, the ServerHello
    /// after it; the encrypted parts as plaintext record lists.
    var serverFlight: [UInt8] = []
    var retry: [UInt8] = []
    var retryServerHello: [UInt8] = []
    var encryptedFlight: [UInt8] = []
    var ticket: [UInt8] = []

    init() {
        FuzzTLS.entropy.reseed(FuzzTLS.inputSeed)
        var client = FuzzTLS.newClient()
        let clientHello = client.takeOutput()
        fresh = client

        // The HRR path: the p256Only server asks for secp256r1; the client's second ClientHello.
        var retryServer = FuzzConnection.server(context: p256Only)
        FuzzTLS.deliver(clientHello, to: &retryServer)
        retry = retryServer.takeOutput()
        var retryClient = client
        FuzzTLS.deliver(retry, to: &retryClient)
        FuzzTLS.deliver(retryClient.takeOutput(), to: &retryServer)
        _ = retryClient.takeOutput()
        afterRetry = retryClient
        let retryFlight = FuzzTLS.records(retryServer.takeOutput())
        retryServerHello = retryFlight.first.map(FuzzTLS.bytes) ?? []

        // The full handshake, stopped after ServerHello (and change_cipher_spec).
        var genuine = FuzzConnection.server(context: server)
        FuzzTLS.deliver(clientHello, to: &genuine)
        serverFlight = genuine.takeOutput()
        let records = FuzzTLS.records(serverFlight)
        guard records.count >= 3, records[0].header.type == .handshake, records[1].header.type == .changeCipherSpec else {
            fatalError("tlsclient: unexpected server flight")
        }
        FuzzTLS.deliver(FuzzTLS.bytes(of: records[0]) + FuzzTLS.bytes(of: records[1]), to: &client)
        guard client.state == .clientWaitEncryptedExtensions, let handshakeKey = client.readProtection else {
            fatalError("tlsclient: ServerHello not taken")
        }
        waitEncryptedExtensions = client
        var rest: [UInt8] = []
        for r in records[2...] { rest += FuzzTLS.bytes(of: r) }
        encryptedFlight = FuzzTLS.plaintextRecordList(rest, protection: handshakeKey)
        FuzzTLS.deliver(rest, to: &client)
        guard client.state == .connected, let applicationKey = client.readProtection else { fatalError("tlsclient: handshake did not finish") }
        FuzzTLS.deliver(client.takeOutput(), to: &genuine)
        guard genuine.state == .connected else { fatalError("tlsclient: server did not finish") }
        ticket = FuzzTLS.plaintextRecordList(genuine.takeOutput(), protection: applicationKey)
        connected = client
    }
}

nonisolated(unsafe) private var snapshots = withoutLeakChecks { Snapshots() }

private func seeds() -> [(String, [UInt8])] {
    let s = snapshots
    let reads = FuzzTLS.wholeReads
    return [
        ("serverhello", [0] + reads + s.serverFlight),
        ("serverhello-split", [0, 2, 30, 0] + s.serverFlight),
        ("hrr", [0] + reads + s.retry),
        ("hrr-then-serverhello", [0] + reads + s.retry + s.retryServerHello),
        ("after-retry", [1] + reads + s.retryServerHello),
        ("encrypted-flight", [2] + reads + s.encryptedFlight),
        ("encrypted-flight-ticket", [2] + reads + s.encryptedFlight + s.ticket),
        ("ticket", [3] + reads + s.ticket),
        ("keyupdate", [3] + reads + FuzzTLS.entry(0, [24, 0, 0, 1, 0]) + FuzzTLS.entry(2, Array("after".utf8))),
        ("data-close", [3] + reads + FuzzTLS.entry(0x42, Array("HTTP/1.1 200 OK\r\n\r\n".utf8)) + FuzzTLS.entry(1, [1, 0])),
        ("alert", [3] + reads + FuzzTLS.entry(1, [2, 40])),
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
        case 0: snapshots.fresh
        case 1: snapshots.afterRetry
        case 2: snapshots.waitEncryptedExtensions
        default: snapshots.connected
        }
    }
    return 0
}
