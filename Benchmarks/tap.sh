#!/usr/bin/env bash
# Benchmarks of Swiftlet's stack over a tap (Benchmarks/run tap-throughput|tap-latency|kvm-throughput);
# root, network namespaces only.
#
# tap-throughput, kvm-throughput: bulk TCP Linux -> Swiftlet and Swiftlet -> Linux over the tap (the tap
#   target's process, or the kvm kernel on QEMU with virtio-net), and Linux -> Linux over a veth pair in
#   the same run with the same client (nc), so the ratio compares stacks, not tools.
# tap-latency: ping round trips and TCP request/response round trips (1 byte, one connection) against
#   the echo example, and the same against Linux over veth (ping, a Python echo server), median and p99.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?usage: Benchmarks/tap.sh throughput|latency [tap|kvm]}
TARGET=${2:-tap}
BYTES=${SWIFTLET_BENCH_BYTES:-500000000}
[ "$(id -u)" = 0 ] || { echo "Benchmarks/tap.sh: needs root (taps, namespaces)" >&2; exit 1; }
for tool in ip nc ping python3; do command -v $tool >/dev/null || { echo "Benchmarks/tap.sh: needs $tool" >&2; exit 1; }; done
SUITE=tap
. Benchmarks/lib.sh  # spawn, wait_for, new_namespace, start_tap_app, ipv6_ready, clean-up on exit

swift build -c release --product swiftlet >/dev/null
new_namespace tap; NS_TAP=$NS  # Swiftlet's tap and the client of its runs
new_namespace a; NS_A=$NS      # Linux over veth: the client
new_namespace b; NS_B=$NS      # and the server
# The veth pair is created in the namespaces, never in the host's.
ip -n "$NS_A" link add swlba type veth peer name swlbb netns "$NS_B"
ip -n "$NS_A" addr add 10.9.0.1/24 dev swlba && ip -n "$NS_A" link set swlba up
ip -n "$NS_B" addr add 10.9.0.2/24 dev swlbb && ip -n "$NS_B" link set swlbb up

seconds() { python3 -c 'import sys,time; t=time.monotonic(); import subprocess; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(time.monotonic()-t)' "$@"; }
gbits() { awk "BEGIN { printf \"%.2f\", $BYTES * 8 / $1 / 1e9 }"; }

if [ "$what" = throughput ]; then
    "$SWIFTLET" build --target "$TARGET" Tests/Apps/bulk >/dev/null 2>&1
    qmp=()
    [ "$TARGET" = kvm ] && qmp=(--qmp "$WORK/kvm.qmp")
    spawn bulk ip netns exec "$NS_TAP" "$SWIFTLET" run --target "$TARGET" "${qmp[@]}" Tests/Apps/bulk
    bulk_pid=${started[-1]}
    wait_for bulk 120 "sink on 5001"
    # Linux servers on the far end of the veth: a sink and a source of BYTES zero bytes (no log: their
    # output is the data).
    sink_veth() { ip netns exec "$NS_B" timeout 300 nc -l 10.9.0.2 5001 >/dev/null & started+=($!); sleep 0.3; }
    source_veth() { (head -c "$BYTES" /dev/zero | ip netns exec "$NS_B" timeout 300 nc -N -l 10.9.0.2 5002 >/dev/null) & started+=($!); sleep 0.3; }
    echo "bulk TCP, $BYTES bytes each, client nc:"
    [ "$TARGET" = kvm ] && s0=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
    t_in=$(seconds sh -c "head -c $BYTES /dev/zero | ip netns exec $NS_TAP nc -N 10.0.0.2 5001")
    [ "$TARGET" = kvm ] && s1=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
    t_out=$(seconds sh -c "echo $BYTES | ip netns exec $NS_TAP nc 10.0.0.2 5002")
    [ "$TARGET" = kvm ] && s2=$(Benchmarks/kvm-stats.py "$WORK/kvm.qmp")
    # The same over IPv6 (issue 22: within 10% of IPv4), to the address swiftlet run gave the application.
    ipv6_ready bulk
    t_in6=$(seconds sh -c "head -c $BYTES /dev/zero | ip netns exec $NS_TAP nc -N 2001:db8::2 5001")
    t_out6=$(seconds sh -c "echo $BYTES | ip netns exec $NS_TAP nc 2001:db8::2 5002")
    sink_veth
    v_in=$(seconds sh -c "head -c $BYTES /dev/zero | ip netns exec $NS_A nc -N 10.9.0.2 5001")
    source_veth
    v_out=$(seconds sh -c "ip netns exec $NS_A nc 10.9.0.2 5002 < /dev/null")
    grep -E "booting|virtio-net" "$WORK/bulk.log" || true
    echo "  Linux -> Swiftlet ($TARGET):  $(gbits "$t_in") Gbit/s ($t_in s)"
    echo "  Swiftlet -> Linux ($TARGET):  $(gbits "$t_out") Gbit/s ($t_out s)"
    echo "  Linux -> Swiftlet ($TARGET, IPv6):  $(gbits "$t_in6") Gbit/s ($t_in6 s)"
    echo "  Swiftlet -> Linux ($TARGET, IPv6):  $(gbits "$t_out6") Gbit/s ($t_out6 s)"
    echo "  Linux -> Linux (veth):    $(gbits "$v_in") Gbit/s ($v_in s)"
    echo "  Linux <- Linux (veth):    $(gbits "$v_out") Gbit/s ($v_out s)"
    if [ "$TARGET" = kvm ]; then
        mb=$(awk "BEGIN { print $BYTES / 1e6 }")
        e_in=$(exits_per "$s0" "$s1" "$mb" MB)
        e_out=$(exits_per "$s1" "$s2" "$mb" MB)
        echo "  VM exits (KVM's statistics, Benchmarks/kvm-stats.py): in $e_in; out $e_out"
        echo "RESULT kvm-throughput-in-exits ${e_in%% *} exits/MB"
        echo "RESULT kvm-throughput-out-exits ${e_out%% *} exits/MB"
    fi
    echo "RESULT $TARGET-throughput-in $(gbits "$t_in") Gbit/s ratio $(awk "BEGIN { printf \"%.2f\", $v_in / $t_in }") vs linux-veth"
    echo "RESULT $TARGET-throughput-out $(gbits "$t_out") Gbit/s ratio $(awk "BEGIN { printf \"%.2f\", $v_out / $t_out }") vs linux-veth"
    echo "RESULT $TARGET-throughput-in-ipv6 $(gbits "$t_in6") Gbit/s ratio $(awk "BEGIN { printf \"%.2f\", $t_in / $t_in6 }") vs ipv4"
    echo "RESULT $TARGET-throughput-out-ipv6 $(gbits "$t_out6") Gbit/s ratio $(awk "BEGIN { printf \"%.2f\", $t_out / $t_out6 }") vs ipv4"
    if [ "$TARGET" = kvm ]; then
        # Issue 23: the same transfers against iperf3 in the Linux guest (Benchmarks/linux-guest.sh), both
        # VMs under GUEST_ACCEL, GUEST_BYTES each way (TCG is slow); the client is nc for Swiftlet's bulk
        # sink and source as above, iperf3 for iperf3.
        GUEST_BYTES=${SWIFTLET_GUEST_BYTES:-100000000}
        echo "the bulk kernel against iperf3 in a Linux guest, $GUEST_BYTES bytes each way, both under $GUEST_ACCEL ($GUEST_ACCEL_WHY):"
        if [ "$GUEST_ACCEL" != kvm ]; then
            kill "$bulk_pid" 2>/dev/null || true
            tap_gone "$NS_TAP"
            spawn bulk-guest-accel ip netns exec "$NS_TAP" "$SWIFTLET" run --target kvm --accel "$GUEST_ACCEL" Tests/Apps/bulk
            bulk_pid=${started[-1]}
            wait_for bulk-guest-accel 120 "sink on 5001"
        fi
        g_in=$(seconds sh -c "head -c $GUEST_BYTES /dev/zero | ip netns exec $NS_TAP nc -N 10.0.0.2 5001")
        g_out=$(seconds sh -c "echo $GUEST_BYTES | ip netns exec $NS_TAP nc 10.0.0.2 5002")
        kill "$bulk_pid" 2>/dev/null || true
        tap_gone "$NS_TAP"
        mkdir -p "$WORK/guest"
        # Its output on the console, without interval reports: with -D, or with its output to /dev/null or
        # a file, the server in this initramfs ended after its first test.
        printf '#!/bin/sh\n(iperf3 -s -i 0 2>&1 &)\nuntil netstat -ltn | grep -q :5201; do sleep 0.2; done\necho "linux-guest: serving iperf3 on port 5201"\nexec sleep 1000000\n' >"$WORK/guest/start"
        chmod +x "$WORK/guest/start"
        start_linux_guest linux-guest "$NS_TAP" "$WORK/guest"
        # The receiver's rate from iperf3's summary, Gbit/s.
        iperf_gbits() { ip netns exec "$NS_TAP" iperf3 -c 10.0.0.2 -n "$GUEST_BYTES" -f m "$@" | awk '/receiver/ { printf "%.2f", $(NF-2) / 1000 }'; }
        sleep 1
        i_in=$(iperf_gbits)
        i_out=$(iperf_gbits -R)
        stop_linux_guest
        gg() { awk "BEGIN { printf \"%.2f\", $GUEST_BYTES * 8 / $1 / 1e9 }"; }
        echo "  Linux -> Swiftlet kernel ($GUEST_ACCEL): $(gg "$g_in") Gbit/s; Linux -> Linux guest iperf3: $i_in Gbit/s"
        echo "  Swiftlet kernel -> Linux ($GUEST_ACCEL): $(gg "$g_out") Gbit/s; Linux guest iperf3 -> Linux: $i_out Gbit/s"
        echo "RESULT kvm-throughput-guest-$GUEST_ACCEL-in $(gg "$g_in") Gbit/s ratio $(ratio "$(gg "$g_in")" "$i_in") vs linux-guest-iperf3"
        echo "RESULT kvm-throughput-guest-$GUEST_ACCEL-out $(gg "$g_out") Gbit/s ratio $(ratio "$(gg "$g_out")" "$i_out") vs linux-guest-iperf3"
    fi
elif [ "$what" = latency ]; then
    "$SWIFTLET" build --target tap Examples/echo >/dev/null 2>&1
    start_tap_app echo "$NS_TAP" Examples/echo "listening on TCP"
    spawn veth-echo ip netns exec "$NS_B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.9.0.2", 7)); s.listen(1)
while True:
    c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(4096)
        if not d: break
        c.sendall(d)
    c.close()'
    sleep 0.5
    rr='
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
ts = []
for i in range(3000):
    t = time.perf_counter_ns(); s.sendall(b"x"); s.recv(1); ts.append(time.perf_counter_ns() - t)
ts = sorted(ts[100:]); print("%.1f %.1f" % (ts[len(ts) // 2] / 1000, ts[len(ts) * 99 // 100] / 1000))'
    pingstats() {  # median and p99 of ping times in microseconds
        ip netns exec "$1" ping -c 500 -i 0.002 -q "$2" >/dev/null 2>&1 || true
        ip netns exec "$1" ping -c 500 -i 0.002 "$2" 2>/dev/null | grep -oE 'time=[0-9.]+' | cut -d= -f2 |
            sort -n | awk '{ a[NR] = $1 } END { printf "%.1f %.1f", a[int(NR / 2)] * 1000, a[int(NR * 0.99)] * 1000 }'
    }
    read -r sp50 sp99 <<<"$(pingstats $NS_TAP 10.0.0.2)"
    read -r lp50 lp99 <<<"$(pingstats $NS_A 10.9.0.2)"
    read -r st50 st99 <<<"$(ip netns exec $NS_TAP python3 -c "$rr" 10.0.0.2)"
    read -r lt50 lt99 <<<"$(ip netns exec $NS_A python3 -c "$rr" 10.9.0.2)"
    echo "round trips, microseconds (median / p99):"
    echo "  ping   Swiftlet (tap) $sp50 / $sp99    Linux (veth) $lp50 / $lp99"
    echo "  TCP RR Swiftlet (tap) $st50 / $st99    Linux (veth, Python echo) $lt50 / $lt99"
    echo "(latency ratios are Linux / Swiftlet: above 1 means Swiftlet answers faster)"
    echo "RESULT tap-latency-ping $sp50 us ratio $(awk "BEGIN { printf \"%.2f\", $lp50 / $sp50 }") vs linux-veth"
    echo "RESULT tap-latency-tcp-rr $st50 us ratio $(awk "BEGIN { printf \"%.2f\", $lt50 / $st50 }") vs linux-veth"
else
    echo "Benchmarks/tap.sh: unknown '$what' (throughput, latency)" >&2
    exit 2
fi
