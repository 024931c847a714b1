// The NSEC3 owner hash (SwiftletDNS/NSEC3Hash.swift): RFC 5155 Appendix A's hashed names (salt aabbccdd,
// 12 iterations), and SHA-1 against Python's hashlib on inputs of every length across two blocks.

import ChildProcess
import Foundation
import Testing
import Swiftlet
import SwiftletWire
@testable import SwiftletDNS

@Suite struct NSEC3HashTests {
    @Test(arguments: [
        ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
        ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
        ("ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"),
        ("x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"),
        ("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"),
    ])
    func rfc5155AppendixA(name: String, hash: String) {
        #expect(NSEC3Hash.label(of: DNSName(name)!, salt: [0xaa, 0xbb, 0xcc, 0xdd], iterations: 12) == Array(hash.utf8))
        // Case does not matter: the canonical form is hashed.
        #expect(NSEC3Hash.label(of: DNSName(name.uppercased())!, salt: [0xaa, 0xbb, 0xcc, 0xdd], iterations: 12) == Array(hash.utf8))
    }

    @Test func sha1AgreesWithHashlib() throws {
        let lengths = Array(0...130)
        let script = "import hashlib,sys\nfor n in range(131): print(hashlib.sha1(bytes((i * 7 + n) & 255 for i in range(n))).hexdigest())"
        let text = try ChildProcess.python(script)
        let expected = text.split(separator: "\n").map(String.init)
        #expect(expected.count == lengths.count)
        for (n, want) in zip(lengths, expected) {
            let message = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 7 + n) }
            let got = NSEC3Hash.sha1(message).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            #expect(got == want, "length \(n)")
        }
    }

    @Test func base32hexSortsAsTheBytes() {
        #expect(DNSText.base32hexOctets([]) == [])
        #expect(DNSText.base32hexOctets(Array("f".utf8)) == Array("CO".utf8))       // RFC 4648 §10, no padding
        #expect(DNSText.base32hexOctets(Array("foobar".utf8)) == Array("CPNMUOJ1E8".utf8))
        #expect(DNSSECIndex.bytesBefore(DNSText.base32hexOctets([0x01, 0xFF]), DNSText.base32hexOctets([0x02, 0x00])))
    }

    /// RFC 4034 §6.1's example order.
    @Test func canonicalOrder() {
        let names = ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.",
                     "\\001.z.example.", "*.z.example.", "\\200.z.example."].map { DNSName($0)! }
        for i in 0..<names.count {
            for j in 0..<names.count {
                #expect(DNSSECIndex.canonicallyBefore(names[i], names[j]) == (i < j), "\(names[i]) \(names[j])")
            }
        }
    }
}
