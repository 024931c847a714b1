// SwiftletToolTests: `swiftlet package --docker`'s pure parts: the libraries read off `ldd`, the entry
// point's configuration (QEMU's command line as `swiftlet run --target kvm` plans it, the tap, the
// addresses, the ports), the image configuration and manifest docker load reads.

import Foundation
import SwiftletManifest
import Testing
@testable import swiftlet

@Suite struct PackageTests {
    let website = manifest("website", entry: "Website", devices: [.console, .network, .store("site", disk: true)], arguments: [
        .port("port", default: 8080, help: "h"), .port("https-port", default: 0, help: "h"), .port("metrics-port", help: "h"),
        .string("name", default: "80", help: "h"),
    ])

    @Test func librariesFromLDD() {
        let output = """
            \tlinux-vdso.so.1 (0x00007ffd5a3f2000)
            \tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f0c1a2a0000)
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c19e00000)
            \tlibgone.so.2 => not found
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f0c1a2f0000)
            """
        #expect(ImageFiles.sharedLibraries(fromLDD: output) == ["/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"])
    }

    @Test func portsAreTheManifestsNonZeroPortDefaults() {
        #expect(Package.defaultPorts(website) == [8080])
    }

    @Test func theEntryPointsConfiguration() throws {
        let config = try Package.containerConfig(manifest: website, memory: 128, ports: [8080], applicationArguments: ["--redirect"], qemu: .full)
        let lines = config.split(separator: "\n").map(String.init)
        let args = lines.filter { $0.hasPrefix("arg ") }.map { String($0.dropFirst(4)) }
        #expect(args.first == "/usr/bin/qemu-system-x86_64" && args.contains("isa-debug-exit,iobase=0xf4,iosize=0x04"))
        #expect(args.contains("128M") && args.contains("/swiftlet/kernel") && !args.contains("-runas"))
        #expect(args.contains("tap,id=net0,ifname=swl0,script=no,downscript=no"))
        #expect(args.contains("socket,id=control,path=/run/swiftlet-com2,server=on,wait=off"))
        let append = try #require(args.firstIndex(of: "-append").map { args[$0 + 1] })
        #expect(append == "--ipv4 10.0.0.2/24 --gateway 10.0.0.1 --ipv6 off -- --redirect")
        #expect(lines.filter { !$0.hasPrefix("arg ") && !$0.hasPrefix("#") } == ["tap swl0", "host 10.0.0.1/24", "guest 10.0.0.2", "port 8080", "com2 /run/swiftlet-com2", "grace 8", "tcg yes", "debugexit yes"])
        // QEMU's microvm build has no isa-debug-exit (the kernel says its code on the console) and no TCG.
        let small = try Package.containerConfig(manifest: website, memory: 128, ports: [8080], applicationArguments: [], qemu: .microvm)
        #expect(small.contains("arg /usr/bin/qemu-system-x86_64-microvm\n") && !small.contains("isa-debug-exit") && small.hasSuffix("tcg no\ndebugexit no\n"))
        #expect(!small.contains("arg -device\narg -accel"))  // the device's -device went with it
    }

    /// Docker's reference grammar: a registry host (with its port) before the first `/`, the tag after the
    /// last `:` that follows it.
    @Test func imageReferences() throws {
        #expect(try Package.imageReference("website") == "website:latest")
        #expect(try Package.imageReference("app:V1.2") == "app:V1.2")
        #expect(try Package.imageReference("localhost:5000/team/app") == "localhost:5000/team/app:latest")
        #expect(try Package.imageReference("registry.example:5000/app:ci") == "registry.example:5000/app:ci")
        for bad in ["App", "app:", ":x", "a:b:c", "a:b/c", "ünï", "app:-x", "/app", "app//x", "app:" + String(repeating: "x", count: 129)] {
            #expect(refusal { _ = try Package.imageReference(bad) }?.hasPrefix("--tag \(bad): an image name") == true, "\(bad)")
        }
        #expect(Package.archiveName("localhost:5000/app:v1") == "localhost_5000_app_v1.tar")
    }

    @Test func noNetworkNoPorts() {
        let hello = manifest("hello", entry: "Hello", devices: [.console, .timers])
        #expect(refusal { _ = try Package.containerConfig(manifest: hello, memory: 64, ports: [80], applicationArguments: [], qemu: .full) }?.hasPrefix("hello has no network device") == true)
        #expect(refusal { _ = try Package.containerConfig(manifest: hello, memory: 64, ports: [], applicationArguments: [], qemu: .full) } == nil)
    }

    @Test func theImageConfigurationAndManifest() throws {
        let image = DockerImage(reference: "website:latest", entrypoint: ["/swiftlet/entry"], exposedPorts: [8080, 9100], labels: ["a": "b"])
        let config = try #require(try JSONSerialization.jsonObject(with: image.configuration(layerDigest: "sha256:ab")) as? [String: Any])
        #expect(config["architecture"] as? String == "amd64" && config["os"] as? String == "linux")
        let rootfs = try #require(config["rootfs"] as? [String: Any])
        #expect(rootfs["type"] as? String == "layers" && rootfs["diff_ids"] as? [String] == ["sha256:ab"])
        let inner = try #require(config["config"] as? [String: Any])
        #expect(inner["Entrypoint"] as? [String] == ["/swiftlet/entry"])
        #expect((inner["ExposedPorts"] as? [String: Any]).map { Set($0.keys) } == ["8080/tcp", "9100/tcp"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: image.manifest(configPath: "c.json", layerPath: "l/layer.tar")) as? [[String: Any]])
        #expect(manifest.count == 1 && manifest[0]["RepoTags"] as? [String] == ["website:latest"] && manifest[0]["Layers"] as? [String] == ["l/layer.tar"])
        #expect(DockerImage.sha256(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")  // FIPS 180-2 example
    }

    /// --oci: the kernel at /kernel, QEMU's configuration in the environment, and an OCI layout beside
    /// docker's manifest whose manifest carries the annotations and a gzip layer.
    @Test func theKernelOnlyImage() throws {
        let config = try Package.containerConfig(manifest: website, memory: 64, ports: [8080], applicationArguments: [], qemu: .full, kernelPath: Package.ociKernelPath)
        #expect(config.contains("arg -kernel\narg /kernel\n") && config.contains("arg isa-debug-exit,iobase=0xf4,iosize=0x04\n"))
        let image = DockerImage(reference: "website:kernel", entrypoint: ["/kernel"], exposedPorts: [8080], labels: [:],
                                environment: ["SWIFTLET_CONFIG=tap swl0"], annotations: ["org.swiftlet.config": "tap swl0"], compressed: true)
        let configData = try image.configuration(layerDigest: "sha256:ab")
        let inner = try #require((try JSONSerialization.jsonObject(with: configData) as? [String: Any])?["config"] as? [String: Any])
        #expect(inner["Env"] as? [String] == ["SWIFTLET_CONFIG=tap swl0"] && inner["Entrypoint"] as? [String] == ["/kernel"])
        let layer = Data("layer".utf8)
        let manifestData = try image.ociManifest(config: configData, layer: layer)
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        #expect(manifest["schemaVersion"] as? Int == 2 && manifest["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect((manifest["annotations"] as? [String: String])?["org.swiftlet.config"] == "tap swl0")
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.count == 1 && layers[0]["mediaType"] as? String == "application/vnd.oci.image.layer.v1.tar+gzip"
                && layers[0]["digest"] as? String == "sha256:\(DockerImage.sha256(layer))" && layers[0]["size"] as? Int == 5)
        #expect((manifest["config"] as? [String: Any])?["digest"] as? String == "sha256:\(DockerImage.sha256(configData))")
        let index = try #require(try JSONSerialization.jsonObject(with: image.ociIndex(manifest: manifestData)) as? [String: Any])
        let entry = try #require((index["manifests"] as? [[String: Any]])?.first)
        #expect(entry["digest"] as? String == "sha256:\(DockerImage.sha256(manifestData))" && entry["size"] as? Int == manifestData.count)
        #expect((entry["annotations"] as? [String: String]) == ["org.opencontainers.image.ref.name": "kernel", "io.containerd.image.name": "website:kernel"])
    }
}
