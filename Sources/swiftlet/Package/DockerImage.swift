// swiftlet package --docker: an image archive `docker load` reads (the layout `docker save` writes):
// a tar holding `manifest.json` (the image's config file, its tags, its layers), the config (the image
// configuration of the OCI image spec: architecture, os, the entry point, exposed ports, labels, and the
// layers' `diff_ids`, the SHA-256 of each uncompressed layer tar) and one layer, a tar of the image's
// root file system. The tars are GNU tar's, made reproducible: sorted names, owner 0, time 0.

import Foundation
import SwiftletCrypto

struct DockerImage {
    /// `name:tag`.
    var reference: String
    var entrypoint: [String]
    var exposedPorts: [Int]
    var labels: [String: String]

    /// The image configuration for a layer with this digest (`sha256:HEX`).
    func configuration(layerDigest: String) throws -> Data {
        let config: [String: Any] = [
            "architecture": "amd64",
            "os": "linux",
            "config": [
                "Entrypoint": entrypoint,
                "ExposedPorts": Dictionary(uniqueKeysWithValues: exposedPorts.map { ("\($0)/tcp", [String: Any]()) }),
                "Labels": labels,
                "StopSignal": "SIGTERM",
            ] as [String: Any],
            "rootfs": ["type": "layers", "diff_ids": [layerDigest]] as [String: Any],
            "history": [["created_by": "swiftlet package --docker"]],
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    }

    /// `manifest.json` for the config file and layer at these paths in the archive.
    func manifest(configPath: String, layerPath: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: [["Config": configPath, "RepoTags": [reference], "Layers": [layerPath]]], options: [.sortedKeys])
    }

    static func sha256(_ data: Data) -> String {
        let bytes = [UInt8](data)
        return HashAlgorithm.sha256.hash(bytes.span).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes the archive of the root file system in `root` to `output`; returns the layer's size.
    func write(root: URL, to output: URL) throws -> Int {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("swiftlet-image-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let layer = work.appendingPathComponent("layer.tar")
        try Self.tar(["-C", root.path, "-cf", layer.path, "."])
        let layerData = try Data(contentsOf: layer)
        let layerHex = Self.sha256(layerData)
        try fm.createDirectory(at: work.appendingPathComponent(layerHex), withIntermediateDirectories: true)
        try fm.moveItem(at: layer, to: work.appendingPathComponent("\(layerHex)/layer.tar"))
        let config = try configuration(layerDigest: "sha256:\(layerHex)")
        let configName = "\(Self.sha256(config)).json"
        try config.write(to: work.appendingPathComponent(configName))
        try manifest(configPath: configName, layerPath: "\(layerHex)/layer.tar").write(to: work.appendingPathComponent("manifest.json"))
        try fm.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Self.tar(["-C", work.path, "-cf", output.path, "manifest.json", configName, "\(layerHex)/layer.tar"])
        return layerData.count
    }

    static func tar(_ arguments: [String]) throws {
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                      arguments: ["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0"] + arguments, quiet: true)
        guard status == 0 else { throw CLIError("tar \(arguments.joined(separator: " ")) failed (status \(status))") }
    }
}
