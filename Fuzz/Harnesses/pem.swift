// Fuzz harness: SwiftletCrypto's PEM decoder (X509/PEM.swift), then each block parsed as its label says (certificate, public key, private key).
// Any input must end in a typed error or a value; a trap or a hang is the crash libFuzzer reports.
import SwiftletCrypto

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { X509Fuzz.pem($0) }
    return 0
}
