// Test certificates and randomness for the TLS tests: a CA and leaves for P-256, Ed25519 and RSA-2048,
// made once per run by Debian's Python `cryptography` (an independent implementation), kept in memory.
import ChildProcess
import Foundation
import Swiftlet
import SwiftletCrypto
import SwiftletTesting
@testable import SwiftletTLS

/// The tests' deterministic Entropy; made with `claimsUnpredictable: true` so that key generation runs.
typealias TestEntropy = SeededEntropy

enum TestPKI {
    struct Leaf { let chainPEM: [UInt8]; let keyPEM: [UInt8] }
    struct Set { let caPEM: [UInt8]; let p256: Leaf; let ed25519: Leaf; let rsa: Leaf; let other: Leaf; let expired: Leaf }

    static let lock = NSLock()
    nonisolated(unsafe) static var cached: Set?

    /// The certificates (made on first use).
    static func get() throws -> Set {
        lock.lock(); defer { lock.unlock() }
        if let cached { return cached }
        let script = #"""
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
now = datetime.datetime.utcnow()
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("Test CA")).issuer_name(name("Test CA"))
      .public_key(ca_key.public_key()).serial_number(1)
      .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
      .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
      .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
      .sign(ca_key, hashes.SHA256()))
def pem(c): return c.public_bytes(serialization.Encoding.PEM).decode()
def leaf(key, names, serial, days=30, start=-1):
    b = (x509.CertificateBuilder().subject_name(name(names[0])).issuer_name(ca.subject)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(now + datetime.timedelta(days=start)).not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
         .sign(ca_key, hashes.SHA256()))
    k = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return pem(b) + pem(ca), k
out = [pem(ca)]
for key, names, serial, days, start in [
    (ec.generate_private_key(ec.SECP256R1()), ["localhost", "p256.test"], 2, 30, -1),
    (ed25519.Ed25519PrivateKey.generate(), ["ed25519.test"], 3, 30, -1),
    (rsa.generate_private_key(65537, 2048), ["rsa.test"], 4, 30, -1),
    (ec.generate_private_key(ec.SECP256R1()), ["other.test"], 5, 30, -1),
    (ec.generate_private_key(ec.SECP256R1()), ["expired.test"], 6, -1, -10)]:
    c, k = leaf(key, names, serial, days, start)
    out += [c, k]
sys.stdout.write("\n=====\n".join(out))
"""#
        let parts = try ChildProcess.python(script).components(separatedBy: "\n=====\n").map { Array($0.utf8) }
        guard parts.count == 11 else { throw TLSError.alert(.internalError) }
        let set = Set(caPEM: parts[0], p256: Leaf(chainPEM: parts[1], keyPEM: parts[2]), ed25519: Leaf(chainPEM: parts[3], keyPEM: parts[4]),
                      rsa: Leaf(chainPEM: parts[5], keyPEM: parts[6]), other: Leaf(chainPEM: parts[7], keyPEM: parts[8]),
                      expired: Leaf(chainPEM: parts[9], keyPEM: parts[10]))
        cached = set
        return set
    }

    static func credential(_ leaf: Leaf) throws -> TLSCredential {
        try TLSCredential(certificatePEM: leaf.chainPEM, keyPEM: leaf.keyPEM)
    }

    static func trust() throws -> TrustStore {
        try TrustStore(pemBundle: get().caPEM)
    }

    /// Wall-clock seconds now (the certificates are valid from yesterday for 30 days).
    static var nowSeconds: Int64 { Int64(Date().timeIntervalSince1970) }
}
