// The VNC server's session (SwiftletVNC, RFC 6143): the handshake and the client-message parser. The
// input's first byte chooses the security type and how the rest is split into reads; a quarter of the
// time (no password) a whole 3.8 handshake with security None is put in front of the rest, so the fuzzer
// reaches the message parser at once. The session must not trap, must give the same events (and the same
// end) however the bytes are split, must hold no more than one message plus one read, and the last pixel
// format and encodings the input set must encode a frame, without trapping, for each update request it sent.
@testable import SwiftletVNC

private func run(_ bytes: [UInt8], piece: Int, password: Bool) -> ([RFBServerSession.Event], RFBError?, RFBServerSession) {
    var s = RFBServerSession(security: password ? .password(Array("pw".utf8)) : .none, name: "fuzz", width: 64, height: 48,
                             challenge: [UInt8](repeating: 7, count: 16))
    var events: [RFBServerSession.Event] = []
    var at = 0
    repeat {
        let end = min(at + piece, bytes.count)
        let out = s.receive(Array(bytes[at..<end]))
        at = end
        events += out.events
        // Bounded: what waits is less than the longest message the limits allow (a cut text's header and
        // text) plus one read.
        if s.input.count > 8 + s.limits.cutText + piece { fatalError("session holds \(s.input.count) bytes") }
        if let e = out.error { return (events, e, s) }
    } while at < bytes.count
    return (events, nil, s)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let control = data[0]
    let password = control & 0x80 != 0
    if control & 0x40 != 0 && !password { bytes = Array("RFB 003.008\n".utf8) + [1, 1] + bytes }
    let piece = Int(control & 0x3F) + 1
    let whole = run(bytes, piece: max(bytes.count, 1), password: password)
    let split = run(bytes, piece: piece, password: password)
    if whole.0 != split.0 || whole.1 != split.1 {
        fatalError("split into reads of \(piece): \(split.0.count) events, \(String(describing: split.1)); whole: \(whole.0.count), \(String(describing: whole.1))")
    }
    // Whatever the viewer set, an update in its format and encodings must encode (small frame, no trap).
    let frame = FrameBuffer(width: 40, height: 20)
    frame.text("Fz", x: 1, y: 1, 0xFFFFFF)
    frame.fill(Rect(x: 20, y: 5, width: 9, height: 9), 0x336699)
    let viewer = ViewerState(number: 1, bounds: frame.bounds)
    frame.watchers.append(viewer)
    viewer.ready = true
    viewer.format = split.2.pixelFormat
    viewer.encodings = split.2.encodings
    for event in split.0 {
        if case .message(.framebufferUpdateRequest(let incremental, let area)) = event {
            viewer.request(incremental: incremental, area, bounds: frame.bounds)
            if viewer.hasWork { _ = viewer.nextMessages(frame) }
        }
    }
    return 0
}
