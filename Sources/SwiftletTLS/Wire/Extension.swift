// SwiftletTLS / Wire: the extension block every hello-like message carries (RFC 8446 §4.2).
//
//     struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
//     Extension extensions<0..2^16-1>;
//
// Invariants: a parsed list holds at most `ExtensionList.maximumCount` entries (more is decode_error,
// a bound of this stack: no honest peer sends that many) and no two entries share a type (§4.2: "There
// MUST NOT be more than one extension of the same type in a given extension block", illegal_parameter).
// Bodies stay opaque here; `ExtensionBodies.swift` parses the ones this stack understands. Order is kept,
// so a message re-emits byte for byte (the transcript depends on it).

/// One extension: its type and its undecoded `extension_data`.
public struct TLSExtension: Hashable, Sendable {
    public var type: ExtensionType
    public var body: [UInt8]

    public init(type: ExtensionType, body: [UInt8]) {
        self.type = type
        self.body = body
    }
}

/// Reading and writing the 2-byte-length extensions vector.
public enum ExtensionList {
    /// The most extensions accepted in one message; more is decode_error.
    public static let maximumCount = 64

    /// Reads the 2-byte-length extensions vector from `r` (which then stands after it). A repeated type is
    /// illegal_parameter (§4.2); more than `maximumCount` entries or a malformed entry is decode_error.
    public static func parse(_ r: inout TLSReader) throws(TLSError) -> [TLSExtension] {
        var v = try r.vector(lengthBytes: 2)
        var list: [TLSExtension] = []
        while !v.isAtEnd {
            guard list.count < maximumCount else { throw TLSError.alert(.decodeError) }
            let type = ExtensionType(rawValue: try v.u16())
            let body = try v.opaque(lengthBytes: 2)
            for e in list where e.type == type { throw TLSError.alert(.illegalParameter) }
            list.append(TLSExtension(type: type, body: body))
        }
        return list
    }

    /// Writes `list` as a 2-byte-length vector, in order.
    public static func emit(_ list: [TLSExtension], into w: inout TLSWriter) {
        w.vector(lengthBytes: 2) { w in
            for e in list {
                w.u16(e.type.rawValue)
                w.opaque(lengthBytes: 2, e.body)
            }
        }
    }
}

extension Array where Element == TLSExtension {
    /// The body of the extension of `type`, or nil when the list has none.
    public func body(of type: ExtensionType) -> [UInt8]? {
        for e in self where e.type == type { return e.body }
        return nil
    }

    /// Whether the list holds an extension of `type`.
    public func contains(_ type: ExtensionType) -> Bool {
        body(of: type) != nil
    }
}
