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
// Limits: at most `maximumViewers` at once (more are closed at once, with a reason in the log); the
// handshake must end within `handshakeTimeout`; a viewer that sends nothing for `idleTimeout`, or takes
// no bytes for `writeTimeout`, is closed; messages are bounded by `limits`. A viewer that breaks the
// protocol is closed with the reason logged; the server and other viewers go on.

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
    public var handshakeTimeout = Duration.seconds(30)
    public var idleTimeout = Duration.seconds(3600)
    public var writeTimeout = Duration.seconds(30)
    /// Called for every key, pointer and cut-text event, with the viewer's number.
    public var onInput: ((Int, VNCInput) -> Void)? = nil
    public private(set) var viewers = 0
    /// Counters since start: viewers accepted, updates and bytes sent, connections closed for a protocol error.
    public private(set) var accepted = 0, updatesSent = 0, bytesSent = 0, protocolErrors = 0
    var states: [ViewerState] { frame.watchers }

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
        let kept = Array(text.prefix(limits.cutText))
        for v in frame.watchers where v.ready { v.cutText = kept; v.doorbell.ring() }
    }

    /// Serves viewers arriving on `listener` until it closes.
    public func serve<L: TCPListening, E: Entropy, T: Timers, C: Console>(_ listener: L, entropy: E, timers: T, console: C) async {
        await listener.serve { flow in await self.run(flow, entropy: entropy, timers: timers, console: console) }
    }

    func run<F: TCPFlow, E: Entropy, T: Timers, C: Console>(_ flow: F, entropy: E, timers: T, console: C) async {
        let peer = flow.remote.description
        guard viewers < maximumViewers else {
            console.log("vnc: " + peer + ": refused: " + String(maximumViewers) + " viewers already")
            flow.abort()
            return
        }
        viewers += 1
        accepted += 1
        let viewer = ViewerState(number: accepted)
        defer { viewers -= 1 }
        var challenge = [UInt8](repeating: 0, count: 16)
        if case .password = security {
            var span = challenge.mutableSpan
            entropy.fill(&span)
        }
        var session = RFBServerSession(security: security, name: name, width: frame.width, height: frame.height, challenge: challenge, limits: limits)
        do throws(NetworkError) {
            try await flow.write(RFBServerSession.greeting, timeout: writeTimeout)
        } catch {
            flow.abort()
            return
        }
        frame.watchers.append(viewer)
        defer { frame.watchers.removeAll { $0 === viewer } }
        let handshakeDeadline = timers.now + handshakeTimeout
        await withDiscardingTaskGroup { group in
            group.addTask { await self.write(viewer, flow, console: console, peer: peer) }
            var reason = "closed by the viewer"
            reading: while true {
                let chunk: [UInt8]?
                do throws(NetworkError) {
                    // The handshake has one deadline in all (a viewer trickling a byte at a time cannot hold a
                    // connection for long); after it, each read may wait `idleTimeout`.
                    let timeout = viewer.ready ? idleTimeout : max(handshakeDeadline - timers.now, .milliseconds(1))
                    chunk = try await flow.read(maximum: 65536, timeout: timeout)
                } catch {
                    reason = viewer.ready ? "idle or lost: " + error.description : "handshake: " + error.description
                    break reading
                }
                guard let chunk else { break reading }
                if !viewer.ready { session.width = frame.width; session.height = frame.height }
                let output = session.receive(chunk)
                if !output.reply.isEmpty {
                    do throws(NetworkError) {
                        try await flow.write(output.reply, timeout: writeTimeout)
                    } catch {
                        reason = error.description
                        break reading
                    }
                }
                for event in output.events { handle(event, viewer) }
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
            flow.close()
        }
    }

    func handle(_ event: RFBServerSession.Event, _ viewer: ViewerState) {
        switch event {
        case .ready:
            viewer.ready = true
        case .message(let message):
            switch message {
            case .setPixelFormat(let format):
                viewer.format = format
                viewer.zrle = nil  // ZRLE's pixels change size; the zlib stream goes on (one per connection)
            case .setEncodings(let list):
                let hadCursor = viewer.supports(.cursor)
                viewer.encodings = list
                if !hadCursor { viewer.cursorSent = false }
            case .framebufferUpdateRequest(let incremental, let area):
                viewer.request = (incremental, area)
                viewer.doorbell.ring()
            case .key(let down, let keysym):
                onInput?(viewer.number, .key(down: down, keysym: keysym))
            case .pointer(let buttons, let x, let y):
                onInput?(viewer.number, .pointer(buttons: buttons, x: Int(x), y: Int(y)))
            case .cutText(let text):
                onInput?(viewer.number, .cutText(text))
            }
        }
    }

    /// The viewer's writer: waits for work, sends it, until the viewer closes.
    func write<F: TCPFlow, C: Console>(_ viewer: ViewerState, _ flow: F, console: C, peer: String) async {
        while true {
            await viewer.doorbell.wait { viewer.hasWork }
            if viewer.closed { return }
            let hadRequest = viewer.request != nil
            let bytes = viewer.nextMessages(frame)
            if bytes.isEmpty { continue }
            if hadRequest && viewer.request == nil { updatesSent += 1 }
            bytesSent += bytes.count
            do throws(NetworkError) {
                try await flow.write(bytes, timeout: writeTimeout)
            } catch {
                if viewer.closed { return }
                console.log("vnc: " + peer + ": " + (error == .timedOut ? "took no update for " + writeTimeout.description : error.description))
                viewer.closed = true
                flow.abort()
                return
            }
        }
    }
}
