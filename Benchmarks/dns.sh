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
SUITE=dns
. Benchmarks/lib.sh  # spawn, wait_for, new_namespace, start_tap_app, ipv6_ready, clean-up on exit; rounds, ratio, scraper

# The queries: answers, a CNAME, a wildcard, NODATA and NXDOMAIN, as a zone's clients ask them.
cat >"$WORK/queries" <<Q
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
cat >"$WORK/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@15354
    port: 15354
    username: ""
    chroot: ""
    zonesdir: "$zones"
    database: ""
    zonelistfile: "$WORK/zone.list"
    xfrdfile: "$WORK/xfrd.state"
    pidfile: "$WORK/nsd.pid"
    server-count: 1
    rrl-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: example.test.zone
CONF
# dnsperf: one thread, 32 clients (source ports), up to 100 queries outstanding; prints queries/s.
qps() { local server=$1 port=$2; shift 2; "$@" dnsperf -s "$server" -p "$port" -d "$WORK/queries" -l "$DURATION" -c 32 -T 1 \
        | awk '/Queries per second/ { printf "%d\n", $4 } /Queries lost/ { lost = $3 } END { if (lost != "0") print "lost " lost > "/dev/stderr" }'; }

swift build -c release --product swiftlet >/dev/null
"$SWIFTLET" build Examples/dns >/dev/null 2>&1
spawn unix Examples/dns/.swiftlet/unix/.build/release/dns --store "$zones" -- --port 15353 --rrl-rate 0
unix=${started[-1]}
spawn nsd nsd -d -c "$WORK/nsd.conf"
nsd=${started[-1]}
wait_for unix 60 "serving example.test."
wait_for nsd 60 "nsd started"
echo "dnsperf -c 32 -T 1 -l $DURATION over UDP, 10 names (answers, CNAME, wildcard, NODATA, NXDOMAIN); one server thread each:"
local_qps() { qps 127.0.0.1 "$1"; }
rounds name=dns-unix plural=queries singular=query command=local_qps \
    swiftlet_pid="$unix" swiftlet_label="Swiftlet dns (unix)" swiftlet_arg=15353 \
    peer=NSD peer_pid="$nsd" peer_label="NSD 1 server process" peer_arg=15354

# Issue 27: the same server with its metrics port on and scraped once a second, against it without.
spawn unix-metrics Examples/dns/.swiftlet/unix/.build/release/dns --store "$zones" -- --port 15355 --rrl-rate 0 --metrics-port 19101
metrics=${started[-1]}
wait_for unix-metrics 60 "serving example.test."
scraper http://127.0.0.1:19101/metrics
echo "the same, metrics on (--metrics-port, scraped every second) against off:"
rounds name=dns-unix-metrics plural=queries singular=query command=local_qps \
    swiftlet_pid="$metrics" swiftlet_label="Swiftlet, metrics on" swiftlet_arg=15355 \
    peer=metrics-off peer_pid="$unix" peer_label="Swiftlet, metrics off" peer_arg=15353

if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
    new_namespace dns
    "$SWIFTLET" build --target tap Examples/dns >/dev/null 2>&1
    start_tap_app tap "$NS" Examples/dns "serving example.test." -- --rrl-rate 0
    tap_run=${started[-1]}
    sed "s|$WORK/nsd.pid|$WORK/nsd-ns.pid|" "$WORK/nsd.conf" >"$WORK/nsd-ns.conf"
    spawn nsd-ns ip netns exec "$NS" nsd -d -c "$WORK/nsd-ns.conf"
    wait_for nsd-ns 60 "nsd started"
    tap=$(qps 10.0.0.2 53 ip netns exec "$NS")
    nsd_ns=$(qps 127.0.0.1 15354 ip netns exec "$NS")
    echo "  Swiftlet dns (tap)       $tap queries/s"
    echo "  NSD in the namespace     $nsd_ns queries/s"
    echo "RESULT dns-tap $tap queries/s ratio $(ratio "$tap" "$nsd_ns") vs NSD"
    # Issue 22: the same over IPv6 (2001:db8::2, from swiftlet run), against IPv4 in this run.
    ipv6_ready tap
    tap6=$(qps 2001:db8::2 53 ip netns exec "$NS")
    echo "  Swiftlet dns (tap, IPv6) $tap6 queries/s"
    echo "RESULT dns-tap-ipv6 $tap6 queries/s ratio $(ratio "$tap6" "$tap") vs ipv4"
    if command -v qemu-system-x86_64 >/dev/null; then
        kill "$tap_run" 2>/dev/null || true
        tap_gone "$NS"
        "$SWIFTLET" build --target kvm Examples/dns >/dev/null 2>&1
        spawn kvm ip netns exec "$NS" "$SWIFTLET" run --target kvm --qmp "$WORK/kvm.qmp" Examples/dns -- --rrl-rate 0
        wait_for kvm 60 "serving example.test."
        before=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
        kvm=$(qps 10.0.0.2 53 ip netns exec "$NS")
        after=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
        echo "  Swiftlet dns (kvm)       $kvm queries/s ($(grep -oE 'with (KVM|TCG)' "$WORK/kvm.log"))"
        exits=$(exits_per "$before" "$after" "$(awk "BEGIN { print $kvm * $DURATION }")" query)
        echo "    VM exits (KVM's statistics, Benchmarks/kvm-stats.py): $exits"
        echo "RESULT dns-kvm-exits ${exits%% *} exits/query"
        echo "RESULT dns-kvm $kvm queries/s ratio $(ratio "$kvm" "$nsd_ns") vs NSD"
        ipv6_ready kvm
        kvm6=$(qps 2001:db8::2 53 ip netns exec "$NS")
        echo "  Swiftlet dns (kvm, IPv6) $kvm6 queries/s"
        echo "RESULT dns-kvm-ipv6 $kvm6 queries/s ratio $(ratio "$kvm6" "$kvm") vs ipv4"

        # Issue 23: NSD in the Linux guest (Benchmarks/linux-guest.sh) on the same zone and configuration,
        # each VM in a namespace of its own at 10.0.0.2, both under GUEST_ACCEL, taking turns as `rounds`
        # does; CPU is the whole VM's.
        echo "the dns kernel against NSD in a Linux guest, both under $GUEST_ACCEL ($GUEST_ACCEL_WHY):"
        kvm_ns=$NS
        kernel_for_guest_rows "$kvm_ns" "serving example.test." Examples/dns -- --rrl-rate 0
        new_namespace dns-guest
        guest_ns=$NS
        mkdir -p "$WORK/guest/zones"
        cp "$zones"/*.zone "$WORK/guest/zones/"
        sed -e "s|ip-address: 127.0.0.1@15354|ip-address: 10.0.0.2|" -e "s|port: 15354|port: 53|" -e "s|$zones|/zones|" \
            -e "s|$WORK|/tmp|" "$WORK/nsd.conf" >"$WORK/guest/nsd.conf"
        cat >"$WORK/guest/start" <<'START'
#!/bin/sh
nsd -c /nsd.conf || exit 1
for _ in $(seq 100); do [ -s /tmp/nsd.pid ] && break; sleep 0.1; done
echo "linux-guest: serving NSD on port 53"
exec sleep 1000000
START
        chmod +x "$WORK/guest/start"
        start_linux_guest linux-guest "$guest_ns" "$WORK/guest"
        ip netns exec "$guest_ns" dig +short +time=5 @10.0.0.2 www.example.test A | grep -q . || { cat "$WORK/linux-guest.log"; exit 1; }
        ns_qps() { qps 10.0.0.2 53 ip netns exec "$1"; }
        rounds name=dns-guest-"$GUEST_ACCEL" plural=queries singular=query command=ns_qps \
            swiftlet_pid="$GUEST_KERNEL" swiftlet_label="Swiftlet kernel ($GUEST_ACCEL)" swiftlet_arg="$kvm_ns" \
            peer=linux-guest-NSD peer_pid="$LINUX_GUEST_PID" peer_label="Linux guest NSD ($GUEST_ACCEL)" peer_arg="$guest_ns"
        stop_linux_guest
    fi
fi
