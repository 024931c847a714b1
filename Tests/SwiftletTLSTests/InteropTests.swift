// Issue 20 item 4: SwiftletTLS against real TLS 1.3 implementations over loopback sockets. Swiftlet's
// server against `openssl s_client`, `curl`, Python's `ssl` and tlslite-ng's client; Swiftlet's client
// against `openssl s_server`, Python's `ssl` and tlslite-ng's server: every suite, both groups, each
// certificate type (and so signature scheme), HelloRetryRequest, resumption, ALPN, SNI, KeyUpdate,
// chain checks, and the refusals (TLS 1.2, a certificate for another name or from another CA).
//
// Each test checks what the peer printed (version, suite, group, scheme, ALPN, resumption) and what our
// side saw, and the application bytes that crossed. Peers are child processes (InteropSupport.swift),
// one at a time: the suite is serialized.

import Foundation
import Testing
import Swiftlet
import SwiftletCrypto
import SwiftletHTTP
import SwiftletUnix
@testable import SwiftletTLS

/// The three suites, by their IANA (and OpenSSL) names.
let suiteNames: [String: CipherSuite] = [
    "TLS_AES_128_GCM_SHA256": .aes128GCMSHA256,
    "TLS_AES_256_GCM_SHA384": .aes256GCMSHA384,
    "TLS_CHACHA20_POLY1305_SHA256": .chacha20Poly1305SHA256,
]
let allSuites = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]

/// A certificate type of TestPKI: its files, the name it is for, and how the peers name its scheme.
struct KeyKind: Sendable, CustomTestStringConvertible {
    let name: String
    let hostName: String
    /// openssl s_client's "Peer signature type".
    let opensslType: String
    /// The CertificateVerify scheme as openssl's -trace prints it.
    let scheme: String
    var testDescription: String { name }

    static let all = [
        KeyKind(name: "p256", hostName: "localhost", opensslType: "ECDSA", scheme: "ecdsa_secp256r1_sha256 (0x0403)"),
        KeyKind(name: "ed25519", hostName: "ed25519.test", opensslType: "ed25519", scheme: "ed25519 (0x0807)"),
        KeyKind(name: "rsa", hostName: "rsa.test", opensslType: "RSA-PSS", scheme: "rsa_pss_rsae_sha256 (0x0804)"),
    ]

    func files() throws -> InteropFiles.Pair {
        let f = try InteropFiles.get()
        switch name {
        case "ed25519": return f.ed25519
        case "rsa": return f.rsa
        default: return f.p256
        }
    }

    func credential() throws -> TLSCredential {
        let pki = try TestPKI.get()
        switch name {
        case "ed25519": return try TestPKI.credential(pki.ed25519)
        case "rsa": return try TestPKI.credential(pki.rsa)
        default: return try TestPKI.credential(pki.p256)
        }
    }
}

func p256() throws -> TLSCredential { try TestPKI.credential(TestPKI.get().p256) }

/// The part of an openssl -trace after the last `marker` up to the next record.
func lastSection(_ text: String, after marker: String) -> Substring {
    guard let start = text.range(of: marker, options: .backwards) else { return "" }
    let rest = text[start.upperBound...]
    let end = rest.range(of: "Record\n")?.lowerBound ?? rest.endIndex
    return rest[..<end]
}

// MARK: - peers as clients

/// What a test has `openssl s_client` do once connected.
enum ClientStep: Sendable {
    /// Send the line and wait for its echo.
    case line(String)
    /// Send an interactive command (a letter alone on a line) and wait for what it prints.
    case command(String, printed: String)
}

/// `openssl s_client` (TLS 1.3 unless `tls` says otherwise) against our server: verifies our chain against
/// TestPKI's CA and the name (-verify_return_error), runs `steps`, then ends its input (s_client then
/// sends close_notify and exits). Returns the peer (what it printed is in `transcript`).
func sClient(_ host: HostSide, port: UInt16, _ arguments: [String], serverName: String? = "localhost",
             steps: [ClientStep] = [.line("ping")], tls: String = "-tls1_3") async throws -> Peer {
    let files = try InteropFiles.get()
    var args = ["s_client", "-connect", "127.0.0.1:\(port)", tls, "-CAfile", files.ca, "-verify_return_error"]
    if let serverName { args += ["-servername", serverName, "-verify_hostname", serverName] }
    let peer = try Peer(Programs.openssl, args + arguments)
    for step in steps {
        switch step {
        case .line(let line):
            peer.send(line + "\n")
            await peer.waitFor(line, loop: host.loop)
        case .command(let command, let printed):
            peer.send(command + "\n")
            await peer.waitFor(printed, loop: host.loop)
        }
    }
    peer.closeInput()
    await peer.finish(loop: host.loop)
    return peer
}

/// One s_client run against an echo server of `context`: the peer's transcript and what our server saw.
func sClientRun(context: @escaping @Sendable (HostSide) throws -> TLSServerContext<HostRandom>, _ arguments: [String],
                serverName: String? = "localhost", steps: [ClientStep] = [.line("ping")],
                tls: String = "-tls1_3") throws -> (String, [Served]) {
    try onLoop { host in
        let server = try EchoServer(host, context: try context(host))
        let peer = try await sClient(host, port: server.port, arguments, serverName: serverName, steps: steps, tls: tls)
        return (peer.transcript, await server.stop())
    }
}

@Suite(.serialized) struct InteropTests {

    // MARK: Swiftlet server ← openssl s_client

    @Suite struct ServerWithOpenSSLClient {
        @Test(arguments: allSuites)
        func eachSuite(name: String) throws {
            let (out, served) = try sClientRun(context: { $0.serverContext([try p256()]) }, ["-ciphersuites", name], steps: [.line("ping \(name)")])
            #expect(out.contains("New, TLSv1.3, Cipher is \(name)"), "\(out)")
            #expect(out.contains("Verify return code: 0 (ok)"))
            try #require(served.count == 1)
            #expect(served[0].error == nil)
            #expect(served[0].suite == suiteNames[name])
            #expect(served[0].received == Array("ping \(name)\n".utf8))
        }

        @Test(arguments: [("X25519", "Server Temp Key: X25519"), ("P-256", "Server Temp Key: ECDH, prime256v1")])
        func eachGroup(group: String, printed: String) throws {
            let (out, served) = try sClientRun(context: { $0.serverContext([try p256()]) }, ["-groups", group])
            #expect(out.contains(printed), "\(out)")
            #expect(out.contains("New, TLSv1.3"))
            try #require(served.count == 1)
            #expect(served[0].error == nil && !served[0].retried)
            #expect(served[0].received == Array("ping\n".utf8))
        }

        @Test(arguments: KeyKind.all)
        func eachCertificateType(kind: KeyKind) throws {
            let (out, served) = try sClientRun(context: { $0.serverContext([try kind.credential()]) }, ["-trace"], serverName: kind.hostName)
            #expect(out.contains("Peer signature type: \(kind.opensslType)\n"), "\(out)")
            #expect(lastSection(out, after: "CertificateVerify, Length=").contains("Signature Algorithm: \(kind.scheme)"))
            if kind.name != "ed25519" { #expect(out.contains("Peer signing digest: SHA256")) }
            #expect(out.contains("Verify return code: 0 (ok)"))
            try #require(served.count == 1)
            #expect(served[0].error == nil && served[0].received == Array("ping\n".utf8))
        }

        /// The server takes P-256 only; s_client sends an X25519 share first, so it must be asked again.
        @Test func helloRetryRequest() throws {
            let (out, served) = try sClientRun(context: { $0.serverContext([try p256()]) { $0.groups = [.secp256r1] } },
                                               ["-groups", "X25519:P-256", "-msg"])
            #expect(out.count(of: ", ClientHello\n") == 2, "\(out)")
            #expect(out.contains("Server Temp Key: ECDH, prime256v1"))
            #expect(out.contains("New, TLSv1.3"))
            try #require(served.count == 1)
            #expect(served[0].error == nil && served[0].retried)
            #expect(served[0].received == Array("ping\n".utf8))
        }

        /// A ticket from the first connection (-sess_out) resumes the second (-sess_in).
        @Test func resumption() throws {
            let session = try InteropFiles.get().directory + "/s_client-session.pem"
            try? FileManager.default.removeItem(atPath: session)
            let (outs, served) = try onLoop { host in
                let server = try EchoServer(host, context: host.serverContext([try p256()]))
                let first = try await sClient(host, port: server.port, ["-sess_out", session], steps: [.line("first")])
                let second = try await sClient(host, port: server.port, ["-sess_in", session], steps: [.line("second")])
                return ([first.transcript, second.transcript], await server.stop())
            }
            #expect(outs[0].contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), "\(outs[0])")
            #expect(outs[1].contains("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), "\(outs[1])")
            try #require(served.count == 2)
            #expect(!served[0].resumed && served[1].resumed)
            #expect(served[1].error == nil && served[1].received == Array("second\n".utf8))
        }

        /// The server's preference wins (RFC 7301 §3.2); no common protocol is no_application_protocol (120).
        @Test func alpn() throws {
            let context: @Sendable (HostSide) throws -> TLSServerContext<HostRandom> = { host in
                host.serverContext([try p256()]) { $0.applicationProtocols = [Array("h2".utf8), HTTPS.http11] }
            }
            let (out, served) = try sClientRun(context: context, ["-alpn", "http/1.1,h2"])
            #expect(out.contains("ALPN protocol: h2\n"), "\(out)")
            try #require(served.count == 1)
            #expect(served[0].applicationProtocol == "h2" && served[0].received == Array("ping\n".utf8))

            let (refused, refusedServed) = try sClientRun(context: context, ["-alpn", "spdy/3"])
            #expect(refused.contains("alert number 120") || refused.contains("no application protocol"), "\(refused)")
            #expect(refusedServed.first?.error == .tls(alert: 120))
        }

        /// Two certificates: SNI picks the one for the name; an unknown name is unrecognized_name (112).
        @Test func sniChoosesTheCertificate() throws {
            let pki = try TestPKI.get()
            let context: @Sendable (HostSide) throws -> TLSServerContext<HostRandom> = { host in
                host.serverContext([try TestPKI.credential(pki.p256), try TestPKI.credential(pki.other)])
            }
            let (other, otherServed) = try sClientRun(context: context, [], serverName: "other.test")
            #expect(other.contains("subject=CN = other.test\n"), "\(other)")
            #expect(other.contains("Verify return code: 0 (ok)"))
            #expect(otherServed.first?.serverName == "other.test" && otherServed.first?.received == Array("ping\n".utf8))

            let (first, firstServed) = try sClientRun(context: context, [], serverName: "p256.test")
            #expect(first.contains("subject=CN = localhost\n"), "\(first)")
            #expect(first.contains("Verify return code: 0 (ok)"))
            #expect(firstServed.first?.serverName == "p256.test" && firstServed.first?.received == Array("ping\n".utf8))

            let (unknown, unknownServed) = try sClientRun(context: context, [], serverName: "nobody.test")
            #expect(unknown.contains("alert number 112") || unknown.contains("unrecognized name"), "\(unknown)")
            #expect(unknownServed.first?.error == .tls(alert: 112))
        }

        /// s_client's "K" sends KeyUpdate asking for ours back (both our keys move on), "k" one that does
        /// not (only our read key moves on); data flows before and after.
        @Test(arguments: [("K", true), ("k", false)])
        func keyUpdate(command: String, requested: Bool) throws {
            let (out, served) = try sClientRun(context: { $0.serverContext([try p256()]) }, [],
                                               steps: [.line("before"), .command(command, printed: "KEYUPDATE"), .line("after")])
            #expect(out.contains("KEYUPDATE"), "\(out)")
            try #require(served.count == 1)
            #expect(served[0].error == nil)
            #expect(served[0].readKeyUpdated)
            #expect(served[0].writeKeyUpdated == requested)
            #expect(served[0].received == Array("before\nafter\n".utf8))
        }

        /// s_client checks our chain: TestPKI's CA and the name pass; with another CA as its only trust
        /// (the chain then ends in a root it does not trust) or another name it refuses, and our server
        /// reads its alert. (Its alert comes in plaintext: see HandshakeTests'
        /// plaintextAlertBeforeTheClientsFirstEncryptedRecord.)
        @Test func chainVerification() throws {
            let files = try InteropFiles.get()
            let (good, goodServed) = try sClientRun(context: { $0.serverContext([try p256()]) }, [])
            #expect(good.contains("Verify return code: 0 (ok)"), "\(good)")
            #expect(good.contains("depth=1 CN = Test CA") && good.contains("depth=0 CN = localhost"))
            #expect(goodServed.first?.error == nil)

            let (stranger, strangerServed) = try sClientRun(context: { $0.serverContext([try p256()]) }, ["-CAfile", files.stranger])
            #expect(stranger.contains("verify error:num=19:self-signed certificate in certificate chain"), "\(stranger)")
            #expect(strangerServed.first?.error == .tls(alert: 48), "unknown_ca")
            #expect(strangerServed.first?.received == [])

            let (name, nameServed) = try sClientRun(context: { $0.serverContext([try p256()]) }, ["-verify_hostname", "wrong.test"])
            #expect(name.contains("verify error:num=62:hostname mismatch"), "\(name)")
            #expect(nameServed.first?.error == .tls(alert: 42), "bad_certificate")
        }
    }

    // MARK: Swiftlet server ← curl, Python ssl, tlslite-ng

    @Suite struct ServerWithOtherClients {
        /// HTTPS.serve answering curl over each suite; two requests with Connection: close, so the second
        /// connection resumes the first's session.
        @Test(arguments: allSuites)
        func curl(name: String) throws {
            let files = try InteropFiles.get()
            let (out, err) = try onLoop { host in
                let listener = try host.network.listen(port: 0)
                let context = host.serverContext([try p256()]) { $0.applicationProtocols = [HTTPS.http11] }
                let task = Task(executorPreference: host.loop) {
                    await HTTPS.serve(listener, tls: context, clock: host.clock) { request in
                        HTTPResponse.text(200, "hello over TLS at \(request.target)")
                    }
                }
                let port = listener.port
                let peer = try Peer(Programs.curl, ["--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers", name, "--cacert", files.ca,
                                                    "--resolve", "localhost:\(port):127.0.0.1", "-sS", "-v", "-H", "Connection: close",
                                                    "https://localhost:\(port)/one", "https://localhost:\(port)/two"])
                await peer.finish(loop: host.loop)
                listener.close()
                await task.value
                return (peer.output, peer.errors)
            }
            #expect(out == "hello over TLS at /one\nhello over TLS at /two\n", "\(err)")
            #expect(err.count(of: "SSL connection using TLSv1.3 / \(name)") == 2)
            #expect(err.contains("ALPN: server accepted http/1.1"))
            #expect(err.contains("SSL certificate verify ok."))
            #expect(err.contains("SSL re-using session ID"))
        }

        /// Python's ssl (OpenSSL through CPython): version, suite, ALPN, a resumed second connection.
        @Test func pythonSSL() throws {
            let files = try InteropFiles.get()
            let script = """
            import socket, ssl, sys
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            ctx.load_verify_locations(sys.argv[2])
            ctx.set_alpn_protocols(['http/1.1', 'h2'])
            session = None
            for i in range(2):
                with socket.create_connection(('127.0.0.1', int(sys.argv[1]))) as raw:
                    with ctx.wrap_socket(raw, server_hostname='localhost', session=session) as s:
                        s.sendall(b'python %d\\n' % i)
                        echo = b''
                        while not echo.endswith(b'\\n'):
                            echo += s.recv(100)
                        print('conn', i, s.version(), s.cipher()[0], s.selected_alpn_protocol(), s.session_reused, echo.decode().strip(), flush=True)
                        session = s.session
            """
            let (out, served) = try onLoop { host in
                let server = try EchoServer(host, context: host.serverContext([try p256()]) { $0.applicationProtocols = [Array("h2".utf8)] })
                let peer = try Peer(Programs.python, ["-c", script, String(server.port), files.ca])
                await peer.finish(loop: host.loop)
                return (peer.transcript, await server.stop())
            }
            #expect(out.contains("conn 0 TLSv1.3 TLS_AES_128_GCM_SHA256 h2 False python 0\n"), "\(out)")
            #expect(out.contains("conn 1 TLSv1.3 TLS_AES_128_GCM_SHA256 h2 True python 1\n"))
            try #require(served.count == 2)
            #expect(!served[0].resumed && served[1].resumed)
            #expect(served.map(\.received) == [Array("python 0\n".utf8), Array("python 1\n".utf8)])
        }

        static let tlsliteClient = """
        import socket, sys
        from tlslite.api import TLSConnection, HandshakeSettings
        port, cipher, group = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        settings = HandshakeSettings()
        settings.minVersion = settings.maxVersion = (3, 4)
        settings.cipherNames = [cipher]
        settings.eccCurves = [group]
        settings.keyShares = [group]
        session = None
        for i in range(2):
            c = TLSConnection(socket.create_connection(('127.0.0.1', port)))
            c.handshakeClientCert(settings=settings, serverName='localhost', session=session,
                                  alpn=[bytearray(b'h2'), bytearray(b'http/1.1')])
            c.write(b'tlslite %d\\n' % i)
            echo = c.read()
            print('conn', i, c.version, c.getCipherName(), bytes(c.session.appProto or b'-').decode(), c.resumed, bytes(echo).decode().strip(), flush=True)
            session = c.session
            c.close()
        """

        /// tlslite-ng's client (a pure-Python implementation): the suite and group it is limited to, ALPN,
        /// and a resumed second connection.
        @Test(arguments: [("aes128gcm", "x25519"), ("aes256gcm", "x25519"), ("chacha20-poly1305", "x25519"),
                          ("aes128gcm", "secp256r1")])
        func tlslite(cipher: String, group: String) throws {
            let (out, served) = try onLoop { host in
                let server = try EchoServer(host, context: host.serverContext([try p256()]) { $0.applicationProtocols = [HTTPS.http11] })
                let peer = try Peer(Programs.python, ["-c", Self.tlsliteClient, String(server.port), cipher, group])
                await peer.finish(loop: host.loop)
                return (peer.transcript, await server.stop())
            }
            #expect(!out.contains("No module named 'tlslite'"), "tlslite-ng is not installed for \(Programs.python) (scripts/test installs it)")
            #expect(out.contains("conn 0 (3, 4) \(cipher) http/1.1 False tlslite 0\n"), "\(out)")
            #expect(out.contains("conn 1 (3, 4) \(cipher) http/1.1 True tlslite 1\n"))
            try #require(served.count == 2)
            let suite: CipherSuite = cipher == "aes256gcm" ? .aes256GCMSHA384 : cipher == "aes128gcm" ? .aes128GCMSHA256 : .chacha20Poly1305SHA256
            #expect(served.allSatisfy { $0.suite == suite && $0.error == nil && $0.applicationProtocol == "http/1.1" })
            #expect(!served[0].resumed && served[1].resumed)
            #expect(served.map(\.received) == [Array("tlslite 0\n".utf8), Array("tlslite 1\n".utf8)])
        }
    }

    // MARK: Swiftlet client → openssl s_server

    @Suite struct ClientWithOpenSSLServer {
        /// The page `s_server -www` answers "GET /" with (it describes the session), or the error.
        static func fetchPage(_ host: HostSide, port: UInt16, context: TLSClientContext<HostRandom>, serverName: String = "localhost")
            async throws -> (page: String, flow: HostTLSFlow) {
            let flow = try await host.connect(port: port, context: context, serverName: serverName)
            try await flow.write(Array("GET / HTTP/1.0\r\n\r\n".utf8), timeout: .seconds(5))
            var page: [UInt8] = []
            while let bytes = try await flow.read(maximum: 65536, timeout: .seconds(5)) { page += bytes }
            flow.close()
            return (String(decoding: page, as: UTF8.self), flow)
        }

        /// Starts `openssl s_server -tls1_3` on 127.0.0.1 (port chosen by the kernel) with `kind`'s certificate.
        static func sServer(_ host: HostSide, _ arguments: [String], kind: KeyKind = KeyKind.all[0], naccept: Int = 1,
                            tls: String = "-tls1_3") async throws -> (Peer, UInt16) {
            let files = try kind.files()
            let peer = try Peer(Programs.openssl, ["s_server", "-accept", "127.0.0.1:0", tls, "-cert", files.chain, "-key", files.key,
                                                   "-naccept", String(naccept)] + arguments)
            return (peer, try await peer.port(after: "ACCEPT 127.0.0.1:", loop: host.loop))
        }

        struct Seen: Sendable {
            var page = ""
            var suite: CipherSuite?
            var resumed = false
            var retried = false
            var applicationProtocol: String?
            var server = ""
        }

        /// One -www fetch with our client configured by `configure`.
        static func wwwRun(_ arguments: [String], kind: KeyKind = KeyKind.all[0],
                           configure: @escaping @Sendable (inout TLSClientConfiguration) -> Void = { _ in }) throws -> Seen {
            try onLoop { host in
                let (peer, port) = try await Self.sServer(host, ["-www"] + arguments, kind: kind)
                let (page, flow) = try await Self.fetchPage(host, port: port, context: try host.clientContext(configure: configure), serverName: kind.hostName)
                await peer.finish(loop: host.loop)
                return Seen(page: page, suite: flow.cipherSuite, resumed: flow.resumed, retried: flow.connection.clientSide.retried,
                            applicationProtocol: flow.applicationProtocol.map { String(decoding: $0, as: UTF8.self) }, server: peer.transcript)
            }
        }

        @Test(arguments: allSuites)
        func eachSuite(name: String) throws {
            let suite = try #require(suiteNames[name])
            let seen = try Self.wwwRun([]) { $0.cipherSuites = [suite] }
            #expect(seen.page.contains("New, TLSv1.3, Cipher is \(name)"), "\(seen.page)\n\(seen.server)")
            #expect(seen.suite == suite)
        }

        /// Our client offers one group, s_server takes only it: its trace shows the ServerHello's share.
        @Test(arguments: [("X25519", NamedGroup.x25519, "NamedGroup: ecdh_x25519 (29)"), ("P-256", .secp256r1, "NamedGroup: secp256r1 (P-256) (23)")])
        func eachGroup(name: String, group: NamedGroup, printed: String) throws {
            let seen = try Self.wwwRun(["-groups", name, "-trace"]) { $0.groups = [group] }
            #expect(lastSection(seen.server, after: "ServerHello, Length=").contains(printed), "\(seen.server)")
            #expect(seen.server.count(of: "ClientHello, Length=") == 1)
            #expect(seen.page.contains("New, TLSv1.3") && !seen.retried)
        }

        /// s_server takes P-256 only; our client's first share is X25519: it must answer the retry.
        @Test func helloRetryRequest() throws {
            let seen = try Self.wwwRun(["-groups", "P-256", "-trace"])
            #expect(seen.server.count(of: "ClientHello, Length=") == 2, "\(seen.server)")
            #expect(lastSection(seen.server, after: "ServerHello, Length=").contains("NamedGroup: secp256r1 (P-256) (23)"))
            #expect(seen.retried)
            #expect(seen.page.contains("New, TLSv1.3"))
        }

        /// Each certificate type: our client validates the chain and the name, and checks the
        /// CertificateVerify in the scheme s_server's trace shows.
        @Test(arguments: KeyKind.all)
        func eachCertificateType(kind: KeyKind) throws {
            let seen = try Self.wwwRun(["-trace"], kind: kind)
            #expect(lastSection(seen.server, after: "CertificateVerify, Length=").contains("Signature Algorithm: \(kind.scheme)"), "\(seen.server)")
            #expect(seen.page.contains("New, TLSv1.3"))
        }

        /// s_server's ticket from the first connection resumes the second.
        @Test func resumption() throws {
            let (pages, resumed, out) = try onLoop { host in
                let (peer, port) = try await Self.sServer(host, ["-www"], naccept: 2)
                let context = try host.clientContext()
                let first = try await Self.fetchPage(host, port: port, context: context)
                let second = try await Self.fetchPage(host, port: port, context: context)
                await peer.finish(loop: host.loop)
                return ([first.page, second.page], [first.flow.resumed, second.flow.resumed], peer.transcript)
            }
            #expect(pages[0].contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), "\(pages[0])\n\(out)")
            #expect(pages[1].contains("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), "\(pages[1])")
            #expect(resumed == [false, true])
        }

        @Test func alpn() throws {
            let seen = try Self.wwwRun(["-alpn", "http/1.1"]) { $0.applicationProtocols = [Array("h2".utf8), HTTPS.http11] }
            #expect(seen.applicationProtocol == "http/1.1")
            #expect(seen.server.contains("ALPN protocols advertised by the client: h2, http/1.1"), "\(seen.server)")
            #expect(seen.server.contains("ALPN protocols selected: http/1.1"))
            #expect(seen.page.contains("New, TLSv1.3"))
        }

        /// Our KeyUpdate asking for s_server's (-rev answers each line reversed): both our keys move on
        /// and data flows after.
        @Test func keyUpdate() throws {
            let (answers, updated) = try onLoop { host in
                let (peer, port) = try await Self.sServer(host, ["-rev"])
                let flow = try await host.connect(port: port, context: try host.clientContext())
                var answers: [String] = []
                func exchange(_ line: String) async throws {
                    try await flow.write(Array((line + "\n").utf8), timeout: .seconds(5))
                    var got: [UInt8] = []
                    while !got.contains(UInt8(ascii: "\n")), let bytes = try await flow.read(maximum: 100, timeout: .seconds(5)) { got += bytes }
                    answers.append(String(decoding: got, as: UTF8.self))
                }
                try await exchange("before")
                let read = flow.connection.readApplicationSecret, write = flow.connection.writeApplicationSecret
                try await flow.updateKeys(requestPeerUpdate: true)
                try await exchange("after")
                let updated = (flow.connection.readApplicationSecret != read, flow.connection.writeApplicationSecret != write)
                flow.close()
                await peer.finish(loop: host.loop)
                return (answers, [updated.0, updated.1])
            }
            #expect(answers == ["erofeb\n", "retfa\n"])
            #expect(updated == [true, true], "read key, write key moved on")
        }

        /// s_server's own KeyUpdate (its "K" command) asks for ours: our client answers and reads on.
        @Test func answersTheServersKeyUpdate() throws {
            let (got, updated, out) = try onLoop { host in
                let (peer, port) = try await Self.sServer(host, [])
                let flow = try await host.connect(port: port, context: try host.clientContext())
                try await flow.write(Array("hello\n".utf8), timeout: .seconds(5))
                await peer.waitFor("hello", loop: host.loop)
                let read = flow.connection.readApplicationSecret, write = flow.connection.writeApplicationSecret
                // s_server takes a command only alone in a read of its input; what it prints about it is
                // buffered until it exits, so wait for our read key to move on instead.
                peer.send("K\n")
                var got: [UInt8] = []
                let deadline = host.loop.now + .seconds(5)
                while flow.connection.readApplicationSecret == read, host.loop.now < deadline {
                    do {
                        guard let bytes = try await flow.read(maximum: 100, timeout: .milliseconds(50)) else { break }
                        got += bytes
                    } catch NetworkError.timedOut {
                        continue
                    }
                }
                peer.send("from the server\n")
                while !got.contains(UInt8(ascii: "\n")), let bytes = try await flow.read(maximum: 100, timeout: .seconds(5)) { got += bytes }
                try await flow.write(Array("after\n".utf8), timeout: .seconds(5))
                await peer.waitFor("after", loop: host.loop)
                let updated = [flow.connection.readApplicationSecret != read, flow.connection.writeApplicationSecret != write]
                flow.close()
                peer.closeInput()
                await peer.finish(loop: host.loop, timeout: .seconds(2))
                return (String(decoding: got, as: UTF8.self), updated, peer.transcript)
            }
            #expect(got == "from the server\n", "\(out)")
            #expect(updated == [true, true], "read key, write key moved on")
            #expect(out.contains("SSL_do_handshake -> 1"), "s_server's KeyUpdate went out")
            #expect(out.contains("hello\n") && out.contains("after\n"))
        }
    }

    // MARK: Swiftlet client → Python ssl, tlslite-ng

    @Suite struct ClientWithOtherServers {
        /// Two connections answered line by line, reversed; each prints what its side negotiated.
        static let pythonServer = """
        import socket, ssl, sys
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        ctx.set_alpn_protocols(['h2'])
        listener = socket.create_server(('127.0.0.1', 0))
        print('PORT', listener.getsockname()[1], flush=True)
        listener.settimeout(10)
        for i in range(2):
            raw, _ = listener.accept()
            with ctx.wrap_socket(raw, server_side=True) as s:
                line = b''
                while not line.endswith(b'\\n'):
                    line += s.recv(100)
                s.sendall(line[:-1][::-1] + b'\\n')
                print('conn', i, s.version(), s.cipher()[0], s.selected_alpn_protocol(), s.session_reused, flush=True)
                try:
                    s.recv(100)
                except Exception:
                    pass
        """

        static let tlsliteServer = """
        import os, socket, sys
        from tlslite.api import TLSConnection, HandshakeSettings, X509CertChain, parsePEMKey
        chain = X509CertChain()
        chain.parsePemList(open(sys.argv[1]).read())
        key = parsePEMKey(open(sys.argv[2]).read(), private=True)
        settings = HandshakeSettings()
        settings.minVersion = settings.maxVersion = (3, 4)
        settings.cipherNames = [sys.argv[3]]
        settings.eccCurves = [sys.argv[4]]
        settings.keyShares = [sys.argv[4]]
        settings.ticketKeys = [os.urandom(32)]
        listener = socket.create_server(('127.0.0.1', 0))
        print('PORT', listener.getsockname()[1], flush=True)
        listener.settimeout(10)
        for i in range(2):
            raw, _ = listener.accept()
            c = TLSConnection(raw)
            c.handshakeServer(certChain=chain, privateKey=key, settings=settings, alpn=[bytearray(b'h2')])
            line = bytes(c.read())
            c.write(line[:-1][::-1] + b'\\n')
            print('conn', i, c.version, c.getCipherName(), bytes(c.session.appProto or b'-').decode(), flush=True)
            try:
                c.read()
                c.close()
            except Exception:
                pass
        """

        struct Run: Sendable {
            var answers: [String] = []
            var resumed: [Bool] = []
            var retried: [Bool] = []
            var suites: [CipherSuite?] = []
            var applicationProtocols: [String?] = []
            var server = ""
        }

        /// Two connections of our client (the second offers the first's ticket) to a peer server script.
        static func twoConnections(_ script: String, _ arguments: [String], serverName: String,
                                   configure: @escaping @Sendable (inout TLSClientConfiguration) -> Void = { _ in }) throws -> Run {
            try onLoop { host in
                let peer = try Peer(Programs.python, ["-c", script] + arguments)
                let port = try await peer.port(after: "PORT ", loop: host.loop)
                let context = try host.clientContext(configure: configure)
                var run = Run()
                for i in 0..<2 {
                    let flow = try await host.connect(port: port, context: context, serverName: serverName)
                    try await flow.write(Array("swiftlet \(i)\n".utf8), timeout: .seconds(5))
                    var got: [UInt8] = []
                    while !got.contains(UInt8(ascii: "\n")), let bytes = try await flow.read(maximum: 100, timeout: .seconds(5)) { got += bytes }
                    // Tickets come after the handshake: wait for one before the next connection.
                    let deadline = host.loop.now + .seconds(2)
                    while i == 0, context.sessions.isEmpty, host.loop.now < deadline {
                        do {
                            guard let more = try await flow.read(maximum: 100, timeout: .milliseconds(100)) else { break }
                            got += more
                        } catch NetworkError.timedOut {
                            continue
                        }
                    }
                    run.answers.append(String(decoding: got, as: UTF8.self))
                    run.resumed.append(flow.resumed)
                    run.retried.append(flow.connection.clientSide.retried)
                    run.suites.append(flow.cipherSuite)
                    run.applicationProtocols.append(flow.applicationProtocol.map { String(decoding: $0, as: UTF8.self) })
                    flow.close()
                }
                await peer.finish(loop: host.loop)
                run.server = peer.transcript
                return run
            }
        }

        @Test(arguments: KeyKind.all)
        func pythonSSL(kind: KeyKind) throws {
            let files = try kind.files()
            let run = try Self.twoConnections(Self.pythonServer, [files.chain, files.key], serverName: kind.hostName) {
                $0.applicationProtocols = [Array("h2".utf8)]
            }
            #expect(run.answers == ["0 teltfiws\n", "1 teltfiws\n"], "\(run.server)")
            // OpenSSL's server prefers its own order (AES-256 first) to ours (AES-128 first).
            #expect(run.server.contains("conn 0 TLSv1.3 TLS_AES_256_GCM_SHA384 h2 False\n"))
            #expect(run.server.contains("conn 1 TLSv1.3 TLS_AES_256_GCM_SHA384 h2 True\n"))
            #expect(run.suites == [.aes256GCMSHA384, .aes256GCMSHA384])
            #expect(run.resumed == [false, true])
            #expect(run.applicationProtocols == ["h2", "h2"])
        }

        /// tlslite-ng's server with each certificate type, suite and group; it takes one group only, so
        /// secp256r1 makes our client (x25519 share first) answer its HelloRetryRequest.
        @Test(arguments: [(KeyKind.all[0], "aes128gcm", "x25519"), (KeyKind.all[0], "aes256gcm", "x25519"),
                          (KeyKind.all[0], "chacha20-poly1305", "x25519"), (KeyKind.all[0], "aes128gcm", "secp256r1"),
                          (KeyKind.all[1], "aes128gcm", "x25519"), (KeyKind.all[2], "aes128gcm", "x25519")])
        func tlslite(kind: KeyKind, cipher: String, group: String) throws {
            let files = try kind.files()
            let run = try Self.twoConnections(Self.tlsliteServer, [files.chain, files.key, cipher, group], serverName: kind.hostName) {
                $0.applicationProtocols = [Array("h2".utf8)]
            }
            #expect(!run.server.contains("No module named 'tlslite'"), "tlslite-ng is not installed for \(Programs.python) (scripts/test installs it)")
            #expect(run.answers == ["0 teltfiws\n", "1 teltfiws\n"], "\(run.server)")
            #expect(run.server.contains("conn 0 (3, 4) \(cipher) h2\n") && run.server.contains("conn 1 (3, 4) \(cipher) h2\n"))
            let suite: CipherSuite = cipher == "aes256gcm" ? .aes256GCMSHA384 : cipher == "aes128gcm" ? .aes128GCMSHA256 : .chacha20Poly1305SHA256
            #expect(run.suites == [suite, suite])
            #expect(run.resumed == [false, true])
            #expect(run.retried == (group == "secp256r1" ? [true, true] : [false, false]))
        }
    }

    // MARK: Refusals against real peers

    @Suite struct Refusals {
        /// A TLS 1.2-only client gets protocol_version (70) from our server.
        @Test func tls12ClientGetsProtocolVersion() throws {
            let (out, served) = try sClientRun(context: { $0.serverContext([try p256()]) }, [], tls: "-tls1_2")
            #expect(out.contains("alert protocol version"), "\(out)")
            #expect(served.first?.error == .tls(alert: 70))
            #expect(served.first?.received == [])
        }

        /// What our client's handshake with an `s_server` (with `arguments`) ended in, and s_server's output.
        static func clientFailure(_ arguments: [String], kind: KeyKind = KeyKind.all[0], tls: String = "-tls1_3",
                                  serverName: String = "localhost") throws -> (NetworkError?, String) {
            try onLoop { host in
                let (peer, port) = try await ClientWithOpenSSLServer.sServer(host, ["-www"] + arguments, kind: kind, tls: tls)
                let context = try host.clientContext()
                var failure: NetworkError?
                do throws(NetworkError) {
                    let flow = try await host.network.connect(to: IPv4Address(127, 0, 0, 1), port: port)
                    _ = try await TLSFlow.connect(flow, context: context, serverName: serverName, clock: host.clock, timeout: .seconds(5))
                } catch {
                    failure = error
                }
                await peer.finish(loop: host.loop)
                return (failure, peer.transcript)
            }
        }

        @Test func tls12ServerGetsProtocolVersion() throws {
            let (failure, out) = try Self.clientFailure([], tls: "-tls1_2")
            #expect(failure == .tls(alert: 70), "\(out)")
        }

        /// other.test's certificate (from the right CA) for "localhost": bad_certificate (42).
        @Test func certificateForAnotherName() throws {
            let files = try InteropFiles.get()
            let (failure, out) = try Self.clientFailure(["-cert", files.other.chain, "-key", files.other.key])
            #expect(failure == .tls(alert: 42), "\(out)")
            #expect(out.contains("alert bad certificate"))
        }

        /// A self-signed certificate for "localhost" from a CA our client does not trust: unknown_ca (48).
        @Test func certificateFromAnotherCA() throws {
            let files = try InteropFiles.get()
            let (failure, out) = try Self.clientFailure(["-cert", files.stranger, "-key", files.strangerKey])
            #expect(failure == .tls(alert: 48), "\(out)")
            #expect(out.contains("alert unknown ca"))
        }
    }
}
