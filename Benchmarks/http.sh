#!/usr/bin/env bash
# Benchmarks/run http: keep-alive requests per second for a 612-byte page (the size of nginx's welcome
# page), the website example on the unix target (and, as root, on tap and kvm) against nginx with one
# worker, same page, same wrk command, same run. Needs wrk and nginx (apt-get install wrk nginx-light); listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx; do
    command -v $tool >/dev/null || { echo "Benchmarks/http.sh: needs $tool (apt-get install wrk nginx-light)" >&2; exit 1; }
done
DURATION=${SWIFTLET_BENCH_SECONDS:-10}
work=$(mktemp -d /tmp/swiftlet-http.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/site"
chmod a+rx "$work" "$work/site"  # nginx workers run as www-data
python3 -c "import sys; page = '<!doctype html><title>Swiftlet</title><p>' + 'x' * 612; sys.stdout.write(page[:611] + '\n')" > "$work/site/index.html"
[ "$(stat -c %s "$work/site/index.html")" = 612 ] || { echo "page is not 612 bytes" >&2; exit 1; }
chmod a+r "$work/site/index.html"

swift build -c release --product swiftlet >/dev/null
SWIFTLET=$PWD/.build/release/swiftlet
"$SWIFTLET" build Examples/website >/dev/null 2>&1
Examples/website/.swiftlet/unix/.build/release/website --store "$work/site" -- --port 18080 >"$work/website.log" 2>&1 &
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
        listen 127.0.0.1:18081;
        root $work/site;
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
sleep 1
curl -sf -o /dev/null http://127.0.0.1:18080/ || { cat "$work/website.log"; exit 1; }
curl -sf -o /dev/null http://127.0.0.1:18081/ || { cat "$work/nginx-error.log"; exit 1; }

. Benchmarks/lib.sh  # ratio, median, ticks (CPU time of a server and its children), HZ
wrk_rate() { local url=$1; shift; "$@" wrk -t1 -c32 -d"${DURATION}s" "$url" | awk '/Requests\/sec/ { print $2 }'; }
echo "keep-alive GET of a 612-byte page, wrk -t1 -c32 -d${DURATION}s, one server thread each:"
rounds http-unix requests request nginx "${pids[0]}" "${pids[1]}" "Swiftlet website (unix)" "nginx (1 worker)" \
    wrk_rate http://127.0.0.1:18080/ http://127.0.0.1:18081/

# Issue 27: the same website with its metrics port on and scraped once a second, against it without.
Examples/website/.swiftlet/unix/.build/release/website --store "$work/site" -- --port 18082 --metrics-port 19100 >"$work/website-metrics.log" 2>&1 &
pids+=($!)
metrics_pid=$!
sleep 1
curl -sf -o /dev/null http://127.0.0.1:19100/metrics || { cat "$work/website-metrics.log"; exit 1; }
scraper http://127.0.0.1:19100/metrics
echo "the same, metrics on (--metrics-port, scraped every second) against off:"
rounds http-unix-metrics requests request metrics-off "$metrics_pid" "${pids[0]}" "Swiftlet, metrics on" "Swiftlet, metrics off" \
    wrk_rate http://127.0.0.1:18082/ http://127.0.0.1:18080/

# The tap target (root): the website on Swiftlet's own TCP/IP in a namespace, wrk in the same namespace;
# the peer is the same nginx, reached inside the namespace over its loopback.
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
    ns=swl-bench-http-$$
    ip netns add $ns && ip -n $ns link set lo up
    trap 'cleanup; ip netns del '$ns' 2>/dev/null || true' EXIT
    "$SWIFTLET" build --target tap Examples/website >/dev/null 2>&1
    ip netns exec $ns "$SWIFTLET" run --target tap Examples/website --store "$work/site" -- --port 80 >"$work/tap.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 600); do grep -q "serving on port 80" "$work/tap.log" && break; sleep 0.1; done
    sed "s|$work/nginx.pid|$work/nginx-ns.pid|" "$work/nginx.conf" >"$work/nginx-ns.conf"
    ip netns exec $ns nginx -c "$work/nginx-ns.conf" -p "$work" &
    pids+=($!)
    sleep 1
    tap=$(wrk_rate http://10.0.0.2/ ip netns exec $ns)
    nginx_ns=$(wrk_rate http://127.0.0.1:18081/ ip netns exec $ns)
    echo "  Swiftlet website (tap)   $tap requests/s"
    echo "  nginx in the namespace   $nginx_ns requests/s"
    echo "RESULT http-tap $tap requests/s ratio $(ratio "$tap" "$nginx_ns") vs nginx"
    # Issue 22: the same over IPv6 (2001:db8::2, from swiftlet run), against IPv4 in this run.
    for _ in $(seq 100); do grep -q "ipv6: configured 2001:db8::2/64" "$work/tap.log" && break; sleep 0.1; done
    tap6=$(wrk_rate "http://[2001:db8::2]/" ip netns exec $ns)
    echo "  Swiftlet website (tap, IPv6) $tap6 requests/s"
    echo "RESULT http-tap-ipv6 $tap6 requests/s ratio $(ratio "$tap6" "$tap") vs ipv4"

    # The kvm target (QEMU installed): the website kernel with the same page embedded as its store, in
    # the same namespace (swiftlet run makes the tap swl0 there with the host at 10.0.0.1, the kernel at
    # 10.0.0.2; the tap target above has ended by then).
    if command -v qemu-system-x86_64 >/dev/null; then
        kill "${pids[-2]}" 2>/dev/null || true
        for _ in $(seq 50); do ip -n $ns link show swl0 >/dev/null 2>&1 || break; sleep 0.1; done
        mkdir -p "$work/app"
        cp Examples/website/Website.swift "$work/app/"
        ln -s "$work/site" "$work/app/site"
        cp Examples/website/Swiftlet.swift "$work/app/"  # the manifest: the store is site/
        "$SWIFTLET" build --target kvm "$work/app" >/dev/null 2>&1
        ip netns exec $ns "$SWIFTLET" run --target kvm "$work/app" -- --port 80 >"$work/kvm.log" 2>&1 &
        pids+=($!)
        for _ in $(seq 600); do grep -q "serving on port 80" "$work/kvm.log" && break; sleep 0.1; done
        ip netns exec $ns curl -sf -o /dev/null --max-time 5 http://10.0.0.2/ || { cat "$work/kvm.log"; exit 1; }
        kvm=$(wrk_rate http://10.0.0.2/ ip netns exec $ns)
        echo "  Swiftlet website (kvm)   $kvm requests/s ($(grep -oE 'with (KVM|TCG)' "$work/kvm.log"))"
        echo "RESULT http-kvm $kvm requests/s ratio $(ratio "$kvm" "$nginx_ns") vs nginx"
        for _ in $(seq 100); do grep -q "ipv6: configured 2001:db8::2/64" "$work/kvm.log" && break; sleep 0.1; done
        kvm6=$(wrk_rate "http://[2001:db8::2]/" ip netns exec $ns)
        echo "  Swiftlet website (kvm, IPv6) $kvm6 requests/s"
        echo "RESULT http-kvm-ipv6 $kvm6 requests/s ratio $(ratio "$kvm6" "$kvm") vs ipv4"
    fi
fi
