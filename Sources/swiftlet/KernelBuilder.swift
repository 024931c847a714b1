// swiftlet: builds a kvm kernel image: Swiftlet's modules and the application compiled in Embedded Swift,
// the kernel's C and assembly (Sources/CSwiftletKVM), linked freestanding with ld.lld.
//
// Swiftlet's own modules are compiled once into SWIFTLET/.build/kvm and recompiled only when a source
// (or a module they depend on) is newer than the object. The application and its generated `main`
// become one module in APP/.swiftlet/kvm, which also holds the linked kernel (NAME.elf, with symbols,
// for `llvm-symbolizer`) and the stripped image QEMU boots (NAME.kernel). `--gc-sections` keeps only
// the code the application reaches; generic code was specialised for it by the compiler.

import Foundation
import SwiftletDNS
import SwiftletWire

#if canImport(Glibc)
import Glibc
#endif

struct Toolchain {
    let bin: URL
    var swiftc: URL { bin.appendingPathComponent("swiftc") }
    var clang: URL { bin.appendingPathComponent("clang") }
    var lld: URL { bin.appendingPathComponent("ld.lld") }
    var objcopy: URL { bin.appendingPathComponent("llvm-objcopy") }
    var ar: URL { bin.appendingPathComponent("llvm-ar") }
    var symbolizer: URL { bin.appendingPathComponent("llvm-symbolizer") }
    var embeddedLibraries: URL { bin.deletingLastPathComponent().appendingPathComponent("lib/swift/embedded/x86_64-unknown-linux-gnu") }
    var include: URL { bin.deletingLastPathComponent().appendingPathComponent("include") }

    /// The toolchain of the `swiftc` on PATH.
    static func find() throws -> Toolchain {
        guard let swiftc = executableOnPath("swiftc") else { throw CLIError("swiftc is not on PATH") }
        let t = Toolchain(bin: swiftc.resolvingSymlinksInPath().deletingLastPathComponent())
        guard FileManager.default.fileExists(atPath: t.embeddedLibraries.appendingPathComponent("libswift_Concurrency.a").path) else {
            throw CLIError("\(t.bin.path): this Swift toolchain has no Embedded concurrency runtime (Swift 6.3 or later has)")
        }
        return t
    }
}

struct KernelBuilder {
    let folder: URL
    let manifest: Manifest
    let appSources: [String]

    static let cFiles = ["platform", "malloc", "libc", "executor"]
    var generated: URL { folder.appendingPathComponent(".swiftlet/kvm") }
    var elf: URL { generated.appendingPathComponent("\(manifest.name).elf") }
    var image: URL { generated.appendingPathComponent("\(manifest.name).kernel") }

    /// Builds the kernel; returns the bootable image.
    func build(generatedSources: [URL]) throws -> URL {
        let t = try Toolchain.find()
        let swiftlet = KernelModules(toolchain: t)
        let (cache, kernelSources, cryptoSources) = (swiftlet.cache, KernelModules.kernelSources, KernelModules.cryptoSources)
        // The store's files first: a link in it is refused before anything is compiled.
        var store = manifest.has(.store) ? try embeddedFiles() : []
        if manifest.compilesZones { store = try compiledZones(store) }
        let fm = FileManager.default
        try swiftlet.prepareCache()
        try fm.createDirectory(at: generated, withIntermediateDirectories: true)

        let started = Date()
        let firstBuild = !fm.fileExists(atPath: cache.appendingPathComponent("SwiftletNet.o").path)
        say("building \(manifest.name) for kvm (Embedded Swift; Swiftlet's modules are cached in \(cache.path)"
            + (firstBuild ? "; the first build compiles them all, a few minutes on 2 cores)" : ")"))
        var objects: [URL] = []
        // The kernel's assembly and C. Ring-0 code must not touch SSE/x87 (docs/ARCHITECTURE.md, "The machine under the kvm target"): general registers only.
        let headers = [kernelSources.appendingPathComponent("kernel.h"), kernelSources.appendingPathComponent("include/CSwiftletKVM.h")]
        let boot = cache.appendingPathComponent("boot.o")
        try compileIfStale(t.clang, inputs: [kernelSources.appendingPathComponent("boot.S"), kernelSources.appendingPathComponent("pvh_note.h")], output: boot,
                           arguments: swiftlet.cFlags + ["-c", kernelSources.appendingPathComponent("boot.S").path, "-o", boot.path])
        let ring0 = cache.appendingPathComponent("ring0.o")
        try compileIfStale(t.clang, inputs: [kernelSources.appendingPathComponent("ring0.c")] + headers, output: ring0,
                           arguments: swiftlet.cFlags + ["-mgeneral-regs-only", "-mno-red-zone", "-c",
                                                   kernelSources.appendingPathComponent("ring0.c").path, "-o", ring0.path])
        objects += [boot, ring0]
        for name in Self.cFiles {
            let source = kernelSources.appendingPathComponent("\(name).c")
            let object = cache.appendingPathComponent("\(name).o")
            try compileIfStale(t.clang, inputs: [source] + headers, output: object,
                               arguments: swiftlet.cFlags + ["-c", source.path, "-o", object.path])
            objects.append(object)
        }
        // std::_Rb_tree_* for the concurrency runtime: the one object of the system's libstdc++ it needs.
        let tree = cache.appendingPathComponent("tree.o")
        if !fm.fileExists(atPath: tree.path) {
            let libstdcxx = try Self.systemLibstdcxx()
            try runTool(t.ar, ["x", libstdcxx, "tree.o"], in: cache)
        }
        objects.append(tree)

        // Swiftlet's modules: all compiled (and cached), linked only when the application or its generated
        // main imports them (directly or through another). An unused module must not even be on the link
        // line: the linker takes a weak definition shared by several modules (the metadata of
        // `_ContiguousArrayStorage<Int>`, say) from the first object that has one, and that keeps the whole
        // data section of the module it came from alive, with every function it points to (SwiftletHTTP on
        // the line would put 16 KB of HTTP code into hello).
        let imported = try Self.imports(in: generatedSources + appSources.map { folder.appendingPathComponent($0) })
        var linked = Set<String>()
        var pending = Array(imported)
        while let name = pending.popLast() {
            guard let module = ModuleList.swiftlet.modules.first(where: { $0.name == name }), linked.insert(name).inserted else { continue }
            pending += module.dependencies
        }
        for module in try swiftlet.compile() where linked.contains(module.name) { objects.append(module.object) }
        if linked.contains("SwiftletCrypto") {
            let header = cryptoSources.appendingPathComponent("include/CSwiftletCrypto.h")
            for name in ["aesni", "chacha20"] {
                let source = cryptoSources.appendingPathComponent("\(name).c")
                let object = cache.appendingPathComponent("crypto-\(name).o")
                try compileIfStale(t.clang, inputs: [source, header], output: object,
                                   arguments: swiftlet.cFlags + KernelModules.cryptoCFlags + ["-c", source.path, "-o", object.path])
                objects.append(object)
            }
        }

        // The files of the store device, embedded in the image (an empty table when there is none).
        let storeSource = generated.appendingPathComponent("store.S")
        let storeObject = generated.appendingPathComponent("store.o")
        try writeIfChanged(Self.storeAssembly(store), to: storeSource)
        try compileIfStale(t.clang, inputs: [storeSource] + store.map(\.file), output: storeObject,
                           arguments: swiftlet.cFlags + ["-c", storeSource.path, "-o", storeObject.path])
        objects.append(storeObject)
        if !store.isEmpty {
            let bytes = store.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.file.path)[.size] as? Int) ?? 0) }
            say("  embedding \(store.count) files (\(bytes / 1024) KB) from \(manifest.servedStoreDirectory)/ as the store")
        }

        // The application with its generated main: compiled again only when a source, the manifest, a
        // Swiftlet module or this tool changed (a test run boots the same kernels many times).
        let app = generated.appendingPathComponent("app.o")
        let sources = generatedSources + appSources.map { folder.appendingPathComponent($0) }
        let conditions = manifest.compilesZones ? ["-D", "SWIFTLET_COMPILED_ZONES"] : []
        let tool = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let moduleObjects = ModuleList.swiftlet.modules.map { cache.appendingPathComponent("\($0.name).o") }
        let manifestFile = folder.appendingPathComponent("Swiftlet.swift")
        let appInputs = sources + [folder, tool] + moduleObjects + (fm.fileExists(atPath: manifestFile.path) ? [manifestFile] : [])
        try compileIfStale(t.swiftc, inputs: appInputs,
                           output: app, arguments: swiftlet.swiftFlags + conditions + ["-module-name", "App", "-c"] + sources.map(\.path) + ["-o", app.path])
        objects.insert(app, at: 0)

        // Linked again only when an object, the linker script, a runtime library or this tool changed.
        let libraries = ["libswift_Concurrency.a", "libswiftUnicodeDataTables.a"].map { t.embeddedLibraries.appendingPathComponent($0) }
        let script = kernelSources.appendingPathComponent("kernel.ld")
        let linkInputs = objects + libraries + [script, tool]
        if let built = modified(image), let linked = modified(elf), linked <= built,
           linkInputs.allSatisfy({ (modified($0) ?? .distantFuture) < linked }) {
            say("  \(image.lastPathComponent) is up to date")
        } else {
            try? fm.removeItem(at: image)
            try runTool(t.lld, ["-nostdlib", "-static", "--gc-sections", "--icf=all", "--nmagic",
                            // Code is generated here (LTO), so here is where LLVM's machine outliner runs.
                            "-mllvm", "-enable-machine-outliner", "-T", script.path,
                            "-o", elf.path] + objects.map(\.path) + libraries.map(\.path))
            try runTool(t.objcopy, ["--strip-all", elf.path, image.path])
        }
        let size = (try? fm.attributesOfItem(atPath: image.path)[.size] as? Int) ?? 0
        say("built \(image.path) (\(size / 1024) KB; with symbols: \(elf.lastPathComponent)) in \(seconds(since: started))")
        return image
    }

    /// The modules `files` import (`importedModule` of each line).
    static func imports(in files: [URL]) throws -> Set<String> {
        var names = Set<String>()
        for file in files {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                if let name = importedModule(line) { names.insert(name) }
            }
        }
        return names
    }

    /// The module an import declaration names: `import X`, with attributes (`@_implementationOnly`,
    /// `@preconcurrency`) or an access level (`public import X`), of a declaration (`import struct X.Y`)
    /// or a submodule (`import X.Y`): X. Nil for any other line.
    static func importedModule(_ line: Substring) -> String? {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        while let first = words.first, first.hasPrefix("@") || accessLevels.contains(String(first)) { words = words.dropFirst() }
        guard words.first == "import", var name = words.dropFirst().first else { return nil }
        if declarationKinds.contains(String(name)), let next = words.dropFirst(2).first { name = next }
        return name.split(separator: ".").first.map(String.init)
    }

    private static let accessLevels: Set<String> = ["public", "package", "internal", "fileprivate", "private"]
    private static let declarationKinds: Set<String> = ["struct", "class", "enum", "protocol", "typealias", "func", "let", "var"]

    /// The files under the manifest's store directory, with their keys (hidden files skipped). Nothing
    /// outside the root is embedded: a symbolic link below the root (to a file or a folder, pointing in
    /// or out) or anything but a regular file or folder stops the build with its path, as the hosted
    /// store would not serve it (DirectoryStore). The root's own path may be a link.
    func embeddedFiles() throws -> [(key: String, file: URL)] {
        let root = folder.appendingPathComponent(manifest.servedStoreDirectory).resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("store directory '\(manifest.storeDirectory)' does not exist in \(folder.path)")
        }
        return try Self.storeFiles(under: root)
    }

    /// `.store(DIR, compileZones: true)`: each `NAME.zone` parsed here, on the host, and replaced by its
    /// compiled form (SwiftletDNS `ZoneImage`) in `.swiftlet/kvm/zones/`; a zone that does not parse or load
    /// stops the build with its file and line, as it would have stopped the kernel at boot.
    func compiledZones(_ files: [(key: String, file: URL)]) throws -> [(key: String, file: URL)] {
        let out = generated.appendingPathComponent("zones")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var compiled: [(key: String, file: URL)] = []
        for (n, entry) in files.enumerated() {
            guard entry.key.hasSuffix(".zone"), !entry.key.contains("/") else { compiled.append(entry); continue }
            let name = String(entry.key.dropLast(5))
            guard let origin = DNSName(name + ".") else { throw CLIError("\(entry.file.path): '\(name)' is not a domain name") }
            let text = try String(contentsOf: entry.file, encoding: .utf8)
            let image: [UInt8]
            do {
                let zone = try Zone(records: try ZoneFile.parse(text, origin: origin))
                image = try ZoneImage.compile(zone)
            } catch let error as ZoneError {
                throw CLIError("\(entry.file.path):\(error.line): \(error.message)")
            } catch {
                throw CLIError("\(entry.file.path): \(error)")
            }
            let file = out.appendingPathComponent("\(n).zone")
            // Written only when it changed, so the store object (and the link) are not redone for nothing.
            if (try? Data(contentsOf: file)) != Data(image) { try Data(image).write(to: file) }
            compiled.append((entry.key, file))
        }
        return compiled
    }

    /// The regular files under `root` (walked with lstat, never through a link), keys relative to it.
    static func storeFiles(under root: URL) throws -> [(key: String, file: URL)] {
        var found: [(key: String, file: URL)] = []
        func walk(_ dir: URL, _ prefix: String, depth: Int) throws {
            guard depth < 64 else { throw CLIError("\(dir.path): the store is nested more than 64 folders deep") }
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where !name.hasPrefix(".") {
                let url = dir.appendingPathComponent(name)
                let key = prefix.isEmpty ? name : prefix + "/" + name
                var s = stat()
                guard lstat(url.path, &s) == 0 else { throw CLIError("\(url.path): cannot be read (\(String(cString: strerror(errno))))") }
                switch s.st_mode & S_IFMT {
                case S_IFDIR:
                    try walk(url, key, depth: depth + 1)
                case S_IFREG:
                    guard !url.path.contains("\""), !url.path.contains("\\"), !url.path.contains("\n"), !key.contains("\"") else {
                        throw CLIError("\(url.path): a store file's path may not contain quotes, backslashes or newlines")
                    }
                    found.append((key, url))
                case S_IFLNK:
                    throw CLIError("\(url.path) is a symbolic link: the store embeds only real files and folders below \(root.path), never what a link names (copy the file in, or make the store folder itself the link)")
                default:
                    throw CLIError("\(url.path) is not a regular file or a folder: the store embeds only those")
                }
            }
        }
        try walk(root, "", depth: 0)
        return found
    }

    /// store.S: the table CSwiftletKVM's `swiftlet_store_table` returns, and the files' bytes (`.incbin`).
    static func storeAssembly(_ files: [(key: String, file: URL)]) -> String {
        var table = "", data = ""
        for (i, f) in files.enumerated() {
            table += "        .quad name\(i), \(f.key.utf8.count), data\(i), data\(i)_end - data\(i)\n"
            data += "name\(i):\n        .ascii \"\(f.key)\"\n        .p2align 4\ndata\(i):\n        .incbin \"\(f.file.path)\"\ndata\(i)_end:\n"
        }
        return """
            /* Generated by `swiftlet build --target kvm`: the store device's files; do not edit. */
                    .section .swiftlet_store, "a"
                    .p2align 3
                    .globl swiftlet_store_entries, swiftlet_store_count
            swiftlet_store_count:
                    .quad \(files.count)
            swiftlet_store_entries:
            \(table)\(data)
            """
    }

    func writeIfChanged(_ text: String, to url: URL) throws {
        if let old = try? String(contentsOf: url, encoding: .utf8), old == text { return }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func systemLibstdcxx() throws -> String {
        let gcc = URL(fileURLWithPath: "/usr/lib/gcc/x86_64-linux-gnu")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: gcc.path)) ?? []
        for v in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let candidate = gcc.appendingPathComponent("\(v)/libstdc++.a").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw CLIError("no libstdc++.a under \(gcc.path) (apt-get install libstdc++-12-dev)")
    }
}
