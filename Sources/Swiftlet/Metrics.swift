// Swiftlet: metrics in the Prometheus text exposition format, version 0.0.4
// (prometheus.io/docs/instrumenting/exposition_formats): what a program or kernel exposes on its metrics
// port for a Prometheus server to scrape.
//
// A writer, not a registry: each layer writes the figures it keeps anyway (the stack's counters, an HTTP
// server's load) when a scrape asks, so keeping metrics adds no work to the path a packet or a request
// takes, and nothing is counted twice. One family is its `# HELP` and `# TYPE` lines followed by its
// samples; a label value is escaped as the format says (backslash, double quote, line feed).

/// The body of one scrape, built family by family.
public struct MetricsText: Sendable {
    public enum Kind: Sendable { case counter, gauge, histogram }

    public private(set) var bytes: [UInt8] = []

    /// The content type a scrape's response carries.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public init() {}

    /// Opens a family: `name` (letters, digits and underscores; counters end in `_total`), its kind and
    /// what it measures. Its samples follow with `sample`.
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        append("# HELP " + name + " ")
        escape(help, quotes: false)
        append("\n# TYPE " + name + (kind == .counter ? " counter\n" : kind == .gauge ? " gauge\n" : " histogram\n"))
    }

    /// One sample of the family opened last: `name{label="value",...} value`.
    public mutating func sample(_ name: String, _ value: Int, labels: [(String, String)] = []) {
        sample(name, text: String(value), labels: labels)
    }

    /// A sample whose value is already text (a decimal fraction, `+Inf`).
    public mutating func sample(_ name: String, text value: String, labels: [(String, String)] = []) {
        append(name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            for (i, label) in labels.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                append(label.0 + "=\"")
                escape(label.1, quotes: true)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        append(" " + value + "\n")
    }

    /// A histogram (`_bucket` samples with cumulative counts by `le`, `_sum` and `_count`) of durations
    /// in microseconds: `bounds` are the buckets' upper bounds, `counts[i]` the observations in bucket i
    /// alone (one more for those above the last bound), `sum` their total. Prometheus takes seconds.
    public mutating func histogram(_ name: String, help: String, bounds: [Int], counts: [Int], sum: Int) {
        family(name, .histogram, help: help)
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += i < counts.count ? counts[i] : 0
            sample(name + "_bucket", cumulative, labels: [("le", MetricsText.seconds(microseconds: bound))])
        }
        cumulative += bounds.count < counts.count ? counts[bounds.count] : 0
        sample(name + "_bucket", cumulative, labels: [("le", "+Inf")])
        sample(name + "_sum", text: MetricsText.seconds(microseconds: sum))
        sample(name + "_count", cumulative)
    }

    /// Microseconds as seconds in decimal: 1500 -> "0.0015".
    /// Bytes, not Characters: `String.removeLast` would link the Unicode tables into a kernel.
    public static func seconds(microseconds: Int) -> String {
        var fraction = Array(String(microseconds % 1_000_000).utf8)
        while fraction.count < 6 { fraction.insert(UInt8(ascii: "0"), at: 0) }
        while fraction.count > 1, fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        return String(microseconds / 1_000_000) + "." + String(decoding: fraction, as: UTF8.self)
    }

    /// A family of one unlabelled sample.
    public mutating func metric(_ name: String, _ kind: Kind, help: String, _ value: Int) {
        family(name, kind, help: help)
        sample(name, value)
    }

    private mutating func append(_ text: String) { bytes += text.utf8 }

    /// HELP text escapes backslash and line feed; label values double quotes too.
    private mutating func escape(_ text: String, quotes: Bool) {
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\"") where quotes: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            default: bytes.append(b)
            }
        }
    }
}
