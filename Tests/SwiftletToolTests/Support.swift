// SwiftletToolTests: what the tests of the `swiftlet` tool share: manifests as the tool reads them, the
// one line an error says, temporary folders.

import Foundation
import SwiftletManifest
@testable import swiftlet

/// A manifest as the tool has it after reading Swiftlet.swift: decoded from the JSON a manifest program
/// prints (`Application(...)` itself registers the declaration to print when the process exits, which a
/// test process must not do).
func manifest(_ name: String = "app", entry: String = "App", devices: [Device] = [], arguments: [Argument] = []) -> Manifest {
    let encoder = JSONEncoder()
    let devicesJSON = String(decoding: try! encoder.encode(devices), as: UTF8.self)
    let argumentsJSON = String(decoding: try! encoder.encode(arguments), as: UTF8.self)
    let json = #"{"name":"\#(name)","entry":"\#(entry)","devices":\#(devicesJSON),"arguments":\#(argumentsJSON),"file":"/app/Swiftlet.swift","line":3}"#
    return try! Application.decode(Data(json.utf8))
}

/// The line a `CLIError` thrown by `body` says; nil when nothing was thrown.
func refusal(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as CLIError {
        return error.description
    } catch {
        return "not a CLIError: \(error)"
    }
}

/// A new empty folder under the temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tool-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `relative` under `folder`, making the folders between.
func write(_ text: String, to relative: String, in folder: URL) throws {
    let url = folder.appendingPathComponent(relative)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
}
