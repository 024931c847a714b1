// swiftlet build: the one layout every page of a Markdown site is written into (a header with the
// site's name and navigation, the table of contents beside the text, a footer), and its stylesheet.
// Plain HTML and CSS, no script: every page reads the same with JavaScript off. Links are relative
// (`../` per folder level), so the site works wherever it is mounted.

struct SiteLayout {
    /// The stylesheet's name in the site; a `site.css` of the site's own replaces it.
    static let stylesheetName = "site.css"

    let site: SiteConfig
    /// Each entry's path in the site (a page, or a folder ending in `/`) and label.
    let navigation: [(path: String, label: String)]
    /// The site has `index.html` (the name in the header links it) and news (the feed is announced).
    let hasHome: Bool
    let hasFeed: Bool

    /// A whole page. `path` is the page's own path in the site (`GUIDE.html`, `news/index.html`).
    func page(path: String, title: String, content: String, headings: [MarkdownPage.Heading]) -> String {
        let e = MarkdownPage.escape
        func href(_ to: String) -> String { e(SiteBuilder.relative(from: path, to: to.hasSuffix("/") ? to + "index.html" : to)) }
        var nav = ""
        for entry in navigation {
            let current = entry.path == path || (entry.path.hasSuffix("/") && path.hasPrefix(entry.path))
            nav += "<a href=\"\(href(entry.path))\"\(current ? " aria-current=\"page\"" : "")>\(e(entry.label))</a>\n"
        }
        var toc = ""
        if headings.count > 1 {
            toc = "<nav class=\"toc\" aria-label=\"On this page\"><p class=\"toc-title\">On this page</p>\n<ul>\n"
            for h in headings {
                toc += "<li class=\"level\(h.level)\"><a href=\"#\(h.id)\">\(e(h.text))</a></li>\n"
            }
            toc += "</ul></nav>\n"
        }
        let fullTitle = title.isEmpty || title == site.title ? site.title : "\(title) · \(site.title)"
        let brand = hasHome ? "<a class=\"brand\" href=\"\(href("index.html"))\">\(e(site.title))</a>" : "<span class=\"brand\">\(e(site.title))</span>"
        let feed = hasFeed ? "\n<link rel=\"alternate\" type=\"application/atom+xml\" title=\"\(e(site.title)) news\" href=\"\(href("news/feed.atom"))\">" : ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(fullTitle))</title>
            <link rel="stylesheet" href="\(href(Self.stylesheetName))">\(feed)
            </head>
            <body>
            <header class="site">
            \(brand)
            <nav class="site-nav" aria-label="Site">
            \(nav)</nav>
            </header>
            <div class="page\(toc.isEmpty ? " no-toc" : "")">
            \(toc)<main>
            \(content)
            </main>
            </div>
            <footer class="site">Served by a Swiftlet kernel. Written in Markdown, made into HTML by <code>swiftlet build</code>.</footer>
            </body>
            </html>

            """
    }

    static let stylesheet = """
        /* The layout of a Swiftlet Markdown site (swiftlet build writes it; a site.css of the site's own replaces it). */
        :root { --ink: #1d2330; --muted: #5b6475; --line: #e3e6ec; --accent: #e0531b; --code-bg: #f5f6f8; --pre-bg: #1f2430; --pre-ink: #e6e8ee; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
        a { color: #0b5cad; text-decoration: none; }
        a:hover { text-decoration: underline; }
        header.site { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1.5rem; padding: .9rem 1.5rem; border-bottom: 1px solid var(--line); background: #fbfbfc; }
        header.site .brand { font-weight: 700; font-size: 1.25rem; color: var(--accent); letter-spacing: .01em; }
        nav.site-nav { display: flex; flex-wrap: wrap; gap: .25rem 1.1rem; }
        nav.site-nav a { color: var(--muted); }
        nav.site-nav a[aria-current] { color: var(--ink); font-weight: 600; border-bottom: 2px solid var(--accent); }
        .page { display: grid; grid-template-columns: 15rem minmax(0, 1fr); gap: 2.5rem; max-width: 78rem; margin: 0 auto; padding: 1.5rem; }
        .page.no-toc { grid-template-columns: minmax(0, 1fr); max-width: 52rem; }
        nav.toc { position: sticky; top: 1rem; align-self: start; max-height: calc(100vh - 2rem); overflow-y: auto; font-size: .875rem; border-right: 1px solid var(--line); padding-right: 1rem; }
        nav.toc .toc-title { font-weight: 600; color: var(--muted); text-transform: uppercase; font-size: .75rem; letter-spacing: .06em; margin: 0 0 .5rem; }
        nav.toc ul { list-style: none; margin: 0; padding: 0; }
        nav.toc li { margin: .2rem 0; }
        nav.toc li.level3 { padding-left: .9rem; }
        nav.toc a { color: var(--muted); }
        main { min-width: 0; max-width: 52rem; }
        main h1 { font-size: 2rem; line-height: 1.25; margin: .2rem 0 1rem; }
        main h2 { font-size: 1.45rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
        main h3 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; }
        code { font: .875em/1.5 ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--code-bg); padding: .1em .3em; border-radius: 4px; overflow-wrap: anywhere; }
        pre { background: var(--pre-bg); color: var(--pre-ink); padding: .9rem 1rem; border-radius: 6px; overflow-x: auto; line-height: 1.45; }
        pre code { background: none; padding: 0; color: inherit; overflow-wrap: normal; font-size: .85em; }
        pre .c { color: #8a93a6; font-style: italic; }
        pre .s { color: #a5d6a7; }
        pre .k { color: #ffab70; }
        table { border-collapse: collapse; display: block; overflow-x: auto; margin: 1rem 0; font-size: .9rem; }
        th, td { border: 1px solid var(--line); padding: .35rem .6rem; text-align: left; vertical-align: top; }
        th { background: #f7f8fa; }
        blockquote { margin: 1rem 0; padding: .2rem 1rem; border-left: 4px solid var(--line); color: var(--muted); }
        img { max-width: 100%; height: auto; }
        .unlinked { border-bottom: 1px dotted var(--muted); }
        .news-list { list-style: none; padding: 0; }
        .news-list li { margin: 0 0 1.2rem; }
        .news-list time, .api-kind { color: var(--muted); font-size: .85rem; }
        pre.decl { background: var(--code-bg); color: var(--ink); border: 1px solid var(--line); white-space: pre-wrap; overflow-wrap: anywhere; padding: .45rem .7rem; margin: .4rem 0; }
        .member { margin: 0 0 1.1rem; padding-left: .8rem; border-left: 3px solid var(--line); }
        .member > p:first-of-type { margin-top: .3rem; }
        footer.site { border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; padding: 1rem 1.5rem; text-align: center; }
        @media (max-width: 52rem) {
          .page { grid-template-columns: minmax(0, 1fr); padding: 1rem; gap: 1rem; }
          nav.toc { position: static; max-height: none; border-right: none; border-bottom: 1px solid var(--line); padding: 0 0 .8rem; }
        }

        """
}
