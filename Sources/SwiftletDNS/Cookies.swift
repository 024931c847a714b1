// SwiftletDNS: DNS cookies, the server's side (RFC 7873 §5.2), with the interoperable server cookie of
// RFC 9018. Pure functions: the caller passes the option's bytes, the client's address, the time and the
// secret; nothing is stored per client.
//
// The COOKIE option (EDNS option 10) holds an 8-byte client cookie, alone or followed by a server cookie
// of 8 to 32 bytes (RFC 7873 §4). Any other length is malformed: the query gets FORMERR (§5.2.2). A client
// cookie alone, or one with a server cookie we did not make or that has expired, gets a normal answer
// carrying a fresh server cookie (§5.2.3, §5.2.4: this server never requires cookies, so it never sends
// BADCOOKIE). A valid server cookie gets a normal answer too, and tells the caller that the client has
// shown it receives our responses at its address, so it may be spared rate limiting (BIND and NSD do so).
//
// The server cookie (RFC 9018 §4): version 1, three reserved bytes, a 32-bit timestamp (seconds since
// the Unix epoch, compared in serial number arithmetic, RFC 1982), then SipHash-2-4 under a 16-byte
// secret over client cookie | version | reserved | timestamp | client address (4 bytes IPv4, 16 IPv6),
// the 64-bit hash written as SipHash's output bytes. A cookie is valid for an hour after its timestamp
// and up to five minutes before it (§4.3); one older than half an hour is replaced by a fresh one in the
// response, a younger one is returned as it came (§4.3, and NSD does the same).

/// DNS cookies as a server answers them (RFC 7873, RFC 9018).
public enum DNSCookies {
    /// The COOKIE option's code (RFC 7873 §8).
    public static let optionCode: UInt16 = 10
    /// A client cookie's length (RFC 7873 §4).
    public static let clientCookieLength = 8
    /// The shortest and longest server cookie (RFC 7873 §4), so option lengths 8 and 16...40 are well formed.
    public static let minimumServerCookieLength = 8
    public static let maximumServerCookieLength = 32
    /// The server cookies this server makes: version 1 (RFC 9018 §4.1), 16 bytes.
    public static let version: UInt8 = 1
    public static let serverCookieLength = 16
    /// A server cookie is valid for this many seconds after its timestamp (RFC 9018 §4.3: one hour) ...
    public static let lifetime: UInt32 = 3600
    /// ... and this many before it (§4.3: five minutes, for clocks of an anycast set that disagree).
    public static let futureTolerance: UInt32 = 300
    /// A valid server cookie older than this is replaced by a fresh one in the response (§4.3: half an hour).
    public static let renewalAge: UInt32 = 1800

    /// The server's 16-byte SipHash key.
    public struct Secret: Sendable {
        let k0: UInt64
        let k1: UInt64
        /// The secret from 16 bytes (the first 16 of `bytes`; fewer are padded with zeros). Take them from
        /// the Entropy device, or share them across the servers of one anycast address (RFC 9018 §5).
        public init(_ bytes: Span<UInt8>) {
            k0 = SipHasher24.littleEndianWord(bytes, 0)
            k1 = SipHasher24.littleEndianWord(bytes, 8)
        }
    }

    /// What the server answers to a query's COOKIE option.
    public enum Reply: Equatable, Sendable {
        /// The option's length is neither 8 nor 16...40: the query gets FORMERR (RFC 7873 §5.2.2).
        case malformed
        /// The response carries this COOKIE option data (the client cookie, then our server cookie);
        /// `validServerCookie` says whether the query came with a server cookie we made, still valid.
        case cookie([UInt8], validServerCookie: Bool)
    }

    /// The reply to COOKIE option data `option` from a client at `clientAddress` (4 or 16 bytes, network
    /// order), at `unixTime` seconds since the epoch.
    public static func reply(to option: Span<UInt8>, clientAddress: Span<UInt8>, unixTime: UInt32, secret: Secret) -> Reply {
        let n = option.count
        guard n == clientCookieLength
                || (n >= clientCookieLength + minimumServerCookieLength && n <= clientCookieLength + maximumServerCookieLength) else {
            return .malformed
        }
        var out = [UInt8](repeating: 0, count: clientCookieLength + serverCookieLength)
        for i in 0..<clientCookieLength { out[i] = option[i] }
        if verify(option, clientAddress: clientAddress, unixTime: unixTime, secret: secret) {
            let stamp = bigEndian32(option, 12)
            if unixTime &- stamp < renewalAge {  // not in the future either: wraps to a huge number
                for i in clientCookieLength..<n { out[i] = option[i] }
                return .cookie(out, validServerCookie: true)
            }
            writeServerCookie(into: &out, clientAddress: clientAddress, unixTime: unixTime, secret: secret)
            return .cookie(out, validServerCookie: true)
        }
        writeServerCookie(into: &out, clientAddress: clientAddress, unixTime: unixTime, secret: secret)
        return .cookie(out, validServerCookie: false)
    }

    /// Whether `option` (client cookie, server cookie) holds a server cookie we made for this client with
    /// `secret`, within its lifetime at `unixTime` (RFC 9018 §4.3).
    public static func verify(_ option: Span<UInt8>, clientAddress: Span<UInt8>, unixTime: UInt32, secret: Secret) -> Bool {
        guard option.count == clientCookieLength + serverCookieLength, option[8] == version else { return false }
        let stamp = bigEndian32(option, 12)
        let age = unixTime &- stamp  // serial arithmetic (RFC 1982): a stamp ahead of us wraps to a large age
        guard age <= lifetime || 0 &- age <= futureTolerance else { return false }
        let expected = hash(option, header: option, clientAddress: clientAddress, secret: secret)
        var difference: UInt8 = 0  // every byte compared, whatever the first mismatch
        for i in 0..<8 { difference |= option[16 + i] ^ UInt8(truncatingIfNeeded: expected >> UInt64(8 * i)) }
        return difference == 0
    }

    /// Our server cookie for the client cookie in `out[0..<8]`, written to `out[8..<24]`.
    static func writeServerCookie(into out: inout [UInt8], clientAddress: Span<UInt8>, unixTime: UInt32, secret: Secret) {
        out[8] = version
        out[9] = 0; out[10] = 0; out[11] = 0
        for i in 0..<4 { out[12 + i] = UInt8(truncatingIfNeeded: unixTime >> UInt32(24 - 8 * i)) }
        let bytes = out
        let h = hash(bytes.span, header: bytes.span, clientAddress: clientAddress, secret: secret)
        for i in 0..<8 { out[16 + i] = UInt8(truncatingIfNeeded: h >> UInt64(8 * i)) }
    }

    /// Our 16-byte server cookie for `clientCookie` (8 bytes) from a client at `clientAddress`, made at
    /// `unixTime` (RFC 9018 §4.4: version 1, reserved zero).
    public static func serverCookie(clientCookie: Span<UInt8>, unixTime: UInt32, clientAddress: Span<UInt8>, secret: Secret) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: clientCookieLength + serverCookieLength)
        for i in 0..<min(clientCookieLength, clientCookie.count) { out[i] = clientCookie[i] }
        writeServerCookie(into: &out, clientAddress: clientAddress, unixTime: unixTime, secret: secret)
        return Array(out[clientCookieLength...])
    }

    /// SipHash-2-4 over client cookie (`client[0..<8]`), version | reserved | timestamp (`header[8..<16]`)
    /// and the client's address.
    private static func hash(_ client: Span<UInt8>, header: Span<UInt8>, clientAddress: Span<UInt8>, secret: Secret) -> UInt64 {
        var h = SipHasher24(k0: secret.k0, k1: secret.k1)
        for i in 0..<8 { h.append(client[i]) }
        for i in 8..<16 { h.append(header[i]) }
        h.append(clientAddress)
        return h.finalize()
    }

    private static func bigEndian32(_ b: Span<UInt8>, _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}
