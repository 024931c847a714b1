// Fuzz harness: X.509 certificates, public keys and private keys (SwiftletCrypto/X509). A certificate that
// parses also goes through host-name matching and through SignatureVerifier with its own key and signature,
// so that malformed keys and signatures of every algorithm reach Ed25519, ECDSA and RSA. Any input must end
// in a typed error or a value; a trap or a hang is the crash libFuzzer reports.
import SwiftletCrypto

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { input in
        X509Fuzz.x509(input)
        var bytes = [UInt8]()
        for i in 0..<input.count { bytes.append(input[i]) }
        if let cert = try? Certificate(derEncoded: bytes) {
            let tbs = cert.tbsCertificate, signature = cert.signature
            _ = try? SignatureVerifier().verify(algorithm: cert.signatureAlgorithm, publicKey: cert.publicKey,
                                                message: tbs.span, signature: signature.span)
        }
    }
    return 0
}
