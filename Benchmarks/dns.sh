#!/usr/bin/env bash
# Benchmarks/run dns: queries per second for the dns example against NSD (one server process, response
# rate limiting off on both: rrl-ratelimit 0, --rrl-rate 0) on the same zone, with the same dnsperf command
# in the same run.
# unix: both on 127.0.0.1; as root also tap and kvm: Swiftlet's own stack in a namespace, NSD on the
# namespace's loopback. Needs dnsperf and nsd (apt-get install dnsperf nsd; installed here when root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dnsperf >/dev/null || ! command -v nsd >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "Benchmarks/dns.sh: needs dnsperf and nsd (apt-get install dnsperf nsd)" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsperf nsd >/dev/null
fi
DURATION=${SWIFTLET_BENCH_SECONDS:-10}
work=$(mktemp -d /tmp/swiftlet-dns.XXXXXX)
pids=()
ns=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The queries: answers, a CNAME, a wildcard, NODATA and NXDOMAIN, as a zone's clients ask them.
cat >"$work/queries" <<Q
www.example.test A
www.example.test AAAA
example.test MX
alias.example.test A
_http._tcp.example.test SRV
x.wild.example.test A
mail.example.test A
www.example.test MX
nope.example.test A
example.test NS
Q
zones=$PWD/Examples/dns/zones
cat >"$work/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@15354
    port: 15354
    username: ""
    chroot: ""
    zonesdir: "$zones"
    database: ""
    zonelistfile: "$work/zone.list"
    xfrdfile: "$work/xfrd.state"
    pidfile: "$work/nsd.pid"
    server-count: 1
    rrl-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: example.test.zone
CONF
wait_log() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; cat "$1"; return 1; }
# dnsperf: one thread, 32 clients (source ports), up to 100 queries outstanding; prints queries/s.
qps() { local server=$1 port=$2; shift 2; "$@" dnsperf -s "$server" -p "$port" -d "$work/queries" -l "$DURATION" -c 32 -T 1 \
        | awk '/Queries per second/ { printf "%d\n", $4 } /Queries lost/ { lost = $3 } END { if (lost != "0") print "lost " lost > "/dev/stderr" }'; }
. Benchmarks/lib.sh  # ratio, median, ticks (CPU time of a server and its children), HZ

swift build -c release --product swiftlet >/dev/null
SWIFTLET=$PWD/.build/release/swiftlet
"$SWIFTLET" build Examples/dns >/dev/null 2>&1
Examples/dns/.swiftlet/unix/.build/release/dns --store "$zones" -- --port 15353 --rrl-rate 0 >"$work/unix.log" 2>&1 &
pids+=($!)
nsd -d -c "$work/nsd.conf" >"$work/nsd.log" 2>&1 &
pids+=($!)
wait_log "$work/unix.log" "serving example.test."
wait_log "$work/nsd.log" "nsd started"
echo "dnsperf -c 32 -T 1 -l $DURATION over UDP, 10 names (answers, CNAME, wildcard, NODATA, NXDOMAIN); one server thread each:"
local_qps() { qps 127.0.0.1 "$1"; }
rounds dns-unix queries query NSD "${pids[0]}" "${pids[1]}" "Swiftlet dns (unix)" "NSD 1 server process" local_qps 15353 15354

# Issue 27: the same server with its metrics port on and scraped once a second, against it without.
Examples/dns/.swiftlet/unix/.build/release/dns --store "$zones" -- --port 15355 --rrl-rate 0 --metrics-port 19101 >"$work/unix-metrics.log" 2>&1 &
pids+=($!)
metrics_pid=$!
wait_log "$work/unix-metrics.log" "serving example.test."
scraper http://127.0.0.1:19101/metrics
echo "the same, metrics on (--metrics-port, scraped every second) against off:"
rounds dns-unix-metrics queries query metrics-off "$metrics_pid" "${pids[0]}" "Swiftlet, metrics on" "Swiftlet, metrics off" local_qps 15355 15353

if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
    ns=swl-bench-dns-$$
    ip netns add "$ns" && ip -n "$ns" link set lo up
    "$SWIFTLET" build --target tap Examples/dns >/dev/null 2>&1
    ip netns exec "$ns" "$SWIFTLET" run --target tap Examples/dns -- --rrl-rate 0 >"$work/tap.log" 2>&1 &
    pids+=($!)
    wait_log "$work/tap.log" "serving example.test."
    sed "s|$work/nsd.pid|$work/nsd-ns.pid|" "$work/nsd.conf" >"$work/nsd-ns.conf"
    ip netns exec "$ns" nsd -d -c "$work/nsd-ns.conf" >"$work/nsd-ns.log" 2>&1 &
    pids+=($!)
    wait_log "$work/nsd-ns.log" "nsd started"
    tap=$(qps 10.0.0.2 53 ip netns exec "$ns")
    nsd_ns=$(qps 127.0.0.1 15354 ip netns exec "$ns")
    echo "  Swiftlet dns (tap)       $tap queries/s"
    echo "  NSD in the namespace     $nsd_ns queries/s"
    echo "RESULT dns-tap $tap queries/s ratio $(ratio "$tap" "$nsd_ns") vs NSD"
    # Issue 22: the same over IPv6 (2001:db8::2, from swiftlet run), against IPv4 in this run.
    wait_log "$work/tap.log" "ipv6: configured 2001:db8::2/64"
    tap6=$(qps 2001:db8::2 53 ip netns exec "$ns")
    echo "  Swiftlet dns (tap, IPv6) $tap6 queries/s"
    echo "RESULT dns-tap-ipv6 $tap6 queries/s ratio $(ratio "$tap6" "$tap") vs ipv4"
    if command -v qemu-system-x86_64 >/dev/null; then
        kill "${pids[-2]}" 2>/dev/null || true
        for _ in $(seq 50); do ip -n "$ns" link show swl0 >/dev/null 2>&1 || break; sleep 0.1; done
        "$SWIFTLET" build --target kvm Examples/dns >/dev/null 2>&1
        ip netns exec "$ns" "$SWIFTLET" run --target kvm Examples/dns -- --rrl-rate 0 >"$work/kvm.log" 2>&1 &
        pids+=($!)
        wait_log "$work/kvm.log" "serving example.test."
        kvm=$(qps 10.0.0.2 53 ip netns exec "$ns")
        echo "  Swiftlet dns (kvm)       $kvm queries/s ($(grep -oE 'with (KVM|TCG)' "$work/kvm.log"))"
        echo "RESULT dns-kvm $kvm queries/s ratio $(ratio "$kvm" "$nsd_ns") vs NSD"
        wait_log "$work/kvm.log" "ipv6: configured 2001:db8::2/64"
        kvm6=$(qps 2001:db8::2 53 ip netns exec "$ns")
        echo "  Swiftlet dns (kvm, IPv6) $kvm6 queries/s"
        echo "RESULT dns-kvm-ipv6 $kvm6 queries/s ratio $(ratio "$kvm6" "$kvm") vs ipv4"
    fi
fi
