#!/usr/bin/env bash
# Benchmarks/run vnc: full-screen updates per second of a 1024x768 picture that changes completely every
# frame (a moving gradient band over flat blocks whose colours turn), with ZRLE and with Hextile, from
# Swiftlet's VNC server (Tests/Apps/canvas --animate, unix target) and from x11vnc serving the same
# picture from a mapped file (-rawfb; Benchmarks/vnc-peers.c writes the frames), to the same client
# (vnc-peers client: 32-bit true colour, the next incremental request as soon as an update has arrived).
# Three alternating rounds of SWIFTLET_BENCH_SECONDS (default 10) each, medians, each server's CPU time per
# full screen, then the bytes per full screen. An update that covers part of the screen counts as that
# fraction of one. Swiftlet draws its next frame when a viewer has taken the last, on its own executor
# (its CPU time includes drawing); x11vnc's frames come from another process (its CPU time does not),
# but x11vnc polls the file for changes and compares it with its copy. x11vnc listens on 127.0.0.1 only,
# the canvas (unix target, host sockets) on every address of the host, ports 15900 and 15901.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${SWIFTLET_BENCH_SECONDS:-10}
SUITE=vnc
. Benchmarks/lib.sh
if ! command -v x11vnc >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "Benchmarks/vnc.sh: needs x11vnc (apt-get install x11vnc)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq x11vnc >/dev/null
fi
cc -O2 -Wall -o "$WORK/vnc-peers" Benchmarks/vnc-peers.c
swift build -c release --product swiftlet >/dev/null
"$SWIFTLET" build Tests/Apps/canvas >/dev/null 2>&1
spawn canvas Tests/Apps/canvas/.swiftlet/unix/.build/release/canvas -- --animate --width 1024 --height 768 --port 15900 --dump-port 15901
wait_for canvas 60 "canvas: VNC on port 15900" || exit 1
swiftlet=${started[-1]}
spawn frames "$WORK/vnc-peers" frames "$WORK/frames" 1024 768
sleep 0.5
spawn x11vnc x11vnc -rawfb "map:$WORK/frames@1024x768x32:ff0000/00ff00/0000ff" -rfbport 15902 -localhost -nopw -forever -shared \
    -wait 1 -defer 1 -nowf -nowcr -noxdamage
wait_for x11vnc 60 "PORT=15902" || exit 1
x11=${started[-1]}
echo "vnc: 1024x768, the picture changing every frame; $DURATION s a round"

for encoding in zrle hextile; do
    rate() { "$WORK/vnc-peers" client 127.0.0.1 "$1" "$ENCODING" "$DURATION" | tee -a "$WORK/clients-$ENCODING.log" | awk '{ print $10 }'; }
    ENCODING=$encoding
    echo "vnc-$encoding:"
    rounds name="vnc-$encoding" plural=screens singular=screen command=rate \
        swiftlet_pid="$swiftlet" swiftlet_label="Swiftlet ($encoding)" swiftlet_arg=15900 \
        peer=x11vnc peer_pid="$x11" peer_label="x11vnc ($encoding)" peer_arg=15902
    # Bytes per full screen: the medians of the same six runs, Swiftlet's rounds first on each line pair.
    sb=$(awk 'NR % 2 == 1 { print $12 }' "$WORK/clients-$encoding.log" | median)
    pb=$(awk 'NR % 2 == 0 { print $12 }' "$WORK/clients-$encoding.log" | median)
    echo "  bytes per full screen: Swiftlet $sb, x11vnc $pb"
    echo "RESULT vnc-$encoding-bytes $sb bytes/screen ratio $(ratio "$pb" "$sb") vs x11vnc (x11vnc's bytes / Swiftlet's)"
done
