// swiftlet build: the API reference of a Markdown site (its `.site` file's `api` lines): one page per
// Swiftlet module, `api/MODULE.html`, made from the module's sources in the Swiftlet checkout
// (APIScanner), and an index, `api/index.html`. Every public type is a section with its declaration, its
// documentation, the conformances its extensions add, and its members (a member's declaration and
// documentation); a type name in code is a link to its section. Plain HTML like the rest of the site:
// no script, small enough to embed in a kernel, built in a second from sources without compiling them.

import Foundation

enum APIReference {
    struct Module {
        let name: String
        let summary: String
        let declarations: [APIDeclaration]
    }

    /// Reads every `.swift` file under `directory` (sorted by path, so the output is stable).
    static func scan(module name: String, summary: String, directory: URL) throws -> Module {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("api \(name): no module folder \(directory.path)")
        }
        var files: [String] = []
        if let walker = fm.enumerator(atPath: directory.path) {
            for case let path as String in walker where path.hasSuffix(".swift") { files.append(path) }
        }
        var declarations: [APIDeclaration] = []
        for path in files.sorted() {
            let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
            declarations += APIScanner.scan(text)
        }
        return Module(name: name, summary: summary, declarations: declarations)
    }

    private struct TypeEntry {
        var declaration: APIDeclaration?
        var conformances: [String] = []
        var members: [APIDeclaration] = []
    }

    /// The module page's content and its table of contents (one entry per type).
    static func page(_ module: Module) -> (html: String, headings: [MarkdownPage.Heading]) {
        var types: [String: TypeEntry] = [:]
        var globals: [APIDeclaration] = []
        let typeKinds: Set<APIDeclaration.Kind> = [.type, .class, .enum, .protocol, .actor]
        for d in module.declarations where typeKinds.contains(d.kind) || d.kind == .typealias && d.parents.isEmpty {
            types[(d.parents + [d.name]).joined(separator: "."), default: TypeEntry()].declaration = d
        }
        for d in module.declarations where !(typeKinds.contains(d.kind) || d.kind == .typealias && d.parents.isEmpty) {
            if d.kind == .extension {
                let key = (d.parents + [d.name]).joined(separator: ".")
                if d.text.contains(":") { types[key, default: TypeEntry()].conformances.append(d.text) }
                continue
            }
            if d.parents.isEmpty { globals.append(d); continue }
            types[d.parents.joined(separator: "."), default: TypeEntry()].members.append(d)
        }
        // Extensions of types this module does not declare (and that add nothing public) are not worth a section.
        types = types.filter { $0.value.declaration != nil || !$0.value.members.isEmpty }
        let typeNames = Set(types.keys)
        let e = MarkdownPage.escape
        func anchor(_ name: String) -> String { "t-" + MarkdownPage.slug(name.replacingOccurrences(of: ".", with: "-")) }
        func doc(_ text: String) -> String {
            guard !text.isEmpty else { return "" }
            var html = MarkdownPage.render(text, rawHTML: false) { _ in nil }.html
            // A type of this module named in code becomes a link to its section.
            html = MarkdownPage.replacing(#"<code>([A-Za-z_][A-Za-z0-9_.]*)</code>"#, in: html) { g in
                typeNames.contains(g[1]) ? "<a href=\"#\(anchor(g[1]))\"><code>\(g[1])</code></a>" : g[0]
            }
            return html
        }
        var html = "<h1>\(e(module.name))</h1>\n"
        if !module.summary.isEmpty { html += "<p>\(e(module.summary))</p>\n" }
        let memberCount = types.values.reduce(0) { $0 + $1.members.count } + globals.count
        html += "<p class=\"api-kind\">\(types.count) types and \(memberCount) members, from the documentation comments in <code>Sources/\(e(module.name))/</code>. <a href=\"./\">All modules</a>.</p>\n"
        var headings: [MarkdownPage.Heading] = []
        for name in types.keys.sorted(by: { $0.lowercased() < $1.lowercased() }) {
            let entry = types[name]!
            let id = anchor(name)
            headings.append(.init(level: 2, id: id, text: name))
            html += "<section>\n<h2 id=\"\(id)\">\(e(name))</h2>\n"
            if let d = entry.declaration {
                html += "<p class=\"api-kind\">\(d.kind == .type ? "struct" : d.kind.rawValue)</p>\n<pre class=\"decl\"><code>\(e(d.text))</code></pre>\n\(doc(d.documentation))"
            } else {
                html += "<p class=\"api-kind\">extension</p>\n"
            }
            if !entry.conformances.isEmpty {
                html += "<p>Conformances: " + entry.conformances.map { "<code>\(e($0))</code>" }.joined(separator: ", ") + "</p>\n"
            }
            for m in entry.members {
                html += "<div class=\"member\"><pre class=\"decl\"><code>\(e(m.text))</code></pre>\n\(doc(m.documentation))</div>\n"
            }
            html += "</section>\n"
        }
        if !globals.isEmpty {
            headings.append(.init(level: 2, id: "globals", text: "Functions and values"))
            html += "<section>\n<h2 id=\"globals\">Functions and values</h2>\n"
            for m in globals {
                html += "<div class=\"member\"><pre class=\"decl\"><code>\(e(m.text))</code></pre>\n\(doc(m.documentation))</div>\n"
            }
            html += "</section>\n"
        }
        return (html, headings)
    }

    /// The content of `api/index.html`.
    static func index(_ modules: [Module]) -> String {
        let e = MarkdownPage.escape
        var html = "<h1>API reference</h1>\n<p>The public API of Swiftlet's modules, made by <code>swiftlet build</code> from the documentation comments in their sources.</p>\n<ul>\n"
        for m in modules {
            html += "<li><a href=\"\(e(m.name)).html\"><code>\(e(m.name))</code></a>\(m.summary.isEmpty ? "" : ": " + e(m.summary))</li>\n"
        }
        return html + "</ul>\n"
    }
}
