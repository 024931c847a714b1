// The RFB session (RFC 6143 §7.1-7.5) fed byte by byte as a viewer would send them: versions 3.3, 3.7
// and 3.8, both security types, ServerInit, every client message, and what must close a connection.

import Testing
@testable import SwiftletVNC

@Suite struct SessionTests {
    let challenge: [UInt8] = Array(0..<16)

    func session(_ security: RFBServerSession.Security = .none) -> RFBServerSession {
        RFBServerSession(security: security, name: "test", width: 640, height: 480, challenge: challenge)
    }

    @Test func testDESKnownAnswers() {
        // FIPS 46 worked example; the VNC response checked against vncdotool's (Python cryptography) DES.
        #expect(DES.encrypt(0x0123_4567_89AB_CDEF, key: 0x1334_5779_9BBC_DFF1) == 0x85E8_1354_0F0A_B405)
        #expect(DES.vncResponse(challenge: challenge, password: Array("secret".utf8)) == [0xee, 0x22, 0x53, 0x9f, 0x33, 0xa5, 0x98, 0x3e, 0xc1, 0x2f, 0x9c, 0x2e, 0xdb, 0xc9, 0x95, 0xdd])
    }

    func serverInit(name: String = "test") -> [UInt8] {
        var expected: [UInt8] = [0x02, 0x80, 0x01, 0xE0]
        PixelFormat.native.emit(into: &expected)
        expected += [0, 0, 0, UInt8(name.utf8.count)] + Array(name.utf8)
        return expected
    }

    @Test func testVersion38None() {
        var s = session()
        #expect(RFBServerSession.greeting == Array("RFB 003.008\n".utf8))
        var out = s.receive(Array("RFB 003.008\n".utf8))
        #expect(out.reply == [1, 1])
        out = s.receive([1])
        #expect(out.reply == [0, 0, 0, 0], "3.8 sends SecurityResult for None")
        out = s.receive([1])
        #expect(out.reply == serverInit())
        #expect(out.events == [.ready(shared: true)])
        #expect(s.phase == .normal)
    }

    @Test func testVersion37NoneHasNoSecurityResult() {
        var s = session()
        #expect(s.receive(Array("RFB 003.007\n".utf8)).reply == [1, 1])
        #expect(s.receive([1]).reply == [])
        #expect(s.receive([0]).events == [.ready(shared: false)])
    }

    @Test func testVersion33PasswordAndUnknownVersionsAre33() {
        for version in ["RFB 003.003\n", "RFB 003.889\n", "RFB 004.001\n"] {
            var s = session(.password(Array("secret".utf8)))
            #expect(s.receive(Array(version.utf8)).reply == [0, 0, 0, 2] + challenge, Comment(rawValue: version))
            #expect(s.minorVersion == 3)
            let response = DES.vncResponse(challenge: challenge, password: Array("secret".utf8))
            #expect(s.receive(response).reply == [0, 0, 0, 0])
            #expect(s.receive([0]).reply == serverInit())
        }
    }

    @Test func testWrongPasswordFails() {
        var s = session(.password(Array("secret".utf8)))
        _ = s.receive(Array("RFB 003.008\n".utf8))
        #expect(s.receive([2]).reply == challenge)
        let out = s.receive(DES.vncResponse(challenge: challenge, password: Array("guess".utf8)))
        #expect(out.error == .authenticationFailed)
        #expect(Array(out.reply.prefix(4)) == [0, 0, 0, 1])
        #expect(String(decoding: out.reply.dropFirst(8), as: UTF8.self) == "authentication failed")
        #expect(s.phase == .closed)
        #expect(s.receive([1, 2, 3]).reply.isEmpty, "nothing after the end")
    }

    @Test func testSecurityTypeNotOffered() {
        var s = session()
        _ = s.receive(Array("RFB 003.008\n".utf8))
        let out = s.receive([2])
        #expect(out.error == .badSecurityType(2))
        #expect(Array(out.reply.prefix(4)) == [0, 0, 0, 1])
    }

    @Test func testBadVersions() {
        for text in ["RFB 003.00x\n", "HTTP/1.1 200", "RFB 002.000\n", "RFB 003.008 "] {
            var s = session()
            #expect(s.receive(Array(text.utf8)).error == .badVersion, Comment(rawValue: text))
        }
    }

    func ready() -> RFBServerSession {
        var s = session()
        _ = s.receive(Array("RFB 003.008\n".utf8) + [1, 0])
        #expect(s.phase == .normal)
        return s
    }

    @Test func testEveryMessageSplitAtEveryByte() {
        let format = PixelFormat(bitsPerPixel: 16, depth: 16, bigEndian: true, redMax: 31, greenMax: 63, blueMax: 31,
                                 redShift: 11, greenShift: 5, blueShift: 0)
        let messages: [ClientMessage] = [
            .setPixelFormat(format), .setEncodings([.zrle, .hextile, .raw, .cursor, RFBEncoding(rawValue: 12345)]),
            .framebufferUpdateRequest(incremental: true, Rect(x: 1, y: 2, width: 300, height: 400)),
            .key(down: true, keysym: 0xFF0D), .pointer(buttons: 5, x: 639, y: 0), .cutText(Array("héllo".utf8)),
        ]
        var bytes: [UInt8] = []
        for m in messages { m.emit(into: &bytes) }
        for split in 0...bytes.count {
            var s = ready()
            var events = s.receive(Array(bytes[..<split])).events
            events += s.receive(Array(bytes[split...])).events
            #expect(events == messages.map { .message($0) }, "split at \(split)")
            #expect(s.pixelFormat == format)
            #expect(s.encodings.first == .zrle)
        }
        // One byte at a time.
        var s = ready()
        var events: [RFBServerSession.Event] = []
        for b in bytes { events += s.receive([b]).events }
        #expect(events == messages.map { .message($0) })
    }

    @Test func testHostileLengthsAreRefusedBeforeTheBytes() {
        var s = ready()
        // A cut text of 2^32 - 1 bytes: refused on its 8-byte header.
        #expect(s.receive([6, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]).error == .tooLong("ClientCutText", 0xFFFF_FFFF, 65536))
        s = ready()
        #expect(s.receive([2, 0, 0xFF, 0xFF]).error == .tooLong("SetEncodings", 65535, 64))
        s = ready()
        #expect(s.receive([7]).error == .unknownMessage(7))
        s = ready()
        #expect(s.receive([0xFF, 0, 0, 0]).error == .unknownMessage(0xFF))
    }

    @Test func testPixelFormatsRefused() {
        func refused(_ f: PixelFormat) -> Bool {
            var s = ready()
            var bytes: [UInt8] = []
            ClientMessage.setPixelFormat(f).emit(into: &bytes)
            if case .badPixelFormat = s.receive(bytes).error { return true }
            return false
        }
        let good = PixelFormat.native
        #expect(!(refused(good)))
        var f = good; f.bitsPerPixel = 0; #expect(refused(f))
        f = good; f.bitsPerPixel = 24; #expect(refused(f))
        f = good; f.redMax = 0; #expect(refused(f), "zero bits")
        f = good; f.greenMax = 200; #expect(refused(f), "not 2^n - 1")
        f = good; f.redShift = 28; #expect(refused(f), "outside the pixel")
        f = good; f.blueShift = 8; #expect(refused(f), "overlap")
        f = good; f.trueColour = false; #expect(refused(f), "colour map")
        f = good; f.depth = 0; #expect(refused(f))
        let bgr233 = PixelFormat(bitsPerPixel: 8, depth: 8, bigEndian: false, redMax: 7, greenMax: 7, blueMax: 3,
                                 redShift: 0, greenShift: 3, blueShift: 6)
        #expect(!(refused(bgr233)))
    }

    @Test func testInputStaysBounded() {
        var s = ready()
        // Half a SetEncodings of the most encodings allowed waits; nothing more is held.
        var bytes: [UInt8] = []
        ClientMessage.setEncodings([RFBEncoding](repeating: .raw, count: 64)).emit(into: &bytes)
        #expect(s.receive(Array(bytes.prefix(100))).events.isEmpty)
        #expect(s.input.count == 100)
        #expect(s.receive(Array(bytes.dropFirst(100))).events.count == 1)
        #expect(s.input.count == 0)
    }
}
