#!/usr/bin/env bash
# Benchmarks/run boot: how fast a Swiftlet kernel boots on QEMU microvm (KVM when usable, else TCG).
#
# Prints, as medians of RUNS runs (default 10):
#   - guest time from the PVH entry to ring 3, to the application's main, to its first console line,
#     from the kernel's TSC (`--report boot`);
#   - the whole QEMU run of Examples/hello (wall time, process start to exit) less the one second the
#     application sleeps (its own measure of the sleep), and the whole run of an empty kernel that exits
#     at once (Benchmarks/empty-kernel.S) on the same QEMU command line; their ratio;
#   - the size of the hello image;
#   - the same against the Linux guest (issue 23), under the accelerator it can run under.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${SWIFTLET_BOOT_RUNS:-10}
command -v qemu-system-x86_64 >/dev/null || { echo "Benchmarks/boot.sh: needs qemu-system-x86_64 (apt-get install qemu-system-x86)" >&2; exit 1; }
swift build -c release --product swiftlet >/dev/null
SWIFTLET=$ROOT/.build/release/swiftlet
"$SWIFTLET" build --target kvm Examples/hello >/dev/null 2>&1
HELLO=$ROOT/Examples/hello/.swiftlet/kvm/hello.kernel
WORK=$(mktemp -d /tmp/swiftlet-boot.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
BIN=$(dirname "$(readlink -f "$(command -v swiftc)")")
"$BIN/clang" -target x86_64-unknown-none-elf -I Sources/CSwiftletKVM -c Benchmarks/empty-kernel.S -o "$WORK/empty.o"
"$BIN/ld.lld" -nostdlib -static -T Sources/CSwiftletKVM/kernel.ld -o "$WORK/empty.kernel" "$WORK/empty.o"

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=(-accel kvm -cpu host,-arch-capabilities); how=KVM; else accel=(-accel tcg -cpu max); how=TCG; fi
# The command line `swiftlet run --target kvm` uses (Sources/swiftlet/QEMU.swift).
machine=(qemu-system-x86_64 -M microvm,auto-kernel-cmdline=off -m 256M -nodefaults -no-user-config -no-reboot
         -display none -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04)
qemu=("${machine[@]}" "${accel[@]}")

# One run: prints "wall_ms" then the kernel's output.
run() {
    python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
w = (time.monotonic() - t) * 1000
if p.returncode != 33: sys.exit("the kernel exited with QEMU status %d: %s" % (p.returncode, p.stdout.decode(errors="replace")))
print("%.2f" % w)
sys.stdout.write(p.stdout.decode(errors="replace"))
PY
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$WORK/hello"
: >"$WORK/empty"
# One run of hello on QEMU (the command given): "WALL_MS SLEPT_MS RING3_US MAIN_US FIRST_LINE_US".
hello_once() {
    local out wall slept
    out=$(run "$@" -kernel "$HELLO" -append "--report boot")
    wall=$(echo "$out" | head -1)
    slept=$(echo "$out" | grep -oE 'slept [0-9]+ ms' | grep -oE '[0-9]+')
    echo "$wall $slept $(echo "$out" | grep 'boot report' | sed -E 's/.*ring 3 ([0-9]+) us, to main ([0-9]+) us, to first output ([0-9]+) us.*/\1 \2 \3/')"
}
for _ in $(seq "$RUNS"); do
    hello_once "${qemu[@]}" >>"$WORK/hello"
    run "${qemu[@]}" -kernel "$WORK/empty.kernel" | head -1 >>"$WORK/empty"
done
ring3=$(awk '{ print $3 }' "$WORK/hello" | median)
main=$(awk '{ print $4 }' "$WORK/hello" | median)
first=$(awk '{ print $5 }' "$WORK/hello" | median)
hello=$(awk '{ print $1 - $2 }' "$WORK/hello" | median)
empty=$(median <"$WORK/empty")
size=$(stat -c %s "$HELLO")
echo "boot on QEMU microvm under $how, medians of $RUNS runs:"
echo "  guest: PVH entry to ring 3 $ring3 us, to main $main us, to the first console line $first us"
echo "  whole QEMU run of hello, less its 1 s sleep: $hello ms; of an empty kernel that exits at once: $empty ms"
echo "  hello image: $size bytes ($((size / 1024)) KB)"
echo "RESULT boot-guest-first-line $first us"
echo "RESULT boot-qemu-hello $hello ms ratio $(awk "BEGIN { printf \"%.2f\", $hello / $empty }") vs empty-kernel"
echo "RESULT image-hello $((size / 1024)) KB"

# Issue 23: against the Linux guest (Benchmarks/linux-guest.sh), both under the accelerator it can run
# under, GUEST_RUNS runs each (default 3; Linux under TCG takes seconds): hello's first console line
# (its TSC from the PVH entry) against Linux's start of /init (its printk clock, from the kernel's
# start); the whole QEMU run of hello less its sleep against Linux's, from QEMU's start to the power-off
# its init does at once. No network device on either, as for the rows above.
GUEST_RUNS=${SWIFTLET_GUEST_RUNS:-3}
read -r gaccel gwhy < <(Benchmarks/linux-guest.sh accel)
read -r vmlinuz initramfs < <(Benchmarks/linux-guest.sh build)
if [ "$gaccel" = kvm ]; then gflags=(-accel kvm -cpu host,-arch-capabilities); else gflags=(-accel tcg -cpu max); fi
gqemu=("${machine[@]}" "${gflags[@]}")
: >"$WORK/ghello"
: >"$WORK/glinux"
for _ in $(seq "$GUEST_RUNS"); do
    hello_once "${gqemu[@]}" >>"$WORK/ghello"
    # Linux powers off (QEMU status 0, not isa-debug-exit's): timed here rather than by run().
    python3 - "${gqemu[@]}" -kernel "$vmlinuz" -initrd "$initramfs" -append "console=ttyS0 quiet pci=off" >>"$WORK/glinux" <<'PY'
import re, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
w = (time.monotonic() - t) * 1000
out = p.stdout.decode(errors="replace")
m = re.search(r"linux-guest: init at ([0-9.]+) s", out)
if p.returncode != 0 or not m or "linux-guest: done" not in out: sys.exit("the Linux guest did not boot and power off: " + out[-2000:])
print("%.2f %d" % (w, float(m.group(1)) * 1e6))
PY
done
gfirst=$(awk '{ print $5 }' "$WORK/ghello" | median)
ghello=$(awk '{ print $1 - $2 }' "$WORK/ghello" | median)
linit=$(awk '{ print $2 }' "$WORK/glinux" | median)
lwhole=$(awk '{ print $1 }' "$WORK/glinux" | median)
echo "against the Linux guest, both under $gaccel ($gwhy), medians of $GUEST_RUNS runs (ratios are Linux / Swiftlet):"
echo "  hello's first console line $gfirst us; Linux's start of /init $linit us (its printk clock)"
echo "  whole QEMU run: hello less its sleep $ghello ms; the Linux guest to its power-off $lwhole ms"
echo "RESULT boot-guest-$gaccel-first-line $gfirst us ratio $(awk "BEGIN { printf \"%.1f\", $linit / $gfirst }") vs linux-guest-init"
echo "RESULT boot-guest-$gaccel-qemu $ghello ms ratio $(awk "BEGIN { printf \"%.1f\", $lwhole / $ghello }") vs linux-guest-whole-run"
