// SwiftletCryptoTests: SHA-256, SHA-384, SHA-512, HMAC and HKDF against NIST CAVP vectors (byte-oriented
// ShortMsg, LongMsg and Monte Carlo files), RFC 4231 and RFC 5869, and against OpenSSL (through Python's
// `cryptography` and `hashlib`) on seeded random inputs fed in random pieces.

import ChildProcess
import Testing
@testable import SwiftletCrypto

@Suite struct HashTests {
    /// Runs every ShortMsg and LongMsg record of a CAVP file through `H`, in one piece and in pieces.
    func checkMessages<H: HashFunction>(_ type: H.Type, file: String) throws -> Int {
        var checked = 0
        for record in cavpRecords(try Reference.vectorFile(file)) {
            guard let len = record["Len"].flatMap({ Int($0) }), let msg = record["Msg"], let md = record["MD"] else { continue }
            let message = len == 0 ? [] : bytes(hex: msg)
            #expect(message.count * 8 == len)
            #expect(hex(H.hash(message)) == md, "\(file) Len = \(len)")
            // The same message in three pieces, cut where blocks do not divide them.
            var h = H()
            let a = message.count / 3, b = 2 * message.count / 3 + 1
            h.update(Array(message[0..<a]))
            h.update(Array(message[a..<min(b, message.count)]))
            if b < message.count { h.update(Array(message[b...])) }
            #expect(hex(h.finalize()) == md, "\(file) Len = \(len) in pieces")
            checked += 1
        }
        return checked
    }

    @Test func cavpShortAndLongMessages() throws {
        var n = 0
        for size in ["256", "384", "512"] {
            for kind in ["ShortMsg", "LongMsg"] {
                let file = "hashes/SHA2/SHA\(size)\(kind).rsp"
                switch size {
                case "256": n += try checkMessages(SHA256.self, file: file)
                case "384": n += try checkMessages(SHA384.self, file: file)
                default: n += try checkMessages(SHA512.self, file: file)
                }
            }
        }
        #expect(n == 643)   // every record ran: SHA-256 65 + 64, SHA-384 and SHA-512 129 + 128 each
    }

    /// The Monte Carlo test of the CAVP SHA validation system (SHAVS §6.4): 100 checkpoints of 1,000 chained hashes.
    func monteCarlo<H: HashFunction>(_ type: H.Type, file: String) throws {
        let records = cavpRecords(try Reference.vectorFile(file))
        guard let seedHex = records.first(where: { $0["Seed"] != nil })?["Seed"] else { Issue.record("no seed in \(file)"); return }
        let expected = records.compactMap { r -> (Int, String)? in
            guard let c = r["COUNT"].flatMap({ Int($0) }), let md = r["MD"] else { return nil }
            return (c, md)
        }
        #expect(expected.count == 100)
        var seed = bytes(hex: seedHex)
        for (count, md) in expected {
            var m0 = seed, m1 = seed, m2 = seed
            for _ in 0..<1000 {
                let next = H.hash(m0 + m1 + m2)
                m0 = m1; m1 = m2; m2 = next
            }
            seed = m2
            #expect(hex(m2) == md, "\(file) COUNT = \(count)")
        }
    }

    @Test func cavpMonteCarlo() throws {
        try monteCarlo(SHA256.self, file: "hashes/SHA2/SHA256Monte.rsp")
        try monteCarlo(SHA384.self, file: "hashes/SHA2/SHA384Monte.rsp")
        try monteCarlo(SHA512.self, file: "hashes/SHA2/SHA512Monte.rsp")
    }

    @Test func hmacRFC4231() throws {
        var n = 0
        for (size, file) in [(256, "HMAC/rfc-4231-sha256.txt"), (384, "HMAC/rfc-4231-sha384.txt"), (512, "HMAC/rfc-4231-sha512.txt")] {
            for record in cavpRecords(try Reference.vectorFile(file)) {
                guard let key = record["Key"], let msg = record["Msg"], let md = record["MD"] else { continue }
                let code: [UInt8]
                switch size {
                case 256: code = HMAC<SHA256>.authenticationCode(for: bytes(hex: msg), key: bytes(hex: key))
                case 384: code = HMAC<SHA384>.authenticationCode(for: bytes(hex: msg), key: bytes(hex: key))
                default: code = HMAC<SHA512>.authenticationCode(for: bytes(hex: msg), key: bytes(hex: key))
                }
                #expect(hex(code) == md, "\(file) key \(key.prefix(16))")
                n += 1
            }
        }
        #expect(n >= 15)
    }

    @Test func hmacIsValidComparesEveryByte() {
        let key: [UInt8] = Array(repeating: 7, count: 20), message: [UInt8] = Array("message".utf8)
        var code = HMAC<SHA256>.authenticationCode(for: message, key: key)
        let good = HMAC<SHA256>.isValid(code: code.span, for: message.span, key: key.span)
        code[31] ^= 1
        let flipped = HMAC<SHA256>.isValid(code: code.span, for: message.span, key: key.span)
        let short = Array(code[0..<31])
        let truncated = HMAC<SHA256>.isValid(code: short.span, for: message.span, key: key.span)
        #expect(good && !flipped && !truncated)
    }

    @Test func hkdfRFC5869() throws {
        var n = 0
        for record in cavpRecords(try Reference.vectorFile("KDF/rfc-5869-HKDF-SHA256.txt"), splitOnBlankLines: false) {
            guard let ikm = record["IKM"], let salt = record["salt"], let info = record["info"], let l = record["L"].flatMap({ Int($0) }),
                  let prk = record["PRK"], let okm = record["OKM"] else { continue }
            let extracted = HKDF<SHA256>.extract(salt: bytes(hex: salt).span, inputKeyMaterial: bytes(hex: ikm).span)
            #expect(hex(extracted) == prk)
            let expanded = try HKDF<SHA256>.expand(pseudoRandomKey: extracted.span, info: bytes(hex: info).span, length: l)
            #expect(hex(expanded) == okm)
            n += 1
        }
        #expect(n == 3)
    }

    @Test func hkdfRefusesWhatRFC5869Forbids() {
        let prk = [UInt8](repeating: 1, count: 32)
        let short = Array(prk[0..<31]), empty: [UInt8] = []
        func expand(_ key: [UInt8], _ length: Int) -> Result<Int, CryptoError> {
            do throws(CryptoError) { return .success(try HKDF<SHA256>.expand(pseudoRandomKey: key.span, info: empty.span, length: length).count) }
            catch { return .failure(error) }
        }
        #expect(expand(prk, 255 * 32 + 1) == .failure(.outputTooLong))
        #expect(expand(short, 16) == .failure(.badLength))
        #expect(expand(prk, -1) == .failure(.badLength))
        #expect(expand(prk, 255 * 32) == .success(255 * 32))
    }

    /// Seeded random messages, keys and lengths, hashed by us in random pieces and by OpenSSL.
    @Test func sameAsOpenSSLOnRandomInputs() throws {
        var random = SeededBytes(seed: 0x5A17_2026)
        var lines: [String] = []
        var ours: [String] = []
        for _ in 0..<200 {
            let length = random.below(4) == 0 ? random.below(3000) : random.below(300)
            let message = random.bytes(length)
            let key = random.bytes(random.below(200))
            let info = random.bytes(random.below(40)), salt = random.bytes(random.below(70))
            let okmLength = 1 + random.below(255 * 32)
            lines.append([hex(message), hex(key), hex(info), hex(salt), String(okmLength)].map { $0.isEmpty ? "-" : $0 }.joined(separator: " "))
            var pieces = [SHA256(), SHA256()]
            var h384 = SHA384(), h512 = SHA512()
            var i = 0
            while i < message.count {
                let n = min(message.count - i, 1 + random.below(200))
                let piece = Array(message[i..<(i + n)])
                pieces[0].update(piece); h384.update(piece); h512.update(piece)
                i += n
            }
            _ = pieces.popLast()
            let okm = try HKDF<SHA256>.deriveKey(inputKeyMaterial: key.span, salt: salt.span, info: info.span, length: okmLength)
            ours.append([hex(pieces[0].finalize()), hex(h384.finalize()), hex(h512.finalize()),
                         hex(HMAC<SHA256>.authenticationCode(for: message, key: key)),
                         hex(HMAC<SHA384>.authenticationCode(for: message, key: key)),
                         hex(HMAC<SHA512>.authenticationCode(for: message, key: key)), hex(okm)].joined(separator: " "))
        }
        let script = """
        import sys, hashlib, hmac
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
        for line in sys.stdin:
            m, k, info, salt, n = [b'' if f == '-' else f for f in line.split()]
            m, k, info, salt = (bytes.fromhex(x.decode() if isinstance(x, bytes) else x) for x in (m, k, info, salt))
            okm = HKDF(algorithm=hashes.SHA256(), length=int(n), salt=salt or None, info=info).derive(k)
            print(hashlib.sha256(m).hexdigest(), hashlib.sha384(m).hexdigest(), hashlib.sha512(m).hexdigest(),
                  hmac.new(k, m, 'sha256').hexdigest(), hmac.new(k, m, 'sha384').hexdigest(),
                  hmac.new(k, m, 'sha512').hexdigest(), okm.hex())
        """
        let theirs = try ChildProcess.python(script, input: lines.joined(separator: "\n") + "\n").split(separator: "\n").map(String.init)
        #expect(theirs.count == ours.count)
        for (i, (a, b)) in zip(ours, theirs).enumerated() { #expect(a == b, "input \(i): \(lines[i].prefix(60))") }
    }
}
