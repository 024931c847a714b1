#!/usr/bin/python3
"""Real VNC viewers against a SwiftletVNC server (Tests/Apps/canvas): vncdotool (PyPI) connects with each
encoding and pixel format, and its decoded screen must equal, pixel for pixel, the frame buffer the
application gives on its dump port; it clicks and types, two viewers see the same changes, and raw
sockets send what must close a connection without harming the server or other viewers.

  vnc_peer.py capture HOST PORT DUMP [--password P]   every encoding x pixel format, compared
  vnc_peer.py interact HOST PORT DUMP                 click, type, a second viewer sees it
  vnc_peer.py hostile HOST PORT DUMP                  bad input closes only that connection
  vnc_peer.py password HOST PORT DUMP PASSWORD        right password works, a wrong one is refused
  vnc_peer.py tigervnc HOST PORT OUT.png              TigerVNC's viewer under Xvfb shows the dashboard example
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import warnings

warnings.simplefilter("ignore")
from vncdotool import api, rfb  # noqa: E402
from vncdotool import client as vclient  # noqa: E402

ENCODINGS = {"raw": rfb.Encoding.RAW, "rre": rfb.Encoding.RRE, "hextile": rfb.Encoding.HEXTILE, "zrle": rfb.Encoding.ZRLE}
# Formats vncdotool can turn into pictures: the server's own (BGRX), RGBX, and 16-bit 5-6-5.
FORMATS = {
    "bgrx32": rfb.PixelFormat(32, 24, False, True, 255, 255, 255, 16, 8, 0),
    "rgbx32": vclient.RGB32,
    "bgr16": vclient.BGR16,
}


def dump(host, port):
    """The application's frame buffer: (width, height, bytes of 0x00RRGGBB big-endian words)."""
    with socket.create_connection((host, port), timeout=20) as s:
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    w, h = struct.unpack("!HH", data[:4])
    assert len(data) == 4 + 4 * w * h, f"dump of {len(data)} bytes for {w}x{h}"
    return w, h, data[4:]


def connect(host, port, encoding="raw", fmt="bgrx32", password=None):
    """A vncdotool viewer asking for `encoding` and `fmt`. api.connect returns before the handshake, so each
    connection gets its own client class (a class-wide setting would change viewers still connecting)."""
    wanted = FORMATS[fmt]

    class Client(vclient.VNCDoToolClient):
        def setImageMode(self):
            if self.pixel_format != wanted:
                self.setPixelFormat(wanted)
            self._image_mode = vclient.PF2IM[wanted]

    Client.encoding = ENCODINGS[encoding]

    class Factory(vclient.VNCDoToolFactory):
        protocol = Client

    return api.connect(f"{host}::{port}", password=password, factory_class=Factory, timeout=30)


def compare(screen, w, h, pixels, fmt, what):
    """The viewer's picture against the frame buffer, channel by channel at the format's precision."""
    rgb = screen.convert("RGB")
    if rgb.size != (w, h):
        raise SystemExit(f"{what}: the viewer's screen is {rgb.size}, the frame buffer {w}x{h}")
    shown = rgb.tobytes()
    f = FORMATS[fmt]
    bits = [m.bit_length() for m in (f.redmax, f.greenmax, f.bluemax)]
    maxima = (f.redmax, f.greenmax, f.bluemax)
    bad = 0
    first = None
    for i in range(w * h):
        for ch in range(3):
            want = (pixels[4 * i + 1 + ch] * maxima[ch] + 127) // 255
            got = shown[3 * i + ch] >> (8 - bits[ch])
            if want != got:
                bad += 1
                if first is None:
                    first = f"pixel {i % w},{i // w} channel {ch}: want {want} got {got}"
                break
    if bad:
        raise SystemExit(f"{what}: {bad} of {w * h} pixels differ; first {first}")
    print(f"vnc: {what}: {w}x{h}, every pixel as the frame buffer", flush=True)


def capture(host, port, dport, password=None):
    for enc in ENCODINGS:
        for fmt in FORMATS:
            if enc == "zrle" and fmt == "bgr16":
                # vncdotool's ZRLE decoder reads every CPIXEL as three bytes (RFC 6143 §7.7.6 makes them
                # three only for 32-bit formats), so it cannot decode 16-bit ZRLE; the unit tests do.
                continue
            c = connect(host, port, enc, fmt, password)
            c.refreshScreen(False)
            w, h, pixels = dump(host, dport)
            compare(c.screen, w, h, pixels, fmt, f"{enc} {fmt}")
            c.disconnect()


def interact(host, port, dport):
    a = connect(host, port, "zrle", "bgrx32")
    b = connect(host, port, "hextile", "bgr16")
    a.refreshScreen(False)
    b.refreshScreen(False)
    # A clicks (left: red, right: blue) and types; B's next incremental update shows it.
    a.mouseMove(100, 300)
    a.mousePress(1)
    a.mouseMove(200, 310)
    a.mousePress(3)
    for k in "hello":
        a.keyPress(k)
    a.paste("cut from vncdotool")
    time.sleep(0.5)
    w, h, pixels = dump(host, dport)

    def at(x, y):
        i = 4 * (y * w + x)
        return pixels[i + 1:i + 4]

    assert at(100, 300) == b"\xff\x00\x00", f"no red square at the click: {at(100, 300).hex()}"
    assert at(200, 310) == b"\x00\x00\xff", f"no blue square at the right click: {at(200, 310).hex()}"
    b.refreshScreen(True)
    compare(b.screen, w, h, pixels, "bgr16", "second viewer, incremental, after the first one's clicks and keys")
    a.refreshScreen(True)
    compare(a.screen, w, h, pixels, "bgrx32", "first viewer, incremental")
    a.disconnect()
    b.disconnect()


def handshake(host, port):
    s = socket.create_connection((host, port), timeout=10)
    assert s.recv(12) == b"RFB 003.008\n"
    s.sendall(b"RFB 003.008\n")
    assert s.recv(2) == b"\x01\x01", "security types"
    s.sendall(b"\x01")
    assert s.recv(4) == b"\x00\x00\x00\x00", "SecurityResult"
    s.sendall(b"\x01")
    head = s.recv(24)
    (name_length,) = struct.unpack("!I", head[20:24])
    s.recv(name_length)
    return s


def closed(s, what):
    s.settimeout(10)
    try:
        while True:
            if not s.recv(65536):
                break
    except ConnectionResetError:
        pass
    except socket.timeout:
        raise SystemExit(f"{what}: the server did not close the connection")
    s.close()
    print(f"vnc: {what}: closed by the server", flush=True)


def hostile(host, port, dport):
    good = connect(host, port, "hextile", "bgrx32")
    good.refreshScreen(False)
    cases = {
        "SetEncodings of 65535 encodings": b"\x02\x00\xff\xff",
        "ClientCutText of 2^32-1 bytes": b"\x06\x00\x00\x00\xff\xff\xff\xff",
        "unknown message type 99": b"\x63" + b"\x00" * 20,
        "SetPixelFormat with zero bits": b"\x00\x00\x00\x00" + struct.pack("!BBBBHHHBBBxxx", 32, 24, 0, 1, 0, 0, 0, 16, 8, 0),
    }
    for what, data in cases.items():
        s = handshake(host, port)
        s.sendall(data)
        closed(s, what)
    # A short read mid-message, then the viewer goes away.
    s = handshake(host, port)
    s.sendall(b"\x03\x00\x00\x00")
    s.close()
    # Bad handshakes.
    s = socket.create_connection((host, port), timeout=10)
    s.recv(12)
    s.sendall(b"HTTP/1.1 200")
    closed(s, "not a ProtocolVersion")
    s = socket.create_connection((host, port), timeout=10)
    s.recv(12)
    s.sendall(b"RFB 003.008\n")
    s.recv(2)
    s.sendall(b"\x10")
    reply = s.recv(64)
    assert reply[:4] == b"\x00\x00\x00\x01", f"security type 16 got {reply!r}"
    closed(s, "security type not offered")
    # The server and the viewer that behaved go on.
    good.mouseMove(300, 400)
    good.mousePress(2)
    time.sleep(0.3)
    good.refreshScreen(True)
    w, h, pixels = dump(host, dport)
    compare(good.screen, w, h, pixels, "bgrx32", "a viewer that behaved, after the hostile ones")
    good.disconnect()


def password(host, port, dport, word):
    try:
        c = connect(host, port, "raw", "bgrx32", "not" + word[:5])  # (only 8 bytes count)
        c.refreshScreen(False)
        raise SystemExit("a wrong password was accepted")
    except vclient.AuthenticationError as e:
        print(f"vnc: a wrong password is refused ({e})", flush=True)
    c = connect(host, port, "zrle", "bgrx32", word)
    c.refreshScreen(False)
    w, h, pixels = dump(host, dport)
    compare(c.screen, w, h, pixels, "bgrx32", "zrle with VNC Authentication")
    c.disconnect()


def tigervnc(host, port, out):
    """TigerVNC's vncviewer on a private Xvfb display; a screenshot of it must show the dashboard example:
    its panels, its background and its orange title, in the amounts a 1024x768 dashboard has."""
    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1100x860x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    viewer = None
    try:
        time.sleep(1.5)
        env = dict(os.environ, DISPLAY=display)
        viewer = subprocess.Popen(["vncviewer", "-geometry", "+0+0", f"{host}::{port}"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        from PIL import ImageGrab
        for _ in range(30):
            time.sleep(1)
            shot = ImageGrab.grab(xdisplay=display).convert("RGB")
            colours = shot.getcolors(1 << 20) or []
            count = {c: n for n, c in colours}
            panel, background, orange = count.get((0x1C, 0x28, 0x33), 0), count.get((0x10, 0x18, 0x20), 0), count.get((0xF5, 0xA6, 0x23), 0)
            if panel > 150_000 and background > 20_000 and orange > 200:
                shot.save(out)
                print(f"vnc: TigerVNC shows the dashboard ({panel} panel, {background} background, {orange} orange pixels); {out}", flush=True)
                return
        shot.save(out)
        viewer.kill()
        log = viewer.communicate()[0].decode(errors="replace")
        raise SystemExit(f"TigerVNC's screen is not the dashboard (panel {panel}, background {background}, orange {orange}); {out}\n{log}")
    finally:
        for p in (viewer, xvfb):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=10)


def main():
    command, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dport = int(sys.argv[4]) if command != "tigervnc" else 0
    try:
        if command == "capture":
            capture(host, port, dport, sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--password" else None)
        elif command == "interact":
            interact(host, port, dport)
        elif command == "hostile":
            hostile(host, port, dport)
        elif command == "tigervnc":
            tigervnc(host, port, sys.argv[4])
            return
        elif command == "password":
            password(host, port, dport, sys.argv[5])
        else:
            raise SystemExit(f"unknown command {command}")
    finally:
        api.shutdown()


if __name__ == "__main__":
    main()
