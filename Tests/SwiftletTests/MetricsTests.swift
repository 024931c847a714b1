// MetricsText against the Prometheus text format 0.0.4: HELP and TYPE lines, labels with their values
// escaped, a histogram's cumulative buckets, sum in seconds and count.

import Testing
import Swiftlet

@Suite struct MetricsTests {
    @Test func familiesSamplesAndEscapes() {
        var out = MetricsText()
        out.metric("swiftlet_frames_received_total", .counter, help: "Frames in.", 42)
        out.family("swiftlet_packets_dropped_total", .gauge, help: "back\\slash and\nnewline")
        out.sample("swiftlet_packets_dropped_total", 3, labels: [("reason", "a \"quoted\"\\\nvalue"), ("b", "c")])
        #expect(String(decoding: out.bytes, as: UTF8.self) == """
            # HELP swiftlet_frames_received_total Frames in.
            # TYPE swiftlet_frames_received_total counter
            swiftlet_frames_received_total 42
            # HELP swiftlet_packets_dropped_total back\\\\slash and\\nnewline
            # TYPE swiftlet_packets_dropped_total gauge
            swiftlet_packets_dropped_total{reason="a \\"quoted\\"\\\\\\nvalue",b="c"} 3

            """)
    }

    @Test func aHistogramIsCumulativeWithItsSumInSeconds() {
        var out = MetricsText()
        // 2 at or under 100 us, none in (100, 1000], 1 above: 50 + 70 + 2,500,000 us.
        out.histogram("t", help: "h", bounds: [100, 1000], counts: [2, 0, 1], sum: 2_500_120)
        #expect(String(decoding: out.bytes, as: UTF8.self) == """
            # HELP t h
            # TYPE t histogram
            t_bucket{le="0.0001"} 2
            t_bucket{le="0.001"} 2
            t_bucket{le="+Inf"} 3
            t_sum 2.50012
            t_count 3

            """)
        #expect(MetricsText.seconds(microseconds: 0) == "0.0" && MetricsText.seconds(microseconds: 1_000_000) == "1.0")
        #expect(MetricsText.seconds(microseconds: 1500) == "0.0015")
    }
}
