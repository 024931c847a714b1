// Presentation ↔ wire for the record types beyond the typed ones, checked against the RFCs' own
// examples: RFC 4034 §2.3/§3.3/§4.3/§5.4 (DNSKEY key tags 2642 and 60485 recomputed from our octets, RRSIG
// times, the NSEC wire form), RFC 5155 Appendix A (NSEC3), RFC 4648 §10 (base64, base32hex), RFC 1876
// (LOC), RFC 3123 (APL), RFC 9460 Appendix D (SVCB/HTTPS test vectors), RFC 8659 (CAA), RFC 7043 (EUI),
// RFC 3597 §5 (generic forms), and DNSType's mnemonics.

import Foundation
import Testing
import Swiftlet
@testable import SwiftletWire
@testable import SwiftletDNS

func hexBytes(_ s: String) -> [UInt8] {
    let digits = Array(s.utf8.filter { $0 != 32 })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
}

/// The one record a line (with `$ORIGIN example.` and `$TTL 3600` before it) gives.
func record(_ line: String) throws -> DNSRecord {
    let records = try ZoneFile.parse("$ORIGIN example.\n$TTL 3600\n" + line + "\n")
    guard records.count == 1 else { throw ZoneError(line: 0, "\(records.count) records") }
    return records[0]
}

/// The RDATA of the line's record, after checking that our presentation of it parses to the same octets.
func rdata(_ line: String) throws -> [UInt8] {
    let r = try record(line)
    let again = try record(DNSPresentation.record(r))
    #expect(again.data.rdata == r.data.rdata, "\(DNSPresentation.record(r))")
    return r.data.rdata
}

/// RFC 4034 Appendix B: the key tag of a DNSKEY RDATA (algorithm ≠ 1).
func keyTag(_ rdata: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    for (i, b) in rdata.enumerated() { sum += i & 1 == 0 ? UInt32(b) << 8 : UInt32(b) }
    sum += sum >> 16 & 0xFFFF
    return UInt16(sum & 0xFFFF)
}

@Suite struct RecordTypeTests {
    @Test func dnskeyOctetsGiveTheRFCsKeyTags() throws {
        // RFC 4034 §2.3: example.com's zone key; §3.3's RRSIG names it by key tag 2642.
        let key = try rdata("""
            example.com. 86400 IN DNSKEY 256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3
                Cbl+BBZH4b/0PY1kxkmvHjcZc8no kfzj31GajIQKY+5CptLr3buXA10h WqTkF7H6RfoRqXQeogmMHfpftf6z
                Mv1LyBUgia7za6ZEzOJBOztyvhjL 742iU/TpPSEDhm2SNKLijfUppn1U aNvv4w== )
            """)
        #expect(Array(key.prefix(4)) == [0x01, 0x00, 0x03, 0x05])
        #expect(keyTag(key) == 2642)
        // RFC 4034 §5.4: dskey.example.com's key, key id 60485 (the DS record's key tag).
        let dskey = try rdata("""
            dskey.example.com. 86400 IN DNSKEY 256 3 RSASHA1 ( AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/
                2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvx egXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc
                nOf+EPbtG9DMBmADjFDc2w/rljwvFw== )
            """)
        #expect(keyTag(dskey) == 60485)
        let ds = try rdata("dskey.example.com. 86400 IN DS 60485 5 1 ( 2BB183AF5F22588179A53B0A 98631FAD1A292118 )")
        #expect(ds == [0xEC, 0x45, 5, 1] + hexBytes("2BB183AF5F22588179A53B0A98631FAD1A292118"))
    }

    @Test func rrsigFieldsAndTimes() throws {
        // RFC 4034 §3.3.
        let sig = try rdata("""
            host.example.com. 86400 IN RRSIG A 5 3 86400 20030322173103 ( 20030220173103 2642 example.com.
                oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTr PYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o
                B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3t GNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG J5D6fwFm8nN+6pBzeDQfsS3Ap3o= )
            """)
        // Foundation's calendar, an independent date computation, for the two times.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func seconds(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> UInt32 {
            UInt32(calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!.timeIntervalSince1970)
        }
        func u32(_ at: Int) -> UInt32 { sig[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        #expect(Array(sig.prefix(8)) == [0, 1, 5, 3, 0, 1, 0x51, 0x80])
        #expect(u32(8) == seconds(2003, 3, 22, 17, 31, 3))
        #expect(u32(12) == seconds(2003, 2, 20, 17, 31, 3))
        #expect(Array(sig[16..<18]) == [0x0A, 0x52])
        #expect(Array(sig[18..<31]) == [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0])
        // The decimal form of a time means the same.
        let decimal = try rdata("x RRSIG A 5 3 86400 \(seconds(2003, 3, 22, 17, 31, 3)) 20030220173103 2642 example.com. AAAA")
        #expect(Array(decimal[8..<12]) == Array(sig[8..<12]))
        #expect(DNSText.date(0) == "19700101000000" && DNSText.date(UInt32.max) == "21060207062815")
        #expect(DNSText.date(decoding: Array("21060207062815".utf8)) == UInt32.max)
    }

    @Test func nsecWireFormIsTheRFCs() throws {
        // RFC 4034 §4.3, the wire form given there.
        let nsec = try rdata("alfa.example.com. 86400 IN NSEC host.example.com. ( A MX RRSIG NSEC TYPE1234 )")
        let expected = [4] + Array("host".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
            + [0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1B] + [UInt8](repeating: 0, count: 26) + [0x20]
        #expect(nsec == expected)
    }

    @Test func nsec3AndNsec3param() throws {
        // RFC 5155 Appendix A.
        let nsec3 = try rdata("""
            0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 1 12 aabbccdd (
                2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )
            """)
        #expect(Array(nsec3.prefix(9)) == [1, 1, 0, 12, 4, 0xAA, 0xBB, 0xCC, 0xDD])
        #expect(nsec3[9] == 20)  // SHA-1's 20 octets in 32 base32hex digits
        #expect(Array(nsec3[30...]) == [0x00, 0x07, 0x22, 0x01, 0x00, 0x00, 0x00, 0x02, 0x90])
        #expect(try rdata("example. NSEC3PARAM 1 0 12 aabbccdd") == [1, 0, 0, 12, 4, 0xAA, 0xBB, 0xCC, 0xDD])
        #expect(try rdata("example. NSEC3PARAM 1 0 0 -") == [1, 0, 0, 0, 0])
    }

    @Test func base64AndBase32hexMatchRFC4648Vectors() {
        let inputs = ["", "f", "fo", "foo", "foob", "fooba", "foobar"]
        let base64 = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"]
        let base32hex = ["", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1", "CPNMUOJ1E8"]  // §10, padding dropped
        for (k, input) in inputs.enumerated() {
            #expect(DNSText.base64(Array(input.utf8)) == base64[k])
            #expect(DNSText.base64(decoding: Array(base64[k].utf8)) == Array(input.utf8))
            #expect(DNSText.base32hex(Array(input.utf8)) == base32hex[k])
            #expect(DNSText.base32hex(decoding: Array(base32hex[k].lowercased().utf8)) == Array(input.utf8))
        }
        #expect(DNSText.base64(decoding: Array("Zg=a".utf8)) == nil)
        #expect(DNSText.base64(decoding: Array("Zg".utf8)) == nil)
        #expect(DNSText.base32hex(decoding: Array("CPW".utf8)) == nil)
    }

    @Test func locFromRFC1876() throws {
        let loc = try rdata("cambridge-net.kei.com. LOC 42 21 54 N 71 06 18 W -24m 30m")
        #expect(loc == [0x00, 0x33, 0x16, 0x13] + hexBytes("89172dd0 70be15f0 00988d20"))
        let precise = try rdata("SW1A2AA.find.uk.com. LOC 51 30 12.748 N 0 7 39.611 W 0.00m 0.00m 0.00m 0.00m")
        #expect(Array(precise.prefix(4)) == [0, 0, 0, 0])
        #expect(DNSPresentation.rdata(try record("x LOC 51 30 12.748 N 0 7 39.611 W 0.00m 0.00m 0.00m 0.00m").data)
                == "51 30 12.748 N 0 7 39.611 W 0.00m 0m 0m 0m")
    }

    @Test func aplFromRFC3123() throws {
        #expect(try rdata("foo.example. APL 1:192.168.32.0/21 !1:192.168.38.0/28")
                == hexBytes("0001 15 03 c0a820 0001 1c 83 c0a826"))
        #expect(try rdata("multicast.example. APL 1:224.0.0.0/4 2:FF00:0:0:0:0:0:0:0/8") == hexBytes("0001 04 01 e0 0002 08 01 ff"))
        #expect(try rdata("empty.example. APL") == [])
    }

    /// RFC 9460 Appendix D.1 and D.2: presentation → wire, and back.
    @Test(arguments: [
        ("HTTPS 0 foo.example.com.", "0000 03666f6f 076578616d706c65 03636f6d 00"),
        ("SVCB 1 .", "0001 00"),
        ("SVCB 16 foo.example.com. port=53", "0010 03666f6f076578616d706c6503636f6d00 0003 0002 0035"),
        ("SVCB 1 foo.example.com. key667=hello", "0001 03666f6f076578616d706c6503636f6d00 029b 0005 68656c6c6f"),
        ("SVCB 1 foo.example.com. key667=\"hello\\210qoo\"", "0001 03666f6f076578616d706c6503636f6d00 029b 0009 68656c6c6fd2716f6f"),
        ("SVCB 1 foo.example.com. ( ipv6hint=\"2001:db8::1,2001:db8::53:1\" )",
         "0001 03666f6f076578616d706c6503636f6d00 0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001"),
        ("SVCB 1 example.com. ( ipv6hint=\"2001:db8:122:344::192.0.2.33\" )",
         "0001 076578616d706c6503636f6d00 0006 0010 20010db801220344 00000000 c0000221"),
        ("SVCB 16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1 )",
         "0010 03666f6f076578616d706c65036f726700 0000 0004 00010004 0001 0009 026832 0568332d3139 0004 0004 c0000201"),
        ("SVCB 16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
         "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832"),
        ("SVCB 16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
         "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832"),
    ])
    func svcbTestVectors(_ text: String, _ wire: String) throws {
        #expect(try rdata("example.com. " + text) == hexBytes(wire), "\(text)")
    }

    /// RFC 9460 Appendix D.3: each failure case is refused with its line.
    @Test(arguments: [
        ("( key123=abc key123=def )", "the SvcParamKey key123 appears twice"),
        ("mandatory", "'mandatory' needs a value"),
        ("alpn", "'alpn' needs a value"),
        ("port", "'port' needs a value"),
        ("ipv4hint", "'ipv4hint' needs a value"),
        ("ipv6hint", "'ipv6hint' needs a value"),
        ("no-default-alpn=abc", "'no-default-alpn=abc': this key takes no value"),
        ("mandatory=key123", "the mandatory list names key123, which is not there"),
        ("( mandatory=mandatory )", "the mandatory list must name other keys, each once"),
        ("( mandatory=key123,key123 key123=abc )", "the mandatory list must name other keys, each once"),
    ])
    func svcbFailureCases(_ params: String, _ message: String) {
        do throws(ZoneError) {
            _ = try ZoneFile.parse("$ORIGIN example.\n$TTL 3600\nexample.com. SVCB 1 foo.example.com. " + params + "\n")
            Issue.record("accepted: \(params)")
        } catch {
            #expect(error.line == 3 && error.message.contains(message), "\(error)")
        }
    }

    @Test func caaEuiUriAndOthers() throws {
        // RFC 8659 §4.
        #expect(try rdata("example. CAA 0 issue \"ca.example.net\"") == [0, 5] + Array("issueca.example.net".utf8))
        #expect(try rdata("example. CAA 128 tbs \"Unknown\"") == [128, 3] + Array("tbsUnknown".utf8))
        // RFC 7043 §3.2, §4.2.
        #expect(try rdata("host.example. 86400 IN EUI48 00-00-5e-00-53-2a") == [0x00, 0x00, 0x5E, 0x00, 0x53, 0x2A])
        #expect(try rdata("host.example. 86400 IN EUI64 00-00-5e-ef-10-00-00-2a") == [0x00, 0x00, 0x5E, 0xEF, 0x10, 0x00, 0x00, 0x2A])
        // RFC 7553 §4.
        #expect(try rdata("_ftp._tcp URI 10 1 \"ftp://ftp1.example.com/public\"") == [0, 10, 0, 1] + Array("ftp://ftp1.example.com/public".utf8))
        // RFC 4025 §3: gateway by type.
        #expect(try rdata("x IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==").prefix(7)
                == [10, 1, 2, 192, 0, 2, 38])
        #expect(try rdata("x IPSECKEY 10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==").prefix(4) == [10, 0, 2, 0x01])
        // RFC 4398 §2.1 mnemonics.
        #expect(try rdata("x CERT PGP 0 RSASHA256 AQID") == [0, 3, 0, 0, 8, 1, 2, 3])
        #expect(try rdata("x HINFO \"PC-Intel-700mhz\" Linux") == [15] + Array("PC-Intel-700mhz".utf8) + [5] + Array("Linux".utf8))
        #expect(try rdata("x NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.")
                == [0, 100, 0, 10, 1, 0x53, 7] + Array("SIP+D2U".utf8) + [0, 4] + Array("_sip".utf8) + [4] + Array("_udp".utf8) + [7] + Array("example".utf8) + [0])
        #expect(try rdata("x CSYNC 66 3 A NS AAAA") == [0, 0, 0, 66, 0, 3, 0, 4, 0x60, 0, 0, 0x08])
    }

    /// RFC 3597 §5: the generic form for any type, and for a known type (which must then be valid).
    @Test func genericForms() throws {
        #expect(try record("a.example. TYPE731 \\# 6 abcd ( ef 01 23 45 )").data == .unknown(DNSType(rawValue: 731), hexBytes("abcdef012345")))
        #expect(try record("b.example. TYPE62347 \\# 0").data == .unknown(DNSType(rawValue: 62347), []))
        #expect(try record("e.example. IN A \\# 4 0A000001").data == .a(IPv4Address(10, 0, 0, 1)))
        #expect(try record("e.example. CLASS1 TYPE1 10.0.0.2").data == .a(IPv4Address(10, 0, 0, 2)))
        #expect(try record("d.example. TYPE43 \\# 5 ec45050100") == record("d.example. DS 60485 5 1 00"))
        #expect(DNSPresentation.rdata(.unknown(DNSType(rawValue: 731), hexBytes("abcdef012345"))) == "\\# 6 ABCDEF012345")
    }

    @Test func typeMnemonics() {
        for (value, name) in DNSType.mnemonics {
            #expect(DNSType(rawValue: value).description == name)
            #expect(DNSType(mnemonic: name) == DNSType(rawValue: value))
            #expect(DNSType(mnemonic: name.lowercased()) == DNSType(rawValue: value))
            #expect(DNSType(mnemonic: "TYPE\(value)") == DNSType(rawValue: value))
        }
        #expect(DNSType.rrsig.description == "RRSIG" && DNSType(rawValue: 65534).description == "TYPE65534")
        #expect(DNSType(mnemonic: "type65535") == DNSType(rawValue: 65535))
        #expect(DNSType(mnemonic: "TYPE65536") == nil && DNSType(mnemonic: "TYPE") == nil && DNSType(mnemonic: "TYPE1x") == nil)
        #expect(DNSType(mnemonic: "BOGUS") == nil)
        #expect(DNSClass(mnemonic: "CLASS1") == .internet && DNSClass(mnemonic: "in") == .internet)
        #expect(DNSClass(rawValue: 32).description == "CLASS32" && DNSClass(mnemonic: "CLASS32") == DNSClass(rawValue: 32))
    }
}
