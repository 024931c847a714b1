// SwiftletVNC: why an RFB connection ends (each is logged with the viewer's address, then the
// connection closes; the server and other viewers go on).

public enum RFBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The viewer's ProtocolVersion is not "RFB xxx.yyy\n".
    case badVersion
    /// The viewer chose a security type the server did not offer.
    case badSecurityType(UInt8)
    /// VNC Authentication failed (wrong password).
    case authenticationFailed
    /// A message type the server does not know (its length cannot be known, so nothing after it can be read).
    case unknownMessage(UInt8)
    /// A SetPixelFormat the server cannot serve.
    case badPixelFormat(String)
    /// A count or length over the server's limit: the message, what it announced, the limit.
    case tooLong(String, Int, Int)

    public var description: String {
        switch self {
        case .badVersion: return "not an RFB ProtocolVersion"
        case .badSecurityType(let t): return "security type " + String(t) + " was not offered"
        case .authenticationFailed: return "VNC authentication failed"
        case .unknownMessage(let t): return "unknown message type " + String(t)
        case .badPixelFormat(let why): return "pixel format refused: " + why
        case .tooLong(let what, let n, let limit): return what + " of " + String(n) + " over the limit of " + String(limit)
        }
    }
}
