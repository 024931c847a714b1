// SwiftletVNC: one viewer's RFB session on the server side (RFC 6143 §7.1-7.3, §7.5), with no I/O
// and no clock.
//
// The caller writes `greeting` first, then passes every received chunk to `receive`, writes the reply
// it returns and acts on its events; a non-nil `error` ends the connection (after the reply is written:
// the 3.8 failure reasons are in it). Versions 3.3, 3.7 and 3.8 are spoken; a viewer announcing any other
// 3.x (Apple's 3.889) or a later major version gets 3.3, as §7.1.1 says. Security types: None and VNC
// Authentication (§7.2.1, §7.2.2). Received bytes wait in `input` only while a message is incomplete, and
// `ClientMessage.parse` refuses any length over `RFBLimits` before waiting for it, so `input` is bounded
// by the longest message the limits allow plus one chunk.

public struct RFBServerSession: Sendable {
    public enum Security: Sendable {
        case none
        /// VNC Authentication with this password (only its first 8 bytes count, as in every VNC server).
        case password([UInt8])
    }

    public enum Phase: Equatable, Sendable { case version, securityType, authentication, clientInit, normal, closed }

    public enum Event: Equatable, Sendable {
        /// The handshake is over; `shared` is the viewer's ClientInit flag (other viewers may stay connected).
        case ready(shared: Bool)
        case message(ClientMessage)
    }

    public struct Output: Sendable {
        public var reply: [UInt8] = []
        public var events: [Event] = []
        /// Why the connection must close (after `reply` is written), or nil.
        public var error: RFBError? = nil
    }

    public let security: Security
    public let limits: RFBLimits
    /// The desktop's name, sent in ServerInit.
    public var name: String
    /// The frame buffer's size, sent in ServerInit; the caller keeps it current until then.
    public var width: Int, height: Int
    public private(set) var phase: Phase = .version
    /// The minor version agreed (3, 7 or 8).
    public private(set) var minorVersion = 8
    /// What the viewer asked for with SetPixelFormat (the server's own until then).
    public private(set) var pixelFormat = PixelFormat.native
    /// The viewer's encodings, in its order of preference.
    public private(set) var encodings: [RFBEncoding] = [.raw]
    let challenge: [UInt8]
    var input: [UInt8] = []

    /// `challenge`: 16 random bytes for VNC Authentication (from the entropy device).
    public init(security: Security, name: String, width: Int, height: Int, challenge: [UInt8], limits: RFBLimits = RFBLimits()) {
        self.security = security
        self.name = name
        self.width = width
        self.height = height
        self.challenge = challenge
        self.limits = limits
    }

    /// The server's ProtocolVersion, sent as soon as the connection opens.
    public static let greeting: [UInt8] = Array("RFB 003.008\n".utf8)

    var securityType: UInt8 {
        switch security {
        case .none: return 1
        case .password: return 2
        }
    }

    public mutating func receive(_ bytes: [UInt8]) -> Output {
        var out = Output()
        guard phase != .closed else { return out }
        input += bytes
        // Parsed from a copy (shares the storage): `advance` mutates the session while reading the bytes.
        let buffered = input
        var used = 0
        while phase != .closed {
            let step: Int
            do throws(RFBError) {
                step = try advance(buffered.span.extracting(used...), &out)
            } catch {
                out.error = error
                phase = .closed
                break
            }
            if step == 0 { break }
            used += step
        }
        if phase == .closed { input = [] } else if used > 0 { input.removeFirst(used) }
        return out
    }

    /// Handles what is at the front of `bytes`; returns how many bytes it took (0: wait for more).
    mutating func advance(_ bytes: Span<UInt8>, _ out: inout Output) throws(RFBError) -> Int {
        switch phase {
        case .version:
            guard bytes.count >= 12 else { return 0 }
            let (major, minor) = try Self.parseVersion(bytes)
            minorVersion = major == 3 && (minor == 7 || minor == 8) ? minor : 3
            if minorVersion == 3 {
                // §7.1.2, version 3.3: the server decides the security type.
                out.reply.appendU32(UInt32(securityType))
                startSecurity(&out)
            } else {
                out.reply += [1, securityType]
                phase = .securityType
            }
            return 12
        case .securityType:
            guard bytes.count >= 1 else { return 0 }
            let chosen = bytes[0]
            guard chosen == securityType else {
                if minorVersion == 8 { Self.failure("security type not offered", into: &out.reply) }
                throw .badSecurityType(chosen)
            }
            startSecurity(&out)
            return 1
        case .authentication:
            guard bytes.count >= 16 else { return 0 }
            guard case .password(let password) = security else { throw .authenticationFailed }
            let expected = DES.vncResponse(challenge: challenge, password: password)
            var difference: UInt8 = 0
            for i in 0..<16 { difference |= expected[i] ^ bytes[i] }
            guard difference == 0 else {
                if minorVersion == 8 { Self.failure("authentication failed", into: &out.reply) } else { out.reply.appendU32(1) }
                throw .authenticationFailed
            }
            out.reply.appendU32(0)
            phase = .clientInit
            return 16
        case .clientInit:
            guard bytes.count >= 1 else { return 0 }
            // §7.3.2 ServerInit.
            out.reply.appendU16(UInt16(clamping: width))
            out.reply.appendU16(UInt16(clamping: height))
            PixelFormat.native.emit(into: &out.reply)
            let nameBytes = Array(name.utf8)
            out.reply.appendU32(UInt32(truncatingIfNeeded: nameBytes.count))
            out.reply += nameBytes
            out.events.append(.ready(shared: bytes[0] != 0))
            phase = .normal
            return 1
        case .normal:
            guard let (message, length) = try ClientMessage.parse(bytes, limits: limits) else { return 0 }
            switch message {
            case .setPixelFormat(let format): pixelFormat = format
            case .setEncodings(let list): encodings = list
            default: break
            }
            out.events.append(.message(message))
            return length
        case .closed:
            return 0
        }
    }

    /// After the security type is agreed: None goes on to ClientInit (with a SecurityResult in 3.8,
    /// §7.1.3); VNC Authentication sends its challenge.
    mutating func startSecurity(_ out: inout Output) {
        switch security {
        case .none:
            if minorVersion == 8 { out.reply.appendU32(0) }
            phase = .clientInit
        case .password:
            out.reply += challenge
            phase = .authentication
        }
    }

    /// SecurityResult "failed" with a reason (3.8, §7.1.3).
    static func failure(_ reason: String, into reply: inout [UInt8]) {
        reply.appendU32(1)
        reply.appendU32(UInt32(reason.utf8.count))
        reply += Array(reason.utf8)
    }

    /// "RFB xxx.yyy\n" (§7.1.1).
    static func parseVersion(_ b: Span<UInt8>) throws(RFBError) -> (Int, Int) {
        guard b[0] == 0x52, b[1] == 0x46, b[2] == 0x42, b[3] == 0x20, b[7] == 0x2E, b[11] == 0x0A else { throw .badVersion }
        var major = 0, minor = 0
        for i in 4..<7 {
            guard b[i] >= 0x30, b[i] <= 0x39 else { throw .badVersion }
            major = major * 10 + Int(b[i] - 0x30)
        }
        for i in 8..<11 {
            guard b[i] >= 0x30, b[i] <= 0x39 else { throw .badVersion }
            minor = minor * 10 + Int(b[i] - 0x30)
        }
        guard major >= 3 else { throw .badVersion }
        return (major, minor)
    }
}
