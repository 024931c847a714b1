// Shared by the TLS handshake harnesses (tlsserver, tlsclient): a fixed test PKI, a seeded Entropy, genuine
// in-memory handshakes whose connections are kept as snapshots (TLSConnection is a value: a copy is a
// connection in the same state, so the expensive key exchange and signatures run once, at start), the way
// fuzz bytes become transport bytes, and the properties every run checks.
//
// Input layout of both harnesses: [mode] [c1 c2 c3] [payload...]. c1..c3 give the sizes of the transport
// reads, cycled (8·c + 1 bytes each). In a plaintext mode the payload is the transport stream itself. In an
// encrypted mode the payload is a list of records, each [control] [length: u16] [content]:
//   control & 0x80: the content goes to the transport as it is (a record header of its own, a
//                   change_cipher_spec, junk, a forged ciphertext);
//   otherwise:      the content is sealed as one TLSCiphertext under the key the connection reads with
//                   right now (a copy of its own read RecordProtection, so the sequence number and every
//                   key change, Finished or KeyUpdate, is followed), inner type by control & 0x3F (0
//                   handshake, 1 alert, 2 application_data, 3 change_cipher_spec, else that raw value),
//                   with 16 zero bytes of padding when control & 0x40.
// A length past the end takes what is left; sealed content is cut to 2^14 bytes.
//
// Properties checked after every read: a throw leaves the connection `.closed`, and `receive` then throws
// `.closed`; a connection that did not throw holds less than one record in its record reader, less than one
// message in its handshake reassembler, at most one ClientHello in its transcript buffer, and no queued
// handshake bytes. Setup failures are fatal (a harness bug, not a finding). FUZZ_TLS_TRACE=1 prints each
// input's mode and the state it ended in (to check that the seeds reach the states they are made for).
import Swiftlet
import SwiftletCrypto
@testable import SwiftletTLS
import SwiftletTesting
#if canImport(Glibc)
import Glibc
#endif

/// SwiftletTesting's seeded entropy, reseeded for every input so that a run replays exactly.
typealias FuzzEntropy = SeededEntropy

typealias FuzzConnection = TLSConnection<FuzzEntropy>

@_silgen_name("__lsan_disable") func lsanDisable()
@_silgen_name("__lsan_enable") func lsanEnable()

/// Runs `body` (the snapshots' setup) with LeakSanitizer ignoring what it allocates: Swift keeps an enum's
/// case in a pointer's spare bits (KeySharePrivate.p256 in a snapshot's key shares), which LeakSanitizer
/// cannot follow, so memory a snapshot holds for the whole run would be reported as leaked at exit.
func withoutLeakChecks<T>(_ body: () -> T) -> T {
    lsanDisable()
    defer { lsanEnable() }
    return body()
}

enum FuzzTLS {
    static let serverName = "fuzz.test"
    /// The certificates are valid 2023-11-14 to 2033-05-18; the client checks them at 2027-01-15.
    static let notBefore: Int64 = 1_700_000_000
    static let notAfter: Int64 = 2_000_000_000
    static let validationTime: Int64 = 1_800_000_000
    static let now = Instant(nanoseconds: 5_000_000_000)
    static let inputSeed: UInt64 = 0x5EED_F00D

    static let entropy = FuzzEntropy(seed: 1, claimsUnpredictable: true)
    static let tracing = getenv("FUZZ_TLS_TRACE") != nil

    static func trace(_ mode: UInt8, _ connection: FuzzConnection) {
        if tracing { print("mode \(mode): \(connection.state), alert \(String(describing: connection.closingAlert))") }
    }

    /// A CA and a leaf for `serverName`, both P-256, from fixed scalars.
    static let pki: (ca: Certificate, credential: TLSCredential) = {
        do {
            let caKey = try CertificateSigningKey(.ecdsa(curve: .ecdsaP256, scalar: [UInt8](repeating: 0x11, count: 32), publicKey: nil))
            let leafKey = try CertificateSigningKey(.ecdsa(curve: .ecdsaP256, scalar: [UInt8](repeating: 0x22, count: 32), publicKey: nil))
            let ca = try CertificateBuilder.certificateAuthority(commonName: "Fuzz CA", serialNumber: [1],
                                                                 notBefore: notBefore, notAfter: notAfter).selfSigned(key: caKey)
            let leaf = try CertificateBuilder.server(names: [serverName], serialNumber: [2], notBefore: notBefore, notAfter: notAfter)
                .issued(for: leafKey.subjectPublicKeyInfo, issuer: ca, issuerKey: caKey)
            let credential = try TLSCredential(chain: [leaf.bytes, ca.bytes], key: try TLSSigningKey(leafKey.privateKey))
            return (ca, credential)
        } catch {
            fatalError("FuzzTLS: test PKI: \(error)")
        }
    }()

    /// A server offering both groups; one offering secp256r1 only (so a client's x25519 share meets a
    /// HelloRetryRequest). ALPN h2 and http/1.1, one ticket per handshake.
    static func serverContext(groups: [NamedGroup]) -> TLSServerContext<FuzzEntropy> {
        var configuration = TLSServerConfiguration(credentials: [pki.credential])
        configuration.groups = groups
        configuration.applicationProtocols = [Array("h2".utf8), Array("http/1.1".utf8)]
        return TLSServerContext(configuration: configuration, random: entropy)
    }

    static let clientContext: TLSClientContext<FuzzEntropy> = {
        var configuration = TLSClientConfiguration(trustStore: TrustStore(anchors: [pki.ca]))
        configuration.applicationProtocols = [Array("http/1.1".utf8)]
        return TLSClientContext(configuration: configuration, random: entropy)
    }()

    static func newClient() -> FuzzConnection {
        do {
            return try .client(context: clientContext, serverName: serverName, now: now, validationTime: validationTime)
        } catch {
            fatalError("FuzzTLS: client: \(error)")
        }
    }

    /// Gives `bytes` to `connection`, panicking on a setup failure.
    static func deliver(_ bytes: [UInt8], to connection: inout FuzzConnection) {
        do { _ = try connection.receive(bytes, now: now) } catch { fatalError("FuzzTLS: genuine handshake failed: \(error)") }
    }

    /// Splits a transport stream into its records (for seeds and snapshots).
    static func records(_ stream: [UInt8]) -> [TLSRecord] {
        var reader = RecordReader()
        reader.append(stream)
        var out: [TLSRecord] = []
        while let r = try? reader.next() { out.append(r) }
        return out
    }

    static func bytes(of record: TLSRecord) -> [UInt8] { record.headerBytes + record.fragment }

    /// The plaintext content of the protected records in `stream`, opened with `protection` (a copy of the
    /// reader's key before them), as one encrypted-mode record list with control 0 (handshake) each.
    static func plaintextRecordList(_ stream: [UInt8], protection: RecordProtection) -> [UInt8] {
        var p = protection
        var out: [UInt8] = []
        for r in records(stream) where r.header.type == .applicationData {
            guard let (type, content) = try? p.open(headerBytes: r.headerBytes, fragment: r.fragment) else {
                fatalError("FuzzTLS: genuine record did not open")
            }
            out.append(type == .handshake ? 0 : type == .alert ? 1 : 2)
            out.append(UInt8(content.count >> 8)); out.append(UInt8(truncatingIfNeeded: content.count))
            out += content
        }
        return out
    }

    /// A record-list entry (for seeds).
    static func entry(_ control: UInt8, _ content: [UInt8]) -> [UInt8] {
        [control, UInt8(content.count >> 8), UInt8(truncatingIfNeeded: content.count)] + content
    }

    // MARK: the harnesses' entry points

    /// LLVMFuzzerInitialize of both harnesses: `touch` builds the snapshots; with FUZZ_TLS_SEEDS=DIR the
    /// seed corpus `seeds` gives is written to DIR and the process exits.
    static func initialize(touch: () -> Void, seeds: () -> [(String, [UInt8])]) {
        touch()
        guard let dir = getenv("FUZZ_TLS_SEEDS").map({ String(cString: $0) }) else { return }
        for (name, bytes) in seeds() {
            guard let f = fopen(dir + "/" + name, "wb") else { fatalError("cannot write \(dir)/\(name)") }
            _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        exit(0)
    }

    /// Read sizes that take a seed's flight whole.
    static let wholeReads: [UInt8] = [0xFF, 0xFF, 0xFF]

    /// LLVMFuzzerTestOneInput of both harnesses: the connection `start` gives for the input's mode (0 to 3)
    /// reads the payload, as transport bytes in modes 0 and 1, as a record list in modes 2 and 3.
    static func run(_ data: UnsafePointer<UInt8>, _ size: Int, start: (UInt8) -> FuzzConnection) {
        guard size >= 4 else { return }
        let input = Array(UnsafeBufferPointer(start: data, count: size))
        let payload = Array(input[4...])
        let mode = input[0] & 3
        var reads = Reads(input)
        entropy.reseed(inputSeed)
        var connection = start(mode)
        if mode < 2 { feed(payload, to: &connection, reads: &reads) } else { feedRecords(payload, to: &connection, reads: &reads) }
        trace(mode, connection)
    }

    // MARK: feeding

    /// Transport read sizes from the three bytes after the mode.
    struct Reads {
        var sizes: [Int]
        var next = 0
        init(_ input: [UInt8]) {
            sizes = input.count >= 4 ? [Int(input[1]) * 8 + 1, Int(input[2]) * 8 + 1, Int(input[3]) * 8 + 1] : [4096]
        }
        mutating func take() -> Int {
            let s = sizes[next % sizes.count]
            next += 1
            return s
        }
    }

    /// Gives `stream` to `connection` in reads of the sizes `reads` cycles through, checking the properties
    /// after each. Returns false once the connection is closed.
    @discardableResult
    static func feed(_ stream: [UInt8], to connection: inout FuzzConnection, reads: inout Reads) -> Bool {
        var at = 0
        while at < stream.count {
            let end = min(stream.count, at + reads.take())
            if !receive(Array(stream[at..<end]), into: &connection) { return false }
            at = end
        }
        return true
    }

    /// One read, then the properties. Returns false once the connection is closed.
    static func receive(_ bytes: [UInt8], into connection: inout FuzzConnection) -> Bool {
        do {
            _ = try connection.receive(bytes, now: now)
        } catch {
            if connection.state != .closed { fatalError("receive threw \(error) but the state is \(connection.state)") }
            if connection.closingAlert == nil { fatalError("closed after \(error) without a closing alert") }
            checkClosed(&connection)
            return false
        }
        if connection.state == .closed { checkClosed(&connection); return false }
        let records = connection.records.bufferedCount
        if records >= RecordHeader.length + connection.records.maximumRecordLength {
            fatalError("record reader holds \(records) bytes after a read")
        }
        let handshake = connection.handshake.bufferedCount
        if handshake >= Handshake.headerLength + connection.handshake.maximumMessageLength {
            fatalError("handshake reassembler holds \(handshake) bytes after a read")
        }
        let transcript = connection.transcript.bufferedCount
        if transcript > Handshake.headerLength + HandshakeReassembler.defaultMaximumMessageLength {
            fatalError("transcript buffers \(transcript) bytes")
        }
        if !connection.pendingHandshake.isEmpty { fatalError("handshake bytes left queued after a read") }
        _ = connection.takeOutput()
        _ = connection.takeApplicationData()
        return true
    }

    /// A closed connection refuses every further read with `.closed`.
    static func checkClosed(_ connection: inout FuzzConnection) {
        _ = connection.takeOutput()
        do {
            _ = try connection.receive([22, 3, 3, 0, 1, 1], now: now)
            fatalError("receive after close did not throw")
        } catch {
            if error != .closed { fatalError("receive after close threw \(error), not .closed") }
        }
    }

    /// The encrypted modes: seals each entry of the payload under `connection`'s current read key (or
    /// passes it raw) and feeds it.
    static func feedRecords(_ payload: [UInt8], to connection: inout FuzzConnection, reads: inout Reads) {
        var at = 0
        while at + 3 <= payload.count {
            let control = payload[at]
            let declared = Int(payload[at + 1]) << 8 | Int(payload[at + 2])
            at += 3
            let end = min(payload.count, at + declared)
            var content = Array(payload[at..<end])
            at = end
            var stream: [UInt8]
            if control & 0x80 != 0 {
                stream = content
            } else {
                guard var protection = connection.readProtection else { return }
                let type: ContentType
                switch control & 0x3F {
                case 0: type = .handshake
                case 1: type = .alert
                case 2: type = .applicationData
                case 3: type = .changeCipherSpec
                default: type = ContentType(rawValue: control & 0x3F)
                }
                let padding = control & 0x40 != 0 ? 16 : 0
                if content.count + padding > RecordProtection.maximumPlaintextLength {
                    content = Array(content[0..<(RecordProtection.maximumPlaintextLength - padding)])
                }
                do { stream = try protection.seal(content, type: type, padding: padding) } catch {
                    fatalError("FuzzTLS: seal: \(error)")
                }
            }
            if !feed(stream, to: &connection, reads: &reads) { return }
        }
    }
}
