#!/usr/bin/env bash
# Benchmarks/linux-guest.sh: the Linux guest the kvm benchmarks compare Swiftlet's kernels with (issue 23).
#
#   Benchmarks/linux-guest.sh build            assembles it (root: apt-get), prints the two file paths
#   Benchmarks/linux-guest.sh pack DIR OUT     a per-run archive: DIR's files, DIR/start run by init
#   Benchmarks/linux-guest.sh accel            "kvm REASON" or "tcg REASON": what the guest can run under
#
# From Debian packages only: the kernel of `linux-image-amd64` (its bzImage and the six modules a
# virtio-mmio network needs: virtio, virtio_ring, virtio_mmio, failover, net_failover, virtio_net), the
# static busybox of `busybox-static`, and nginx (nginx-light), NSD and iperf3 with exactly the shared
# libraries `ldd` names for them. The result is cached in .build/linux-guest/ (kernel version and this script's hash in the names),
# so only the first run downloads. Nothing else of the host goes in.
#
# QEMU boots it with the command line `swiftlet run --target kvm` uses (Benchmarks/lib.sh,
# start_linux_guest): microvm, the same memory, one vCPU, the same CPU model, virtio-net-device on a tap.
# The guest finds its virtio-mmio transports through microvm's ACPI tables, as Linux does on microvm.
# Its init mounts /proc, /sys and /dev, loads the modules, gives eth0 10.0.0.2/24 (gateway 10.0.0.1,
# as swiftlet run gives a kernel), prints "linux-guest: up" and its printk clock at init, then runs the
# per-run archive's /start (concatenated to the base initramfs: Linux unpacks both).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.build/linux-guest

need_root_install() {  # PACKAGE...: installs what is missing (root only)
    local missing=() p
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} = 0 ] && return 0
    [ "$(id -u)" = 0 ] || { echo "linux-guest: needs ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() {
    need_root_install nginx-light nsd iperf3 cpio
    local kernel_pkg version
    kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kernel_pkg" ] || { echo "linux-guest: apt-cache names no kernel for linux-image-amd64" >&2; exit 1; }
    # The name holds the kernel's version and this script's hash: a changed init builds afresh.
    version=${kernel_pkg#linux-image-}-$(sha256sum "$0" | cut -c1-8)
    if [ -s "$OUT/vmlinuz-$version" ] && [ -s "$OUT/initramfs-$version.cpio.gz" ]; then
        echo "$OUT/vmlinuz-$version $OUT/initramfs-$version.cpio.gz"
        return
    fi
    local tmp
    tmp=$(mktemp -d /tmp/swiftlet-linux-guest.XXXXXX)
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    (cd "$tmp" && chmod a+rwx . && apt-get download -q "$kernel_pkg" busybox-static >/dev/null 2>&1) \
        || { echo "linux-guest: apt-get download $kernel_pkg busybox-static failed" >&2; exit 1; }
    dpkg -x "$tmp"/linux-image-*.deb "$tmp/k"
    dpkg -x "$tmp"/busybox-static*.deb "$tmp/bb"
    local r=$tmp/root
    mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules,lib64,var/log,usr/lib/x86_64-linux-gnu}
    cp "$tmp/bb/bin/busybox" "$r/bin/busybox"
    local m
    for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio net/core/failover \
             drivers/net/net_failover drivers/net/virtio_net; do
        cp "$tmp/k/lib/modules/${kernel_pkg#linux-image-}/kernel/$m.ko" "$r/lib/modules/"
    done
    local bin lib
    for bin in /usr/sbin/nginx /usr/sbin/nsd /usr/bin/iperf3; do
        mkdir -p "$r$(dirname "$bin")"
        cp "$bin" "$r$bin"
        for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'); do
            mkdir -p "$r$(dirname "$lib")"
            cp -L "$lib" "$r$lib"
        done
    done
    # Debian's /lib is a link to /usr/lib; the loader's path is /lib64/ld-linux-x86-64.so.2.
    printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
    cat >"$r/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo "linux-guest: init at $(dmesg | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p') s of the kernel's clock"
for m in virtio_ring virtio virtio_mmio failover net_failover virtio_net; do insmod /lib/modules/$m.ko || echo "linux-guest: insmod $m failed"; done
ip link set lo up
if [ -n "$(ls /sys/bus/virtio/devices)" ]; then
    for _ in $(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.05; done
    ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.0.1 \
        || { echo "linux-guest: no eth0"; ls /sys/class/net; }
fi
echo "linux-guest: up (Linux $(cat /proc/sys/kernel/osrelease), virtio-net features $(cat /sys/class/net/eth0/device/features 2>/dev/null || echo none))"
[ -x /start ] && /start
echo "linux-guest: done"
poweroff -f
INIT
    chmod +x "$r/init"
    mkdir -p "$OUT"
    rm -f "$OUT"/vmlinuz-* "$OUT"/initramfs-*  # an earlier version's
    (cd "$r" && find . | cpio -o -H newc --quiet | gzip -9) >"$OUT/initramfs-$version.cpio.gz.new"
    cp "$tmp/k/boot/vmlinuz-${kernel_pkg#linux-image-}" "$OUT/vmlinuz-$version"
    mv "$OUT/initramfs-$version.cpio.gz.new" "$OUT/initramfs-$version.cpio.gz"
    echo "$OUT/vmlinuz-$version $OUT/initramfs-$version.cpio.gz"
}

# kvm where /dev/kvm is usable, except under kvm-pvm (module kvm_pvm), which runs only guests built for
# PVM: an unmodified Linux kernel never gets past its decompressor there (measured on the development
# machine: nothing after "Probing EDD" in 150 s). SWIFTLET_LINUX_GUEST_ACCEL=kvm|tcg overrides the choice.
accel() {
    if [ -n "${SWIFTLET_LINUX_GUEST_ACCEL:-}" ]; then echo "$SWIFTLET_LINUX_GUEST_ACCEL as SWIFTLET_LINUX_GUEST_ACCEL says"
    elif [ -d /sys/module/kvm_pvm ]; then echo "tcg this KVM is kvm-pvm, which cannot run an unmodified Linux guest"
    elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "kvm /dev/kvm is usable"
    else echo "tcg /dev/kvm is not usable"; fi
}

pack() {  # DIR OUT
    local dir=$1 out=$2
    [ -x "$dir/start" ] || { echo "linux-guest: $dir/start must be an executable script" >&2; exit 2; }
    (cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

case "${1:-}" in
build) build ;;
accel) accel ;;
pack) [ $# = 3 ] || { echo "usage: Benchmarks/linux-guest.sh pack DIR OUT" >&2; exit 2; }; pack "$2" "$3" ;;
*) echo "usage: Benchmarks/linux-guest.sh build | pack DIR OUT | accel" >&2; exit 2 ;;
esac
