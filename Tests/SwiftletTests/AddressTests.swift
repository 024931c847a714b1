// Addresses: text forms (RFC 4291 §2.2, RFC 5952) and prefixes.

import Testing
@testable import Swiftlet

@Suite struct AddressTests {
    @Test func ipv4Text() {
        #expect(IPv4Address("10.0.0.1") == IPv4Address(10, 0, 0, 1))
        #expect(IPv4Address("10.0.0.1")!.description == "10.0.0.1")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "+1.2.3.4", "1234.1.1.1"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
    }

    @Test func ipv4Network() {
        let n = IPv4Network("10.0.0.2/24")!
        #expect(n.networkAddress == IPv4Address(10, 0, 0, 0))
        #expect(n.broadcastAddress == IPv4Address(10, 0, 0, 255))
        #expect(n.contains(IPv4Address(10, 0, 0, 200)))
        #expect(!n.contains(IPv4Address(10, 0, 1, 1)))
        #expect(IPv4Network("0.0.0.0/0")!.contains(IPv4Address(8, 8, 8, 8)))
        #expect(IPv4Network("10.0.0.1/33") == nil)
        #expect(IPv4Network("10.0.0.1") == nil)
    }

    @Test func macText() {
        let m = MACAddress("02:00:5E:10:00:ff")!
        #expect(m.description == "02:00:5e:10:00:ff")
        #expect(!m.isMulticast)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(MACAddress("02:00:5e:10:00") == nil)
        #expect(MACAddress("02:00:5e:10:00:fg") == nil)
        #expect(MACAddress("2:00:5e:10:00:ff") == nil)
    }

    @Test func ipv6Text() {
        let a = IPv6Address("2001:db8::1")!
        #expect(a.high == 0x2001_0db8_0000_0000 && a.low == 1)
        #expect(a.description == "2001:db8::1")
        #expect(IPv6Address("::")!.description == "::")
        #expect(IPv6Address("::1")!.description == "::1")
        #expect(IPv6Address("1:0:0:2:0:0:0:3")!.description == "1:0:0:2::3")
        #expect(IPv6Address("2001:db8:0:1:1:1:1:1")!.description == "2001:db8:0:1:1:1:1:1")
        for bad in ["", ":", "1::2::3", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "g::", "1:", ":1"] {
            #expect(IPv6Address(bad) == nil, "\(bad)")
        }
    }
}
