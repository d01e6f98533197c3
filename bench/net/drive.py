#!/usr/bin/env python3
"""bench/net/drive.py: the host's side of the network benchmark (docs/benchmarks.md, "The network
rows"). Talks to bench/net/http_bench_server.c in the guest through QEMU's user-network forwards
on 127.0.0.1 (bench/net/run.sh sets them up), one connection at a time:

  1. waits until GET /page answers with the whole page (the forward accepts before the guest
     listens, so a refused or cut answer means "not yet"), then `warmup` more untimed requests;
  2. quiet windows: GET /begin, a wait of `quiet` seconds (each of them), GET /end: the guest
     measures its own timer work while idle and the batch's edges from them;
  3. `batches` times: GET /begin, `requests` times GET /page (each answer checked: status 200 and
     exactly 1024 bytes of body), GET /end (the guest's counts for the batch);
  4. `transfers` times: GET /bulk, then `bulk_bytes` sent on the bulk port and the write side
     shut; the guest reads to the end and closes;
  5. GET /report: the guest prints its BENCH lines and ends.

Exit status 0 when every answer was right; 1 (with the reason) otherwise. Never binds anything
but client sockets to 127.0.0.1.
"""
import argparse
import os
import socket
import sys
import time

PAGE_BYTES = 1024


def get(port, path, timeout):
    """One HTTP/1.0 GET; returns (status, body) or raises OSError."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: bench\r\n\r\n")
        data = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    if not sep:
        raise OSError("no complete head in %d bytes from %s" % (len(data), path))
    status = head.split(b"\r\n", 1)[0]
    parts = status.split(b" ")
    if len(parts) < 2 or not parts[1].isdigit():
        raise OSError("bad status line %r from %s" % (status, path))
    return int(parts[1]), body


def get_page(port, timeout):
    status, body = get(port, "/page", timeout)
    if status != 200 or len(body) != PAGE_BYTES:
        raise OSError("/page answered %d with %d bytes (want 200, %d)" % (status, len(body), PAGE_BYTES))


def alive(pid):
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def wait_ready(port, deadline, timeout, qemu_pid):
    last = None
    while time.monotonic() < deadline:
        if not alive(qemu_pid):
            raise OSError("QEMU (pid %d) ended before the server answered" % qemu_pid)
        try:
            get_page(port, timeout)
            return
        except OSError as e:
            last = e
            time.sleep(0.5)
    raise OSError("the guest's server never answered /page: %s" % last)


def bulk(port, bulk_port, nbytes, timeout):
    status, body = get(port, "/bulk", timeout)
    if status != 200:
        raise OSError("/bulk answered %d" % status)
    chunk = bytes(range(256)) * 256  # 64 KiB
    with socket.create_connection(("127.0.0.1", bulk_port), timeout=timeout) as s:
        left = nbytes
        while left > 0:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n
        s.shutdown(socket.SHUT_WR)
        # The guest closes once it has read everything: wait for that end.
        while s.recv(4096):
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True, help="host port forwarded to guest port 80")
    ap.add_argument("--bulk-port", type=int, required=True, help="host port forwarded to 5001")
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--requests", type=int, default=100, help="GETs per batch")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--quiet", type=float, nargs="*", default=[0.2, 2.0],
                    help="seconds of each quiet window (no request between /begin and /end)")
    ap.add_argument("--transfers", type=int, default=3)
    ap.add_argument("--bulk-bytes", type=int, default=8 << 20)
    ap.add_argument("--ready-timeout", type=float, default=300, help="seconds to wait for the server")
    ap.add_argument("--timeout", type=float, default=60, help="seconds for one socket operation")
    ap.add_argument("--qemu-pid", type=int, help="stop waiting for the server once this process ended")
    a = ap.parse_args()
    try:
        wait_ready(a.port, time.monotonic() + a.ready_timeout, a.timeout, a.qemu_pid)
        for _ in range(a.warmup):
            get_page(a.port, a.timeout)
        print("drive: server ready, %d warm-up requests done" % a.warmup, flush=True)
        for q in a.quiet:
            get(a.port, "/begin", a.timeout)
            time.sleep(q)
            status, body = get(a.port, "/end", a.timeout)
            print("drive: quiet %.1f s: %s" % (q, body.decode(errors="replace").strip()), flush=True)
        for b in range(a.batches):
            get(a.port, "/begin", a.timeout)
            for _ in range(a.requests):
                get_page(a.port, a.timeout)
            status, body = get(a.port, "/end", a.timeout)
            print("drive: batch %d: %s" % (b + 1, body.decode(errors="replace").strip()), flush=True)
        for t in range(a.transfers):
            start = time.monotonic()
            bulk(a.port, a.bulk_port, a.bulk_bytes, a.timeout)
            print("drive: transfer %d: %d bytes in %.1f s of host time"
                  % (t + 1, a.bulk_bytes, time.monotonic() - start), flush=True)
        get(a.port, "/report", a.timeout)
    except OSError as e:
        print("drive: FAIL: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
