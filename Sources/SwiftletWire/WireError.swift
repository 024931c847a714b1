// SwiftletWire: the one error type every parser and emitter in this layer throws.
//
// Parsers validate all lengths before any accessor runs, so after `init(validating:)` succeeds no
// accessor of a view can trap. Every malformed input maps to one of these cases.

import Swiftlet

/// Which packet format an error is about.
public enum WireFormat: Hashable, Sendable {
    case ethernet, arp, ipv4, icmpv4, udp, tcp, dhcpv4, dns, ipv6, icmpv6, ndp, mld
}

public enum WireError: Error, Hashable, Sendable {
    /// Fewer bytes than the format needs at this point.
    case truncated(WireFormat, needed: Int, available: Int)
    /// A length field contradicts the bytes or the format's rules.
    case badLength(WireFormat)
    /// The checksum does not verify.
    case badChecksum(WireFormat)
    /// A version field holds a value this layer does not speak.
    case badVersion(WireFormat)
    /// A field holds a value the format forbids or this layer does not support (ARP for non-Ethernet).
    case badField(WireFormat)
    /// An option's length is invalid or runs past the end of the options.
    case badOption(WireFormat)
    /// DNS: a name longer than 255 octets on the wire (RFC 1035 §2.3.4).
    case nameTooLong
    /// DNS: a label longer than 63 octets, or a reserved label type.
    case badLabel
    /// DNS: a compression pointer that does not point strictly backwards (this is what makes loops impossible).
    case badPointer
    /// Emit: the destination buffer is too short.
    case bufferTooSmall(needed: Int, available: Int)
}

extension WireFormat: CustomStringConvertible {
    public var description: String {
        switch self {
        case .ethernet: return "Ethernet"
        case .arp: return "ARP"
        case .ipv4: return "IPv4"
        case .icmpv4: return "ICMP"
        case .udp: return "UDP"
        case .tcp: return "TCP"
        case .dhcpv4: return "DHCP"
        case .dns: return "DNS"
        case .ipv6: return "IPv6"
        case .icmpv6: return "ICMPv6"
        case .ndp: return "NDP"
        case .mld: return "MLD"
        }
    }
}

extension WireError: CustomStringConvertible {
    /// Built by concatenation, not interpolation: each interpolation site costs a kernel about a kilobyte.
    public var description: String {
        switch self {
        case .truncated(let format, let needed, let available):
            return format.description + " truncated: needs " + String(needed) + " bytes, has " + String(available)
        case .badLength(let format): return format.description + ": a length contradicts the bytes"
        case .badChecksum(let format): return format.description + ": bad checksum"
        case .badVersion(let format): return format.description + ": unsupported version"
        case .badField(let format): return format.description + ": a field holds a forbidden or unsupported value"
        case .badOption(let format): return format.description + ": a malformed option"
        case .nameTooLong: return "DNS: a name over 255 octets"
        case .badLabel: return "DNS: a label over 63 octets or of a reserved type"
        case .badPointer: return "DNS: a compression pointer that does not point backwards"
        case .bufferTooSmall(let needed, let available):
            return "the buffer is too small: needs " + String(needed) + " bytes, has " + String(available)
        }
    }
}

@inline(__always)
func require(_ bytes: borrowing Span<UInt8>, _ needed: Int, _ format: WireFormat) throws(WireError) {
    guard bytes.count >= needed else { throw .truncated(format, needed: needed, available: bytes.count) }
}

@inline(__always)
func requireRoom(_ bytes: borrowing MutableSpan<UInt8>, _ needed: Int) throws(WireError) {
    guard bytes.count >= needed else { throw .bufferTooSmall(needed: needed, available: bytes.count) }
}
