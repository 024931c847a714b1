// Operations per second of each primitive on the target, timed with the monotonic clock device (the
// timers device's `now` is the run loop's time, which stands still inside a synchronous loop), printed as
//   FIGURE key value unit
// with the keys of swiftlet-bench crypto, so that Benchmarks/crypto.sh reads both the same way.

import Swiftlet
import SwiftletCrypto

enum Speed {
    /// Runs `body` in batches until 0.3 s passed; the best rate of 3 rounds, per second.
    static func rate(clock: some MonotonicClock, batch: Int, _ body: () -> Void) -> Double {
        var best = 0.0
        for _ in 0..<3 {
            let start = clock.now()
            var done = 0
            repeat {
                for _ in 0..<batch { body() }
                done += batch
            } while (clock.now() - start).nanoseconds < 300_000_000
            let elapsed = Double((clock.now() - start).nanoseconds)
            best = max(best, Double(done) * 1e9 / elapsed)
        }
        return best
    }

    static func figure(_ console: some Console, _ key: String, _ value: Double, _ unit: String) {
        // Three decimals for GB/s, whole numbers for operations per second.
        let scaled = unit == "GB/s" ? Int(value * 1000) : Int(value)
        let text = unit == "GB/s" ? "\(scaled / 1000).\(String(scaled % 1000 + 1000).dropFirst())" : "\(scaled)"
        console.log("FIGURE \(key) \(text) \(unit)")
    }

    static func run(console: some Console, clock: some MonotonicClock) {
        let message = [UInt8](repeating: 0xA5, count: 16_384)
        var sink: UInt8 = 0
        figure(console, "sha256", rate(clock: clock, batch: 20) { sink &+= SHA256.hash(message)[0] } * 16_384 / 1e9, "GB/s")
        figure(console, "sha512", rate(clock: clock, batch: 20) { sink &+= SHA512.hash(message)[0] } * 16_384 / 1e9, "GB/s")
        let nonce = [UInt8](repeating: 3, count: 12), aad = [UInt8](repeating: 4, count: 13)
        var buffer = message
        func aeadRate<A: AEAD>(_ aead: A) -> Double {
            rate(clock: clock, batch: 20) {
                var span = buffer.mutableSpan
                sink &+= ((try? aead.seal(&span, nonce: nonce.span, authenticating: aad.span)) ?? [0])[0]
            } * 16_384 / 1e9
        }
        let key16 = [UInt8](repeating: 1, count: 16), key32 = [UInt8](repeating: 2, count: 32)
        if let aes = try? AES128GCM(key: key16.span) { figure(console, "aes128gcm", aeadRate(aes), "GB/s") }
        if let aes = try? AES256GCM(key: key32.span) { figure(console, "aes256gcm", aeadRate(aes), "GB/s") }
        if let chacha = try? ChaCha20Poly1305(key: key32.span) { figure(console, "chacha20poly1305", aeadRate(chacha), "GB/s") }
        let secretKey = [UInt8](repeating: 0x42, count: 32), peerSecret = [UInt8](repeating: 0x17, count: 32)
        let peer = (try? X25519.publicKey(privateKey: peerSecret.span)) ?? []
        figure(console, "x25519", rate(clock: clock, batch: 50) {
            sink &+= ((try? X25519.sharedSecret(privateKey: secretKey.span, peerPublicKey: peer.span)) ?? [0])[0]
        }, "ops/s")
        if let signer = try? Ed25519PrivateKey(seed: secretKey.span) {
            let short = [UInt8](repeating: 7, count: 64)
            figure(console, "ed25519-sign", rate(clock: clock, batch: 50) { sink &+= signer.signature(for: short.span)[0] }, "ops/s")
            let signature = signer.signature(for: short.span), publicKey = signer.publicKey
            figure(console, "ed25519-verify", rate(clock: clock, batch: 50) {
                if (try? Ed25519.verify(signature: signature.span, message: short.span, publicKey: publicKey.span)) != nil { sink &+= 1 }
            }, "ops/s")
        }
        if let p256 = try? P256PrivateKey(rawScalar: secretKey.span) {
            let digest = SHA256.hash(secretKey)
            figure(console, "p256-sign", rate(clock: clock, batch: 50) { sink &+= p256.signature(forDigest: digest.span)[0] }, "ops/s")
            let signature = p256.signature(forDigest: digest.span), publicKey = p256.publicKey
            figure(console, "p256-verify", rate(clock: clock, batch: 20) {
                if (try? P256.verify(signature: signature.span, digest: digest.span, publicKey: publicKey.span)) != nil { sink &+= 1 }
            }, "ops/s")
        }
        console.log("crypto: bench done (\(sink))")
    }
}
