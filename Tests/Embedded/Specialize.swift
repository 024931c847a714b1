// Compiled by scripts/embedded-check in Embedded Swift: generic code is only checked for Embedded when it is
// specialised, so this file instantiates the stack and the async API with a minimal device, as a kernel would.

import _Concurrency
import Swiftlet
import SwiftletStore
import SwiftletWire
import SwiftletNet
import SwiftletDNS
import SwiftletHTTP
import SwiftletCrypto
import SwiftletTLS

final class NullDevice: NetworkDevice {
    let macAddress = MACAddress(2, 0, 0, 0, 0, 1)
    let mtu = 1500
    let headroom = 12
    func transmit(_ frame: PacketBuffer) throws(NetworkDeviceError) {}
    func receive(limit: Int, _ handler: (PacketBuffer) -> Void) throws(NetworkDeviceError) -> Int { 0 }
}

final class CounterEntropy: Entropy, @unchecked Sendable {
    var state: UInt8 = 1
    var isUnpredictable: Bool { false }
    func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count { state = state &* 29 &+ 7; buffer[i] = state }
    }
}

public func embeddedStack(_ frame: [UInt8]) -> Int {
    let stack = NetworkStack(device: NullDevice(), ipv4: IPv4Configuration(network: IPv4Network(address: IPv4Address(10, 0, 0, 2), prefixLength: 24)!),
                             seed: StackSeed(CounterEntropy()))
    stack.start(now: .zero)
    stack.receive(frame: frame.span, now: .zero)
    _ = stack.poll(now: .zero)
    try? stack.tcpListen(port: 80)
    try? stack.startDHCP(seed: 1, now: .zero)
    return stack.tcpConnectionCount
}

public func embeddedAsync() async -> Int {
    let stack = NetworkStack(device: NullDevice(), ipv4: IPv4Configuration(network: IPv4Network(address: IPv4Address(10, 0, 0, 2), prefixLength: 24)!),
                             seed: StackSeed(CounterEntropy()))
    let api = AsyncStack(stack, now: .zero)
    guard let listener = try? api.listen(port: 80) else { return -1 }
    var total = 0
    for await stream in listener {
        while let data = try? await stream.read() { total += data.count; try? await stream.write(data) }
        stream.close()
    }
    if let c = try? await api.connect(to: IPv4Address(10, 0, 0, 1), port: 7) { c.abort() }
    if let u = try? api.udp(port: 53), let d = try? await u.receive() { total += d.payload.count }
    _ = try? await api.ping(IPv4Address(10, 0, 0, 1), sequence: 1, timeout: .seconds(1))
    return total
}

final class NullConsole: Console, @unchecked Sendable {
    func write(bytes: Span<UInt8>) {}
}

/// The example applications, compiled into this module by scripts/embedded-check, specialised over
/// Swiftlet's own stack as the kvm target will build them.
public func embeddedExamples() async -> Int32 {
    let stack = NetworkStack(device: NullDevice(), ipv4: IPv4Configuration(network: IPv4Network(address: IPv4Address(10, 0, 0, 2), prefixLength: 24)!),
                             seed: StackSeed(CounterEntropy()))
    let api = AsyncStack(stack, now: .zero)
    let echo = await Echo.start(console: NullConsole(), network: api, timers: api, arguments: Echo.Arguments())
    let bulk = await Bulk.start(console: NullConsole(), network: api, timers: api, arguments: (try? Bulk.Arguments(parsing: ["--mode", "send", "--peer", "10.0.0.1", "--port", "9", "--bytes=10"])) ?? Bulk.Arguments())
    await Hello.start(console: NullConsole(), timers: api)
    return echo + bulk
}

final class ZeroClock: WallClock, @unchecked Sendable {
    func now() -> WallTime { WallTime(secondsSinceEpoch: 0) }
    func elapsed() -> Instant { .zero }
}

/// A store with one file, enough to specialise the static-file handler.
final class OneFileStore: KeyValueStore, @unchecked Sendable {
    let content: [UInt8] = Array("<h1>hi</h1>".utf8)
    func get(_ key: String) async throws(KeyValueError) -> [UInt8] {
        guard key == "index.html" else { throw .notFound(key) }
        return content
    }
    func get(_ key: String, offset: Int, length: Int) async throws(KeyValueError) -> [UInt8] {
        let all = try await get(key)
        try KeyValueRange.check(offset: offset, length: length, size: all.count)
        return Array(all[offset..<(offset + length)])
    }
    func list(_ directory: String) async throws(KeyValueError) -> [KeyValueEntry] { [KeyValueEntry(name: "index.html", kind: .value)] }
    func size(_ key: String) async throws(KeyValueError) -> Int { try await get(key).count }
    func digest(_ key: String) async throws(KeyValueError) -> String {
        let bytes = try await get(key)  // `.span` of a temporary inside `try` crashes IRGen (ARCHITECTURE.md)
        return ContentDigest.of(bytes.span)
    }
}

public func embeddedWebsite() async -> Int32 {
    let stack = NetworkStack(device: NullDevice(), ipv4: IPv4Configuration(network: IPv4Network(address: IPv4Address(10, 0, 0, 2), prefixLength: 24)!),
                             seed: StackSeed(CounterEntropy()))
    let api = AsyncStack(stack, now: .zero)
    return await Website.start(console: NullConsole(), network: api, wallclock: ZeroClock(), entropy: CounterEntropy(), store: OneFileStore(), arguments: Website.Arguments())
}

/// A disk of zeros: enough to specialise the tar store as a kernel serving a `--disk` would.
final class ZeroDisk: BlockDevice, @unchecked Sendable {
    let sectorSize = 512
    let sectorCount: UInt64 = 64
    let isReadOnly = true
    func read(sector: UInt64, into buffer: inout [UInt8]) async throws(BlockDeviceError) {
        try validate(sector: sector, length: buffer.count)
        for i in 0..<buffer.count { buffer[i] = 0 }
    }
    func write(sector: UInt64, from buffer: [UInt8]) async throws(BlockDeviceError) { throw .readOnly }
    func flush() async throws(BlockDeviceError) {}
}

public func embeddedTarStore() async -> Int {
    guard let store = try? await TarStore.open(ZeroDisk()) else { return -1 }
    let entries = (try? await store.list("")) ?? []
    let bytes = (try? await store.get("index.html")) ?? []
    let digest = (try? await store.digest("index.html")) ?? ""
    return entries.count + bytes.count + digest.utf8.count + store.skipped
}

// The DNS stub resolver and the HTTP client over the async stack, as an application would use them.
public func embeddedClients() async -> Int {
    let stack = NetworkStack(device: NullDevice(), ipv4: IPv4Configuration(network: IPv4Network(address: IPv4Address(10, 0, 0, 2), prefixLength: 24)!),
                             seed: StackSeed(CounterEntropy()))
    let api = AsyncStack(stack, now: .zero)
    let resolver = DNSStubResolver(network: api, entropy: CounterEntropy(), servers: [IPv4Address(10, 0, 0, 1)])
    guard let addresses = try? await resolver.addresses(of: DNSName("www.example.test.")!), let first = addresses.first else { return -1 }
    guard let page = try? await HTTPClient.fetch(api, address: first, target: "/") else { return -2 }
    return page.body.count
}

/// SwiftletCrypto's generic code (HMAC and HKDF over each hash, the DRBG over an entropy device).
public func embeddedCrypto(_ input: [UInt8]) -> Int {
    let random = RandomGenerator(predictableSource: CounterEntropy())
    _ = try? RandomGenerator(source: CounterEntropy())
    let key = random.bytes(32)
    let mac256 = HMAC<SHA256>.authenticationCode(for: input, key: key)
    let mac384 = HMAC<SHA384>.authenticationCode(for: input, key: key)
    let okm = (try? HKDF<SHA512>.deriveKey(inputKeyMaterial: input.span, salt: key.span, info: mac256.span, length: 42)) ?? []
    return mac256.count + mac384.count + okm.count
}

/// Chain validation over SwiftletCrypto's own verifier, and an AEAD through the generic protocol.
public func embeddedCertificates(_ pem: [UInt8], _ leaf: [UInt8]) -> Int {
    guard let store = try? TrustStore(pemBundle: pem), let certificate = try? Certificate(derEncoded: leaf) else { return 0 }
    let validator = ChainValidator(trustStore: store, verifier: SignatureVerifier())
    return (try? validator.validate(leaf: certificate, intermediates: [], now: 0, hostName: "example.com"))?.count ?? 0
}

func embeddedSeal<A: AEAD>(_ aead: A, _ text: inout [UInt8]) -> [UInt8] {
    let nonce = [UInt8](repeating: 0, count: A.nonceLength)
    var span = text.mutableSpan
    return (try? aead.seal(&span, nonce: nonce.span, authenticating: nonce.span)) ?? []
}

public func embeddedAEADs(_ key: [UInt8], _ text: inout [UInt8]) -> Int {
    guard let chacha = try? ChaCha20Poly1305(key: key.span), let aes = try? AES256GCM(key: key.span) else { return 0 }
    return embeddedSeal(chacha, &text).count + embeddedSeal(aes, &text).count
}

/// SwiftletTLS's client state machine over an entropy device (the server's is reached through the
/// website's HTTPS above).
public func embeddedTLSClient(_ input: [UInt8]) -> Int {
    let context = TLSClientContext(configuration: TLSClientConfiguration(trustStore: TrustStore(anchors: [])), random: CounterEntropy())
    guard var connection = try? TLSConnection.client(context: context, serverName: "example.org", now: .zero, validationTime: 0) else { return 0 }
    _ = try? connection.receive(input, now: .zero)
    return connection.takeOutput().count
}
