// Fuzz harness: SwiftletCrypto's strict DER reader (X509/DER.swift): the structure check, then every element at every depth.
// Any input must end in a typed error or a value; a trap or a hang is the crash libFuzzer reports.
import SwiftletCrypto

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    withInput(data, size) { X509Fuzz.der($0) }
    return 0
}
