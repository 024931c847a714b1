// SwiftletCryptoTests: the independent references the tests compare with. Python's `cryptography` (OpenSSL
// underneath) computes the same values from the same random inputs, and checks our signatures, in a child
// process; NIST CAVP and RFC vector files come from the `cryptography_vectors` package (scripts/test installs
// python3-cryptography and python3-cryptography-vectors when they are missing).

import ChildProcess
import Foundation
import Testing

enum ReferenceError: Error, CustomStringConvertible {
    case vectorsMissing(String)
    var description: String {
        switch self {
        case .vectorsMissing(let why): "cryptography_vectors not found (apt-get install python3-cryptography-vectors): \(why)"
        }
    }
}

enum Reference {
    /// The folder holding the vector files of Python's `cryptography_vectors` package.
    static func vectorsDirectory() throws -> String {
        let path = try ChildProcess.python("import cryptography_vectors, os; print(os.path.dirname(cryptography_vectors.__file__))")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard FileManager.default.fileExists(atPath: path) else { throw ReferenceError.vectorsMissing(path) }
        return path
    }

    /// The text of a vector file, by its path inside the package (e.g. "hashes/SHA2/SHA256ShortMsg.rsp").
    static func vectorFile(_ relativePath: String) throws -> String {
        let path = try vectorsDirectory() + "/" + relativePath
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ReferenceError.vectorsMissing("no file \(path)")
        }
        return text
    }
}

/// Bytes from hexadecimal text (whitespace ignored); traps on a bad digit, which is a broken test.
func bytes(hex text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != 32 && $0 != 10 && $0 != 13 && $0 != 9 })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    func value(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: preconditionFailure("not a hex digit: \(c)")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
}

/// Lower-case hexadecimal text of `bytes`.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}

/// A seeded generator for the random inputs of differential tests, so that a failure can be replayed.
struct SeededBytes {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        // splitmix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Parses NIST CAVP `.rsp` text into records: each record is the `KEY = value` lines of one test case,
/// keys as written; bracketed section headers (`[L = 32]`) are given to every record after them under "[]".
/// A record ends at a blank line, or (with `splitOnBlankLines: false`, for files with blank lines inside a
/// record) when a key it already holds comes again.
func cavpRecords(_ text: String, splitOnBlankLines: Bool = true) -> [[String: String]] {
    var records: [[String: String]] = []
    var current: [String: String] = [:]
    var section = ""
    func flush() {
        if !current.isEmpty { current["[]"] = section; records.append(current); current = [:] }
    }
    for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {  // CRLF is one Character
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.isEmpty { if splitOnBlankLines { flush() }; continue }
        if line.hasPrefix("#") { continue }
        if line.hasPrefix("[") { flush(); section = line; continue }
        let key: String, value: String
        if let eq = line.firstIndex(of: "=") {
            key = line[..<eq].trimmingCharacters(in: .whitespaces)
            value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        } else {
            key = line
            value = ""
        }
        if current[key] != nil { flush() }
        current[key] = value
    }
    flush()
    return records
}
