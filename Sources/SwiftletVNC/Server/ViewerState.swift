// SwiftletVNC: what the server knows of one viewer between updates: its damage, a pending CopyRect, a
// size change, its outstanding FramebufferUpdateRequest, server messages waiting, and the doorbell its
// writer task sleeps on. Building an update (RFC 6143 §7.6.1) from that is here too.
//
// Bounds: damage is at most `Damage.capacity` rectangles; at most one CopyRect waits (a second copy, or a
// copy whose source has unsent changes, becomes damage); waiting server messages are at most one bell
// and one cut text. So a viewer that stops reading costs a fixed amount of memory, whatever the picture does.

import _Concurrency

final class ViewerState: @unchecked Sendable {
    let number: Int
    var damage = Damage()
    var copy: (from: Rect, to: Rect)? = nil
    var sizeChanged = false
    var request: (incremental: Bool, area: Rect)? = nil
    var ready = false
    var closed = false
    var format = PixelFormat.native
    var encodings: [RFBEncoding] = [.raw]
    var cursorSent = false
    var bell = false
    var cutText: [UInt8]? = nil
    var scratch = EncoderScratch()
    var zrle: ZRLEEncoder? = nil
    let doorbell = Doorbell()

    init(number: Int) { self.number = number }

    func supports(_ e: RFBEncoding) -> Bool { encodings.contains(e) }

    func damaged(_ r: Rect) {
        damage.add(r)
        doorbell.ring()
    }

    func copied(_ source: Rect, to destination: Rect) {
        if copy != nil || !supports(.copyRect) || damage.intersects(source) { damage.add(destination) } else { copy = (source, destination) }
        doorbell.ring()
    }

    func resized(_ bounds: Rect) {
        sizeChanged = true
        copy = nil
        damage.removeAll()
        damage.add(bounds)
        doorbell.ring()
    }

    /// Whether the writer has something to send now.
    var hasWork: Bool {
        if closed { return true }
        guard ready else { return false }
        if bell || cutText != nil { return true }
        guard let request else { return false }
        return hasWork(for: request)
    }

    private func hasWork(for request: (incremental: Bool, area: Rect)) -> Bool {
        !request.incremental || (sizeChanged && supports(.desktopSize)) || copy != nil || (!cursorSent && supports(.cursor))
            || damage.intersects(request.area)
    }

    /// The bytes to send now: waiting server messages, then a FramebufferUpdate answering the request when
    /// there is one and something for it.
    func nextMessages(_ frame: FrameBuffer) -> [UInt8] {
        var out: [UInt8] = []
        if bell { out.append(2); bell = false }  // §7.6.3 Bell
        if let text = cutText {  // §7.6.4 ServerCutText
            out += [3, 0, 0, 0]
            out.appendU32(UInt32(text.count))
            out += text
            cutText = nil
        }
        guard let request, hasWork(for: request) else { return out }
        self.request = nil
        let bounds = frame.bounds
        var count = 0
        var body: [UInt8] = []
        func header(_ r: Rect, _ e: RFBEncoding) {
            body.appendU16(UInt16(r.x)); body.appendU16(UInt16(r.y)); body.appendU16(UInt16(r.width)); body.appendU16(UInt16(r.height))
            body.appendU32(UInt32(bitPattern: e.rawValue))
            count += 1
        }
        if sizeChanged && supports(.desktopSize) { header(bounds, .desktopSize) }  // §7.8.2: the new size, no data
        sizeChanged = false
        if !cursorSent && supports(.cursor) {
            header(Cursor.rect, .cursor)
            Cursor.emit(format: format, into: &body)
            cursorSent = true
        }
        if let c = copy {  // §7.7.2
            copy = nil
            header(c.to, .copyRect)
            body.appendU16(UInt16(c.from.x)); body.appendU16(UInt16(c.from.y))
        }
        let area = request.area.intersection(bounds)
        if !request.incremental { damage.add(area) }
        let encoding = preferredEncoding
        let snapshot = frame.pixels  // shares the storage; nothing draws while this runs
        let pixels = snapshot.span
        for r in damage.take(within: area) {
            // Big rectangles go in bands, so one rectangle's encoding stays moderate in size.
            var y = r.y
            while y < r.maxY {
                let band = Rect(x: r.x, y: y, width: r.width, height: min(r.maxY - y, 256))
                y = band.maxY
                switch encoding {
                case .zrle:
                    if zrle == nil { zrle = ZRLEEncoder() }
                    header(band, .zrle)
                    zrle!.encode(pixels, stride: frame.width, band, format: format, into: &body)
                case .hextile:
                    header(band, .hextile)
                    HextileEncoding.encode(pixels, stride: frame.width, band, format: format, scratch: &scratch, into: &body)
                case .rre:
                    let mark = body.count
                    header(band, .rre)
                    if !RREEncoding.encode(pixels, stride: frame.width, band, format: format, scratch: &scratch, into: &body) {
                        body.removeLast(body.count - mark)
                        count -= 1
                        header(band, .raw)
                        RawEncoding.encode(pixels, stride: frame.width, band, format: format, into: &body)
                    }
                default:
                    header(band, .raw)
                    RawEncoding.encode(pixels, stride: frame.width, band, format: format, into: &body)
                }
            }
        }
        out += [0, 0]  // §7.6.1 FramebufferUpdate
        out.appendU16(UInt16(count))
        out += body
        return out
    }

    /// The first encoding in the viewer's list that this server writes (Raw when none).
    var preferredEncoding: RFBEncoding {
        for e in encodings where e == .raw || e == .rre || e == .hextile || e == .zrle { return e }
        return .raw
    }
}

/// Wakes the one task waiting on it: rung by drawing (damage) and by the reader (a request, the end).
/// Everything runs on one executor, so nothing can ring between the test and the sleep.
final class Doorbell: @unchecked Sendable {
    private var waiter: UnsafeContinuation<Void, Never>? = nil

    func ring() {
        if let w = waiter {
            waiter = nil
            w.resume()
        }
    }

    /// Returns once `condition` holds, sleeping between rings.
    func wait(until condition: () -> Bool) async {
        while !condition() {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in waiter = c }
        }
    }
}
