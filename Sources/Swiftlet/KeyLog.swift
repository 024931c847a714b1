// Swiftlet: where TLS secrets go for debugging, in the NSS key log format that Wireshark reads
// ("LABEL client_random secret", one per line). Hosted targets set `sink` when the environment names a
// file in SSLKEYLOGFILE (SwiftletUnix's `Host.options()`); kernels never set it. SwiftletTLS's flows
// write to it when it is set. For debugging only: whoever reads the file can decrypt the traffic.

public enum KeyLog {
    /// Receives key log lines; nil (the default) means no key logging.
    public nonisolated(unsafe) static var sink: (@Sendable ([UInt8]) -> Void)? = nil
}
