# Benchmarks/lib.sh: helpers the benchmark scripts share (sourced, not run).

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
# Scrapes URL once a second in the background, as a Prometheus server would (its PID goes to `pids`).
scraper() { (while :; do curl -s -o /dev/null -m 2 "$1" || true; sleep 1; done) & pids+=($!); }

# rounds NAME PLURAL SINGULAR PEER SWIFTLET_PID PEER_PID SWIFTLET_LABEL PEER_LABEL COMMAND SWIFTLET_ARG PEER_ARG
# The machine's speed drifts from minute to minute, so the two servers take turns: three rounds of
# `COMMAND ARG` (which prints a rate per second over DURATION seconds) against each, with each server's
# CPU time per request from `ticks`. Prints every round, the medians, and two result lines: NAME (the
# rates' ratio) and NAME-cpu (the peer's CPU per request over Swiftlet's).
rounds() {
    local name=$1 plural=$2 singular=$3 peer=$4 spid=$5 ppid=$6 slabel=$7 plabel=$8 cmd=$9 sarg=${10} parg=${11}
    local s=() p=() round sr su pr pu
    one() {  # one PID ARG: "RATE CPU_US_PER_REQUEST"
        local before r
        before=$(ticks "$1")
        r=$($cmd "$2")
        echo "$r $(awk "BEGIN { printf \"%.2f\", ($(ticks "$1") - $before) * 1000000 / $HZ / ($r * $DURATION) }")"
    }
    for round in 1 2 3; do
        s+=("$(one "$spid" "$sarg")")
        p+=("$(one "$ppid" "$parg")")
        echo "  round $round: Swiftlet ${s[-1]% *} $plural/s (${s[-1]#* } us CPU/$singular), $peer ${p[-1]% *} $plural/s (${p[-1]#* } us CPU/$singular)"
    done
    sr=$(printf '%s\n' "${s[@]}" | cut -d' ' -f1 | median)
    su=$(printf '%s\n' "${s[@]}" | cut -d' ' -f2 | median)
    pr=$(printf '%s\n' "${p[@]}" | cut -d' ' -f1 | median)
    pu=$(printf '%s\n' "${p[@]}" | cut -d' ' -f2 | median)
    printf '  %-24s %s %s/s, server CPU %s us per %s (medians of 3)\n' "$slabel" "$sr" "$plural" "$su" "$singular"
    printf '  %-24s %s %s/s, server CPU %s us per %s (medians of 3)\n' "$plabel" "$pr" "$plural" "$pu" "$singular"
    echo "RESULT $name $sr $plural/s ratio $(ratio "$sr" "$pr") vs $peer"
    echo "RESULT $name-cpu $su us/$singular ratio $(ratio "$pu" "$su") vs $peer ($peer's CPU per $singular / Swiftlet's)"
}
