// SwiftletWire: the IPv6 extension header chain (RFC 8200 §4), walked the way a host must.
//
// Hop-by-Hop Options (only directly after the fixed header, §4.3), Routing (§4.4; every routing type is
// one this host does not forward by, so with Segments Left non-zero the packet is refused with a
// parameter problem pointing at the type field, and type 0 is refused as RFC 5095 demands), Fragment
// (§4.5: the walk stops there, the rest is fragment data until reassembled) and Destination Options
// (§4.6). Options are TLVs; Pad1 and PadN are skipped and an unrecognised option is handled as the two
// high bits of its type say (§4.2). Any other next header ends the walk as the upper-layer protocol;
// whether this host speaks it is the stack's call (ICMPv6 parameter problem code 1, §4). Every header is
// at least 8 bytes, so a chain is walked in time linear in the packet.

import Swiftlet

/// What the fragment header says (RFC 8200 §4.5).
public struct IPv6FragmentHeader: Hashable, Sendable {
    /// The header that begins the fragmentable part (of the first fragment; same value in every fragment).
    public var nextHeader: IPProtocol
    /// In bytes; a multiple of 8.
    public var offset: Int
    public var moreFragments: Bool
    public var identification: UInt32

    public init(nextHeader: IPProtocol, offset: Int, moreFragments: Bool, identification: UInt32) {
        self.nextHeader = nextHeader
        self.offset = offset
        self.moreFragments = moreFragments
        self.identification = identification
    }

    public static let length = 8

    /// An atomic fragment (offset 0, no more fragments: RFC 6946) is processed as a whole packet.
    public var isAtomic: Bool { offset == 0 && !moreFragments }

    /// Writes the 8-byte header at the start of `buffer`.
    public func emit(into buffer: inout MutableSpan<UInt8>) throws(WireError) {
        guard offset >= 0, offset % 8 == 0, offset <= 0xFFF8 else { throw .badLength(.ipv6) }
        try requireRoom(buffer, IPv6FragmentHeader.length)
        buffer.set8(nextHeader.rawValue, 0)
        buffer.set8(0, 1)
        buffer.set16(UInt16(offset) | (moreFragments ? 1 : 0), 2)
        buffer.set32(identification, 4)
    }
}

/// Where the walk of a packet's extension headers ended.
public enum IPv6Chain: Hashable, Sendable {
    /// The upper-layer header (`protocol`) begins `offset` bytes into the packet (fixed header included).
    case upperLayer(IPProtocol, offset: Int)
    /// A fragment header; its fragment data begins `dataOffset` bytes into the packet, and the headers
    /// before the fragment header (the unfragmentable part) end at `dataOffset - 8`.
    case fragment(IPv6FragmentHeader, dataOffset: Int)
    /// Drop without a word: No Next Header (59), or an unknown option whose type says "discard".
    case discard
    /// Drop and answer with ICMPv6 parameter problem `code` (RFC 4443 §3.4: 0 erroneous header field,
    /// 1 unrecognised next header, 2 unrecognised option), `pointer` bytes into the packet.
    /// `unlessMulticast` says the answer is sent only when the destination was not multicast (§4.2 type 11xxxxxx).
    case parameterProblem(code: UInt8, pointer: Int, unlessMulticast: Bool)
}

extension IPv6Packet {
    /// Walks the extension headers from the fixed header on (RFC 8200 §4.1 order is not enforced beyond
    /// what §4 requires: Hop-by-Hop first only). Throws only when a header runs past the packet.
    public func walkExtensionHeaders() throws(WireError) -> IPv6Chain {
        try IPv6Packet.walk(bytes, from: Field.headerLength, next: nextHeader)
    }

    /// Walks from `offset` with `next` as the header there (after reassembly, from the fragment data).
    public static func walk(_ bytes: Span<UInt8>, from start: Int, next first: IPProtocol) throws(WireError) -> IPv6Chain {
        var next = first
        var offset = start
        // Where the field naming the current header sits (for code 1's pointer).
        var nextField = Field.nextHeader
        while true {
            switch next {
            case .ipv6HopByHop, .ipv6DestinationOptions:
                if next == .ipv6HopByHop, offset != Field.headerLength {
                    return .parameterProblem(code: 1, pointer: nextField, unlessMulticast: false)
                }
                let length = try extensionLength(bytes, offset)
                switch IPv6Packet.checkOptions(bytes, from: offset + 2, to: offset + length) {
                case .proceed: break
                case .discard: return .discard
                case .problem(let pointer, let unlessMulticast):
                    return .parameterProblem(code: 2, pointer: pointer, unlessMulticast: unlessMulticast)
                case .malformed: return .parameterProblem(code: 0, pointer: offset + 1, unlessMulticast: false)
                }
                nextField = offset
                next = IPProtocol(rawValue: bytes.u8(offset))
                offset += length
            case .ipv6Routing:
                let length = try extensionLength(bytes, offset)
                try require(bytes, offset + 4, .ipv6)
                // Segments Left non-zero: this host would have to forward it, and knows no routing type.
                if bytes.u8(offset + 3) != 0 {
                    return .parameterProblem(code: 0, pointer: offset + 2, unlessMulticast: false)
                }
                nextField = offset
                next = IPProtocol(rawValue: bytes.u8(offset))
                offset += length
            case .ipv6Fragment:
                try require(bytes, offset + IPv6FragmentHeader.length, .ipv6)
                let field = bytes.u16(offset + 2)
                let fragment = IPv6FragmentHeader(nextHeader: IPProtocol(rawValue: bytes.u8(offset)),
                                                  offset: Int(field & 0xFFF8), moreFragments: field & 1 != 0,
                                                  identification: bytes.u32(offset + 4))
                return .fragment(fragment, dataOffset: offset + IPv6FragmentHeader.length)
            case .ipv6NoNextHeader:
                return .discard
            default:
                return .upperLayer(next, offset: offset)
            }
        }
    }

    /// The length in bytes of the extension header at `offset` ((Hdr Ext Len + 1) × 8), checked against the bytes.
    static func extensionLength(_ bytes: Span<UInt8>, _ offset: Int) throws(WireError) -> Int {
        try require(bytes, offset + 2, .ipv6)
        let length = (Int(bytes.u8(offset + 1)) + 1) * 8
        try require(bytes, offset + length, .ipv6)
        return length
    }

    enum OptionVerdict { case proceed, discard, problem(pointer: Int, unlessMulticast: Bool), malformed }

    /// The options between `start` and `end` (RFC 8200 §4.2).
    static func checkOptions(_ bytes: Span<UInt8>, from start: Int, to end: Int) -> OptionVerdict {
        var i = start
        while i < end {
            let type = bytes.u8(i)
            if type == 0 { i += 1; continue }  // Pad1
            guard i + 2 <= end else { return .malformed }
            let length = Int(bytes.u8(i + 1))
            guard i + 2 + length <= end else { return .malformed }
            if type != 1 {  // PadN is skipped; nothing else is known to this host.
                switch type >> 6 {
                case 0: break
                case 1: return .discard
                case 2: return .problem(pointer: i, unlessMulticast: false)
                default: return .problem(pointer: i, unlessMulticast: true)
                }
            }
            i += 2 + length
        }
        return .proceed
    }
}

/// One hop-by-hop header holding a Router Alert option (RFC 2711) for MLD (RFC 3810 §5), padded to 8
/// bytes: the bytes to put between the fixed header and an MLD message.
public func ipv6RouterAlertHeader(next: IPProtocol) -> [UInt8] {
    // next header, length 0 (8 bytes), Router Alert (type 5, length 2, value 0 = MLD), PadN of 2 bytes.
    [next.rawValue, 0, 5, 2, 0, 0, 1, 0]
}
