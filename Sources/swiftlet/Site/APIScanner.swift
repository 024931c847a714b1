// swiftlet build: the public API of a Swift module, read from its source files for a site's API
// reference. Not a Swift parser: a scanner that knows comments, string literals and braces well enough to
// find each declaration, its `///` documentation and the type it sits in. It finds a declaration that is
// `public` or `open`, a member of a public protocol, a case of a public enum, or a member of a
// `public extension` that says nothing narrower; members of types that are not public are left out.
// The declaration is its text up to its body (`{`) or its initial value, on one line. What it misses: a
// member written on the same line as its type's `{` (`enum K { case a`), and members of an extension of
// a type that is not public (they are listed as if it were).

import Foundation

struct APIDeclaration: Equatable {
    enum Kind: String { case type = "struct", `class`, `enum`, `protocol`, actor, `typealias`, `extension`, `func`, `init`, `subscript`, `var`, `let`, `case`, `associatedtype`, `macro`, `operator` }
    let kind: Kind
    /// The declared name (`start`, `init`, `TCPFlow`); for an extension, the extended type.
    let name: String
    /// The enclosing types' names, outermost first (`["HTTPServer", "Load"]`).
    let parents: [String]
    /// The declaration's text on one line, without its body and without `public`.
    let text: String
    /// The `///` lines above it, without the slashes (Markdown).
    let documentation: String
}

enum APIScanner {
    static let typeKinds: [String: APIDeclaration.Kind] = ["struct": .type, "class": .class, "enum": .enum, "protocol": .protocol, "actor": .actor, "extension": .extension]
    static let memberKinds: [String: APIDeclaration.Kind] = [
        "func": .func, "init": .`init`, "subscript": .subscript, "var": .var, "let": .let, "case": .case,
        "typealias": .typealias, "associatedtype": .associatedtype, "macro": .macro, "operator": .operator,
    ]
    static let modifiers: Set<String> = [
        "public", "open", "internal", "fileprivate", "private", "package", "static", "class", "final", "mutating", "nonmutating",
        "override", "convenience", "required", "indirect", "lazy", "weak", "unowned", "nonisolated", "consuming", "borrowing",
        "dynamic", "optional", "prefix", "postfix", "infix", "isolated", "distributed",
    ]
    static let narrower: Set<String> = ["internal", "fileprivate", "private", "package"]

    /// One open scope: a type or extension (`name`), and what its members are by default.
    private struct Scope {
        let name: String?
        let depth: Int
        /// Members are listed at all (the scope itself is visible).
        let visible: Bool
        /// Members without an access modifier are public (a public protocol, a public extension, a public enum's cases).
        let membersPublic: Bool
        let enumCasesPublic: Bool
    }

    /// The public declarations of one file's text, in order.
    static func scan(_ text: String) -> [APIDeclaration] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [APIDeclaration] = []
        var scopes: [Scope] = []
        var depth = 0
        var state = LexState()
        var documentation: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let startsInCode = state.inCode
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if startsInCode && trimmed.hasPrefix("///") {
                var doc = String(trimmed.dropFirst(3))
                if doc.hasPrefix(" ") { doc.removeFirst() }
                documentation.append(doc)
                index += 1
                continue
            }
            var consumed = 1
            // Declarations directly in a type's body (or at the top level) only: not a function's locals or a switch's cases.
            if startsInCode, depth == (scopes.last?.depth ?? 0), let head = declarationHead(trimmed) {
                // The declaration's text: this line and the next while parentheses or brackets are open.
                var textLines = [trimmed]
                var balance = state.balanceOfCode(in: line)
                while balance > 0 && index + consumed < lines.count {
                    let next = lines[index + consumed].trimmingCharacters(in: .whitespaces)
                    textLines.append(next)
                    balance += state.balanceOfCode(in: lines[index + consumed])
                    consumed += 1
                }
                let scope = scopes.last
                let isPublic: Bool
                if head.modifiers.contains("public") || head.modifiers.contains("open") {
                    isPublic = scope?.visible ?? true
                } else if !head.modifiers.contains(where: narrower.contains), let scope, scope.visible {
                    isPublic = scope.membersPublic || (head.kind == .case && scope.enumCasesPublic)
                } else {
                    isPublic = false
                }
                let joined = textLines.joined(separator: " ")
                // Extensions are kept whatever their access: their conformances and members are the type's.
                if head.kind == .extension || isPublic {
                    found.append(APIDeclaration(kind: head.kind, name: head.name, parents: scopes.compactMap(\.name),
                                                text: declarationText(joined, kind: head.kind), documentation: documentation.joined(separator: "\n")))
                }
                if typeKinds.values.contains(head.kind) {
                    // The scope opens at this declaration's `{` (on this line or a later one).
                    let visible = isPublic || (head.kind == .extension && (scope?.visible ?? true))
                    let extensionPublic = head.kind == .extension && head.modifiers.contains("public")
                    scopes.append(Scope(name: head.name, depth: depth + 1,
                                        visible: visible, membersPublic: visible && (head.kind == .protocol || extensionPublic),
                                        enumCasesPublic: visible && head.kind == .enum))
                    if !joined.contains("{") { state.pendingScope = true }
                }
            }
            if !(startsInCode && trimmed.isEmpty) && !(startsInCode && trimmed.hasPrefix("@") && !trimmed.contains(" ") ) {
                documentation = []
            }
            for k in 0..<consumed {
                depth = state.advance(over: lines[index + k], depth: depth)
            }
            // A scope whose brace has closed, or one that never opened (`struct A;` cannot happen, but a
            // one-line `extension A: P {}` opens and closes on its line).
            while let last = scopes.last, depth < last.depth, !(state.pendingScope && last.depth == depth + 1) {
                scopes.removeLast()
            }
            if depth >= (scopes.last?.depth ?? 0) { state.pendingScope = false }
            index += consumed
        }
        return found
    }

    /// The kind and name a trimmed line declares, with its modifiers; nil when it declares nothing.
    static func declarationHead(_ line: String) -> (kind: APIDeclaration.Kind, name: String, modifiers: Set<String>)? {
        var rest = Substring(line)
        var mods: Set<String> = []
        while true {
            rest = rest.drop(while: { $0 == " " })
            if rest.hasPrefix("@") {
                // An attribute, with its argument list when it has one.
                var i = rest.index(after: rest.startIndex)
                while i < rest.endIndex, rest[i].isLetter || rest[i].isNumber || rest[i] == "_" { i = rest.index(after: i) }
                if i < rest.endIndex, rest[i] == "(" {
                    var open = 0
                    while i < rest.endIndex {
                        if rest[i] == "(" { open += 1 } else if rest[i] == ")" { open -= 1; if open == 0 { i = rest.index(after: i); break } }
                        i = rest.index(after: i)
                    }
                }
                rest = rest[i...]
                continue
            }
            let word = rest.prefix(while: { $0.isLetter || $0 == "(" || $0 == ")" })
            let bare = word.split(separator: "(").first.map(String.init) ?? ""
            // `class` is a modifier only before a member (`class func`); else it declares a class.
            let isClassModifier = bare != "class" || rest.dropFirst(5).drop(while: { $0 == " " }).split(separator: " ").first
                .map { ["func", "var", "let", "subscript", "final", "override"].contains($0) } == true
            if modifiers.contains(bare) && isClassModifier && (word.count == bare.count || word.hasSuffix("(set)")) {
                // `private(set)` narrows the setter only: the declaration itself stays as visible as it was.
                if word.count == bare.count { mods.insert(bare) }
                rest = rest.dropFirst(word.count)
                continue
            }
            break
        }
        let keyword = String(rest.prefix(while: { $0.isLetter }))
        let kind: APIDeclaration.Kind
        if let k = typeKinds[keyword] { kind = k } else if let k = memberKinds[keyword] { kind = k } else { return nil }
        rest = rest.dropFirst(keyword.count)
        if kind == .`init` || kind == .subscript { return (kind, keyword, mods) }
        guard rest.first == " " else { return nil }
        rest = rest.drop(while: { $0 == " " })
        if kind == .case, rest.hasPrefix(".") || rest.hasPrefix("let ") || rest.hasPrefix("var ") { return nil }  // a switch's case
        var name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "`" })
        if name.isEmpty { name = rest.prefix(while: { "/=-+!*%<>&|^~?.".contains($0) }) }  // an operator's name (`<`, `<<`, `==`)
        guard !name.isEmpty else { return nil }
        return (kind, String(name).replacingOccurrences(of: "`", with: ""), mods)
    }

    /// The declaration without its body, initial value, trailing comment, `public` or attributes other
    /// than the ones a caller needs to know (`@discardableResult`, `@inlinable` dropped too).
    static func declarationText(_ joined: String, kind: APIDeclaration.Kind) -> String {
        var text = ""
        var parens = 0
        var angles = 0
        var inString = false
        var previous: Character = " "
        for c in joined {
            if inString {
                text.append(c)
                if c == "\"" && previous != "\\" { inString = false }
                previous = c
                continue
            }
            if c == "\"" { inString = true }
            // `<` opens generic arguments only right after a name (`Box<Int>`, `f<T>`), not as an operator (`func < (`).
            if c == "(" || c == "[" || (c == "<" && (previous.isLetter || previous.isNumber || previous == "_")) { parens += 1; angles += c == "<" ? 1 : 0 }
            if c == ")" || c == "]" { parens -= 1 }
            if c == ">" && previous != "-" && angles > 0 { parens -= 1; angles -= 1 }
            if parens <= 0 && c == "{" && kind != .var { break }
            if parens <= 0 && c == "{" && kind == .var {
                // A protocol's `{ get }` or `{ get set }` is part of the declaration; a computed body is not.
                let after = joined[joined.index(joined.startIndex, offsetBy: text.count)...]
                if let close = after.firstIndex(of: "}"), after[..<close].replacingOccurrences(of: " ", with: "").range(of: #"^\{(get|set|mutating|nonmutating|throws|async)*\}?$"#, options: .regularExpression) != nil,
                   !after[..<close].contains("return") && !after[..<close].contains("(") {
                    text += String(after[...close])
                }
                break
            }
            if parens <= 0 && c == "/" && previous == "/" { text.removeLast(); break }
            if parens <= 0 && c == "=" && previous == " " && (kind == .var || kind == .let || kind == .case) && text.contains(":") { text.removeLast(); break }
            text.append(c)
            previous = c
        }
        var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        words.removeAll { $0 == "public" || $0 == "open" || $0 == "@inlinable" || $0 == "@inline(__always)" || $0 == "@usableFromInline" || $0 == "@frozen" || $0 == "@_transparent" }
        return words.joined(separator: " ")
    }
}

/// Where the scanner is in the text between lines: code, a block comment (nested depth), or a multi-line
/// string literal.
struct LexState {
    var blockComments = 0
    var multilineString = false
    var pendingScope = false
    var inCode: Bool { blockComments == 0 && !multilineString }

    /// The net count of `(` and `[` over `)` and `]` in a line's code (not in comments or strings),
    /// without changing the state.
    func balanceOfCode(in line: String) -> Int {
        var copy = self
        var balance = 0
        copy.walk(line) { c in
            if c == "(" || c == "[" { balance += 1 } else if c == ")" || c == "]" { balance -= 1 }
        }
        return balance
    }

    /// The brace depth after the line.
    mutating func advance(over line: String, depth: Int) -> Int {
        var d = depth
        walk(line) { c in
            if c == "{" { d += 1 } else if c == "}" { d -= 1 }
        }
        return d
    }

    /// Calls `code` with each character of the line that is code, updating the state.
    mutating func walk(_ line: String, code: (Character) -> Void) {
        let chars = Array(line)
        var i = 0
        var inString = false
        var rawHashes = 0
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if blockComments > 0 {
                if c == "*" && next == "/" { blockComments -= 1; i += 2; continue }
                if c == "/" && next == "*" { blockComments += 1; i += 2; continue }
                i += 1
                continue
            }
            if multilineString {
                if c == "\"" && next == "\"" && i + 2 < chars.count && chars[i + 2] == "\"" { multilineString = false; i += 3; continue }
                i += 1
                continue
            }
            if inString {
                if c == "\\" && rawHashes == 0 { i += 2; continue }
                if c == "\"" {
                    var h = 0
                    while h < rawHashes && i + 1 + h < chars.count && chars[i + 1 + h] == "#" { h += 1 }
                    if h == rawHashes { inString = false; i += 1 + h; continue }
                }
                i += 1
                continue
            }
            if c == "/" && next == "/" { return }
            if c == "/" && next == "*" { blockComments += 1; i += 2; continue }
            if c == "#" || c == "\"" {
                var h = 0
                while i + h < chars.count && chars[i + h] == "#" { h += 1 }
                if i + h < chars.count && chars[i + h] == "\"" {
                    if i + h + 2 < chars.count && chars[i + h + 1] == "\"" && chars[i + h + 2] == "\"" {
                        multilineString = true
                        i += h + 3
                        continue
                    }
                    inString = true
                    rawHashes = h
                    i += h + 1
                    continue
                }
            }
            code(c)
            i += 1
        }
    }
}
