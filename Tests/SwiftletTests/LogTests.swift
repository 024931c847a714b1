// Log.swift and Syslog.swift: levels per source from the --log text, messages built only when on, the
// rate bound and its summary line, control bytes escaped, RFC 3339 timestamps, and RFC 5424 messages
// whose fields a collector parses. Each test routes through a LogRouter of its own (Log.main is the
// program's and stays untouched here).

import Testing
import Swiftlet
import SwiftletTesting

@Suite struct LogTests {
    final class Records: @unchecked Sendable { var all: [LogRecord] = [] }

    /// A router with the given settings that keeps what it is sent, its clock at `seconds`.
    func router(_ settings: String = "warning", seconds: Int64 = 1_765_000_000) throws -> (LogRouter, Records, WallClockBox) {
        let r = LogRouter()
        r.configure(try LogSettings(parsing: settings))
        let records = Records()
        let clock = WallClockBox(seconds: seconds)
        r.setClock { clock.time }
        r.addReporter { records.all.append($0) }
        return (r, records, clock)
    }

    final class WallClockBox: @unchecked Sendable {
        var time: WallTime
        init(seconds: Int64) { time = WallTime(secondsSinceEpoch: seconds) }
    }

    @Test func levelsComeFromTheSettingsPerSource() throws {
        let (r, records, _) = try router("info,http=debug,tcp=error,dns=off")
        let http = LogSource("http", router: r), tcp = LogSource("tcp", router: r), dns = LogSource("dns", router: r),
            other = LogSource("app", router: r)
        #expect(http.level == .debug && tcp.level == .error && dns.level == nil && other.level == .info)
        http.debug("h"); tcp.warning("t-w"); tcp.error("t-e"); dns.error("d"); other.info("o-i"); other.debug("o-d")
        #expect(records.all.map { $0.source + ":" + $0.message } == ["http:h", "tcp:t-e", "app:o-i"])
        #expect(records.all.map(\.level) == [.debug, .error, .info])
        // The default is warning; a later name=level wins over an earlier one.
        #expect(try LogSettings(parsing: "tcp=debug,tcp=info").threshold(for: "tcp") == LogLevel.info.rawValue)
        #expect(LogSettings().threshold(for: "x") == LogLevel.warning.rawValue)
    }

    @Test func badSettingsAreOneLineNamingTheFix() {
        for (text, words) in [("verbose", "is not a level"), ("http=loud", "'loud' is not a level"), ("=debug", "source name"),
                              ("ht tp=debug", "source name"), ("", "is not a level")] {
            do {
                _ = try LogSettings(parsing: text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.description.contains(words), "\(text): \(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func aMessageBelowTheLevelIsNeverBuilt() throws {
        let (r, records, _) = try router("warning")
        let source = LogSource("tcp", router: r)
        final class Built: @unchecked Sendable { var count = 0 }
        let built = Built()
        func message() -> String { built.count += 1; return "m" }
        for _ in 0..<1000 { source.debug(message()); source.info(message()) }
        #expect(built.count == 0 && records.all.isEmpty)
        source.warning(message())
        #expect(built.count == 1 && records.all.count == 1)
    }

    @Test func aFloodIsCutAtTheRateAndSummedUpTheNextSecond() throws {
        let (r, records, clock) = try router("debug")
        let source = LogSource("tcp", router: r)
        for i in 0..<(Log.maximumPerSecond + 250) { source.debug("segment " + String(i)) }
        #expect(records.all.count == Log.maximumPerSecond)
        clock.time = WallTime(secondsSinceEpoch: clock.time.secondsSinceEpoch + 1)
        source.debug("after")
        #expect(records.all.count == Log.maximumPerSecond + 2)
        #expect(records.all[Log.maximumPerSecond].message == "250 messages suppressed (more than 100 a second)")
        #expect(records.all[Log.maximumPerSecond].level == .warning)
        #expect(records.all.last?.message == "after")
    }

    @Test func controlBytesCannotForgeALineAndLongMessagesAreCut() throws {
        let (r, records, _) = try router("debug")
        let source = LogSource("http", router: r)
        source.info("GET /a\r\nwarning http: forged\u{1b}[31m \\ end")
        #expect(records.all[0].message == "GET /a\\x0d\\x0awarning http: forged\\x1b[31m \\ end")
        source.info("a\u{9b}31m b\u{202e}c \u{85}")  // C1 CSI and NEL, a bidirectional override
        #expect(records.all.last?.message == "a\\u{9b}31m b\\u{202e}c \\u{85}")
        source.info(String(repeating: "x", count: 5000))
        #expect(records.all[2].message.utf8.count == Log.maximumMessage)
        #expect(records.all[2].message.hasSuffix("xxx..."))
        // Cut at a character boundary, never past the bound.
        source.info(String(repeating: "x", count: 1019) + "é\u{1}é")
        #expect(records.all[3].message == String(repeating: "x", count: 1019) + "é...")
        #expect(records.all[3].message.utf8.count <= Log.maximumMessage)
    }

    @Test func theConsoleReporterWritesOneStampedLine() {
        let console = MemoryConsole()
        let report = Log.consoleReporter(console)
        report(LogRecord(source: "dns", level: .info, message: "serving", time: WallTime(nanosecondsSinceEpoch: 1_765_059_601_123_456_789)))
        report(LogRecord(source: "tcp", level: .warning, message: "no clock", time: nil))
        #expect(console.text == "2025-12-06T22:20:01.123456Z info dns: serving\nwarning tcp: no clock\n")
    }

    @Test func aConsoleWithAByteBudgetSkipsLinesAndSaysHowMany() {
        let console = MemoryConsole()
        let report = Log.consoleReporter(console, bytesPerSecond: 100)
        let second = WallTime(secondsSinceEpoch: 1_765_000_000), next = WallTime(secondsSinceEpoch: 1_765_000_001)
        // Each line is 51 bytes with its stamp: one fits in 100, the next two do not.
        for i in 0..<3 { report(LogRecord(source: "http", level: .debug, message: "GET /" + String(i) + " 200", time: second)) }
        #expect(console.text.split(separator: "\n").count == 1)
        report(LogRecord(source: "http", level: .debug, message: "GET /3 200", time: next))
        #expect(console.text.contains("2 log lines not written to this console (at most 100 bytes a second here; --syslog gets them all)\n"))
        #expect(console.text.hasSuffix("debug http: GET /3 200\n") && !console.text.contains("GET /1 "))
        // An error goes out over the budget; a line longer than the budget goes out as a second's first.
        report(LogRecord(source: "http", level: .debug, message: "GET /4 200", time: next))
        report(LogRecord(source: "tcp", level: .error, message: "out of memory", time: next))
        #expect(console.text.hasSuffix("error tcp: out of memory\n") && !console.text.contains("GET /4 "))
        report(LogRecord(source: "http", level: .debug, message: String(repeating: "y", count: 150),
                         time: WallTime(secondsSinceEpoch: 1_765_000_002)))
        #expect(console.text.contains(String(repeating: "y", count: 150)))
    }

    @Test func rfc3339DatesAcrossLeapYearsCenturiesAndTheEpoch() {
        func at(_ seconds: Int64, _ nanos: Int64 = 0) -> String { RFC3339.text(WallTime(nanosecondsSinceEpoch: seconds * 1_000_000_000 + nanos)) }
        #expect(at(0) == "1970-01-01T00:00:00.000000Z")
        #expect(at(951_782_400) == "2000-02-29T00:00:00.000000Z")  // a leap day in a 400-year leap century
        #expect(at(951_868_799) == "2000-02-29T23:59:59.000000Z")
        #expect(at(951_868_800) == "2000-03-01T00:00:00.000000Z")
        #expect(at(4_107_542_400) == "2100-03-01T00:00:00.000000Z")  // 2100 is not a leap year
        #expect(at(4_107_542_399) == "2100-02-28T23:59:59.000000Z")
        #expect(at(-1, 500_000_000) == "1969-12-31T23:59:59.500000Z")
        #expect(at(1_709_164_800, 999_999) == "2024-02-29T00:00:00.000999Z")
    }

    @Test func syslogMessagesFollowRFC5424() {
        let format = SyslogFormat(hostname: "10.0.0.2", appName: "my app")
        let time = WallTime(nanosecondsSinceEpoch: 1_765_059_601_000_001_000)
        let m = format.message(LogRecord(source: "http", level: .warning, message: "refused", time: time))
        // PRI: daemon (3) * 8 + warning (4) = 28; a space in APP-NAME is not PRINTUSASCII.
        #expect(String(decoding: m, as: UTF8.self) == "<28>1 2025-12-06T22:20:01.000001Z 10.0.0.2 my_app - http - refused")
        let debug = format.message(LogRecord(source: "tcp", level: .debug, message: "é", time: nil))
        #expect(Array(debug.prefix(28)) == Array("<31>1 - 10.0.0.2 my_app - tc".utf8))
        #expect(Array(debug.suffix(5)) == [0xEF, 0xBB, 0xBF, 0xC3, 0xA9])  // BOM before a non-ASCII MSG
        // At most 2,048 bytes, cut at a character boundary.
        let long = format.message(LogRecord(source: "x", level: .info, message: String(repeating: "é", count: 2000), time: nil))
        #expect(long.count <= SyslogFormat.maximumDatagram && long.count >= SyslogFormat.maximumDatagram - 2)
        #expect(String(validating: long, as: UTF8.self) != nil)
        #expect(String(decoding: SyslogFormat(hostname: "", appName: String(repeating: "a", count: 60)).message(
            LogRecord(source: "s", level: .error, message: "m", time: nil)), as: UTF8.self)
                == "<27>1 - - " + String(repeating: "a", count: 48) + " - s - m")
    }

    @Test func syslogCollectorsAreReadInEveryForm() throws {
        #expect(try SyslogCollector(parsing: "10.0.0.1") == SyslogCollector(address: .v4(IPv4Address(10, 0, 0, 1)), port: 514))
        #expect(try SyslogCollector(parsing: "10.0.0.1:5514").port == 5514)
        #expect(try SyslogCollector(parsing: "[2001:db8::1]:600") == SyslogCollector(address: IPAddress("2001:db8::1")!, port: 600))
        #expect(try SyslogCollector(parsing: "2001:db8::1").port == 514)
        for bad in ["", "host.example", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:70000", "[2001:db8::1]x", "[::1]:"] {
            #expect(throws: UsageError.self, "\(bad)") { try SyslogCollector(parsing: bad) }
        }
    }

    @Test func everyApplicationTakesLogAndSyslog() throws {
        let declared = LogArguments.declared(network: true) + [DeclaredArgument("port", .port, default: "53", help: "p")]
        let values = try ArgumentValues(parsing: ["--log", "http=debug", "--syslog=10.0.0.1", "--port", "5"], declared: declared)
        let logging = try LogArguments(values)
        #expect(logging.settings.threshold(for: "http") == LogLevel.debug.rawValue && logging.syslog?.port == 514)
        #expect(throws: UsageError.self) { try LogArguments(ArgumentValues(parsing: ["--log", "loud"], declared: declared)) }
        // Without a network there is no --syslog.
        #expect(throws: UsageError.self) { try ArgumentValues(parsing: ["--syslog", "10.0.0.1"], declared: LogArguments.declared(network: false)) }
        #expect(ArgumentValues.help(declared).contains("--log TEXT"))
    }
}
