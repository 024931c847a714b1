// SwiftletToolTests: a Markdown site (`.store(DIR, renderMarkdown: true)`, Sources/swiftlet/Site): pages
// rendered with their headings and links, the `.site` settings, the news feed (parsed back as XML), the
// API scanner on source that tries to fool it, and a whole site built into a folder and built again.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import swiftlet

@Suite struct MarkdownPageTests {
    @Test func headingsBecomeIdsAndTheTableOfContents() {
        let page = MarkdownPage.render("# Title here\n\nFirst *para*.\n\n## Set up & run\n\n### Set up & run\n\n## `code` (x)\n\nText.\n") { _ in nil }
        #expect(page.title == "Title here")
        #expect(page.summary == "First para.")
        #expect(page.headings == [.init(level: 2, id: "set-up-run", text: "Set up & run"), .init(level: 3, id: "set-up-run-2", text: "Set up & run"),
                                  .init(level: 2, id: "code-x", text: "code (x)")])
        #expect(page.html.contains(#"<h2 id="set-up-run">"#) && page.html.contains(#"<h3 id="set-up-run-2">"#))
        #expect(page.html.contains(#"<h1 id="title-here">Title here</h1>"#))
    }

    @Test func relativeLinksAreTheSitesToRewriteOthersStay() {
        var asked: [String] = []
        let page = MarkdownPage.render("[a](GUIDE.md#run) [b](http://x.example/) [c](#here) [d](../Sources/X.swift) [e](/abs) ![i](images/p.png)") { target in
            asked.append(target)
            if target == "GUIDE.md#run" { return "GUIDE.html#run" }
            if target == "images/p.png" { return "img/p.png" }
            return nil
        }
        #expect(asked == ["GUIDE.md#run", "../Sources/X.swift", "images/p.png"])
        #expect(page.html.contains(#"<a href="GUIDE.html#run">a</a>"#))
        #expect(page.html.contains(##"<a href="http://x.example/">b</a>"##) && page.html.contains(##"<a href="#here">c</a>"##))
        #expect(page.html.contains(#"<span class="unlinked">d</span>"#) && !page.html.contains("Sources/X.swift"))
        #expect(page.html.contains(#"<a href="/abs">e</a>"#) && page.html.contains(#"<img src="img/p.png""#))
    }

    @Test func tableCellsLoseTheirPipeEscapes() {
        let page = MarkdownPage.render("| a | b |\n|---|---|\n| `x \\| y` | z |\n\n```sh\ngrep 'a\\|b'\n```\n") { _ in nil }
        #expect(page.html.contains("<code>x | y</code>"))
        #expect(page.html.contains(#"a\|b"#))  // a code block keeps what it says
    }

    /// Ink read a `<` in a paragraph over several lines as inline HTML and passed the rest of the page
    /// through as raw Markdown (seen on docs/ARCHITECTURE.md); such a `<` is escaped first.
    @Test func aStrayLessThanDoesNotSwallowThePage() {
        let page = MarkdownPage.render("- **A** (R <= S <= T for a\n  segment) `x <= y`\n- b\n\n## Next\n\n```\na <= b\n```\n") { _ in nil }
        #expect(!page.html.contains("\n- b") && page.html.contains(#"<h2 id="next">Next</h2>"#))
        #expect(page.html.contains("R &lt;= S &lt;= T") && page.html.contains("<code>x &lt;= y</code>") && page.html.contains("a &lt;= b"))
        #expect(MarkdownPage.escapingStrayAngles("a < b <em>c</em> `<= d` <br/>") == "a &lt; b <em>c</em> `<= d` <br/>")
    }

    /// Ink ended a paragraph at a line starting with a code span (docs/GUIDE.md read "... QEMU," then a new
    /// paragraph "`/dev/kvm`, ..."); such a line is joined to the one before.
    @Test func aLineStartingWithCodeStaysInItsParagraph() {
        let page = MarkdownPage.render("`doctor` checks QEMU,\n`/dev/kvm` and root.\n\n| a |\n|---|\n| b |\n\n```\nx\n```\n`c` alone\n") { _ in nil }
        #expect(page.html.contains("<p><code>doctor</code> checks QEMU, <code>/dev/kvm</code> and root.</p>"))
        #expect(page.html.contains("<pre><code>x\n</code></pre>") || page.html.contains("<pre><code>x</code></pre>"))
        #expect(page.html.contains("<code>c</code> alone"))
    }

    @Test func highlightingOnlyAddsTags() {
        let code = "let s = \"a { b\" // note &lt;x&gt;\nfunc f() -> Int { return 1 }"
        let lit = MarkdownPage.highlight(code, swift: true)
        #expect(lit.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression) == code)
        #expect(lit.contains(#"<span class="k">let</span>"#) && lit.contains(#"<span class="s">"a { b"</span>"#))
        #expect(lit.contains(#"<span class="c">// note &lt;x&gt;</span>"#))
        let sh = MarkdownPage.highlight("swiftlet run . # a comment\necho 'it''s' a#b", swift: false)
        #expect(sh.contains(#"<span class="c"># a comment</span>"#) && !sh.contains(#"<span class="c">#b"#))
    }

    @Test func slugs() {
        #expect(MarkdownPage.slug("Limits under attack (TCP)") == "limits-under-attack-tcp")
        #expect(MarkdownPage.slug("  --port HOST:GUEST") == "port-host-guest")
        #expect(MarkdownPage.slug("é") == "")
    }
}

@Suite struct SiteConfigTests {
    @Test func settings() throws {
        let c = try SiteConfig.parse("# c\ntitle My Site\nurl https://x.example/s/\nnav index.md Home page\napi SwiftletNet The stack\napi Swiftlet\n", file: ".site", defaultTitle: "app")
        #expect(c.title == "My Site" && c.url == "https://x.example/s/" && c.author == "My Site")
        #expect(c.navigation.map(\.path) == ["index.md"] && c.navigation.map(\.label) == ["Home page"])
        #expect(c.modules.map(\.name) == ["SwiftletNet", "Swiftlet"] && c.modules[0].summary == "The stack")
    }

    @Test func mistakesNameTheirLine() {
        #expect(refusal { _ = try SiteConfig.parse("title A\ncolour red\n", file: "S", defaultTitle: "a") } == "S:2: unknown setting 'colour' (title, url, author, nav, api)")
        #expect(refusal { _ = try SiteConfig.parse("url example.com\n", file: "S", defaultTitle: "a") }?.hasPrefix("S:1: url must be") == true)
        #expect(refusal { _ = try SiteConfig.parse("nav GUIDE.md\n", file: "S", defaultTitle: "a") }?.hasPrefix("S:1: nav takes") == true)
        #expect(refusal { _ = try SiteConfig.parse("\n\napi ../etc\n", file: "S", defaultTitle: "a") } == "S:3: '../etc' is not a module name")
        #expect(refusal { _ = try SiteConfig.parse("title\n", file: "S", defaultTitle: "a") } == "S:1: 'title' needs a value")
    }
}

/// Collects an XML document's element names and the text of each leaf, by path (`feed/entry/title`).
private final class XMLCollector: NSObject, XMLParserDelegate {
    var path: [String] = []
    var found: [(path: String, text: String)] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(name)
        text = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        found.append((path.joined(separator: "/"), text))
        path.removeLast()
        text = ""
    }
}

@Suite struct NewsFeedTests {
    @Test func datesFromNames() {
        #expect(NewsEntry.date(ofFile: "2026-12-07-vnc.html") == "2026-12-07")
        #expect(NewsEntry.date(ofFile: "2024-02-29-leap.html") == "2024-02-29")
        #expect(NewsEntry.date(ofFile: "2026-02-29-x.html") == nil && NewsEntry.date(ofFile: "2026-04-31-x.html") == nil)
        #expect(NewsEntry.date(ofFile: "2026-+1-05-x.html") == nil)
        #expect(NewsEntry.date(ofFile: "2026-13-07-x.html") == nil)
        #expect(NewsEntry.date(ofFile: "26-12-07-x.html") == nil)
        #expect(NewsEntry.date(ofFile: "index.html") == nil)
    }

    /// RFC 4287 §4.1.1 and §4.1.2: the feed and each entry have an id, a title and an updated date; the feed
    /// an author; the text is escaped so the document parses whatever the titles hold.
    @Test func theAtomFeedParsesAndHasWhatRFC4287Requires() throws {
        var site = SiteConfig(title: "S & <T>")
        site.url = "https://s.example/"
        let entries = [
            NewsEntry(path: "news/2026-11-01-a.html", date: "2026-11-01", title: "Old", summary: "s", html: "<p>x</p>"),
            NewsEntry(path: "news/2026-12-01-b.html", date: "2026-12-01", title: "New <&> \"q\"", summary: "a < b", html: "<p>y &amp; z</p>"),
        ]
        let xml = NewsFeed.atom(entries, site: site)
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = XMLCollector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        func texts(_ path: String) -> [String] { collector.found.filter { $0.path == path }.map(\.text) }
        #expect(texts("feed/title") == ["S & <T> news"])
        #expect(texts("feed/id") == ["https://s.example/news/"])
        #expect(texts("feed/updated") == ["2026-12-01T00:00:00Z"])
        #expect(texts("feed/author/name") == ["S & <T>"])
        #expect(texts("feed/entry/title") == ["New <&> \"q\"", "Old"])  // newest first
        #expect(texts("feed/entry/id") == ["https://s.example/news/2026-12-01-b.html", "https://s.example/news/2026-11-01-a.html"])
        #expect(texts("feed/entry/updated") == ["2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z"])
        #expect(texts("feed/entry/content") == ["<p>y &amp; z</p>", "<p>x</p>"])
        #expect(xml.contains(#"<link rel="self" type="application/atom+xml" href="https://s.example/news/feed.atom"/>"#))
        // A control character (an escape pasted from a terminal) would make the feed ill-formed: left out.
        let controlled = NewsFeed.atom([NewsEntry(path: "news/2026-12-01-c.html", date: "2026-12-01", title: "a\u{1B}[1mb", summary: "", html: "")], site: site)
        #expect(XMLParser(data: Data(controlled.utf8)).parse() && controlled.contains("<title>a[1mb</title>"))
    }
}

@Suite struct APIScannerTests {
    static let source = #"""
        /// A public type.
        /// Second line.
        public struct Box<T: Sendable>: Sendable {
            /// The value.
            public var value: T
            public private(set) var count = 0
            var hidden: Int
            public init(_ value: T) { self.value = value; let s = "}{ public func fake()"; _ = s }
            /* a block comment { with a brace
               public func insideComment() */
            public func multi(
                a: Int,
                b: String
            ) -> Int {
                switch a { case 1: return 1
                default: return 0 }
            }
            public static let shared: Box<Int> = Box<Int>(1)
            /// Nested.
            public enum Kind { case a, b(Int)
                case c
            }
            private struct Secret { public func notVisible() {} }
        }

        struct Internal {
            public func notListed() {}
        }

        public protocol Shape: Sendable {
            /// The area.
            var area: Double { get }
            func scaled(by: Double) -> Self
        }

        public extension Box where T == Int {
            func doubled() -> Int { value * 2 }
            private func nope() {}
        }

        extension Box: CustomStringConvertible {
            public var description: String { "box" }
        }

        let text = """
            public func inString() {
            """
        public func topLevel() async throws(MyError) -> Int { 1 }
        public enum Method {
            case get
            public init(_ s: String) {
                switch s {
                case "GET": self = .get
                default: self = .get
                }
            }
        }
        """#

    @Test func findsThePublicDeclarationsAndNothingElse() {
        let found = APIScanner.scan(Self.source + "\n/// A class.\npublic final class Router {\n    public class func make() -> Router { Router() }\n    public static func < (a: Router, b: Router) -> Bool { true }\n}\n")
        let listed = found.filter { $0.kind != .extension }.map { ($0.parents + [$0.name]).joined(separator: ".") + " = " + $0.text }
        #expect(listed == [
            "Box = struct Box<T: Sendable>: Sendable",
            "Box.value = var value: T",
            "Box.count = private(set) var count = 0",
            "Box.init = init(_ value: T)",
            "Box.multi = func multi( a: Int, b: String ) -> Int",
            "Box.shared = static let shared: Box<Int>",
            "Box.Kind = enum Kind",
            "Box.Kind.c = case c",  // a member on the line of its type's `{` is not seen (APIScanner says so)
            "Shape = protocol Shape: Sendable",
            "Shape.area = var area: Double { get }",
            "Shape.scaled = func scaled(by: Double) -> Self",
            "Box.doubled = func doubled() -> Int",
            "Box.description = var description: String",
            "topLevel = func topLevel() async throws(MyError) -> Int",
            "Method = enum Method",
            "Method.get = case get",
            "Method.init = init(_ s: String)",
            "Router = final class Router",
            "Router.make = class func make() -> Router",
            "Router.< = static func < (a: Router, b: Router) -> Bool",
        ])
        #expect(found.first?.documentation == "A public type.\nSecond line.")
        #expect(found.first { $0.name == "area" }?.documentation == "The area.")
        #expect(found.first { $0.name == "Kind" }?.documentation == "Nested.")
        #expect(found.filter { $0.kind == .extension }.map(\.text) == ["extension Box where T == Int", "extension Box: CustomStringConvertible"])
    }

    @Test func thePageLinksTypesNamedInCode() {
        let module = APIReference.Module(name: "M", summary: "Sum.", declarations: APIScanner.scan(
            "/// Makes a `Shape`.\npublic struct Maker {}\n/// A shape.\npublic protocol Shape {}\nextension Maker: Equatable {}\n"))
        let (html, headings) = APIReference.page(module)
        #expect(headings.map(\.text) == ["Maker", "Shape"])
        #expect(html.contains(##"<a href="#t-shape"><code>Shape</code></a>"##))
        #expect(html.contains("Conformances: <code>extension Maker: Equatable</code>"))
    }
}

@Suite struct SiteBuilderTests {
    /// A site with a page linked in from elsewhere, news, an API module, a hidden file and a link that
    /// leads out of the site; built, then built again after a change.
    @Test func aWholeSite() throws {
        let fm = FileManager.default
        let top = fm.temporaryDirectory.appendingPathComponent("swiftlet-site-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: top) }
        let site = top.appendingPathComponent("app/site")
        let docs = top.appendingPathComponent("docs")
        let root = top.appendingPathComponent("checkout")
        for d in [site.appendingPathComponent("news"), docs, root.appendingPathComponent("Sources/M"), top.appendingPathComponent(".git")] {
            try fm.createDirectory(at: d, withIntermediateDirectories: true)
        }
        func write(_ text: String, _ url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }
        try write("# Guide\n\nSee [the start](../app/site/index.md#top), [code](../checkout/Sources/M/m.swift) and [news](../app/site/news/).\n", docs.appendingPathComponent("GUIDE.md"))
        try fm.createSymbolicLink(at: site.appendingPathComponent("GUIDE.md"), withDestinationURL: docs.appendingPathComponent("GUIDE.md"))
        try write("# Home\n\nRead the [guide](GUIDE.md), the [API](api/) and [news](news/).\n\n## One\n\n## Two\n", site.appendingPathComponent("index.md"))
        try write("# Launch\n\nIt is out.\n", site.appendingPathComponent("news/2026-12-01-launch.md"))
        try write("body{}", site.appendingPathComponent("site.css"))
        try write("secret", site.appendingPathComponent(".key"))
        try write("title T\nnav index.md Home\nnav GUIDE.md Guide\nnav news/ News\nnav api/ API\napi M The module.\n", site.appendingPathComponent(".site"))
        try write("/// A thing.\npublic struct Thing {}\n", root.appendingPathComponent("Sources/M/m.swift"))
        let out = top.appendingPathComponent("app/.swiftlet/site")
        #expect(SiteBuilder.repository(holding: site.deletingLastPathComponent()).path == top.resolvingSymlinksInPath().path)
        let builder = SiteBuilder(source: site, output: out, defaultTitle: "app", swiftletRoot: root, boundary: top)
        let report = try builder.build()
        let made = Set(try fm.subpathsOfDirectory(atPath: out.path).filter { !$0.hasSuffix("news") && !$0.hasSuffix("api") || $0.contains(".") })
        #expect(made == ["index.html", "GUIDE.html", "news/2026-12-01-launch.html", "news/index.html", "news/feed.atom", "api/index.html", "api/M.html", "site.css"])
        #expect(report.pages == 6 && report.news == 1 && report.apiModules == 1 && report.copied == 1)
        #expect(report.unlinked.map(\.target) == ["../checkout/Sources/M/m.swift"])
        let guide = try String(contentsOf: out.appendingPathComponent("GUIDE.html"), encoding: .utf8)
        #expect(guide.contains(#"<a href="./#top">the start</a>"#) && guide.contains(#"<a href="news/">news</a>"#))
        #expect(guide.contains(#"<a href="GUIDE.html" aria-current="page">Guide</a>"#))
        let home = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(home.contains(##"<a href="api/">API</a>"##) && home.contains(##"<a href="#one">One</a>"##))
        let launch = try String(contentsOf: out.appendingPathComponent("news/2026-12-01-launch.html"), encoding: .utf8)
        #expect(launch.contains(#"<link rel="stylesheet" href="../site.css">"#) && launch.contains(#"<a href="../">Home</a>"#))
        #expect(try String(contentsOf: out.appendingPathComponent("site.css"), encoding: .utf8) == "body{}")  // the site's own
        #expect(try String(contentsOf: out.appendingPathComponent("api/M.html"), encoding: .utf8).contains("A thing."))

        // Built again: unchanged files keep their time, a page no longer there goes, a new one comes.
        let stamp = try fm.attributesOfItem(atPath: out.appendingPathComponent("index.html").path)[.modificationDate] as! Date
        try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: out.appendingPathComponent("index.html").path)
        try fm.removeItem(at: site.appendingPathComponent("news/2026-12-01-launch.md"))
        try write("# Later\n", site.appendingPathComponent("news/2026-12-02-later.md"))
        _ = try builder.build()
        #expect(stamp > Date(timeIntervalSince1970: 1_000_000))
        #expect((try fm.attributesOfItem(atPath: out.appendingPathComponent("index.html").path)[.modificationDate] as! Date) == Date(timeIntervalSince1970: 1_000_000))
        #expect(!fm.fileExists(atPath: out.appendingPathComponent("news/2026-12-01-launch.html").path))
        #expect(fm.fileExists(atPath: out.appendingPathComponent("news/2026-12-02-later.html").path))

        // Links: percent-encoded, and never read as a scheme.
        #expect(SiteBuilder.relative(from: "a/b.html", to: "a/c d#.html") == "c%20d%23.html")
        #expect(SiteBuilder.relative(from: "index.html", to: "javascript:alert(1).html") == "./javascript:alert(1).html")
        #expect(SiteBuilder.relative(from: "news/x.html", to: "index.html") == "../" && SiteBuilder.relative(from: "x.html", to: "x.html") == "x.html")
        #expect(SiteBuilder.relative(from: "news/index.html", to: "news/index.html") == "./" && SiteBuilder.relative(from: "a.html", to: "myindex.html") == "myindex.html")

        // The store's .tls/ goes along, hidden (the HTTPS server reads it; StaticFiles never serves it).
        try fm.createDirectory(at: site.appendingPathComponent(".tls"), withIntermediateDirectories: true)
        try write("KEY", site.appendingPathComponent(".tls/server.key"))
        _ = try builder.build()
        #expect(try String(contentsOf: out.appendingPathComponent(".tls/server.key"), encoding: .utf8) == "KEY")

        // Nothing hidden through a link, and no two files on one path.
        try fm.createSymbolicLink(at: site.appendingPathComponent("certs"), withDestinationURL: site.appendingPathComponent(".tls"))
        #expect(refusal { _ = try builder.build() }?.contains("/site/certs leads to ") == true)
        try fm.removeItem(at: site.appendingPathComponent("certs"))
        try write("x", site.appendingPathComponent("index.html"))
        #expect(refusal { _ = try builder.build() }?.contains("index.html and index.md would both be index.html in the site") == true)
        try fm.removeItem(at: site.appendingPathComponent("index.html"))

        // A link out of the repository stops the build, naming it.
        try fm.createSymbolicLink(at: site.appendingPathComponent("passwd"), withDestinationURL: URL(fileURLWithPath: "/etc/passwd"))
        #expect(refusal { _ = try builder.build() }?.contains("/site/passwd is a symbolic link to /etc/passwd, outside ") == true)
        try fm.removeItem(at: site.appendingPathComponent("passwd"))

        // A navigation entry that names nothing stops the build.
        try write("nav MISSING.md Gone\n", site.appendingPathComponent(".site"))
        #expect(refusal { _ = try builder.build() }?.hasSuffix(".site: nav MISSING.md: nothing in the site has that path") == true)
    }
}
