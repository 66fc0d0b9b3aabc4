"""Clients that misbehave next to the load, and a probe that checks nobody starves.

    python3 misbehave.py PORT SECONDS [SLOW_CLIENTS]

- slowloris: SLOW_CLIENTS connections (default 100) that send a request one byte a second
  and reopen when the server closes them;
- abrupt disconnects: uploads that announce 1 MiB, send 64 KiB, then reset the connection;
- a probe: GET /healthz and a text search on fresh connections every 0.5 s; each must be
  answered 200 within 2 s.
Prints a summary and `MISBEHAVE_STARVED=<n>` (probes that failed or were slow); exit 0.
"""
import socket
import struct
import sys
import threading
import time

PORT = int(sys.argv[1])
SECONDS = float(sys.argv[2])
SLOW_CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 100
END = time.monotonic() + SECONDS
stats = {"slow_opened": 0, "slow_closed_by_server": 0, "aborted_uploads": 0, "probes": 0, "starved": 0, "worst_probe_ms": 0.0}
lock = threading.Lock()


def bump(key, value=1):
    with lock:
        stats[key] += value


def slow_client():
    request = b"POST /v1/search/captions HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nX-Padding: " + b"a" * 4000
    while time.monotonic() < END:
        try:
            sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        except OSError:
            time.sleep(1)
            continue
        bump("slow_opened")
        try:
            for byte in request:
                if time.monotonic() >= END:
                    break
                sock.send(bytes([byte]))
                time.sleep(1)
        except OSError:
            bump("slow_closed_by_server")
        finally:
            sock.close()


def aborted_uploads():
    chunk = b"\x89PNG\r\n\x1a\n" + b"\0" * (64 * 1024 - 8)
    while time.monotonic() < END:
        try:
            sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
            sock.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1048576\r\n\r\n" + chunk)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
            sock.close()
            bump("aborted_uploads")
        except OSError:
            pass
        time.sleep(0.05)


def probe():
    while time.monotonic() < END:
        for target in (b"/healthz", b"/v1/search/images?q=red&k=1"):
            start = time.monotonic()
            ok = False
            try:
                with socket.create_connection(("127.0.0.1", PORT), timeout=2) as sock:
                    sock.settimeout(max(0.01, 2 - (time.monotonic() - start)))
                    sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data = b""
                    while True:
                        piece = sock.recv(65536)
                        if not piece:
                            break
                        data += piece
                    ok = data.startswith(b"HTTP/1.1 200")
            except OSError:
                ok = False
            elapsed = (time.monotonic() - start) * 1000
            with lock:
                stats["probes"] += 1
                stats["worst_probe_ms"] = max(stats["worst_probe_ms"], elapsed)
                if not ok or elapsed > 2000:
                    stats["starved"] += 1
        time.sleep(0.5)


threads = [threading.Thread(target=slow_client, daemon=True) for _ in range(SLOW_CLIENTS)]
threads += [threading.Thread(target=aborted_uploads, daemon=True) for _ in range(2)]
threads += [threading.Thread(target=probe, daemon=True)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=max(0, END - time.monotonic()) + 10)
print("misbehaving clients: %(slow_opened)d slow connections opened (%(slow_closed_by_server)d closed by the server), "
      "%(aborted_uploads)d uploads reset mid-body; %(probes)d probes, %(starved)d failed or slower than 2 s, "
      "worst %(worst_probe_ms).0f ms" % stats)
print("MISBEHAVE_STARVED=%d" % stats["starved"])
