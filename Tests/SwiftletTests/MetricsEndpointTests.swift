// MetricsEndpoint's request handling: which request lines reach /metrics, and where a head ends.
// (Answers over a real stack: hosted.sh tap-website and tap-dns scrape it with Prometheus.)

import Testing
@testable import Swiftlet

@Suite struct MetricsEndpointTests {
    func route(_ text: String) -> MetricsEndpoint.Route { MetricsEndpoint.route(Array(text.utf8)) }

    @Test func onlyGetAndHeadOfMetricsAreAnswered() {
        #expect(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") == .metrics(withBody: true))
        #expect(route("HEAD /metrics HTTP/1.0\r\n\r\n") == .metrics(withBody: false))
        #expect(route("GET /metrics?name[]=up HTTP/1.1\n\n") == .metrics(withBody: true))
        #expect(route("GET / HTTP/1.1\r\n\r\n") == .notFound)
        #expect(route("GET /metricsx HTTP/1.1\r\n\r\n") == .notFound)
        #expect(route("POST /metrics HTTP/1.1\r\n\r\n") == .methodNotAllowed)
        for bad in ["GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/2.0\r\n\r\n",
                    "GET /metrics HTTP/1.1x\r\n\r\n", "\r\n\r\n", ""] {
            #expect(route(bad) == .badRequest, "\(bad)")
        }
    }

    @Test func aHeadEndsAtItsBlankLineWhereverThatIs() {
        func ends(_ text: String, from: Int = 0) -> Bool { MetricsEndpoint.endsHead(Array(text.utf8), from: from) }
        #expect(ends("GET / HTTP/1.1\r\n\r\n") && ends("GET / HTTP/1.1\n\n") && ends("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n"))
        #expect(!ends("GET / HTTP/1.1\r\n") && !ends("GET / HTTP/1.1\r\nHost: a\r\n\r") && !ends(""))
        // Scanning from where the last read ended, minus three bytes, still finds a blank line split across reads.
        #expect(ends("GET / HTTP/1.1\r\n\r\n", from: 15))
    }
}
