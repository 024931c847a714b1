// The command line every target's program takes (Swiftlet/LaunchOptions.swift): the kvm kernel parses
// its command line with it as it is; the hosted targets add their flags.

import Testing
import Swiftlet

@Suite struct LaunchOptionsTests {
    @Test func parsesAddressesAndApplicationArguments() throws {
        let o = try LaunchOptions.parse(["--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.1", "--", "--port", "80", "--"]).get()
        #expect(o.ipv4 == IPv4Network("10.0.0.2/24"))
        #expect(o.gateway == IPv4Address(10, 0, 0, 1))
        #expect(o.applicationArguments == ["--port", "80", "--"])
        #expect(try LaunchOptions.parse([]).get().ipv4 == nil)
    }

    @Test func platformFlagsReachTheirHandler() throws {
        var seen: [String] = []
        let o = try LaunchOptions.parse(["--disk", "a.img", "--ipv4", "10.0.0.2/8"], flags: ["--disk"]) { flag, value in
            seen.append("\(flag)=\(value)")
            return nil
        }.get()
        #expect(seen == ["--disk=a.img"])
        #expect(o.ipv4 == IPv4Network("10.0.0.2/8"))
        let refused = LaunchOptions.parse(["--disk", "b"], flags: ["--disk"]) { _, v in "bad disk \(v)" }
        guard case .failure(let e) = refused else { Issue.record("a refused value passed"); return }
        #expect(e.description == "bad disk b")
    }

    @Test func badInputGivesOneClearLine() {
        func message(_ args: [String]) -> String? {
            if case .failure(let e) = LaunchOptions.parse(args) { return e.description }
            return nil
        }
        #expect(message(["--ipv4", "10.0.0.2"]) == "--ipv4 '10.0.0.2' is not ADDR/PREFIX (like 10.0.0.2/24)")
        #expect(message(["--gateway", "10.0.0.1"])?.contains("needs --ipv4") == true)
        #expect(message(["--gateway"]) == "--gateway needs an address")
        #expect(message(["--port", "7"]) == "unknown option '--port' (application arguments go after --)")
        #expect(message(["--ipv4", "10.0.0.2/24", "--gateway", "10.0.0.256"])?.contains("not an IPv4 address") == true)
    }
}
