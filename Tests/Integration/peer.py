#!/usr/bin/env python3
"""Linux-side peers for the hosted-target tests (Tests/Integration/hosted.sh).

  peer.py pattern N                      write N bytes of the bulk pattern to stdout
  peer.py digest N                       ContentDigest (64-bit FNV-1a over bytes, then length) of N pattern bytes
  peer.py send ADDR PORT N               send N pattern bytes, half-close, print the reply
  peer.py receive ADDR PORT N            ask a source for N bytes, check count and pattern, print 'ok ...'
  peer.py server ADDR PORT               serve one Swiftlet client: sink ('send' clients) and source
                                         ('receive' clients: first line is a count); exits after one
  peer.py frames IFACE DST_MAC SRC_IP DST_IP   send malformed frames through IFACE (AF_PACKET)
  peer.py timed-echo ADDR PORT COUNT GAP LIMIT  COUNT times, GAP seconds apart: connect, send a line, read
                                         its echo; prints each time; exits 1 if one took over LIMIT s
  peer.py hold ADDR PORT SOURCE N MODE   opens N connections from address SOURCE and keeps them: MODE
                                         'echo' sends a line and reads its echo once; 'unread' sends
                                         until its buffers are full and never reads. Prints 'holding N'
                                         and sleeps until killed
  peer.py dns-tcp-cap ADDR PORT N        N DNS-over-TCP clients, each answered once and kept open; one
                                         more must get no answer (the server's cap is N); with the N
                                         closed, a new client is answered again
  peer.py dns-rrl ADDR PORT FLOOD_SRC OTHER_SRC N SECONDS M RATE SLIP
                                         response rate limiting: N queries for www.example.test A over
                                         SECONDS from FLOOD_SRC, counted as full answers, TC=1 stand-ins
                                         or none; meanwhile M from OTHER_SRC, which must all be answered
                                         in full. Checks the flood's shape against RATE and SLIP (full
                                         answers: RATE to start with plus RATE a second; every SLIPth
                                         limited one truncated)

The pattern is byte i = (7*i + i // 4099) % 251 (Tests/Apps/bulk/Bulk.swift); it repeats every
251 * 4099 bytes, so one period is computed and then sliced.
"""
import hashlib
import socket
import struct
import sys

PERIOD = 251 * 4099
_block = bytes(((7 * i + i // 4099) % 251) for i in range(PERIOD))


def pattern_chunks(n, offset=0, chunk=1 << 16):
    while n > 0:
        start = offset % PERIOD
        k = min(chunk, n, PERIOD - start)
        yield _block[start:start + k]
        offset += k
        n -= k


def check_pattern(data, offset):
    """Index of the first byte that differs from the pattern at `offset`, or -1."""
    pos = 0
    for expected in pattern_chunks(len(data), offset):
        got = data[pos:pos + len(expected)]
        if got != expected:
            for j in range(len(expected)):
                if j >= len(got) or got[j] != expected[j]:
                    return offset + pos + j
        pos += len(expected)
    return -1


def connect(addr, port):
    s = socket.create_connection((addr, int(port)), timeout=300)
    s.settimeout(300)
    return s


def cmd_send(addr, port, n):
    s = connect(addr, port)
    for c in pattern_chunks(int(n)):
        s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        reply += d
    print(reply.decode().strip())


def cmd_receive(addr, port, n):
    n = int(n)
    s = connect(addr, port)
    s.sendall(b"%d\n" % n)
    total, bad = 0, -1
    digest = hashlib.sha256()
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        if bad < 0:
            bad = check_pattern(d, total)
        digest.update(d)
        total += len(d)
    want = hashlib.sha256()
    for c in pattern_chunks(n):
        want.update(c)
    if total == n and bad < 0 and digest.digest() == want.digest():
        print("ok %d bytes sha256 %s" % (total, digest.hexdigest()))
    else:
        print("BAD: %d of %d bytes, first difference at %d" % (total, n, bad))
        sys.exit(1)


def cmd_server(addr, port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(120)
    c, _ = ls.accept()
    c.settimeout(300)
    first = c.recv(1 << 16)
    if first.endswith(b"\n") and first[:-1].isdigit():
        n = int(first[:-1])
        for chunk in pattern_chunks(n):
            c.sendall(chunk)
        print("sent %d" % n, flush=True)
    else:
        total, bad, data = 0, -1, first
        while data:
            if bad < 0:
                bad = check_pattern(data, total)
            total += len(data)
            data = c.recv(1 << 16)
        verdict = "ok" if bad < 0 else "mismatch at %d" % bad
        c.sendall(b"%d %s\n" % (total, verdict.encode()))
        print("received %d %s" % (total, verdict), flush=True)
    c.close()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ihl=5, total=None, bad_checksum=False, fragment=0):
    total = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, fragment, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    c = checksum(h)
    if bad_checksum:
        c ^= 0x5555
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def tcp(src, dst, sport, dport, flags, payload=b"", bad_checksum=False):
    h = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(h))
    c = checksum(pseudo + h)
    if bad_checksum:
        c ^= 0x1234
    return h[:16] + struct.pack("!H", c) + h[18:]


def cmd_frames(iface, dst_mac, src_ip, dst_ip):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = open("/sys/class/net/%s/address" % iface).read().strip()
    eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
    frames = {
        "Ethernet header and nothing else": eth + b"\x08\x00",
        "IPv4 header cut short": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 6, b"")[:12],
        "IPv4 header length below 5 words": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 6, b"x" * 20, ihl=3),
        "IPv4 total length beyond the frame": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 17, b"x" * 8, total=1400),
        "bad IPv4 header checksum": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 6, tcp(src_ip, dst_ip, 4444, 7, 0x02), bad_checksum=True),
        "bad TCP checksum on a SYN": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 6, tcp(src_ip, dst_ip, 4445, 7, 0x02, bad_checksum=True)),
        "SYN+FIN+RST+URG to the echo port": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 6, tcp(src_ip, dst_ip, 4446, 7, 0x2F)),
        "TCP header cut short": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 6, tcp(src_ip, dst_ip, 4447, 7, 0x10)[:9]),
        "UDP length beyond the datagram": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 17, struct.pack("!HHHH", 5555, 7, 400, 0) + b"abc"),
        "ARP cut short": eth + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01",
        "unknown EtherType": eth + b"\x88\xb5" + b"\x00" * 46,
        "IPv4 fragment past 65535 bytes": eth + b"\x08\x00" + ipv4(src_ip, dst_ip, 17, b"y" * 16, fragment=0x1FFF),
    }
    for name, frame in frames.items():
        s.send(frame)  # not padded to 60 bytes: a tap delivers short frames as they are
        print("sent:", name)


def cmd_timed_echo(addr, port, count, gap, limit):
    import time
    worst = 0.0
    for i in range(int(count)):
        t0 = time.monotonic()
        try:
            with socket.create_connection((addr, int(port)), timeout=10) as s:
                line = b"legitimate client %d\n" % i
                s.sendall(line)
                got = b""
                while len(got) < len(line):
                    chunk = s.recv(len(line) - len(got))
                    if not chunk:
                        break
                    got += chunk
            took = time.monotonic() - t0
            ok = got == line
        except OSError as e:
            took, ok = time.monotonic() - t0, False
            print("connection %d: %s" % (i, e))
        worst = max(worst, took)
        print("connect+echo %d: %.3f s%s" % (i, took, "" if ok else " (no echo)"), flush=True)
        if not ok or took > float(limit):
            sys.exit(1)
        time.sleep(float(gap))
    print("worst %.3f s" % worst)


def cmd_hold(addr, port, source, n, mode):
    import resource, time
    n = int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 64)), hard))
    held = []
    for i in range(n):
        s = socket.socket()
        if mode == "unread":
            # A small receive buffer: the window closes after a few kilobytes of echo.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind((source, 0))
        s.settimeout(10)
        s.connect((addr, int(port)))
        if mode == "echo":
            s.sendall(b"hello\n")
            got = b""
            while len(got) < 6:
                chunk = s.recv(6 - len(got))
                if not chunk:
                    sys.exit("connection %d closed before its echo" % i)
                got += chunk
        else:
            s.setblocking(False)
        held.append(s)
    if mode == "unread":
        # Send until no socket takes more: the kernel's echo waits on a peer that never reads.
        chunk = b"u" * 65536
        for _ in range(200):
            moved = 0
            for s in held:
                try:
                    moved += s.send(chunk)
                except (BlockingIOError, OSError):
                    pass
            if moved == 0:
                break
            time.sleep(0.05)
    print("holding %d" % len(held), flush=True)
    while True:
        time.sleep(3600)


def dns_tcp_query(s):
    """Asks www.example.test A on the connected socket s; the answer's bytes, or None (closed, reset)."""
    name = b"".join(bytes([len(p)]) + p for p in b"www.example.test".split(b".")) + b"\0"
    query = struct.pack(">HHHHHH", 0x5157, 0, 1, 0, 0, 0) + name + struct.pack(">HH", 1, 1)
    try:
        s.sendall(struct.pack(">H", len(query)) + query)
        got = b""
        while len(got) < 2 or len(got) < 2 + struct.unpack(">H", got[:2])[0]:
            chunk = s.recv(4096)
            if not chunk:
                return None
            got += chunk
        return got[2:]
    except OSError:
        return None


def cmd_dns_tcp_cap(addr, port, n):
    import resource
    n = int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 64)), hard))
    held = []
    for i in range(n):
        s = socket.create_connection((addr, int(port)), timeout=5)
        answer = dns_tcp_query(s)
        if answer is None or answer[:2] != b"\x51\x57":
            sys.exit("client %d of %d was not answered" % (i + 1, n))
        held.append(s)
    # The extra client is reset at once; the reset can even arrive while connect() is still waiting
    # (the server accepts and aborts within the same moment), which is the same refusal.
    try:
        extra = socket.create_connection((addr, int(port)), timeout=5)
    except ConnectionResetError:
        extra = None
    if extra is not None:
        if dns_tcp_query(extra) is not None:
            sys.exit("client %d was answered: no cap at %d" % (n + 1, n))
        extra.close()
    for s in held:
        s.close()
    import time
    time.sleep(0.5)
    with socket.create_connection((addr, int(port)), timeout=5) as s:
        if dns_tcp_query(s) is None:
            sys.exit("a new client was not answered after the %d closed" % n)
    print("ok: %d clients answered and held, client %d refused, a new one answered after" % (n, n + 1))


def dns_query(qid, name=b"www.example.test"):
    labels = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack(">HH", 1, 1)


def cmd_dns_rrl(addr, port, flood_src, other_src, n, seconds, m, rate, slip):
    import select
    import time
    n, seconds, m, rate, slip = int(n), float(seconds), int(m), int(rate), int(slip)
    dest = (addr, int(port))
    socks = {}
    for role, src in (("flood", flood_src), ("other", other_src)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((src, 0))
        s.setblocking(False)
        socks[role] = s
    got = {"flood": {}, "other": {}}

    def drain(timeout):
        ready, _, _ = select.select(list(socks.values()), [], [], timeout)
        for role, s in socks.items():
            if s not in ready:
                continue
            while True:
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    break
                if len(data) < 12:
                    continue
                qid, flags, qd, an = struct.unpack(">HHHH", data[:8])
                got[role][qid] = "tc" if flags & 0x0200 else ("full" if an >= 1 and flags & 0x000F == 0 else "other")

    start = time.monotonic()
    every = max(1, n // max(1, m))
    sent_other = 0
    for i in range(n):
        # Paced: query i leaves at start + i * seconds / n.
        due = start + i * seconds / n
        while time.monotonic() < due:
            drain(max(0.0, min(0.001, due - time.monotonic())))
        socks["flood"].sendto(dns_query(i), dest)
        if i % every == 0 and sent_other < m:
            socks["other"].sendto(dns_query(sent_other), dest)
            sent_other += 1
    elapsed = time.monotonic() - start
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        drain(0.05)
    flood = list(got["flood"].values())
    full, tc, odd = flood.count("full"), flood.count("tc"), flood.count("other")
    none = n - len(flood)
    other_full = list(got["other"].values()).count("full")
    print("flood from %s: %d queries in %.2f s: %d full, %d truncated (TC=1), %d unanswered, %d other; "
          "from %s: %d of %d answered in full" % (flood_src, n, elapsed, full, tc, none, odd, other_src, other_full, sent_other))
    problems = []
    if other_full != sent_other or sent_other != m:
        problems.append("the other source was not answered in full")
    if odd:
        problems.append("responses that are neither full nor TC=1")
    # At most RATE to start with and RATE a second after; at least the first RATE (the time the queries
    # took bounds it above; +2 for the edges).
    if rate == 0:
        if full != n:
            problems.append("%d full answers with no rate limit, not %d" % (full, n))
    elif not rate <= full <= rate + rate * elapsed + 2:
        problems.append("%d full answers, not within %d..%d" % (full, rate, rate + rate * elapsed + 2))
    limited = n - full
    if slip > 0 and abs(tc - limited // slip) > 2:
        problems.append("%d truncated of %d limited: not every %dth" % (tc, limited, slip))
    if problems:
        sys.exit("; ".join(problems))
    print("ok")


if __name__ == "__main__":
    commands = {"send": cmd_send, "receive": cmd_receive, "server": cmd_server, "frames": cmd_frames,
                "timed-echo": cmd_timed_echo, "hold": cmd_hold,
                "dns-tcp-cap": cmd_dns_tcp_cap, "dns-rrl": cmd_dns_rrl}
    if len(sys.argv) >= 3 and sys.argv[1] == "digest":
        h = 0xCBF29CE484222325
        for chunk in pattern_chunks(int(sys.argv[2])):
            for b in chunk:
                h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        n = int(sys.argv[2])
        for i in range(8):
            h = ((h ^ ((n >> (8 * i)) & 0xFF)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        print("%016x" % h)
    elif len(sys.argv) >= 3 and sys.argv[1] == "pattern":
        out = sys.stdout.buffer
        for c in pattern_chunks(int(sys.argv[2])):
            out.write(c)
    elif len(sys.argv) >= 2 and sys.argv[1] in commands:
        commands[sys.argv[1]](*sys.argv[2:])
    else:
        print(__doc__)
        sys.exit(2)
