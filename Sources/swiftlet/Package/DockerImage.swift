// swiftlet package: an image archive that both `docker load` and OCI tools read. It is the layout
// `docker save` writes (`manifest.json`: the image's config file, its tags, its layers) and, in the same
// tar, an OCI image layout (the OCI image spec's image-layout.md: `oci-layout`, `index.json` and
// `blobs/sha256/`), whose manifest carries the annotations. Both name the same blobs: the config (the
// image configuration of the OCI image spec: architecture, os, entry point, environment, exposed ports,
// labels, and the layers' `diff_ids`, the SHA-256 of each uncompressed layer tar) and one layer, a tar of
// the image's root file system, gzip-compressed or not. The tars are GNU tar's, made reproducible: sorted
// names, owner 0, time 0; gzip without a name or time.

import Foundation
import SwiftletCrypto

struct DockerImage {
    /// `name:tag`.
    var reference: String
    var entrypoint: [String]
    var exposedPorts: [Int]
    var labels: [String: String]
    /// `NAME=VALUE` lines of the container's environment.
    var environment: [String] = []
    /// The OCI manifest's annotations.
    var annotations: [String: String] = [:]
    /// The layer gzip-compressed (the kernel-only image: its size is the point).
    var compressed = false

    /// The image configuration for a layer with this digest (`sha256:HEX`).
    func configuration(layerDigest: String) throws -> Data {
        var inner: [String: Any] = [
            "Entrypoint": entrypoint,
            "ExposedPorts": Dictionary(uniqueKeysWithValues: exposedPorts.map { ("\($0)/tcp", [String: Any]()) }),
            "Labels": labels,
            "StopSignal": "SIGTERM",
        ]
        if !environment.isEmpty { inner["Env"] = environment }
        let config: [String: Any] = [
            "architecture": "amd64",
            "os": "linux",
            "config": inner,
            "rootfs": ["type": "layers", "diff_ids": [layerDigest]] as [String: Any],
            "history": [["created_by": "swiftlet package"]],
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    }

    /// `manifest.json` for the config file and layer at these paths in the archive.
    func manifest(configPath: String, layerPath: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: [["Config": configPath, "RepoTags": [reference], "Layers": [layerPath]]], options: [.sortedKeys])
    }

    /// A content descriptor (OCI image spec, descriptor.md).
    static func descriptor(_ mediaType: String, _ data: Data, annotations: [String: String] = [:]) -> [String: Any] {
        var d: [String: Any] = ["mediaType": mediaType, "digest": "sha256:\(sha256(data))", "size": data.count]
        if !annotations.isEmpty { d["annotations"] = annotations }
        return d
    }

    /// The OCI image manifest (manifest.md) of this config and layer blob.
    func ociManifest(config: Data, layer: Data) throws -> Data {
        var manifest: [String: Any] = [
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": Self.descriptor("application/vnd.oci.image.config.v1+json", config),
            "layers": [Self.descriptor(compressed ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar", layer)],
        ]
        if !annotations.isEmpty { manifest["annotations"] = annotations }
        return try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
    }

    /// `index.json`: the one manifest, named by its reference (`org.opencontainers.image.ref.name` is the tag).
    func ociIndex(manifest: Data) throws -> Data {
        let tag = reference.split(separator: ":").last.map(String.init) ?? "latest"
        let index: [String: Any] = [
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [Self.descriptor("application/vnd.oci.image.manifest.v1+json", manifest,
                                          annotations: ["org.opencontainers.image.ref.name": tag, "io.containerd.image.name": reference])],
        ]
        return try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])
    }

    static func sha256(_ data: Data) -> String {
        let bytes = [UInt8](data)
        return HashAlgorithm.sha256.hash(bytes.span).map { String(format: "%02x", $0) }.joined()
    }

    /// What `write` made: the layer's size as stored (compressed or not) and unpacked.
    struct Sizes { var layer: Int; var unpacked: Int }

    /// Writes the archive of the root file system in `root` to `output`.
    func write(root: URL, to output: URL) throws -> Sizes {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("swiftlet-image-\(UUID().uuidString)")
        let blobs = work.appendingPathComponent("blobs/sha256")
        try fm.createDirectory(at: blobs, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let tarFile = work.appendingPathComponent("layer.tar")
        try Self.tar(["-C", root.path, "-cf", tarFile.path, "."])
        let unpacked = try Data(contentsOf: tarFile)
        if compressed {
            let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["gzip", "-n", "-9", tarFile.path], quiet: true)
            guard status == 0 else { throw CLIError("gzip of the layer failed (status \(status))") }
        }
        let layer = compressed ? try Data(contentsOf: work.appendingPathComponent("layer.tar.gz")) : unpacked
        let config = try configuration(layerDigest: "sha256:\(Self.sha256(unpacked))")
        let manifest = try ociManifest(config: config, layer: layer)
        var names = ["manifest.json", "oci-layout", "index.json"]
        for blob in [layer, config, manifest] {
            let name = "blobs/sha256/\(Self.sha256(blob))"
            if !names.contains(name) { names.append(name) }
            try blob.write(to: work.appendingPathComponent(name))
        }
        try self.manifest(configPath: "blobs/sha256/\(Self.sha256(config))", layerPath: "blobs/sha256/\(Self.sha256(layer))")
            .write(to: work.appendingPathComponent("manifest.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: work.appendingPathComponent("oci-layout"))
        try ociIndex(manifest: manifest).write(to: work.appendingPathComponent("index.json"))
        try fm.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Self.tar(["-C", work.path, "-cf", output.path] + names)
        return Sizes(layer: layer.count, unpacked: unpacked.count)
    }

    static func tar(_ arguments: [String]) throws {
        let status = ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                      arguments: ["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0"] + arguments, quiet: true)
        guard status == 0 else { throw CLIError("tar \(arguments.joined(separator: " ")) failed (status \(status))") }
    }
}
