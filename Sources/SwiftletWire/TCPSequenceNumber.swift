// SwiftletWire: TCP sequence numbers, compared modulo 2^32 (RFC 9293 §3.4, RFC 1982 serial arithmetic).
//
// `a < b` means "a comes before b" when they are less than 2^31 apart; there is deliberately no
// `Comparable` conformance, because the order is not transitive across the whole space.

public struct TCPSequenceNumber: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static func + (a: TCPSequenceNumber, n: Int) -> TCPSequenceNumber {
        TCPSequenceNumber(a.rawValue &+ UInt32(truncatingIfNeeded: n))
    }
    public static func - (a: TCPSequenceNumber, n: Int) -> TCPSequenceNumber {
        TCPSequenceNumber(a.rawValue &- UInt32(truncatingIfNeeded: n))
    }
    public static func += (a: inout TCPSequenceNumber, n: Int) { a = a + n }

    /// Signed distance from `b` to `a` (positive when `a` is after `b`).
    public static func - (a: TCPSequenceNumber, b: TCPSequenceNumber) -> Int {
        Int(Int32(bitPattern: a.rawValue &- b.rawValue))
    }

    public static func < (a: TCPSequenceNumber, b: TCPSequenceNumber) -> Bool { a - b < 0 }
    public static func <= (a: TCPSequenceNumber, b: TCPSequenceNumber) -> Bool { a - b <= 0 }
    public static func > (a: TCPSequenceNumber, b: TCPSequenceNumber) -> Bool { a - b > 0 }
    public static func >= (a: TCPSequenceNumber, b: TCPSequenceNumber) -> Bool { a - b >= 0 }

    public static func max(_ a: TCPSequenceNumber, _ b: TCPSequenceNumber) -> TCPSequenceNumber { a > b ? a : b }
    public static func min(_ a: TCPSequenceNumber, _ b: TCPSequenceNumber) -> TCPSequenceNumber { a < b ? a : b }

    /// `low <= self < high` in sequence space.
    public func isIn(_ low: TCPSequenceNumber, _ high: TCPSequenceNumber) -> Bool { low <= self && self < high }

    public var description: String { rawValue.description }
}
