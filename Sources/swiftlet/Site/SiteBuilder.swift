// swiftlet build: a store of `.store(DIR, renderMarkdown: true)` made into a website, on the host, before
// the application is built (the kernel or the program only serves bytes). The site's folder is read
// following symbolic links (a page may be a link to a document elsewhere; the result is real files) and
// skipping hidden names; each `NAME.md` becomes `NAME.html` in the layout (SiteLayout), links between
// pages are rewritten to the pages they name (MarkdownPage), `news/` gets an index and an Atom feed
// (NewsFeed), the `.site` file's `api` modules an API reference (APIReference), and every other file is
// copied. The result is `APP/.swiftlet/site/`: files whose bytes did not change keep their time, files no
// longer made are removed. A navigation entry naming nothing in the site stops the build.

import Foundation

struct SiteBuilder {
    /// Where the rendered site goes, relative to the application's folder.
    static let outputFolder = ".swiftlet/site"

    let source: URL
    let output: URL
    let defaultTitle: String
    let swiftletRoot: URL
    /// Links in the source are followed only to what lies inside this folder: the repository that holds
    /// the application (`repository(holding:)`), so a site can show documents kept beside it, and a link
    /// to `/etc` or a home folder stops the build instead of being published.
    let boundary: URL

    struct Report {
        var pages = 0
        var news = 0
        var apiModules = 0
        var apiDeclarations = 0
        var copied = 0
        var bytes = 0
        /// Links whose target is not part of the site: (page, target). Shown as text.
        var unlinked: [(page: String, target: String)] = []
    }

    /// A file of the site's source: its path in the site, and the real file.
    struct SourceFile {
        let path: String
        let file: URL
    }

    func build() throws -> Report {
        let root = try Self.realPath(source)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("the site's folder \(source.path) does not exist")
        }
        let configFile = root.appendingPathComponent(".site")
        let config = FileManager.default.fileExists(atPath: configFile.path)
            ? try SiteConfig.parse(String(contentsOf: configFile, encoding: .utf8), file: configFile.path, defaultTitle: defaultTitle)
            : SiteConfig(title: defaultTitle)
        let (files, folders) = try Self.sourceFiles(under: root, boundary: try Self.realPath(boundary))
        var report = Report()
        var outputs: [String: Data] = [:]

        // Where each file lands in the site (two files landing on one path stop the build), where each real
        // file does (the first of the site paths that show it), and which pages the site makes itself.
        func sitePath(_ f: SourceFile) -> String { f.path.hasSuffix(".md") ? String(f.path.dropLast(3)) + ".html" : f.path }
        var sitePathOfReal: [String: String] = [:]
        var sourceOfSitePath: [String: String] = [:]
        for f in files {
            if let other = sourceOfSitePath[sitePath(f)] {
                throw CLIError("\(root.path): \(other) and \(f.path) would both be \(sitePath(f)) in the site: rename one")
            }
            sourceOfSitePath[sitePath(f)] = f.path
            if sitePathOfReal[f.file.path] == nil { sitePathOfReal[f.file.path] = sitePath(f) }
        }
        let hasNews = files.contains { $0.path.hasPrefix("news/") && $0.path.hasSuffix(".md") && NewsEntry.date(ofFile: String($0.path.split(separator: "/").last!)) != nil }
        var generated: Set<String> = []
        if hasNews { generated.formUnion(["news/index.html", "news/feed.atom"]) }
        if !config.modules.isEmpty { generated.formUnion(["api/index.html"] + config.modules.map { "api/\($0.name).html" }) }
        let allPaths = Set(sitePathOfReal.values).union(generated)
        var rendered: [(path: String, page: MarkdownPage)] = []
        for f in files where f.path.hasSuffix(".md") {
            let pagePath = sitePath(f)
            let text = try String(contentsOf: f.file, encoding: .utf8)
            let page = MarkdownPage.render(text) { target in
                let (pathPart, fragment) = Self.split(target)
                let named = URL(fileURLWithPath: pathPart, relativeTo: f.file.deletingLastPathComponent()).standardizedFileURL
                if let resolved = try? Self.realPath(named) {
                    if let sitePath = sitePathOfReal[resolved.path] {
                        return Self.relative(from: pagePath, to: sitePath) + fragment
                    }
                    // A folder of the site: its index page, written or made (news/).
                    if let folder = folders[resolved.path], allPaths.contains(folder + "index.html") {
                        return Self.relative(from: pagePath, to: folder + "index.html") + fragment
                    }
                }
                // A path under the site's own folder: a page it makes (news/, api/), or a folder's index.
                let lexical = String(URL(fileURLWithPath: pathPart, relativeTo: URL(fileURLWithPath: "/" + pagePath).deletingLastPathComponent())
                    .standardizedFileURL.path.dropFirst())
                for candidate in [lexical, lexical + "/index.html"] where allPaths.contains(candidate) {
                    return Self.relative(from: pagePath, to: candidate) + fragment
                }
                report.unlinked.append((f.path, target))
                return nil
            }
            rendered.append((pagePath, page))
        }
        // News: dated pages under news/ (its own pages; not deeper).
        var entries: [NewsEntry] = []
        for (path, page) in rendered where path.hasPrefix("news/") && path.split(separator: "/").count == 2 {
            let name = String(path.split(separator: "/").last!)
            if let date = NewsEntry.date(ofFile: name) {
                entries.append(NewsEntry(path: path, date: date, title: page.title.isEmpty ? name : page.title, summary: page.summary, html: page.html))
            }
        }
        var extraPages: [(path: String, title: String, content: String, headings: [MarkdownPage.Heading])] = []
        if !entries.isEmpty {
            if !sitePathOfReal.values.contains("news/index.html") {
                extraPages.append(("news/index.html", "News", NewsFeed.indexContent(entries, site: config), []))
            }
            outputs["news/feed.atom"] = Data(NewsFeed.atom(entries, site: config).utf8)
            report.news = entries.count
        }
        // The API reference.
        if !config.modules.isEmpty {
            var modules: [APIReference.Module] = []
            for (name, summary) in config.modules {
                let module = try APIReference.scan(module: name, summary: summary, directory: swiftletRoot.appendingPathComponent("Sources/\(name)"))
                let (content, headings) = APIReference.page(module)
                extraPages.append(("api/\(name).html", name, content, headings))
                modules.append(module)
                report.apiDeclarations += module.declarations.count
            }
            extraPages.append(("api/index.html", "API reference", APIReference.index(modules), []))
            report.apiModules = modules.count
        }
        // The navigation: the `.site` file's, every entry checked; else the pages found.
        for p in extraPages where sourceOfSitePath[p.path] != nil {
            throw CLIError("\(root.path): \(sourceOfSitePath[p.path]!) would be \(p.path), which the site makes itself (news, api): rename it")
        }
        let made = Set(rendered.map(\.path) + extraPages.map(\.path) + files.map(sitePath))
        var navigation: [(path: String, label: String)] = []
        if config.navigation.isEmpty {
            if made.contains("index.html") { navigation.append(("index.html", "Home")) }
            for (path, page) in rendered.sorted(by: { $0.path < $1.path }) where !path.contains("/") && path != "index.html" {
                navigation.append((path, page.title.isEmpty ? path : page.title))
            }
            if made.contains("news/index.html") { navigation.append(("news/", "News")) }
            if made.contains("api/index.html") { navigation.append(("api/", "API")) }
        } else {
            for (path, label) in config.navigation {
                let sitePath = path.hasSuffix(".md") ? String(path.dropLast(3)) + ".html" : path
                guard made.contains(sitePath) || (sitePath.hasSuffix("/") && made.contains(sitePath + "index.html")) else {
                    throw CLIError("\(configFile.path): nav \(path): nothing in the site has that path")
                }
                navigation.append((sitePath, label))
            }
        }
        let layout = SiteLayout(site: config, navigation: navigation, hasHome: made.contains("index.html"), hasFeed: !entries.isEmpty)
        for (path, page) in rendered {
            outputs[path] = Data(layout.page(path: path, title: page.title, content: page.html, headings: page.headings).utf8)
        }
        for p in extraPages {
            outputs[p.path] = Data(layout.page(path: p.path, title: p.title, content: p.content, headings: p.headings).utf8)
        }
        report.pages = rendered.count + extraPages.count
        for f in files where !f.path.hasSuffix(".md") {
            outputs[f.path] = try Data(contentsOf: f.file)
            report.copied += 1
        }
        if outputs[SiteLayout.stylesheetName] == nil { outputs[SiteLayout.stylesheetName] = Data(SiteLayout.stylesheet.utf8) }
        report.bytes = outputs.values.reduce(0) { $0 + $1.count }
        // The store's TLS certificate and key (`swiftlet cert --out site/.tls`) go with the site as they are:
        // hidden, so never served nor embedded in a kernel, but read by the HTTPS server on hosted targets
        // and carried in a `--disk` archive of the site.
        let tls = root.appendingPathComponent(".tls")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: tls.path) {
            for name in names {
                let file = tls.appendingPathComponent(name)
                guard (try? FileManager.default.attributesOfItem(atPath: file.path)[.type] as? FileAttributeType) == .typeRegular else { continue }
                outputs[".tls/" + name] = try Data(contentsOf: file)
            }
        }
        try Self.write(outputs, into: output)
        return report
    }

    /// The folder links may lead into: the nearest folder at or above `folder` holding `.git`, else `folder`.
    static func repository(holding folder: URL) -> URL {
        let start = (try? realPath(folder)) ?? folder.standardizedFileURL
        var candidate = start
        while candidate.path != "/" {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(".git").path) { return candidate }
            candidate = candidate.deletingLastPathComponent()
        }
        return start
    }

    /// `a/b.md#x` -> ("a/b.md", "#x").
    static func split(_ target: String) -> (String, String) {
        guard let hash = target.firstIndex(of: "#") else { return (target, "") }
        return (String(target[..<hash]), String(target[hash...]))
    }

    /// The relative reference from the page at `from` to the site path `to` (both site paths): each
    /// segment percent-encoded (a name holding `#`, `?`, `%` or a space), `./` before a first segment
    /// with a colon (which would read as a scheme: `javascript:...`), and a folder's `index.html` left
    /// out (`news/`, or `./` for the page's own folder).
    static func relative(from: String, to: String) -> String {
        let fromDir = Array(from.split(separator: "/").dropLast())
        var target = to.split(separator: "/").map(String.init)
        var common = 0
        while common < fromDir.count && common < target.count - 1 && fromDir[common] == target[common] { common += 1 }
        let up = String(repeating: "../", count: fromDir.count - common)
        if target.last == "index.html" { target[target.count - 1] = "" }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";")
        let rest = target[common...].map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
        if up.isEmpty && rest.isEmpty { return "./" }
        if up.isEmpty && rest.split(separator: "/").first?.contains(":") == true { return "./" + rest }
        return up + rest
    }

    /// The real path of a file or folder (`realpath(3)`: every link resolved, however many), or an error
    /// naming it; Foundation's resolution gives up after 20 links and returns the path unresolved.
    static func realPath(_ url: URL) throws -> URL {
        guard let resolved = realpath(url.path, nil) else {
            throw CLIError("\(url.path): \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        return URL(fileURLWithPath: String(cString: resolved))
    }

    /// The site's files: every file below the root, links followed (a folder seen twice through links is
    /// refused, as is nesting deeper than 32), hidden names skipped; and each real folder's path in the
    /// site (`""` for the root, else ending in `/`).
    static func sourceFiles(under root: URL, boundary: URL) throws -> (files: [SourceFile], folders: [String: String]) {
        var found: [SourceFile] = []
        var folders: [String: String] = [root.path: ""]
        var seen: Set<String> = [root.path]
        func walk(_ dir: URL, _ prefix: String, _ depth: Int) throws {
            guard depth < 32 else { throw CLIError("\(dir.path): the site is nested more than 32 folders deep") }
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where !name.hasPrefix(".") {
                let named = dir.appendingPathComponent(name)
                guard let real = try? realPath(named) else { throw CLIError("\(named.path): a link to nothing") }
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: real.path, isDirectory: &isDirectory) else {
                    throw CLIError("\(named.path): a link to nothing")
                }
                guard real.path.hasPrefix(boundary.path + "/") else {
                    throw CLIError("\(named.path) is a symbolic link to \(real.path), outside \(boundary.path): a site follows links only within the repository that holds it (copy the file in)")
                }
                // Nothing hidden is published, also not through a link (`certs -> ../.tls`, `history -> ../.git`).
                if real.path.dropFirst(boundary.path.count).split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                    throw CLIError("\(named.path) leads to \(real.path), a hidden file or folder: a site publishes none")
                }
                if isDirectory.boolValue {
                    guard seen.insert(real.path).inserted else { throw CLIError("\(dir.appendingPathComponent(name).path): a folder the site already holds (a loop of links?)") }
                    folders[real.path] = prefix + name + "/"
                    try walk(real, prefix + name + "/", depth + 1)
                } else {
                    found.append(SourceFile(path: prefix + name, file: real))
                }
            }
        }
        try walk(root, "", 0)
        return (found, folders)
    }

    /// Writes each output whose bytes differ from what is there, and removes files no longer made.
    static func write(_ outputs: [String: Data], into folder: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        if let walker = fm.enumerator(atPath: folder.path) {
            var stale: [String] = []
            for case let path as String in walker {
                var isDirectory: ObjCBool = false
                _ = fm.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
                if !isDirectory.boolValue && outputs[path] == nil { stale.append(path) }
            }
            for path in stale { try fm.removeItem(at: folder.appendingPathComponent(path)) }
        }
        for (path, data) in outputs {
            let url = folder.appendingPathComponent(path)
            if let old = try? Data(contentsOf: url), old == data { continue }
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
    }
}

