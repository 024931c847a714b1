// SwiftletTLS / Wire: entry points for fuzzers (libFuzzer harnesses, and the tests' random inputs).
//
// Both take arbitrary bytes and must never trap on them: every refusal is a thrown TLSError, which is
// ignored here. They trap only on an internal inconsistency: something that parsed, re-emitted, does
// not re-parse to an equal value (or a framed record disagrees with its own header). The first input
// byte picks the fragment size, so a fuzzer explores splitting as well as content.

/// Fuzz entry points for the wire formats.
public enum TLSWireFuzz {
    /// Frames `data` as a record stream, fed in chunks; checks each record against its header.
    public static func records(_ data: [UInt8]) {
        guard let first = data.first else { return }
        let chunk = Int(first % 31) + 1
        var reader = RecordReader()
        var offset = 1
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            reader.append(Array(data[offset..<end]))
            offset = end
            while true {
                let record: TLSRecord?
                do { record = try reader.next() } catch { return }
                guard let record else { break }
                consistent(record.headerBytes == record.header.encoded())
                consistent(record.fragment.count == record.header.length)
                consistent(record.header.length <= RecordReader.maximumCiphertextLength)
            }
        }
    }

    /// Feeds `data` into a reassembler in fragments, parses every message by its type, re-emits what
    /// parses and checks that it re-parses equal; likewise for every extension body it understands.
    public static func handshakeMessages(_ data: [UInt8]) {
        guard let first = data.first else { return }
        let chunk = Int(first % 61) + 1
        var reassembler = HandshakeReassembler()
        var offset = 1
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            do { try reassembler.append(Array(data[offset..<end])) } catch { return }
            offset = end
            while true {
                let message: HandshakeMessage?
                do { message = try reassembler.next() } catch { return }
                guard let message else { break }
                consistent(message.encoded == Handshake.encode(type: message.type, body: message.body))
                checkMessage(message)
            }
        }
    }

    /// Parses one message body by type; round-trips what parses.
    public static func checkMessage(_ m: HandshakeMessage) {
        let b = m.body
        switch m.type {
        case .clientHello:
            if let v = try? ClientHello(parsing: b) {
                consistent((try? ClientHello(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
                checkExtensions(v.extensions)
            }
        case .serverHello:
            if let v = try? ServerHello(parsing: b) {
                consistent((try? ServerHello(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
                checkExtensions(v.extensions)
            }
        case .encryptedExtensions:
            if let v = try? EncryptedExtensions(parsing: b) {
                consistent((try? EncryptedExtensions(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
                checkExtensions(v.extensions)
            }
        case .certificateRequest:
            if let v = try? CertificateRequest(parsing: b) {
                consistent((try? CertificateRequest(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
                checkExtensions(v.extensions)
            }
        case .certificate:
            if let v = try? CertificateMessage(parsing: b) {
                consistent((try? CertificateMessage(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
                for e in v.entries { checkExtensions(e.extensions) }
            }
        case .certificateVerify:
            if let v = try? CertificateVerify(parsing: b) {
                consistent((try? CertificateVerify(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
            }
        case .finished:
            if let v = try? Finished(parsing: b, hashLength: b.count == 48 ? 48 : 32) {
                consistent((try? Finished(parsing: v.emitBody(), hashLength: b.count)) == v)
            }
        case .endOfEarlyData:
            if let v = try? EndOfEarlyData(parsing: b) {
                consistent((try? EndOfEarlyData(parsing: v.emitBody())) == v)
            }
        case .newSessionTicket:
            if let v = try? NewSessionTicket(parsing: b) {
                consistent((try? NewSessionTicket(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
                checkExtensions(v.extensions)
            }
        case .keyUpdate:
            if let v = try? KeyUpdate(parsing: b) {
                consistent((try? KeyUpdate(parsing: v.emitBody())) == v)
                consistent(v.emitBody() == b)
            }
        default:
            break
        }
        if let v = try? Alert(parsing: b) {
            consistent((try? Alert(parsing: v.emit())) == v)
        }
    }

    /// Runs every typed parser that applies to each extension's type; round-trips what parses.
    public static func checkExtensions(_ list: [TLSExtension]) {
        for e in list {
            let b = e.body
            switch e.type {
            case .serverName:
                if let name = try? ServerNameExtension.parse(b) {
                    consistent((try? ServerNameExtension.parse(ServerNameExtension.emit(hostName: name))) == name)
                }
            case .supportedGroups:
                if let v = try? SupportedGroupsExtension.parse(b) {
                    consistent((try? SupportedGroupsExtension.parse(SupportedGroupsExtension.emit(v))) == v)
                    consistent(SupportedGroupsExtension.emit(v) == b)
                }
            case .signatureAlgorithms, .signatureAlgorithmsCert:
                if let v = try? SignatureAlgorithmsExtension.parse(b) {
                    consistent(SignatureAlgorithmsExtension.emit(v) == b)
                }
            case .supportedVersions:
                if let v = try? SupportedVersionsExtension.parseClient(b) {
                    consistent(SupportedVersionsExtension.emitClient(v) == b)
                }
                if let v = try? SupportedVersionsExtension.parseServer(b) {
                    consistent(SupportedVersionsExtension.emitServer(v) == b)
                }
            case .keyShare:
                if let v = try? KeyShareExtension.parseClient(b) {
                    consistent(KeyShareExtension.emitClient(v) == b)
                }
                if let v = try? KeyShareExtension.parseServer(b) {
                    consistent(KeyShareExtension.emitServer(v) == b)
                }
                if let v = try? KeyShareExtension.parseHelloRetryRequest(b) {
                    consistent(KeyShareExtension.emitHelloRetryRequest(v) == b)
                }
            case .pskKeyExchangeModes:
                if let v = try? PSKKeyExchangeModesExtension.parse(b) {
                    consistent(PSKKeyExchangeModesExtension.emit(v) == b)
                }
            case .preSharedKey:
                if let v = try? OfferedPSKs.parse(b) {
                    consistent(v.emit() == b)
                    consistent(v.bindersLength <= b.count)
                }
                if let v = try? PreSharedKeyExtension.parseServer(b) {
                    consistent(PreSharedKeyExtension.emitServer(v) == b)
                }
            case .applicationLayerProtocolNegotiation:
                if let v = try? ALPNExtension.parse(b) {
                    consistent(ALPNExtension.emit(v) == b)
                }
            case .cookie:
                if let v = try? CookieExtension.parse(b) {
                    consistent(CookieExtension.emit(v) == b)
                }
            case .recordSizeLimit:
                if let v = try? RecordSizeLimitExtension.parse(b) {
                    consistent(RecordSizeLimitExtension.emit(v) == b)
                }
            case .earlyData:
                if let v = try? EarlyDataExtension.parseTicket(b) {
                    consistent(EarlyDataExtension.emitTicket(v) == b)
                }
            default:
                break
            }
        }
    }

    private static func consistent(_ ok: Bool) {
        if !ok { fatalError("TLSWireFuzz: a parsed value did not re-emit and re-parse equal") }
    }
}
