// BBR (BBR.swift) and its delivery-rate samples (DeliveryRate.swift): samples computed as the delivery-rate
// draft's §3 defines them, the windowed maximum's ageing, BBR's modes on a steady path, its window in loss
// recovery and after a timeout, pacing in a connection, and `--tcp` (TCPTuning).

import Testing
import Swiftlet
import SwiftletWire
@testable import SwiftletNet

private let t0 = Instant(nanoseconds: 1_000_000_000)
private func seq(_ n: Int) -> TCPSequenceNumber { TCPSequenceNumber(1000) + n }
private func us(_ n: Int64) -> Instant { t0 + .microseconds(n) }

@Suite struct DeliveryRateTests {
    /// Ten 1,000-byte segments sent 100 us apart from idle; the first five acknowledged at 1 ms: the
    /// sample comes from the fifth (sent last among them): 5,000 bytes over the longer of its send interval
    /// (400 us) and the ACK interval since the start (1 ms): 5 MB/s. Then the other five at 1.5 ms: the tenth
    /// was sent when nothing had been delivered yet, so 10,000 bytes over 1.5 ms.
    @Test func theLatestSentSegmentDeliveredGivesTheSample() {
        var records = SentSegments(sendBufferSize: 256 * 1024, budget: nil)
        records.sampling = true
        for i in 0..<10 { records.append(seq(i * 1000), seq(i * 1000 + 1000), now: us(Int64(i) * 100)) }
        records.acknowledge(through: seq(5000), now: us(1000)) { _, _ in }
        let first = records.rate.takeSample(minimumRTT: .microseconds(100), now: us(1000))
        #expect(first?.delivered == 5000 && first?.interval == .milliseconds(1) && first?.rate == 5_000_000)
        #expect(first?.priorDelivered == 0 && first?.applicationLimited == false)
        records.acknowledge(through: seq(10_000), now: us(1500)) { _, _ in }
        let second = records.rate.takeSample(minimumRTT: .microseconds(100), now: us(1500))
        #expect(second?.delivered == 10_000 && second?.interval == .microseconds(1500))
        #expect(records.rate.takeSample(minimumRTT: nil, now: us(1600)) == nil, "an ACK that delivered nothing gives no sample")
    }

    /// A segment sent after deliveries carries them: its sample counts only what was delivered since it
    /// went, over the time since the delivery it saw at its send.
    @Test func aSegmentSentAfterDeliveriesMeasuresFromThem() {
        var records = SentSegments(sendBufferSize: 256 * 1024, budget: nil)
        records.sampling = true
        records.append(seq(0), seq(1000), now: us(0))
        records.acknowledge(through: seq(1000), now: us(500)) { _, _ in }
        _ = records.rate.takeSample(minimumRTT: nil, now: us(500))
        records.append(seq(1000), seq(3000), now: us(600))  // idle: both intervals restart here
        records.acknowledge(through: seq(3000), now: us(1100)) { _, _ in }
        let s = records.rate.takeSample(minimumRTT: nil, now: us(1100))
        #expect(s?.delivered == 2000 && s?.interval == .microseconds(500) && s?.priorDelivered == 1000)
    }

    /// An interval shorter than the minimum RTT is no sample (compressed ACKs); a segment sent while the
    /// application had nothing more to send marks its sample application-limited, until what was in
    /// flight then is delivered.
    @Test func shortIntervalsAreDiscardedAndApplicationLimitedSamplesMarked() {
        var records = SentSegments(sendBufferSize: 256 * 1024, budget: nil)
        records.sampling = true
        records.append(seq(0), seq(1000), now: us(0))
        records.acknowledge(through: seq(1000), now: us(50)) { _, _ in }
        let short = records.rate.takeSample(minimumRTT: .microseconds(100), now: us(50))
        #expect(short?.isValid == false && short?.priorDelivered == 0, "no bandwidth sample, but a delivery to count")
        records.rate.applicationLimited(inFlight: 0)  // nothing in flight: limited until the next byte is delivered
        records.append(seq(1000), seq(2000), now: us(100))
        #expect(records.last!.has(SentSegment.applicationLimited))
        records.acknowledge(through: seq(2000), now: us(400)) { _, _ in }
        #expect(records.rate.takeSample(minimumRTT: nil, now: us(400))?.applicationLimited == true)
        records.append(seq(2000), seq(3000), now: us(500))
        #expect(!records.last!.has(SentSegment.applicationLimited), "delivered past the mark: no longer limited")
    }
}

@Suite struct WindowedMaximumTests {
    /// The best value holds for the window, then the best of what came later takes its place.
    @Test func thePeakAgesOutAfterItsWindow() {
        var f = WindowedMaximum()
        f.update(100, round: 0, window: 10)
        for r in 1...10 { f.update(50, round: r, window: 10) }
        #expect(f.best == 100, "still inside the window")
        f.update(40, round: 11, window: 10)
        #expect(f.best == 50, "the peak of round 0 aged out; the best later sample remains")
        f.update(70, round: 12, window: 10)
        #expect(f.best == 70)
        f.update(200, round: 13, window: 10)
        #expect(f.best == 200, "a new best replaces everything at once")
    }
}

@Suite struct BBRTests {
    static let mss = 1448
    /// One ACK of a steady path at `bandwidth` bytes a second with a 1 ms round trip; every call is a
    /// round (the sample's prior delivered count is the count at the previous call).
    struct Path {
        var bbr = BBR(mss: BBRTests.mss, initialWindow: 10 * BBRTests.mss)
        var delivered: UInt32 = 0
        var now = t0
        mutating func round(bandwidth: Int, inFlight: Int, lost: Int = 0, recovering: Bool = false) {
            let bytes = bandwidth / 1000
            let prior = delivered
            delivered &+= UInt32(bytes)
            now = now + .milliseconds(1)
            let sample = RateSample(delivered: bytes, interval: .milliseconds(1), applicationLimited: false, priorDelivered: prior)
            bbr.acknowledged(sample: sample, delivered: delivered, newlyDelivered: bytes, newlyLost: lost, inFlight: inFlight,
                             inRecovery: recovering, rtt: .milliseconds(1), smoothedRTT: .milliseconds(1), now: now)
        }
    }

    /// Startup doubles while the bandwidth grows; three rounds without 25% more end it; Drain, then
    /// ProbeBW, whose window is about twice the BDP and whose pacing gain cycles through 1.25 and 0.75.
    @Test func startupFindsTheBandwidthThenDrainsAndProbes() {
        var p = Path()
        var bw = 1_000_000
        while bw < 100_000_000 { p.round(bandwidth: bw, inFlight: p.bbr.window); bw *= 2 }
        #expect(p.bbr.mode == .startup && !p.bbr.filledPipe)
        p.round(bandwidth: 100_000_000, inFlight: p.bbr.window)  // still 25% more than the round before
        for _ in 0..<2 { p.round(bandwidth: 100_000_000, inFlight: p.bbr.window) }
        #expect(!p.bbr.filledPipe, "two rounds without growth are not enough")
        p.round(bandwidth: 100_000_000, inFlight: p.bbr.window)
        #expect(p.bbr.filledPipe)
        #expect(p.bbr.mode == .drain || p.bbr.mode == .probeBandwidth)
        let bdp = 100_000  // 100 MB/s over 1 ms
        p.round(bandwidth: 100_000_000, inFlight: bdp)
        #expect(p.bbr.mode == .probeBandwidth)
        var gains: Set<Double> = []
        for _ in 0..<20 {
            // In flight as pacing would make it: more while probing at 1.25 (that phase lasts until it is).
            p.round(bandwidth: 100_000_000, inFlight: p.bbr.pacingGain > 1 ? bdp * 5 / 4 : bdp)
            gains.insert(p.bbr.pacingGain)
            #expect(p.bbr.window <= 2 * bdp + 5 * BBRTests.mss + p.bbr.aggregationAllowance)
        }
        #expect(gains == [1.25, 0.75, 1.0])
        #expect(p.bbr.window >= 2 * bdp, "the window reached twice the BDP")
        #expect(abs(p.bbr.pacingRate - 100_000_000 * 99 / 100) <= 25_000_000 * 99 / 100 + 1)
    }

    /// Random loss does not shrink the window outside recovery; in a recovery the first round holds it at
    /// what is in flight plus what was delivered, it falls by the bytes lost, and afterwards it is back to
    /// at least its value before.
    @Test func recoveryConservesPacketsThenRestoresTheWindow() {
        var p = Path()
        for i in 0..<12 { p.round(bandwidth: i < 6 ? 1_000_000 << i : 100_000_000, inFlight: 100_000) }
        for _ in 0..<10 { p.round(bandwidth: 100_000_000, inFlight: 100_000) }
        let before = p.bbr.window
        p.round(bandwidth: 100_000_000, inFlight: 100_000, lost: 3 * BBRTests.mss)
        // (ProbeBW's probing phase allows two segments more than the others: the window moves by that much.)
        #expect(p.bbr.window >= before - 2 * BBRTests.mss, "loss outside recovery is not a congestion signal")
        p.round(bandwidth: 100_000_000, inFlight: 20_000, lost: 2 * BBRTests.mss, recovering: true)
        #expect(p.bbr.window <= 20_000 + 100_000 && p.bbr.window < before, "packet conservation: in flight plus delivered")
        p.round(bandwidth: 100_000_000, inFlight: 20_000, recovering: false)
        #expect(p.bbr.window >= before - 2 * BBRTests.mss, "restored (up to the target)")
    }

    /// A retransmission timeout leaves one segment (four, BBR's floor, once an ACK comes), growing by
    /// what each ACK delivers up to the target.
    @Test func aTimeoutLeavesTheWindowAtTheFloorAndItGrowsBack() {
        var p = Path()
        for i in 0..<20 { p.round(bandwidth: i < 6 ? 1_000_000 << i : 100_000_000, inFlight: 100_000) }
        let before = p.bbr.window
        p.bbr.timedOut()
        #expect(p.bbr.window == BBRTests.mss)
        p.round(bandwidth: 10_000_000, inFlight: 0, recovering: true)
        #expect(p.bbr.window <= BBRTests.minimumWindow + 10_000)
        for _ in 0..<10 { p.round(bandwidth: 100_000_000, inFlight: 100_000, recovering: true) }
        #expect(p.bbr.window >= before / 2)
    }
    static let minimumWindow = BBR.minimumWindowSegments * mss

    /// After 10 s without a lower RTT, ProbeRTT: four segments in flight for at least 200 ms and a round.
    @Test func probeRTTAfterTenSecondsThenBack() {
        var p = Path()
        for i in 0..<20 { p.round(bandwidth: i < 6 ? 1_000_000 << i : 100_000_000, inFlight: 100_000) }
        #expect(p.bbr.mode == .probeBandwidth)
        p.now = p.now + .seconds(10)
        p.round(bandwidth: 100_000_000, inFlight: 100_000)
        #expect(p.bbr.mode == .probeRTT && p.bbr.window == BBRTests.minimumWindow)
        for _ in 0..<250 { p.round(bandwidth: 100_000_000, inFlight: 4 * BBRTests.mss) }
        #expect(p.bbr.mode == .probeBandwidth && p.bbr.window > BBRTests.minimumWindow)
    }
}

@Suite struct PacingTests {
    static let a = TCPEndpoint(address: .v4(IPv4Address(10, 0, 0, 1)), port: 40000)
    static let b = TCPEndpoint(address: .v4(IPv4Address(10, 0, 0, 2)), port: 80)

    static func established(_ c: TCPConfiguration) -> TCPConnection {
        var client = TCPConnection.connect(local: a, remote: b, iss: TCPSequenceNumber(1000), tsOffset: 0, configuration: c, now: t0)
        let syn = client.drainOutbox()[0].header
        var server = TCPConnection.accept(syn, local: b, remote: a, iss: TCPSequenceNumber(5000), tsOffset: 0, configuration: c, now: t0)
        for s in server.drainOutbox() { client.handle(s.header, payload: s.payload.span, now: t0) }
        _ = client.drainOutbox()
        return client
    }

    /// With BBR and no burst allowance, one segment goes at once and the next when the pacing timer says
    /// (a segment's time at the pacing rate later); without pacing the whole initial window goes at once.
    @Test func bbrSpacesSegmentsByItsPacingRate() {
        var c = TCPConfiguration()
        c.congestionControl = .bbr
        c.pacingBurst = .zero
        var client = PacingTests.established(c)
        #expect(client.write([UInt8](repeating: 1, count: 10_000).span, now: t0) == 10_000)
        #expect(client.drainOutbox().count == 1)
        let next = client.nextDeadline
        #expect(next > t0 && next < t0 + .milliseconds(1), "the pacing timer, not the retransmission timer")
        client.poll(now: next)
        #expect(client.drainOutbox().count == 1)

        c.pacing = false
        var unpaced = PacingTests.established(c)
        #expect(unpaced.write([UInt8](repeating: 1, count: 10_000).span, now: t0) == 10_000)
        #expect(unpaced.drainOutbox().count == 7)
    }

    /// A peer without SACK gets CUBIC: BBR's rate samples come from the per-segment records.
    @Test func withoutSACKTheConnectionUsesCUBIC() {
        var c = TCPConfiguration()
        c.congestionControl = .bbr
        c.selectiveAcknowledgments = false
        let client = PacingTests.established(c)
        #expect(client.bbr == nil && client.congestion.algorithm == .cubic)
        c.selectiveAcknowledgments = true
        #expect(PacingTests.established(c).bbr != nil)
    }
}

@Suite struct TCPTuningTests {
    @Test func specsParseAndApply() throws {
        let t = try TCPTuning.parse("cc=bbr,buffer=1M,holes=128,pacing=off").get()
        var c = TCPConfiguration()
        c.apply(t)
        #expect(c.congestionControl == .bbr && c.sendBufferSize == 1 << 20 && c.receiveBufferSize == 1 << 20)
        #expect(c.maximumOutOfOrderRanges == 128 && !c.pacing)
        var d = TCPConfiguration()
        d.apply(try TCPTuning.parse("buffer=262144").get())
        #expect(d.congestionControl == .cubic && d.sendBufferSize == 262_144, "what the spec does not name stays")
    }

    @Test(arguments: ["", "cc", "cc=", "cc=reno", "buffer=1G", "buffer=15K", "buffer=99999999999999999999", "buffer=-1",
                      "holes=0", "holes=1025", "holes=+8", "buffer=+1M", "pacing=yes", "pacing=off", "cc=cubic,pacing=on", "mtu=1500",
                      "cc=bbr,cc=cubic", "cc=bbr,", ",cc=bbr"])
    func badSpecsAreRefusedWithAReason(_ spec: String) {
        guard case .failure(let e) = TCPTuning.parse(spec) else { Issue.record("'\(spec)' was accepted"); return }
        #expect(e.description.hasPrefix("--tcp"))
    }

    @Test func launchOptionsTakeTheSpec() throws {
        let o = try LaunchOptions.parse(["--tcp", "cc=bbr", "--ipv4", "10.0.0.2/24"]).get()
        #expect(o.tcp.congestion == .bbr)
        guard case .failure(let e) = LaunchOptions.parse(["--tcp", "cc=fast"]) else { Issue.record("accepted"); return }
        #expect(e.description.contains("cubic, bbr or newreno"))
    }
}
