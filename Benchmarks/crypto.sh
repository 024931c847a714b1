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
