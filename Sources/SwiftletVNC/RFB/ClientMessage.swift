// SwiftletVNC: the messages a viewer sends once the handshake is over (RFC 6143 §7.5), parsed from the
// front of the bytes received so far.
//
// `ClientMessage.parse` returns nil while the message at the front is incomplete, a message and its
// length when it is whole, and throws for what the server will not take: an unknown type (§7.5: a server
// cannot know the length of a message it does not know, so the connection cannot go on), a pixel format
// it cannot serve, more encodings or cut text than `RFBLimits` allow. Every length is checked against
// its limit before the bytes it announces are waited for, so a 2^32 - 1 cut-text length is refused at
// once rather than buffered.

/// What a viewer may send and how much of it is kept.
public struct RFBLimits: Sendable {
    /// Encodings in one SetEncodings message (the field allows 65,535; viewers send about 20).
    public var encodings: Int = 64
    /// Bytes of cut text in one ClientCutText message.
    public var cutText: Int = 64 * 1024
    public init() {}
}

/// An RFB encoding number (RFC 6143 §7.7, §7.8; IANA "RFB Encoding Types"): open, so unknown ones
/// round-trip.
public struct RFBEncoding: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let raw = RFBEncoding(rawValue: 0)
    public static let copyRect = RFBEncoding(rawValue: 1)
    public static let rre = RFBEncoding(rawValue: 2)
    public static let hextile = RFBEncoding(rawValue: 5)
    public static let zrle = RFBEncoding(rawValue: 16)
    public static let cursor = RFBEncoding(rawValue: -239)
    public static let desktopSize = RFBEncoding(rawValue: -223)
    public static let lastRect = RFBEncoding(rawValue: -224)
}

public enum ClientMessage: Equatable, Sendable {
    case setPixelFormat(PixelFormat)
    case setEncodings([RFBEncoding])
    case framebufferUpdateRequest(incremental: Bool, Rect)
    /// A key (an X11 keysym, RFC 6143 §7.5.4) pressed or released.
    case key(down: Bool, keysym: UInt32)
    /// The pointer's position and buttons (bit 0 the left button, 1 the middle, 2 the right, 3 and 4 the wheel).
    case pointer(buttons: UInt8, x: UInt16, y: UInt16)
    /// Text the viewer's user copied (ISO 8859-1).
    case cutText([UInt8])

    enum Kind {
        static let setPixelFormat: UInt8 = 0, setEncodings: UInt8 = 2, framebufferUpdateRequest: UInt8 = 3
        static let keyEvent: UInt8 = 4, pointerEvent: UInt8 = 5, clientCutText: UInt8 = 6
    }

    /// The message at the front of `bytes` and its length, or nil when it has not all arrived.
    public static func parse(_ bytes: Span<UInt8>, limits: RFBLimits) throws(RFBError) -> (ClientMessage, Int)? {
        guard bytes.count >= 1 else { return nil }
        switch bytes[0] {
        case Kind.setPixelFormat:
            guard bytes.count >= 20 else { return nil }
            let format = PixelFormat(bytes, at: 4)
            if let problem = format.problem { throw .badPixelFormat(problem) }
            return (.setPixelFormat(format), 20)
        case Kind.setEncodings:
            guard bytes.count >= 4 else { return nil }
            let count = Int(u16(bytes, 2))
            guard count <= max(0, limits.encodings) else { throw .tooLong("SetEncodings", count, limits.encodings) }
            let length = 4 + 4 * count
            guard bytes.count >= length else { return nil }
            var list: [RFBEncoding] = []
            list.reserveCapacity(count)
            for i in 0..<count { list.append(RFBEncoding(rawValue: Int32(bitPattern: u32(bytes, 4 + 4 * i)))) }
            return (.setEncodings(list), length)
        case Kind.framebufferUpdateRequest:
            guard bytes.count >= 10 else { return nil }
            let rect = Rect(x: Int(u16(bytes, 2)), y: Int(u16(bytes, 4)), width: Int(u16(bytes, 6)), height: Int(u16(bytes, 8)))
            return (.framebufferUpdateRequest(incremental: bytes[1] != 0, rect), 10)
        case Kind.keyEvent:
            guard bytes.count >= 8 else { return nil }
            return (.key(down: bytes[1] != 0, keysym: u32(bytes, 4)), 8)
        case Kind.pointerEvent:
            guard bytes.count >= 6 else { return nil }
            return (.pointer(buttons: bytes[1], x: u16(bytes, 2), y: u16(bytes, 4)), 6)
        case Kind.clientCutText:
            guard bytes.count >= 8 else { return nil }
            let length = u32(bytes, 4)
            guard Int(length) <= limits.cutText else { throw .tooLong("ClientCutText", Int(length), limits.cutText) }
            let total = 8 + Int(length)
            guard bytes.count >= total else { return nil }
            var text: [UInt8] = []
            text.reserveCapacity(Int(length))
            for i in 8..<total { text.append(bytes[i]) }
            return (.cutText(text), total)
        default:
            throw .unknownMessage(bytes[0])
        }
    }

    /// The message's bytes (viewers' side: tests and the benchmark's client).
    public func emit(into out: inout [UInt8]) {
        switch self {
        case .setPixelFormat(let format):
            out += [Kind.setPixelFormat, 0, 0, 0]
            format.emit(into: &out)
        case .setEncodings(let list):
            out += [Kind.setEncodings, 0]
            out.appendU16(UInt16(truncatingIfNeeded: list.count))
            for e in list { out.appendU32(UInt32(bitPattern: e.rawValue)) }
        case .framebufferUpdateRequest(let incremental, let r):
            out += [Kind.framebufferUpdateRequest, incremental ? 1 : 0]
            out.appendU16(UInt16(truncatingIfNeeded: r.x)); out.appendU16(UInt16(truncatingIfNeeded: r.y))
            out.appendU16(UInt16(truncatingIfNeeded: r.width)); out.appendU16(UInt16(truncatingIfNeeded: r.height))
        case .key(let down, let keysym):
            out += [Kind.keyEvent, down ? 1 : 0, 0, 0]
            out.appendU32(keysym)
        case .pointer(let buttons, let x, let y):
            out += [Kind.pointerEvent, buttons]
            out.appendU16(x); out.appendU16(y)
        case .cutText(let text):
            out += [Kind.clientCutText, 0, 0, 0]
            out.appendU32(UInt32(truncatingIfNeeded: text.count))
            out += text
        }
    }
}

@inline(__always) func u16(_ b: Span<UInt8>, _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
@inline(__always) func u32(_ b: Span<UInt8>, _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}
