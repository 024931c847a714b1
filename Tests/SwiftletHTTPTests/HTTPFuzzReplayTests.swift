// Replays the http fuzz harness's seeds and every input it ever crashed on (Fuzz/corpus/http,
// Fuzz/crashers/http-*) with the harness's property: the same requests, or an error in both, whether the
// bytes arrive whole or split into reads of the size the first byte picks, with bounded work; and the
// response parser does not trap on them.

import Foundation
import Testing
@testable import SwiftletHTTP

private func inputs() -> [(String, [UInt8])] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized
    var out: [(String, [UInt8])] = []
    for (dir, keep) in [("corpus/http", { (_: String) in true }), ("crashers", { (f: String) in f.hasPrefix("http-") })] {
        let path = root.appendingPathComponent(dir).path
        for file in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() where keep(file) {
            if let data = FileManager.default.contents(atPath: path + "/" + file) { out.append((file, [UInt8](data))) }
        }
    }
    return out
}

private func requests(_ bytes: [UInt8], piece: Int) -> ([HTTPRequest], HTTPParseError?, Int) {
    var p = HTTPRequestParser()
    var out: [HTTPRequest] = []
    var at = 0
    repeat {
        let end = min(at + piece, bytes.count)
        p.feed(Array(bytes[at..<end]))
        at = end
        do throws(HTTPParseError) {
            while let r = try p.next() { out.append(r) }
        } catch {
            return (out, error, p.bytesExamined)
        }
    } while at < bytes.count
    return (out, nil, p.bytesExamined)
}

@Suite struct HTTPFuzzReplayTests {
    @Test func seedsAndCrashersKeepTheHarnessProperty() {
        let all = inputs()
        #expect(all.count >= 6, "the seed corpus is found")
        for (name, input) in all where !input.isEmpty {
            let bytes = Array(input.dropFirst())
            let piece = input[0] < 64 ? Int(input[0]) + 1 : max(bytes.count, 1)
            let whole = requests(bytes, piece: max(bytes.count, 1))
            let split = requests(bytes, piece: piece)
            #expect(whole.0 == split.0 && (whole.1 == nil) == (split.1 == nil), "\(name)")
            #expect(split.2 <= 6 * bytes.count + 64, "\(name)")
            var r = HTTPResponseParser()
            r.feed(bytes)
            do throws(HTTPParseError) {
                while (try r.next(method: "GET")) != nil {}
                _ = try r.finish(method: "GET")
            } catch {}
        }
    }
}
