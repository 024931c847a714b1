#!/usr/bin/env bash
# The kvm target: Swiftlet kernels booted by QEMU microvm (issue: the `kvm` target).
#
# KVM is used where /dev/kvm is usable, TCG otherwise (swiftlet run says which); some tests force TCG or
# virtio 1.x devices so that both paths are covered. Network tests run inside a namespace they create
# and delete (swiftlet run makes tap swl0 there with the host at 10.0.0.1, the kernel at 10.0.0.2).
# Needs qemu-system-x86 (scripts/test installs it), and root for the network tests.
#
#   Tests/Integration/kvm.sh [TEST...]        (default: all; names below, e.g. `kvm-disk`)
#   SWIFTLET_BULK_BYTES=N                      transfer size of the bulk test (default 100 MB)
#   SWIFTLET_HOSTILE_FULL=1                    kvm-vanishing-clients at full size (as in hosted.sh)

SUITE=kvm
source "$(dirname "$0")/common.sh"

run_kernel() {  # run_kernel NAME [swiftlet run arguments]: runs to the end; sets STATUS, output in $WORK/NAME.log
    local name=$1
    shift
    timeout 300 "$SWIFTLET" run --target kvm "$@" >"$WORK/$name.log" 2>&1
    STATUS=$?
}

test_kvm_hello() {
    run_kernel hello Examples/hello
    [ "$STATUS" = 0 ] || { echo "hello exited $STATUS"; cat "$WORK/hello.log"; return 1; }
    expect_in hello "hello from Swiftlet" || return 1
    # The second line says how long the timer slept: a second, give or take scheduling.
    local slept
    slept=$(grep -oE "slept [0-9]+ ms" "$WORK/hello.log" | grep -oE "[0-9]+")
    [ -n "$slept" ] && [ "$slept" -ge 1000 ] && [ "$slept" -lt 1500 ] || { echo "slept '$slept' ms"; return 1; }
}

test_kvm_hello_tcg() {
    run_kernel hello-tcg Examples/hello --accel tcg
    [ "$STATUS" = 0 ] || { echo "hello under TCG exited $STATUS"; cat "$WORK/hello-tcg.log"; return 1; }
    expect_in hello-tcg "with TCG" && expect_in hello-tcg "hello from Swiftlet" && expect_in hello-tcg "goodbye"
}

test_kvm_crypto() {
    # SwiftletCrypto inside a kernel: the standards' known answers for every primitive (Tests/Apps/crypto),
    # under KVM and under TCG (whose CPU model has AES-NI too, emulated).
    run_kernel crypto Tests/Apps/crypto
    [ "$STATUS" = 0 ] || { echo "crypto exited $STATUS"; cat "$WORK/crypto.log"; return 1; }
    expect_in crypto "known answers passed" || return 1
    run_kernel crypto-tcg Tests/Apps/crypto --accel tcg
    [ "$STATUS" = 0 ] || { echo "crypto under TCG exited $STATUS"; cat "$WORK/crypto-tcg.log"; return 1; }
    expect_in crypto-tcg "known answers passed"
}

test_kvm_crash() {
    # Each way of failing prints what happened and leaves with its own code (CSwiftletKVM.h).
    run_kernel fatal Tests/Apps/crash -- --how fatal
    [ "$STATUS" = 100 ] || { echo "fatalError exited $STATUS, want 100"; cat "$WORK/fatal.log"; return 1; }
    expect_in fatal "panic: Swift runtime error" && expect_in fatal "the panic was in specialized static Crash.start" || return 1
    run_kernel null Tests/Apps/crash -- --how null
    [ "$STATUS" = 101 ] || { echo "null dereference exited $STATUS, want 101"; cat "$WORK/null.log"; return 1; }
    expect_in null "CPU exception 14 (page fault) in the application" && expect_in null "address 0x0000000000000008" || return 1
    run_kernel memory Tests/Apps/crash -- --how memory
    [ "$STATUS" = 102 ] || { echo "heap exhaustion exited $STATUS, want 102"; cat "$WORK/memory.log"; return 1; }
    expect_in memory "panic: out of memory" || return 1
    run_kernel status Tests/Apps/crash -- --how status
    [ "$STATUS" = 7 ] || { echo "returning 7 exited $STATUS"; return 1; }
}

test_kvm_run_ends() {
    # Issue 27: a run always ends with a reason. Too little --memory is refused before boot, naming the
    # minimum, and the minimum is exact: the kernel boots with it and not with a MiB less (the check off).
    run_kernel small Examples/hello --memory 2
    [ "$STATUS" = 1 ] || { echo "--memory 2 exited $STATUS, want 1 (refused)"; cat "$WORK/small.log"; return 1; }
    local minimum
    minimum=$(grep -oE "needs at least --memory [0-9]+" "$WORK/small.log" | grep -oE "[0-9]+$") || { cat "$WORK/small.log"; return 1; }
    run_kernel enough Examples/hello --memory "$minimum"
    [ "$STATUS" = 0 ] || { echo "--memory $minimum (the minimum named) exited $STATUS"; tail -5 "$WORK/enough.log"; return 1; }
    SWIFTLET_MEMORY_CHECK=off run_kernel less Examples/hello --memory $((minimum - 1))
    [ "$STATUS" = 103 ] || { echo "--memory $((minimum - 1)) (check off) exited $STATUS, want 103 (no heap)"; tail -5 "$WORK/less.log"; return 1; }
    expect_in less "panic: no RAM for the heap" || return 1
    # With 2 MiB the kernel is not even loaded: KVM cannot run it and QEMU pauses the machine, which
    # before this change waited forever. Now QMP's STOP ends the run with 104 and the reason.
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        SWIFTLET_MEMORY_CHECK=off run_kernel stopped Examples/hello --memory 2
        [ "$STATUS" = 104 ] || { echo "--memory 2 (check off) under KVM exited $STATUS, want 104"; tail -5 "$WORK/stopped.log"; return 1; }
        expect_in stopped "QEMU stopped the machine (run state internal-error" || return 1
        pgrep -f "swiftlet-qmp-" >/dev/null && { echo "a QEMU with a QMP socket is still running"; return 1; }
    else
        log "SKIPPING the paused-machine half of kvm-run-ends: /dev/kvm is not usable (TCG does not stop the machine)"
    fi
    return 0
}

test_kvm_disk() {
    # The image carries a marker the kernel checks; the kernel leaves one the test checks afterwards.
    local image=$WORK/disk.img flags
    for flags in "" "--modern-virtio"; do
        python3 -c "import sys; open(sys.argv[1], 'wb').write(b'swiftlet-disk-test'.ljust(16 << 20, b'\0'))" "$image"
        run_kernel disk Tests/Apps/disk --disk "$image" $flags -- --sectors 2048
        [ "$STATUS" = 0 ] || { echo "disk ($flags) exited $STATUS"; cat "$WORK/disk.log"; return 1; }
        expect_in disk "wrote, flushed and read back 1048576 bytes" || return 1
        [ "$(dd if="$image" bs=512 skip=1 count=1 2>/dev/null | head -c 19)" = "written-by-swiftlet" ] || { echo "no closing marker in sector 1"; return 1; }
        # What the kernel wrote at sector 8 is the pattern, byte for byte.
        python3 - "$image" <<'PY' || return 1
import sys
data = open(sys.argv[1], 'rb').read()[8 * 512 : 8 * 512 + 1048576]
want = bytes(((i * 31) ^ (i >> 9)) & 0xff for i in range(1048576))
sys.exit(0 if data == want else "sectors 8.. differ from the pattern")
PY
    done
    [ "$flags" = "--modern-virtio" ] && expect_in disk "virtio-blk (virtio 1.x"
}

start_kernel() {  # start_kernel NAME NS APP READY [swiftlet run arguments]
    local name=$1 ns=$2 app=$3 ready=$4
    shift 4
    spawn "$name" ip netns exec "$ns" "$SWIFTLET" run --target kvm "$app" "$@"
    wait_for "$name" 300 "$ready"
}

echo_checks() {  # echo_checks NS: ping, ARP, TCP and UDP echo against the kernel at 10.0.0.2
    local ns=$1
    ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 10.0.0.2 || return 1
    ip netns exec "$ns" ip neigh show 10.0.0.2 | grep -q lladdr || { echo "no ARP entry for 10.0.0.2"; return 1; }
    echo_roundtrip "$ns" 10.0.0.2 7
}

test_kvm_echo() {
    new_namespace kecho || return 1
    local ns=$NS
    start_kernel echo "$ns" Examples/echo "listening on TCP and UDP port 7" || return 1
    echo_checks "$ns" || return 1
    # SIGTERM to swiftlet run ends QEMU and removes the tap it made.
    stops_cleanly TERM "${started[-1]}" "$ns"
}

test_kvm_ipv6() {
    # Issue 22: the kernel's link-local address and its SLAAC address from radvd answer ping -6 (common.sh).
    new_namespace kipv6 || return 1
    local ns=$NS
    start_kernel echo6 "$ns" Examples/echo "listening on TCP and UDP port 7" || return 1
    ipv6_checks "$ns" echo6 swl0 || return 1
    # TCP and UDP echo over IPv6, to the static address and to the one SLAAC formed.
    echo_roundtrip "$ns" 2001:db8::2 7 || return 1
    echo_roundtrip "$ns" "$IPV6_GLOBAL" 7 || return 1
    ipv6_fragment_checks "$ns" 2001:db8::2
}

test_kvm_ipv6_pmtu() {
    # RFC 8201 through a Linux router with a 1300-byte link (common.sh, pmtu_checks).
    new_namespace kpmtu-peer || return 1
    local peer=$NS
    new_namespace kpmtu || return 1
    local ns=$NS
    start_kernel kpmtu "$ns" Tests/Apps/bulk "sink on 5001" || return 1
    pmtu_checks "$ns" "$peer" kpmtu
}

test_kvm_ipv6_redirect() {
    # RFC 4861 §8: a Linux router's Redirect followed by the kernel (common.sh, redirect_link and redirect_checks).
    new_namespace kredirect-d || return 1
    local d=$NS
    new_namespace kredirect || return 1
    local ns=$NS
    redirect_link "$ns" "$d" swl1 || return 1
    start_kernel kredirect "$ns" Examples/echo "listening on TCP and UDP port 7" --tap swl1 --ipv4 10.0.0.2/24 \
        --ipv6 2001:db8::2/64 --gateway6 fe80::ff:fe00:1 || return 1
    redirect_checks "$ns" "$d" kredirect
}

test_kvm_unprivileged() {
    # As root, swiftlet run gives QEMU -runas: QEMU opens /dev/kvm, the tap, the kernel and the disk as
    # root, then runs the machine as the system user swiftlet (nobody where that cannot be made) or, under
    # sudo, the invoking user, with that user's group only. A disk only root can open still works.
    new_namespace kpriv || return 1
    local ns=$NS id want
    spawn echo env -u SUDO_UID -u SUDO_GID -u SUDO_USER ip netns exec "$ns" "$SWIFTLET" run --target kvm Examples/echo
    wait_for echo 300 "listening on TCP and UDP port 7" || return 1
    id=$(identity_of_child "${started[-1]}" qemu-system-x86_64) || { echo "$id"; return 1; }
    want=$(dedicated_account)
    [ "$id" = "$want ${want#* }" ] || { echo "QEMU runs as '$id' (uid gid groups), want '$want ${want#* }'"; return 1; }
    echo_checks "$ns" || return 1
    stops_cleanly TERM "${started[-1]}" "$ns" || return 1
    local image=$WORK/private.img
    python3 -c "import sys; open(sys.argv[1], 'wb').write(b'swiftlet-disk-test'.ljust(16 << 20, b'\0'))" "$image"
    chmod 600 "$image"
    spawn echo-sudo env SUDO_UID=4242 SUDO_GID=4343 SUDO_USER=someone ip netns exec "$ns" "$SWIFTLET" run --target kvm Examples/echo
    wait_for echo-sudo 300 "listening on TCP and UDP port 7" || return 1
    id=$(identity_of_child "${started[-1]}" qemu-system-x86_64) || { echo "$id"; return 1; }
    [ "$id" = "4242 4343 4343" ] || { echo "under sudo QEMU runs as '$id', want '4242 4343 4343'"; return 1; }
    echo_checks "$ns" || return 1
    stops_cleanly TERM "${started[-1]}" "$ns" || return 1
    SUDO_UID=4242 SUDO_GID=4343 run_kernel disk Tests/Apps/disk --disk "$image" -- --sectors 2048
    [ "$STATUS" = 0 ] || { echo "disk as uid 4242 exited $STATUS"; cat "$WORK/disk.log"; return 1; }
    expect_in disk "as the invoking user" && expect_in disk "wrote, flushed and read back 1048576 bytes"
}

test_kvm_echo_tcg_modern() {
    new_namespace ktcg || return 1
    local ns=$NS
    start_kernel echo "$ns" Examples/echo "listening on TCP and UDP port 7" --accel tcg --modern-virtio || return 1
    expect_in echo "virtio-net (virtio 1.x" || return 1
    echo_checks "$ns"
}

test_kvm_syn_flood() {
    # Issue 17: the echo kernel answers a legitimate client within 1 s under a SYN flood (common.sh).
    new_namespace kflood || return 1
    local ns=$NS
    start_kernel echo "$ns" Examples/echo "listening on TCP and UDP port 7" --memory-report || return 1
    syn_flood "$ns" echo kvm
}

test_kvm_vanishing_clients() {
    # Issue 17: clients that vanish and peers that never read are all gone within the echo's --idle.
    new_namespace kvanish || return 1
    local ns=$NS idle=20
    [ -n "$HOSTILE_FULL" ] && idle=150
    start_kernel echo "$ns" Examples/echo "listening on TCP and UDP port 7" --memory-report -- --idle $idle || return 1
    vanishing_clients "$ns" echo kvm $idle
}

# VNC (issue 25) from a kernel: the canvas test application's frame buffer, decoded by vncdotool with every
# encoding, pixel-exact; clicks and keys; two viewers; hostile input (Tests/Integration/vnc_peer.py).
test_kvm_vnc() {
    new_namespace kvnc || return 1
    local ns=$NS
    start_kernel canvas "$ns" Tests/Apps/canvas "canvas: VNC on port 5900" || return 1
    ip netns exec "$ns" /usr/bin/python3 Tests/Integration/vnc_peer.py capture 10.0.0.2 5900 5901 || return 1
    ip netns exec "$ns" /usr/bin/python3 Tests/Integration/vnc_peer.py interact 10.0.0.2 5900 5901 || return 1
    expect_in canvas "typed hello" || return 1
    ip netns exec "$ns" /usr/bin/python3 Tests/Integration/vnc_peer.py hostile 10.0.0.2 5900 5901 || return 1
    expect_in canvas "ClientCutText of 4294967295 over the limit of 65536"
}

# The dashboard example from a kernel, seen by a real viewer: TigerVNC's vncviewer under Xvfb (issue 25).
test_kvm_vnc_dashboard() {
    new_namespace kdash || return 1
    local ns=$NS
    start_kernel dashboard "$ns" Examples/dashboard "dashboard: VNC on" || return 1
    ip netns exec "$ns" /usr/bin/python3 Tests/Integration/vnc_peer.py tigervnc 10.0.0.2 5900 "$WORK/dashboard-tigervnc.png"
}

test_kvm_website() {
    # The website example unchanged, its site/ embedded in the image as the store.
    new_namespace kweb || return 1
    local ns=$NS
    # Issue 27: every response logged at debug on the serial console and to rsyslog (from the kernel's own UDP).
    syslog_start "$ns" website || return 1
    start_kernel website "$ns" Examples/website "serving on port 80" -- --port 80 --metrics-port 9100 \
        --log http=debug --syslog 10.0.0.1:5514 || return 1
    local app=${started[-1]}
    expect_in website "embedding" || return 1
    # Issue 27: the start-up line names the kernel's addresses, not 127.0.0.1.
    expect_in website "open http://10.0.0.2:80/ and http://[2001:db8::2]:80/" || return 1
    website_checks "$ns" 10.0.0.2 80 || return 1
    syslog_checks website website 10.0.0.2 http debug "GET / 200 " || return 1
    # Issue 22: the same checks over IPv6, with no more set-up than swiftlet run's own.
    ipv6_ready website || return 1
    website_checks "$ns" 2001:db8::2 80 || return 1
    metrics_checks "$ns" 2001:db8::2 website stack || return 1
    # The kernel reports itself: heap and boot times on the metrics port.
    [ "$(metric_value "$WORK/website-scrape2" swiftlet_heap_high_water_bytes)" -gt 0 ] || { echo "no heap high-water mark"; return 1; }
    grep -qE '^swiftlet_boot_seconds\{stage="main"\} 0\.[0-9]+$' "$WORK/website-scrape2" || { echo "no boot time"; grep boot "$WORK/website-scrape2"; return 1; }
    # SIGTERM to swiftlet run: a shutdown request on COM2, the kernel closes its connections and exits 0.
    shutdown_checks "$ns" 10.0.0.2 80 website "$app" "kernel: shutdown requested: closed "
}

test_kvm_website_disk() {
    # The same website with its files in a tar archive (GNU tar, links followed) on the virtio-blk disk.
    tar -chf "$WORK/site.tar" -C "$SITE" . || return 1
    new_namespace kwebdisk || return 1
    local ns=$NS
    start_kernel website-disk "$ns" Examples/website "serving on port 80" --disk "$WORK/site.tar" -- --port 80 || return 1
    expect_in website-disk "store: the tar archive on the disk" || return 1
    website_checks "$ns" 10.0.0.2 80
}

test_kvm_website_https() {
    # HTTPS from a kernel: the site and its .tls/ certificate and key in a tar archive on the disk.
    tls_site "$WORK/kvmtls" || return 1
    tar -chf "$WORK/tlssite.tar" -C "$WORK/kvmtls" . || return 1
    new_namespace kwebtls || return 1
    local ns=$NS
    start_kernel website-https "$ns" Examples/website "serving on port 80" --disk "$WORK/tlssite.tar" -- --port 80 --https-port 443 || return 1
    https_checks "$ns" 10.0.0.2 443 "$WORK/kvmtls/.tls/ca.pem"
}

test_kvm_website_browser() {
    # Issue 28: the website from a kernel as a person meets it. site-check.py fetches every page and every
    # link, stylesheet, image and #fragment they name (200, media types, Cache-Control, no Markdown, no
    # script) and validates the Atom feed; headless Chromium then loads each page, and any console message
    # fails the test; screenshots of the home page and the guide are compared with the stored ones
    # (Tests/Integration/Fixtures/site-*.png; SWIFTLET_UPDATE_SCREENSHOTS=1 stores new ones).
    if ! command -v chromium >/dev/null; then
        log "kvm-website-browser: SKIPPING: chromium is not installed (scripts/test installs it when run as root)"
        return 0
    fi
    new_namespace kbrowser || return 1
    local ns=$NS base=http://10.0.0.2 page shot path diff n=0 dir="$WORK/browser"
    start_kernel website-browser "$ns" Examples/website "serving on port 80" -- --port 80 || return 1
    ip netns exec "$ns" python3 Tests/Integration/site-check.py "$base/" "$WORK/pages" || return 1
    mkdir -p "$dir"
    local chrome=(ip netns exec "$ns" timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars
                  --user-data-dir="$dir/profile" --window-size=1280,1000)
    while read -r page; do
        "${chrome[@]}" --enable-logging=stderr --v=0 --dump-dom "$page" >"$dir/dom" 2>"$dir/log" </dev/null ||
            { echo "chromium failed on $page: $(grep -v dbus "$dir/log" | tail -3)"; return 1; }
        grep -q "</html>" "$dir/dom" || { echo "chromium made no document of $page"; return 1; }
        if grep -q ":CONSOLE" "$dir/log"; then echo "console messages on $page: $(grep ":CONSOLE" "$dir/log")"; return 1; fi
        n=$((n + 1))
    done <"$WORK/pages"
    [ "$n" -ge 20 ] || { echo "only $n pages found"; return 1; }
    log "website-browser: Chromium loaded $n pages from the kernel without a console message"
    for shot in home:/ guide:/GUIDE.html; do
        path=${shot#*:}; shot=${shot%%:*}
        rm -f "$dir/$shot.png"
        "${chrome[@]}" --screenshot="$dir/$shot.png" "$base$path" >/dev/null 2>&1 </dev/null
        [ -s "$dir/$shot.png" ] || { echo "no screenshot of $path"; return 1; }
        if [ -n "${SWIFTLET_UPDATE_SCREENSHOTS:-}" ]; then
            cp "$dir/$shot.png" "Tests/Integration/Fixtures/site-$shot.png" && log "website-browser: stored Tests/Integration/Fixtures/site-$shot.png"
            continue
        fi
        if ! diff=$(/usr/bin/python3 Tests/Integration/screenshot-compare.py "Tests/Integration/Fixtures/site-$shot.png" "$dir/$shot.png"); then
            cp "$dir/$shot.png" "/tmp/swiftlet-site-$shot.png"
            echo "$path looks different from Tests/Integration/Fixtures/site-$shot.png: $diff; the new one: /tmp/swiftlet-site-$shot.png (if the change is meant: SWIFTLET_UPDATE_SCREENSHOTS=1 Tests/Integration/kvm.sh kvm-website-browser)"
            return 1
        fi
        log "website-browser: $path differs from the stored screenshot by $diff"
    done
}

# The test's own Docker daemon (kvm-docker): stopped, its containers and data gone, whatever happened.
docker_down() {  # docker_down DIR PID
    local d=$1 pid=$2 left
    left=$(DOCKER_HOST="unix://$d/docker.sock" timeout 20 docker ps -aq 2>/dev/null)
    [ -n "$left" ] && DOCKER_HOST="unix://$d/docker.sock" timeout 30 docker rm -f $left >/dev/null 2>&1
    kill "$pid" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null
    # What the daemon mounted and left (its bind of the host's namespace, exec/netns/default, made for
    # --network host), deepest first.
    awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$d"
}

test_kvm_docker() {
    # Issue 28: `swiftlet package --docker` makes an image of the website kernel with QEMU and an entry
    # point; a Docker daemon of the test's own (its data in the test's folder, its bridge and iptables in
    # the test's namespace: a daemon already running here is not touched) loads it, runs it with -p, curl
    # gets the site through the container's port, docker stop shuts the kernel down cleanly (exit 0), and
    # nothing is left (container, image, the daemon's data).
    if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
        log "kvm-docker: SKIPPING: docker.io is not installed (scripts/test installs it when run as root)"
        return 0
    fi
    new_namespace kdocker || return 1
    local ns=$NS d="$WORK/docker" image=swiftlet-test-website:ci pid rc=0 out
    mkdir -p "$d"
    echo '{}' >"$d/daemon.json"  # not the machine's /etc/docker/daemon.json
    # The swiftlet OCI runtime, for the kernel-only image (docker_oci_checks), registered with this daemon only.
    out=$("$SWIFTLET" runtime --out "$WORK/swiftlet-runtime" 2>&1) || { echo "swiftlet runtime failed: $out"; return 1; }
    # nsenter, not ip netns exec: that one mounts a sysfs of its own, without the cgroup mount dockerd needs.
    # Its own containerd namespaces, in case dockerd finds a system containerd to use.
    spawn dockerd nsenter --net="/run/netns/$ns" dockerd --config-file "$d/daemon.json" --data-root "$d/data" \
        --exec-root "$d/exec" --pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" --storage-driver overlay2 \
        --exec-opt native.cgroupdriver=cgroupfs --containerd-namespace "swiftlet-test-$$" --containerd-plugins-namespace "swiftlet-test-plugins-$$" \
        --add-runtime swiftlet="$WORK/swiftlet-runtime"
    pid=${started[-1]}
    CLEANUP_HOOK="docker_down $d $pid"  # also if the suite is interrupted
    ( docker_checks "$ns" "$d" "$image" ) || rc=1  # a subshell: DOCKER_HOST stays there
    [ $rc = 0 ] && { ( docker_oci_checks "$ns" "$d" ) || rc=1; }
    CLEANUP_HOOK=
    docker_down "$d" "$pid"
    return $rc
}

docker_checks() {  # docker_checks NS DIR IMAGE
    local ns=$1 d=$2 image=$3 out size status i
    export DOCKER_HOST="unix://$d/docker.sock"
    for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "the test's dockerd did not start: $(tail -5 "$WORK/dockerd.log")"; return 1; }
    out=$("$SWIFTLET" package --docker --tag "$image" Examples/website 2>&1) || { echo "package failed: $out" | tail -20; return 1; }
    echo "$out" | grep -q "loaded into Docker as $image" || { echo "not loaded: $out" | tail -5; return 1; }
    size=$(docker image inspect -f '{{.Size}}' "$image") || return 1
    log "kvm-docker: the image is $((size / 1024)) KB (goal: at most 40 MB); the archive $(stat -c %s Examples/website/.swiftlet/docker/swiftlet-test-website_ci.tar) bytes"
    [ "$size" -le $((40 * 1024 * 1024)) ] || { echo "the image is over 40 MB"; return 1; }
    docker run -d --name swl-web --device /dev/kvm --device /dev/net/tun --cap-add NET_ADMIN -p 8080:8080 "$image" >/dev/null ||
        { echo "docker run failed"; return 1; }
    for i in $(seq 60); do ip netns exec "$ns" curl -sf --max-time 2 -o "$WORK/docker-index" http://127.0.0.1:8080/ && break; sleep 0.5; done
    cmp -s "$WORK/docker-index" "$SITE/index.html" || { echo "the page through -p differs: $(docker logs swl-web 2>&1 | tail -10)"; return 1; }
    ip netns exec "$ns" curl -sf --max-time 5 -o "$WORK/docker-guide" http://127.0.0.1:8080/GUIDE.html && cmp -s "$WORK/docker-guide" "$SITE/GUIDE.html" ||
        { echo "the guide through -p differs"; return 1; }
    docker logs swl-web 2>&1 | grep -q "booting\|serving on port 8080" || { echo "no console in docker logs: $(docker logs swl-web 2>&1 | tail -5)"; return 1; }
    docker stop -t 20 swl-web >/dev/null || return 1
    status=$(docker inspect -f '{{.State.ExitCode}}' swl-web)
    [ "$status" = 0 ] || { echo "docker stop: exit status $status: $(docker logs swl-web 2>&1 | tail -10)"; return 1; }
    docker logs swl-web 2>&1 | grep -q "kernel: shutdown requested" || { echo "no clean shutdown: $(docker logs swl-web 2>&1 | tail -10)"; return 1; }
    log "kvm-docker: docker stop: the kernel shut down cleanly, exit status 0"
    # What is missing is said, with status 125: /dev/kvm (the microvm build has no TCG), the tap's rights.
    out=$(docker run --rm --device /dev/net/tun --cap-add NET_ADMIN "$image" 2>&1); status=$?
    [ "$status" = 125 ] && echo "$out" | grep -q "docker run --device /dev/kvm" || { echo "without /dev/kvm: status $status: $out"; return 1; }
    out=$(docker run --rm --device /dev/kvm "$image" 2>&1); status=$?
    [ "$status" = 125 ] && echo "$out" | grep -q "\-\-device /dev/net/tun --cap-add NET_ADMIN" || { echo "without the tun device: status $status: $out"; return 1; }
    out=$(docker run --rm --device /dev/kvm --device /dev/net/tun "$image" 2>&1); status=$?
    [ "$status" = 125 ] && echo "$out" | grep -q "cap-add NET_ADMIN" || { echo "without NET_ADMIN: status $status: $out"; return 1; }
    log "kvm-docker: without /dev/kvm, /dev/net/tun or NET_ADMIN the container says what is missing (status 125)"
    # The kernel's exit code is the container's: read off the console with the microvm build (no
    # isa-debug-exit there), from QEMU's status with the full one, which also boots without /dev/kvm (TCG).
    "$SWIFTLET" package --docker --tag swiftlet-test-crash:micro Tests/Apps/crash -- --how status >/dev/null 2>&1 &&
        "$SWIFTLET" package --docker --qemu full --tag swiftlet-test-crash:full Tests/Apps/crash -- --how status >/dev/null 2>&1 ||
        { echo "packaging the crash kernel failed"; return 1; }
    timeout 120 docker run --rm --device /dev/kvm swiftlet-test-crash:micro >"$WORK/docker-crash.log" 2>&1; status=$?
    [ "$status" = 7 ] || { echo "the microvm image exited $status, want 7: $(tail -5 "$WORK/docker-crash.log")"; return 1; }
    timeout 300 docker run --rm swiftlet-test-crash:full >"$WORK/docker-crash-tcg.log" 2>&1; status=$?
    [ "$status" = 7 ] && grep -q "booting with TCG" "$WORK/docker-crash-tcg.log" ||
        { echo "the full image without /dev/kvm exited $status: $(tail -5 "$WORK/docker-crash-tcg.log")"; return 1; }
    log "kvm-docker: the kernel's status 7 is the container's, with the microvm build (console) and the full one under TCG; full image $(( $(docker image inspect -f '{{.Size}}' swiftlet-test-crash:full) / 1024 )) KB"
    docker rmi swiftlet-test-crash:micro swiftlet-test-crash:full >/dev/null || return 1
    docker rm swl-web >/dev/null && docker rmi "$image" >/dev/null || return 1
    [ -z "$(docker ps -aq)" ] && [ -z "$(docker images -q)" ] || { echo "containers or images left"; return 1; }
}

docker_oci_checks() {  # docker_oci_checks NS DIR
    # Issue 28, part 2: the kernel-only image (swiftlet package --oci) run by the swiftlet OCI runtime.
    local ns=$1 d=$2 image=swiftlet-test-website:oci out status size archive id qemu state
    export DOCKER_HOST="unix://$d/docker.sock"
    out=$("$SWIFTLET" package --oci --tag "$image" Examples/website 2>&1) || { echo "package --oci failed: $out" | tail -20; return 1; }
    echo "$out" | grep -q "loaded into Docker as $image" || { echo "not loaded: $out" | tail -5; return 1; }
    archive=$(stat -c %s Examples/website/.swiftlet/docker/swiftlet-test-website_oci.tar) || return 1
    size=$(docker image inspect -f '{{.Size}}' "$image") || return 1
    log "kvm-docker: the kernel-only image: archive $((archive / 1024)) KB (goal: at most 1 MB), $((size / 1024)) KB unpacked (the kernel)"
    # Its only layer is the kernel; the OCI layout in the archive carries the configuration as annotations.
    [ "$(docker image inspect -f '{{len .RootFS.Layers}}' "$image")" = 1 ] || { echo "more than one layer"; return 1; }
    tar -xOf Examples/website/.swiftlet/docker/swiftlet-test-website_oci.tar index.json | grep -q '"io.containerd.image.name":"'"$image"'"' ||
        { echo "no OCI index naming the image"; return 1; }
    docker run -d --name swl-oci --runtime swiftlet --memory 512m -p 8080:8080 "$image" >/dev/null || { echo "docker run --runtime swiftlet failed"; return 1; }
    for i in $(seq 60); do ip netns exec "$ns" curl -sf --max-time 2 -o "$WORK/oci-index" http://127.0.0.1:8080/ && break; sleep 0.5; done
    cmp -s "$WORK/oci-index" "$SITE/index.html" || { echo "the page from the runtime's kernel differs: $(docker logs swl-oci 2>&1 | tail -10)"; return 1; }
    ip netns exec "$ns" curl -sf --max-time 5 -o "$WORK/oci-guide" http://127.0.0.1:8080/GUIDE.html && cmp -s "$WORK/oci-guide" "$SITE/GUIDE.html" ||
        { echo "GUIDE.html from the runtime's kernel differs"; return 1; }
    # The runtime's own view (state), QEMU among the container's processes (ps, through docker top), and
    # what it refuses: exec into a kernel.
    id=$(docker inspect -f '{{.Id}}' swl-oci)
    state=$(ls -d "$d"/exec/runtime-runc/*/"$id") || { echo "no runtime state for $id in $d/exec/runtime-runc"; return 1; }
    out=$("$WORK/swiftlet-runtime" --root "$(dirname "$state")" state "$id") || { echo "runtime state failed: $out"; return 1; }
    echo "$out" | grep -q '"status":"running"' || { echo "runtime state: $out"; return 1; }
    qemu=$(docker top swl-oci -o pid,comm | awk '$2 ~ /qemu/ {print $1}')
    [ -n "$qemu" ] || { echo "no QEMU in docker top: $(docker top swl-oci 2>&1)"; return 1; }
    [ "$(stat -c %u "/proc/$qemu")" = 65534 ] || { echo "QEMU (pid $qemu) is not running as nobody"; return 1; }
    [ "$(readlink "/proc/$qemu/root")" = "$state" ] || { echo "QEMU is not chrooted into the state folder: $(readlink "/proc/$qemu/root")"; return 1; }
    # QEMU in the container's cgroups, under Docker's limit (cgroup v1 here), and counted by docker stats.
    local group=/sys/fs/cgroup/memory/docker/$id
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        log "kvm-docker: cgroup v2 here: the runtime does not join the container's cgroups (its warning says so); not checked"
    else
        grep -q ":memory:/docker/$id\$" "/proc/$qemu/cgroup" || { echo "QEMU is not in the container's memory cgroup: $(cat "/proc/$qemu/cgroup")"; return 1; }
        [ "$(cat "$group/memory.limit_in_bytes")" = 536870912 ] || { echo "--memory 512m: the limit is $(cat "$group/memory.limit_in_bytes")"; return 1; }
        out=$(docker stats --no-stream --format '{{.MemUsage}}' swl-oci)
        case "$out" in [1-9]*MiB*) ;; *) echo "docker stats does not count QEMU: $out"; return 1 ;; esac
        log "kvm-docker: QEMU in the container's cgroups: --memory 512m applied, docker stats says $out"
    fi
    out=$(docker exec swl-oci ls 2>&1) && { echo "docker exec into a kernel succeeded: $out"; return 1; }
    echo "$out" | grep -q "exec is not supported by the swiftlet runtime" || { echo "docker exec: $out"; return 1; }
    docker stop -t 20 swl-oci >/dev/null || return 1
    status=$(docker inspect -f '{{.State.ExitCode}}' swl-oci)
    [ "$status" = 0 ] && docker logs swl-oci 2>&1 | grep -q "kernel: shutdown requested" ||
        { echo "docker stop: exit status $status: $(docker logs swl-oci 2>&1 | tail -10)"; return 1; }
    ! kill -0 "$qemu" 2>/dev/null || { echo "QEMU (pid $qemu) outlived its container"; return 1; }
    docker rm swl-oci >/dev/null || return 1
    [ ! -e "$state" ] || { echo "the runtime's state of $id was left"; return 1; }
    [ ! -e "$group" ] || { echo "the container's cgroup $group was left"; return 1; }
    log "kvm-docker: --runtime swiftlet served the site through -p; docker stop: clean shutdown, exit status 0, QEMU gone"
    # The kernel's exit status is the container's; what the runtime refuses, it says.
    "$SWIFTLET" package --oci --tag swiftlet-test-crash:oci Tests/Apps/crash -- --how status >/dev/null 2>&1 || { echo "package --oci crash failed"; return 1; }
    timeout 120 docker run --rm --runtime swiftlet swiftlet-test-crash:oci >"$WORK/oci-crash.log" 2>&1; status=$?
    [ "$status" = 7 ] || { echo "the crash kernel exited $status under the runtime, want 7: $(tail -5 "$WORK/oci-crash.log")"; return 1; }
    # With a terminal (docker run -t): the runtime hands containerd a pseudo-terminal through the console socket.
    timeout 120 docker run --rm -t --runtime swiftlet swiftlet-test-crash:oci >"$WORK/oci-crash-tty.log" 2>&1; status=$?
    [ "$status" = 7 ] && grep -q "crash: about to fail" "$WORK/oci-crash-tty.log" ||
        { echo "with -t: status $status: $(tail -5 "$WORK/oci-crash-tty.log")"; return 1; }
    # docker kill: SIGKILL to the container's process, and the runtime ends QEMU too (whose -runas cleared
    # its parent-death signal); nothing of it left.
    docker run -d --name swl-kill --runtime swiftlet "$image" >/dev/null || { echo "docker run (to kill) failed"; return 1; }
    for i in $(seq 40); do qemu=$(docker top swl-kill -o pid,comm 2>/dev/null | awk '$2 ~ /qemu/ {print $1}'); [ -n "$qemu" ] && break; sleep 0.25; done
    [ -n "$qemu" ] || { echo "no QEMU in the container to kill"; return 1; }
    id=$(docker inspect -f '{{.Id}}' swl-kill)
    docker kill swl-kill >/dev/null || return 1
    for i in $(seq 40); do kill -0 "$qemu" 2>/dev/null || break; sleep 0.25; done
    ! kill -0 "$qemu" 2>/dev/null || { echo "QEMU (pid $qemu) outlived docker kill"; return 1; }
    [ "$(docker inspect -f '{{.State.ExitCode}}' swl-kill)" = 137 ] || { echo "docker kill: status $(docker inspect -f '{{.State.ExitCode}}' swl-kill)"; return 1; }
    docker rm swl-kill >/dev/null || return 1
    [ -z "$(ls -d /sys/fs/cgroup/*/docker/"$id" 2>/dev/null)" ] || { echo "docker kill left cgroups: $(ls -d /sys/fs/cgroup/*/docker/"$id")"; return 1; }
    if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
        out=$(docker run --rm --runtime swiftlet --memory 128m "$image" 2>&1) && { echo "--memory 128m (below the machine's 256 MB) was not refused"; return 1; }
        echo "$out" | grep -q "is less than the machine's 256 MB" || { echo "--memory 128m: $out"; return 1; }
    fi
    out=$(docker run --rm --runtime swiftlet --network host "$image" 2>&1) && { echo "--network host was not refused"; return 1; }
    echo "$out" | grep -q "needs the container's own network namespace" || { echo "--network host: $out"; return 1; }
    out=$(docker run --rm --runtime swiftlet -e SWIFTLET_CONFIG="$(printf 'arg q\narg -drive\narg file=/etc/shadow')" "$image" 2>&1) &&
        { echo "a QEMU argument outside the runtime's list was accepted"; return 1; }
    echo "$out" | grep -q "the image's QEMU argument -drive file=/etc/shadow is not one the swiftlet runtime allows" || { echo "-drive: $out"; return 1; }
    docker rmi "$image" swiftlet-test-crash:oci >/dev/null || return 1
    [ -z "$(docker ps -aq)" ] && [ -z "$(docker images -q)" ] && [ -z "$(ls -A "$(dirname "$state")")" ] ||
        { echo "containers, images or runtime state left"; return 1; }
    log "kvm-docker: the crash kernel's status 7 is the container's under the runtime, with and without -t; docker kill ends QEMU (status 137); too little --memory, --network host and a foreign QEMU argument refused"
}

test_kvm_dns_dnssec() {
    # The dns example with the signed zones embedded (a copy of the example whose zones/ holds them: the
    # kvm store is embedded only), validated by unbound in the kernel's namespace.
    dnssec_zones "$WORK/dnssec" || return 1
    local app="$WORK/dns-signed"
    mkdir -p "$app" && cp Examples/dns/*.swift "$app/" && cp -r "$WORK/dnssec/zones" "$app/zones" || return 1
    new_namespace kdnssec || return 1
    local ns=$NS
    start_kernel dns-dnssec "$ns" "$app" "on UDP and TCP port 53" || return 1
    start_unbound "$ns" "$WORK/dnssec" 10.0.0.2 53 || return 1
    dnssec_checks "$ns" 10.0.0.2 53
}

test_kvm_dns() {
    # The dns example unchanged on kvm, its zone embedded in the image; dig over UDP and TCP.
    new_namespace kdns || return 1
    local ns=$NS
    start_kernel dns "$ns" Examples/dns "on UDP and TCP port 53" || return 1
    dns_checks "$ns" 10.0.0.2 53 || return 1
    ipv6_ready dns || return 1
    dns_checks "$ns" 2001:db8::2 53 || return 1
    start_nsd "$ns" Examples/dns/zones 5301 || return 1
    compare_with_nsd "$ns" 10.0.0.2 53 5301 || return 1
    # What keeps the image small (docs/ARCHITECTURE.md, "Kernel size"): no Unicode tables (names, keys
    # and keywords are compared as bytes) and no tar reader or virtio-blk store (the store is embedded
    # only); and --disk is refused for it with the manifest line that would allow it.
    local elf=Examples/dns/.swiftlet/kvm/dns.elf
    if nm "$elf" | grep -E '_swift_stdlib_(nfd|nfc|mappings|graphemeBreak)|TarStore'; then
        echo "the dns kernel links Unicode tables or the tar store (above)"; return 1
    fi
    # The goal for the dns image was at most 400 KB (KiB, as `swiftlet build` prints sizes). Issue 18's loss
    # recovery (RACK, PRR, F-RTO, per-segment records) took it from 409,232 to 417,424 bytes.
    local size
    # Issue 21's goal: at most 450 KB (460,800 bytes) with every record type, DNSSEC answers, zone
    # transfers, RRL and cookies. Met on 2026-12-06 at 449,424 bytes: link-time optimisation, zones compiled
    # at build time, and log and error texts built by concatenation instead of interpolation.
    # Issue 22's IPv6 (neighbour discovery, SLAAC, MLD, ICMPv6; the stack speaks it by default) took it to
    # 503,296 bytes; TCP and UDP over IPv6, path MTU, reassembly and fragmentation to 528,192. The bound is
    # 520 KB (532,480 bytes) then. Issue 27's logging (levels per source, the console and RFC 5424 syslog
    # reporters, --log and --syslog on every application), the metrics port (MetricsEndpoint, the stack's
    # figures, DNS counts by type and RCODE) took it from 532,336 to 577,776 bytes; the clean stop (COM2,
    # closing every connection) and the kernel's own metrics (heap, boot times) to 586,032. Waking parked
    # tasks by the socket they wait on (issue 26: a table of waiters by socket, the stack's touched list)
    # took it to 598,416. Issue 18's BBR (its model, delivery-rate samples, pacing) and `--tcp` to 610,736.
    # Issue 23's virtio-net offloads (mergeable receive buffers, segment trains, `--offload`) to 618,928:
    # the bound is 608 KB (622,592 bytes), and the IPv6 side and the argument parser (10 KB) are what to
    # shrink next.
    size=$(stat -c %s Examples/dns/.swiftlet/kvm/dns.kernel)
    log "dns kernel: $size bytes (bound 608 KB: 622592 bytes; 449,424 before IPv6, 532,336 before logging and metrics)"
    [ "$size" -le 622592 ] || { echo "the dns kernel is $size bytes, over 608 KB (622,592 bytes)"; return 1; }
    local out
    out=$($SWIFTLET run --target kvm --disk "$elf" Examples/dns 2>&1) && { echo "--disk was accepted"; return 1; }
    grep -qF 'store("zones", disk: true)' <<<"$out" || { echo "unexpected: $out"; return 1; }
    # The zones are compiled by the build (compileZones): the kernel has no zone-file parser, and a broken
    # zone stops `swiftlet build` naming its file and line.
    # (The parser's entry and its field reader; a merged array specialisation may carry ZoneFile.Token's name.)
    if nm "$elf" | grep -E '8ZoneFileO5parse|11RDataReaderV'; then echo "the dns kernel links the zone-file parser (above)"; return 1; fi
    rm -rf "$WORK/dns-broken" && cp -r Examples/dns "$WORK/dns-broken" && rm -rf "$WORK/dns-broken/.swiftlet"
    printf 'www A 192.0.2.999\n' >>"$WORK/dns-broken/zones/example.test.zone"
    local lines
    lines=$(wc -l <"$WORK/dns-broken/zones/example.test.zone")
    out=$($SWIFTLET build --target kvm "$WORK/dns-broken" 2>&1) && { echo "a broken zone was built"; return 1; }
    grep -qF "example.test.zone:$lines:" <<<"$out" || { echo "the build's error does not name the file and line $lines: $out"; return 1; }
}

# A copy of the dns example whose zones/ holds the zone of every type instead of example.test (the kvm
# store is embedded only): $WORK/dns-every, made once per run; sets EVERY_NAMES and EVERY_TYPES.
every_type_kernel() {
    every_type_zone "$WORK/every" || return 1
    local app="$WORK/dns-every"
    [ -d "$app" ] && return 0
    mkdir -p "$app/zones" && cp Examples/dns/*.swift "$app/" && cp "$WORK/every/every.test.zone" "$app/zones/" || return 1
}

test_kvm_dns_every_type() {
    # Issue 21: the zone of every record type embedded in the dns kernel, every name asked for every type
    # as in hosted.sh's unix-dns-every-type, answered as NSD answers (NSD in the kernel's namespace).
    every_type_kernel || return 1
    new_namespace kevery || return 1
    local ns=$NS
    start_kernel dns-every "$ns" "$WORK/dns-every" "serving every.test. on UDP and TCP port 53" -- --rrl-rate 0 || return 1
    start_nsd "$ns" "$WORK/every" 5301 || return 1
    compare_with_nsd "$ns" 10.0.0.2 53 5301 "$EVERY_TYPES" "$EVERY_NAMES" "+edns +noedns +dnssec"
}

test_kvm_dns_transfers() {
    # Issue 21, AXFR both ways with NSD from a kernel. NSD listens on 10.0.0.1 (the host side of the tap)
    # besides 127.0.0.1, where the comparisons ask it.
    # 1. The dns kernel as primary of example.test: NSD, its secondary, is sent a NOTIFY and transfers
    #    the zone; the answers of both agree, and the kernel's AXFR is the zone as NSD sends it.
    new_namespace kxfr || return 1
    local ns=$NS
    start_kernel dns-primary "$ns" Examples/dns "on UDP and TCP port 53" -- --allow-transfer 10.0.0.1 --notify 10.0.0.1:5302 || return 1
    start_nsd_secondary "$ns" 5302 10.0.0.2@53 10.0.0.1 || return 1
    wait_for dns-primary 20 "NOTIFY example.test. to 10.0.0.1:5302: answered" || return 1
    # ANY aside: it gets one RRset (RFC 8482), and which one NSD picks depends on the order it loaded them.
    compare_with_nsd "$ns" 10.0.0.2 53 5302 "A AAAA NS CNAME SOA PTR MX TXT SRV" || return 1
    start_nsd "$ns" Examples/dns/zones 5301 $'  provide-xfr: 127.0.0.1 NOKEY\n' || return 1
    local ours theirs
    ours=$(ip netns exec "$ns" dig @10.0.0.2 +time=3 +tries=1 example.test AXFR | grep -vE '^;|^$' | sort)
    theirs=$(ip netns exec "$ns" dig @127.0.0.1 -p 5301 +time=3 +tries=1 example.test AXFR | grep -vE '^;|^$' | sort)
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] || { echo "AXFR differs:"; diff <(echo "$ours") <(echo "$theirs"); return 1; }
    log "AXFR from the kernel: $(echo "$ours" | wc -l) records, as NSD sends them"
    # The primary kernel ends (its tap, and 10.0.0.1 with it, gone); NSD stays bound to 10.0.0.1, which the
    # next kernel's tap brings back.
    kill "${started[0]}"
    for _ in $(seq 50); do ip netns exec "$ns" ip link show swl0 >/dev/null 2>&1 || break; sleep 0.1; done
    ip netns exec "$ns" ip link show swl0 >/dev/null 2>&1 && { echo "the primary kernel's tap is still there"; return 1; }
    # 2. The dns kernel as secondary of NSD for the zone of every type (its own example.test beside it):
    #    the zone comes by AXFR, every record type through the kernel's transfer reader, and the answers
    #    agree with NSD's for every name and type. The kernel retries every 5 s until NSD is up.
    every_type_zone "$WORK/every" || return 1
    start_kernel dns-secondary "$ns" Examples/dns "on UDP and TCP port 53" -- --secondary every.test=10.0.0.1:5303 --rrl-rate 0 || return 1
    start_nsd "$ns" "$WORK/every" 5303 $'  provide-xfr: 10.0.0.2 NOKEY\n' 10.0.0.1 || return 1
    wait_for dns-secondary 30 "transferred from 10.0.0.1:5303" || return 1
    compare_with_nsd "$ns" 10.0.0.2 53 5303 "$EVERY_TYPES" "$EVERY_NAMES" "+edns +noedns +dnssec" || return 1
    # A secondary allows no one a transfer unless told (--allow-transfer).
    ip netns exec "$ns" dig @10.0.0.2 +time=3 +tries=1 every.test AXFR | grep -qE "Transfer failed|REFUSED" || { echo "AXFR not refused"; return 1; }
    log "AXFR both ways with NSD from the dns kernel"
}

test_kvm_new_project() {
    # swiftlet new outside the checkout, run as a kernel with --port: the page through 127.0.0.1:8097 in
    # the namespace; SIGINT removes the tap and leaves no process.
    new_website_project mykernel || return 1
    # A 12 MB file in the store: the image then reaches past the 8 MiB the boot maps before ring 3 maps
    # the rest (the store's segment comes after everything the boot touches: kernel.ld).
    head -c 12000000 /dev/urandom >"$NEW_PROJECT/site/big.bin"
    new_namespace knew || return 1
    local ns=$NS
    start_kernel new "$ns" "$NEW_PROJECT" "serving on port 8080" --port 8097:8080 || return 1
    forwarded_page "$ns" 8097 || return 1
    ip netns exec "$ns" curl -s --max-time 30 -o "$WORK/big.bin" "http://127.0.0.1:8097/big.bin" || { echo "GET big.bin failed"; return 1; }
    cmp -s "$WORK/big.bin" "$NEW_PROJECT/site/big.bin" || { echo "big.bin differs"; return 1; }
    stops_cleanly INT "${started[-1]}" "$ns"
}

test_kvm_readme() {
    # The README as a new user follows it, from a fresh clone of this commit in a temporary folder (its own
    # .build: the tool and the website are built from nothing): the first set-up command (builds the tool,
    # serves the website on the unix target), then `swiftlet new` and that project as a kernel with --port
    # (with SWIFTLET_ROOT at this checkout, whose kernel module cache kvm.sh has built from nothing already:
    # compiling it again in the clone cost this test about two of its five minutes); each page
    # fetched with curl, each run stopped by SIGINT with nothing left behind. In a namespace of its own, so
    # that port 8080 is free whatever the machine runs.
    local fresh="$WORK/fresh" first tool
    git clone -q "$ROOT" "$fresh" || { echo "git clone of $ROOT failed"; return 1; }
    first=$(grep -m1 -oE '^swift run -c release swiftlet run Examples/website' "$fresh/README.md") \
        || { echo "the README's first command is no longer 'swift run -c release swiftlet run Examples/website': update this test"; return 1; }
    new_namespace kreadme || return 1
    local ns=$NS
    spawn readme-website ip netns exec "$ns" bash -c "cd '$fresh' && exec $first"
    wait_for readme-website 1200 "open http://127.0.0.1:8080/" || return 1
    ip netns exec "$ns" curl -sf --max-time 10 http://127.0.0.1:8080/ | cmp -s - "$fresh/Examples/website/.swiftlet/site/index.html" \
        || { echo "the website's index differs"; return 1; }
    ip netns exec "$ns" curl -sf --max-time 10 http://127.0.0.1:8080/GUIDE.html | cmp -s - "$fresh/Examples/website/.swiftlet/site/GUIDE.html" \
        || { echo "the guide differs"; return 1; }
    stops_cleanly INT "${started[-1]}" "$ns" || return 1
    # README: swiftlet new mysite --template website; sudo swiftlet run --target kvm --port 8081:8080 mysite
    tool="$fresh/.build/release/swiftlet"
    (cd "$WORK" && "$tool" new mysite --template website >/dev/null 2>&1) || { echo "swiftlet new failed"; return 1; }
    spawn readme-kernel ip netns exec "$ns" env SWIFTLET_ROOT="$ROOT" "$tool" run --target kvm --port 8081:8080 "$WORK/mysite"
    wait_for readme-kernel 900 "serving on port 8080" || return 1
    ip netns exec "$ns" curl -sf --max-time 10 http://127.0.0.1:8081/ | cmp -s - "$WORK/mysite/.swiftlet/site/index.html" \
        || { echo "the kernel's index through --port differs"; return 1; }
    stops_cleanly INT "${started[-1]}" "$ns" || return 1
    pgrep -f "$fresh/" >/dev/null && { echo "a process of the fresh clone outlived its run"; return 1; }
    return 0
}

test_kvm_bulk() {
    new_namespace kbulk || return 1
    local ns=$NS
    start_kernel bulk "$ns" Tests/Apps/bulk "sink on 5001" || return 1
    bulk_transfer "$ns" 10.0.0.2 || return 1
    # Issue 22: the same each way over IPv6.
    ipv6_ready bulk || return 1
    bulk_transfer "$ns" 2001:db8::2
}

# Issue 23: the offloads (--offload) each way: none, rx-csum alone, tx-tso alone, and all, over IPv4 and
# IPv6. The data arrive whole and in order every time (the sink checks the pattern, the receiver its
# digest); the kernel's line names what it negotiated; and a packet socket on the tap sees frames over
# 1,514 bytes toward the kernel only with rx-tso (QEMU turns the tap's offloads on only for a guest that
# accepted them) and from it only with tx-tso (trains of segments the host cuts). Linux takes such a
# frame's checksum on trust when it delivers it locally, so the capture checks each train's lengths, IPv4
# header checksum and pseudo-header checksum field itself.
test_kvm_offloads() {
    new_namespace koff || return 1
    local ns=$NS spec shown big_in big_out bad BULK_BYTES=20000000
    for spec in none rx-csum tx-tso all; do
        start_kernel "off-$spec" "$ns" Tests/Apps/bulk "sink on 5001" --offload "$spec" || return 1
        shown=$spec
        [ "$spec" = all ] && shown=rx-csum,rx-tso,tx-tso
        expect_in "off-$spec" "offloads $shown)" || return 1
        ipv6_ready "off-$spec" || return 1
        ip netns exec "$ns" python3 - swl0 10 >"$WORK/off-$spec.frames" <<'PY' &
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
s.bind((sys.argv[1], 0))
s.settimeout(0.2)
def fold(x):
    while x > 0xFFFF: x = (x & 0xFFFF) + (x >> 16)
    return x
def words(b): return sum(struct.unpack("!%dH" % (len(b) // 2), b))
# A train from the kernel reaches the host whole, its TCP checksum left to compute: the field must hold
# the folded pseudo-header sum over the whole segment's length, and the lengths and the IPv4 header's
# checksum must be those of the whole frame.
def train_ok(d):
    if d[12:14] == b"\x08\x00":
        ihl = (d[14] & 15) * 4
        if struct.unpack("!H", d[16:18])[0] != len(d) - 14 or fold(words(d[14:14 + ihl])) != 0xFFFF: return False
        tcp, pseudo = 14 + ihl, words(d[26:34])
    else:
        if struct.unpack("!H", d[18:20])[0] != len(d) - 54: return False
        tcp, pseudo = 54, words(d[22:54])
    return struct.unpack("!H", d[tcp + 16:tcp + 18])[0] == fold(pseudo + 6 + len(d) - tcp)
end, toward, from_kernel, bad = time.monotonic() + float(sys.argv[2]), 0, 0, 0
while time.monotonic() < end:
    try:
        data, address = s.recvfrom(70000)
    except socket.timeout:
        continue
    if len(data) > 1514:
        if address[2] == socket.PACKET_OUTGOING: toward += 1
        else:
            from_kernel += 1
            bad += not train_ok(data)
print(toward, from_kernel, bad)
PY
        local capture=$!
        sleep 0.5
        bulk_transfer "$ns" 10.0.0.2 || return 1
        bulk_transfer "$ns" 2001:db8::2 || return 1
        wait "$capture"
        read -r big_in big_out bad <"$WORK/off-$spec.frames"
        log "offload $spec: frames over 1514 bytes: $big_in toward the kernel, $big_out from it ($bad with wrong lengths or checksum fields)"
        [ "$bad" = 0 ] || { echo "offload $spec: $bad trains from the kernel had wrong lengths or checksum fields"; return 1; }
        case $spec in
        all) [ "$big_in" -gt 0 ] && [ "$big_out" -gt 0 ] ;;
        tx-tso) [ "$big_in" = 0 ] && [ "$big_out" -gt 0 ] ;;
        *) [ "$big_in" = 0 ] && [ "$big_out" = 0 ] ;;
        esac || { echo "offload $spec: unexpected frame sizes ($big_in in, $big_out out over 1514 bytes)"; return 1; }
        stops_cleanly INT "${started[-1]}" "$ns" || return 1
    done
}

test_kvm_idle() {
    # An idle kernel halts in the yield gate: QEMU's CPU time over a few idle seconds stays near zero.
    new_namespace kidle || return 1
    local ns=$NS
    start_kernel idle "$ns" Examples/echo "listening on TCP and UDP port 7" || return 1
    local qemu
    qemu=$(pgrep -P "${started[-1]}" -f qemu-system-x86_64 | head -1)
    [ -n "$qemu" ] || { echo "no QEMU process under swiftlet run"; return 1; }
    sleep 1
    local before after ticks
    before=$(awk '{ print $14 + $15 }' "/proc/$qemu/stat")
    sleep 4
    after=$(awk '{ print $14 + $15 }' "/proc/$qemu/stat")
    ticks=$(getconf CLK_TCK)
    local percent
    percent=$(awk "BEGIN { printf \"%.2f\", ($after - $before) * 100 / $ticks / 4 }")
    log "idle kernel: QEMU used $percent% of a core over 4 s"
    awk "BEGIN { exit !($percent < 5) }" || { echo "idle QEMU used $percent% of a core (want < 5%)"; return 1; }
}

qemu_accel() {  # the accelerator flags swiftlet run would pick, for tests that start QEMU themselves
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "-accel kvm -cpu host,-arch-capabilities"
    else echo "-accel tcg -cpu max"; fi
}

test_kvm_firecracker_layout() {
    # The machine as Firecracker presents it, reproduced with QEMU (Firecracker is not installable here):
    # one I/O APIC, with the transports' IRQs from 5 up (microvm's ioapic2=off; Firecracker's start at
    # 5 too), virtio 1.x transports, the devices named only by virtio_mmio.device= words that the monitor
    # appends after the application's arguments (microvm writes them when acpi=off), no isa-debug-exit.
    # The kernel has to take the transport and its IRQ from the command line: GSI 24 + slot, where it
    # looks by default, does not exist on this machine. QEMU is started by hand, as the guide shows.
    new_namespace kfc || return 1
    local ns=$NS
    make_tap "$ns" fc0 10.0.0.1/24 || return 1
    # shellcheck disable=SC2046
    spawn fc ip netns exec "$ns" qemu-system-x86_64 -M microvm,acpi=off,ioapic2=off -m 128M -nodefaults \
        -no-user-config -no-reboot -display none -monitor none -serial stdio $(qemu_accel) \
        -global virtio-mmio.force-legacy=false \
        -netdev tap,id=net0,ifname=fc0,script=no,downscript=no -device virtio-net-device,netdev=net0 \
        -kernel Examples/echo/.swiftlet/kvm/echo.kernel -append "--ipv4 10.0.0.2/24 -- --port 7"
    wait_for fc 120 "listening on TCP and UDP port 7" || { tail -5 "$WORK/fc.log"; return 1; }
    expect_in fc "virtio-net (virtio 1.x, GSI 12, offloads " || return 1
    echo_checks "$ns" || return 1
    kill "${started[-1]}"
    # Two devices named on the command line, a disk first: the disk app writes, flushes and reads back
    # through virtio-blk with its interrupt on the first I/O APIC (isa-debug-exit added to get its status).
    local image=$WORK/fc-disk.img status
    python3 -c "import sys; open(sys.argv[1], 'wb').write(b'swiftlet-disk-test'.ljust(16 << 20, b'\0'))" "$image"
    # shellcheck disable=SC2046
    timeout 120 qemu-system-x86_64 -M microvm,acpi=off,ioapic2=off -m 128M -nodefaults -no-user-config \
        -no-reboot -display none -monitor none -serial stdio $(qemu_accel) -global virtio-mmio.force-legacy=false \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -drive id=disk0,file="$image",format=raw,if=none -device virtio-blk-device,drive=disk0 \
        -netdev user,id=net0,restrict=on -device virtio-net-device,netdev=net0 \
        -kernel Tests/Apps/disk/.swiftlet/kvm/disk.kernel -append "-- --sectors 2048" >"$WORK/fcdisk.log" 2>&1
    status=$?
    [ "$status" = 33 ] || { echo "the disk kernel on Firecracker's layout: QEMU exited $status, want 33 (status 0)"; tail -5 "$WORK/fcdisk.log"; return 1; }
    expect_in fcdisk "wrote, flushed and read back 1048576 bytes" && expect_in fcdisk "virtio-blk (virtio 1.x, GSI" || return 1
    # A malformed device word is one line and status 2, before any device is touched.
    run_kernel badmmio Examples/hello -- virtio_mmio.device=4K@0xd0000000
    [ "$STATUS" = 2 ] || { echo "a malformed virtio_mmio.device= exited $STATUS, want 2"; return 1; }
    expect_in badmmio "'virtio_mmio.device=4K@0xd0000000' is not SIZE@BASE:IRQ"
}

test_kvm_exit_without_debug_exit() {
    # Without isa-debug-exit (Firecracker has none) the kernel prints its status and resets through the
    # i8042, which ends Firecracker's VM; QEMU's pc machine has an i8042, and -no-reboot makes the reset
    # QEMU's exit. (The kernel boots on pc as on microvm: PVH through QEMU's option ROM.)
    # shellcheck disable=SC2046
    timeout 120 qemu-system-x86_64 -M pc -m 128M -nodefaults -no-user-config -no-reboot -display none \
        -monitor none -serial stdio $(qemu_accel) -kernel Examples/hello/.swiftlet/kvm/hello.kernel \
        >"$WORK/i8042.log" 2>&1
    local status=$?
    [ "$status" = 0 ] || { echo "QEMU exited $status (124: the kernel did not end the VM)"; tail -5 "$WORK/i8042.log"; return 1; }
    expect_in i8042 "goodbye" && expect_in i8042 "kernel: exit 0 (no isa-debug-exit device at 0xf4"
}

test_kvm_libvirt() {
    # docs/deploy/libvirt-echo.xml, as the guide tells a user to use it, run by libvirt's QEMU driver:
    # libvirt starts QEMU's microvm, which names the virtio-mmio device on the kernel command line, and
    # the echo kernel answers on the domain's tap. The test starts its own libvirtd (in the namespace it
    # creates, listening on a socket in $WORK) and virtlogd if none runs, and ends them by PID.
    local tool
    for tool in libvirtd virtlogd virsh; do
        command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install libvirt-daemon-driver-qemu libvirt-daemon libvirt-clients)"; return 1; }
    done
    if pgrep -x libvirtd >/dev/null; then echo "a libvirtd runs already; this test runs its own in a namespace: stop that one first"; return 1; fi
    # Debian's libvirt-daemon-system package creates this account; the QEMU driver does not start without it.
    getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home --user-group libvirt-qemu || return 1
    new_namespace klv || return 1
    local ns=$NS dir=$WORK/libvirt
    mkdir -p "$dir"
    chmod 755 "$WORK" "$dir"   # QEMU may run as libvirt-qemu: it writes the console log here
    make_tap "$ns" lv0 10.0.0.1/24 || return 1
    if [ ! -S /run/libvirt/virtlogd-sock ]; then
        printf 'log_outputs = "3:file:%s/virtlogd.log"\n' "$dir" >"$dir/virtlogd.conf"
        virtlogd -d -f "$dir/virtlogd.conf" -p "$dir/virtlogd.pid" || return 1
        started+=("$(cat "$dir/virtlogd.pid")")
    fi
    printf 'unix_sock_dir = "%s"\nlog_outputs = "3:file:%s/libvirtd.log"\n' "$dir" "$dir" >"$dir/libvirtd.conf"
    ip netns exec "$ns" libvirtd -d -f "$dir/libvirtd.conf" -p "$dir/libvirtd.pid" || return 1
    started+=("$(cat "$dir/libvirtd.pid")")
    # The guide's file with this test's kernel, tap and console log, and QEMU run as root without
    # relabelling: /dev/kvm may be root's alone (no udev rule giving it to group kvm, as on this
    # machine), and libvirt must not chown the checkout's kernel to libvirt-qemu.
    local uri="qemu:///system?socket=$dir/libvirt-sock" domain=(-e "s#/path/to/echo.kernel#$ROOT/Examples/echo/.swiftlet/kvm/echo.kernel#"
        -e "s#'tap0'#'lv0'#" -e "s#/var/log/swiftlet-echo.log#$WORK/libvirt-console.log#"
        -e "s#</devices>#</devices><seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>#")
    if ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then domain+=(-e "s#type='kvm'#type='qemu'#" -e "/<cpu /,/<\/cpu>/d"); fi
    sed "${domain[@]}" docs/deploy/libvirt-echo.xml >"$dir/echo.xml"
    for _ in $(seq 50); do [ -S "$dir/libvirt-sock" ] && break; sleep 0.1; done
    virsh -c "$uri" create "$dir/echo.xml" || return 1
    wait_for libvirt-console 60 "listening on TCP and UDP port 7" || return 1
    expect_in libvirt-console "kernel: virtio-net (" || return 1
    echo_checks "$ns" || return 1
    virsh -c "$uri" destroy swiftlet-echo >/dev/null || return 1
    kill "$(cat "$dir/libvirtd.pid")"
    [ -f "$dir/virtlogd.pid" ] && kill "$(cat "$dir/virtlogd.pid")"
    return 0
}

all=(kvm-hello kvm-hello-tcg kvm-crypto kvm-crash kvm-run-ends kvm-disk kvm-echo kvm-vnc kvm-vnc-dashboard kvm-ipv6 kvm-ipv6-pmtu kvm-ipv6-redirect kvm-unprivileged kvm-echo-tcg-modern kvm-syn-flood kvm-vanishing-clients kvm-website kvm-website-disk kvm-website-https kvm-website-browser kvm-docker kvm-dns kvm-dns-every-type kvm-dns-transfers kvm-dns-dnssec kvm-new-project kvm-readme kvm-bulk kvm-offloads kvm-idle kvm-firecracker-layout kvm-exit-without-debug-exit kvm-libvirt)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${all[@]}")

command -v qemu-system-x86_64 >/dev/null || { echo "kvm: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"; exit 1; }
[ -x "$SWIFTLET" ] || { echo "kvm: $SWIFTLET is missing (swift build -c release --product swiftlet)"; exit 1; }
if [ "$(id -u)" != 0 ]; then
    echo "kvm: SKIPPING the network tests: they need root (taps, network namespaces)" >&2
    selected=($(printf '%s\n' "${selected[@]}" | grep -vE 'kvm-(echo|vnc|ipv6|unprivileged|syn-flood|vanishing|website|dns|new-project|readme|bulk|offloads|idle|firecracker|libvirt|docker)'))
fi
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then log "/dev/kvm is usable: kernels run under KVM unless a test asks for TCG"
else log "no usable /dev/kvm: every kernel runs under TCG"; fi

log "building the test kernels"
for app in Examples/hello Examples/echo Examples/website Examples/dns Tests/Apps/canvas Examples/dashboard Tests/Apps/bulk Tests/Apps/crash Tests/Apps/disk Tests/Apps/crypto; do
    "$SWIFTLET" build --target kvm "$app" 2>&1 | grep -E "error|built|failed" || true
done

for name in "${selected[@]}"; do
    check "$name" "test_${name//-/_}"
done
finish
