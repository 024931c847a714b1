// SwiftletVNC: what the server knows of one viewer between updates: its damage, a pending CopyRect, a
// size change, what it has asked for, server messages waiting, and the doorbell its writer task sleeps
// on. Planning an update (RFC 6143 §7.6.1) from that is here too; the writer encodes and sends the plan
// one band at a time (Server/VNCServer.swift), so an update never sits whole in memory.
//
// Requests: a viewer may send several before the server answers; what is asked for is the union of
// their areas, and a non-incremental request adds its area to the damage when it arrives (so a later
// incremental request cannot cancel it) and is owed an answer even if nothing changed. A new viewer
// starts with the whole screen as damage: it has seen nothing.
//
// Bounds: damage is at most `Damage.capacity` rectangles; at most one CopyRect waits (a second copy, or a
// copy whose source has unsent changes, becomes damage); waiting server messages are at most one bell
// and one cut text. So a viewer that stops reading costs a fixed amount of memory, whatever the picture does.

import _Concurrency
import Swiftlet

final class ViewerState: @unchecked Sendable {
    let number: Int
    var damage = Damage()
    var copy: (from: Rect, to: Rect)? = nil
    var sizeChanged = false
    /// The union of the areas asked for since the last update, or nil when nothing is asked for.
    var requested: Rect? = nil
    /// A non-incremental request is waiting: answer even with nothing changed.
    var owed = false
    /// A non-incremental request that came too soon after the last one (`VNCServer.fullRefreshInterval`):
    /// its area becomes damage when the interval has passed.
    var deferredRefresh: Rect? = nil
    /// When the next non-incremental request may be served.
    var fullRefreshAllowed = Instant.zero
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

    init(number: Int, bounds: Rect) {
        self.number = number
        damage.add(bounds)
    }

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

    /// A FramebufferUpdateRequest (§7.5.3).
    func request(incremental: Bool, _ area: Rect, bounds: Rect) {
        let area = area.intersection(bounds)
        if !incremental {
            damage.add(area)
            owed = true
        }
        requested = (requested ?? area).union(area)
        doorbell.ring()
    }

    /// Whether the writer has something to send now.
    var hasWork: Bool {
        if closed { return true }
        guard ready else { return false }
        if bell || cutText != nil { return true }
        guard let requested else { return false }
        return owed || (sizeChanged && supports(.desktopSize)) || copy != nil || (!cursorSent && supports(.cursor))
            || damage.intersects(requested)
    }

    /// What the writer sends next.
    struct Plan {
        /// Server messages waiting, then the FramebufferUpdate header and the rectangles that carry no
        /// pixels of the frame (DesktopSize, Cursor, CopyRect).
        var head: [UInt8] = []
        /// Rectangles of pixels still to encode, each one rectangle of the update, in `encoding`.
        var bands: [Rect] = []
        var encoding = RFBEncoding.raw
        /// Whether it holds a FramebufferUpdate.
        var isUpdate = false
    }

    /// Takes what is to be sent now. The update's rectangle count is known before any pixels are encoded:
    /// one per band (the RRE encoder falls back to Raw for a band, not to nothing).
    func plan(_ frame: FrameBuffer) -> Plan {
        var plan = Plan()
        if bell { plan.head.append(2); bell = false }  // §7.6.3 Bell
        if let text = cutText {  // §7.6.4 ServerCutText
            plan.head += [3, 0, 0, 0]
            plan.head.appendU32(UInt32(text.count))
            plan.head += text
            cutText = nil
        }
        guard let area = requested, hasWork else { return plan }
        requested = nil
        owed = false
        plan.isUpdate = true
        var count = 0
        var rects: [UInt8] = []
        func header(_ r: Rect, _ e: RFBEncoding) {
            rects.appendU16(UInt16(clamping: r.x)); rects.appendU16(UInt16(clamping: r.y))
            rects.appendU16(UInt16(clamping: r.width)); rects.appendU16(UInt16(clamping: r.height))
            rects.appendU32(UInt32(bitPattern: e.rawValue))
            count += 1
        }
        let bounds = frame.bounds
        if sizeChanged && supports(.desktopSize) {
            // §7.8.2, alone in its update: the viewer resizes, then asks again (the damage waits).
            sizeChanged = false
            header(bounds, .desktopSize)
            Self.updateHeader(count, &plan.head)
            plan.head += rects
            return plan
        }
        sizeChanged = false
        if !cursorSent && supports(.cursor) {
            header(Cursor.rect, .cursor)
            Cursor.emit(format: format, into: &rects)
            cursorSent = true
        }
        if let c = copy {  // §7.7.2, before the damage, which may overlap where it lands
            copy = nil
            if supports(.copyRect) && bounds.contains(c.from) && bounds.contains(c.to) {
                header(c.to, .copyRect)
                rects.appendU16(UInt16(c.from.x)); rects.appendU16(UInt16(c.from.y))
            } else {
                damage.add(c.to)
            }
        }
        // Big rectangles go in bands of at most 256 rows, each encoded and written on its own.
        for r in damage.take(within: area.intersection(bounds)) {
            var y = r.y
            while y < r.maxY {
                plan.bands.append(Rect(x: r.x, y: y, width: r.width, height: min(r.maxY - y, 256)))
                y += 256
            }
        }
        plan.encoding = preferredEncoding
        Self.updateHeader(count + plan.bands.count, &plan.head)
        plan.head += rects
        return plan
    }

    static func updateHeader(_ count: Int, _ out: inout [UInt8]) {
        out += [0, 0]  // §7.6.1 FramebufferUpdate
        out.appendU16(UInt16(clamping: count))
    }

    /// One band of `plan`: its rectangle header and pixels, appended to `out`.
    func encode(_ band: Rect, _ encoding: RFBEncoding, pixels: Span<Colour>, stride: Int, into out: inout [UInt8]) {
        func header(_ e: RFBEncoding) {
            out.appendU16(UInt16(band.x)); out.appendU16(UInt16(band.y)); out.appendU16(UInt16(band.width)); out.appendU16(UInt16(band.height))
            out.appendU32(UInt32(bitPattern: e.rawValue))
        }
        switch encoding {
        case .zrle:
            if zrle == nil { zrle = ZRLEEncoder() }
            header(.zrle)
            zrle!.encode(pixels, stride: stride, band, format: format, into: &out)
        case .hextile:
            header(.hextile)
            HextileEncoding.encode(pixels, stride: stride, band, format: format, scratch: &scratch, into: &out)
        case .rre:
            let mark = out.count
            header(.rre)
            if !RREEncoding.encode(pixels, stride: stride, band, format: format, scratch: &scratch, into: &out) {
                out.removeLast(out.count - mark)
                header(.raw)
                RawEncoding.encode(pixels, stride: stride, band, format: format, into: &out)
            }
        default:
            header(.raw)
            RawEncoding.encode(pixels, stride: stride, band, format: format, into: &out)
        }
    }

    /// The next messages whole, bands encoded in place (tests and the fuzz harness; the server streams them).
    func nextMessages(_ frame: FrameBuffer) -> [UInt8] {
        let p = plan(frame)
        var out = p.head
        let snapshot = frame.pixels
        for band in p.bands { encode(band, p.encoding, pixels: snapshot.span, stride: frame.width, into: &out) }
        return out
    }

    /// Gives back scratch memory a big update grew, so an idle viewer holds little.
    func shrinkScratch() {
        if scratch.subrects.capacity > 4096 || scratch.covered.count > 65536 { scratch = EncoderScratch() }
        zrle?.shrink()
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

    /// Sleeps until the next ring.
    func wait() async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in waiter = c }
    }
}
