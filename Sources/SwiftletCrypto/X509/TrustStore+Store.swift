// SwiftletCrypto/X509: trust anchors from a PEM bundle kept in a key-value store, the same way on every
// target: a kvm kernel embeds the bundle in its store (its manifest's store folder), a hosted application
// reads the system's bundle through a `DirectoryStore` over the folder that holds it. The size is asked
// first, so a huge file is refused before it is read (`PEM.defaultMaximumSize`, 4 MiB; Debian's whole
// bundle is about 220 KB).

import Swiftlet

extension TrustStore {
    /// Where Debian and Ubuntu keep the system's trust anchors as one PEM bundle (package ca-certificates):
    /// the folder, for a `DirectoryStore`, and the key within it.
    public static let systemBundleFolder = "/etc/ssl/certs"
    public static let systemBundleKey = "ca-certificates.crt"

    /// The certificates of the PEM bundle stored under `key`. A store error is `.store`; a bundle over
    /// `maximumSize` is `.pem(.tooLarge)` before anything is read; malformed certificates are skipped when
    /// `skippingMalformed` (a system bundle may hold one this parser refuses), else refused.
    public static func load<Store: KeyValueStore>(from store: Store, key: String, maximumSize: Int = PEM.defaultMaximumSize,
                                                  skippingMalformed: Bool = false) async throws(CertificateError) -> TrustStore {
        let size: Int, bytes: [UInt8]
        do throws(KeyValueError) { size = try await store.size(key) } catch { throw .store(error) }
        guard size <= maximumSize else { throw .pem(.tooLarge) }
        do throws(KeyValueError) { bytes = try await store.get(key) } catch { throw .store(error) }
        return try TrustStore(pemBundle: bytes, maximumSize: maximumSize, skippingMalformed: skippingMalformed)
    }
}
