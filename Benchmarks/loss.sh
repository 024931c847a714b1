#!/usr/bin/env bash
# Benchmarks/run tcp-loss [tap|kvm|all] (default all): TCP through a lossy link, Swiftlet against Linux,
# reproducing issue 18's table in one invocation. Root: network namespaces this script creates and
# deletes (the host's network is never touched); ethtool (apt-get install ethtool). It builds the bridge,
# the swiftlet tool and the echo example for each target first. A full run (both targets, four profiles)
# takes a few minutes, more while Swiftlet's transfers run into SWIFTLET_LOSS_TIMEOUT.
#
# Topology (interfaces are created inside their namespaces, never in the host's):
#   client ns (10.0.0.1, veth lc) -- veth -- bridge ns: impair-bridge lcb <-> {lsb | swlt0 | swlk0}
#   Linux server ns (10.0.0.2, veth ls, Benchmarks/loss-peer.py echo) -- veth -- bridge ns (lsb)
#   Swiftlet: Examples/echo at 10.0.0.2 on tap swlt0 (`swiftlet run --target tap`) or swlk0 (`--target
#   kvm`, QEMU's virtio-net on the tap), both taps made by this script in the bridge ns with no address:
#   `swiftlet run` on an existing tap adds nothing, so the bridge ns's kernel never answers for 10.0.0.x
#   (its IPv6 is off too), and every frame between client and server goes through the bridge.
#   The bridge (Benchmarks/impair-bridge.c, built here with cc -O2 into .build/) reads and writes both
#   sides with AF_PACKET; checksum and segmentation offloads are off on every veth, so frames are at most
#   1514 bytes and carry real checksums (a corrupted bit is caught by TCP, as on a wire).
#
# For each target and profile (each way, from the issue's table; same seed for Linux and Swiftlet): Linux's
# echo behind a fresh bridge, once per congestion control; then, once per congestion control, a fresh
# Swiftlet echo (`--tcp cc=CC` plus SWIFTLET_LOSS_TCP, default buffer=1M,holes=128, alike for every
# controller) behind a fresh bridge with the same profile.
# One client (Benchmarks/loss-peer.py client): one TCP connection, SWIFTLET_LOSS_BYTES (default
# 20,000,000) bytes sent while the echo is read, the echo checked byte for byte (length and SHA-256),
# the time to the last echoed byte; after SWIFTLET_LOSS_TIMEOUT seconds (default 300) "did not finish".
#   clean   no impairment
#   1pct    1% loss
#   5pct    5% loss, 25% reordered (held back 2 ms extra), 1% duplicated, 1 ms delay
#   10pct   10% loss, 25% reordered (2 ms extra), 2% duplicated, 0.5% corrupted (one bit), 2 ms delay
# SWIFTLET_LOSS_PROFILES="clean 5pct" picks some; SWIFTLET_LOSS_SEED (default 18) the generators' seed.
# Linux's congestion control (TCP_CONGESTION on the client's and the Linux echo's sockets; a namespace's
# default can only be one the host allows): the reference runs once per name in SWIFTLET_LOSS_LINUX_CC
# (default "cubic bbr"), each against its own Linux echo (port 7000, 7001, ...); each name must be one
# Linux offers and `--tcp cc=` takes: cubic or bbr (Swiftlet's newreno is reno in Linux; neither name suits both). Swiftlet
# runs once per name with that controller, the client uses the same in that run (the client-to-server half
# of the echo is Linux's sending), and each ratio is against Linux with the same controller. This matters:
# a machine's default may be BBR (this one's is), which does not take loss as a congestion signal, so it
# moves data through a random-loss link an order of magnitude faster than any loss-based controller.
# Also measured once per run: Linux over a plain veth pair (offloads off as well) on the clean profile,
# to show what the bridge itself costs.
# Prints per profile Linux's time, Swiftlet's, the ratio (Linux / Swiftlet: above 1 is Swiftlet faster),
# byte-exact yes/no and the bridge's counters, and ends with one line per target, profile and controller:
#   RESULT tcp-loss-TARGET-PROFILE-CC SECONDS s ratio X vs linux-CC
#   RESULT tcp-loss-TARGET-PROFILE-CC >TIMEOUT s ratio <X vs linux-CC (did not finish: N of M bytes echoed)
#   RESULT tcp-loss-TARGET-PROFILE-CC failed s ratio 0 vs linux-CC (ERROR after T s: N of M bytes echoed)
# A transfer that does not finish, or fails, is a result; a setup failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${1:-all}
[ "$TARGETS" = all ] && TARGETS="tap kvm"
case "$TARGETS" in tap|kvm|"tap kvm") ;; *) echo "usage: Benchmarks/run tcp-loss [tap|kvm|all]" >&2; exit 2;; esac
BYTES=${SWIFTLET_LOSS_BYTES:-20000000}
TIMEOUT=${SWIFTLET_LOSS_TIMEOUT:-300}
SEED=${SWIFTLET_LOSS_SEED:-18}
PROFILES=${SWIFTLET_LOSS_PROFILES:-clean 1pct 5pct 10pct}
LINUX_CC=${SWIFTLET_LOSS_LINUX_CC:-cubic bbr}
# What Swiftlet's runs add to --tcp cc=CC, with every congestion control alike (SWIFTLET_LOSS_TCP='' for the
# defaults, 256K and 32): Linux autotunes its buffers to megabytes, and with BBR's windows at 5-10% loss
# 32 holes and 256 KiB hold the sender back (docs/ARCHITECTURE.md, "TCP loss recovery").
EXTRA_TCP=${SWIFTLET_LOSS_TCP-buffer=1M,holes=128}
FIRST_CC=${LINUX_CC%% *}
[ "$(id -u)" = 0 ] || { echo "Benchmarks/run tcp-loss: needs root (network namespaces, taps, AF_PACKET)" >&2; exit 1; }
missing=()
for tool in ip:iproute2 ethtool:ethtool python3:python3 cc:gcc; do command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || { echo "Benchmarks/run tcp-loss: needs ${missing[*]} (apt-get install ${missing[*]}), and installing them failed" >&2; exit 1; }
fi

profile_args() {
    case "$1" in
    clean) echo "" ;;
    1pct) echo "loss=1" ;;
    5pct) echo "loss=5 reorder=25 duplicate=1 delay=1000" ;;
    10pct) echo "loss=10 reorder=25 duplicate=2 corrupt=0.5 delay=2000" ;;
    *) echo "Benchmarks/run tcp-loss: unknown profile '$1' (clean 1pct 5pct 10pct)" >&2; return 1 ;;
    esac
}
profile_text() {
    case "$1" in
    clean) echo "clean" ;;
    1pct) echo "1% loss" ;;
    5pct) echo "5% loss, 25% reorder, 1% dup, 1 ms delay" ;;
    10pct) echo "10% loss, 25% reorder, 2% dup, 0.5% corrupt, 2 ms delay" ;;
    esac
}
for p in $PROFILES; do profile_args "$p" >/dev/null || exit 2; done

SUITE=tcp-loss
# spawn, wait_for, new_namespace; on every exit the PIDs this script started are ended, its namespaces
# (with their veths and taps) deleted and $WORK removed.
. Benchmarks/lib.sh
trap 'exit 130' INT
trap 'exit 143' TERM
BRIDGE=$ROOT/.build/impair-bridge
LOSS_PEER="python3 $ROOT/Benchmarks/loss-peer.py"

die() { echo "Benchmarks/run tcp-loss: $*" >&2; exit 1; }
# Stops a process this script started (by PID) and waits for it.
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# --- build: the bridge, the tool, the echo example for each target -------------------------------
cc -O2 -Wall -pthread -o "$BRIDGE" Benchmarks/impair-bridge.c || die "could not build Benchmarks/impair-bridge.c"
swift build -c release --product swiftlet >/dev/null 2>&1 || swift build -c release --product swiftlet || die "could not build swiftlet"
for t in $TARGETS; do
    "$SWIFTLET" build --target "$t" Examples/echo >"$WORK/build-$t.log" 2>&1 || { cat "$WORK/build-$t.log" >&2; die "could not build Examples/echo for $t"; }
done

# --- topology -------------------------------------------------------------------------------------
namespace() {  # namespace NAME: a namespace of this run, IPv6 off, in NS
    new_namespace "$1" || die "cannot create namespace $NS"
    ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
namespace client; NS_C=$NS
namespace bridge; NS_B=$NS
namespace linux; NS_L=$NS
offloads_off() { ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || die "ethtool -K $2 failed in $1"; }
veth() {  # veth NS_A IF_A NS_B IF_B: a pair made inside the namespaces, up, offloads off
    ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3" || die "cannot create veth $2/$4"
    offloads_off "$1" "$2"; offloads_off "$3" "$4"
    ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up
}
veth $NS_C lc $NS_B lcb
veth $NS_L ls $NS_B lsb
veth $NS_C lc2 $NS_L ls2   # the plain veth: no bridge
ip -n $NS_C addr add 10.0.0.1/24 dev lc
ip -n $NS_L addr add 10.0.0.2/24 dev ls
ip -n $NS_C addr add 10.1.0.1/24 dev lc2
ip -n $NS_L addr add 10.1.0.2/24 dev ls2
for t in $TARGETS; do
    ip netns exec $NS_B ip tuntap add dev "swl${t:0:1}0" mode tap || die "cannot create tap swl${t:0:1}0"  # swlt0, swlk0
    ip -n $NS_B link set "swl${t:0:1}0" up
done

i=0
declare -A echo_port=()
for cc in $LINUX_CC; do
    echo_port[$cc]=$((7000 + i))
    spawn "linux-echo-$cc" ip netns exec $NS_L $LOSS_PEER echo 0.0.0.0 "${echo_port[$cc]}" "$cc"
    wait_for "linux-echo-$cc" 10 "listening" \
        || die "the Linux echo server with congestion control $cc did not start (available: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control))"
    i=$((i + 1))
done

# client ADDR PORT: the timed echo exchange with the server at ADDR, the client with $FIRST_CC; sets OUT. In the background and waited
# for, so that SIGINT or SIGTERM to this script ends the run at once (bash runs a trap only once a
# foreground command has ended, and ignores SIGINT if that command did not die of it).
client() {
    spawn client ip netns exec $NS_C $LOSS_PEER client "$1" "$2" "$BYTES" "$TIMEOUT" "$SEED" "${3:-$FIRST_CC}"
    wait "${started[-1]}" || true
    OUT=$(head -1 "$WORK/client.log")
}

# --- one measurement ---------------------------------------------------------------------------------
# measure LABEL SERVER_IF PROFILE PORT [CC]: a fresh bridge between lcb and SERVER_IF with PROFILE, the
# client (with congestion control CC, default $FIRST_CC) at 10.0.0.2 PORT; sets OUT (the client's line) and COUNTERS (the bridge's two lines).
measure() {
    local label=$1 server_if=$2 profile=$3 port=$4 cc=${5:-$FIRST_CC} bridge_pid
    ip -n $NS_C neigh flush dev lc  # 10.0.0.2 is another MAC behind each server
    # shellcheck disable=SC2046
    spawn "bridge-$label" ip netns exec $NS_B "$BRIDGE" lcb "$server_if" $(profile_args "$profile") seed="$SEED"
    bridge_pid=${started[-1]}
    wait_for "bridge-$label" 10 "impair-bridge: lcb" || die "the bridge did not start"
    client 10.0.0.2 "$port" "$cc"
    kill -0 "$bridge_pid" 2>/dev/null || { cat "$WORK/bridge-$label.log" >&2; die "the bridge died during $label"; }
    stop "$bridge_pid"
    COUNTERS=$(grep -E '^lcb->|->lcb ' "$WORK/bridge-$label.log" || true)
    [ -n "$OUT" ] || die "the client printed nothing ($label)"
    [ -n "$COUNTERS" ] || { cat "$WORK/bridge-$label.log" >&2; die "the bridge printed no counters ($label)"; }
    if grep -qE 'oversize [1-9]' <<<"$COUNTERS"; then
        echo "$COUNTERS" >&2; die "the bridge saw frames over 2048 bytes: an offload is still on"
    fi
}
# Fields of the client's line: kind seconds sent received [exact|differs|message]
kind() { cut -d' ' -f1 <<<"$1"; }
secs() { cut -d' ' -f2 <<<"$1"; }
got() { cut -d' ' -f4 <<<"$1"; }
exact() {  # yes, no, or - for an exchange that did not end
    if [ "$(kind "$1")" != done ]; then echo "-"; elif [ "$(cut -d' ' -f5 <<<"$1")" = exact ]; then echo yes; else echo no; fi
}
shown() {  # the time as a person reads it
    case "$(kind "$1")" in
    done) printf '%.2f s' "$(secs "$1")" ;;
    timeout) echo "did not finish in $TIMEOUT s ($(got "$1") of $BYTES bytes echoed)" ;;
    *) echo "failed after $(secs "$1") s: $(cut -d' ' -f5- <<<"$1") ($(got "$1") of $BYTES bytes echoed)" ;;
    esac
}
counters() { sed -e 's/^/      bridge /' <<<"$COUNTERS"; }

results=()
echo "tcp-loss: $BYTES bytes each way at once over one TCP connection (echo), seed $SEED, timeout $TIMEOUT s"
echo "  ratio = Linux time / Swiftlet time (above 1: Swiftlet faster); Linux with congestion control: $LINUX_CC"
echo "  (Swiftlet runs once per congestion control, with the client using the same; each ratio is against Linux with it)"
# The plain veth: the client straight to the Linux echo at 10.1.0.2 (no bridge process in the way).
client 10.1.0.2 "${echo_port[$FIRST_CC]}"
PLAIN=$OUT
echo "  Linux ($FIRST_CC) over a plain veth (offloads off, no bridge): $(shown "$PLAIN"), byte-exact $(exact "$PLAIN")"
for t in $TARGETS; do
    tap="swl${t:0:1}0"
    echo "target $t (tap $tap):"
    for p in $PROFILES; do
        declare -A linux_out=() linux_counters=()
        for cc in $LINUX_CC; do
            measure "linux-$cc-$t-$p" lsb "$p" "${echo_port[$cc]}" "$cc"
            linux_out[$cc]=$OUT
            linux_counters[$cc]=$COUNTERS
        done
        linux=${linux_out[$FIRST_CC]}
        if [ "$p" = clean ] && [ "$t" = "${TARGETS%% *}" ]; then
            echo "  bridge cost: Linux ($FIRST_CC) clean through the bridge $(shown "$linux") vs plain veth $(shown "$PLAIN")"
        fi
        echo "  $(profile_text "$p"):"
        for cc in $LINUX_CC; do
            printf '    Linux (%s)%*s %s, byte-exact %s\n' "$cc" $((6 - ${#cc})) "" "$(shown "${linux_out[$cc]}")" "$(exact "${linux_out[$cc]}")"
            COUNTERS=${linux_counters[$cc]} counters
        done
        for cc in $LINUX_CC; do
            # Swiftlet with the same congestion control as this Linux reference, and the client with it too.
            spec="cc=$cc${EXTRA_TCP:+,$EXTRA_TCP}"
            spawn "swiftlet-$t-$p-$cc" ip netns exec $NS_B "$SWIFTLET" run --target "$t" --tap "$tap" --ipv4 10.0.0.2/24 --tcp "$spec" Examples/echo
            spid=${started[-1]}
            wait_for "swiftlet-$t-$p-$cc" 300 "listening on TCP and UDP port 7" || die "Swiftlet's echo did not start on $t (--tcp $spec)"
            measure "swiftlet-$t-$p-$cc" "$tap" "$p" 7 "$cc"
            swiftlet=$OUT
            swiftlet_counters=$COUNTERS
            kill -0 "$spid" 2>/dev/null || { tail -20 "$WORK/swiftlet-$t-$p-$cc.log" >&2; echo "  (Swiftlet's echo had ended by the end of $p on $t)"; }
            stop "$spid"
            linux=${linux_out[$cc]}
            if [ "$(kind "$linux")" = done ] && [ "$(kind "$swiftlet")" = done ]; then
                ratio=$(awk "BEGIN { printf \"%.2f\", $(secs "$linux") / $(secs "$swiftlet") }")
            else ratio="-"; fi
            printf '    Swiftlet (%s)%*s %s, byte-exact %s, ratio %s vs Linux %s   [--tcp %s]\n' "$cc" $((3 - ${#cc})) "" \
                "$(shown "$swiftlet")" "$(exact "$swiftlet")" "$ratio" "$cc" "$spec"
            COUNTERS=$swiftlet_counters counters
            name="tcp-loss-$t-$p-$cc"
            note=""
            [ "$(exact "$linux")" = yes ] || note="$note (Linux: $(shown "$linux"), byte-exact $(exact "$linux"))"
            case "$(kind "$swiftlet")" in
            done)
                [ "$(exact "$swiftlet")" = yes ] || note="$note (NOT byte-exact)"
                results+=("RESULT $name $(printf '%.2f' "$(secs "$swiftlet")") s ratio $ratio vs linux-$cc$note") ;;
            timeout)
                bound="-"
                [ "$(kind "$linux")" = done ] && bound="<$(awk "BEGIN { printf \"%.3f\", $(secs "$linux") / $TIMEOUT }")"
                results+=("RESULT $name >$TIMEOUT s ratio $bound vs linux-$cc (did not finish: $(got "$swiftlet") of $BYTES bytes echoed)$note") ;;
            *)
                results+=("RESULT $name failed s ratio 0 vs linux-$cc ($(cut -d' ' -f5- <<<"$swiftlet") after $(secs "$swiftlet") s: $(got "$swiftlet") of $BYTES bytes echoed)$note") ;;
            esac
        done
    done
done
printf '%s\n' "${results[@]}"
