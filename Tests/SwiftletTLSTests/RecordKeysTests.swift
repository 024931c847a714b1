// Tests of Crypto/RecordProtection.swift: the RFC 8448 §3 records byte for byte in both directions with
// their sequence numbers, AES-256-GCM-SHA384 and ChaCha20-Poly1305 against Python `cryptography`, KeyUpdate,
// and one test per refusal (tampering, sizes, padding, sequence exhaustion).
import Testing
import SwiftletCrypto
@testable import SwiftletTLS

@Suite struct RecordKeysTests {
    private func split(_ record: [UInt8]) -> (header: [UInt8], fragment: [UInt8]) {
        (Array(record[0..<5]), Array(record[5...]))
    }

    /// The server's protected flight (EncryptedExtensions..Finished as one record), then with the
    /// application key the NewSessionTicket (seq 0), application data (seq 1) and close_notify (seq 2).
    @Test func rfc8448Section3ServerRecords() throws {
        let flight = KSV.s3EncryptedExtensions + KSV.s3Certificate + KSV.s3CertificateVerify + KSV.s3ServerFinished
        var hsWrite = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ServerHandshakeTraffic)
        #expect(try hsWrite.seal(flight, type: .handshake) == KSV.s3ServerFlightRecord)
        #expect(hsWrite.sequenceNumber == 1)
        var hsRead = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ServerHandshakeTraffic)
        let r = split(KSV.s3ServerFlightRecord)
        let opened = try hsRead.open(headerBytes: r.header, fragment: r.fragment)
        #expect(opened.type == .handshake && opened.content == flight)
        #expect(hsRead.sequenceNumber == 1)

        var apWrite = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ServerApplicationTraffic)
        var apRead = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ServerApplicationTraffic)
        let data = (0..<50).map { UInt8($0) }
        let expected: [(ContentType, [UInt8], [UInt8])] = [
            (.handshake, KSV.s3NewSessionTicket, KSV.s3NewSessionTicketRecord),
            (.applicationData, data, KSV.s3ServerApplicationRecord),
            (.alert, [1, 0], KSV.s3ServerAlertRecord),
        ]
        for (seq, (type, content, record)) in expected.enumerated() {
            #expect(apWrite.sequenceNumber == UInt64(seq))
            #expect(try apWrite.seal(content, type: type) == record)
            let rr = split(record)
            let o = try apRead.open(headerBytes: rr.header, fragment: rr.fragment)
            #expect(o.type == type && o.content == content)
            #expect(apRead.sequenceNumber == UInt64(seq + 1))
        }
    }

    /// The client's Finished (handshake key, seq 0), application data (seq 0) and close_notify (seq 1),
    /// sealed into one buffer.
    @Test func rfc8448Section3ClientRecords() throws {
        var hsWrite = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ClientHandshakeTraffic)
        var out: [UInt8] = [0xAA]
        try hsWrite.seal(KSV.s3ClientFinished, type: .handshake, into: &out)
        #expect(out == [0xAA] + KSV.s3ClientFinishedRecord)

        var apWrite = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ClientApplicationTraffic)
        var buffer: [UInt8] = []
        try apWrite.seal((0..<50).map { UInt8($0) }, type: .applicationData, into: &buffer)
        try apWrite.seal([1, 0], type: .alert, into: &buffer)
        #expect(buffer == KSV.s3ClientApplicationRecord + KSV.s3ClientAlertRecord)
        #expect(apWrite.sequenceNumber == 2)

        var read = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ClientApplicationTraffic)
        let a = split(KSV.s3ClientApplicationRecord), b = split(KSV.s3ClientAlertRecord)
        #expect(try read.open(headerBytes: a.header, fragment: a.fragment).content == (0..<50).map { UInt8($0) })
        let alert = try read.open(headerBytes: b.header, fragment: b.fragment)
        #expect(alert.type == .alert && alert.content == [1, 0])
        // Out of order (the alert's record again at seq 2) fails.
        #expect(throws: TLSError.alert(.badRecordMAC)) { _ = try read.open(headerBytes: b.header, fragment: b.fragment) }
    }

    /// AES-256-GCM-SHA384 and ChaCha20-Poly1305: keys, three records (with padding) and a record after
    /// KeyUpdate equal Python `cryptography`'s, and Python's open here.
    @Test func otherSuitesMatchPython() throws {
        let cases: [(CipherSuite, [UInt8], [UInt8], [UInt8], [[UInt8]], [UInt8], [UInt8])] = [
            (.aes256GCMSHA384, KSV.aes256Secret, KSV.aes256Key, KSV.aes256Iv,
             [KSV.aes256Rec0, KSV.aes256Rec1, KSV.aes256Rec2], KSV.aes256Next, KSV.aes256Upd0),
            (.chacha20Poly1305SHA256, KSV.chachaSecret, KSV.chachaKey, KSV.chachaIv,
             [KSV.chachaRec0, KSV.chachaRec1, KSV.chachaRec2], KSV.chachaNext, KSV.chachaUpd0),
        ]
        let contents: [(ContentType, [UInt8], Int)] = [
            (.applicationData, (0..<100).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }, 0),
            (.alert, [1, 0], 0),
            (.handshake, (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 13 + 1) }, 37),
        ]
        for (suite, secret, key, iv, records, next, afterUpdate) in cases {
            let keys = RecordProtection.trafficKeys(suite: suite, trafficSecret: secret)
            #expect(keys.key == key && keys.iv == iv)
            var w = try RecordProtection(suite: suite, trafficSecret: secret)
            var r = try RecordProtection(suite: suite, trafficSecret: secret)
            for ((type, content, padding), record) in zip(contents, records) {
                #expect(try w.seal(content, type: type, padding: padding) == record)
                let p = split(record)
                let o = try r.open(headerBytes: p.header, fragment: p.fragment)
                #expect(o.type == type && o.content == content)
            }
            try w.update()
            try r.update()
            #expect(w.trafficSecret == next && w.sequenceNumber == 0)
            #expect(try w.seal(Array("after update".utf8), type: .applicationData, padding: 5) == afterUpdate)
            let p = split(afterUpdate)
            #expect(try r.open(headerBytes: p.header, fragment: p.fragment).content == Array("after update".utf8))
        }
    }

    @Test func unsupportedSuiteIsRefused() {
        #expect(throws: TLSError.alert(.internalError)) {
            _ = try RecordProtection(suite: CipherSuite(rawValue: 0x1304), trafficSecret: KSV.s3ClientHandshakeTraffic)
        }
    }

    /// Any changed byte of the header or fragment is refused: badRecordMAC, or decodeError / unexpected
    /// message when it breaks the header's length or type.
    @Test func tamperedRecordsAreRefused() throws {
        let record = KSV.s3ClientFinishedRecord
        for i in 0..<record.count {
            var bad = record
            bad[i] ^= 0x01
            var read = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: KSV.s3ClientHandshakeTraffic)
            let p = split(bad)
            let expected: AlertDescription = i == 0 ? .unexpectedMessage : (i == 3 || i == 4) ? .decodeError : .badRecordMAC
            #expect(throws: TLSError.alert(expected)) { _ = try read.open(headerBytes: p.header, fragment: p.fragment) }
            #expect(read.sequenceNumber == 0)
        }
    }

    /// Sizes: seal refuses content (plus padding) over 2^14; open refuses a fragment over 2^14 + 256
    /// (record_overflow), one too short for a tag (bad_record_mac), and an authentic inner plaintext over
    /// 2^14 + 1 (record_overflow). The largest legal record round-trips.
    @Test func sizeLimits() throws {
        let secret = KSV.s3ClientApplicationTraffic
        var w = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: secret)
        var r = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: secret)
        let max = RecordProtection.maximumPlaintextLength
        #expect(throws: TLSError.alert(.internalError)) { _ = try w.seal([UInt8](repeating: 1, count: max + 1), type: .applicationData) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try w.seal([UInt8](repeating: 1, count: 100), type: .applicationData, padding: max - 99) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try w.seal([1], type: .applicationData, padding: -1) }
        var out: [UInt8] = [9]
        #expect(throws: TLSError.alert(.internalError)) { try w.seal([UInt8](repeating: 1, count: max + 1), type: .applicationData, into: &out) }
        #expect(out == [9] && w.sequenceNumber == 0)

        let big = try w.seal([UInt8](repeating: 0x5A, count: max), type: .applicationData)
        #expect(big.count == 5 + max + 1 + 16)
        var p = split(big)
        #expect(try r.open(headerBytes: p.header, fragment: p.fragment).content.count == max)
        let padded = try w.seal([0x42], type: .applicationData, padding: max - 1)
        p = split(padded)
        #expect(try r.open(headerBytes: p.header, fragment: p.fragment).content == [0x42])

        let tooLong = [UInt8](repeating: 0, count: RecordProtection.maximumCiphertextLength + 1)
        let header: (Int) -> [UInt8] = { n in [23, 3, 3, UInt8(n >> 8), UInt8(n & 0xFF)] }
        #expect(throws: TLSError.alert(.recordOverflow)) { _ = try r.open(headerBytes: header(tooLong.count), fragment: tooLong) }
        let longest = Array(tooLong.dropLast())      // exactly 2^14 + 256: not an overflow, just not authentic
        #expect(throws: TLSError.alert(.badRecordMAC)) { _ = try r.open(headerBytes: header(longest.count), fragment: longest) }
        for n in [0, 1, 16] {
            #expect(throws: TLSError.alert(.badRecordMAC)) { _ = try r.open(headerBytes: header(n), fragment: [UInt8](repeating: 0, count: n)) }
        }
        #expect(throws: TLSError.alert(.decodeError)) { _ = try r.open(headerBytes: [23, 3, 3, 0], fragment: []) }

        // An authentic record whose inner plaintext is 2^14 + 2 bytes, made with the AEAD directly.
        let inner = [UInt8](repeating: 0x61, count: max + 1) + [ContentType.applicationData.rawValue]
        let forged = try handMade(inner: inner, secret: secret, sequence: r.sequenceNumber)
        p = split(forged)
        #expect(p.fragment.count <= RecordProtection.maximumCiphertextLength)
        #expect(throws: TLSError.alert(.recordOverflow)) { _ = try r.open(headerBytes: p.header, fragment: p.fragment) }
    }

    /// An authentic inner plaintext of zeros only has no content type: unexpected_message (§5.4).
    @Test func allZeroInnerPlaintextIsRefused() throws {
        let secret = KSV.s3ClientApplicationTraffic
        for n in [1, 40] {
            var r = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: secret)
            let p = split(try handMade(inner: [UInt8](repeating: 0, count: n), secret: secret, sequence: 0))
            #expect(throws: TLSError.alert(.unexpectedMessage)) { _ = try r.open(headerBytes: p.header, fragment: p.fragment) }
        }
        // Zero-length content with a type and padding is fine.
        var r = try RecordProtection(suite: .aes128GCMSHA256, trafficSecret: secret)
        let p = split(try handMade(inner: [23, 0, 0, 0], secret: secret, sequence: 0))
        let o = try r.open(headerBytes: p.header, fragment: p.fragment)
        #expect(o.type == .applicationData && o.content.isEmpty)
    }

    /// At sequence 2^64 - 1 neither direction goes on (KeyUpdate first); the record before it works.
    @Test func sequenceExhaustion() throws {
        var w = try RecordProtection(suite: .chacha20Poly1305SHA256, trafficSecret: KSV.chachaSecret)
        var r = try RecordProtection(suite: .chacha20Poly1305SHA256, trafficSecret: KSV.chachaSecret)
        w.sequenceNumber = UInt64.max - 1
        r.sequenceNumber = UInt64.max - 1
        let rec = try w.seal([1, 2, 3], type: .applicationData)
        let p = split(rec)
        #expect(try r.open(headerBytes: p.header, fragment: p.fragment).content == [1, 2, 3])
        #expect(w.sequenceNumber == UInt64.max)
        #expect(throws: TLSError.alert(.internalError)) { _ = try w.seal([1], type: .applicationData) }
        #expect(throws: TLSError.alert(.internalError)) { _ = try r.open(headerBytes: p.header, fragment: p.fragment) }
        try w.update()
        #expect(w.sequenceNumber == 0)
        _ = try w.seal([1], type: .applicationData)
    }

    /// A record built with AES-128-GCM directly (not through `seal`, which refuses such inner plaintexts).
    private func handMade(inner: [UInt8], secret: [UInt8], sequence: UInt64) throws -> [UInt8] {
        let keys = RecordProtection.trafficKeys(suite: .aes128GCMSHA256, trafficSecret: secret)
        var nonce = keys.iv
        for i in 0..<8 { nonce[11 - i] ^= UInt8(truncatingIfNeeded: sequence >> (8 * UInt64(i))) }
        let length = inner.count + 16
        let header: [UInt8] = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
        var text = inner
        var span = text.mutableSpan
        let tag = try AES128GCM(key: keys.key).seal(&span, nonce: nonce.span, authenticating: header.span)
        return header + text + tag
    }
}
