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
        #expect(message(["--ipv6", "2001:db8::2"]) == "--ipv6 '2001:db8::2' is not ADDR/PREFIX (like 2001:db8::2/64) or off")
        #expect(message(["--ipv6", "ff02::1/64"])?.contains("not ADDR/PREFIX") == true)
        #expect(message(["--gateway6", "ff02::2"]) == "--gateway6 'ff02::2' is not an IPv6 unicast address")
        #expect(message(["--ipv6", "off", "--gateway6", "fe80::1"])?.contains("--ipv6 off") == true)
        #expect(message(["--ipv6"]) == "--ipv6 needs ADDR/PREFIX")
    }

    @Test func ipv6IsOnUnlessSwitchedOff() throws {
        let plain = try LaunchOptions.parse([]).get().ipv6Settings
        #expect(plain?.manual == [] && plain?.router == nil)
        let fixed = try LaunchOptions.parse(["--ipv6", "2001:db8::2/64", "--gateway6", "2001:db8::1"]).get().ipv6Settings
        #expect(fixed?.manual == [IPv6Network("2001:db8::2/64")!] && fixed?.router == IPv6Address("2001:db8::1"))
        #expect(try LaunchOptions.parse(["--ipv6", "off"]).get().ipv6Settings == nil)
    }
}
