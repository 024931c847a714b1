// Swiftlet: logging. A library or application names a `LogSource` ("tcp", "http", "dns", its own) and
// reports through it at one of four levels, the syslog severities of RFC 5424 §6.2.1 it maps to:
// error (3), warning (4), info (6), debug (7). Each source has a level set from the command line
// (`-- --log http=debug,tcp=warning`, `LogSettings`); what is below it is not reported. The platform
// installs the reporters (the console's on every target; `SyslogReporter`, RFC 5424 over UDP, with
// `-- --syslog ADDR[:PORT]`) and the wall clock the timestamps come from.
//
// Off costs one comparison: `debug(_:)` and the rest are inlined, compare the level with the source's
// threshold and build the message (an autoclosure) only when it passes. A source reports at most
// `Log.maximumPerSecond` messages a second, checked before the message is built; the rest are counted
// and reported as one line with the source's first message of a later second, so a flood that logs per
// packet turns into neither a flood of console or syslog writes nor one of strings built. A message's
// control characters are escaped (`\xHH`, `\u{HHHH}`): a peer's bytes (a request target, a name) cannot
// forge a line or reach a terminal as an escape sequence.
//
// Process-wide, as MirageOS's Logs is: `Log.main` routes every source's records; the generated `main`
// sets it up before the application starts, and everything runs on the one executor, so it needs no
// lock. Sources are made where they are used (`static let`), which is after that set-up.

/// A level, numbered as its syslog severity: a message is reported when its level is at most the source's.
public enum LogLevel: UInt8, Sendable {
    case error = 3, warning = 4, info = 6, debug = 7

    public var name: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .info: "info"
        case .debug: "debug"
        }
    }

    public init?(name: String) {
        switch ByteKey(name) {
        case "error": self = .error
        case "warning": self = .warning
        case "info": self = .info
        case "debug": self = .debug
        default: return nil
        }
    }
}

/// One named stream of messages with its own level.
public final class LogSource: @unchecked Sendable {
    public let name: String
    /// Messages whose level's raw value is at most this are reported; 0 reports none. No run-time
    /// exclusivity check: it would cost each call whose level is off about 7 ns, and it is not needed,
    /// since the byte is only read on the hot path and written before the source is used.
    @exclusivity(unchecked) @usableFromInline var threshold: UInt8
    @usableFromInline let router: LogRouter
    /// This second's messages, those suppressed beyond the rate, and the time `admit` read.
    var second: Int64 = -1
    var reportedThisSecond = 0
    var suppressed = 0
    var admittedAt: WallTime? = nil

    /// A source reported as `name` (a short word: letters, digits, '-' and '_') through `router`, at the
    /// level its settings name for it or their default. Made where it is used (a `static let`), so after
    /// the platform has read `--log`: a source made before keeps the level it was made with.
    public init(_ name: String, router: LogRouter = Log.main) {
        self.name = name
        self.router = router
        threshold = router.settings.threshold(for: name)
    }

    @inlinable public func isOn(_ level: LogLevel) -> Bool { level.rawValue <= threshold }

    /// The level set for this source, nil when it reports nothing.
    public var level: LogLevel? { threshold == 0 ? nil : LogLevel(rawValue: threshold) }

    // The rate is checked before the message is built: a flood past the bound costs a clock reading and
    // a count per event, not a string.
    @inlinable public func error(_ message: @autoclosure () -> String) {
        if isOn(.error), router.admit(self) { router.deliver(self, .error, message()) }
    }
    @inlinable public func warning(_ message: @autoclosure () -> String) {
        if isOn(.warning), router.admit(self) { router.deliver(self, .warning, message()) }
    }
    @inlinable public func info(_ message: @autoclosure () -> String) {
        if isOn(.info), router.admit(self) { router.deliver(self, .info, message()) }
    }
    @inlinable public func debug(_ message: @autoclosure () -> String) {
        if isOn(.debug), router.admit(self) { router.deliver(self, .debug, message()) }
    }
}

/// What a reporter receives: the message already cleaned of control bytes and cut to `maximumMessage`.
public struct LogRecord: Sendable {
    public let source: String
    public let level: LogLevel
    public let message: String
    /// From the wall clock the platform installed; nil when there is none (a test without one).
    public let time: WallTime?

    public init(source: String, level: LogLevel, message: String, time: WallTime?) {
        self.source = source
        self.level = level
        self.message = message
        self.time = time
    }
}

/// The levels `--log` sets: a default and per-source levels.
///
///     warning                  every source at warning (the default)
///     http=debug,tcp=warning   those two; the others at the default
///     debug,tcp=off            every source at debug but tcp, which reports nothing
public struct LogSettings: Sendable {
    /// The default's threshold (`LogLevel.rawValue`, 0 for off).
    public var defaultThreshold: UInt8 = LogLevel.warning.rawValue
    public var perSource: [(name: String, threshold: UInt8)] = []

    public init() {}

    public init(parsing text: String) throws(UsageError) {
        for part in text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let word = Array(part)
            if let eq = word.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: word[..<eq], as: UTF8.self)
                guard !name.isEmpty, word[..<eq].allSatisfy(LogSettings.isNameByte) else {
                    throw UsageError("--log: '" + String(decoding: word, as: UTF8.self) + "' does not start with a source name (like http=debug)")
                }
                let t = try LogSettings.threshold(String(decoding: word[(eq + 1)...], as: UTF8.self))
                perSource.removeAll { $0.name.sameBytes(name) }
                perSource.append((name, t))
            } else {
                defaultThreshold = try LogSettings.threshold(String(decoding: word, as: UTF8.self))
            }
        }
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    static func threshold(_ word: String) throws(UsageError) -> UInt8 {
        if word.sameBytes("off") { return 0 }
        guard let level = LogLevel(name: word) else {
            throw UsageError("--log: '" + word + "' is not a level (error, warning, info, debug or off)")
        }
        return level.rawValue
    }

    /// The threshold a source named `name` takes (`LogLevel.rawValue`, 0 for off).
    public func threshold(for name: String) -> UInt8 {
        perSource.last { $0.name.sameBytes(name) }?.threshold ?? defaultThreshold
    }
}

public enum Log {
    /// Messages a source reports in one second at most; more are counted and summed up in one line.
    public static let maximumPerSecond = 100
    /// Bytes of one message at most (longer ones are cut and end in "...").
    public static let maximumMessage = 1024
    /// Reporters at most (the console's and a syslog collector's are two).
    public static let maximumReporters = 4

    /// The program's router: the generated `main` sets its levels, clock and reporters first thing.
    public static let main = LogRouter()

    /// A console reporter: `TIME LEVEL SOURCE: MESSAGE` per line (the time as RFC 3339 UTC, or
    /// left out without a clock). With `bytesPerSecond`, lines past that many bytes in one second of the
    /// records' clock are not written but counted, and the count is written before the next line that
    /// fits: for a console whose every byte is costly (a kernel's serial port, one VM exit per byte). The
    /// first line of a second and every error go out whatever their length.
    public static func consoleReporter(_ console: some Console, bytesPerSecond: Int? = nil) -> @Sendable (LogRecord) -> Void {
        let budget = ConsoleBudget()
        return { record in
            var line = record.time.map { RFC3339.text($0) + " " } ?? ""
            line += record.level.name + " " + record.source + ": " + record.message + "\n"
            // Errors always go out; the first line of a second too, however long.
            if let limit = bytesPerSecond, record.level != .error {
                let second = record.time.map { $0.nanosecondsSinceEpoch / 1_000_000_000 } ?? 0
                if second != budget.second { budget.second = second; budget.spent = 0 }
                guard budget.spent == 0 || budget.spent + line.utf8.count <= limit else { budget.skipped += 1; return }
                budget.spent += line.utf8.count
                if budget.skipped > 0 {
                    let note = String(budget.skipped) + " log lines not written to this console (at most " + String(limit)
                        + " bytes a second here; --syslog gets them all)\n"
                    budget.skipped = 0
                    budget.spent += note.utf8.count
                    console.write(note)
                }
            }
            console.write(line)
        }
    }

    final class ConsoleBudget: @unchecked Sendable {
        var second: Int64 = -1
        var spent = 0
        var skipped = 0
    }

    /// Control characters escaped (C0 and DEL as `\xHH`; the C1 controls U+0080-U+009F, the line and
    /// paragraph separators and the bidirectional overrides as `\u{HHHH}`); at most
    /// `maximumMessage` bytes, cut at a character boundary and ended with "...".
    /// Bytes, not Characters or scalars: a kernel would otherwise link the Unicode tables.
    static func clean(_ message: String) -> String {
        let bytes = Array(message.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(min(bytes.count, maximumMessage))
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        func escaped(_ v: UInt32) -> [UInt8] {
            var digits: [UInt8] = []
            var rest = v
            repeat { digits.insert(hex[Int(rest & 15)], at: 0); rest >>= 4 } while rest > 0
            return [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "{")] + digits + [UInt8(ascii: "}")]
        }
        var i = 0
        var cut = false
        while i < bytes.count {
            let b = bytes[i]
            var piece: [UInt8]
            var used = 1
            if b < 0x20 || b == 0x7F {
                piece = [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            } else if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] >= 0x80, bytes[i + 1] <= 0x9F {
                // A C1 control (U+0080-U+009F): a terminal takes some as escape sequences.
                piece = escaped(UInt32(bytes[i + 1]))
                used = 2
            } else if b == 0xE2, i + 2 < bytes.count,
                      (bytes[i + 1] == 0x80 && bytes[i + 2] >= 0xA8 && bytes[i + 2] <= 0xAE)
                        || (bytes[i + 1] == 0x81 && bytes[i + 2] >= 0xA6 && bytes[i + 2] <= 0xA9) {
                // U+2028-U+202E (line and paragraph separators, bidirectional embeddings and overrides) and
                // U+2066-U+2069 (isolates): they would make a line read otherwise than it is.
                piece = escaped(0x2000 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F))
                used = 3
            } else {
                // One whole UTF-8 sequence (a String's bytes are valid UTF-8).
                used = min(b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1, bytes.count - i)
                piece = Array(bytes[i..<(i + used)])
            }
            guard out.count + piece.count <= maximumMessage - 3 else { cut = true; break }
            out += piece
            i += used
        }
        if cut { out += [UInt8(ascii: "."), UInt8(ascii: "."), UInt8(ascii: ".")] }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Where sources' records go: the levels new sources take, the reporters and the clock that stamps
/// records. The program has one, `Log.main`; a test makes its own.
public final class LogRouter: @unchecked Sendable {
    public private(set) var settings = LogSettings()
    var reporters: [@Sendable (LogRecord) -> Void] = []
    var clock: (@Sendable () -> WallTime)? = nil

    public init() {}

    /// The levels sources made from now on take.
    public func configure(_ settings: LogSettings) { self.settings = settings }

    /// The clock records are stamped with.
    public func setClock(_ now: @escaping @Sendable () -> WallTime) { clock = now }

    /// Adds a reporter; false when there are `Log.maximumReporters` already.
    @discardableResult
    public func addReporter(_ report: @escaping @Sendable (LogRecord) -> Void) -> Bool {
        guard reporters.count < Log.maximumReporters else { return false }
        reporters.append(report)
        return true
    }

    /// Whether `source` may report one more message this second (then the caller builds it and calls
    /// `deliver`); past `Log.maximumPerSecond` it counts the message as suppressed. The first message of a
    /// new second first reports how many the last one suppressed. Without a clock every message is in
    /// second 0, so a source reports its first `maximumPerSecond` and then only counts (tests).
    @usableFromInline
    func admit(_ source: LogSource) -> Bool {
        let time = clock?()
        source.admittedAt = time
        let second = time.map { $0.nanosecondsSinceEpoch / 1_000_000_000 } ?? 0
        if second != source.second {
            let suppressed = source.suppressed
            source.second = second
            source.reportedThisSecond = 0
            source.suppressed = 0
            if suppressed > 0 {
                deliver(LogRecord(source: source.name, level: .warning,
                                  message: String(suppressed) + " messages suppressed (more than " + String(Log.maximumPerSecond) + " a second)",
                                  time: time))
            }
        }
        guard source.reportedThisSecond < Log.maximumPerSecond else {
            source.suppressed += 1
            return false
        }
        source.reportedThisSecond += 1
        return true
    }

    @usableFromInline
    func deliver(_ source: LogSource, _ level: LogLevel, _ message: String) {
        deliver(LogRecord(source: source.name, level: level, message: Log.clean(message), time: source.admittedAt))
    }

    func deliver(_ record: LogRecord) {
        for r in reporters { r(record) }
    }
}

/// Wall time as RFC 3339 text in UTC with microseconds: 2026-12-06T22:40:01.123456Z (RFC 5424 §6.2.3
/// takes this form, at most six fraction digits).
public enum RFC3339 {
    public static func text(_ time: WallTime) -> String {
        let ns = time.nanosecondsSinceEpoch
        var seconds = ns / 1_000_000_000
        var micros = (ns % 1_000_000_000) / 1_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(daysSinceEpoch: days)
        return digits(year, 4) + "-" + digits(month, 2) + "-" + digits(day, 2) + "T" + digits(secondOfDay / 3600, 2) + ":"
            + digits(secondOfDay / 60 % 60, 2) + ":" + digits(secondOfDay % 60, 2) + "." + digits(micros, 6) + "Z"
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01: whole 400-year eras of 146,097
    /// days, then the day within the era in years of 365 days with the leap days added back, on a
    /// calendar whose year starts on 1 March so the leap day is the year's last.
    public static func civil(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let shifted = daysSinceEpoch + 719_468  // days from 0000-03-01 to 1970-01-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Whether `time` falls in the years 0000-9999 (RFC 3339 and RFC 5424 take four digits).
    public static func hasFourDigitYear(_ time: WallTime) -> Bool {
        let seconds = time.secondsSinceEpoch
        return seconds >= -62_167_219_200 && seconds <= 253_402_300_799
    }

    static func digits(_ n: Int64, _ width: Int) -> String {
        var s = String(n)
        while s.utf8.count < width { s = "0" + s }
        return s
    }
}
