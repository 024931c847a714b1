// The zlib inflater (SwiftletVNC's Deflate/, RFC 1950/1951), which the tests use to check ZRLE: any input
// must end in bytes or a typed error, never a trap, and never more output than its limit. The same bytes
// also go the other way: compressed by the deflater in pieces chosen by the first byte, inflated back,
// they must come out unchanged.
@testable import SwiftletVNC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let piece = Int(data[0] & 0x3F) + 1
    // 1. Arbitrary input, fed in pieces.
    var inflater = InflateStream(outputLimit: 1 << 16)
    var out: [UInt8] = []
    var at = 0
    while at < bytes.count {
        let end = min(at + piece, bytes.count)
        var produced: [UInt8] = []
        do throws(InflateError) {
            try inflater.feed(Array(bytes[at..<end]), into: &produced)
        } catch {
            break
        }
        if produced.count > 1 << 16 { fatalError("one feed produced \(produced.count) bytes over its limit") }
        out += produced
        at = end
    }
    // 2. Round trip through the deflater.
    let level: DeflateLevel = data[0] & 0x80 != 0 ? .fast : .default
    var deflater = DeflateStream(level: level)
    var compressed: [UInt8] = []
    at = 0
    while at < bytes.count {
        let end = min(at + piece * 37, bytes.count)
        deflater.compress(Array(bytes[at..<end]), into: &compressed)
        at = end
    }
    var back = InflateStream(outputLimit: 1 << 20)
    var plain: [UInt8] = []
    do throws(InflateError) {
        try back.feed(compressed, into: &plain)
    } catch {
        fatalError("our own stream did not inflate: \(error)")
    }
    if plain != bytes { fatalError("round trip changed \(bytes.count) bytes into \(plain.count)") }
    return 0
}
