// swiftlet package: a kernel as a Docker/OCI image, of one of two kinds.
//
// --docker: the image holds the kvm kernel, QEMU with exactly the libraries and firmware it needs
// (ImageFiles), and a small entry point (ContainerEntry) that, inside the container, creates the tap,
// boots the kernel with the same QEMU command line `swiftlet run --target kvm` uses, forwards the
// application's TCP ports from the container's addresses to the kernel's, turns `docker stop` into the
// kernel's clean shutdown and exits with the kernel's exit code:
//
//     swiftlet package --docker Examples/website
//     docker run --device /dev/kvm --device /dev/net/tun --cap-add NET_ADMIN -p 8080:8080 website
//
// --oci: the image's only layer is the kernel (/kernel); QEMU's command line, the tap and the ports are
// in its environment (SWIFTLET_CONFIG, the configuration the entry point reads) and in its manifest's
// annotations. It runs with the swiftlet OCI runtime (OCIRuntime, installed by `swiftlet runtime`),
// which boots it with the host's QEMU in the container's network namespace:
//
//     swiftlet package --oci Examples/website
//     docker run --runtime swiftlet -p 8080:8080 website:kernel
//
// The archive is written to APP/.swiftlet/docker/NAME_TAG.tar (`docker load -i` reads it; it is an OCI
// image layout too) and loaded when a Docker daemon answers (DOCKER_HOST is honoured). No registry is
// needed: everything comes from this host.

import ArgumentParser
import Foundation

struct Package: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Package a kernel as a Docker image: with QEMU and an entry point (--docker), or the kernel alone for the swiftlet OCI runtime (--oci).",
        discussion: """
            --docker: docker run --device /dev/kvm --device /dev/net/tun --cap-add NET_ADMIN -p 8080:8080 NAME serves \
            the application's port 8080 from the kernel (with --qemu full, TCG where the container has no /dev/kvm); docker stop shuts the kernel \
            down cleanly; the container's exit status is the kernel's. --oci: the same with docker run --runtime \
            swiftlet -p 8080:8080 NAME:kernel, once `swiftlet runtime` has installed the runtime and dockerd knows it.
            """)
    @Flag(help: "Write a docker-load archive with the kernel, QEMU and an entry point.") var docker = false
    @Flag(help: "Write a docker-load (and OCI layout) archive whose only layer is the kernel, for docker run --runtime swiftlet.") var oci = false
    @Option(help: "The image's name[:tag] (default: the application's name, tag latest with --docker, kernel with --oci).") var tag: String?
    @Option(name: .customLong("port"), help: "A TCP port the container forwards to the kernel (repeatable; default: the manifest's port arguments with a default other than 0).")
    var ports: [Int] = []
    @Option(help: "The machine's memory in MiB.") var memory: Int = 256
    @Option(help: "Which QEMU goes in: microvm (QEMU's microvm-only build, about 13 MB with its libraries, KVM only) or full (about 50 MB, with TCG when the container has no /dev/kvm). Default: microvm where this host has it.")
    var qemu: String?
    @Option(help: "Where to write the archive (default: APP/.swiftlet/docker/NAME_TAG.tar).") var out: String?
    @Argument(help: "The application's folder (holds its manifest, Swiftlet.swift).") var path: String = "."
    @Argument(parsing: .postTerminator, help: "Arguments for the application (after --), fixed in the image.") var applicationArguments: [String] = []

    func run() throws {
        try reportingCLIErrors {
            guard docker != oci else {
                throw CLIError(docker ? "--docker or --oci, not both" : "say which package: --docker (an image with QEMU and the kernel) or --oci (the kernel alone, for the swiftlet runtime)")
            }
            guard !oci || qemu == nil else { throw CLIError("--qemu is for --docker: with --oci the runtime uses the host's QEMU") }
            let folder = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            let manifest = try Manifest.load(from: folder)
            let reference = try Self.imageReference(tag ?? (oci ? manifest.name + ":kernel" : manifest.name))
            var forwarded: [Int] = []
            for p in ports.isEmpty ? Self.defaultPorts(manifest) : ports where !forwarded.contains(p) { forwarded.append(p) }
            for p in forwarded where !(1...65535).contains(p) { throw CLIError("--port \(p): a TCP port is 1-65535") }
            guard forwarded.count <= Self.maximumPorts else { throw CLIError("at most \(Self.maximumPorts) ports are forwarded (the entry point's table)") }
            if oci {
                try packageKernel(folder: folder, manifest: manifest, reference: reference, ports: forwarded)
                return
            }
            let build = try Self.chooseQEMU(qemu)
            let kernel = try Builder(folder: folder, target: .kvm).build()
            let started = Date()
            let config = try Self.containerConfig(manifest: manifest, memory: memory, ports: forwarded, applicationArguments: applicationArguments, qemu: build)

            let fm = FileManager.default
            let root = fm.temporaryDirectory.appendingPathComponent("swiftlet-rootfs-\(UUID().uuidString)")
            defer { try? fm.removeItem(at: root) }
            func place(_ file: URL, at path: String) throws {
                let destination = root.appendingPathComponent(path)
                try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: file.resolvingSymlinksInPath(), to: destination)
            }
            for dir in ["swiftlet", "run", "tmp", "dev", "proc", "sys"] {
                try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
            }
            try ContainerEntry.compile(into: root.appendingPathComponent("swiftlet/entry"))
            try place(kernel, at: "swiftlet/kernel")
            try config.write(to: root.appendingPathComponent("swiftlet/config"), atomically: true, encoding: .utf8)
            try place(build.binary, at: String(build.path.dropFirst()))
            for library in try ImageFiles.sharedLibraries(of: build.binary) { try place(URL(fileURLWithPath: library), at: library) }
            if build.kind == "full" {
                for module in ImageFiles.fullBuildModules {
                    guard fm.fileExists(atPath: module) else { throw CLIError("\(module) is missing (apt-get install qemu-system-x86)") }
                    try place(URL(fileURLWithPath: module), at: String(module.dropFirst()))
                    for library in try ImageFiles.sharedLibraries(of: URL(fileURLWithPath: module))
                    where !fm.fileExists(atPath: root.appendingPathComponent(library).path) {
                        try place(URL(fileURLWithPath: library), at: library)
                    }
                }
            }
            for name in ImageFiles.qemuData {
                let file = URL(fileURLWithPath: ImageFiles.qemuDataFolder).appendingPathComponent(name)
                guard fm.fileExists(atPath: file.path) else { throw CLIError("\(file.path) is missing (apt-get install qemu-system-x86)") }
                try place(file, at: ImageFiles.qemuDataFolder + "/" + name)
            }
            let image = DockerImage(reference: reference, entrypoint: ["/swiftlet/entry"], exposedPorts: forwarded,
                                    labels: ["org.swiftlet.application": manifest.name, "org.swiftlet.kernel": kernel.lastPathComponent])
            let archive = out.map { URL(fileURLWithPath: $0) }
                ?? folder.appendingPathComponent(".swiftlet/docker/\(Self.archiveName(reference))")
            let sizes = try image.write(root: root, to: archive)
            say("packaged \(reference): \(archive.path) (image \(sizes.layer / 1024) KB: the kernel, QEMU's \(build.kind) build, its libraries and the entry point) in \(seconds(since: started))")
            say("run: docker run --rm --device /dev/kvm --device /dev/net/tun --cap-add NET_ADMIN "
                + forwarded.map { "-p \($0):\($0) " }.joined() + reference)
            Self.load(archive, reference: reference)
        }
    }

    /// --oci: the kernel as the image's only layer, its QEMU configuration in the environment the
    /// runtime reads (Docker hands a runtime the image's environment, not its labels or annotations) and,
    /// for OCI tools, in the manifest's annotations.
    func packageKernel(folder: URL, manifest: Manifest, reference: String, ports: [Int]) throws {
        let kernel = try Builder(folder: folder, target: .kvm).build()
        let started = Date()
        let config = try Self.containerConfig(manifest: manifest, memory: memory, ports: ports, applicationArguments: applicationArguments,
                                              qemu: .full, kernelPath: Self.ociKernelPath)
        let settings = config.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("swiftlet-rootfs-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try fm.copyItem(at: kernel.resolvingSymlinksInPath(), to: root.appendingPathComponent(String(Self.ociKernelPath.dropFirst())))
        let annotations = ["org.swiftlet.application": manifest.name, "org.swiftlet.config": settings,
                           "org.swiftlet.ports": ports.map(String.init).joined(separator: ","), "org.swiftlet.memory": "\(memory)",
                           "org.opencontainers.image.title": manifest.name]
        let image = DockerImage(reference: reference, entrypoint: [Self.ociKernelPath], exposedPorts: ports,
                                labels: ["org.swiftlet.application": manifest.name, "org.swiftlet.runtime": "swiftlet"],
                                environment: ["SWIFTLET_CONFIG=" + settings], annotations: annotations, compressed: true)
        let archive = out.map { URL(fileURLWithPath: $0) }
            ?? folder.appendingPathComponent(".swiftlet/docker/\(Self.archiveName(reference))")
        let sizes = try image.write(root: root, to: archive)
        let archiveBytes = (try? fm.attributesOfItem(atPath: archive.path)[.size] as? Int) ?? 0
        say("packaged \(reference): \(archive.path) (the kernel alone: \(sizes.unpacked / 1024) KB, \(sizes.layer / 1024) KB compressed; the archive \(archiveBytes / 1024) KB) in \(seconds(since: started))")
        say("run: docker run --rm --runtime swiftlet " + ports.map { "-p \($0):\($0) " }.joined() + reference
            + " (install the runtime with swiftlet runtime; register it: dockerd --add-runtime swiftlet=\(OCIRuntime.defaultPath))")
        Self.load(archive, reference: reference)
    }

    /// Where the kernel is in a --oci image.
    static let ociKernelPath = "/kernel"

    /// `docker load`, when a Docker CLI is there; its own message says why when it fails (no daemon, no
    /// permission on its socket).
    static func load(_ archive: URL, reference: String) {
        guard let dockerCLI = executableOnPath("docker") else { return }
        let status = ChildProcess.run(dockerCLI, arguments: ["load", "-i", archive.path], quiet: true)
        if status == 0 { say("loaded into Docker as \(reference)") }
        else { say("not loaded: docker load said why above (status \(status)); later: docker load -i \(archive.path)") }
    }

    static let com2Path = "/run/swiftlet-com2"
    /// The entry point's table of ports (MAX_PORTS in its source).
    static let maximumPorts = 16

    /// `NAME[:TAG]` as Docker takes it: the name lower-case ASCII letters, digits and `._-/`, with an
    /// optional registry host and port before its first `/`; the tag (default `latest`) at most 128 of
    /// letters, digits and `._-`, not starting with `.` or `-`.
    static func imageReference(_ given: String) throws -> String {
        let lastSlash = given.lastIndex(of: "/")
        let tagColon = given.lastIndex(of: ":").flatMap { colon in lastSlash.map { colon > $0 } ?? true ? colon : nil }
        let name = tagColon.map { String(given[..<$0]) } ?? given
        let tag = tagColon.map { String(given[given.index(after: $0)...]) } ?? "latest"
        let path = name.split(separator: "/", omittingEmptySubsequences: false)
        let registry = path.count > 1 && (path[0].contains(".") || path[0].contains(":") || path[0] == "localhost") ? path[0] : nil
        let components = registry == nil ? path[...] : path.dropFirst()
        let nameOK = !components.isEmpty && components.allSatisfy { c in
            !c.isEmpty && c.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }
                && (c.first!.isLetter || c.first!.isNumber)
        }
        let registryOK = registry.map { r in
            let hostPort = r.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return !hostPort[0].isEmpty && hostPort[0].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-".contains($0)) }
                && (hostPort.count == 1 || !hostPort[1].isEmpty && hostPort[1].allSatisfy { $0.isASCII && $0.isNumber })
        } ?? true
        let tagOK = (1...128).contains(tag.count) && tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
            && tag.first != "." && tag.first != "-"
        guard nameOK, registryOK, tagOK else {
            throw CLIError("--tag \(given): an image name is lower-case letters, digits and . _ - / (a registry host first if any), then :TAG of letters, digits and . _ -")
        }
        return name + ":" + tag
    }

    /// The archive's file name for a reference: `website_latest.tar`, `localhost_5000_app_v1.tar`.
    static func archiveName(_ reference: String) -> String {
        reference.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_") + ".tar"
    }

    /// The QEMU that goes in the image.
    struct QEMUBuild: Equatable {
        /// `microvm` (Debian's qemu-system-x86_64-microvm: only the microvm machine, KVM only, no
        /// isa-debug-exit, a quarter of the size) or `full`.
        var kind: String
        /// Its path, in the image as on this host.
        var path: String
        var binary: URL { URL(fileURLWithPath: path) }
        var hasTCG: Bool { kind == "full" }
        var hasDebugExit: Bool { kind == "full" }

        static let microvm = QEMUBuild(kind: "microvm", path: "/usr/bin/qemu-system-x86_64-microvm")
        static let full = QEMUBuild(kind: "full", path: "/usr/bin/qemu-system-x86_64")
    }

    static func chooseQEMU(_ asked: String?) throws -> QEMUBuild {
        let fm = FileManager.default
        switch asked {
        case nil: return fm.isExecutableFile(atPath: QEMUBuild.microvm.path) ? .microvm : .full
        case "microvm", "full":
            let build = asked == "microvm" ? QEMUBuild.microvm : .full
            guard fm.isExecutableFile(atPath: build.path) else { throw CLIError("--qemu \(asked!): \(build.path) is missing (apt-get install qemu-system-x86)") }
            return build
        default: throw CLIError("--qemu \(asked!): microvm or full")
        }
    }

    /// The manifest's port arguments whose default is not 0, in order.
    static func defaultPorts(_ manifest: Manifest) -> [Int] {
        manifest.arguments.filter { $0.kind == "port" }.compactMap { $0.defaultValue.flatMap(Int.init) }.filter { $0 != 0 }
    }

    /// /swiftlet/config for the entry point: QEMU's command line (`arg` lines, as `swiftlet run --target
    /// kvm` plans it, with a tap of the entry's making and COM2 for the shutdown request), the tap, the
    /// host side's and the kernel's addresses, the forwarded ports.
    static func containerConfig(manifest: Manifest, memory: Int, ports: [Int], applicationArguments: [String], qemu build: QEMUBuild,
                                kernelPath: String = "/swiftlet/kernel") throws -> String {
        guard manifest.has(.network) || ports.isEmpty else {
            throw CLIError("\(manifest.name) has no network device: no port to forward (--port is for applications with .network)")
        }
        // IPv6 off: the entry point gives the tap no IPv6 address, and Docker's port forwarding is IPv4.
        let request = RunRequest(target: .kvm, ipv6: manifest.has(.network) ? "off" : nil, memory: memory, forwards: ports.map { "\($0):\($0)" },
                                 applicationArguments: applicationArguments)
        try request.checkTargetOptions()
        let plan = try RunPlan(request, manifest: manifest, host: RunHost(isRoot: true, accelerator: .kvm))
        guard case .qemu(var qemu) = plan.launch(binary: URL(fileURLWithPath: kernelPath), folder: URL(fileURLWithPath: "/"), runAs: nil) else {
            throw CLIError("internal: the kvm plan does not boot QEMU")
        }
        qemu.runAs = nil
        var arguments = qemu.arguments
        if !build.hasDebugExit, let i = arguments.firstIndex(of: "isa-debug-exit,iobase=0xf4,iosize=0x04") {
            arguments.removeSubrange(i - 1...i)  // the kernel then says its exit code on the console (the entry reads it)
        }
        var lines = ["# Written by swiftlet package for the entry point (/swiftlet/entry) or the swiftlet runtime."]
        for a in [build.path] + arguments + ["-chardev", "socket,id=control,path=\(com2Path),server=on,wait=off",
                                             "-device", "isa-serial,chardev=control,iobase=0x2f8,irq=3"] {
            lines.append("arg " + a)
        }
        for step in plan.steps {
            if case .createTap(let tap) = step { lines += ["tap \(tap.name)", "host \(tap.hostAddress)"] }
            if case .forward(_, let guest) = step { lines.append("guest \(guest)") }
        }
        lines += ports.map { "port \($0)" }
        lines += ["com2 \(com2Path)", "grace 8", "tcg \(build.hasTCG ? "yes" : "no")", "debugexit \(build.hasDebugExit ? "yes" : "no")"]
        return lines.joined(separator: "\n") + "\n"
    }
}
