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
SUITE=http
. Benchmarks/lib.sh  # spawn, wait_for, new_namespace, start_tap_app, ipv6_ready, clean-up on exit; rounds, ratio, scraper

mkdir -p "$WORK/site"
chmod a+rx "$WORK" "$WORK/site"  # nginx workers run as www-data
python3 -c "import sys; page = '<!doctype html><title>Swiftlet</title><p>' + 'x' * 612; sys.stdout.write(page[:611] + '\n')" > "$WORK/site/index.html"
[ "$(stat -c %s "$WORK/site/index.html")" = 612 ] || { echo "page is not 612 bytes" >&2; exit 1; }
chmod a+r "$WORK/site/index.html"

swift build -c release --product swiftlet >/dev/null
"$SWIFTLET" build Examples/website >/dev/null 2>&1
spawn website Examples/website/.swiftlet/unix/.build/release/website --store "$WORK/site" -- --port 18080
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
        listen 127.0.0.1:18081;
        root $WORK/site;
    }
}
CONF
spawn nginx nginx -c "$WORK/nginx.conf" -p "$WORK"
nginx=${started[-1]}
sleep 1
curl -sf -o /dev/null http://127.0.0.1:18080/ || { cat "$WORK/website.log"; exit 1; }
curl -sf -o /dev/null http://127.0.0.1:18081/ || { cat "$WORK/nginx-error.log"; exit 1; }

wrk_rate() { local url=$1; shift; "$@" wrk -t1 -c32 -d"${DURATION}s" "$url" | awk '/Requests\/sec/ { print $2 }'; }
echo "keep-alive GET of a 612-byte page, wrk -t1 -c32 -d${DURATION}s, one server thread each:"
rounds name=http-unix plural=requests singular=request command=wrk_rate \
    swiftlet_pid="$website" swiftlet_label="Swiftlet website (unix)" swiftlet_arg=http://127.0.0.1:18080/ \
    peer=nginx peer_pid="$nginx" peer_label="nginx (1 worker)" peer_arg=http://127.0.0.1:18081/

# Issue 27: the same website with its metrics port on and scraped once a second, against it without.
spawn website-metrics Examples/website/.swiftlet/unix/.build/release/website --store "$WORK/site" -- --port 18082 --metrics-port 19100
metrics=${started[-1]}
sleep 1
curl -sf -o /dev/null http://127.0.0.1:19100/metrics || { cat "$WORK/website-metrics.log"; exit 1; }
scraper http://127.0.0.1:19100/metrics
echo "the same, metrics on (--metrics-port, scraped every second) against off:"
rounds name=http-unix-metrics plural=requests singular=request command=wrk_rate \
    swiftlet_pid="$metrics" swiftlet_label="Swiftlet, metrics on" swiftlet_arg=http://127.0.0.1:18082/ \
    peer=metrics-off peer_pid="$website" peer_label="Swiftlet, metrics off" peer_arg=http://127.0.0.1:18080/

# The tap target (root): the website on Swiftlet's own TCP/IP in a namespace, wrk in the same namespace;
# the peer is the same nginx, reached inside the namespace over its loopback.
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
    new_namespace http
    "$SWIFTLET" build --target tap Examples/website >/dev/null 2>&1
    start_tap_app tap "$NS" Examples/website "serving on port 80" --store "$WORK/site" -- --port 80
    tap_run=${started[-1]}
    sed "s|$WORK/nginx.pid|$WORK/nginx-ns.pid|" "$WORK/nginx.conf" >"$WORK/nginx-ns.conf"
    spawn nginx-ns ip netns exec "$NS" nginx -c "$WORK/nginx-ns.conf" -p "$WORK"
    sleep 1
    tap=$(wrk_rate http://10.0.0.2/ ip netns exec "$NS")
    nginx_ns=$(wrk_rate http://127.0.0.1:18081/ ip netns exec "$NS")
    echo "  Swiftlet website (tap)   $tap requests/s"
    echo "  nginx in the namespace   $nginx_ns requests/s"
    echo "RESULT http-tap $tap requests/s ratio $(ratio "$tap" "$nginx_ns") vs nginx"
    # Issue 22: the same over IPv6 (2001:db8::2, from swiftlet run), against IPv4 in this run.
    ipv6_ready tap
    tap6=$(wrk_rate "http://[2001:db8::2]/" ip netns exec "$NS")
    echo "  Swiftlet website (tap, IPv6) $tap6 requests/s"
    echo "RESULT http-tap-ipv6 $tap6 requests/s ratio $(ratio "$tap6" "$tap") vs ipv4"

    # The kvm target (QEMU installed): the website kernel with the same page embedded as its store, in
    # the same namespace (swiftlet run makes the tap swl0 there with the host at 10.0.0.1, the kernel at
    # 10.0.0.2; the tap target above has ended by then).
    if command -v qemu-system-x86_64 >/dev/null; then
        kill "$tap_run" 2>/dev/null || true
        tap_gone "$NS"
        mkdir -p "$WORK/app"
        cp Examples/website/Website.swift "$WORK/app/"
        ln -s "$WORK/site" "$WORK/app/site"
        cp Examples/website/Swiftlet.swift "$WORK/app/"  # the manifest: the store is site/
        "$SWIFTLET" build --target kvm "$WORK/app" >/dev/null 2>&1
        spawn kvm ip netns exec "$NS" "$SWIFTLET" run --target kvm --qmp "$WORK/kvm.qmp" "$WORK/app" -- --port 80
        wait_for kvm 60 "serving on port 80"
        ip netns exec "$NS" curl -sf -o /dev/null --max-time 5 http://10.0.0.2/ || { cat "$WORK/kvm.log"; exit 1; }
        before=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
        kvm=$(wrk_rate http://10.0.0.2/ ip netns exec "$NS")
        after=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
        echo "  Swiftlet website (kvm)   $kvm requests/s ($(grep -oE 'with (KVM|TCG)' "$WORK/kvm.log"))"
        exits=$(exits_per "$before" "$after" "$(awk "BEGIN { print $kvm * $DURATION }")" request)
        echo "    VM exits (KVM's statistics, Benchmarks/kvm-stats.py): $exits"
        echo "RESULT http-kvm-exits ${exits%% *} exits/request"
        echo "RESULT http-kvm $kvm requests/s ratio $(ratio "$kvm" "$nginx_ns") vs nginx"
        ipv6_ready kvm
        kvm6=$(wrk_rate "http://[2001:db8::2]/" ip netns exec "$NS")
        echo "  Swiftlet website (kvm, IPv6) $kvm6 requests/s"
        echo "RESULT http-kvm-ipv6 $kvm6 requests/s ratio $(ratio "$kvm6" "$kvm") vs ipv4"

        # Issue 23: the same page from nginx (one worker, the configuration above) in the Linux guest
        # (Benchmarks/linux-guest.sh), each VM in a namespace of its own at 10.0.0.2, both under
        # GUEST_ACCEL, taking turns as `rounds` does; CPU is the whole VM's (QEMU's threads).
        echo "the website kernel against nginx in a Linux guest, both under $GUEST_ACCEL ($GUEST_ACCEL_WHY):"
        kvm_ns=$NS
        kernel_for_guest_rows "$kvm_ns" "serving on port 80" "$WORK/app" -- --port 80
        new_namespace http-guest
        guest_ns=$NS
        mkdir -p "$WORK/guest/site"
        cp "$WORK/site/index.html" "$WORK/guest/site/"
        cat >"$WORK/guest/start" <<'START'
#!/bin/sh
mkdir -p /var/lib/nginx /var/log/nginx
sed -e 's|^pid .*|pid /tmp/nginx.pid;|' -e 's|^error_log .*|error_log /tmp/nginx-error.log;|' \
    -e 's|^daemon off;|user root;|' -e 's|listen 127.0.0.1:18081;|listen 80;|' -e 's|root .*;|root /site;|' /nginx.conf >/tmp/nginx.conf
nginx -c /tmp/nginx.conf -p /tmp && echo "linux-guest: serving nginx on port 80" || cat /tmp/nginx-error.log
exec sleep 1000000
START
        chmod +x "$WORK/guest/start"
        cp "$WORK/nginx.conf" "$WORK/guest/nginx.conf"
        start_linux_guest linux-guest "$guest_ns" "$WORK/guest"
        ip netns exec "$guest_ns" curl -sf -o /dev/null --max-time 10 http://10.0.0.2/ || { cat "$WORK/linux-guest.log"; exit 1; }
        ns_rate() { wrk_rate http://10.0.0.2/ ip netns exec "$1"; }
        rounds name=http-guest-"$GUEST_ACCEL" plural=requests singular=request command=ns_rate \
            swiftlet_pid="$GUEST_KERNEL" swiftlet_label="Swiftlet kernel ($GUEST_ACCEL)" swiftlet_arg="$kvm_ns" \
            peer=linux-guest-nginx peer_pid="$LINUX_GUEST_PID" peer_label="Linux guest nginx ($GUEST_ACCEL)" peer_arg="$guest_ns"
        stop_linux_guest
    fi
fi
