// Swiftlet: the syslog reporter: log records as RFC 5424 messages, one per UDP datagram (RFC 5426) to a
// collector given by `-- --syslog ADDR[:PORT]` (port 514 by default; an IPv6 address with a port in
// brackets, [2001:db8::1]:514).
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG          (RFC 5424 §6)
//
// PRI is facility * 8 + severity (§6.2.1), the facility "daemon" (3) and the severity the level's; the
// timestamp is RFC 3339 UTC with microseconds, or "-" without a clock; HOSTNAME is the network's first
// address of its own ("-" when it has none, as on unix); APP-NAME the application's name; no process
// id; MSGID the log source's name; no structured data. Header fields are printable US-ASCII without
// spaces (§6: others become '_') cut to their lengths (48 for APP-NAME, 32 for MSGID, 255 for HOSTNAME).
// MSG is UTF-8 and starts with the byte order mark when it is not plain ASCII (§6.4). A datagram is at
// most 2,048 bytes, what RFC 5426 §3.2 says a collector should take (it must take 480 over IPv4 and 1,180
// over IPv6); a message from a LogSource is at most about 1,450 (`Log.maximumMessage` and the header).

/// Where syslog messages go.
public struct SyslogCollector: Sendable, Equatable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16 = 514) {
        self.address = address
        self.port = port
    }

    /// ADDR, ADDR:PORT (IPv4), [ADDR]:PORT or a bare IPv6 address.
    public init(parsing text: String) throws(UsageError) {
        let bytes = Array(text.utf8)
        let colons = bytes.filter { $0 == UInt8(ascii: ":") }.count
        var host = text, portText: String? = nil
        if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
            host = String(decoding: bytes[1..<close], as: UTF8.self)
            if close + 1 < bytes.count {
                guard bytes[close + 1] == UInt8(ascii: ":") else { throw SyslogCollector.bad(text) }
                portText = String(decoding: bytes[(close + 2)...], as: UTF8.self)
            }
        } else if colons == 1, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            host = String(decoding: bytes[..<colon], as: UTF8.self)
            portText = String(decoding: bytes[(colon + 1)...], as: UTF8.self)
        }
        guard let address = IPAddress(host) else { throw SyslogCollector.bad(text) }
        var port: UInt16 = 514
        if let portText {
            guard let p = UInt16(portText), p != 0 else { throw SyslogCollector.bad(text) }
            port = p
        }
        self.init(address: address, port: port)
    }

    static func bad(_ text: String) -> UsageError {
        UsageError("--syslog '" + text + "' is not ADDR[:PORT] (like 10.0.0.1:514 or [2001:db8::1]:514)")
    }
}

/// Formats records as RFC 5424 messages.
public struct SyslogFormat: Sendable {
    public static let maximumDatagram = 2048
    /// "daemon": system daemons (RFC 5424 Table 1).
    public static let facility: UInt8 = 3

    public let hostname: String
    public let appName: String

    public init(hostname: String, appName: String) {
        self.hostname = SyslogFormat.headerField(hostname, maximum: 255)
        self.appName = SyslogFormat.headerField(appName, maximum: 48)
    }

    public func message(_ record: LogRecord) -> [UInt8] {
        var out: [UInt8] = []
        let priority = Int(SyslogFormat.facility) * 8 + Int(record.level.rawValue)
        out += "<".utf8
        out += String(priority).utf8
        out += ">1 ".utf8
        // RFC 5424's TIMESTAMP has a four-digit year: a clock outside 0000-9999 gives NILVALUE.
        out += (record.time.flatMap { RFC3339.hasFourDigitYear($0) ? RFC3339.text($0) : nil } ?? "-").utf8
        let msgid = SyslogFormat.headerField(record.source, maximum: 32)
        out += " ".utf8
        out += hostname.utf8
        out += " ".utf8
        out += appName.utf8
        out += " - ".utf8
        out += msgid.utf8
        out += " - ".utf8
        if record.message.utf8.contains(where: { $0 >= 0x80 }) { out += [0xEF, 0xBB, 0xBF] }
        out += record.message.utf8
        if out.count > SyslogFormat.maximumDatagram {
            // Cut at a character boundary: a sequence the cut left incomplete goes, a whole one stays.
            out.removeLast(out.count - SyslogFormat.maximumDatagram)
            var lead = out.count - 1
            while lead > 0, out.count - lead < 4, out[lead] & 0xC0 == 0x80 { lead -= 1 }
            let b = out[lead]
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            if out.count - lead < length { out.removeLast(out.count - lead) }
        }
        return out
    }

    /// PRINTUSASCII (33...126) only, at most `maximum` bytes; "-" (NILVALUE) when empty.
    static func headerField(_ text: String, maximum: Int) -> String {
        var out: [UInt8] = []
        for b in text.utf8.prefix(maximum) { out.append(b >= 33 && b <= 126 ? b : UInt8(ascii: "_")) }
        return out.isEmpty ? "-" : String(decoding: out, as: UTF8.self)
    }
}

extension Log {
    /// Reports every record also to `collector` over UDP from an ephemeral port of `network`, as
    /// `appName`. Sends never wait: a datagram the network cannot take now is lost, as syslog over UDP is.
    public static func startSyslog<Net: Network>(to collector: SyslogCollector, network: Net, appName: String) throws(NetworkError) {
        let socket = try network.udp(port: 0)
        socket.discardIncoming()  // it only sends: a queue nobody reads would pin what a peer sends to it
        let format = SyslogFormat(hostname: network.addresses.first?.description ?? "-", appName: appName)
        Log.main.addReporter { record in try? socket.send(format.message(record), to: collector.address, port: collector.port) }
    }
}
