import SwiftletWire
// Shared by every fuzz harness: turn libFuzzer's input into a Span and fail loudly when a round trip
// (parse → emit → parse) does not reproduce the parsed value. A parser that traps is a crash by itself.

@inline(__always)
func withInput<R>(_ data: UnsafePointer<UInt8>, _ size: Int, _ body: (Span<UInt8>) -> R) -> R {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    return body(bytes.span)
}

func roundTripFailed(_ what: String) -> Never {
    fatalError("round trip changed the value: \(what)")
}

/// Emits `header` into a junk-filled buffer of `length` bytes, parses it back and demands the same value.
func checkRoundTrip<H: Equatable>(_ header: H, length: Int,
                                  emit: (H, inout MutableSpan<UInt8>) throws(WireError) -> Void,
                                  parse: (Span<UInt8>) throws(WireError) -> H) {
    var out = [UInt8](repeating: 0xEE, count: length)
    var m = out.mutableSpan
    guard (try? emit(header, &m)) != nil else { roundTripFailed("emit \(header)") }
    guard (try? parse(out.span)) == header else { roundTripFailed("\(header)") }
}
