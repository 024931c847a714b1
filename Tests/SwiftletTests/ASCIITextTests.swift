// The byte-wise text helpers (ASCIIText.swift) and the store index built on them: keywords, suffixes and
// paths compared as bytes, never as Unicode characters.

import Testing
import Swiftlet
import SwiftletStore

@Suite struct ASCIITextTests {
    @Test func caseAndAffixesAreByteWise() {
        #expect("$origin".asciiUppercased == "$ORIGIN")
        #expect("aZ09-é".asciiUppercased == "AZ09-é", "only a-z change")
        #expect("example.zone".hasByteSuffix(".zone") && !"zone".hasByteSuffix(".zone"))
        #expect("$TTL".hasBytePrefix("$") && !"".hasBytePrefix("$") && "".hasBytePrefix(""))
        #expect("a//b/c/".splitBytes(UInt8(ascii: "/")) == ["a", "b", "c"])
        #expect("".splitBytes(UInt8(ascii: "/")).isEmpty)
        #expect("Content-LENGTH-é".asciiLowercased == "content-length-é", "only A-Z change")
        #expect("Content-Length".equalsIgnoringASCIICase("content-LENGTH") && !"Content-Length".equalsIgnoringASCIICase("Content-Lengt"))
        #expect(!"[".equalsIgnoringASCIICase("{") && !"@".equalsIgnoringASCIICase("`"), "only letters fold")
        #expect(" \t gzip, br\t ".trimmingSpacesAndTabs == "gzip, br" && " \t ".trimmingSpacesAndTabs.isEmpty && "x".trimmingSpacesAndTabs == "x")
        #expect(" \u{A0}x\u{A0} ".trimmingSpacesAndTabs == "\u{A0}x\u{A0}", "only space and tab")
        #expect((0...255).compactMap { hexDigitValue(UInt8($0)).map { Int($0) } } == Array(0...9) + Array(10...15) + Array(10...15))
        #expect(hexDigitValue(UInt8(ascii: "F")) == 15 && hexDigitValue(UInt8(ascii: "a")) == 10 && hexDigitValue(UInt8(ascii: "g")) == nil)
    }

    @Test func byteKeysDoNotFoldCanonicalEquivalents() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "String says these are equal (canonical equivalence)")
        #expect(!composed.sameBytes(decomposed))
        #expect(ByteKey(composed) != ByteKey(decomposed))
        var d: [ByteKey: Int] = [ByteKey(composed): 1]
        d[ByteKey(decomposed)] = 2
        #expect(d.count == 2)
        func kind(_ word: String) -> Int {
            switch ByteKey(word) {
            case "A": return 1
            case "AAAA": return 4
            default: return 0
            }
        }
        #expect(kind("A") == 1 && kind("AAAA") == 4 && kind("AA") == 0 && kind("a") == 0)
    }

    @Test func storeIndexListsInByteOrder() throws {
        let index = StoreIndex(paths: ["b.txt", "a/z", "a/B", "a/é", "A", "a/B"])
        #expect(try index.list("").map(\.name) == ["A", "a", "b.txt"])
        #expect(try index.list("a").map(\.name) == ["B", "z", "é"])
        #expect(try index.file("a/B") == 5, "a path listed twice keeps its last index")
        #expect(throws: KeyValueError.wrongKind("a")) { try index.file("a") }
        #expect(throws: KeyValueError.notFound("a/e\u{301}")) { try index.file("a/e\u{301}") }
    }
}
