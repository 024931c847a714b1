// SwiftletNet: the IPv4 configuration of an interface and routing by it (RFC 1122 §3.3.1: on-link
// destinations directly, everything else through the gateway).

import Swiftlet

public struct IPv4Configuration: Hashable, Sendable {
    /// Our address and the on-link prefix.
    public var network: IPv4Network
    /// The default gateway, if any.
    public var gateway: IPv4Address?

    public init(network: IPv4Network, gateway: IPv4Address? = nil) {
        self.network = network
        self.gateway = gateway
    }

    public var address: IPv4Address { network.address }

    /// The next hop for `destination`, or nil when it is off-link and there is no gateway.
    public func nextHop(for destination: IPv4Address) -> IPv4Address? {
        if destination.isBroadcast || network.contains(destination) { return destination }
        return gateway
    }

    /// Limited broadcast or this subnet's directed broadcast.
    public func isBroadcast(_ a: IPv4Address) -> Bool {
        a.isBroadcast || (network.prefixLength < 31 && a == network.broadcastAddress)
    }

    /// A source address no host may send from (a "martian"): datagrams from it are dropped silently
    /// (RFC 1122 §3.2.1.3: never {0, 0} except while a host learns its address, never {-1, -1} or a
    /// directed broadcast, never 127/8 off the host; RFC 1812 §5.3.7 adds multicast, 0/8 and class E).
    /// The list: 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 (multicast), 240.0.0.0/4 (class E, which holds
    /// 255.255.255.255), this subnet's directed broadcast, and our own address (no one else may use it:
    /// a datagram from it is a spoof, as in the LAND attack). The stack lets one case through all the
    /// same: UDP from 0.0.0.0 to port 67, a DHCP client without an address (RFC 2131 §4.1), for a DHCP
    /// server built on it (the stack's own client hears servers, which answer from their address).
    public func isMartianSource(_ a: IPv4Address) -> Bool {
        let first = a.rawValue >> 24
        return first == 0 || first == 127 || first >= 224 || isBroadcast(a) || a == address
    }
}

/// Errors the socket API reports.
public enum StackError: Error, Equatable, Sendable {
    case portInUse(UInt16)
    case noSuchSocket
    case noRoute(IPAddress)
    case connection(TCPError)
    case notConnected
    case messageTooLong(Int)
    case noEphemeralPort
    /// The connection cap or the memory budget (`TCPConfiguration.maximumConnections`, `memoryBudget`).
    case resourcesExhausted
    case device(NetworkDeviceError)
}

extension StackError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .portInUse(let port): return "port " + String(port) + " is in use"
        case .noSuchSocket: return "no such socket"
        case .noRoute(let address): return "no route to " + address.description
        case .connection(let error): return "connection " + error.description
        case .notConnected: return "not connected"
        case .messageTooLong(let size): return "a message of " + String(size) + " bytes is too long"
        case .noEphemeralPort: return "no ephemeral port is free"
        case .resourcesExhausted: return "the connection cap or memory budget is reached"
        case .device(let error): return error.description
        }
    }
}

extension NetworkError {
    /// The application-level error for a stack error (the async API throws these).
    public init(_ error: StackError) {
        switch error {
        case .portInUse(let p): self = .portInUse(p)
        case .noSuchSocket, .notConnected: self = .notConnected
        case .noRoute(let a): self = .unreachable(a)
        case .connection(.refused): self = .refused
        case .connection(.reset): self = .reset
        case .connection(.timedOut): self = .timedOut
        case .connection(.aborted): self = .aborted
        case .messageTooLong(let n): self = .messageTooLong(n)
        case .noEphemeralPort, .resourcesExhausted: self = .exhausted
        case .device(.frameTooLarge(let size, _)): self = .messageTooLong(size)
        case .device(.queueFull): self = .exhausted
        case .device(.down): self = .notConnected
        case .device(.platform(let code)): self = .platform(code: code)
        }
    }
}
