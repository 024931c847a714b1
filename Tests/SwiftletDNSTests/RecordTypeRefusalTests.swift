// Refusals for the record types beyond the typed ones: each bad zone-file value is a line-numbered
// ZoneError saying what was expected (one case per refusal), and each malformed wire RDATA is a
// WireError (strict reading: exact length, checked inner lengths, no compression where RFC 3597 §4
// does not allow it).

import Testing
import Swiftlet
import SwiftletWire
import SwiftletDNS

@Suite struct RecordTypeRefusalTests {
    /// Each zone line (line 3, after $ORIGIN and $TTL) and the start of its error message.
    @Test(arguments: [
        ("x FOO 1", "unknown record type 'FOO'"),
        ("x CLASS32 TYPE731 \\# 6 abcdef012345", "class CLASS32 is not served (only IN)"),
        ("x HS TYPE62347 \\# 0", "class HS is not served (only IN)"),
        ("x AXFR \\# 0", "AXFR is a meta type, not a record"),
        ("x OPT \\# 0", "OPT is a meta type, not a record"),
        ("x TYPE55 1 2 3", "TYPE55 has no presentation format here: write its data as \\# LENGTH HEX"),
        ("x TYPE731 \\# 7 abcdef012345", "\\# says 7 octets but the hex holds 6"),
        ("x TYPE731 \\# 6 abcdef01234", "\\# data is not hex digits"),
        ("x TYPE731 \\# many", "\\# must be followed by the data's length"),
        ("x A \\# 3 0a0000", "\\# data is not valid A data"),
        ("x DS \\# 3 ec4505", "\\# data is not valid DS data"),
        ("x NS \\# 4 01 61 c0 00", "\\# data is not valid NS data"),
        ("x DS 60485 5", "DS: missing a number from 0 to 255"),
        ("x DS 60485 BOGUS 1 00", "DS: 'BOGUS' is not an algorithm number or mnemonic"),
        ("x DS 60485 5 1 0g", "DS: '0g' is not hex"),
        ("x DNSKEY 256 3 5 AQ=", "DNSKEY: 'AQ=' is not base64"),
        ("x HINFO \"one\"", "HINFO: missing a character-string"),
        ("x HINFO a b c", "HINFO: unexpected 'c' after the data"),
        ("x RRSIG A 5 3 86400 20030230000000 20030220173103 2642 example. AA==", "RRSIG: '20030230000000' is not a time"),
        ("x RRSIG BOGUS 5 3 86400 1 1 2642 example. AA==", "RRSIG: 'BOGUS' is not a record type"),
        ("x NSEC next A BOGUS", "NSEC: 'BOGUS' is not a record type"),
        ("x NSEC3 1 1 12 aabbcc zzz", "NSEC3: 'zzz' is not a hash"),
        ("x NSEC3 1 1 12 xyz 2t7b4g4vsa5smi47k61mv5bv1a22bojr", "NSEC3: 'xyz' is not a salt"),
        ("x LOC 91 0 0 N 0 E 0", "LOC: '91' is not a degree, minute or second value"),
        ("x LOC 90 0 1 N 0 E 0", "LOC: more than 90 degrees"),
        ("x LOC 42 21 54 X 71 06 18 W -24m", "LOC: 'X' where N or S was expected"),
        ("x LOC 42 N 71 W -100001m", "LOC: '-100001m' is not an altitude"),
        ("x LOC 42 N 71 W 0 90000001m", "LOC: '90000001m' is not a size"),
        ("x APL 3:1.2.3.4/8", "APL: address family 3"),
        ("x APL 1:192.0.2.0/33", "APL: '1:192.0.2.0/33' is not an IPv4 item"),
        ("x APL 1:192.0.2.0", "APL: '1:192.0.2.0' is not an APL item"),
        ("x IPSECKEY 10 4 2 . AA==", "IPSECKEY: gateway type 4 is not 0, 1, 2 or 3"),
        ("x IPSECKEY 10 0 2 192.0.2.1 AA==", "IPSECKEY: gateway type 0 takes '.' as its gateway"),
        ("x IPSECKEY 10 1 2 host AA==", "IPSECKEY: 'host' is not an IPv4 address (gateway type 1)"),
        ("x CAA 0 is-sue \"ca\"", "CAA: 'is-sue' is not a tag of ASCII letters and digits"),
        ("x CAA 256 issue \"ca\"", "CAA: '256' is not a number from 0 to 255"),
        ("x EUI48 00-00-5e-00-53", "EUI48: '00-00-5e-00-53' is not 6 hex pairs"),
        ("x EUI64 00:00:5e:ef:10:00:00:2a", "EUI64: '00:00:5e:ef:10:00:00:2a' is not 8 hex pairs"),
        ("x CERT BOGUS 0 0 AA==", "CERT: 'BOGUS' is not a certificate type"),
        ("x SVCB 1 . bogus=1", "SVCB: 'bogus' is not a SvcParamKey"),
        ("x SVCB 1 . key65535=1", "SVCB: 'key65535' is not a SvcParamKey"),
        ("x SVCB 1 . alpn=h2,,h3", "SVCB: 'alpn=h2,,h3': an empty item in the list"),
        ("x HTTPS 1 . ipv4hint=192.0.2.300", "HTTPS: 'ipv4hint=192.0.2.300': not IPv4 addresses"),
        ("x HTTPS 1 . port=65536", "HTTPS: 'port=65536': the port is not a number"),
        ("x URI 10 1", "URI: missing a string"),
        ("x TXT \\999", "TXT: a bad escape in '\\999'"),
        ("x AAAA 2001:db8::300.1.2.3", "AAAA: '2001:db8::300.1.2.3' is not an IPv6 address"),
    ])
    func zoneRefusal(_ line: String, _ message: String) {
        do {
            let records = try ZoneFile.parse("$ORIGIN example.\n$TTL 60\n" + line + "\n")
            Issue.record("accepted: \(line) -> \(records)")
        } catch {
            #expect(error.line == 3, "\(error)")
            #expect(error.message.hasPrefix(message), "\(error) (expected: \(message))")
        }
    }

    /// The bounds: at most ZoneFile.maximumSvcParams params in one record, at most 65,535 octets of data.
    @Test func boundsAreErrorsWithTheirLine() {
        func error(_ line: String) -> String? {
            do throws(ZoneError) { _ = try ZoneFile.parse("$ORIGIN example.\n$TTL 60\n" + line + "\n"); return nil } catch {
                return error.description
            }
        }
        // Keys from 10 up: no value needed. 16,383 of them fill the 65,535 octets exactly.
        let many = (10..<10 + 16_385).map { "key\($0)" }.joined(separator: " ")
        #expect(error("x SVCB 1 . " + many) == "line 3: SVCB: more than 16384 SvcParams")
        let fitting = (10..<10 + 16_383).map { "key\($0)" }.joined(separator: " ")
        #expect(error("x SVCB 1 . " + fitting) == nil)
        #expect(error("x SVCB 1 . " + fitting + " key65000") == "line 3: SVCB: 65539 octets of data (at most 65535)")
        let long = String(repeating: "a", count: 65_536)
        #expect(error("x CAA 0 issue \"\(long)\"") == "line 3: CAA: a string of 65536 octets (at most 65535)")
        let tooMuch = String(repeating: "a", count: 65_530)
        #expect(error("x CAA 0 issue \"\(tooMuch)\"") == "line 3: CAA: 65537 octets of data (at most 65535)")
    }

    /// Uncompressed RDATA the wire reader refuses, with the error.
    @Test(arguments: [
        (DNSType.ds, "ec4505", WireError.badLength(.dns)),                                 // digest type missing
        (DNSType.nsec3param, "01000000 00 ff", WireError.badLength(.dns)),               // an octet after the salt
        (DNSType.nsec3, "01000000 00 00", WireError.badLength(.dns)),                    // empty hash
        (DNSType.nsec, "00 0000", WireError.badField(.dns)),                             // zero-length bitmap
        (DNSType.nsec, "00 0021" + String(repeating: "00", count: 32) + "01", WireError.badField(.dns)),  // 33 octets
        (DNSType.nsec, "00 000240 00", WireError.badField(.dns)),                        // trailing zero octet
        (DNSType.nsec, "00 010140 000140", WireError.badField(.dns)),                    // windows out of order
        (DNSType.nsec, "00 000140 000120", WireError.badField(.dns)),                    // a window twice
        (DNSType.svcb, "0001 00 0003 0002 0035 0001 0003 026832", WireError.badField(.dns)),  // keys descending
        (DNSType.svcb, "0001 00 0003 0002 0035 0003 0002 0035", WireError.badField(.dns)),    // a key twice
        (DNSType.svcb, "0001 00 0000 0002 0001", WireError.badField(.dns)),              // mandatory key missing
        (DNSType.svcb, "0001 00 0001 0003 036832", WireError.badField(.dns)),           // alpn id runs past the value
        (DNSType.svcb, "0001 00 0003 0003 003500", WireError.badField(.dns)),            // port of 3 octets
        (DNSType.svcb, "0001 00 0003 0005 0035", WireError.badLength(.dns)),             // value past the end
        (DNSType.svcb, "0001 00 ffff 0000", WireError.badField(.dns)),                   // key 65535
        (DNSType.loc, "01 121613 89172dd0 70be15f0 00988d20", WireError.badVersion(.dns)),
        (DNSType.loc, "00 051613 89172dd0 70be15f0 00988d20", WireError.badField(.dns)),  // size 0e5
        (DNSType.loc, "00 a21613 89172dd0 70be15f0 00988d20", WireError.badField(.dns)),  // mantissa 10
        (DNSType.loc, "00 121613 ffffffff 70be15f0 00988d20", WireError.badField(.dns)),  // latitude past 90°
        (DNSType.loc, "00 121613 89172dd0 70be15f0 00988d", WireError.badLength(.dns)),
        (DNSType.apl, "0003 08 01 0a", WireError.badField(.dns)),                        // family 3
        (DNSType.apl, "0001 08 02 0a00", WireError.badField(.dns)),                      // trailing zero octet
        (DNSType.apl, "0001 21 01 0a", WireError.badField(.dns)),                        // prefix 33
        (DNSType.apl, "0001 08 05 0a00000001", WireError.badField(.dns)),                // 5 octets of IPv4
        (DNSType.ipseckey, "0a 04 02 0102", WireError.badField(.dns)),                   // gateway type 4
        (DNSType.ipseckey, "0a 01 02 c000", WireError.badLength(.dns)),                  // IPv4 gateway cut
        (DNSType.caa, "00 00", WireError.badLength(.dns)),                               // empty tag
        (DNSType.caa, "00 02 2d61", WireError.badField(.dns)),                           // '-' in the tag
        (DNSType.hinfo, "01 41", WireError.badLength(.dns)),                             // one string
        (DNSType.eui48, "00005e00532a00", WireError.badLength(.dns)),
        (DNSType.dname, "01 61 c0 00", WireError.badPointer),                            // no pointer outside a message
        (DNSType.rrsig, "0001 05 03 00015180 00000000 00000000 0a52 01", WireError.truncated(.dns, needed: 20, available: 19)),  // signer cut
    ])
    func wireRefusal(_ type: DNSType, _ hex: String, _ expected: WireError) {
        #expect(throws: expected) { _ = try DNSRecordData(type: type, rdata: hexBytes(hex)) }
    }

    /// In a message, names in RP/AFSDB/NAPTR may be compressed (RFC 3597 §4) and are decompressed;
    /// RRSIG's signer, NSEC's next name, DNAME's target, KX and SVCB targets may not be.
    @Test func compressionOnlyWhereRFC3597Allows() throws {
        // A message: header, question "a.example." A IN, then one answer whose RDATA is `rdata`.
        func message(_ type: DNSType, _ rdata: [UInt8]) -> [UInt8] {
            var m: [UInt8] = [0, 1, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0]
            m += [1, 0x61, 7] + Array("example".utf8) + [0, 0, 1, 0, 1]   // question name at offset 12
            m += [0xC0, 12, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1, 0, 0, 0, 60]
            m += [UInt8(rdata.count >> 8), UInt8(rdata.count & 0xFF)] + rdata
            return m
        }
        let full = [1, 0x61, 7] + Array("example".utf8) + [0]
        let rp = try DNSMessage(parsing: message(.rp, [0xC0, 12, 0xC0, 14]).span)
        #expect(rp.answers.first?.data == .unknown(.rp, full + Array(full.dropFirst(2))))
        let afsdb = try DNSMessage(parsing: message(.afsdb, [0, 1, 0xC0, 12]).span)
        #expect(afsdb.answers.first?.data == .unknown(.afsdb, [0, 1] + full))
        let naptr = try DNSMessage(parsing: message(.naptr, [0, 1, 0, 2, 0, 0, 0, 0xC0, 12]).span)
        #expect(naptr.answers.first?.data == .unknown(.naptr, [0, 1, 0, 2, 0, 0, 0] + full))
        // Written back uncompressed, as the octets are held.
        let out = try DNSMessage(header: DNSHeader(id: 1), answers: rp.answers).emit()
        #expect(Array(out.suffix(full.count * 2 - 2)) == full + Array(full.dropFirst(2)))
        let refused: [(DNSType, [UInt8])] = [
            (.dname, [0xC0, 12]),
            (.nsec, [0xC0, 12, 0, 1, 0x40]),
            (.kx, [0, 1, 0xC0, 12]),
            (.svcb, [0, 1, 0xC0, 12]),
            (.rrsig, [0, 1, 5, 3, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0x0A, 0x52, 0xC0, 12, 0xAA]),
        ]
        for (type, rdata) in refused {
            #expect(throws: WireError.badPointer, "\(type)") { _ = try DNSMessage(parsing: message(type, rdata).span) }
        }
    }
}
