// SwiftletCrypto/X509: entry points for coverage-guided fuzzers (libFuzzer's LLVMFuzzerTestOneInput calls
// one of these with each input). Each parses and discards; the property under test is "no trap, no hang"
// for any bytes, which the parsers promise by turning every malformation into a typed error.

public enum X509Fuzz {
    /// Walks `data` as DER (structure check, then every element at every depth through a reader).
    public static func der(_ data: Span<UInt8>) {
        let bytes = copyBytes(data)
        guard (try? DER.checkStructure(bytes, 0..<bytes.count)) != nil else { return }
        guard let reader = try? DERReader(bytes) else { return }
        walk(reader)
    }

    private static func walk(_ start: DERReader) {
        var reader = start
        while !reader.isAtEnd {
            guard let element = try? reader.next() else { return }
            if element.isConstructed, let inner = try? reader.reader(into: element) { walk(inner) }
        }
    }

    /// Decodes `data` as a PEM document, then parses each block as what its label says.
    public static func pem(_ data: Span<UInt8>) {
        guard let blocks = try? PEM.decodeAll(copyBytes(data)) else { return }
        for block in blocks {
            if block.hasLabel(PEM.certificateLabel) { _ = try? Certificate(derEncoded: block.der) }
            else if block.hasLabel(PEM.publicKeyLabel) { _ = try? SubjectPublicKeyInfo(derEncoded: block.der) }
            else { _ = try? PrivateKey(pem: PEM.encode(label: "PRIVATE KEY", der: block.der)) }
        }
    }

    /// Parses `data` as a DER certificate and, if it parses, exercises host-name matching on it; then as the
    /// key formats.
    public static func x509(_ data: Span<UInt8>) {
        let bytes = copyBytes(data)
        if let cert = try? Certificate(derEncoded: bytes) {
            _ = HostName.matches(Array("www.example.com".utf8), cert)
            _ = HostName.matches(Array("192.0.2.1".utf8), cert)
        }
        _ = try? SubjectPublicKeyInfo(derEncoded: bytes)
        _ = try? PrivateKey(pkcs8: bytes)
        _ = try? PrivateKey(sec1: bytes)
        _ = try? PrivateKey(pkcs1: bytes)
    }
}
