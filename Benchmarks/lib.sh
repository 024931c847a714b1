# Benchmarks/lib.sh: helpers the benchmark scripts share (sourced, not run, from the repository's root).
# The including script sets SUITE (its name; $WORK is /tmp/swiftlet-SUITE.XXXXXX) before sourcing this.
#
# Processes, namespaces and clean-up are the test suite's (Tests/Integration/common.sh): `spawn NAME
# COMMAND...` starts a process, its PID in `started`, its output in $WORK/NAME.log; `wait_for NAME SECONDS
# TEXT` waits for a line of that log (and fails showing its tail); `new_namespace NAME` creates a namespace
# (in NS); `start_tap_app NAME NS APP READY ARGS...` runs `swiftlet run --target tap` in one; `ipv6_ready
# NAME` waits for the address swiftlet run gives the application. A process started otherwise (output to
# /dev/null, a subshell) has its PID added to `started` by hand. On every exit every PID in `started` is
# ended (SIGTERM, then SIGKILL after 0.3 s), every namespace in `namespaces` deleted and $WORK removed.
source "$(dirname "${BASH_SOURCE[0]}")/../Tests/Integration/common.sh"
# common.sh's clean-up, with errexit off: these scripts run under `set -e`, and a PID that has already
# ended (kill fails) must not stop the clean-up half-way or change the script's exit status.
trap 'set +e; cleanup; rm -rf "$WORK"' EXIT

ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
# The middle of three numbers, one per line.
median() { sort -n | sed -n 2p; }
# CPU time (user + system, clock ticks) of processes and all their descendants. A one-thread client
# (dnsperf -T 1, wrk -t1) can be the limit, so a rate alone may only say how fast the client is; CPU per
# request says what the server spent.
descendants() { local p; for p in "$@"; do echo "$p"; descendants $(pgrep -P "$p"); done; }
ticks() { local total=0 p; for p in $(descendants "$@"); do  # NSD's server process is the main one's grandchild
        # utime and stime, counted after the command name, which may hold spaces ("nsd: server 1").
        [ -r "/proc/$p/stat" ] && total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }'))); done; echo $total; }
HZ=$(getconf CLK_TCK)
# Scrapes URL once a second in the background, as a Prometheus server would (its PID goes to `started`).
scraper() { (while :; do curl -s -o /dev/null -m 2 "$1" || true; sleep 1; done) & started+=($!); }

# rounds KEY=VALUE...: Swiftlet's server against a peer server, every key required:
#   name=NAME              the RESULT lines' name
#   plural=UNIT singular=UNIT   what is counted ("requests", "request")
#   command=COMMAND        `COMMAND ARG` prints a rate per second over DURATION seconds
#   swiftlet_pid=PID swiftlet_label=TEXT swiftlet_arg=ARG   Swiftlet's server: the PID whose CPU time
#                          counts (with its descendants), its name in the medians' lines, its ARG
#   peer=NAME peer_pid=PID peer_label=TEXT peer_arg=ARG     the same for the peer; NAME is its name on
#                          the RESULT lines
# The machine's speed drifts from minute to minute, so the two servers take turns: three rounds of
# `COMMAND ARG` against each, with each server's CPU time per operation from `ticks`. Prints every round,
# the medians, and two result lines: NAME (the rates' ratio) and NAME-cpu (the peer's CPU per operation
# over Swiftlet's).
rounds() {
    local keys="name plural singular command swiftlet_pid swiftlet_label swiftlet_arg peer peer_pid peer_label peer_arg"
    local $keys key arg
    for arg in "$@"; do
        key=${arg%%=*}
        [[ $arg == *=* && " $keys " == *" $key "* ]] || { echo "rounds: unknown argument '$arg'" >&2; return 2; }
        printf -v "$key" '%s' "${arg#*=}"
    done
    for key in $keys; do [ -n "${!key+set}" ] || { echo "rounds: $key= is missing" >&2; return 2; }; done
    local s=() p=() round sr su pr pu
    one() {  # one PID ARG: "RATE CPU_US_PER_OPERATION"
        local before r
        before=$(ticks "$1")
        r=$($command "$2")
        echo "$r $(awk "BEGIN { printf \"%.2f\", ($(ticks "$1") - $before) * 1000000 / $HZ / ($r * $DURATION) }")"
    }
    for round in 1 2 3; do
        s+=("$(one "$swiftlet_pid" "$swiftlet_arg")")
        p+=("$(one "$peer_pid" "$peer_arg")")
        echo "  round $round: Swiftlet ${s[-1]% *} $plural/s (${s[-1]#* } us CPU/$singular), $peer ${p[-1]% *} $plural/s (${p[-1]#* } us CPU/$singular)"
    done
    sr=$(printf '%s\n' "${s[@]}" | cut -d' ' -f1 | median)
    su=$(printf '%s\n' "${s[@]}" | cut -d' ' -f2 | median)
    pr=$(printf '%s\n' "${p[@]}" | cut -d' ' -f1 | median)
    pu=$(printf '%s\n' "${p[@]}" | cut -d' ' -f2 | median)
    printf '  %-24s %s %s/s, server CPU %s us per %s (medians of 3)\n' "$swiftlet_label" "$sr" "$plural" "$su" "$singular"
    printf '  %-24s %s %s/s, server CPU %s us per %s (medians of 3)\n' "$peer_label" "$pr" "$plural" "$pu" "$singular"
    echo "RESULT $name $sr $plural/s ratio $(ratio "$sr" "$pr") vs $peer"
    echo "RESULT $name-cpu $su us/$singular ratio $(ratio "$pu" "$su") vs $peer ($peer's CPU per $singular / Swiftlet's)"
}

# The Linux guest (issue 23; Benchmarks/linux-guest.sh builds it): the same service in a Linux microVM
# under the same hypervisor, QEMU command line and tap set-up as a Swiftlet kernel.
# GUEST_ACCEL is the accelerator both Swiftlet's kernel and Linux run under for the guest rows, and
# GUEST_ACCEL_WHY the reason (Benchmarks/linux-guest.sh accel).
read -r GUEST_ACCEL GUEST_ACCEL_WHY < <(Benchmarks/linux-guest.sh accel)
# tap_gone NS: waits (up to 5 s) until the tap swl0 an ended `swiftlet run` made in namespace NS is gone.
tap_gone() { for _ in $(seq 50); do ip -n "$1" link show swl0 >/dev/null 2>&1 || break; sleep 0.1; done; }
# kernel_for_guest_rows NS READY APP [ARGS...]: the kvm kernel last started (the last of `started`) serves
# the guest rows when it runs under GUEST_ACCEL already; otherwise it is ended and APP started again in
# namespace NS under GUEST_ACCEL (ARGS after the app), and READY awaited. GUEST_KERNEL is the run's PID.
kernel_for_guest_rows() {
    local ns=$1 ready=$2 app=$3
    shift 3
    GUEST_KERNEL=${started[-1]}
    [ "$GUEST_ACCEL" = kvm ] && return 0
    kill "$GUEST_KERNEL" 2>/dev/null || true
    tap_gone "$ns"
    spawn kvm-guest-accel ip netns exec "$ns" "$SWIFTLET" run --target kvm --accel "$GUEST_ACCEL" "$app" "$@"
    GUEST_KERNEL=${started[-1]}
    wait_for kvm-guest-accel 120 "$ready"
}
# start_linux_guest NAME NS DIR: boots the Linux guest in namespace NS on a tap swl0 made as swiftlet run
# makes it (host 10.0.0.1/24; the guest takes 10.0.0.2), with DIR packed beside its initramfs (DIR/start
# runs the service and prints "linux-guest: serving" when it answers); waits for that line. Its PID is
# the last of `started`; stop_linux_guest NAME ends it and removes the tap.
start_linux_guest() {
    local name=$1 ns=$2 dir=$3 vmlinuz initramfs accel
    read -r vmlinuz initramfs < <(Benchmarks/linux-guest.sh build)
    Benchmarks/linux-guest.sh pack "$dir" "$WORK/$name-run.cpio.gz"
    cat "$initramfs" "$WORK/$name-run.cpio.gz" >"$WORK/$name.initrd"
    make_tap "$ns" swl0 10.0.0.1/24
    if [ "$GUEST_ACCEL" = kvm ]; then accel=(-accel kvm -cpu host,-arch-capabilities); else accel=(-accel tcg -cpu max); fi
    # Sources/swiftlet/QEMU.swift's command line, with Linux's kernel, initramfs and console.
    spawn "$name" ip netns exec "$ns" qemu-system-x86_64 -M microvm,auto-kernel-cmdline=off -m 256M -nodefaults \
        -no-user-config -no-reboot -display none -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        "${accel[@]}" -netdev tap,id=net0,ifname=swl0,script=no,downscript=no -device virtio-net-device,netdev=net0 \
        -kernel "$vmlinuz" -initrd "$WORK/$name.initrd" -append "console=ttyS0 quiet pci=off"
    LINUX_GUEST_PID=${started[-1]}
    LINUX_GUEST_NS=$ns
    wait_for "$name" 300 "linux-guest: serving"
    grep -F "linux-guest: up" "$WORK/$name.log" || true
}
stop_linux_guest() {
    kill "$LINUX_GUEST_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$LINUX_GUEST_PID" 2>/dev/null || break; sleep 0.1; done
    ip -n "$LINUX_GUEST_NS" link del swl0 2>/dev/null || true
}

# exits_per BEFORE AFTER COUNT UNIT: the difference of two Benchmarks/kvm-stats.py lines per COUNT
# operations, as "N exits/UNIT (mmio M, io I, halt H, interrupts J, emulated instructions K)".
exits_per() {
    python3 - "$@" <<'PY'
import sys
before, after, count, unit = sys.argv[1:5]
b = dict(kv.split("=") for kv in before.split())
a = dict(kv.split("=") for kv in after.split())
d = {k: (int(a[k]) - int(b[k])) / float(count) for k in a}
print("%.2f exits/%s (mmio %.2f, io %.2f, halt %.2f, interrupts %.2f, emulated instructions %.1f)" % (
    d["exits"], unit, d["mmio_exits"], d["io_exits"], d["halt_exits"], d["irq_injections"], d["insn_emulation"]))
PY
}
