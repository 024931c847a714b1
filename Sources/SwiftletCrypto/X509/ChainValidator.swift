// SwiftletCrypto/X509: certification path building and validation, the subset of RFC 5280 §6.1 a TLS 1.3
// client or server needs. No clock is read: the caller passes `now`. Signatures are checked by a verifier
// the validator is generic over (no existentials), so this file needs no public-key arithmetic.
//
// The path is built from the leaf upwards (§6: building is outside §6.1; we do a depth-first search): the
// candidates to issue a certificate are the trust anchors and the given intermediates whose subject is
// byte-for-byte the certificate's issuer, those whose subjectKeyIdentifier equals its
// authorityKeyIdentifier first. A certificate appears at most once in a path; the path has at most
// `maximumPathLength` certificates and the search tries at most `maximumCandidates` issuers in all.
// On every certificate of a path (§6.1.3, §6.1.4):
// - validity: notBefore <= now <= notAfter (§4.1.2.5), anchors included;
// - no critical extension we do not process (§4.2);
// - issuers (intermediates and the anchor): version 3 (a v1/v2 certificate is never an issuer), basicConstraints
//   with cA TRUE (§6.1.4 (k)), keyCertSign when keyUsage is present (§6.1.4 (n)), and pathLenConstraint
//   at least the number of non-self-issued intermediates below them (§6.1.4 (l), (m));
// - each signature is verified with the issuer's key, the anchor's own signature is not (§6.1.1 (d));
// - the leaf: extendedKeyUsage, when present, lists the purpose asked for or anyExtendedKeyUsage
//   (§4.2.1.12); keyUsage, when present, has digitalSignature (TLS 1.3 only ever signs with the key).
// Not done: name constraints (a critical nameConstraints extension is refused as unknown), policy
// processing, revocation, extendedKeyUsage on intermediates, name normalisation (§7.1).
// A leaf that is itself a trust anchor (the same DER) is accepted alone.

import Swiftlet

/// Why a certificate or a chain was refused.
public enum CertificateError: Error, Hashable, Sendable {
    /// A certificate (or key) is not valid DER or breaks X.509 structure rules.
    case malformed(DERError)
    /// A PEM document or bundle could not be decoded.
    case pem(PEMError)
    /// now > notAfter for some certificate of every path found.
    case expired
    /// now < notBefore.
    case notYetValid
    /// No trust anchor or intermediate has the issuer's name.
    case unknownIssuer
    /// A signature did not verify.
    case badSignature
    /// The signature algorithm (or the issuer's key type) is not one we verify.
    case unsupportedAlgorithm
    /// An issuer is not a CA: no basicConstraints cA TRUE, or a v1/v2 certificate.
    case notACA
    /// A pathLenConstraint is exceeded, or the path is longer than the validator allows.
    case pathTooLong
    /// The host name is not one the leaf certificate names.
    case nameMismatch
    /// keyUsage or extendedKeyUsage does not allow the use.
    case badUsage
    /// A certificate carries a critical extension that is not processed.
    case unknownCriticalExtension
    /// The search tried `maximumCandidates` issuers without finding a path, or more intermediates were
    /// offered than `maximumIntermediates`.
    case tooManyCandidates
    /// An issuer carries nameConstraints (critical or not), which this validator does not process.
    case nameConstraints
    /// A trust bundle could not be read from its store (`TrustStore.load(from:key:)`).
    case store(KeyValueError)
}

/// Checks one certificate signature. The lead's implementation dispatches to the primitives; tests use a
/// reference implementation. Throwing anything means "does not verify".
public protocol CertificateSignatureVerifier {
    /// Verifies `signature` (the BIT STRING octets of the certificate) over `message` (the DER
    /// tbsCertificate) with `publicKey`, the issuer's key, under `algorithm` (never `.unsupported`).
    func verify(algorithm: SignatureAlgorithm, publicKey: SubjectPublicKeyInfo, message: Span<UInt8>, signature: Span<UInt8>) throws(CryptoError)
}

/// Which extendedKeyUsage purpose the leaf must allow.
public enum KeyPurpose: Hashable, Sendable {
    case serverAuth, clientAuth
}

/// Trusted root certificates.
public struct TrustStore: Sendable {
    public var anchors: [Certificate]

    public init(anchors: [Certificate]) { self.anchors = anchors }

    /// Every CERTIFICATE block of a PEM bundle (other blocks and text around them are ignored). A bundle
    /// that is not valid PEM fails; a certificate that does not parse fails the bundle too, unless
    /// `skippingMalformed` (a system bundle with one odd root should not leave a kernel with no roots).
    public init(pemBundle: [UInt8], maximumSize: Int = PEM.defaultMaximumSize, skippingMalformed: Bool = false) throws(CertificateError) {
        anchors = try Certificate.all(pem: pemBundle, maximumSize: maximumSize, skippingMalformed: skippingMalformed)
    }
}

extension Certificate {
    /// The certificates of every CERTIFICATE block of a PEM document, in order (a chain file, a CA bundle);
    /// other blocks and text are ignored. See `TrustStore.init(pemBundle:)` for the error rules.
    public static func all(pem text: [UInt8], maximumSize: Int = PEM.defaultMaximumSize, skippingMalformed: Bool = false) throws(CertificateError) -> [Certificate] {
        let blocks: [PEMBlock]
        do { blocks = try PEM.decodeAll(text, maximumSize: maximumSize) } catch { throw .pem(error) }
        var certificates: [Certificate] = []
        for block in blocks where block.hasLabel(PEM.certificateLabel) {
            do throws(DERError) {
                certificates.append(try Certificate(derEncoded: block.der))
            } catch {
                if !skippingMalformed { throw .malformed(error) }
            }
        }
        return certificates
    }
}

/// Validates certification paths against a trust store with a signature verifier `V`.
public struct ChainValidator<V: CertificateSignatureVerifier> {
    public var trustStore: TrustStore
    public var verifier: V
    /// The most certificates in a path, leaf and anchor included.
    public var maximumPathLength: Int
    /// The most issuer candidates the search tries (each may cost a signature verification).
    public var maximumCandidates: Int
    /// The most intermediates a peer may offer: each search step compares names with every one of them, so
    /// this bounds the name comparisons an attacker's chain costs (a TLS Certificate message may hold
    /// 16 MB). Real chains have one to three.
    public var maximumIntermediates: Int

    public init(trustStore: TrustStore, verifier: V, maximumPathLength: Int = 8, maximumCandidates: Int = 32,
                maximumIntermediates: Int = 16) {
        self.trustStore = trustStore
        self.verifier = verifier
        self.maximumPathLength = maximumPathLength
        self.maximumCandidates = maximumCandidates
        self.maximumIntermediates = maximumIntermediates
    }

    /// Finds and checks a path from `leaf` through some of `intermediates` to a trust anchor, at time `now`
    /// (seconds since 1970 UTC), for `purpose`; when `hostName` is given the leaf must match it
    /// (`HostName.check`). Returns the path, leaf first, anchor last.
    public func validate(leaf: Certificate, intermediates: [Certificate], now: Int64, purpose: KeyPurpose = .serverAuth,
                         hostName: String? = nil) throws(CertificateError) -> [Certificate] {
        guard intermediates.count <= maximumIntermediates else { throw .tooManyCandidates }
        try checkCommon(leaf, now: now)
        if let eku = leaf.extendedKeyUsage {
            let allowed = purpose == .serverAuth ? eku.serverAuth : eku.clientAuth
            guard allowed || eku.any else { throw .badUsage }
        }
        if let usage = leaf.extensions.keyUsage, !usage.contains(.digitalSignature) { throw .badUsage }
        if let host = hostName { try HostName.check(host, leaf) }
        for anchor in trustStore.anchors where anchor.bytes == leaf.bytes { return [leaf] }
        var search = Search(budget: maximumCandidates)
        var path = [leaf]
        try extend(&path, intermediates: intermediates, now: now, search: &search)
        return path
    }

    private struct Search {
        var budget: Int
        var used: [Bool] = []
    }

    /// Depth-first: finds an issuer for the last certificate of `path`, recursively, until an anchor.
    private func extend(_ path: inout [Certificate], intermediates: [Certificate], now: Int64, search: inout Search) throws(CertificateError) {
        if search.used.count != intermediates.count { search.used = [Bool](repeating: false, count: intermediates.count) }
        guard let child = path.last else { throw .unknownIssuer }
        // The error reported is that of the first candidate tried: the one the key identifiers point at, if any.
        var firstError: CertificateError?
        // Two passes: candidates whose key identifier matches the child's authority key identifier, then the rest.
        for pass in 0..<2 {
            for index in 0..<(trustStore.anchors.count + intermediates.count) {
                let isAnchor = index < trustStore.anchors.count
                let candidate = isAnchor ? trustStore.anchors[index] : intermediates[index - trustStore.anchors.count]
                guard candidate.isIssuer(of: child) else { continue }
                guard keyIdentifierMatches(candidate, child) == (pass == 0) else { continue }
                if !isAnchor, search.used[index - trustStore.anchors.count] { continue }
                guard search.budget > 0 else { throw .tooManyCandidates }
                search.budget -= 1
                do throws(CertificateError) {
                    guard path.count < maximumPathLength else { throw .pathTooLong }
                    try checkIssuer(candidate, path: path, now: now)
                    try checkSignature(of: child, by: candidate)
                    if isAnchor { path.append(candidate); return }
                    search.used[index - trustStore.anchors.count] = true
                    path.append(candidate)
                    do throws(CertificateError) {
                        try extend(&path, intermediates: intermediates, now: now, search: &search)
                        return
                    } catch {
                        path.removeLast()
                        search.used[index - trustStore.anchors.count] = false
                        throw error
                    }
                } catch {
                    if error == .tooManyCandidates { throw error }
                    if firstError == nil { firstError = error }
                }
            }
        }
        throw firstError ?? .unknownIssuer
    }

    /// Whether the child's authorityKeyIdentifier names the candidate's subjectKeyIdentifier (both present).
    private func keyIdentifierMatches(_ candidate: Certificate, _ child: Certificate) -> Bool {
        guard let ski = candidate.extensions.subjectKeyIdentifier, let aki = child.extensions.authorityKeyIdentifier else { return false }
        return DERReader.equal(candidate.bytes, ski, child.bytes, aki)
    }

    private func checkCommon(_ cert: Certificate, now: Int64) throws(CertificateError) {
        guard now >= cert.notBefore else { throw .notYetValid }
        guard now <= cert.notAfter else { throw .expired }
        guard !cert.extensions.hasUnknownCriticalExtension else { throw .unknownCriticalExtension }
    }

    /// The checks on a certificate about to issue the last one of `path`.
    private func checkIssuer(_ issuer: Certificate, path: [Certificate], now: Int64) throws(CertificateError) {
        try checkCommon(issuer, now: now)
        guard !issuer.extensions.hasNameConstraints else { throw .nameConstraints }
        guard issuer.version == 3, let constraints = issuer.extensions.basicConstraints, constraints.isCA else { throw .notACA }
        if let usage = issuer.extensions.keyUsage, !usage.contains(.keyCertSign) { throw .badUsage }
        if let limit = constraints.pathLengthConstraint {
            // Intermediates below this issuer: path minus the leaf, self-issued ones not counted (§6.1.4 (l)).
            var below = 0
            for cert in path.dropFirst() where !cert.isSelfIssued { below += 1 }
            guard below <= limit else { throw .pathTooLong }
        }
    }

    private func checkSignature(of child: Certificate, by issuer: Certificate) throws(CertificateError) {
        guard child.signatureAlgorithm != .unsupported, issuer.publicKey.algorithm != .unsupported else { throw .unsupportedAlgorithm }
        guard child.signatureIsOctetAligned, child.signatureAlgorithm.accepts(issuer.publicKey.algorithm) else { throw .badSignature }
        let bytes = child.bytes
        do {
            try verifier.verify(algorithm: child.signatureAlgorithm, publicKey: issuer.publicKey,
                                message: bytes.span.extracting(child.tbsRange), signature: bytes.span.extracting(child.signatureRange))
        } catch {
            throw .badSignature
        }
    }
}

extension Certificate {
    /// extendedKeyUsage, if present.
    public var extendedKeyUsage: ExtendedKeyUsage? { extensions.extendedKeyUsage }
}
