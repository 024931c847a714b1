// swiftlet build: the settings of a Markdown site (`.store(DIR, renderMarkdown: true)`), read from the
// hidden file `.site` in the site's folder (hidden, so never served nor embedded). One setting a line,
// `KEY VALUE`; `#` starts a comment line:
//
//     title Swiftlet                       the site's name (the layout's header, page titles, the feed)
//     url https://swiftlet.example/        where it is published: the Atom feed's ids and links (RFC 4287 §4.2.6)
//     author The Swiftlet authors          the feed's author
//     nav GUIDE.md Guide                   a link in the navigation bar, in order (a page, or a folder/)
//     api SwiftletNet The TCP/IP stack     a Swiftlet module in the API reference, with its one-line summary
//
// Without the file: the title is the application's name, the navigation lists the pages found.

import Foundation

struct SiteConfig: Equatable {
    var title: String
    var url = "http://localhost:8080/"
    var author: String
    var navigation: [(path: String, label: String)] = []
    var modules: [(name: String, summary: String)] = []

    init(title: String) {
        self.title = title
        self.author = title
    }

    static func == (a: SiteConfig, b: SiteConfig) -> Bool {
        a.title == b.title && a.url == b.url && a.author == b.author
            && a.navigation.map { "\($0.path) \($0.label)" } == b.navigation.map { "\($0.path) \($0.label)" }
            && a.modules.map { "\($0.name) \($0.summary)" } == b.modules.map { "\($0.name) \($0.summary)" }
    }

    /// Parses the text of a `.site` file; `file` names it in errors (`FILE:LINE: ...`).
    static func parse(_ text: String, file: String, defaultTitle: String) throws -> SiteConfig {
        var config = SiteConfig(title: defaultTitle)
        var authorGiven = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)  // a CRLF file's \r too
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let key = parts[0]
            let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            func fail(_ why: String) -> CLIError { CLIError("\(file):\(index + 1): \(why)") }
            guard !value.isEmpty else { throw fail("'\(key)' needs a value") }
            switch key {
            case "title": config.title = value
            case "author": config.author = value; authorGiven = true
            case "url":
                guard value.hasPrefix("http://") || value.hasPrefix("https://"), value.hasSuffix("/") else {
                    throw fail("url must be an absolute http(s) URL ending in '/' (the feed's ids are made from it)")
                }
                config.url = value
            case "nav":
                let pair = value.split(separator: " ", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw fail("nav takes a path and a label: nav GUIDE.md Guide") }
                config.navigation.append((pair[0], pair[1]))
            case "api":
                let pair = value.split(separator: " ", maxSplits: 1).map(String.init)
                guard pair[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw fail("'\(pair[0])' is not a module name") }
                config.modules.append((pair[0], pair.count == 2 ? pair[1] : ""))
            default:
                throw fail("unknown setting '\(key)' (title, url, author, nav, api)")
            }
        }
        if !authorGiven { config.author = config.title }
        return config
    }
}
