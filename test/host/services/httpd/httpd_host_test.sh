#!/usr/bin/env bash
# The status server's host build (httpd-host) on 127.0.0.1 at a random port, fetched with curl:
# the page and the JSON with the fake source's data, HEAD, 404, 405, 400 for a malformed
# request, a client that sends half a request and goes quiet (answered 408 after the read
# timeout, while other clients are served in the meantime), more quiet clients than slots (a
# newcomer displaces the idlest at once) and a burst of 1,000 connections.
# Usage: httpd_host_test.sh <httpd-host>
set -uo pipefail
source "$(dirname "$0")/httpd_lib.sh"
trap httpd_stop EXIT
httpd_start "$1" || exit 1
base=http://127.0.0.1:$HTTPD_PORT
fails=0
check() { # check <what> <command...>: the command must succeed
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}
fetch() { curl -s --max-time 10 "$@"; }

page=$(fetch "$base/")
check "page has the process table" grep -q '<table id="processes">' <<<"$page"
check "page lists EchoServer running" grep -q '<td>EchoServer</td><td>demo.EchoServer</td><td>running</td>' <<<"$page"
check "page escapes a process name" grep -q 'Mallory&lt;script&gt;' <<<"$page"
check "page reloads itself" grep -q 'http-equiv="refresh" content="2"' <<<"$page"
head=$(fetch -D - -o /dev/null "$base/")
check "page is text/html" grep -qi '^content-type: text/html; charset=utf-8' <<<"$head"
check "page is not cached" grep -qi '^cache-control: no-store' <<<"$head"

json=$(fetch "$base/status.json")
check "JSON parses and has the processes" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
names = {p["name"]: p for p in d["processes"]}
assert names["StatusServer"]["class"] == "httpd.StatusServer", names
assert names["Mallory<script>"]["state"] == "dead"
assert {c["class"]: c["denials"] for c in d["classes"]}["demo.Untrusted"] == 5
assert d["free_bytes"] == 300 << 20 and d["uptime_ns"] > 0
assert len(d["audit"]) == 2
net = d["net"]
assert net["sockets"] == 3 and net["sockets_max"] == 48 and net["nic_link_up"] is True, net
assert net["udp"]["recv"] == 601 and net["tcp"]["drop"] == 703, net' "$json"

code() { fetch -o /dev/null -w '%{http_code}' "$@"; }
check "HEAD / is 200 without a body" test "$(fetch -I "$base/" | head -n1 | tr -d '\r')" = "HTTP/1.1 200 OK"
check "unknown path is 404" test "$(code "$base/nope")" = 404
check "POST is 405" test "$(code -X POST "$base/")" = 405
check "DELETE on the JSON is 405" test "$(code -X DELETE "$base/status.json")" = 405
check "a body is 413" test "$(code -X GET --data-binary abc "$base/")" = 413

raw() { # raw <bytes>: sent as they are; prints the status line
  python3 - "$HTTPD_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print(data.split(b"\r\n")[0].decode())
PY
}
body_after_head() { # body_after_head <request>: how many bytes came after the answer's head
  python3 - "$HTTPD_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print(len(data.split(b"\r\n\r\n", 1)[1]))
PY
}
check "HEAD has no body" test "$(body_after_head 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n')" = 0
check "GET has one" test "$(body_after_head 'GET / HTTP/1.1\r\nHost: a\r\n\r\n')" -gt 1000
check "bare LF is 400" test "$(raw 'GET / HTTP/1.1\nHost: a\n\n')" = "HTTP/1.1 400 Bad Request"
check "no Host is 400" test "$(raw 'GET / HTTP/1.1\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "HTTP/2.0 is 505" test "$(raw 'GET / HTTP/2.0\r\nHost: a\r\n\r\n')" = "HTTP/1.1 505 HTTP Version Not Supported"

# Half a request, then silence: the slot is freed by the read timeout (5 s) with a 408, and the
# server answers others meanwhile.
slow=$(mktemp)
python3 - "$HTTPD_PORT" >"$slow" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
start = time.monotonic()
data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print(data.split(b"\r\n")[0].decode(), round(time.monotonic() - start))
PY
slow_pid=$!
sleep 1
check "served while a client is half-open" test "$(code "$base/status.json")" = 200
wait "$slow_pid"
status=$(awk '{print $2}' "$slow")
secs=$(awk '{print $NF}' "$slow")
rm -f "$slow"
check "half-open client answered 408 (got $status)" test "$status" = 408
check "after the read timeout (${secs}s)" test "${secs:-0}" -ge 4 -a "${secs:-99}" -le 8

# More clients than slots, all quiet (half a request, or nothing): a new client takes the slot
# of the idlest at once instead of waiting out their read timeouts (5 s).
ready=$(mktemp)
python3 - "$HTTPD_PORT" "$ready" <<'PY' &
import socket, sys, time
quiet = []
for i in range(12):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    if i % 2:
        s.sendall(b"GET / HTTP/1.1\r\n")
    quiet.append(s)
open(sys.argv[2], "w").write("connected\n")
time.sleep(8)
PY
quiet_pid=$!
for _ in $(seq 100); do [[ -s $ready ]] && break; sleep 0.1; done
sleep 0.5 # the server has accepted the first 8 and taken their half requests
took=$(fetch --max-time 15 -o /dev/null -w '%{http_code} %{time_total}' "$base/")
check "served while 12 quiet clients hold every slot (got $took)" \
  python3 -c 'import sys; c, t = sys.argv[1].split(); assert c == "200" and float(t) < 2.5' "$took"
kill "$quiet_pid" 2>/dev/null; wait "$quiet_pid" 2>/dev/null
rm -f "$ready"

# A burst of 1,000 connections, half of them closed at once, half with a request they do not
# wait for: the server is still there and answers.
python3 - "$HTTPD_PORT" <<'PY'
import socket, sys
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    if i % 2:
        s.sendall(b"GET /status.json HTTP/1.1\r\nHost: a\r\n\r\n")
    s.close()
PY
check "served after a burst of 1,000 connections" test "$(code "$base/status.json")" = 200
check "httpd-host still runs" kill -0 "$HTTPD_PID"
echo "httpd_host_curl: $fails failed"
((fails == 0))
