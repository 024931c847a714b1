// SwiftletNet: the stack's figures as Prometheus metrics (Swiftlet/Metrics.swift): frames in and out,
// what was dropped and why, TCP connections by state, SYN cookies, the TCP memory budget, reassembly and
// the neighbour tables. Read from `counters` and the tables when a scrape asks; nothing here runs per packet.

import Swiftlet

extension NetworkStack {
    public func writeMetrics(_ out: inout MetricsText) {
        let c = counters
        out.metric("swiftlet_frames_received_total", .counter, help: "Ethernet frames the interface received.", c.framesIn)
        out.metric("swiftlet_frames_sent_total", .counter, help: "Ethernet frames the interface sent.", c.framesOut)
        out.metric("swiftlet_received_bytes_total", .counter, help: "Bytes of the frames the interface received.", c.bytesIn)
        out.metric("swiftlet_sent_bytes_total", .counter, help: "Bytes of the frames the interface sent.", c.bytesOut)
        out.metric("swiftlet_transmit_errors_total", .counter, help: "Frames the device refused to send.", c.transmitErrors)
        out.family("swiftlet_packets_dropped_total", .counter, help: "Packets dropped on receipt, by reason.")
        let drops: [(String, Int)] = [
            ("unhandled", c.framesDropped), ("malformed", c.malformed), ("ipv4_not_for_us", c.ipv4NotForUs),
            ("martian_source", c.martianSources), ("udp_no_port", c.udpNoPort), ("udp_queue_full", c.udpQueueFull),
            ("tcp_backlog_full", c.tcpBacklogDrops), ("tcp_connection_limit", c.tcpConnectionLimitDrops),
            ("tcp_memory_budget", c.tcpMemoryDrops), ("ipv6_not_for_us", c.ipv6NotForUs),
            ("ipv6_unsupported", c.ipv6Unsupported), ("ndp_invalid", c.ndpInvalid),
            ("packet_too_big_ignored", c.packetTooBigIgnored), ("redirect_ignored", c.redirectsIgnored),
        ]
        for (reason, n) in drops { out.sample("swiftlet_packets_dropped_total", n, labels: [("reason", reason)]) }
        out.metric("swiftlet_icmp_echo_replies_total", .counter, help: "Echo replies sent (ICMP and ICMPv6).", c.icmpEchoRepliesSent)
        out.metric("swiftlet_icmpv6_errors_limited_total", .counter, help: "ICMPv6 errors not sent by the rate limit.",
                   c.icmpv6ErrorsLimited)
        out.metric("swiftlet_tcp_resets_sent_total", .counter, help: "TCP resets sent.", c.tcpResetsSent)
        out.metric("swiftlet_tcp_syn_cookies_sent_total", .counter, help: "SYN-ACKs sent as SYN cookies (backlog full).",
                   c.tcpCookiesSent)
        out.metric("swiftlet_tcp_syn_cookies_accepted_total", .counter, help: "Connections opened from a returning SYN cookie.",
                   c.tcpCookiesAccepted)
        out.metric("swiftlet_tcp_half_open_evicted_total", .counter, help: "Half-open connections evicted for a newer SYN.",
                   c.tcpHalfOpenEvicted)

        // Connections by state, and the segments the live ones sent again.
        let states: [TCPState] = [.synSent, .synReceived, .established, .finWait1, .finWait2, .closeWait, .closing, .lastAck, .timeWait]
        var counts = [Int](repeating: 0, count: states.count)
        var retransmitted = 0
        for (_, box) in connections {
            if let i = states.firstIndex(of: box.tcb.state) { counts[i] += 1 }
            retransmitted += box.tcb.retransmittedSegments
        }
        out.family("swiftlet_tcp_connections", .gauge, help: "TCP connections the stack holds, by state.")
        for (i, state) in states.enumerated() {
            out.sample("swiftlet_tcp_connections", counts[i], labels: [("state", NetworkStack.name(of: state))])
        }
        out.metric("swiftlet_tcp_retransmitted_segments_total", .counter, help: "TCP segments sent again, by every connection.",
                   c.tcpRetransmittedByClosed &+ retransmitted)
        out.metric("swiftlet_tcp_memory_bytes", .gauge, help: "Bytes the TCP buffers hold now, against the budget.", tcpMemory.used)
        out.metric("swiftlet_tcp_memory_peak_bytes", .gauge, help: "The most bytes the TCP buffers ever held.", tcpMemory.peak)
        out.metric("swiftlet_tcp_memory_limit_bytes", .gauge, help: "The TCP memory budget.", tcpMemory.limit)
        out.metric("swiftlet_path_mtu_reductions_total", .counter, help: "Packet Too Big messages that lowered a path MTU.",
                   c.pathMTUReductions)
        out.metric("swiftlet_redirects_followed_total", .counter, help: "ICMPv6 Redirects that moved a destination's first hop.",
                   c.redirectsFollowed)
    }

    /// RFC 9293's names, as label values.
    static func name(of state: TCPState) -> String {
        switch state {
        case .closed: "closed"
        case .listen: "listen"
        case .synSent: "syn_sent"
        case .synReceived: "syn_received"
        case .established: "established"
        case .finWait1: "fin_wait_1"
        case .finWait2: "fin_wait_2"
        case .closeWait: "close_wait"
        case .closing: "closing"
        case .lastAck: "last_ack"
        case .timeWait: "time_wait"
        }
    }
}
