// swiftlet cert: a development CA and a TLS server certificate and key, made with SwiftletCrypto's own
// code (CertificateBuilder, CertificateSigningKey; no openssl command, no other library), from the host's
// getrandom through SwiftletCrypto's RandomGenerator.
//
// Files, in DIR (default ./certs): ca.pem and ca.key, the CA (made on the first run and reused after, so
// that a client told to trust ca.pem keeps trusting what later runs issue); server.pem, the server's
// certificate then the CA's (the chain a server sends), and server.key, its PKCS#8 private key. Keys are
// written with mode 0600, certificates 0644, each through a temporary file renamed into place. The first
// NAME is the server certificate's commonName; every NAME is a subjectAltName (an IP literal becomes an
// iPAddress entry). Validity: the CA 10 years, the server certificate --days (825 by default, the most
// Apple's clients accept) but never past the CA's end; both start an hour in the past, so that a clock a
// little behind still accepts them. The new chain is checked with SwiftletCrypto's ChainValidator for every
// NAME before anything is written.

import ArgumentParser
import Foundation
import Swiftlet
import SwiftletCrypto
import SwiftletUnix

#if canImport(Glibc)
import Glibc
#endif

struct Cert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a development CA and a server certificate and key for NAME... (DNS names or IP addresses).",
        discussion: """
            Writes DIR/ca.pem and DIR/ca.key (a CA made on the first run and reused afterwards), DIR/server.pem \
            (the server's certificate, then the CA's) and DIR/server.key (PKCS#8, mode 0600). The first NAME \
            is the certificate's common name; every NAME is a subject alternative name. Clients trust the \
            server by trusting ca.pem: curl --cacert DIR/ca.pem https://NAME:PORT/
            """)

    @Option(help: "The folder to write into.") var out: String = "certs"
    @Option(help: "The server certificate's validity in days (at most the CA's remaining validity).") var days: Int = 825
    @Option(name: .customLong("key-type"), help: "p256 (ECDSA P-256 with SHA-256) or ed25519: the server key, and the CA's when it is made.")
    var keyType: String = "p256"
    @Argument(help: "DNS names (e.g. localhost, *.example.test) or IP addresses (127.0.0.1, ::1).") var names: [String] = []

    /// The CA's validity when it is made: ten years of 365.25 days.
    static let caSeconds: Int64 = 3_652 * 86_400
    /// How far in the past validity starts.
    static let backdating: Int64 = 3_600
    /// The longest server validity asked for (the CA's life).
    static let maximumDays = 3_652

    func run() throws {
        try reportingCLIErrors {
            guard !names.isEmpty else {
                throw CLIError("cert: give the server's names, e.g. swiftlet cert localhost 127.0.0.1")
            }
            for name in names where !CertificateBuilder.isValidName(name) {
                throw CLIError("cert: '\(name)' is neither a DNS name nor an IP address")
            }
            guard names.count <= CertificateBuilder.maximumSubjectAlternativeNames else {
                throw CLIError("cert: at most \(CertificateBuilder.maximumSubjectAlternativeNames) names")
            }
            guard names[0].utf8.count <= CertificateBuilder.maximumNameLength else {
                throw CLIError("cert: the first name is the common name, at most \(CertificateBuilder.maximumNameLength) bytes: put a shorter one first")
            }
            guard days >= 1, days <= Self.maximumDays else { throw CLIError("cert: --days \(days): 1 to \(Self.maximumDays)") }
            let algorithm: PublicKeyAlgorithm
            switch keyType {
            case "p256": algorithm = .ecdsaP256
            case "ed25519": algorithm = .ed25519
            default: throw CLIError("cert: --key-type '\(keyType)': p256 or ed25519")
            }
            let random: RandomGenerator<HostEntropy>
            do { random = try RandomGenerator(source: HostEntropy(), personalization: Array("swiftlet cert".utf8).span) }
            catch { throw CLIError("cert: no random generator: \(error)") }

            let folder = URL(fileURLWithPath: out, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
            catch { throw CLIError("cert: cannot create \(out): \(error.localizedDescription)") }
            func display(_ file: String) -> String { (out as NSString).appendingPathComponent(file) }

            let now = Int64(Date().timeIntervalSince1970)
            let (ca, caKey, caIsNew) = try Self.certificateAuthority(in: folder, display: display, algorithm: algorithm, now: now, random: random)
            guard now <= ca.notAfter else {
                throw CLIError("cert: the CA in \(display("ca.pem")) expired on \(Self.date(ca.notAfter)): remove \(display("ca.pem")) and \(display("ca.key")) to make a new one (and trust the new one)")
            }

            // The server's key and certificate.
            let key: CertificateSigningKey
            do { key = try CertificateSigningKey.generate(algorithm, using: random) } catch { throw CLIError("cert: key generation failed: \(error)") }
            let notBefore = now - Self.backdating
            var notAfter = notBefore + Int64(days) * 86_400
            var shortened = false
            if notAfter > ca.notAfter { notAfter = ca.notAfter; shortened = true }
            let builder = CertificateBuilder.server(names: names, organization: "Swiftlet development certificate",
                                                    serialNumber: CertificateBuilder.randomSerialNumber(using: random),
                                                    notBefore: notBefore, notAfter: notAfter)
            let leaf: Certificate
            do { leaf = try builder.issued(for: key.subjectPublicKeyInfo, issuer: ca, issuerKey: caKey) }
            catch { throw CLIError("cert: the server certificate could not be made: \(error)") }

            // Our own validator must accept the chain for every name before anything is written.
            let validator = ChainValidator(trustStore: TrustStore(anchors: [ca]), verifier: SignatureVerifier())
            for name in names {
                // A wildcard stands for one label: check a name it covers.
                let host = name.hasPrefix("*.") ? "wildcard-check" + name.dropFirst() : name
                do { _ = try validator.validate(leaf: leaf, intermediates: [], now: now, hostName: host) }
                catch { throw CLIError("cert: the new certificate does not validate for \(name): \(error)") }
            }

            let keyPEM: [UInt8]
            do { keyPEM = try key.privateKey.pem() } catch { throw CLIError("cert: \(error)") }
            let chain = PEM.encode(label: PEM.certificateLabel, der: leaf.bytes) + PEM.encode(label: PEM.certificateLabel, der: ca.bytes)
            try Self.write(keyPEM, to: folder.appendingPathComponent("server.key"), mode: 0o600)
            try Self.write(chain, to: folder.appendingPathComponent("server.pem"), mode: 0o644)

            let kind = algorithm == .ed25519 ? "Ed25519" : "ECDSA P-256"
            if caIsNew {
                print("\(display("ca.pem"))      new development CA, valid until \(Self.date(ca.notAfter)): the certificate clients trust")
                print("\(display("ca.key"))      its private key (mode 0600): keep it to issue more certificates under the same CA")
            } else {
                print("\(display("ca.pem"))      development CA reused (valid until \(Self.date(ca.notAfter)))")
            }
            print("\(display("server.pem"))  \(kind) certificate for \(names.joined(separator: ", ")), valid until \(Self.date(notAfter)), then the CA's")
            print("\(display("server.key"))  its private key (PKCS#8, mode 0600)")
            if shortened { say("cert: the server certificate ends with the CA, on \(Self.date(notAfter)), before --days \(days)") }
            let host = names[0].contains(":") ? "[\(names[0])]" : names[0]
            print("try: curl --cacert \(display("ca.pem")) https://\(host):PORT/")
        }
    }

    /// The CA in `folder` (ca.pem and ca.key), or a new one written there. Returns it, its key, and whether
    /// it is new.
    static func certificateAuthority(in folder: URL, display: (String) -> String, algorithm: PublicKeyAlgorithm, now: Int64,
                                     random: RandomGenerator<HostEntropy>) throws -> (Certificate, CertificateSigningKey, Bool) {
        let certURL = folder.appendingPathComponent("ca.pem"), keyURL = folder.appendingPathComponent("ca.key")
        let fm = FileManager.default
        let haveCert = fm.fileExists(atPath: certURL.path), haveKey = fm.fileExists(atPath: keyURL.path)
        if haveCert || haveKey {
            guard haveCert && haveKey else {
                let (present, missing) = haveCert ? ("ca.pem", "ca.key") : ("ca.key", "ca.pem")
                throw CLIError("cert: \(display(present)) is there without \(display(missing)): put it back, or remove \(display(present)) to make a new CA")
            }
            let certificate: Certificate, key: CertificateSigningKey
            do {
                guard let first = try Certificate.all(pem: Array(try Data(contentsOf: certURL))).first else {
                    throw CLIError("cert: \(display("ca.pem")) holds no certificate")
                }
                certificate = first
            } catch let e as CLIError { throw e } catch {
                throw CLIError("cert: \(display("ca.pem")) is not a certificate (\(error)): remove ca.pem and ca.key to make a new CA")
            }
            do {
                key = try CertificateSigningKey(try PrivateKey(pem: Array(try Data(contentsOf: keyURL))))
            } catch {
                throw CLIError("cert: \(display("ca.key")) is not a P-256 or Ed25519 private key (\(error)): remove ca.pem and ca.key to make a new CA")
            }
            guard certificate.publicKey.keyBytes == key.publicKey else {
                throw CLIError("cert: \(display("ca.key")) is not the key of \(display("ca.pem")): remove both to make a new CA")
            }
            guard certificate.extensions.basicConstraints?.isCA == true else {
                throw CLIError("cert: \(display("ca.pem")) is not a CA certificate: remove ca.pem and ca.key to make a new CA")
            }
            return (certificate, key, false)
        }
        let key: CertificateSigningKey
        do { key = try CertificateSigningKey.generate(algorithm, using: random) } catch { throw CLIError("cert: key generation failed: \(error)") }
        let notBefore = now - backdating
        let builder = CertificateBuilder.certificateAuthority(commonName: "Swiftlet development CA", organization: owner(),
                                                              serialNumber: CertificateBuilder.randomSerialNumber(using: random),
                                                              notBefore: notBefore, notAfter: notBefore + caSeconds)
        let certificate: Certificate
        do { certificate = try builder.selfSigned(key: key) } catch { throw CLIError("cert: the CA could not be made: \(error)") }
        let keyPEM: [UInt8]
        do { keyPEM = try key.privateKey.pem() } catch { throw CLIError("cert: \(error)") }
        try write(keyPEM, to: keyURL, mode: 0o600)
        try write(PEM.encode(label: PEM.certificateLabel, der: certificate.bytes), to: certURL, mode: 0o644)
        return (certificate, key, true)
    }

    /// "Swiftlet user@host", at most 64 bytes: the CA's organization, so that CAs of different machines
    /// can be told apart in a trust store.
    static func owner() -> String {
        let user = NSUserName()
        var text = "Swiftlet \(user)@\(ProcessInfo.processInfo.hostName)"
        while text.utf8.count > CertificateBuilder.maximumNameLength { text.removeLast() }
        return text
    }

    /// Writes `bytes` to a new temporary file created with `mode` (so a key is never readable by others, not
    /// even for a moment), then renames it to `url`.
    static func write(_ bytes: [UInt8], to url: URL, mode: mode_t) throws {
        let temporary = url.path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CLIError("cert: cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary)
            throw CLIError("cert: cannot write \(temporary): \(error.localizedDescription)")
        }
        guard rename(temporary, url.path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIError("cert: cannot rename \(temporary) to \(url.path): \(why)")
        }
    }

    /// "2036-12-05 21:04:18 UTC".
    static func date(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
