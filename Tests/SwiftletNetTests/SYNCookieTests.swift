// SYN cookies on their own (RFC 4987 §3.6): what a cookie carries comes back, a guess or a tampered
// cookie does not validate, and a cookie is never valid again after its two 64-second slots.

import Testing
import Swiftlet
import SwiftletWire
@testable import SwiftletNet

private let server = TCPEndpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
private let client = TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
private let cookies = SYNCookie(key0: 0x1234_5678, key1: 0x9ABC_DEF0)
private let t0 = Instant(nanoseconds: 1_000 * 64_000_000_000 + 5_000_000_000)

/// The handshake's third segment for a cookie `iss`, with our timestamp `tsval` echoed.
private func ack(_ iss: TCPSequenceNumber, clientISN: UInt32 = 777, tsval: UInt32? = nil) -> TCPHeader {
    var options = TCPOptions()
    if let tsval { options.timestamps = TCPTimestamps(value: 5, echoReply: tsval) }
    return TCPHeader(sourcePort: client.port, destinationPort: server.port, sequenceNumber: TCPSequenceNumber(clientISN) + 1,
                     acknowledgmentNumber: iss + 1, flags: .ack, window: 1000, options: options)
}

@Suite struct SYNCookieTests {
    @Test func whatACookieCarriesComesBack() throws {
        let iss = cookies.sequenceNumber(local: server, remote: client, clientISN: TCPSequenceNumber(777), peerMSS: 1400, now: t0)
        let ts = SYNCookie.timestampValue(clock: 123_456, windowScale: 7, sackPermitted: true)
        #expect(ts <= 123_456)
        let d = try #require(cookies.validate(ack(iss, tsval: ts), local: server, remote: client, now: t0 + .seconds(3)))
        #expect(d == SYNCookie.Decoded(mss: 1400, windowScale: 7, sackPermitted: true, timestamps: true))
        // Without timestamps: only the MSS (the largest in the table not above the peer's).
        let iss2 = cookies.sequenceNumber(local: server, remote: client, clientISN: TCPSequenceNumber(777), peerMSS: 1000, now: t0)
        #expect(cookies.validate(ack(iss2), local: server, remote: client, now: t0)
                == SYNCookie.Decoded(mss: 536, windowScale: nil, sackPermitted: false, timestamps: false))
    }

    @Test func aCookieLivesTwoSlotsAndNeverComesBack() {
        let iss = cookies.sequenceNumber(local: server, remote: client, clientISN: TCPSequenceNumber(777), peerMSS: 1460, now: t0)
        #expect(cookies.validate(ack(iss), local: server, remote: client, now: t0 + .seconds(64)) != nil)
        #expect(cookies.validate(ack(iss), local: server, remote: client, now: t0 + .seconds(128)) == nil)
        // 32 slots later the 5 bits it carries are current again: still invalid (the hash has the whole slot).
        for k in [32, 33, 64] {
            #expect(cookies.validate(ack(iss), local: server, remote: client, now: t0 + .seconds(64 * Int64(k))) == nil)
        }
    }

    @Test func guessesAndTamperingDoNotValidate() {
        let iss = cookies.sequenceNumber(local: server, remote: client, clientISN: TCPSequenceNumber(777), peerMSS: 1460, now: t0)
        // Another client ISN, another port, the MSS bits changed, a neighbouring hash.
        #expect(cookies.validate(ack(iss, clientISN: 778), local: server, remote: client, now: t0) == nil)
        #expect(cookies.validate(ack(iss), local: server, remote: TCPEndpoint(address: client.address, port: 40001), now: t0) == nil)
        #expect(cookies.validate(ack(TCPSequenceNumber(iss.rawValue ^ 0x0100_0000)), local: server, remote: client, now: t0) == nil)
        #expect(cookies.validate(ack(iss + 1), local: server, remote: client, now: t0) == nil)
        var accepted = 0
        var rng: UInt64 = 1
        for _ in 0..<100_000 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            if cookies.validate(ack(TCPSequenceNumber(UInt32(truncatingIfNeeded: rng >> 32))), local: server, remote: client, now: t0) != nil { accepted += 1 }
        }
        #expect(accepted <= 1)  // 2^-24 each (with the slot's 5 bits, 2^-29)
    }
}
