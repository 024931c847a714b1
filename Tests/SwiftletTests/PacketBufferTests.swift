// PacketBuffer: headers go into headroom without moving the payload; every misuse is a typed error.

import Testing
@testable import Swiftlet

@Suite struct PacketBufferTests {
    @Test func buildFromTheInsideOut() throws {
        var p = PacketBuffer(capacity: 64, headroom: 20)
        try p.append(contentsOf: [1, 2, 3].span)
        try p.prepend(4)
        p.withMutableBytes { bytes in
            for i in 0..<4 { bytes[i] = 0xA0 + UInt8(i) }
        }
        #expect(p.array == [0xA0, 0xA1, 0xA2, 0xA3, 1, 2, 3])
        #expect(p.headroom == 16)
        try p.consumeFront(4)
        #expect(p.array == [1, 2, 3])
        try p.truncate(to: 1)
        #expect(p.array == [1])
    }

    @Test func misuseIsReported() {
        var p = PacketBuffer(capacity: 8, headroom: 2)
        #expect(throws: PacketBufferError.noHeadroom(needed: 3, available: 2)) { try p.prepend(3) }
        #expect(throws: PacketBufferError.noTailroom(needed: 7, available: 6)) { try p.append(7) }
        #expect(throws: PacketBufferError.tooShort(needed: 1, available: 0)) { try p.consumeFront(1) }
        #expect(throws: PacketBufferError.tooShort(needed: 1, available: 0)) { try p.truncate(to: 1) }
        #expect(throws: PacketBufferError.noHeadroom(needed: -1, available: 2)) { try p.prepend(-1) }
    }
}
