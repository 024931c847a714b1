# Helpers shared by the integration scripts (hosted.sh, kvm.sh): processes they start and end by PID,
# network namespaces they create and delete, waiting for a line in a log, counting outcomes.
# The including script sets SUITE (the prefix of its log lines) before sourcing this file.
# Benchmarks/lib.sh sources it too, for the benchmark scripts (run under `set -euo pipefail`; lib.sh
# installs the EXIT trap again with errexit off): spawn, started, wait_for, new_namespace, start_tap_app,
# ipv6_ready and cleanup are theirs as well.

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
PEER="python3 $ROOT/Tests/Integration/peer.py"
BULK_BYTES=${SWIFTLET_BULK_BYTES:-100000000}
WORK=$(mktemp -d "/tmp/swiftlet-$SUITE.XXXXXX")
SWIFTLET=${SWIFTLET:-$ROOT/.build/release/swiftlet}
passed=0
failed=0
failures=()
started=()   # PIDs this script started
namespaces=()

log() { echo "$SUITE: $*"; }

cleanup() {
    # A test's own clean-up that must run however the suite ends (kvm-docker: its Docker daemon).
    if [ -n "${CLEANUP_HOOK:-}" ]; then $CLEANUP_HOOK; CLEANUP_HOOK=; fi
    for pid in "${started[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.3
    for pid in "${started[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
    started=()
    namespaces=()
}
trap 'cleanup; rm -rf "$WORK"' EXIT

# Runs in the background, remembering the PID. Output goes to $WORK/NAME.log.
spawn() {
    local name=$1
    shift
    # Emptied here, not by the background job: a log left by an earlier test of the same name must not
    # satisfy wait_for before the new process has written anything.
    : >"$WORK/$name.log"
    "$@" >>"$WORK/$name.log" 2>&1 &
    started+=($!)
}

expect_in() {  # expect_in NAME TEXT: the log holds TEXT
    grep -qF -- "$2" "$WORK/$1.log" || { echo "--- $1.log lacks '$2':"; tail -20 "$WORK/$1.log"; return 1; }
}

# Waits up to $2 seconds for $3 (a fixed string) to appear in $WORK/$1.log.
wait_for() {
    local name=$1 seconds=$2 text=$3
    for _ in $(seq $((seconds * 10))); do
        grep -qF -- "$text" "$WORK/$name.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "--- $name.log (waited ${seconds}s for '$text') ---"
    tail -20 "$WORK/$name.log"
    return 1
}

# Creates namespace swl-test-PID-NAME and sets NS to it (no command substitution: the list of namespaces
# to delete must be this shell's, not a subshell's).
new_namespace() {
    NS="swl-test-$$-$1"
    ip netns add "$NS" || return 1
    namespaces+=("$NS")
    ip -n "$NS" link set lo up
}

# Creates tap NAME in namespace NS with the host address ADDR/PREFIX, up.
make_tap() {
    ip netns exec "$1" ip tuntap add dev "$2" mode tap
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" up
}

# Starts APP on the tap target inside namespace NS (swiftlet creates tap swl0, host 10.0.0.1).
start_tap_app() {
    local name=$1 ns=$2 app=$3 ready=$4
    shift 4
    spawn "$name" ip netns exec "$ns" "$SWIFTLET" run --target tap "$app" "$@"
    wait_for "$name" 120 "$ready"
}

# IPv6 (issue 22) on the application logging to $WORK/NAME.log behind link DEV in namespace NS: the
# link-local address it configured answers ping -6 and Linux's neighbour solicitations, so does the static
# 2001:db8::2 that swiftlet run gave it (host side 2001:db8::1, no set-up by the test) and the address it
# formed from swiftlet run's own advertisement of 2001:db8::/64; radvd on DEV
# advertises 2001:db8:1::/64 (MTU 1400, an RDNSS), the application forms 2001:db8:1::IID by SLAAC, and
# that address answers ping -6 too.
ipv6_checks() {
    local ns=$1 name=$2 dev=$3 link global
    wait_for "$name" 20 "ipv6: configured fe80::" || return 1
    link=$(grep -o 'ipv6: configured fe80::[0-9a-f:]*' "$WORK/$name.log" | head -1 | cut -d' ' -f3)
    # Linux's own link-local address on DEV must be past its DAD before it can ping or advertise.
    for _ in $(seq 50); do
        ip -n "$ns" -6 addr show dev "$dev" scope link | grep -q tentative || break
        sleep 0.1
    done
    ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 2 "$link%$dev" || return 1
    ip -n "$ns" -6 neigh show "$link" dev "$dev" | grep -q lladdr || { echo "no neighbour entry for $link"; return 1; }
    # The static address swiftlet run gives the application on a tap it creates (host side 2001:db8::1).
    wait_for "$name" 10 "ipv6: configured 2001:db8::2/64" || return 1
    ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 2 2001:db8::2 || return 1
    # swiftlet run also advertises the tap's prefix (Advertiser.swift): an address by SLAAC in 2001:db8::/64,
    # the interface identifier of the link-local address.
    local slaac="2001:db8::${link#fe80::}"
    wait_for "$name" 20 "ipv6: configured $slaac/64" || { echo "no SLAAC address from swiftlet run's advertisement"; return 1; }
    ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 2 "$slaac" || return 1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$ns" addr add 2001:db8:1::1/64 dev "$dev"
    cat >"$WORK/radvd-$name.conf" <<EOF
interface $dev {
    AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; AdvLinkMTU 1400;
    prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; };
    RDNSS 2001:db8:1::1 { };
};
EOF
    spawn "radvd-$name" ip netns exec "$ns" radvd -n -m stderr -C "$WORK/radvd-$name.conf" -p "$WORK/radvd-$name.pid"
    wait_for "$name" 30 "ipv6: configured 2001:db8:1:" || { tail -5 "$WORK/radvd-$name.log"; return 1; }
    global=$(grep -o 'ipv6: configured 2001:db8:1:[0-9a-f:]*' "$WORK/$name.log" | head -1 | cut -d' ' -f3)
    # SLAAC: the prefix and the same interface identifier as the link-local address.
    python3 -c 'import ipaddress, sys; a, b = (int(ipaddress.ip_address(x)) & (2**64 - 1) for x in sys.argv[1:]); sys.exit(a != b)' \
        "$global" "$link" || { echo "SLAAC address $global does not match $link"; return 1; }
    ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 2 "$global" || return 1
    IPV6_GLOBAL=$global
}

# Fragments both ways with Linux (RFC 8200 §4.5): ping -6 -s 3000 (Linux fragments the request, the
# application reassembles it and fragments its reply) and a 3000-byte UDP echo to port 7.
ipv6_fragment_checks() {  # ipv6_fragment_checks NS ADDR
    ip netns exec "$1" ping -6 -c 2 -i 0.2 -W 2 -s 3000 "$2" >/dev/null || { echo "ping -6 -s 3000 $2 failed"; return 1; }
    ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
data = bytes((i * 7 + i // 251) % 256 for i in range(3000))
s.sendto(data, (sys.argv[1], 7))
got, _ = s.recvfrom(65535)
sys.exit(0 if got == data else "a 3000-byte UDP echo came back as %d bytes" % len(got))' "$2"
}

# Waits for the address `swiftlet run` gives the application on a tap it creates (2001:db8::2, DAD done).
ipv6_ready() {  # ipv6_ready NAME
    wait_for "$1" 10 "ipv6: configured 2001:db8::2/64"
}

# --- hostile peers (issue 17): a SYN flood, clients that vanish, peers that never read -----------------
# The application under test is the echo example at 10.0.0.2 port 7 on tap swl0 in namespace NS, started
# with --memory-report (one `memory:` line a second when a figure changes). Every packet stays in NS: the
# flood's spoofed sources are in 198.18.0.0/15 (RFC 2544's benchmarking range), which NS routes nowhere
# (it has no other link and does not forward), so the SYN-ACKs to them end at NS's own IP layer.

HOSTILE_FULL=${SWIFTLET_HOSTILE_FULL:-}   # set: 1,000 vanishing clients and 100 that never read (minutes)

# The `memory:` lines of $WORK/NAME.log: the last one's figures, and the most heap ever reported.
memory_report() {  # memory_report NAME: sets HEAP_USED HEAP_SIZE TCP_USED TCP_PEAK TCP_LIMIT TCP_CONNECTIONS HEAP_MAX
    local lines
    lines=$(grep -oE "memory: heap [0-9]+ of [0-9]+ bytes, tcp [0-9]+ \(peak [0-9]+\) of [0-9]+ bytes, tcp connections [0-9]+" "$WORK/$1.log")
    [ -n "$lines" ] || { echo "no memory report in $1.log"; return 1; }
    read -r HEAP_USED HEAP_SIZE TCP_USED TCP_PEAK TCP_LIMIT TCP_CONNECTIONS <<<"$(tail -1 <<<"$lines" | grep -oE '[0-9]+' | tr '\n' ' ')"
    HEAP_MAX=$(awk '{ if ($3 > m) m = $3 } END { print m }' <<<"$lines")
}

# The kernel's own figures within their bounds: TCP's peak at most its budget; the most heap ever in use
# at most 3/4 of the heap (kvm) or, on tap where malloc grows on demand, at most 256 MiB (kvm's default).
memory_within_budget() {  # memory_within_budget NAME kvm|tap
    memory_report "$1" || return 1
    log "$1: heap at most $HEAP_MAX of $HEAP_SIZE bytes; tcp peak $TCP_PEAK of $TCP_LIMIT bytes, now $TCP_USED in $TCP_CONNECTIONS connections"
    [ "$TCP_PEAK" -le "$TCP_LIMIT" ] || { echo "tcp peak $TCP_PEAK over its budget $TCP_LIMIT"; return 1; }
    local most=$((256 << 20))
    [ "$2" = kvm ] && most=$((HEAP_SIZE / 4 * 3))
    [ "$HEAP_MAX" -le "$most" ] || { echo "heap in use reached $HEAP_MAX bytes, over $most"; return 1; }
}

# ~10,000 spoofed SYNs a second at port 7 for 5 s (hping3, four sources of 198.18.0.0/15, source ports
# counting up), while a legitimate client from 10.0.0.1 connects, sends a line and reads its echo 8
# times, each within 1 s; then the echo still works and memory stayed within budget.
syn_flood() {  # syn_flood NS NAME kvm|tap
    local ns=$1 name=$2 i before after sent
    command -v hping3 >/dev/null || { echo "hping3 is missing (apt-get install hping3)"; return 1; }
    before=$(ip netns exec "$ns" cat /sys/class/net/swl0/statistics/tx_packets)
    for i in 1 2 3 4; do
        spawn "flood-$i" ip netns exec "$ns" timeout -s INT 5 hping3 -q -I swl0 -S -p 7 -a "198.18.0.$i" -i u300 10.0.0.2
    done
    sleep 0.5
    ip netns exec "$ns" $PEER timed-echo 10.0.0.2 7 8 0.4 1 >"$WORK/legit.log" 2>&1
    local legit=$?
    log "legitimate client during the flood: $(grep -oE '[0-9.]+ s' "$WORK/legit.log" | tr '\n' ' ')"
    [ "$legit" = 0 ] || { echo "the legitimate client was not served within 1 s:"; cat "$WORK/legit.log"; return 1; }
    for i in 1 2 3 4; do wait "${started[-$i]}" 2>/dev/null; done
    after=$(ip netns exec "$ns" cat /sys/class/net/swl0/statistics/tx_packets)
    sent=$(((after - before) / 5))
    log "flood: about $sent packets a second into swl0 for 5 s"
    [ "$sent" -ge 5000 ] || { echo "the flood reached only $sent packets a second (want about 10,000)"; return 1; }
    echo_roundtrip "$ns" 10.0.0.2 7 || return 1
    sleep 2  # a memory report after the flood
    memory_within_budget "$name" "$3"
}

# Connections that vanish and peers that never read. CLIENTS connections from 10.0.0.3 each echo a line,
# then that address is removed from swl0: nothing they send reaches the kernel and nothing the kernel
# sends them is answered (no FIN, no RST, ever). PEERS connections from 10.0.0.4 send until every buffer
# is full and never read their echo. Every connection must be gone within the echo's --idle (IDLE
# seconds, given by the caller to the application) plus 15 s, with memory within budget throughout.
# With SWIFTLET_HOSTILE_FULL the caller passes --idle 150 and the stack's own user timeout (120 s)
# ends the peers that never read before the application would.
vanishing_clients() {  # vanishing_clients NS NAME kvm|tap IDLE
    local ns=$1 name=$2 idle=$4 clients=200 peers=20
    [ -n "$HOSTILE_FULL" ] && clients=1000 peers=100
    ip -n "$ns" addr add 10.0.0.3/32 dev swl0 && ip -n "$ns" addr add 10.0.0.4/32 dev swl0 || return 1
    spawn unread ip netns exec "$ns" $PEER hold 10.0.0.2 7 10.0.0.4 "$peers" unread
    spawn vanish ip netns exec "$ns" $PEER hold 10.0.0.2 7 10.0.0.3 "$clients" echo
    wait_for vanish 120 "holding $clients" && wait_for unread 120 "holding $peers" || return 1
    ip -n "$ns" addr del 10.0.0.3/32 dev swl0 || return 1
    local t0=$SECONDS
    sleep 1.5
    memory_report "$name" || return 1
    log "$name: $TCP_CONNECTIONS connections held, tcp $TCP_USED bytes"
    [ "$TCP_CONNECTIONS" -ge $((clients + peers)) ] || { echo "only $TCP_CONNECTIONS of $((clients + peers)) connections open"; return 1; }
    local deadline=$((idle + 15))
    while [ $((SECONDS - t0)) -le "$deadline" ]; do
        memory_report "$name" || return 1
        [ "$TCP_CONNECTIONS" = 0 ] && break
        sleep 1
    done
    [ "$TCP_CONNECTIONS" = 0 ] || { echo "$TCP_CONNECTIONS connections left after $deadline s"; return 1; }
    log "$name: all $((clients + peers)) connections gone $((SECONDS - t0)) s after the clients vanished (--idle $idle)"
    memory_within_budget "$name" "$3" || return 1
    [ "$TCP_USED" -le $((64 << 10)) ] || { echo "tcp still holds $TCP_USED bytes with no connection"; return 1; }
    echo_roundtrip "$ns" 10.0.0.2 7
}

check() {  # check NAME COMMAND...: runs one test function, counts the outcome
    local name=$1
    shift
    log "--- $name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        log "PASS $name ($((SECONDS - t0)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        log "FAIL $name ($((SECONDS - t0)) s)"
    fi
    cleanup
}

echo_roundtrip() {  # echo_roundtrip NS ADDR PORT: TCP and UDP echo through nc
    local ns=$1 addr=$2 port=$3 run=()
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    local tcp udp
    tcp=$(printf 'hello over tcp\n' | timeout 5 "${run[@]}" nc -N "$addr" "$port")
    udp=$(printf 'hello over udp' | timeout 5 "${run[@]}" nc -u -w1 "$addr" "$port")
    [ "$tcp" = "hello over tcp" ] || { echo "tcp echo gave '$tcp'"; return 1; }
    [ "$udp" = "hello over udp" ] || { echo "udp echo gave '$udp'"; return 1; }
}

stops_cleanly() {  # stops_cleanly SIGNAL PID NS: the signal ends `swiftlet run`, which removes its tap swl0
    local signal=$1 pid=$2 ns=$3
    kill "-$signal" "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "swiftlet run still running after SIG$signal"; return 1; }
    ip netns exec "$ns" ip link show swl0 >/dev/null 2>&1 && { echo "tap swl0 left behind"; return 1; }
    ip netns pids "$ns" | grep -q . && { echo "processes left in the namespace"; return 1; }
    return 0
}

# "UID GID GROUPS" of the child of PID (a `swiftlet run`) whose command line matches PATTERN: UID and GID
# only when the real, effective, saved and file IDs agree ("mixed" otherwise), GROUPS "-" when there is
# no supplementary group. From /proc/CHILD/status.
identity_of_child() {  # identity_of_child PID PATTERN
    local child
    child=$(pgrep -P "$1" -f "$2" | head -1)
    [ -n "$child" ] || { echo "no process matching '$2' under swiftlet run (PID $1)"; return 1; }
    awk '/^Uid:/ { u = ($2 == $3 && $2 == $4 && $2 == $5) ? $2 : "mixed" }
         /^Gid:/ { g = ($2 == $3 && $2 == $4 && $2 == $5) ? $2 : "mixed" }
         /^Groups:/ { $1 = ""; gr = $0; gsub(/^ +| +$/, "", gr) }
         END { print u, g, (gr == "" ? "-" : gr) }' "/proc/$child/status"
}

# The account `swiftlet run` as root (not under sudo) runs applications and QEMU as: "UID GID".
dedicated_account() {
    if id -u swiftlet >/dev/null 2>&1; then echo "$(id -u swiftlet) $(id -g swiftlet)"
    else echo "65534 $(getent group nogroup | cut -d: -f3)"; fi
}

# A new project as the README tells a user to make one: `swiftlet new` outside this checkout from the
# website template, its page fetched through `swiftlet run --port`. Sets NEW_PROJECT.
new_website_project() {  # new_website_project NAME
    NEW_PROJECT="$WORK/projects/$1"
    mkdir -p "$WORK/projects"
    (cd "$WORK/projects" && "$SWIFTLET" new "$1" --template website) || { echo "swiftlet new failed"; return 1; }
    grep -q "name: \"$1\"," "$NEW_PROJECT/Swiftlet.swift" || { echo "the manifest does not carry the name $1"; return 1; }
    [ -f "$NEW_PROJECT/site/ARCHITECTURE.md" ] && [ ! -L "$NEW_PROJECT/site/ARCHITECTURE.md" ] && [ -f "$NEW_PROJECT/site/.site" ] \
        || { echo "the site's docs and settings were not copied"; return 1; }
    (cd "$WORK/projects" && "$SWIFTLET" new "$1" 2>&1) | grep -q "exists and is not empty" || { echo "swiftlet new overwrote a project"; return 1; }
    (cd "$WORK/projects" && "$SWIFTLET" new Bad_Name 2>&1) | grep -q "lower-case letters, digits and '-'" || { echo "swiftlet new took a bad name"; return 1; }
    [ ! -e "$WORK/projects/Bad_Name" ] || { echo "swiftlet new left a folder for a bad name"; return 1; }
}

forwarded_page() {  # forwarded_page NS PORT: the new project's index through the forward on 127.0.0.1:PORT
    local run=()
    [ -n "$1" ] && run=(ip netns exec "$1")
    "${run[@]}" curl -s --max-time 10 -o "$WORK/forwarded" "http://127.0.0.1:$2/" || { echo "GET through --port failed"; return 1; }
    cmp -s "$WORK/forwarded" "$NEW_PROJECT/.swiftlet/site/index.html" || { echo "the forwarded page differs from the rendered site's"; return 1; }
    "${run[@]}" curl -s --max-time 10 -H "Transfer-Encoding: chunked" --data-binary @docs/ROADMAP.md "http://127.0.0.1:$2/api/echo" |
        cmp -s - docs/ROADMAP.md || { echo "the forwarded upload differs"; return 1; }
}

# The website example's site as swiftlet build renders it from Examples/website/site/ (renderMarkdown).
SITE=Examples/website/.swiftlet/site

tls_site() {  # tls_site DIR: a copy of the rendered website with a certificate and key in .tls/ (swiftlet cert)
    [ -f "$SITE/index.html" ] || "$SWIFTLET" build Examples/website >/dev/null 2>&1 || { echo "the website does not build"; return 1; }
    rm -rf "$1" && mkdir -p "$1" && cp -r "$SITE/." "$1/" || return 1
    "$SWIFTLET" cert --out "$1/.tls" localhost 127.0.0.1 10.0.0.2 >/dev/null || { echo "swiftlet cert failed"; return 1; }
    # The key is written mode 0600 for root; tap applications run as an unprivileged user (swiftlet run
    # drops root once the tap is open), which must read it.
    chmod a+r "$1/.tls/server.key"
    chmod -R a+rX "$1" && chmod o+x "$(dirname "$1")"
}

https_checks() {  # https_checks NS ADDR PORT CA: curl --tlsv1.3 and openssl s_client against the website's HTTPS port
    local ns=$1 base="https://$2:$3" ca=$4 run=()
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    local c=("${run[@]}" curl -s --max-time 10 --tlsv1.3 --cacert "$ca")
    "${c[@]}" -o "$WORK/sindex" "$base/" || { echo "HTTPS GET / failed: $("${c[@]}" -v "$base/" 2>&1 | tail -5)"; return 1; }
    cmp -s "$WORK/sindex" "$SITE/index.html" || { echo "HTTPS GET / body differs"; return 1; }
    "${c[@]}" -o "$WORK/sdoc" "$base/ARCHITECTURE.html" && cmp -s "$WORK/sdoc" "$SITE/ARCHITECTURE.html" || { echo "HTTPS ARCHITECTURE.html differs"; return 1; }
    local verbose
    verbose=$("${c[@]}" -v -o /dev/null -o /dev/null "$base/" "$base/ROADMAP.html" 2>&1)
    echo "$verbose" | grep -q "Re-using existing connection" || { echo "no HTTPS keep-alive"; return 1; }
    echo "$verbose" | grep -q "TLSv1.3" || { echo "not TLS 1.3: $verbose"; return 1; }
    echo "$verbose" | grep -q "ALPN: server accepted http/1.1" || { echo "no ALPN http/1.1"; return 1; }
    [ "$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/.tls/server.key")" = 404 ] || { echo "the key is served"; return 1; }
    "${c[@]}" -H "Transfer-Encoding: chunked" --data-binary @docs/ARCHITECTURE.md -o "$WORK/sechoed" "$base/api/echo" &&
        cmp -s "$WORK/sechoed" docs/ARCHITECTURE.md || { echo "HTTPS chunked upload not echoed"; return 1; }
    # TLS 1.2 only: refused with protocol_version.
    "${run[@]}" curl -s --max-time 10 --tls-max 1.2 --cacert "$ca" -o /dev/null "$base/" && { echo "TLS 1.2 was accepted"; return 1; }
    # openssl s_client, each suite, checking the chain.
    local suite out
    for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
        out=$(printf 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
            timeout 10 "${run[@]}" openssl s_client -connect "$2:$3" -tls1_3 -ciphersuites "$suite" -CAfile "$ca" \
                -verify_return_error -servername localhost -ign_eof 2>&1)
        echo "$out" | grep -q "Verify return code: 0 (ok)" && echo "$out" | grep -q "Cipher is $suite" &&
            echo "$out" | grep -q "^HTTP/1.1 200" || { echo "openssl s_client $suite: $(echo "$out" | tail -20)"; return 1; }
    done
}

website_checks() {  # website_checks NS ADDR PORT: curl against the website example (ADDR IPv4 or IPv6)
    local ns=$1 base="http://$2:$3" run=()
    [[ $2 == *:* ]] && base="http://[$2]:$3"
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    local c=("${run[@]}" curl -s --max-time 10)
    "${c[@]}" -o "$WORK/index" "$base/" || { echo "GET / failed"; return 1; }
    cmp -s "$WORK/index" "$SITE/index.html" || { echo "GET / body differs from $SITE/index.html"; return 1; }
    "${c[@]}" -o "$WORK/doc" "$base/ARCHITECTURE.html" && cmp -s "$WORK/doc" "$SITE/ARCHITECTURE.html" || { echo "ARCHITECTURE.html differs"; return 1; }
    local head
    head=$("${c[@]}" -I "$base/")
    echo "$head" | grep -q "^HTTP/1.1 200" || { echo "HEAD: $head"; return 1; }
    echo "$head" | grep -qi "^Content-Length: $(stat -c %s "$SITE/index.html")" || { echo "HEAD length: $head"; return 1; }
    echo "$head" | grep -qi "^Cache-Control: no-cache" || { echo "HEAD: no Cache-Control: $head"; return 1; }
    echo "$head" | grep -qi "^Date: " || { echo "no Date: $head"; return 1; }
    local etag
    etag=$(echo "$head" | grep -i '^ETag:' | cut -d' ' -f2 | tr -d '\r')
    [ "$("${c[@]}" -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/")" = 304 ] || { echo "no 304 for $etag"; return 1; }
    [ "$("${c[@]}" -o "$WORK/part" -w '%{http_code}' -H 'Range: bytes=2-11' "$base/")" = 206 ] || { echo "no 206"; return 1; }
    [ "$(cat "$WORK/part")" = "$(head -c 12 "$SITE/index.html" | tail -c 10)" ] || { echo "wrong range body"; return 1; }
    [ "$("${c[@]}" -o /dev/null -w '%{http_code}' -H 'Range: bytes=999999-' "$base/")" = 416 ] || { echo "no 416"; return 1; }
    [ "$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/missing")" = 404 ] || { echo "no 404"; return 1; }
    [ "$("${c[@]}" -o /dev/null -w '%{http_code}' -X POST "$base/")" = 405 ] || { echo "no 405"; return 1; }
    "${c[@]}" -v -o /dev/null -o /dev/null "$base/" "$base/ROADMAP.html" 2>&1 | grep -q "Re-using existing connection" || { echo "no keep-alive"; return 1; }
    local answers
    answers=$(printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /ROADMAP.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
        timeout 10 "${run[@]}" nc -q5 "$2" "$3" | grep -c '^HTTP/1.1 200')
    [ "$answers" = 2 ] || { echo "pipelining gave $answers responses"; return 1; }
    [ "$(printf 'NONSENSE\r\n\r\n' | timeout 10 "${run[@]}" nc -q5 "$2" "$3" | head -1 | tr -d '\r')" = "HTTP/1.1 400 Bad Request" ] || { echo "no 400"; return 1; }
    # Uploads to the example's /api/echo route: chunked (curl sends Transfer-Encoding: chunked) and with a
    # Content-Length; the body must come back byte for byte.
    "${c[@]}" -H "Transfer-Encoding: chunked" --data-binary @docs/ARCHITECTURE.md -o "$WORK/echoed" "$base/api/echo" &&
        cmp -s "$WORK/echoed" docs/ARCHITECTURE.md || { echo "chunked upload not echoed"; return 1; }
    "${c[@]}" --data-binary @"$SITE/index.html" -o "$WORK/echoed" "$base/api/echo" &&
        cmp -s "$WORK/echoed" "$SITE/index.html" || { echo "upload not echoed"; return 1; }
    # A short wrk run: keep-alive load from 8 connections, every response a 200, no socket errors.
    local load
    load=$("${run[@]}" wrk -t1 -c8 -d2s "$base/" 2>&1)
    echo "$load" | grep -qE "^\s+[0-9]+ requests in" || { echo "wrk: $load"; return 1; }
    if echo "$load" | grep -qE "Non-2xx|Socket errors"; then echo "wrk saw errors: $load"; return 1; fi
    log "wrk: $(echo "$load" | grep -E 'Requests/sec' | tr -s ' ')"
}

dns_checks() {  # dns_checks NS ADDR PORT: dig against the dns example's zone over UDP and TCP
    local ns=$1 run=()
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    local d=("${run[@]}" dig @"$2" -p "$3" +time=3 +tries=2)
    expect_dig() {  # expect_dig WANT ARGS...: +short output equals WANT
        local want=$1 got
        shift
        got=$("${d[@]}" +short "$@" | tr '\n' ' ' | sed 's/ $//')
        [ "$got" = "$want" ] || { echo "dig $*: got '$got', want '$want'"; return 1; }
    }
    expect_dig "192.0.2.3" www.example.test A || return 1
    expect_dig "2001:db8::3" WWW.Example.Test AAAA || return 1
    expect_dig "www.example.test. 192.0.2.3" alias.example.test A || return 1
    expect_dig "10 mail.example.test." example.test MX || return 1
    expect_dig "0 5 80 www.example.test." _http._tcp.example.test SRV || return 1
    expect_dig "192.0.2.9" anything.wild.example.test A || return 1
    expect_dig '"Served by Swiftlet"' example.test TXT || return 1
    expect_dig "192.0.2.3" www.example.test A +tcp || return 1
    local out
    out=$("${d[@]}" nope.example.test A)
    echo "$out" | grep -q "status: NXDOMAIN" && echo "$out" | grep -q "flags: qr aa" || { echo "NXDOMAIN: $out"; return 1; }
    echo "$out" | grep -qE "^example.test.\s+300\s+IN\s+SOA" || { echo "NXDOMAIN without the SOA at its minimum TTL: $out"; return 1; }
    out=$("${d[@]}" www.example.test MX)
    echo "$out" | grep -q "status: NOERROR" && echo "$out" | grep -q "ANSWER: 0, AUTHORITY: 1" || { echo "NODATA: $out"; return 1; }
    out=$("${d[@]}" host.sub.example.test A +norecurse)
    echo "$out" | grep -q "flags: qr;" && echo "$out" | grep -qE "^sub.example.test.\s+3600\s+IN\s+NS\s+ns.sub.example.test." \
        && echo "$out" | grep -qE "^ns.sub.example.test.\s+3600\s+IN\s+A\s+192.0.2.53" || { echo "referral: $out"; return 1; }
    "${d[@]}" www.other.test A | grep -q "status: REFUSED" || { echo "no REFUSED outside the zone"; return 1; }
    # Too big for 512 bytes: TC set over UDP; dig then asks again over TCP and gets all six strings.
    "${d[@]}" big.example.test TXT +noedns +ignore | grep -q "flags: qr aa tc" || { echo "no TC for a large answer"; return 1; }
    [ "$("${d[@]}" big.example.test TXT +noedns +short | wc -l)" = 6 ] || { echo "the TCP retry did not bring 6 TXT records"; return 1; }
    # Knot's kdig, a second client implementation, over UDP and TCP.
    local k=("${run[@]}" kdig @"$2" -p "$3" +time=3 +retry=1)
    [ "$("${k[@]}" +short www.example.test AAAA)" = "2001:db8::3" ] || { echo "kdig over UDP failed"; return 1; }
    [ "$("${k[@]}" +tcp +short _http._tcp.example.test SRV)" = "0 5 80 www.example.test." ] || { echo "kdig over TCP failed"; return 1; }
    "${k[@]}" +tcp nope.example.test A | grep -q "status: NXDOMAIN" || { echo "kdig: no NXDOMAIN over TCP"; return 1; }
}

# --- DNSSEC (issue 21): pre-signed zones checked by a validating resolver ----------------------------
# Signs the dns example's zone three ways into DIR/zones (the store of a dns example run): example.test
# with NSEC and nsec3.test with NSEC3 (salt, 1 iteration, opt-out off), both by ldns-signzone; and
# tampered.test signed by BIND's dnssec-signzone with one signature then damaged. One ECDSA P-256 key per
# zone (KSK and ZSK in one); the DNSKEYs go to DIR/anchors, unbound's trust anchors.
dnssec_zones() {  # dnssec_zones DIR
    local dir=$1 zone key
    command -v ldns-signzone >/dev/null || { echo "ldns-signzone is missing (apt-get install ldnsutils)"; return 1; }
    command -v dnssec-signzone >/dev/null || { echo "dnssec-signzone is missing (apt-get install bind9-utils)"; return 1; }
    rm -rf "$dir"  # fresh keys every time: the anchors are every key file found
    mkdir -p "$dir/zones" "$dir/keys"
    : >"$dir/anchors"
    for zone in example.test nsec3.test tampered.test; do
        { echo "\$ORIGIN $zone."; grep -v '^;' Examples/dns/zones/example.test.zone; } >"$dir/keys/$zone.zone"
        if [ "$zone" = tampered.test ]; then
            (cd "$dir/keys" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK "$zone" >/dev/null \
                && dnssec-signzone -q -S -z -O full -K . -o "$zone" -e +31536000 -f "$zone.signed" "$zone.zone" >/dev/null) || return 1
            # Damage www's A signature: one base64 character of the signature changed.
            python3 - "$dir/keys/$zone.signed" <<'PY' || return 1
import re, sys
path = sys.argv[1]
lines = open(path).read().split("\n")
for i, line in enumerate(lines):
    if re.match(r"^www\.tampered\.test\.\s+\d+\s+IN\s+RRSIG\s+A\s", line):
        last = line.rstrip()[-6]
        lines[i] = line.rstrip()[:-6] + ("A" if last != "A" else "B") + line.rstrip()[-5:]
        break
else:
    sys.exit("no RRSIG A for www in " + path)
open(path, "w").write("\n".join(lines))
PY
        else
            key=$(cd "$dir/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$zone") || return 1
            local nsec3=()
            [ "$zone" = nsec3.test ] && nsec3=(-n -s aabbccdd -t 1)
            (cd "$dir/keys" && ldns-signzone "${nsec3[@]}" -o "$zone" -e 20370101000000 -f "$zone.signed" "$zone.zone" "$key") || return 1
        fi
        cp "$dir/keys/$zone.signed" "$dir/zones/$zone.zone"
        grep -hE "^$zone\.?\s.*DNSKEY\s+257" "$dir/keys"/K"$zone"*.key >>"$dir/anchors"
    done
    [ "$(grep -c DNSKEY "$dir/anchors")" = 3 ] || { echo "trust anchors: $(cat "$dir/anchors")"; return 1; }
    # The tap application runs as another user: it must be able to read the zones.
    chmod -R a+rX "$dir/zones" && chmod o+x "$dir" "$(dirname "$dir")"
}

# Starts unbound in namespace NS (which has no route anywhere: nothing it asks leaves NS) on 127.0.0.1
# port 5354, validating with DIR/anchors, the three test zones stubbed to ADDR port PORT.
start_unbound() {  # start_unbound NS DIR ADDR PORT
    local ns=$1 dir=$2 conf="$2/unbound.conf" zone
    command -v unbound >/dev/null || { echo "unbound is missing (apt-get install unbound)"; return 1; }
    {
        printf 'server:\n  interface: 127.0.0.1\n  port: 5354\n  do-daemonize: no\n  username: ""\n  chroot: ""\n'
        printf '  directory: "%s"\n  pidfile: "%s/unbound.pid"\n  logfile: ""\n  use-syslog: no\n  verbosity: 1\n' "$dir" "$dir"
        printf '  do-ip6: no\n  do-not-query-localhost: no\n  module-config: "validator iterator"\n'
        printf '  trust-anchor-file: "%s/anchors"\n  val-log-level: 2\n  access-control: 127.0.0.0/8 allow\n' "$dir"
        printf '  qname-minimisation: no\n  harden-referral-path: no\n  target-fetch-policy: "0 0 0 0 0"\n'
        printf '  local-zone: "test." nodefault\n'  # unbound answers .test (RFC 6761) itself unless told not to
        for zone in example.test nsec3.test tampered.test; do
            printf 'stub-zone:\n  name: "%s"\n  stub-addr: %s@%s\n' "$zone" "$3" "$4"
        done
    } >"$conf"
    spawn "unbound-$ns" ip netns exec "$ns" unbound -d -c "$conf"
    wait_for "unbound-$ns" 20 "start of service" || return 1
}

# Asks unbound (127.0.0.1:5354 in NS) about the signed zones: names, CNAMEs, wildcards, NXDOMAIN and
# NODATA, in the NSEC and the NSEC3 zone, must all come back validated (AD set); the tampered zone's
# damaged RRset is bogus (SERVFAIL), and its intact records still validate.
dnssec_checks() {  # dnssec_checks NS ADDR PORT: unbound in NS, the dns example at ADDR PORT
    local ns=$1 out zone
    expect_ad() {  # expect_ad STATUS NAME TYPE: validated (AD) with that status
        out=$(ip netns exec "$ns" dig @127.0.0.1 -p 5354 +time=5 +tries=2 +dnssec "$2" "$3")
        echo "$out" | grep -q "status: $1" && echo "$out" | grep -qE "flags: qr rd ra ad;" \
            || { echo "unbound: $2 $3: want $1 with AD:"; echo "$out"; return 1; }
    }
    for zone in example.test nsec3.test; do
        expect_ad NOERROR "www.$zone" A || return 1
        expect_ad NOERROR "$zone" MX || return 1
        expect_ad NOERROR "alias.$zone" A || return 1
        expect_ad NOERROR "anything.wild.$zone" A || return 1     # a wildcard answer: no closer name proved
        expect_ad NXDOMAIN "nope.$zone" A || return 1              # NXDOMAIN: name and wildcard denied
        expect_ad NXDOMAIN "a.b.nope.$zone" TXT || return 1
        expect_ad NOERROR "www.$zone" MX || return 1               # NODATA: the type denied
        expect_ad NOERROR "anything.wild.$zone" MX || return 1     # wildcard NODATA
        expect_ad NOERROR "$zone" DNSKEY || return 1
        expect_ad NOERROR "sub.$zone" DS || return 1               # no DS at the insecure delegation, proved
    done
    expect_ad NOERROR "mail.tampered.test" A || return 1
    out=$(ip netns exec "$ns" dig @127.0.0.1 -p 5354 +time=5 +tries=2 +dnssec www.tampered.test A)
    echo "$out" | grep -q "status: SERVFAIL" || { echo "unbound: the damaged signature was not bogus:"; echo "$out"; return 1; }
    # Straight to the server: with DO the answer carries its RRSIG, without DO none.
    out=$(ip netns exec "$ns" dig @"$2" -p "$3" +time=3 +tries=2 +dnssec +norecurse www.example.test A)
    echo "$out" | grep -qE "^www.example.test.\s+[0-9]+\s+IN\s+RRSIG\s+A " || { echo "no RRSIG with DO:"; echo "$out"; return 1; }
    out=$(ip netns exec "$ns" dig @"$2" -p "$3" +time=3 +tries=2 +nodnssec +norecurse www.example.test A)
    echo "$out" | grep -q RRSIG && { echo "an RRSIG without DO:"; echo "$out"; return 1; }
    log "unbound validated the NSEC and NSEC3 zones (AD) and found the damaged one bogus"
}

# The "server:" lines of start_nsd's and start_nsd_secondary's nsd.conf (the caller adds zonesdir): NSD
# listens on 127.0.0.1 and, if given, ALSO (the tap's host address 10.0.0.1, where a kvm kernel reaches
# it) port PORT, keeps its files in CONF, and limits no rate (NSD is the reference here: every query of a
# test's burst must be answered, not dropped or slipped with TC=1 as its default of 200 a second would).
nsd_server_conf() {  # nsd_server_conf PORT CONF [ALSO]
    printf 'server:\n  ip-address: 127.0.0.1@%s\n' "$1"
    [ -n "${3:-}" ] && printf '  ip-address: %s@%s\n' "$3" "$1"
    printf '  port: %s\n  username: ""\n  chroot: ""\n  rrl-ratelimit: 0\n' "$1"
    printf '  database: ""\n  zonelistfile: "%s/zone.list"\n' "$2"
    printf '  xfrdfile: "%s/xfrd.state"\n  pidfile: "%s/nsd.pid"\n  server-count: 1\n' "$2" "$2"
}

# Starts NSD (the reference authoritative server) in namespace NS ("" for this one) on 127.0.0.1 port
# PORT (and on ALSO, if given) serving the zone files in DIR (relative to the checkout, or absolute; one
# per zone, named ZONE.zone); waits until it answers.
start_nsd() {  # start_nsd NS DIR PORT [ZONE OPTIONS [ALSO]]: ZONE OPTIONS (nsd.conf lines) go into every zone
    local ns=$1 dir=$2 port=$3 options=${4:-} also=${5:-} run=() conf="$WORK/nsd-$3"
    command -v nsd >/dev/null || { echo "nsd is missing (apt-get install nsd)"; return 1; }
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    [ "${dir#/}" = "$dir" ] && dir=$ROOT/$dir
    mkdir -p "$conf"
    {
        nsd_server_conf "$port" "$conf" "$also"
        printf '  zonesdir: "%s"\nremote-control:\n  control-enable: no\n' "$dir"
        for f in "$dir"/*.zone; do
            printf 'zone:\n  name: %s\n  zonefile: %s\n%s' "$(basename "$f" .zone)" "$(basename "$f")" "$options"
        done
    } > "$conf/nsd.conf"
    spawn "nsd-$port" "${run[@]}" nsd -d -c "$conf/nsd.conf"
    wait_for "nsd-$port" 20 "nsd started" || return 1
}

# Starts NSD in namespace NS on 127.0.0.1 port PORT (and on ALSO, if given) as a secondary of PRIMARY
# (ADDR@PORT) for example.test, taking NOTIFY from the primary's address; waits until it has transferred
# the zone.
start_nsd_secondary() {  # start_nsd_secondary NS PORT PRIMARY [ALSO]
    local ns=$1 port=$2 primary=$3 also=${4:-} run=() conf="$WORK/nsd-$2"
    command -v nsd >/dev/null || { echo "nsd is missing (apt-get install nsd)"; return 1; }
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    mkdir -p "$conf"
    {
        nsd_server_conf "$port" "$conf" "$also"
        printf '  zonesdir: "%s"\n  verbosity: 2\nremote-control:\n  control-enable: no\n' "$conf"
        printf 'zone:\n  name: example.test\n  zonefile: example.test.zone\n  request-xfr: AXFR %s NOKEY\n  allow-notify: %s NOKEY\n' \
            "$primary" "${primary%@*}"
    } > "$conf/nsd.conf"
    spawn "nsd-$port" "${run[@]}" nsd -d -c "$conf/nsd.conf"
    wait_for "nsd-$port" 20 "nsd started" || return 1
    wait_for "nsd-$port" 30 "zone example.test serial" || return 1
}

# The zone of every record type (issue 21): the unit tests' fixture, which also holds the RFC 3597 generic
# forms (TYPE65534, TYPE65280 with no data, CLASS1) and a DNAME, CNAME and two delegations.
EVERY_TYPE_ZONE=Tests/SwiftletDNSTests/Fixtures/every-type.zone

# Copies the zone of every type to DIR/every.test.zone (readable by the tap application's user) and sets
# EVERY_NAMES and EVERY_TYPES for compare_with_nsd: every owner name and every type in the zone as BIND's
# named-checkzone reads it (an independent reader), and besides them names that do not exist (below the
# apex, below a name that does not exist, in another zone), names below the DNAME and below both
# delegations, empty non-terminals, a case variant; and types no name has (TYPE1234, NULL) and ANY.
every_type_zone() {  # every_type_zone DIR
    command -v named-checkzone >/dev/null || { echo "named-checkzone is missing (apt-get install bind9-utils)"; return 1; }
    mkdir -p "$1" && cp "$EVERY_TYPE_ZONE" "$1/every.test.zone" || return 1
    local canonical
    canonical=$(named-checkzone -q -D -i none -n ignore -k ignore -o - every.test "$1/every.test.zone") \
        || { echo "named-checkzone refused $EVERY_TYPE_ZONE: $canonical"; return 1; }
    EVERY_NAMES="$(awk '!/^;/ && NF >= 4 { print $1 }' <<<"$canonical" | sort -u | tr '\n' ' ')"
    EVERY_NAMES+="nope.every.test deep.nope.every.test www.other.test x.dname.every.test a.b.dname.every.test"
    EVERY_NAMES+=" host.sub.every.test x.ns.every.test tlsa.every.test _tcp.tlsa.every.test _tcp.every.test CName.EVERY.test"
    EVERY_TYPES="$(awk '!/^;/ && NF >= 4 { print $4 }' <<<"$canonical" | sort -u | tr '\n' ' ')TYPE1234 NULL ANY"
    local names types
    names=$(wc -w <<<"$EVERY_NAMES") types=$(wc -w <<<"$EVERY_TYPES")
    [ "$names" -ge 60 ] && [ "$types" -ge 45 ] || { echo "the zone of every type read as $names names and $types types"; return 1; }
    log "the zone of every type: $names names x $types types"
    chmod -R a+rX "$1" && chmod o+x "$(dirname "$1")"
}

# Asks a set of questions of both servers (by default of the dns example's zone: every owner and record
# type, names that do not exist, wildcards, the delegation, case variants, another zone; NAMES and TYPES
# replace the names and types), each over UDP and TCP, with and without EDNS (VARIANTS, dig options,
# replace "+edns +noedns"; "+dnssec" adds queries with the DO bit), and compares: RCODE, the AA and TC
# flags, EDNS options, the answer section, and for answers without records (NXDOMAIN, NODATA, referrals)
# the authority and additional sections. Positive answers' authority and additional sections are not
# compared: NSD adds the zone's NS records and their addresses there, Swiftlet sends minimal responses
# (docs/ARCHITECTURE.md). NSD is asked at 127.0.0.1 in NS.
compare_with_nsd() {  # compare_with_nsd NS ADDR PORT NSD_PORT [TYPES [NAMES [VARIANTS]]]
    local ns=$1 run=() name type transport edns batch="$WORK/nsd-queries" types=${5:-A AAAA NS CNAME SOA PTR MX TXT SRV ANY}
    local names=${6:-example.test www.example.test WWW.EXAMPLE.test ns1.example.test mail.example.test alias.example.test \
                _http._tcp.example.test _tcp.example.test x.wild.example.test a.b.wild.example.test wild.example.test \
                sub.example.test host.sub.example.test ns.sub.example.test big.example.test nope.example.test \
                deep.nope.example.test www.other.test} variants=${7:-+edns +noedns}
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    : > "$batch"
    for name in $names; do
        for type in $types; do
            for transport in +notcp +tcp; do
                for edns in $variants; do echo "$name $type $transport $edns" >> "$batch"; done
            done
        done
    done
    # One dig per server for the whole batch; each answer becomes lines "QUERY<TAB>PART", QUERY being the
    # batch line as dig's banner repeats it (a packet dig cannot read gets no banner, so no lines), sorted.
    ask() {  # ask SERVER PORT
        "${run[@]}" dig @"$1" -p "$2" +norec +time=3 +tries=2 +nocookie +ignore -f "$batch" | awk -v OFS='\t' '
            /^; <<>> DiG/ { q = $0; sub(/^; <<>> DiG [^ ]+ <<>> /, "", q); sub(/ +$/, "", q); sec = ""; next }
            /^;; ->>HEADER<<-/ { sub(/, id: [0-9]+/, ""); print q, $0; next }
            /^;; flags:/ { f = $0; sub(/^;; flags: /, "", f); sub(/;.*$/, "", f); n = split(f, a, " "); s = ""
                           for (i = 1; i <= n; i++) if (a[i] == "aa" || a[i] == "tc" || a[i] == "qr") s = s " " a[i]
                           print q, "flags:" s; empty = ($0 ~ /ANSWER: 0,/); next }
            /^; EDE:/ { print q, $0; next }
            /^;; ANSWER SECTION:/ { sec = "answer"; next }
            /^;; AUTHORITY SECTION:/ { sec = "authority"; next }
            /^;; ADDITIONAL SECTION:/ { sec = "additional"; next }
            /^;;/ || /^$/ { sec = ""; next }
            sec == "answer" || (sec != "" && empty) { gsub(/[ \t]+/, " "); print q, sec ": " $0 }
        ' | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2
    }
    ask "$2" "$3" > "$WORK/nsd-ours"
    ask 127.0.0.1 "$4" > "$WORK/nsd-theirs"
    local compared differ queries
    compared=$(wc -l < "$batch")
    queries=$(diff "$WORK/nsd-ours" "$WORK/nsd-theirs" | grep -E '^[<>]' | cut -f1 | cut -c3- | sort -u)
    differ=$(grep -c . <<<"$queries")
    if [ "$differ" -gt 0 ]; then
        while IFS= read -r q; do
            echo "--- $q (< Swiftlet, > NSD)"
            diff <(awk -F '\t' -v q="$q" '$1 == q { print $2 }' "$WORK/nsd-ours") \
                 <(awk -F '\t' -v q="$q" '$1 == q { print $2 }' "$WORK/nsd-theirs") | grep '^[<>]'
        done < <(head -"${SWIFTLET_DIFFERENCES:-5}" <<<"$queries")
    fi
    # Every query must have been answered by both (a header line each).
    local answered theirs
    answered=$(grep -cP '\t;; ->>HEADER' "$WORK/nsd-ours")
    theirs=$(grep -cP '\t;; ->>HEADER' "$WORK/nsd-theirs")
    log "compared $compared answers with NSD's: $differ differ ($answered answered by Swiftlet, $theirs by NSD)"
    [ "$answered" -eq "$compared" ] && [ "$theirs" -eq "$compared" ] && [ "$differ" -eq 0 ]
}

bulk_transfer() {  # bulk_transfer NS ADDR: BULK_BYTES to the sink on 5001 and from the source on 5002, checked
    local ns=$1 addr=$2 t0 t1 reply
    t0=$(date +%s.%N)
    reply=$(ip netns exec "$ns" timeout 600 $PEER send "$addr" 5001 "$BULK_BYTES") || { echo "send failed: $reply"; return 1; }
    t1=$(date +%s.%N)
    [ "$reply" = "$BULK_BYTES ok" ] || { echo "Linux -> Swiftlet: the sink answered '$reply'"; return 1; }
    log "Linux -> Swiftlet: $BULK_BYTES bytes in $(awk "BEGIN { print $t1 - $t0 }") s"
    t0=$(date +%s.%N)
    reply=$(ip netns exec "$ns" timeout 600 $PEER receive "$addr" 5002 "$BULK_BYTES") || { echo "receive: $reply"; return 1; }
    t1=$(date +%s.%N)
    log "Swiftlet -> Linux: $BULK_BYTES bytes in $(awk "BEGIN { print $t1 - $t0 }") s ($reply)"
}

finish() {  # the closing check and summary line; the exit status of the suite
    # Nothing may be left behind: every namespace this run made is gone.
    if ip netns list | grep -q "^swl-test-$$-"; then
        failed=$((failed + 1))
        failures+=("namespaces left behind: $(ip netns list | grep "^swl-test-$$-" | awk '{print $1}' | tr '\n' ' ')")
    fi
    for f in "${failures[@]}"; do log "failed: $f"; done
    echo "$SUITE: ${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
}

# Path-MTU discovery (issue 22, RFC 8201) through a Linux router: namespace NS (the application's tap,
# host 2001:db8::1) forwards to a second namespace PEER over a veth whose router end has an MTU of 1300,
# while the peer's end keeps 1500, so the peer offers an MSS of 1440 that the path cannot carry. The
# application's first full-size segments draw the router's Packet Too Big; only if it lowers its segments
# can BULK_PMTU_BYTES from the bulk application's source (port 5002) reach the peer whole.
PMTU_BYTES=${SWIFTLET_PMTU_BYTES:-20000000}
# Prometheus's own tools, from Debian's package unpacked (not installed: installing starts a server as a
# system service, which a test must not leave behind). Sets PROMTOOL and PROMETHEUS.
prometheus_tools() {
    local dir=/tmp/swiftlet-prometheus-deb
    if [ ! -x "$dir/usr/bin/promtool" ]; then
        mkdir -p "$dir" && (cd "$dir" && apt-get download prometheus >/dev/null 2>&1 && dpkg-deb -x prometheus_*.deb .) \
            || { echo "cannot fetch Debian's prometheus package (apt-get download prometheus)"; return 1; }
    fi
    PROMTOOL=$dir/usr/bin/promtool
    PROMETHEUS=$dir/usr/bin/prometheus
}

# The value of the sample NAME (with its labels, a fixed string such as 'x_total{code="2xx"}') in a scrape.
metric_value() {  # metric_value FILE NAME
    grep -F -- "$2 " "$1" | grep -v '^#' | head -1 | awk '{ print $2 }'
}

# A scrape of URL from namespace NS into $WORK/FILE: Prometheus's 0.0.4 text, accepted by promtool.
scrape_checks() {  # scrape_checks NS URL FILE
    local ns=$1 url=$2 file=$3
    prometheus_tools || return 1
    ip netns exec "$ns" curl -sS -f -m 5 -o "$WORK/$file" -D "$WORK/$file.head" "$url" || { echo "no metrics at $url"; return 1; }
    grep -qi "content-type: text/plain; version=0.0.4" "$WORK/$file.head" || { echo "the scrape's content type is not 0.0.4 text"; return 1; }
    "$PROMTOOL" check metrics <"$WORK/$file" || { echo "promtool check metrics refused the scrape"; head -40 "$WORK/$file"; return 1; }
}

# A real Prometheus server in namespace NS scrapes TARGET (HOST:PORT) every second; its API must then
# report the target up and answer a query for METRIC with a series whose labels hold WANT.
prometheus_scrapes() {  # prometheus_scrapes NS TARGET NAME METRIC WANT
    local ns=$1 target=$2 name=$3 metric=$4 want=$5 up="" answer=""
    printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: swiftlet\n    static_configs:\n      - targets: ["%s"]\n' \
        "$target" >"$WORK/$name-prometheus.yml"
    spawn "$name-prometheus" ip netns exec "$ns" "$PROMETHEUS" --config.file="$WORK/$name-prometheus.yml" \
        --storage.tsdb.path="$WORK/$name-prometheus-data" --web.listen-address=127.0.0.1:9095
    for _ in $(seq 60); do
        up=$(ip netns exec "$ns" curl -s -m 2 'http://127.0.0.1:9095/api/v1/query?query=up' 2>/dev/null)
        answer=$(ip netns exec "$ns" curl -s -m 2 "http://127.0.0.1:9095/api/v1/query?query=$metric" 2>/dev/null)
        [[ $up == *'"1"]'* && $answer == *"$want"* ]] && break
        sleep 0.5
    done
    [[ $up == *'"1"]'* ]] || { echo "Prometheus does not see the target up: $up"; tail -5 "$WORK/$name-prometheus.log"; return 1; }
    [[ $answer == *"$want"* ]] || { echo "Prometheus holds no $metric with $want: $answer"; return 1; }
    log "$name: a Prometheus server scrapes it (up = 1, $metric held)"
}

# Issue 27: the website's metrics (-- --metrics-port 9100, the site on port 80, at ADDR) in Prometheus's
# text format, checked by promtool, moving with the requests made, and scraped by a real Prometheus
# server in namespace NS.
metrics_checks() {  # metrics_checks NS ADDR NAME [stack]: with "stack", the network stack's metrics are checked too
    local ns=$1 addr=$2 name=$3 stack=${4:-} before after host site url
    host=$addr
    [[ $addr == *:* ]] && host="[$addr]"
    site="http://$host:80"
    url="http://$host:9100/metrics"
    scrape_checks "$ns" "$url" "$name-scrape1" || return 1
    before=$(metric_value "$WORK/$name-scrape1" 'swiftlet_http_responses_total{code="2xx"}')
    for _ in 1 2 3 4 5; do ip netns exec "$ns" curl -sS -f -m 5 -o /dev/null "$site/" || return 1; done
    ip netns exec "$ns" curl -sS -m 5 -o /dev/null "$site/no-such-page"
    scrape_checks "$ns" "$url" "$name-scrape2" || return 1
    after=$(metric_value "$WORK/$name-scrape2" 'swiftlet_http_responses_total{code="2xx"}')
    [ $((after - before)) -ge 5 ] || { echo "2xx responses went from $before to $after after 5 requests"; return 1; }
    [ "$(metric_value "$WORK/$name-scrape2" 'swiftlet_http_responses_total{code="4xx"}')" -ge 1 ] || { echo "the 404 was not counted"; return 1; }
    [ "$(metric_value "$WORK/$name-scrape2" 'swiftlet_http_request_duration_seconds_count')" -ge 5 ] || { echo "no request durations"; return 1; }
    if [ "$stack" = stack ]; then
        [ "$(metric_value "$WORK/$name-scrape2" 'swiftlet_frames_received_total')" -gt 0 ] || { echo "no frames counted"; return 1; }
        grep -qF 'swiftlet_tcp_connections{state="established"}' "$WORK/$name-scrape2" || { echo "no TCP connections by state"; return 1; }
    fi
    log "$name: promtool accepts the scrape; 2xx responses $before -> $after after 5 requests; $(grep -c '^swiftlet_' "$WORK/$name-scrape2") samples"
    prometheus_scrapes "$ns" "$host:9100" "$name" swiftlet_http_responses_total '"code":"2xx"'
}

# Issue 27: the dns example's metrics (-- --metrics-port 9100) after dns_checks asked it ADDR's zone:
# queries by type and transport and responses by RCODE as those queries made them, the stack's figures,
# promtool's check, and a Prometheus server in NS that scrapes them.
dns_metrics_checks() {  # dns_metrics_checks NS ADDR NAME
    local ns=$1 addr=$2 name=$3 host
    host=$addr
    [[ $addr == *:* ]] && host="[$addr]"
    scrape_checks "$ns" "http://$host:9100/metrics" "$name-scrape" || return 1
    local f=$WORK/$name-scrape
    [ "$(metric_value "$f" 'swiftlet_dns_queries_total{type="AAAA"}')" -ge 1 ] || { echo "the AAAA query was not counted"; return 1; }
    [ "$(metric_value "$f" 'swiftlet_dns_queries_total{type="MX"}')" -ge 2 ] || { echo "the MX queries were not counted"; return 1; }
    [ "$(metric_value "$f" 'swiftlet_dns_queries_by_transport_total{transport="tcp"}')" -ge 1 ] || { echo "the TCP query was not counted"; return 1; }
    [ "$(metric_value "$f" 'swiftlet_dns_responses_total{rcode="NXDOMAIN"}')" -ge 1 ] || { echo "the NXDOMAIN was not counted"; return 1; }
    [ "$(metric_value "$f" 'swiftlet_frames_received_total')" -gt 0 ] || { echo "no frames counted"; return 1; }
    [ "$(metric_value "$f" 'process_resident_memory_bytes')" -gt 0 ] || { echo "no process memory in the scrape"; return 1; }
    log "$name: promtool accepts the scrape; $(metric_value "$f" 'swiftlet_dns_queries_total{type="A"}') A queries, $(metric_value "$f" 'swiftlet_dns_responses_total{rcode="NOERROR"}') NOERROR"
    prometheus_scrapes "$ns" "$host:9100" "$name" swiftlet_dns_queries_total '"type":"AAAA"'
}

# Issue 27: rsyslog as a syslog collector in namespace NS on UDP port 5514, writing what it parsed of
# each RFC 5424 message as fields to $WORK/NAME-syslog.txt. Started before the application (-- --syslog
# ADDR:5514).
syslog_start() {  # syslog_start NS NAME
    local ns=$1 name=$2
    command -v rsyslogd >/dev/null || { echo "rsyslogd is missing (scripts/test installs rsyslog)"; return 1; }
    mkdir -p "$WORK/$name-rsyslog"
    : >"$WORK/$name-syslog.txt"
    cat >"$WORK/$name-rsyslog.conf" <<CONF
global(workDirectory="$WORK/$name-rsyslog")
module(load="imudp")
input(type="imudp" address="0.0.0.0" port="5514" ruleset="swiftlet")
template(name="fields" type="string" string="sev=%syslogseverity-text% fac=%syslogfacility-text% time=%timereported:::date-rfc3339% host=%hostname% app=%app-name% msgid=%msgid% msg=%msg%\n")
ruleset(name="swiftlet") { action(type="omfile" file="$WORK/$name-syslog.txt" template="fields") }
CONF
    spawn "$name-rsyslog" ip netns exec "$ns" rsyslogd -n -f "$WORK/$name-rsyslog.conf" -i "$WORK/$name-rsyslog.pid"
    sleep 0.5
}

# The collector parsed a message of the application's source SOURCE at LEVEL from HOST (its address)
# as APP, stamped by its clock (RFC 3339 UTC, within a minute of the host's), holding TEXT; and the
# console has the same message as a stamped line.
syslog_checks() {  # syslog_checks NAME APP HOST SOURCE LEVEL TEXT
    local name=$1 app=$2 host=$3 source=$4 level=$5 text=$6 line stamp
    for _ in $(seq 50); do
        grep -qF -- "$text" "$WORK/$name-syslog.txt" && break
        sleep 0.1
    done
    line=$(grep -F -- "$text" "$WORK/$name-syslog.txt" | head -1)
    [ -n "$line" ] || { echo "rsyslog received no message with '$text':"; tail -5 "$WORK/$name-syslog.txt"; return 1; }
    [[ $line == "sev=$level fac=daemon time="*" host=$host app=$app msgid=$source msg="* ]] \
        || { echo "rsyslog parsed the message otherwise: $line"; return 1; }
    stamp=$(echo "$line" | sed -E 's/.* time=([^ ]*) .*/\1/')
    [[ $stamp =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z$ ]] || { echo "not our RFC 3339 stamp: $stamp"; return 1; }
    [ $(( $(date +%s) - $(date -d "$stamp" +%s) )) -lt 60 ] || { echo "the stamp $stamp is not the time now"; return 1; }
    grep -qE -- "^20[0-9-]{8}T[0-9:.]{15}Z $level $source: .*$(printf '%s' "$text" | sed 's/[.[\*^$]/\\&/g')" "$WORK/$name.log" \
        || { echo "the console has no stamped '$level $source:' line with '$text'"; grep " $source: " "$WORK/$name.log" | tail -3; return 1; }
    log "$name: rsyslog parsed '$level $source' messages from $host as $app ($(wc -l <"$WORK/$name-syslog.txt") in all); the console has them stamped"
}

# Issue 27: SIGTERM to the `swiftlet run` of PID (a child of this shell) ends the service cleanly: a
# client idle on ADDR:PORT in namespace NS is closed with a FIN (not a reset, not left hanging), the
# run's log has LINE, and `swiftlet run` exits with 0.
shutdown_checks() {  # shutdown_checks NS ADDR PORT NAME PID LINE
    local ns=$1 addr=$2 port=$3 name=$4 pid=$5 line=$6 status=0 client
    ip netns exec "$ns" python3 - "$addr" "$port" >"$WORK/$name-idle-client.txt" 2>&1 <<'PY' &
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print("connected", flush=True)
s.settimeout(20)
try:
    print("fin" if s.recv(100) == b"" else "data", flush=True)
except ConnectionResetError:
    print("reset", flush=True)
except socket.timeout:
    print("no end after 20 s", flush=True)
PY
    client=$!
    for _ in $(seq 50); do grep -q connected "$WORK/$name-idle-client.txt" && break; sleep 0.1; done
    grep -q connected "$WORK/$name-idle-client.txt" || { echo "the idle client did not connect: $(cat "$WORK/$name-idle-client.txt")"; return 1; }
    sleep 0.5  # accepted by the application
    kill -TERM "$pid"
    wait "$pid" || status=$?
    wait "$client"
    [ "$status" = 0 ] || { echo "swiftlet run ended with status $status after SIGTERM"; tail -5 "$WORK/$name.log"; return 1; }
    grep -qx fin "$WORK/$name-idle-client.txt" || { echo "the idle client saw: $(tail -1 "$WORK/$name-idle-client.txt"), not a FIN"; return 1; }
    expect_in "$name" "$line" || return 1
    log "$name: after SIGTERM '$(grep -F -- "$line" "$WORK/$name.log" | head -1 | tr -d '\r')'; the idle client got a FIN; status 0"
}

# RFC 4861 §8 against a Linux router: namespace NS is the router, a bridge br0 (MAC 02:00:00:00:00:01, so its
# link-local address is fe80::ff:fe00:1) joins tap TAP and host D (namespace D, 02:00:00:00:00:20, 2001:db8::20/64
# on the link, 2001:db8:5::1 on its loopback). The router carries 2001:db8:5::/64 via D. The application
# (2001:db8::2/64, --gateway6 fe80::ff:fe00:1) knows 2001:db8:5::1 only through the router, which forwards
# its replies back out of the interface they came in on and sends a Redirect; after it the application sends
# to D directly (redirect_checks counts what the router still forwards).
redirect_link() {  # redirect_link NS D TAP: the link, before the application opens TAP
    local ns=$1 d=$2 tap=$3
    ip netns exec "$ns" ip tuntap add dev "$tap" mode tap || return 1
    ip -n "$ns" link add br0 type bridge
    ip -n "$ns" link set br0 address 02:00:00:00:00:01
    ip -n "$ns" link set "$tap" master br0
    ip -n "$ns" link add vd type veth peer name eth0 netns "$d"
    ip -n "$ns" link set vd master br0
    ip -n "$ns" link set "$tap" up; ip -n "$ns" link set vd up; ip -n "$ns" link set br0 up
    ip -n "$ns" addr add 10.0.0.1/24 dev br0
    ip -n "$ns" addr add 2001:db8::1/64 dev br0 nodad
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$d" link set eth0 address 02:00:00:00:00:20
    ip -n "$d" link set lo up; ip -n "$d" link set eth0 up
    ip -n "$d" addr add 2001:db8::20/64 dev eth0 nodad
    ip -n "$d" addr add 2001:db8:5::1/128 dev lo
    ip -n "$ns" -6 route add 2001:db8:5::/64 via fe80::ff:fe00:20 dev br0
}

redirect_checks() {  # redirect_checks NS D NAME: NAME is the application on the link (2001:db8::2)
    local ns=$1 d=$2 name=$3 before after redirects
    ipv6_ready "$name" || return 1
    # The router's link-local address must be past DAD before it can forward or redirect.
    for _ in $(seq 50); do ip -n "$ns" -6 addr show dev br0 scope link | grep -q tentative || break; sleep 0.1; done
    ip netns exec "$d" ping -6 -c 1 -W 2 -I 2001:db8:5::1 2001:db8::2 >/dev/null || { echo "no answer through the router"; return 1; }
    redirects=$(ip netns exec "$ns" nstat -az Icmp6OutRedirects | awk '/Icmp6OutRedirects/ { print $2 }')
    [ "${redirects:-0}" -ge 1 ] || { echo "the router sent no Redirect (the test proved nothing)"; return 1; }
    before=$(ip netns exec "$ns" nstat -az Ip6OutForwDatagrams | awk '/Ip6OutForwDatagrams/ { print $2 }')
    ip netns exec "$d" ping -6 -c 20 -i 0.05 -W 2 -I 2001:db8:5::1 2001:db8::2 >/dev/null || { echo "pings lost after the redirect"; return 1; }
    after=$(ip netns exec "$ns" nstat -az Ip6OutForwDatagrams | awk '/Ip6OutForwDatagrams/ { print $2 }')
    log "$name: after the router's Redirect it forwarded $((after - before)) of 20 replies (was 1 of 1 before)"
    [ $((after - before)) -le 2 ] || { echo "the router still forwarded $((after - before)) of 20 replies: the redirect was not followed"; return 1; }
}

pmtu_checks() {  # pmtu_checks NS PEER NAME: NAME is the bulk application in NS (2001:db8::2)
    local ns=$1 peer=$2 name=$3 reply
    ip -n "$ns" link add vr type veth peer name vp netns "$peer" || return 1
    ip -n "$ns" link set vr mtu 1300 up
    ip -n "$ns" addr add 2001:db8:2::1/64 dev vr nodad
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$peer" link set vp up
    ip -n "$peer" addr add 2001:db8:2::2/64 dev vp nodad
    ip -n "$peer" -6 route add default via 2001:db8:2::1
    ipv6_ready "$name" || return 1
    ip netns exec "$peer" ping -6 -c 1 -W 2 2001:db8::2 >/dev/null || { echo "the peer cannot reach 2001:db8::2 through the router"; return 1; }
    reply=$(ip netns exec "$peer" timeout 120 $PEER receive 2001:db8::2 5002 "$PMTU_BYTES") || { echo "through the 1300-byte link: $reply"; return 1; }
    log "$name: $PMTU_BYTES bytes through a 1300-byte link ($reply)"
    # The router did send Packet Too Big (else the test proved nothing): its ICMPv6 counters say so.
    ip netns exec "$ns" nstat -az Icmp6OutPktTooBigs | grep -qE 'Icmp6OutPktTooBigs\s+[1-9]' || { echo "the router sent no Packet Too Big"; return 1; }
}
