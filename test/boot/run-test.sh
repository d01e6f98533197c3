#!/usr/bin/env bash
# test/boot/run-test.sh: scripts/run itself, as a person uses it (default options: 4 CPUs,
# accelerator chosen automatically, serial console on stdout).
#
# Usage: run-test.sh --build-dir DIR --log LOG [--timeout SECONDS] [--status-page]
#
# The host port of the status page is a free one picked here (--http-port), so that a
# scripts/run someone else has open on 8080 does not stop the test; the test checks scripts/run
# printed its URL. --status-page (the run image has the status server): the page must then
# answer on that port, within 120 s of the ready line, with the process table and the network
# stack's counters (which have counted the page's own traffic), and keep
# answering through a burst of 1,000 connections and more quiet connections than it has slots
# (http_load.py) with no process faulting.
#
# Runs `scripts/run --no-build` with its output in LOG and passes when that output shows the
# kernel's ready line with every CPU (the boot-log rule of scripts/lib/bootlog.sh) after
# scripts/run's own lines ("run: ..."). Then ends QEMU: scripts/run runs it under `timeout`, whose
# PID is a child of scripts/run's; TERM to that PID ends QEMU, and scripts/run returns.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/bootlog.sh"

build_dir='' log='' timeout_s=180 status_page=0
while (($#)); do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --status-page) status_page=1; shift ;;
    *) echo "run-test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $build_dir && -n $log ]] || { echo "run-test: --build-dir and --log are required" >&2; exit 2; }

fail() {
  echo "FAIL run: $*"
  [[ -s $log ]] && { echo "---- last 30 lines of scripts/run's output ----"; bastion_log_text "$log" | tail -n 30; }
  echo "output: $log"
  exit 1
}

mkdir -p "$(dirname "$log")"
: >"$log"
http_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BUILD_DIR=$build_dir "$ROOT/scripts/run" --no-build --timeout $((timeout_s + 130)) \
  --http-port "$http_port" </dev/null >"$log" 2>&1 &
rpid=$!

stop_run() {
  local c
  for c in $(pgrep -P "$rpid" 2>/dev/null); do kill -TERM "$c" 2>/dev/null; done
  for ((i = 0; i < 50; i++)); do
    kill -0 "$rpid" 2>/dev/null || break
    sleep 0.1
  done
  # Still there: end scripts/run's children and itself for good (QEMU is bounded by timeout).
  for c in $(pgrep -P "$rpid" 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done
  kill -TERM "$rpid" 2>/dev/null
  wait "$rpid" 2>/dev/null
}
trap stop_run EXIT
trap 'exit 130' INT TERM HUP

start=$SECONDS
while :; do
  bastion_classify_log "$log" 4
  [[ $BASTION_VERDICT != pending ]] && break
  kill -0 "$rpid" 2>/dev/null || break
  ((SECONDS - start >= timeout_s)) && break
  sleep 0.2
done
elapsed=$((SECONDS - start))
accel=$(grep -ao -m1 -- '-accel [a-z]*' "$log")

case $BASTION_VERDICT in
  pass) ;;
  fail) fail "$BASTION_REASON (${elapsed}s)" ;;
  *)
    kill -0 "$rpid" 2>/dev/null || fail "scripts/run ended before the boot finished: $BASTION_REASON"
    fail "timeout after ${timeout_s}s: $BASTION_REASON"
    ;;
esac
grep -aq '^run: serial console below' "$log" || fail "scripts/run did not announce the serial console"
grep -aqF "run: the status page: http://127.0.0.1:$http_port/" "$log" ||
  fail "scripts/run did not print the status page's URL for port $http_port"
if ((status_page)); then
  page=''
  for ((i = 0; i < 120; i++)); do
    page=$(curl -s --max-time 5 "http://127.0.0.1:$http_port/") && [[ $page == *'<table id="processes">'* ]] && break
    sleep 1
  done
  [[ $page == *'<table id="processes">'* && $page == *'httpd.StatusServer'* ]] ||
    fail "the status page did not answer on 127.0.0.1:$http_port with the process table"
  echo "run: the status page answered on 127.0.0.1:$http_port with the process table"
  # The network stack's counters (net.Socket GetStats, granted to the status server alone):
  # read through the policy from the real stack, they have counted the page's own traffic over
  # the e1000 (TCP segments both ways, frames on the link) and the server's listening socket.
  json=$(curl -s --max-time 10 "http://127.0.0.1:$http_port/status.json")
  python3 -c '
import json, sys
d = json.loads(sys.argv[1])
net = d["net"]
assert net is not None, "no network counters: " + d["problem"]
assert net["sockets"] >= 1 and net["sockets_max"] >= net["sockets"], net
assert net["nic_link_up"] is True, net
for layer in ("link", "ip", "tcp"):
    assert net[layer]["recv"] > 0 and net[layer]["xmit"] > 0, (layer, net[layer])
print("run: network counters: tcp xmit %d recv %d, link xmit %d recv %d, %d sockets" % (
    net["tcp"]["xmit"], net["tcp"]["recv"], net["link"]["xmit"], net["link"]["recv"],
    net["sockets"]))' "$json" || fail "the status page's JSON has no network counters that count its traffic"
  # Bursts and quiet connections through the driver, the stack and the server; none of them
  # may fault (the demo's Crasher faults on purpose).
  python3 "$HERE/http_load.py" "$http_port" || fail "the status server stopped answering under load"
  if grep -aE '^fault: (E1000|NetStack|StatusServer) ' "$log"; then
    fail "a network process faulted under load"
  fi
fi
echo "PASS run: scripts/run showed '$BASTION_REASON' on its output (${accel:-?}, ${elapsed}s); output: $log"
exit 0
