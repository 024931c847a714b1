#!/usr/bin/env bash
# Makes capture.pcap: real traffic between two Linux network namespaces over a veth pair, recorded by
# tcpdump. Run as root from this folder: ./capture.sh   (needs iproute2, tcpdump, dnsmasq, dig, nc, python3
# with scapy). The frames it holds, in order, are listed by `tcpdump -nr capture.pcap`; the Swift tests
# select them by content, not by index.
set -euo pipefail
cd "$(dirname "$0")"
A=swlfix-a B=swlfix-b
cleanup() {
    [ -n "${TCPDUMP:-}" ] && kill "$TCPDUMP" 2>/dev/null || true
    [ -n "${DNSMASQ:-}" ] && kill "$DNSMASQ" 2>/dev/null || true
    [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
    ip netns del $A 2>/dev/null || true
    ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $A; ip netns add $B
ip link add veth-a netns $A type veth peer name veth-b netns $B
ip -n $A addr add 10.9.0.1/24 dev veth-a; ip -n $A link set veth-a up; ip -n $A link set lo up
ip -n $B addr add 10.9.0.2/24 dev veth-b; ip -n $B link set veth-b up; ip -n $B link set lo up
# No offloads, so tcpdump sees wire-format frames with real checksums.
ip netns exec $A ethtool -K veth-a tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec $B ethtool -K veth-b tx off rx off tso off gso off gro off >/dev/null 2>&1 || true

cat > /tmp/swlfix-dnsmasq.conf <<'CONF'
port=53
listen-address=10.9.0.2
bind-interfaces
no-resolv
no-hosts
domain=swiftlet.test
local=/swiftlet.test/
address=/www.swiftlet.test/10.9.0.80
host-record=v6.swiftlet.test,10.9.0.81,2001:db8::81
cname=alias.swiftlet.test,www.swiftlet.test
mx-host=swiftlet.test,mail.swiftlet.test,10
srv-host=_http._tcp.swiftlet.test,www.swiftlet.test,80,0,5
txt-record=txt.swiftlet.test,"hello swiftlet","second string"
ptr-record=80.0.9.10.in-addr.arpa,www.swiftlet.test
dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,1h
dhcp-option=option:router,10.9.0.2
dhcp-option=option:dns-server,10.9.0.2
dhcp-authoritative
CONF
ip netns exec $B dnsmasq --conf-file=/tmp/swlfix-dnsmasq.conf --keep-in-foreground --pid-file=/tmp/swlfix-dnsmasq.pid &
DNSMASQ=$!
ip netns exec $B python3 -c '
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.9.0.2", 8080)); s.listen(1)
c,_=s.accept(); d=c.recv(100); c.sendall(b"echo:"+d); c.close()' &
SERVER=$!
sleep 0.5
ip netns exec $A tcpdump -i veth-a -s 0 -U -w capture.pcap 2>/dev/null &
TCPDUMP=$!
sleep 1
ip netns exec $A ping -c 1 10.9.0.2 >/dev/null                       # ARP request/reply, ICMP echo
ip netns exec $A ping -c 1 -R 10.9.0.2 >/dev/null || true            # IPv4 record-route option
ip netns exec $A ping -c 1 -s 3000 10.9.0.2 >/dev/null               # fragmented echo
printf 'swiftlet' | ip netns exec $A nc -q 1 10.9.0.2 8080 >/dev/null # TCP handshake, data, FIN
printf 'udp payload' | ip netns exec $A nc -u -w 1 10.9.0.2 9999 || true  # UDP, ICMP port unreachable
for q in "www.swiftlet.test A" "v6.swiftlet.test AAAA" "alias.swiftlet.test A" "swiftlet.test MX" \
         "_http._tcp.swiftlet.test SRV" "txt.swiftlet.test TXT" "-x 10.9.0.80" "nope.swiftlet.test A"; do
    ip netns exec $A dig +tries=1 +time=2 @10.9.0.2 $q >/dev/null || true
done
ip netns exec $A dig +tcp +tries=1 +time=2 @10.9.0.2 www.swiftlet.test A >/dev/null || true
# A DHCP DISCOVER from scapy; dnsmasq answers with a real OFFER.
ip netns exec $A python3 - <<'PY'
from scapy.all import Ether, IP, UDP, BOOTP, DHCP, sendp, get_if_hwaddr
mac = get_if_hwaddr("veth-a")
p = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
     UDP(sport=68, dport=67) / BOOTP(chaddr=bytes.fromhex(mac.replace(":", "")) + bytes(10), xid=0x5377696c, flags=0x8000) /
     DHCP(options=[("message-type", "discover"), ("hostname", "swiftlet"),
                   ("param_req_list", [1, 3, 6, 15, 51, 58, 59]), "end"]))
sendp(p, iface="veth-a", verbose=False)
PY
sleep 4
kill $TCPDUMP; wait $TCPDUMP 2>/dev/null || true; TCPDUMP=
tcpdump -nr capture.pcap 2>/dev/null | wc -l
