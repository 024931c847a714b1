// Instant and Duration: arithmetic saturates at the ends instead of trapping.

import Testing
@testable import Swiftlet

@Suite struct TimeTests {
    @Test func arithmetic() {
        let t = Instant(nanoseconds: 1_000)
        #expect(t + .microseconds(1) == Instant(nanoseconds: 2_000))
        #expect((t + .seconds(2)) - t == .seconds(2))
        #expect(t - (t + .seconds(2)) == .seconds(-2))
        #expect(Duration.milliseconds(1500).description == "1500ms")
        #expect(Duration.seconds(3).description == "3s")
    }

    @Test func saturation() {
        #expect(Instant.distantFuture + .seconds(1) == .distantFuture)
        #expect(Instant(nanoseconds: 5) - .seconds(1) == .zero)
        #expect(Duration.seconds(.max) == .max)
        #expect(Duration.max + .seconds(1) == .max)
        #expect(Instant.distantFuture - Instant.zero == .max)
        #expect(Instant.zero + Duration(nanoseconds: .min) == .zero)
        #expect(Duration(nanoseconds: .min) - .seconds(1) == Duration(nanoseconds: .min))
    }
}
