#!/usr/bin/env bash
# Benchmarks/run tls: TLS 1.3 against nginx with OpenSSL (one worker, same P-256 certificate from
# `swiftlet cert`, X25519, same client, same run): full handshakes per second (`openssl s_time -new`),
# resumed handshakes per second (`openssl s_time -reuse`: session tickets, psk_dhe_ke), and HTTPS
# keep-alive requests per second for the 612-byte page (wrk), with each server's CPU time per operation;
# on unix in three alternating rounds (medians), and as root with QEMU also from a kvm kernel (the
# website with the same page, certificate and key from a tar archive on its disk) against nginx in the same namespace. Then the size of that
# kernel, its page and certificate apart. Needs wrk, nginx and openssl; listens on 127.0.0.1 and inside a
# namespace of its own only.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx openssl; do
    command -v $tool >/dev/null || { echo "Benchmarks/tls.sh: needs $tool (apt-get install wrk nginx-light openssl)" >&2; exit 1; }
done
DURATION=${SWIFTLET_BENCH_SECONDS:-10}
work=$(mktemp -d /tmp/swiftlet-tls.XXXXXX)
pids=()
ns=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/site"
chmod a+rx "$work" "$work/site"  # nginx workers run as www-data
python3 -c "import sys; page = '<!doctype html><title>Swiftlet</title><p>' + 'x' * 612; sys.stdout.write(page[:611] + '\n')" > "$work/site/index.html"
[ "$(stat -c %s "$work/site/index.html")" = 612 ] || { echo "page is not 612 bytes" >&2; exit 1; }
swift build -c release --product swiftlet >/dev/null
SWIFTLET=$PWD/.build/release/swiftlet
"$SWIFTLET" cert --out "$work/site/.tls" localhost 127.0.0.1 10.0.0.2 >/dev/null
chmod -R a+rX "$work/site"; chmod a+r "$work/site/.tls/server.key"
"$SWIFTLET" build Examples/website >/dev/null 2>&1
Examples/website/.swiftlet/unix/.build/release/website --store "$work/site" -- --port 18080 --https-port 18443 >"$work/website.log" 2>&1 &
pids+=($!)

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:18444 ssl;
        ssl_certificate $work/site/.tls/server.pem;
        ssl_certificate_key $work/site/.tls/server.key;
        ssl_protocols TLSv1.3;
        ssl_ecdh_curve X25519;
        ssl_session_tickets on;
        root $work/site;
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
sleep 1
ca=$work/site/.tls/ca.pem
curl -sf --cacert "$ca" -o /dev/null https://127.0.0.1:18443/ || { cat "$work/website.log"; exit 1; }
curl -sf --cacert "$ca" -o /dev/null https://127.0.0.1:18444/ || { cat "$work/nginx-error.log"; exit 1; }

. Benchmarks/lib.sh
# Handshakes: Python's ssl (OpenSSL) as the client, one connection after another, each a handshake, a GET
# and its response (Benchmarks/tls-client.py; `openssl s_time -reuse` does not resume TLS 1.3 sessions).
handshakes() { local mode=$1 address=$2; shift 2
    "$@" python3 Benchmarks/tls-client.py "$mode" "${address%:*}" "${address##*:}" "$DURATION" "$ca"; }
full() { handshakes full "$@"; }
resumed() { handshakes resumed "$@"; }
wrk_rate() { local url=$1; shift; "$@" wrk -t1 -c32 -d"${DURATION}s" "$url" | awk '/Requests\/sec/ { print $2 }'; }
echo "TLS 1.3, X25519, ECDSA P-256 certificate; one server thread each; client on the same machine:"
echo "full handshakes (one connection at a time: handshake, GET, close):"
rounds tls-full-unix handshakes handshake nginx "${pids[0]}" "${pids[1]}" "Swiftlet website (unix)" "nginx (1 worker)" \
    full 127.0.0.1:18443 127.0.0.1:18444
echo "resumed handshakes (the same, each offering the previous ticket):"
rounds tls-resumed-unix handshakes handshake nginx "${pids[0]}" "${pids[1]}" "Swiftlet website (unix)" "nginx (1 worker)" \
    resumed 127.0.0.1:18443 127.0.0.1:18444
echo "HTTPS keep-alive GET of a 612-byte page (wrk -t1 -c32 -d${DURATION}s):"
rounds tls-requests-unix requests request nginx "${pids[0]}" "${pids[1]}" "Swiftlet website (unix)" "nginx (1 worker)" \
    wrk_rate https://127.0.0.1:18443/ https://127.0.0.1:18444/

# kvm (root, QEMU): the website kernel with the same page and certificate embedded as its store, in a
# namespace; nginx in the same namespace as the peer.
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v qemu-system-x86_64 >/dev/null; then
    ns=swl-bench-tls-$$
    ip netns add $ns && ip -n $ns link set lo up
    mkdir -p "$work/app"
    cp Examples/website/Website.swift Examples/website/Swiftlet.swift "$work/app/"
    ln -s "$work/site" "$work/app/site"
    # The certificate and key reach a kernel in the tar archive on its disk (hidden names are not embedded).
    tar -chf "$work/site.tar" -C "$work/site" . && chmod a+r "$work/site.tar"
    "$SWIFTLET" build --target kvm "$work/app" >/dev/null 2>&1
    ip netns exec $ns "$SWIFTLET" run --target kvm --disk "$work/site.tar" "$work/app" -- --port 80 --https-port 443 >"$work/kvm.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 600); do grep -q "serving on port 80" "$work/kvm.log" && break; sleep 0.1; done
    ip netns exec $ns curl -sf --cacert "$ca" -o /dev/null --max-time 5 https://10.0.0.2/ || { cat "$work/kvm.log"; exit 1; }
    sed -e "s|$work/nginx.pid|$work/nginx-ns.pid|" "$work/nginx.conf" >"$work/nginx-ns.conf"
    ip netns exec $ns nginx -c "$work/nginx-ns.conf" -p "$work" &
    pids+=($!)
    sleep 1
    accel=$(grep -oE 'with (KVM|TCG)' "$work/kvm.log" || echo "")
    for what in full resumed; do
        k=$($what 10.0.0.2:443 ip netns exec $ns)
        n=$($what 127.0.0.1:18444 ip netns exec $ns)
        echo "  $what handshakes: Swiftlet kernel $k/s ($accel), nginx in the namespace $n/s"
        echo "RESULT tls-$what-kvm $k handshakes/s ratio $(ratio "$k" "$n") vs nginx"
    done
    k=$(wrk_rate https://10.0.0.2/ ip netns exec $ns)
    n=$(wrk_rate https://127.0.0.1:18444/ ip netns exec $ns)
    echo "  HTTPS requests: Swiftlet kernel $k/s, nginx in the namespace $n/s"
    echo "RESULT tls-requests-kvm $k requests/s ratio $(ratio "$k" "$n") vs nginx"
    kernel=$(ls "$work"/app/.swiftlet/kvm/*.kernel)
    store=$(stat -c %s "$work/app/.swiftlet/kvm/store.o")
    size=$(stat -c %s "$kernel")
    echo "  website kernel with TLS: $size bytes, of which its embedded store (the page) $store bytes of object"
    echo "RESULT tls-kernel-size $((size - store)) bytes (store apart; goal 900000)"
fi
