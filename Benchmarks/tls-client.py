#!/usr/bin/env python3
"""Benchmarks/tls-client.py MODE HOST PORT SECONDS CA: TLS 1.3 connections one after another for SECONDS,
each a handshake, one GET / and its response, then close; prints connections per second. MODE full: a
new session each time; resumed: each connection offers the session (ticket) the previous one received,
and the run fails if fewer than 90% were resumed. The client is Python's ssl (OpenSSL)."""
import socket, ssl, sys, time

mode, host, port, seconds, ca = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
context = ssl.create_default_context(cafile=ca)
context.minimum_version = ssl.TLSVersion.TLSv1_3
context.check_hostname = False
request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
session = None
count = reused = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    with socket.create_connection((host, port)) as raw:
        with context.wrap_socket(raw, server_hostname="localhost", session=session if mode == "resumed" else None) as s:
            s.sendall(request)
            while s.recv(65536):
                pass
            if s.session_reused:
                reused += 1
            session = s.session
    count += 1
if mode == "resumed" and reused < 0.9 * (count - 1):
    sys.exit(f"tls-client: only {reused} of {count} connections were resumed")
print(f"{count / seconds:.0f}")
