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
