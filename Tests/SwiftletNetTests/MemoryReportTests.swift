// The memory report (`--report memory`): what StackDriver logs, when, and that the run loop wakes for it.

import Testing
import Swiftlet
import SwiftletNet
import SwiftletTesting

@Suite struct MemoryReportTests {
    private let t0 = Instant(nanoseconds: 5_000_000_000)

    private func driver(_ lines: MemoryConsole) -> StackDriver<FakeNetworkDevice> {
        let device = FakeNetworkDevice(macAddress: MACAddress(2, 0, 0, 0, 0, 2))
        let ipv4 = IPv4Configuration(network: IPv4Network("10.0.0.2/24")!)
        return StackDriver(device: device, ipv4: ipv4, seed: StackSeed(SeededEntropy(seed: 1)), dhcpSeed: 1, now: t0) { line in
            lines.log(line)
        }
    }

    private func reports(_ console: MemoryConsole) -> [String] { console.text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("memory: ") } }

    @Test func aLineEachSecondThatAFigureChanged() {
        let console = MemoryConsole()
        let d = driver(console)
        var heap = (inUse: 1000, size: 4096)
        d.reportMemory(now: t0) { heap }
        #expect(d.nextDeadline <= t0)
        _ = d.turn(now: t0)
        #expect(reports(console) == ["memory: heap 1000 of 4096 bytes, tcp 0 (peak 0) of 67108864 bytes, tcp connections 0"])
        // Not due within the second, and not printed again when nothing changed.
        heap.inUse = 2000
        _ = d.turn(now: t0 + .milliseconds(500))
        #expect(reports(console).count == 1)
        #expect(d.nextDeadline <= t0 + .seconds(1))
        // A connection: its record counts against the budget, and it is counted.
        _ = try? d.stack.tcpConnect(to: TCPEndpoint(address: IPv4Address(10, 0, 0, 1), port: 7), now: t0 + .seconds(1))
        _ = d.turn(now: t0 + .seconds(1))
        let used = d.stack.tcpMemory.used
        #expect(used > 0)
        #expect(reports(console).last == "memory: heap 2000 of 4096 bytes, tcp \(used) (peak \(used)) of 67108864 bytes, tcp connections 1")
        let printed = reports(console).count
        _ = d.turn(now: t0 + .seconds(2))
        #expect(reports(console).count == printed)
    }

    @Test func noReportUnlessAsked() {
        let console = MemoryConsole()
        let d = driver(console)
        _ = d.turn(now: t0)
        _ = d.turn(now: t0 + .seconds(5))
        #expect(reports(console).isEmpty)
        #expect(d.memoryReport.tcpLimit == TCPConfiguration().memoryBudget)
    }
}
