// SwiftletNet: SYN cookies (RFC 4987 §3.6): when a listener's backlog is full, the SYN-ACK's initial
// sequence number carries what the handshake needs, so a SYN costs no state and a flood of spoofed SYNs
// cannot lock legitimate clients out.
//
// ISN = t (5 bits: a 64-second slot, mod 32) | m (3 bits: index into `mssTable`) | h (24 bits: a keyed
// SipHash of both endpoints, the client's ISN, m and the whole slot counter, not just its 5 bits, so a
// cookie seen once cannot be replayed when the 5 bits come round again). The returning ACK acknowledges
// ISN + 1; the cookie is valid when h matches for the current slot or the one before (64 to 128 s). Options the ISN has no room for go,
// as Linux does, in the low 6 bits of our timestamp: the peer echoes it in every segment, so they come back
// with the ACK. Without timestamps, a cookie connection has neither window scaling nor SACK, so the
// SYN-ACK does not offer them. Pure functions of their inputs: no state, no clock.

import Swiftlet
import SwiftletWire

struct SYNCookie {
    /// MSS values a cookie can carry: the largest not above the peer's is chosen.
    static let mssTable: [UInt16] = [216, 536, 1024, 1220, 1300, 1400, 1440, 1460]
    /// Timestamp bits: window scale in bits 0-3 (15: none), SACK-permitted in bit 4.
    static let noWindowScale: UInt32 = 0xF
    static let sackBit: UInt32 = 0x10
    static let optionBits: UInt32 = 0x3F

    struct Decoded: Equatable {
        var mss: UInt16
        var windowScale: UInt8?
        var sackPermitted: Bool
        var timestamps: Bool
    }

    let key0: UInt64
    let key1: UInt64

    /// The 64-second slot of `now` (the ISN carries its low 5 bits; the hash covers all of it, so a cookie
    /// seen once is never valid again after its two slots).
    static func slot(_ now: Instant) -> UInt64 { UInt64(max(now.nanoseconds, 0)) / 64_000_000_000 }

    private func hash(local: TCPEndpoint, remote: TCPEndpoint, clientISN: TCPSequenceNumber, slot: UInt64, mssIndex: UInt32) -> UInt32 {
        var h = SipHash24(key0: key0 ^ 0x5359_4E43_4F4F_4B49, key1: key1)
        h.add(local.address); h.add(local.port); h.add(remote.address); h.add(remote.port)
        h.add(clientISN.rawValue); h.add(UInt32(truncatingIfNeeded: slot)); h.add(UInt32(truncatingIfNeeded: slot >> 32)); h.add(mssIndex)
        return UInt32(truncatingIfNeeded: h.finish()) & 0xFF_FFFF
    }

    /// Our ISN for a SYN-ACK answering `clientISN` whose MSS option was `peerMSS`.
    func sequenceNumber(local: TCPEndpoint, remote: TCPEndpoint, clientISN: TCPSequenceNumber, peerMSS: UInt16,
                        now: Instant) -> TCPSequenceNumber {
        var m = 0
        for (i, v) in SYNCookie.mssTable.enumerated() where v <= peerMSS { m = i }
        let t = SYNCookie.slot(now)
        return TCPSequenceNumber(UInt32(truncatingIfNeeded: t & 31) << 27 | UInt32(m) << 24
                                 | hash(local: local, remote: remote, clientISN: clientISN, slot: t, mssIndex: UInt32(m)))
    }

    /// The timestamp value to send: `clock` with its low bits replaced by the options, never above `clock`
    /// (the peer's PAWS would otherwise see our next segments go back in time).
    static func timestampValue(clock: UInt32, windowScale: UInt8?, sackPermitted: Bool) -> UInt32 {
        let bits = (windowScale.map { UInt32(min($0, 14)) } ?? noWindowScale) | (sackPermitted ? sackBit : 0)
        var v = (clock & ~optionBits) | bits
        if Int32(bitPattern: v &- clock) > 0 { v = v &- (optionBits + 1) }
        return v
    }

    /// What the handshake negotiated, if `ack` (the third segment, or the first data segment) returns a
    /// cookie of ours no more than one slot old.
    func validate(_ ack: TCPHeader, local: TCPEndpoint, remote: TCPEndpoint, now: Instant) -> Decoded? {
        let cookie = (ack.acknowledgmentNumber - 1).rawValue
        let clientISN = ack.sequenceNumber - 1
        let current = SYNCookie.slot(now)
        // The slot it was made in: this one or the one before, whichever has the low bits it carries.
        let t = UInt64(cookie >> 27) == current & 31 ? current : current &- 1
        guard t & 31 == UInt64(cookie >> 27) else { return nil }
        let m = cookie >> 24 & 7
        guard cookie & 0xFF_FFFF == hash(local: local, remote: remote, clientISN: clientISN, slot: t, mssIndex: m) else { return nil }
        let mss = SYNCookie.mssTable[Int(m)]
        guard let ts = ack.options.timestamps else {
            return Decoded(mss: mss, windowScale: nil, sackPermitted: false, timestamps: false)
        }
        let bits = ts.echoReply & SYNCookie.optionBits
        let scale = bits & 0xF
        return Decoded(mss: mss, windowScale: scale == SYNCookie.noWindowScale ? nil : UInt8(scale),
                       sackPermitted: bits & SYNCookie.sackBit != 0, timestamps: true)
    }
}
