// SwiftletVNC: a VNC server (RFB 3.3/3.7/3.8, RFC 6143) showing one frame buffer to several viewers over
// any Swiftlet network stack.
//
// Each viewer gets two tasks: a reader that feeds received bytes to its `RFBServerSession`, writes the
// handshake replies and hands key, pointer and cut-text events to the application (`onInput`), and a
// writer that sleeps on the viewer's doorbell until an update request meets damage, then encodes and
// sends it. Drawing on the frame buffer only records damage and rings doorbells; the encoding happens
// when the viewer asks, so a fast-changing picture is sampled at the pace each viewer takes updates, and
// a slow viewer holds no queue of old frames.
//
// Limits: at most `maximumViewers` connections at once, of which at most `maximumHandshakes` still in
// the handshake (so unauthenticated connections cannot take every slot); more are closed at once, with
// a reason in the log. The handshake must end within `handshakeTimeout`; a failed password costs the
// viewer a second before the answer (online guessing is slow). A viewer that sends nothing for
// `idleTimeout` while it has asked for nothing is closed (one waiting for changes may be silent for
// ever); one that takes no 64 KiB piece of an update within `writeTimeout` is closed. A non-incremental
// request is served at most once every `fullRefreshInterval` (a later one waits), so a 10-byte request
// cannot make the server encode the whole screen as often as the viewer likes; pointer events that only
// move the pointer, several in one read, reach the application as the last of them. An update is encoded
// and written one band at a time: memory per viewer is one band's encoding, not a whole screen's. A
// viewer that breaks the protocol is closed with the reason logged; the server and other viewers go on.

import _Concurrency
import Swiftlet

/// What a viewer did, for the application.
public enum VNCInput: Equatable, Sendable {
    /// A key (an X11 keysym; `keysym < 0x100` is Latin-1) pressed or released.
    case key(down: Bool, keysym: UInt32)
    /// The pointer at (x, y) with these buttons down (bit 0 left, 1 middle, 2 right, 3 and 4 the wheel).
    case pointer(buttons: UInt8, x: Int, y: Int)
    /// Text the viewer's user copied (ISO 8859-1 bytes, at most `RFBLimits.cutText`).
    case cutText([UInt8])
}

public final class VNCServer: @unchecked Sendable {
    public let frame: FrameBuffer
    public var name: String
    public var security: RFBServerSession.Security
    public var limits = RFBLimits()
    public var maximumViewers = 8
    public var maximumHandshakes = 4
    public var handshakeTimeout = Duration.seconds(10)
    public var idleTimeout = Duration.seconds(600)
    public var writeTimeout = Duration.seconds(30)
    public var fullRefreshInterval = Duration.milliseconds(100)
    /// Called for every key, pointer and cut-text event, with the viewer's number.
    public var onInput: ((Int, VNCInput) -> Void)? = nil
    /// Connections now, and those of them still in the handshake.
    public private(set) var viewers = 0, handshaking = 0
    /// Counters since start: viewers accepted, updates and bytes sent, connections closed for a protocol error.
    public private(set) var accepted = 0, updatesSent = 0, bytesSent = 0, protocolErrors = 0

    public init(frame: FrameBuffer, name: String, security: RFBServerSession.Security = .none) {
        self.frame = frame
        self.name = name
        self.security = security
    }

    /// Rings every viewer's bell (RFC 6143 §7.6.3).
    public func bell() {
        for v in frame.watchers where v.ready { v.bell = true; v.doorbell.ring() }
    }

    /// Gives every viewer `text` as the server's cut text (§7.6.4), cut to `limits.cutText` bytes.
    public func setCutText(_ text: [UInt8]) {
        let kept = Array(text.prefix(max(0, limits.cutText)))
        for v in frame.watchers where v.ready { v.cutText = kept; v.doorbell.ring() }
    }

    /// Serves viewers arriving on `listener` until it closes.
    public func serve<L: TCPListening, E: Entropy, T: Timers, C: Console>(_ listener: L, entropy: E, timers: T, console: C) async {
        await listener.serve { flow in await self.run(flow, entropy: entropy, timers: timers, console: console) }
    }

    func run<F: TCPFlow, E: Entropy, T: Timers, C: Console>(_ flow: F, entropy: E, timers: T, console: C) async {
        let peer = flow.remote.description
        guard viewers < maximumViewers, handshaking < maximumHandshakes else {
            console.log("vnc: " + peer + ": refused: " + (viewers >= maximumViewers ? String(maximumViewers) + " viewers" : String(maximumHandshakes) + " handshakes") + " already")
            flow.abort()
            return
        }
        viewers += 1
        handshaking += 1
        accepted += 1
        let viewer = ViewerState(number: accepted, bounds: frame.bounds)
        var challenge = [UInt8](repeating: 0, count: 16)
        if case .password = security {
            var span = challenge.mutableSpan
            entropy.fill(&span)
        }
        var session = RFBServerSession(security: security, name: name, width: frame.width, height: frame.height, challenge: challenge, limits: limits)
        frame.watchers.append(viewer)
        defer {
            frame.watchers.removeAll { $0 === viewer }
            viewers -= 1
            if !viewer.ready { handshaking -= 1 }
        }
        let handshakeDeadline = timers.now + handshakeTimeout
        do throws(NetworkError) {
            try await flow.write(RFBServerSession.greeting, timeout: handshakeTimeout)
        } catch {
            flow.abort()
            return
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.write(viewer, flow, timers: timers, console: console, peer: peer) }
            var reason = "closed by the viewer"
            var failed = true
            reading: while true {
                let chunk: [UInt8]?
                do throws(NetworkError) {
                    if !viewer.ready {
                        // The handshake has one deadline in all: a viewer trickling a byte at a time cannot
                        // hold a connection for long.
                        chunk = try await flow.read(maximum: 65536, timeout: max(handshakeDeadline - timers.now, .milliseconds(1)))
                    } else if viewer.requested != nil || viewer.deferredRefresh != nil {
                        // Waiting for changes: a viewer may say nothing for as long as the screen does not change.
                        chunk = try await flow.read(maximum: 65536)
                    } else {
                        chunk = try await flow.read(maximum: 65536, timeout: idleTimeout)
                    }
                } catch {
                    reason = viewer.ready ? "idle or lost: " + error.description : "handshake: " + error.description
                    break reading
                }
                guard let chunk else { failed = false; break reading }
                if !viewer.ready { session.width = frame.width; session.height = frame.height }
                let output = session.receive(chunk)
                if output.error == .authenticationFailed { await timers.sleep(for: .seconds(1)) }
                if !output.reply.isEmpty {
                    do throws(NetworkError) {
                        try await flow.write(output.reply, timeout: writeTimeout)
                    } catch {
                        reason = error.description
                        break reading
                    }
                }
                handle(output.events, viewer, now: timers.now)
                if let error = output.error {
                    reason = error.description
                    protocolErrors += 1
                    break reading
                }
                if viewer.closed { break reading }
            }
            if !viewer.closed { console.log("vnc: " + peer + ": " + reason) }
            viewer.closed = true
            viewer.doorbell.ring()
            // After an error the writer may be blocked on a full send buffer: a reset ends it at once.
            if failed { flow.abort() } else { flow.close() }
        }
    }

    func handle(_ events: [RFBServerSession.Event], _ viewer: ViewerState, now: Instant) {
        for (i, event) in events.enumerated() {
            switch event {
            case .ready:
                viewer.ready = true
                handshaking -= 1
            case .message(let message):
                switch message {
                case .setPixelFormat(let format):
                    // The ZRLE encoder (its zlib stream) stays: the stream lasts the whole connection.
                    viewer.format = format
                case .setEncodings(let list):
                    let hadCursor = viewer.supports(.cursor)
                    viewer.encodings = list
                    if !hadCursor { viewer.cursorSent = false }
                case .framebufferUpdateRequest(let incremental, let area):
                    if incremental {
                        viewer.request(incremental: true, area, bounds: frame.bounds)
                    } else if now >= viewer.fullRefreshAllowed {
                        viewer.fullRefreshAllowed = now + fullRefreshInterval
                        viewer.request(incremental: false, area, bounds: frame.bounds)
                    } else {
                        viewer.deferredRefresh = (viewer.deferredRefresh ?? area).union(area)
                        viewer.doorbell.ring()
                    }
                case .key(let down, let keysym):
                    onInput?(viewer.number, .key(down: down, keysym: keysym))
                case .pointer(let buttons, let x, let y):
                    // A move followed by another with the same buttons in this read: only the last counts.
                    if i + 1 < events.count, case .message(.pointer(buttons, _, _)) = events[i + 1] { continue }
                    onInput?(viewer.number, .pointer(buttons: buttons, x: Int(x), y: Int(y)))
                case .cutText(let text):
                    onInput?(viewer.number, .cutText(text))
                }
            }
        }
    }

    /// The viewer's writer: waits for work, sends it, until the viewer closes.
    func write<F: TCPFlow, T: Timers, C: Console>(_ viewer: ViewerState, _ flow: F, timers: T, console: C, peer: String) async {
        var band: [UInt8] = []
        while true {
            if viewer.closed { return }
            if !viewer.hasWork {
                if let deferred = viewer.deferredRefresh {
                    await timers.sleep(until: viewer.fullRefreshAllowed)
                    viewer.deferredRefresh = nil
                    viewer.fullRefreshAllowed = timers.now + fullRefreshInterval
                    viewer.request(incremental: false, deferred, bounds: frame.bounds)
                } else {
                    await viewer.doorbell.wait()
                }
                continue
            }
            let plan = viewer.plan(frame)
            // The pixels as they are now, for every band of this update (drawing meanwhile copies the
            // buffer rather than change what is being sent; the changes are damage for the next update).
            let snapshot = frame.pixels, stride = frame.width
            do throws(NetworkError) {
                try await send(plan.head, flow)
                for r in plan.bands {
                    band.removeAll(keepingCapacity: true)
                    viewer.encode(r, plan.encoding, pixels: snapshot.span, stride: stride, into: &band)
                    try await send(band, flow)
                }
            } catch {
                if viewer.closed { return }
                console.log("vnc: " + peer + ": " + (error == .timedOut ? "took no update for " + writeTimeout.description : error.description))
                viewer.closed = true
                flow.abort()
                return
            }
            if plan.isUpdate { updatesSent += 1 }
            if band.capacity > 1 << 20 { band = [] }
            viewer.shrinkScratch()
        }
    }

    /// Writes `bytes` in pieces of at most 64 KiB, each allowed `writeTimeout`: a slow viewer is given
    /// time for a big update as long as it keeps taking bytes.
    func send<F: TCPFlow>(_ bytes: [UInt8], _ flow: F) async throws(NetworkError) {
        var at = 0
        while at < bytes.count {
            let end = min(at + 65536, bytes.count)
            try await flow.write(at == 0 && end == bytes.count ? bytes : Array(bytes[at..<end]), timeout: writeTimeout)
            bytesSent += end - at
            at = end
        }
    }
}
