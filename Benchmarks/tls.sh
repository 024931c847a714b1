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
SUITE=tls
. Benchmarks/lib.sh  # spawn, wait_for, new_namespace, clean-up on exit; rounds, ratio

mkdir -p "$WORK/site"
chmod a+rx "$WORK" "$WORK/site"  # nginx workers run as www-data
python3 -c "import sys; page = '<!doctype html><title>Swiftlet</title><p>' + 'x' * 612; sys.stdout.write(page[:611] + '\n')" > "$WORK/site/index.html"
[ "$(stat -c %s "$WORK/site/index.html")" = 612 ] || { echo "page is not 612 bytes" >&2; exit 1; }
swift build -c release --product swiftlet >/dev/null
"$SWIFTLET" cert --out "$WORK/site/.tls" localhost 127.0.0.1 10.0.0.2 >/dev/null
chmod -R a+rX "$WORK/site"; chmod a+r "$WORK/site/.tls/server.key"
"$SWIFTLET" build Examples/website >/dev/null 2>&1
spawn website Examples/website/.swiftlet/unix/.build/release/website --store "$WORK/site" -- --port 18080 --https-port 18443
website=${started[-1]}

cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:18444 ssl;
        ssl_certificate $WORK/site/.tls/server.pem;
        ssl_certificate_key $WORK/site/.tls/server.key;
        ssl_protocols TLSv1.3;
        ssl_ecdh_curve X25519;
        ssl_session_tickets on;
        root $WORK/site;
    }
}
CONF
spawn nginx nginx -c "$WORK/nginx.conf" -p "$WORK"
nginx=${started[-1]}
sleep 1
ca=$WORK/site/.tls/ca.pem
curl -sf --cacert "$ca" -o /dev/null https://127.0.0.1:18443/ || { cat "$WORK/website.log"; exit 1; }
curl -sf --cacert "$ca" -o /dev/null https://127.0.0.1:18444/ || { cat "$WORK/nginx-error.log"; exit 1; }

# Handshakes: Python's ssl (OpenSSL) as the client, one connection after another, each a handshake, a GET
# and its response (Benchmarks/tls-client.py; `openssl s_time -reuse` does not resume TLS 1.3 sessions).
handshakes() { local mode=$1 address=$2; shift 2
    "$@" python3 Benchmarks/tls-client.py "$mode" "${address%:*}" "${address##*:}" "$DURATION" "$ca"; }
full() { handshakes full "$@"; }
resumed() { handshakes resumed "$@"; }
wrk_rate() { local url=$1; shift; "$@" wrk -t1 -c32 -d"${DURATION}s" "$url" | awk '/Requests\/sec/ { print $2 }'; }
echo "TLS 1.3, X25519, ECDSA P-256 certificate; one server thread each; client on the same machine:"
echo "full handshakes (one connection at a time: handshake, GET, close):"
rounds name=tls-full-unix plural=handshakes singular=handshake command=full \
    swiftlet_pid="$website" swiftlet_label="Swiftlet website (unix)" swiftlet_arg=127.0.0.1:18443 \
    peer=nginx peer_pid="$nginx" peer_label="nginx (1 worker)" peer_arg=127.0.0.1:18444
echo "resumed handshakes (the same, each offering the previous ticket):"
rounds name=tls-resumed-unix plural=handshakes singular=handshake command=resumed \
    swiftlet_pid="$website" swiftlet_label="Swiftlet website (unix)" swiftlet_arg=127.0.0.1:18443 \
    peer=nginx peer_pid="$nginx" peer_label="nginx (1 worker)" peer_arg=127.0.0.1:18444
echo "HTTPS keep-alive GET of a 612-byte page (wrk -t1 -c32 -d${DURATION}s):"
rounds name=tls-requests-unix plural=requests singular=request command=wrk_rate \
    swiftlet_pid="$website" swiftlet_label="Swiftlet website (unix)" swiftlet_arg=https://127.0.0.1:18443/ \
    peer=nginx peer_pid="$nginx" peer_label="nginx (1 worker)" peer_arg=https://127.0.0.1:18444/

# kvm (root, QEMU): the website kernel with the same page and certificate embedded as its store, in a
# namespace; nginx in the same namespace as the peer.
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v qemu-system-x86_64 >/dev/null; then
    new_namespace tls
    mkdir -p "$WORK/app"
    cp Examples/website/Website.swift Examples/website/Swiftlet.swift "$WORK/app/"
    ln -s "$WORK/site" "$WORK/app/site"
    # The certificate and key reach a kernel in the tar archive on its disk (hidden names are not embedded).
    tar -chf "$WORK/site.tar" -C "$WORK/site" . && chmod a+r "$WORK/site.tar"
    "$SWIFTLET" build --target kvm "$WORK/app" >/dev/null 2>&1
    spawn kvm ip netns exec "$NS" "$SWIFTLET" run --target kvm --disk "$WORK/site.tar" "$WORK/app" -- --port 80 --https-port 443
    wait_for kvm 60 "serving on port 80"
    ip netns exec "$NS" curl -sf --cacert "$ca" -o /dev/null --max-time 5 https://10.0.0.2/ || { cat "$WORK/kvm.log"; exit 1; }
    sed -e "s|$WORK/nginx.pid|$WORK/nginx-ns.pid|" "$WORK/nginx.conf" >"$WORK/nginx-ns.conf"
    spawn nginx-ns ip netns exec "$NS" nginx -c "$WORK/nginx-ns.conf" -p "$WORK"
    sleep 1
    accel=$(grep -oE 'with (KVM|TCG)' "$WORK/kvm.log" || echo "")
    for what in full resumed; do
        k=$($what 10.0.0.2:443 ip netns exec "$NS")
        n=$($what 127.0.0.1:18444 ip netns exec "$NS")
        echo "  $what handshakes: Swiftlet kernel $k/s ($accel), nginx in the namespace $n/s"
        echo "RESULT tls-$what-kvm $k handshakes/s ratio $(ratio "$k" "$n") vs nginx"
    done
    k=$(wrk_rate https://10.0.0.2/ ip netns exec "$NS")
    n=$(wrk_rate https://127.0.0.1:18444/ ip netns exec "$NS")
    echo "  HTTPS requests: Swiftlet kernel $k/s, nginx in the namespace $n/s"
    echo "RESULT tls-requests-kvm $k requests/s ratio $(ratio "$k" "$n") vs nginx"
    kernel=$(ls "$WORK"/app/.swiftlet/kvm/*.kernel)
    store=$(stat -c %s "$WORK/app/.swiftlet/kvm/store.o")
    size=$(stat -c %s "$kernel")
    echo "  website kernel with TLS: $size bytes, of which its embedded store (the page) $store bytes of object"
    echo "RESULT tls-kernel-size $((size - store)) bytes (store apart; goal 900000)"
fi
