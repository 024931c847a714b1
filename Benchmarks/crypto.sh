#!/usr/bin/env bash
# Benchmarks/run crypto: SwiftletCrypto's primitives (swiftlet-bench crypto) against `openssl speed` on the
# same machine in the same run: GB/s over 16 KiB messages for SHA-256 and the AEADs, operations per second
# for the public-key operations. Prints each pair and a RESULT line with the ratio (Swiftlet / OpenSSL).
# Goals (issue 19): AEADs >= 0.5x, public-key operations >= 0.33x.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SWIFTLET_BENCH_BIN:-$(swift build -c release --show-bin-path)/swiftlet-bench}
command -v openssl >/dev/null || { echo "Benchmarks/crypto.sh: needs openssl (apt-get install openssl)" >&2; exit 1; }
SECONDS_EACH=${SWIFTLET_BENCH_SECONDS:-2}
ours=$("$bin" crypto)
echo "$ours" | grep -v '^FIGURE' || true

# OpenSSL's figure for one of our keys (machine-readable -mr output: +F bytes/s, +F2/+F4/+F6 sign/verify
# per second, +F5 ECDH operations per second).
openssl_figure() {
    local out
    case "$1" in
    sha256) openssl speed -mr -seconds "$SECONDS_EACH" -bytes 16384 sha256 2>/dev/null | awk -F: '/^\+F:/ {printf "%.3f", $4 / 1e9}' ;;
    sha512) openssl speed -mr -seconds "$SECONDS_EACH" -bytes 16384 sha512 2>/dev/null | awk -F: '/^\+F:/ {printf "%.3f", $4 / 1e9}' ;;
    aes128gcm) openssl speed -mr -seconds "$SECONDS_EACH" -bytes 16384 -evp aes-128-gcm 2>/dev/null | awk -F: '/^\+F:/ {printf "%.3f", $4 / 1e9}' ;;
    aes256gcm) openssl speed -mr -seconds "$SECONDS_EACH" -bytes 16384 -evp aes-256-gcm 2>/dev/null | awk -F: '/^\+F:/ {printf "%.3f", $4 / 1e9}' ;;
    chacha20poly1305) openssl speed -mr -seconds "$SECONDS_EACH" -bytes 16384 -evp chacha20-poly1305 2>/dev/null | awk -F: '/^\+F:/ {printf "%.3f", $4 / 1e9}' ;;
    x25519) openssl speed -mr -seconds "$SECONDS_EACH" ecdhx25519 2>/dev/null | awk -F: '/^\+F5:/ {printf "%.0f", $4}' ;;
    ed25519-sign) openssl speed -mr -seconds "$SECONDS_EACH" ed25519 2>/dev/null | awk -F: '/^\+F6:/ {printf "%.0f", $5}' ;;
    ed25519-verify) openssl speed -mr -seconds "$SECONDS_EACH" ed25519 2>/dev/null | awk -F: '/^\+F6:/ {printf "%.0f", $6}' ;;
    p256-sign) openssl speed -mr -seconds "$SECONDS_EACH" ecdsap256 2>/dev/null | awk -F: '/^\+F4:/ {printf "%.0f", $4}' ;;
    p256-verify) openssl speed -mr -seconds "$SECONDS_EACH" ecdsap256 2>/dev/null | awk -F: '/^\+F4:/ {printf "%.0f", $5}' ;;
    p384-verify) openssl speed -mr -seconds "$SECONDS_EACH" ecdsap384 2>/dev/null | awk -F: '/^\+F4:/ {printf "%.0f", $5}' ;;
    rsa2048-verify) openssl speed -mr -seconds "$SECONDS_EACH" rsa2048 2>/dev/null | awk -F: '/^\+F2:/ {printf "%.0f", $5}' ;;
    rsa2048-sign) openssl speed -mr -seconds "$SECONDS_EACH" rsa2048 2>/dev/null | awk -F: '/^\+F2:/ {printf "%.0f", $4}' ;;
    *) echo "" ;;
    esac
}

echo "$ours" | while read -r tag key value unit; do
    [ "$tag" = FIGURE ] || continue
    peer=$(openssl_figure "$key")
    if [ -z "$peer" ]; then
        echo "RESULT crypto-$key $value $unit (no OpenSSL figure)"
        continue
    fi
    ratio=$(awk -v a="$value" -v b="$peer" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf '  %-18s Swiftlet %12s  OpenSSL %12s %s\n' "$key" "$value" "$peer" "$unit"
    echo "RESULT crypto-$key $value $unit ratio $ratio vs openssl-speed"
done

# The same code inside a kvm kernel (Tests/Apps/crypto --bench), when QEMU is here: its FIGURE lines
# against the same OpenSSL figures.
if command -v qemu-system-x86_64 >/dev/null; then
    tool=$(dirname "$bin")/swiftlet
    [ -x "$tool" ] || swift build -c release --product swiftlet >/dev/null
    kvmout=$(timeout 300 "$tool" run --target kvm Tests/Apps/crypto -- --bench 2>&1 || true)
    echo "$kvmout" | grep -q "known answers passed" || { echo "Benchmarks/crypto.sh: the kvm crypto kernel failed:"; echo "$kvmout" | tail -20; exit 1; }
    echo "$kvmout" | grep '^FIGURE' | while read -r tag key value unit; do
        peer=$(openssl_figure "$key")
        [ -n "$peer" ] || { echo "RESULT crypto-kvm-$key $value $unit (no OpenSSL figure)"; continue; }
        ratio=$(awk -v a="$value" -v b="$peer" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
        printf '  kvm %-14s Swiftlet %12s  OpenSSL %12s %s\n' "$key" "$value" "$peer" "$unit"
        echo "RESULT crypto-kvm-$key $value $unit ratio $ratio vs openssl-speed (host)"
    done

    # What the primitives cost a kernel: the same small application built twice, once only drawing
    # random bytes, once also using X25519, Ed25519 (sign and verify), AES-128-GCM and SHA-256 on them.
    # Goal (issue 19): at most 120 KB more.
    work=$(mktemp -d /tmp/swiftlet-cryptosize.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    for variant in base crypto; do
        mkdir -p "$work/$variant"
        cat > "$work/$variant/Swiftlet.swift" <<MANIFEST
import SwiftletManifest
let application = Application(name: "size$variant", entry: "SizeApp", devices: [.console, .entropy])
MANIFEST
        {
            echo 'import Swiftlet'
            [ "$variant" = crypto ] && echo 'import SwiftletCrypto'
            echo 'enum SizeApp {'
            echo '    static func start(console: some Console, entropy: some Entropy) async {'
            echo '        var seed = [UInt8](repeating: 0, count: 64)'
            echo '        var span = seed.mutableSpan'
            echo '        entropy.fill(&span)'
            if [ "$variant" = crypto ]; then
                echo '        let a = Array(seed[0..<32]), b = Array(seed[32..<64])'
                echo '        let peer = (try? X25519.publicKey(privateKey: b.span)) ?? []'
                echo '        let shared = (try? X25519.sharedSecret(privateKey: a.span, peerPublicKey: peer.span)) ?? []'
                echo '        let signer = try? Ed25519PrivateKey(seed: shared.span)'
                echo '        let signature = signer?.signature(for: seed.span) ?? []'
                echo '        let publicKey = signer?.publicKey ?? []'
                echo '        let verified = (try? Ed25519.verify(signature: signature.span, message: seed.span, publicKey: publicKey.span)) != nil'
                echo '        let digest = SHA256.hash(seed)'
                echo '        var text = seed'
                echo '        var textSpan = text.mutableSpan'
                echo '        let nonce = Array(digest[0..<12])'
                echo '        let key = Array(shared.prefix(16))'
                echo '        var tag: [UInt8] = []'
                echo '        if let aes = try? AES128GCM(key: key.span) { tag = (try? aes.seal(&textSpan, nonce: nonce.span, authenticating: digest.span)) ?? [] }'
                echo '        seed = text + tag + (verified ? [1] : [0])'
            fi
            echo '        console.log("size: \(seed.count) \(seed[0])")'
            echo '    }'
            echo '}'
        } > "$work/$variant/SizeApp.swift"
        "$tool" build --target kvm "$work/$variant" >/dev/null
    done
    base=$(stat -c %s "$work/base/.swiftlet/kvm/sizebase.kernel")
    with=$(stat -c %s "$work/crypto/.swiftlet/kvm/sizecrypto.kernel")
    echo "  kernel with X25519 + Ed25519 + AES-128-GCM + SHA-256: $with bytes; without: $base bytes"
    echo "RESULT crypto-kernel-growth $(( (with - base) / 1024 )) KB (goal <= 120 KB)"
fi
