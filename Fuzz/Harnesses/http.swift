// The HTTP/1.1 request and response parsers (SwiftletHTTP, RFC 9112). The input's first byte chooses how
// the rest is split into reads (1 to 64 bytes, or all at once); the parser must give the same requests,
// or the same error, as when the whole input arrives at once, and examine each byte a bounded number of
// times. The response parser reads the same bytes as a response to GET and must not trap. The metrics
// port's reader (Swiftlet/MetricsEndpoint.swift) takes the same bytes: its route must not trap, and its
// scan for the end of the head, done read by read from three bytes before each read's start, must find
// the end at the same read as a scan of everything received so far.
@testable import SwiftletHTTP
@testable import Swiftlet

private func requests(_ bytes: [UInt8], piece: Int) -> ([HTTPRequest], HTTPParseError?, Int) {
    var p = HTTPRequestParser()
    var out: [HTTPRequest] = []
    var at = 0
    repeat {
        let end = min(at + piece, bytes.count)
        p.feed(Array(bytes[at..<end]))
        at = end
        do throws(HTTPParseError) {
            while let r = try p.next() { out.append(r) }
        } catch {
            return (out, error, p.bytesExamined)
        }
    } while at < bytes.count
    return (out, nil, p.bytesExamined)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let piece = data[0] < 64 ? Int(data[0]) + 1 : max(bytes.count, 1)
    let whole = requests(bytes, piece: max(bytes.count, 1))
    let split = requests(bytes, piece: piece)
    // The same requests (with their bodies) however the bytes are split; an error in both or neither
    // (the limits on a line still open can fire at a different point, so the error's kind may differ).
    if whole.0 != split.0 || (whole.1 == nil) != (split.1 == nil) {
        fatalError("split into reads of \(piece): \(split.0.count) requests, error \(String(describing: split.1)); whole: \(whole.0.count), error \(String(describing: whole.1))")
    }
    if split.2 > 6 * bytes.count + 64 { fatalError("examined \(split.2) bytes for \(bytes.count)") }
    _ = MetricsEndpoint.route(bytes)
    var received: [UInt8] = []
    var at = 0
    while at < bytes.count {
        let end = min(at + piece, bytes.count)
        let before = max(0, received.count - 3)
        received += bytes[at..<end]
        at = end
        if MetricsEndpoint.endsHead(received, from: before) != MetricsEndpoint.endsHead(received) {
            fatalError("the incremental scan for the head's end disagrees with the whole scan after \(received.count) bytes")
        }
        if MetricsEndpoint.endsHead(received) { break }
    }
    var r = HTTPResponseParser()
    r.feed(bytes)
    do throws(HTTPParseError) {
        while (try r.next(method: "GET")) != nil {}
        _ = try r.finish(method: "GET")
    } catch {}
    return 0
}
