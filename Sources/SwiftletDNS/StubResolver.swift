// SwiftletDNS: a stub resolver (RFC 1035 §7, RFC 1123 §6.1.3.1): asks a recursive server and returns its
// answer. Defences against forged answers as RFC 5452 lists them: a random ID and a random source port
// per query, and an answer counts only when it comes from the server's address and port with the same ID
// and question (names compared case-insensitively). Each attempt waits `timeout`; the servers are tried
// in turn for `attempts` rounds. A truncated answer (TC) is asked again over TCP (RFC 7766 framing).
// Servers may be of either family; `addresses(of:)` asks AAAA and A and gives the IPv6 addresses first
// (RFC 6724 §10.3's default policy prefers IPv6 to IPv4).
// Errors are typed: a server's RCODE other than NOERROR and NXDOMAIN is `serverFailure`; NXDOMAIN is an
// answer (`DNSMessage.header.rcode == .nameError`), since it says something true about the name.

import Swiftlet
import SwiftletWire

public enum DNSResolverError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No server answered within the attempts.
    case timedOut
    /// A server answered with this response code (SERVFAIL, REFUSED, ...).
    case serverFailure(DNSRCode)
    /// The answer over TCP was malformed or did not match the question.
    case badResponse
    case network(NetworkError)

    public var description: String {
        switch self {
        case .timedOut: "no server answered"
        case .serverFailure(let code): "the server answered \(code)"
        case .badResponse: "malformed or mismatched answer"
        case .network(let e): "network: \(e)"
        }
    }
}

public struct DNSStubResolver<Net: Network, Random: Entropy>: Sendable {
    public let network: Net
    public let entropy: Random
    public var servers: [IPAddress]
    public var port: UInt16 = 53
    public var timeout = Duration.seconds(2)
    public var attempts = 2
    /// Datagrams that are not the answer (another source, ID or question) tolerated per attempt.
    public static var maximumStrays: Int { 32 }

    public init(network: Net, entropy: Random, servers: [IPAddress]) {
        self.network = network
        self.entropy = entropy
        self.servers = servers
    }

    public init(network: Net, entropy: Random, servers: [IPv4Address]) {
        self.init(network: network, entropy: entropy, servers: servers.map { IPAddress.v4($0) })
    }

    /// The server's whole response to one question (recursion desired, EDNS0 with a 1232-byte payload).
    public func query(_ name: DNSName, _ type: DNSType) async throws(DNSResolverError) -> DNSMessage {
        let question = DNSQuestion(name: name, type: type)
        var lastFailure = DNSResolverError.timedOut
        for _ in 0..<max(1, attempts) {
            for server in servers {
                let id = UInt16(truncatingIfNeeded: entropy.next64())
                let message = DNSMessage(header: DNSHeader(id: id, opcode: .query, recursionDesired: true),
                                         questions: [question], edns: EDNS(udpPayloadSize: 1232))
                guard let bytes = try? message.emit() else { throw .badResponse }
                do throws(DNSResolverError) {
                    var response = try await askUDP(bytes, id: id, question: question, server: server)
                    if response.header.truncated { response = try await askTCP(bytes, id: id, question: question, server: server) }
                    guard response.header.rcode == .noError || response.header.rcode == .nameError else {
                        throw .serverFailure(response.header.rcode)
                    }
                    return response
                } catch {
                    lastFailure = error  // the next server (or round) may do better
                }
            }
        }
        throw lastFailure
    }

    /// The addresses of `name`, IPv6 (AAAA) before IPv4 (A), each from the end of its answer's CNAME
    /// chain. Empty when neither type has any (NODATA, NXDOMAIN); a failure of either question is thrown.
    public func addresses(of name: DNSName) async throws(DNSResolverError) -> [IPAddress] {
        try await addresses(of: name, .aaaa) + addresses(of: name, .a)
    }

    /// The IPv4 addresses of `name` alone (A records).
    public func ipv4Addresses(of name: DNSName) async throws(DNSResolverError) -> [IPv4Address] {
        try await addresses(of: name, .a).compactMap { $0.ipv4 }
    }

    /// The records of one address type at the end of the answer's CNAME chain.
    private func addresses(of name: DNSName, _ type: DNSType) async throws(DNSResolverError) -> [IPAddress] {
        let response = try await query(name, type)
        var target = name
        var out: [IPAddress] = []
        for _ in 0..<9 {
            var next: DNSName? = nil
            for r in response.answers where r.name == target {
                switch r.data {
                case .a(let address): if type == .a { out.append(.v4(address)) }
                case .aaaa(let address): if type == .aaaa { out.append(.v6(address)) }
                case .cname(let alias): next = alias
                default: break
                }
            }
            guard out.isEmpty, let alias = next else { break }
            target = alias
        }
        return out
    }

    /// One attempt over UDP from a fresh random port: the first matching answer, or `.timedOut`.
    private func askUDP(_ query: [UInt8], id: UInt16, question: DNSQuestion, server: IPAddress) async throws(DNSResolverError) -> DNSMessage {
        var socket: Net.Datagrams? = nil
        for _ in 0..<16 where socket == nil {
            // RFC 6056's dynamic range, 49152-65535.
            let port = UInt16(49152 + entropy.next(below: 16384))
            do throws(NetworkError) { socket = try network.udp(port: port) } catch where error == .portInUse(port) { continue } catch {
                throw .network(error)
            }
        }
        guard let socket else { throw .network(.exhausted) }
        defer { socket.close() }
        do throws(NetworkError) { try socket.send(query, to: server, port: port) } catch { throw .network(error) }
        // Datagrams that do not match are dropped and the wait goes on: each wait is at most `timeout`, and
        // after `maximumStrays` strays the attempt gives up (a flood of forgeries cannot hold it forever).
        for _ in 0...Self.maximumStrays {
            let datagram: UDPDatagram
            do throws(NetworkError) { datagram = try await socket.receive(timeout: timeout) } catch where error == .timedOut {
                throw .timedOut
            } catch { throw .network(error) }
            guard datagram.source == server, datagram.sourcePort == port else { continue }
            if let m = Self.matching(datagram.payload, id: id, question: question) { return m }
        }
        throw .timedOut
    }

    /// The same query over TCP, two-byte length before each message (RFC 7766 §8).
    private func askTCP(_ query: [UInt8], id: UInt16, question: DNSQuestion, server: IPAddress) async throws(DNSResolverError) -> DNSMessage {
        let flow: Net.Flow
        do throws(NetworkError) { flow = try await network.connect(to: server, port: port) } catch { throw .network(error) }
        var buffer: [UInt8] = []
        do throws(NetworkError) {
            try await flow.write([UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query)
            while buffer.count < 2 || buffer.count < 2 + (Int(buffer[0]) << 8 | Int(buffer[1])) {
                guard let bytes = try await flow.read(maximum: 65537, timeout: timeout), !bytes.isEmpty else { break }
                buffer += bytes
                guard buffer.count <= 65537 else { break }
            }
        } catch {
            flow.abort()
            throw .network(error)
        }
        flow.close()
        guard buffer.count >= 2 else { throw .badResponse }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length, let m = Self.matching(Array(buffer[2..<(2 + length)]), id: id, question: question) else {
            throw .badResponse
        }
        return m
    }

    /// `bytes` parsed when they are a response to our query: same ID, a response, the same one question.
    static func matching(_ bytes: [UInt8], id: UInt16, question: DNSQuestion) -> DNSMessage? {
        guard let m = try? DNSMessage(parsing: bytes.span), m.header.id == id, m.header.isResponse,
              m.questions.count == 1, m.questions[0].name == question.name, m.questions[0].type == question.type,
              m.questions[0].class == question.class else { return nil }
        return m
    }
}
