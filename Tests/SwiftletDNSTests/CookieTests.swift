// SipHash-2-4 (SwiftletDNS/SipHash.swift) against the reference vectors of its authors, and DNS cookies
// (SwiftletDNS/Cookies.swift) against the worked examples of RFC 9018 Appendix A, plus each refusal and
// each time limit of RFC 7873 §5.2 and RFC 9018 §4.3.

import Testing
import Swiftlet
import SwiftletDNS


@Suite struct SipHashTests {
    /// The 64 outputs of SipHash-2-4 in the reference implementation's vectors.h (github.com/veorq/SipHash):
    /// key 00 01 .. 0f, message 00 01 .. (n-1) for n = 0..63, the output as its 8 little-endian bytes.
    static let vectors = [
        "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
        "b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
        "6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
        "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
        "db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
        "98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
        "94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
        "a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
        "ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
        "b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
        "d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
        "f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
        "51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
        "b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
        "bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
        "e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95",
    ]

    @Test func referenceVectors() {
        let key = (0..<16).map { UInt8($0) }
        for n in 0..<64 {
            let message = (0..<n).map { UInt8($0) }
            let h = SipHasher24.hash(key: key.span, message.span)
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: h >> UInt64(8 * $0)) }
            #expect(bytes == hexBytes(Self.vectors[n]), "message of \(n) bytes")
        }
        // The paper's Appendix A example: a 15-byte message, 0xa129ca6149be45e5.
        #expect(SipHasher24.hash(key: key.span, (0..<15).map { UInt8($0) }.span) == 0xa129_ca61_49be_45e5)
    }

    @Test func appendingInPiecesIsTheSame() {
        let key = (0..<16).map { UInt8($0) }
        var h = SipHasher24(key: key.span)
        h.appendBigEndian(0x0001_0203, count: 4)
        h.append(4)
        h.append([5, 6, 7, 8, 9].span)
        #expect(h.finalize() == SipHasher24.hash(key: key.span, (0..<10).map { UInt8($0) }.span))
    }
}

@Suite struct CookieTests {
    static let secret = DNSCookies.Secret(hexBytes("e5e973e5a6b2a43f48e7dc849e37bfcf").span)
    static let client1 = [UInt8]([198, 51, 100, 100])

    // RFC 9018 A.1: a client cookie alone gets a new server cookie.
    @Test func rfc9018LearningANewServerCookie() {
        let reply = DNSCookies.reply(to: hexBytes("2464c4abcf10c957").span, clientAddress: Self.client1.span,
                                     unixTime: 1_559_731_985, secret: Self.secret)
        #expect(reply == .cookie(hexBytes("2464c4abcf10c957010000005cf79f111f8130c3eee29480"), validServerCookie: false))
    }

    // RFC 9018 A.2: 40 minutes later the cookie is still valid, but older than half an hour: renewed.
    @Test func rfc9018ARenewedServerCookie() {
        let option = hexBytes("2464c4abcf10c957010000005cf79f111f8130c3eee29480")
        let reply = DNSCookies.reply(to: option.span, clientAddress: Self.client1.span, unixTime: 1_559_734_385, secret: Self.secret)
        #expect(reply == .cookie(hexBytes("2464c4abcf10c957010000005cf7a871d4a564a1442aca77"), validServerCookie: true))
        // Ten minutes after it was made it comes back as it was.
        #expect(DNSCookies.reply(to: option.span, clientAddress: Self.client1.span, unixTime: 1_559_731_985 + 600, secret: Self.secret)
                == .cookie(option, validServerCookie: true))
    }

    // RFC 9018 A.3: reserved bytes set are hashed as they came. At the example's reply time the cookie is
    // 1 h 52 min old, beyond the hour this server keeps, so it gets the example's fresh cookie; within the
    // hour it is valid.
    @Test func rfc9018AnotherClientWithReservedBytes() {
        let address = [UInt8]([203, 0, 113, 203])
        let option = hexBytes("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5")
        let withinTheHour = DNSCookies.verify(option.span, clientAddress: address.span, unixTime: 1_559_727_985 + 60, secret: Self.secret)
        #expect(withinTheHour)
        let reply = DNSCookies.reply(to: option.span, clientAddress: address.span, unixTime: 1_559_734_700, secret: Self.secret)
        #expect(reply == .cookie(hexBytes("fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e"), validServerCookie: false))
    }

    // RFC 9018 A.4: an IPv6 client; the cookie made under the old secret verifies with it, and the new
    // secret makes the example's new cookie.
    @Test func rfc9018IPv6AndARolledSecret() {
        let address = hexBytes("20010db80220000159ded0f4876982b8")
        let old = DNSCookies.Secret(hexBytes("dd3bdf9344b678b185a6f5cb60fca715").span)
        let new = DNSCookies.Secret(hexBytes("445536bcd2513298075a5d379663c962").span)
        let option = hexBytes("22681ab97d52c298010000005cf7c57926556bd0934c72f8")
        let underOld = DNSCookies.verify(option.span, clientAddress: address.span, unixTime: 1_559_741_961, secret: old)
        let underNew = DNSCookies.verify(option.span, clientAddress: address.span, unixTime: 1_559_741_961, secret: new)
        #expect(underOld && !underNew)
        #expect(DNSCookies.serverCookie(clientCookie: hexBytes("22681ab97d52c298").span, unixTime: 1_559_741_961,
                                        clientAddress: address.span, secret: new) == hexBytes("010000005cf7c609a6bb79d16625507a"))
    }

    // RFC 7873 §5.2.2: lengths other than 8 and 16...40 are malformed.
    @Test func malformedLengthsAreRefused() {
        for n in [0, 1, 7, 9, 12, 15, 41, 48] {
            let option = [UInt8](repeating: 0x5A, count: n)
            #expect(DNSCookies.reply(to: option.span, clientAddress: Self.client1.span, unixTime: 1000, secret: Self.secret) == .malformed, "length \(n)")
        }
        for n in [8, 16, 24, 40] {
            let option = [UInt8](repeating: 0x5A, count: n)
            guard case .cookie(let data, let valid) = DNSCookies.reply(to: option.span, clientAddress: Self.client1.span, unixTime: 1000, secret: Self.secret) else {
                Issue.record("length \(n) refused"); continue
            }
            #expect(data.count == 24 && Array(data[0..<8]) == Array(option[0..<8]) && !valid)
        }
    }

    // RFC 9018 §4.3: an hour of life, five minutes of future, the hash bound to the client and the cookie.
    @Test func validityLimits() {
        let made: UInt32 = 0xFFFF_FF00  // near the wrap: serial arithmetic must carry it
        let client = hexBytes("0102030405060708")
        let option = client + DNSCookies.serverCookie(clientCookie: client.span, unixTime: made, clientAddress: Self.client1.span, secret: Self.secret)
        func valid(_ t: UInt32, _ o: [UInt8] = option, _ a: [UInt8] = Self.client1) -> Bool {
            DNSCookies.verify(o.span, clientAddress: a.span, unixTime: t, secret: Self.secret)
        }
        #expect(valid(made))
        #expect(valid(made &+ 3600))
        #expect(!valid(made &+ 3601))
        #expect(valid(made &- 300))
        #expect(!valid(made &- 301))
        #expect(!valid(made, option, [198, 51, 100, 101]))  // another address
        var other = option
        other[0] ^= 1
        #expect(!valid(made, other))  // another client cookie
        other = option
        other[23] ^= 0x80
        #expect(!valid(made, other))  // a damaged hash
        other = option
        other[8] = 2
        #expect(!valid(made, other))  // an unknown version
        #expect(!valid(made, Array(option[0..<16])))  // too short to be ours
        // An expired cookie is replaced by a fresh one.
        guard case .cookie(let data, false) = DNSCookies.reply(to: option.span, clientAddress: Self.client1.span, unixTime: made &+ 4000, secret: Self.secret) else {
            Issue.record("expired cookie not renewed"); return
        }
        #expect(Array(data[12..<16]) == [0x00, 0x00, 0x0E, 0xA0])  // made + 4000 wrapped: 0x00000EA0
    }
}
