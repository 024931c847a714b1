// swiftlet build: one Markdown page of a site rendered to HTML with Ink (CommonMark-like, with tables),
// then finished here: headings get ids (a slug of their text, made unique) and become the page's table
// of contents, `\|` in table cells becomes `|` (GitHub's escape, which Ink keeps), and every relative
// link or image is handed to the site to rewrite (`X.md` becomes the page `X.html`) or, when its target
// is not part of the site, the link is dropped and its text kept, so the site has no dead link.

import Foundation
import Ink

struct MarkdownPage {
    struct Heading: Equatable {
        let level: Int
        let id: String
        let text: String
    }

    /// The first level-1 heading's text ("" when there is none).
    var title: String
    /// The page's HTML (the content only; the layout wraps it).
    var html: String
    /// Level 2 and 3 headings, in order: the table of contents.
    var headings: [Heading]
    /// The text of the first paragraph (for the news page and the feed).
    var summary: String

    /// Renders `markdown`: the site author's, trusted, so HTML in it passes through as Markdown allows
    /// (`rawHTML: false` for text that is not meant as HTML: every `<` then shows as written). `link` gets each relative `href` or `src` (fragment included) and returns its
    /// new value, or nil when the target is not in the site (a link then becomes its text).
    static func render(_ markdown: String, rawHTML: Bool = true, link: (String) -> String?) -> MarkdownPage {
        var html = MarkdownParser().html(from: escapingStrayAngles(markdown, allAngles: !rawHTML))
        html = replacing(#"<(t[dh])>(.*?)</\1>"#, in: html) { groups in
            "<\(groups[1])>\(groups[2].replacingOccurrences(of: "\\|", with: "|"))</\(groups[1])>"
        }
        var headings: [Heading] = []
        var title = ""
        var used: Set<String> = []
        html = replacing(#"<h([1-6])>(.*?)</h\1>"#, in: html) { groups in
            let level = Int(groups[1])!
            let text = plainText(groups[2])
            var id = slug(text)
            if id.isEmpty { id = "section" }
            if used.contains(id) {
                var n = 2
                while used.contains("\(id)-\(n)") { n += 1 }
                id = "\(id)-\(n)"
            }
            used.insert(id)
            if level == 1 && title.isEmpty { title = text }
            if level == 2 || level == 3 { headings.append(Heading(level: level, id: id, text: text)) }
            return "<h\(level) id=\"\(id)\">\(groups[2])</h\(level)>"
        }
        html = replacing(#"<a href="([^"]*)">(.*?)</a>"#, in: html) { groups in
            let target = unescape(groups[1])
            guard isRelative(target) else { return groups[0] }
            guard let rewritten = link(target) else { return "<span class=\"unlinked\">\(groups[2])</span>" }
            return "<a href=\"\(escape(rewritten))\">\(groups[2])</a>"
        }
        html = replacing(#"<img src="([^"]*)""#, in: html) { groups in
            let target = unescape(groups[1])
            guard isRelative(target), let rewritten = link(target) else { return groups[0] }
            return "<img src=\"\(escape(rewritten))\""
        }
        html = replacing(#"<pre><code class="language-(swift|sh|bash|shell)">(.*?)</code></pre>"#, in: html) { groups in
            "<pre><code class=\"language-\(groups[1])\">\(highlight(groups[2], swift: groups[1] == "swift"))</code></pre>"
        }
        let summary = firstMatch(#"<p>(.*?)</p>"#, in: html).map { plainText($0[1]) } ?? ""
        return MarkdownPage(title: title, html: html, headings: headings, summary: summary)
    }

    static let swiftKeywords: Set<String> = [
        "import", "let", "var", "func", "struct", "enum", "class", "protocol", "extension", "actor", "return", "if", "else",
        "guard", "for", "in", "while", "switch", "case", "default", "break", "continue", "throw", "throws", "try", "await",
        "async", "public", "private", "static", "some", "any", "init", "self", "Self", "nil", "true", "false", "do", "catch",
    ]

    /// Light colouring of a code block's escaped text: comments (`//` in Swift, `#` in shell), string
    /// literals and, in Swift, keywords, as spans the stylesheet colours. Text only gains tags.
    static func highlight(_ code: String, swift: Bool) -> String {
        var out = ""
        let chars = Array(code)
        var i = 0
        var word = ""
        func flushWord() {
            if swift && swiftKeywords.contains(word) { out += "<span class=\"k\">\(word)</span>" } else { out += word }
            word = ""
        }
        while i < chars.count {
            let c = chars[i]
            let commentStarts = swift ? (c == "/" && i + 1 < chars.count && chars[i + 1] == "/")
                                      : (c == "#" && (i == 0 || chars[i - 1] == " " || chars[i - 1] == "\n"))
            if commentStarts {
                flushWord()
                var j = i
                while j < chars.count && chars[j] != "\n" { j += 1 }
                out += "<span class=\"c\">\(String(chars[i..<j]))</span>"
                i = j
            } else if c == "\"" || (c == "'" && !swift) {
                flushWord()
                var j = i + 1
                while j < chars.count && chars[j] != c && chars[j] != "\n" { j += chars[j] == "\\" ? 2 : 1 }
                j = min(j + 1, chars.count)
                out += "<span class=\"s\">\(String(chars[i..<j]))</span>"
                i = j
            } else if c.isLetter || c == "_" || (c.isNumber && !word.isEmpty) {
                word.append(c)
                i += 1
            } else if c == "&" {
                // An entity (&lt; &gt; &amp; &quot;) stays whole, never split by a span.
                flushWord()
                var j = i
                while j < chars.count && chars[j] != ";" && j - i < 8 { j += 1 }
                out += String(chars[i...min(j, chars.count - 1)])
                i = j + 1
            } else {
                flushWord()
                out.append(c)
                i += 1
            }
        }
        flushWord()
        return out
    }

    /// The Markdown made safe for Ink, outside fenced blocks:
    /// - each `<` that cannot open a tag (not followed by a letter, `/`, `!` or `?`) written `&lt;`,
    ///   outside code spans: Ink takes such a `<` in a paragraph that runs over several lines
    ///   (`RCV.NXT <= SEG.SEQ <= ...`) for the start of inline HTML and passes the rest of the document
    ///   through as raw text; `&lt;` it keeps as it is;
    /// - a line that starts with a code span joined to the paragraph line before it: Ink ends a paragraph
    ///   there (CommonMark does not), cutting sentences in two.
    /// With `allAngles`, every `<` outside code is escaped: text that is not meant as HTML (a
    /// documentation comment's `<floor..ceiling>`).
    static func escapingStrayAngles(_ markdown: String, allAngles: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(markdown.utf8.count)
        var fence: Substring? = nil
        var previous: Substring = ""
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            defer { previous = fence == nil ? trimmed : "" }
            if fence == nil, trimmed.hasPrefix("`"), !trimmed.hasPrefix("```"), !previous.isEmpty,
               !previous.hasPrefix("#"), !previous.hasPrefix("|"), !previous.hasPrefix("```"), !previous.hasPrefix("~~~"),
               out.hasSuffix("\n") {
                out.removeLast()
                out += " "
            }
            // Ink knows backtick fences only (not `~~~`); one closes at a run of backticks at least as long.
            if let open = fence {
                if trimmed.hasPrefix(open), trimmed.drop(while: { $0 == "`" }).allSatisfy({ $0 == " " }) { fence = nil }
                out += line + "\n"
                continue
            }
            if trimmed.hasPrefix("```") {
                fence = trimmed.prefix(while: { $0 == "`" })
                out += line + "\n"
                continue
            }
            var ticks = 0  // the length of the backtick run that opened the code span we are in (0: none)
            var i = line.startIndex
            while i < line.endIndex {
                let c = line[i]
                if c == "`" {
                    var j = i
                    while j < line.endIndex && line[j] == "`" { j = line.index(after: j) }
                    let run = line.distance(from: i, to: j)
                    if ticks == 0 { ticks = run } else if run == ticks { ticks = 0 }
                    out += line[i..<j]
                    i = j
                    continue
                }
                if c == "<" && ticks == 0 {
                    let next = line.index(after: i) < line.endIndex ? line[line.index(after: i)] : " "
                    out += !allAngles && (next.isLetter || next == "/" || next == "!" || next == "?") ? "<" : "&lt;"
                } else {
                    out.append(c)
                }
                i = line.index(after: i)
            }
            out += "\n"
        }
        return String(out.dropLast())
    }

    /// Whether a link names something on this site by a relative reference (not `#x`, not a scheme, not
    /// an absolute path, which the site cannot vouch for under any mount point).
    static func isRelative(_ target: String) -> Bool {
        guard let first = target.first, first != "#", first != "/" else { return false }
        if let colon = target.firstIndex(of: ":"), !target[..<colon].contains("/") { return false }  // http:, mailto:
        return true
    }

    /// A heading's id: lower-case letters and digits, other runs as one '-'.
    static func slug(_ text: String) -> String {
        var out = ""
        var dash = false
        for c in text.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) {
                if dash && !out.isEmpty { out.append("-") }
                out.append(c)
                dash = false
            } else {
                dash = true
            }
        }
        return out
    }

    /// The text of an HTML fragment: tags removed, the five entities Ink writes decoded.
    static func plainText(_ html: String) -> String {
        unescape(html.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression))
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Every match of `pattern` (dot matches newlines) replaced by `transform(groups)`; groups[0] is the match.
    static func replacing(_ pattern: String, in text: String, _ transform: ([String]) -> String) -> String {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let ns = text as NSString
        var out = ""
        var last = 0
        for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
            let groups = (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
            out += transform(groups)
            last = m.range.location + m.range.length
        }
        out += ns.substring(from: last)
        return out
    }

    static func firstMatch(_ pattern: String, in text: String) -> [String]? {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let ns = text as NSString
        guard let m = regex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
    }
}
