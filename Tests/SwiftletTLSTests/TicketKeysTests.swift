// Tests of Crypto/TicketSealer.swift: round trip, rotation (previous key opens after one rotation, not after
// two), and refusals (tampered, short, long, unknown key name), none of which throws or traps.
import Testing
import Swiftlet
@testable import SwiftletTLS

@Suite struct TicketKeysTests {
    static let state: [UInt8] = Array("resumption state: suite, psk, issue time".utf8)

    @Test func roundTripAndFormat() {
        let random = SeededKeysEntropy(seed: 11)
        let keys = TicketKeys(random: random)
        let ticket = keys.seal(Self.state, random: random)
        #expect(ticket.count == Self.state.count + TicketKeys.overhead)
        #expect(Array(ticket[0..<16]) == keys.currentName)
        #expect(keys.open(ticket) == Self.state)
        let again = keys.seal(Self.state, random: random)
        #expect(again != ticket)                      // a fresh nonce each time
        #expect(keys.open(again) == Self.state)
        #expect(keys.open(keys.seal([], random: random)) == [])
    }

    @Test func previousKeyOpensAfterOneRotationNotTwo() {
        let random = SeededKeysEntropy(seed: 12)
        var keys = TicketKeys(random: random)
        let old = keys.seal(Self.state, random: random)
        keys.rotate(random: random)
        #expect(keys.open(old) == Self.state)
        let newer = keys.seal(Self.state, random: random)
        #expect(Array(newer[0..<16]) != Array(old[0..<16]))
        keys.rotate(random: random)
        #expect(keys.open(old) == nil)
        #expect(keys.open(newer) == Self.state)
    }

    @Test func badTicketsAreNil() {
        let random = SeededKeysEntropy(seed: 13)
        let keys = TicketKeys(random: random)
        let ticket = keys.seal(Self.state, random: random)
        for i in 0..<ticket.count {                 // name, nonce, ciphertext and tag
            var bad = ticket
            bad[i] ^= 0x80
            #expect(keys.open(bad) == nil)
        }
        #expect(keys.open([]) == nil)
        #expect(keys.open(Array(ticket[0..<(TicketKeys.overhead - 1)])) == nil)
        #expect(keys.open(Array(ticket.dropLast())) == nil)
        #expect(keys.open(ticket + [0]) == nil)
        #expect(keys.open([UInt8](repeating: 0, count: TicketKeys.overhead)) == nil)
        let other = TicketKeys(random: SeededKeysEntropy(seed: 14))
        #expect(other.open(ticket) == nil)          // unknown key name
        var long = ticket
        long.append(contentsOf: [UInt8](repeating: 0, count: TicketKeys.maximumTicketLength + 1 - ticket.count))
        #expect(keys.open(long) == nil)
        // The largest state seals into the largest ticket, which opens.
        let big = [UInt8](repeating: 7, count: TicketKeys.maximumTicketLength - TicketKeys.overhead)
        let bigTicket = keys.seal(big, random: random)
        #expect(bigTicket.count == TicketKeys.maximumTicketLength)
        #expect(keys.open(bigTicket) == big)
    }
}
