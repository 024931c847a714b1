// SwiftletWire re-exports the address and time types of `Swiftlet` that every header uses.
@_exported import Swiftlet
