// swiftlet build: a Markdown site's news. Each page `news/YYYY-MM-DD-NAME.md` is an entry dated by its
// name; the site gets `news/index.html` (newest first, with each entry's first paragraph; unless the
// site has its own `news/index.md`) and `news/feed.atom`, an Atom feed (RFC 4287) whose ids and links are
// absolute URLs under the site's `url` setting.

import Foundation

struct NewsEntry: Equatable {
    /// The page's path in the site (`news/2026-12-07-offloads.html`).
    let path: String
    /// `YYYY-MM-DD`, from the file's name.
    let date: String
    let title: String
    let summary: String
    /// The page's HTML content (the feed carries it whole).
    let html: String

    /// The date at the start of a news file's name, when it is a real calendar date.
    static func date(ofFile name: String) -> String? {
        let parts = name.split(separator: "-", maxSplits: 3)
        guard parts.count == 4, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts[0...2].allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), y >= 1970 else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(m), (1...days[m - 1]).contains(d) else { return nil }
        return "\(parts[0])-\(parts[1])-\(parts[2])"
    }
}

enum NewsFeed {
    /// The entries newest first (same date: by path).
    static func sorted(_ entries: [NewsEntry]) -> [NewsEntry] {
        entries.sorted { ($0.date, $0.path) > ($1.date, $1.path) }
    }

    /// The content of `news/index.html` (the layout wraps it).
    static func indexContent(_ entries: [NewsEntry], site: SiteConfig) -> String {
        let e = MarkdownPage.escape
        var html = "<h1>News</h1>\n<p>What changed in \(e(site.title)), newest first. Also as an <a href=\"feed.atom\">Atom feed</a>.</p>\n<ul class=\"news-list\">\n"
        for entry in sorted(entries) {
            html += "<li><time datetime=\"\(entry.date)\">\(entry.date)</time><br><a href=\"\(e(SiteBuilder.relative(from: "news/index.html", to: entry.path)))\">\(e(entry.title))</a>"
            if !entry.summary.isEmpty { html += "<br>\(e(entry.summary))" }
            html += "</li>\n"
        }
        return html + "</ul>\n"
    }

    /// The Atom feed (RFC 4287 §4.1.1: id, title and updated for the feed and every entry; an author for
    /// the feed; a self link, §4.2.7.2). Dates are the entries' days at midnight UTC.
    static func atom(_ entries: [NewsEntry], site: SiteConfig) -> String {
        // XML 1.0 allows no C0 control but tab, line feed and carriage return: one pasted escape byte
        // would make the whole feed ill-formed, so they are left out.
        func e(_ text: String) -> String {
            MarkdownPage.escape(String(text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" }))
        }
        let sortedEntries = sorted(entries)
        let updated = (sortedEntries.first?.date ?? "1970-01-01") + "T00:00:00Z"
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
            <title>\(e(site.title)) news</title>
            <id>\(e(site.url))news/</id>
            <link rel="self" type="application/atom+xml" href="\(e(site.url))news/feed.atom"/>
            <link rel="alternate" type="text/html" href="\(e(site.url))news/"/>
            <updated>\(updated)</updated>
            <author><name>\(e(site.author))</name></author>

            """
        for entry in sortedEntries {
            let url = site.url + entry.path
            xml += """
                <entry>
                <title>\(e(entry.title))</title>
                <id>\(e(url))</id>
                <link rel="alternate" type="text/html" href="\(e(url))"/>
                <updated>\(entry.date)T00:00:00Z</updated>
                <summary>\(e(entry.summary))</summary>
                <content type="html">\(e(entry.html))</content>
                </entry>

                """
        }
        return xml + "</feed>\n"
    }
}
