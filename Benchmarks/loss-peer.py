# The Linux ends of `Benchmarks/run tcp-loss` (Benchmarks/loss.sh; issue 18): the client that times one
# echo exchange, and the reference echo server (RFC 862, like Examples/echo) Linux's stack is measured with.
#
#   python3 loss-peer.py client ADDR PORT BYTES TIMEOUT SEED [CC]
#       One TCP connection: sends BYTES seeded pseudo-random bytes while reading the echo at the same time
#       (non-blocking, select, 256 KiB writes and reads), then shuts down its sending side. Prints one line:
#         done SECONDS SENT RECEIVED exact|differs    every byte came back; SECONDS up to the last one
#         timeout SECONDS SENT RECEIVED               TIMEOUT seconds passed first ("did not finish")
#         error SECONDS SENT RECEIVED MESSAGE         the connection failed (reset, refused, ...)
#       "exact" means the echo had exactly BYTES bytes with the SHA-256 of what was sent, and nothing more
#       came before the server's FIN (waited for up to 5 s after the last byte, outside SECONDS).
#       Exit status 0 for done, 3 for timeout, 4 for error: all three are results for the caller.
#   python3 loss-peer.py echo ADDR PORT [CC]
#       Echoes every connection, one at a time, until killed; 256 KiB reads, blocking writes.
#   CC: Linux's congestion control for the connection (TCP_CONGESTION; the listener's is inherited by
#   what it accepts). As root any the kernel has may be chosen, not only net.ipv4.tcp_allowed_congestion_control;
#   without CC the namespace's default. The client fails (exit 2) if the kernel does not take it.
import hashlib
import random
import select
import socket
import sys
import time

CHUNK = 256 * 1024


def congestion_control(s, cc):
    if cc:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
        got = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
        if got != cc:
            raise SystemExit(f"loss-peer: asked for congestion control {cc}, the socket has {got}")


def client(addr, port, total, timeout, seed, cc=None):
    data = random.Random(seed).randbytes(total)
    sent_digest = hashlib.sha256(data).hexdigest()
    received_digest = hashlib.sha256()
    sent = received = 0
    start = time.monotonic()
    deadline = start + timeout

    def line(kind, extra=""):
        print(f"{kind} {time.monotonic() - start:.3f} {sent} {received}{extra}", flush=True)

    try:
        s = socket.socket()
        congestion_control(s, cc)
        s.settimeout(min(timeout, 30))
        s.connect((addr, port))
        s.setblocking(False)
        shut = False
        while received < total:
            now = time.monotonic()
            if now >= deadline:
                line("timeout")
                s.close()
                return 3
            want_write = [s] if sent < total else []
            readable, writable, _ = select.select([s], want_write, [], min(1.0, deadline - now))
            if writable:
                try:
                    sent += s.send(memoryview(data)[sent:sent + CHUNK])
                except BlockingIOError:
                    pass
                if sent == total and not shut:
                    s.shutdown(socket.SHUT_WR)
                    shut = True
            if readable:
                try:
                    piece = s.recv(CHUNK)
                except BlockingIOError:
                    continue
                if not piece:
                    line("error", " closed by the server before the whole echo")
                    return 4
                received += len(piece)
                received_digest.update(piece)
        elapsed = time.monotonic() - start
        # Anything beyond BYTES before the server's FIN makes the echo inexact.
        extra = 0
        end = time.monotonic() + 5
        while time.monotonic() < end:
            readable, _, _ = select.select([s], [], [], end - time.monotonic())
            if not readable:
                break
            try:
                piece = s.recv(CHUNK)
            except BlockingIOError:
                continue
            except OSError:
                break
            if not piece:
                break
            extra += len(piece)
        s.close()
        exact = received == total and extra == 0 and received_digest.hexdigest() == sent_digest
        print(f"done {elapsed:.3f} {sent} {received + extra} {'exact' if exact else 'differs'}", flush=True)
        return 0
    except OSError as e:
        line("error", f" {type(e).__name__}: {e.strerror or e}")
        return 4


def echo(addr, port, cc=None):
    listener = socket.socket()
    congestion_control(listener, cc)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, port))
    listener.listen(4)
    print(f"echo: listening on {addr}:{port}", flush=True)
    while True:
        c, _ = listener.accept()
        try:
            while True:
                piece = c.recv(CHUNK)
                if not piece:
                    break
                c.sendall(piece)
        except OSError:
            pass
        c.close()


if __name__ == "__main__":
    if len(sys.argv) in (7, 8) and sys.argv[1] == "client":
        sys.exit(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), *sys.argv[7:]))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "echo":
        echo(sys.argv[2], int(sys.argv[3]), *sys.argv[4:])
    else:
        print(__doc__ if __doc__ else "usage: loss-peer.py client ADDR PORT BYTES TIMEOUT SEED [CC] | echo ADDR PORT [CC]", file=sys.stderr)
        sys.exit(2)
