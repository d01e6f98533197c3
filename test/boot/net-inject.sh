#!/usr/bin/env bash
# test/boot/net-inject.sh: malformed frames from the host into the network stack (ctest
# net-inject, docs/networking.md "Bad input").
#
# Usage: net-inject.sh [--killed] --iso ISO --log LOG [--timeout SECONDS] [--accel tcg|kvm]
#
# Boots the injection image (test/os/net-inject.yaml: the e1000 driver, the stack at 10.9.9.2
# with its counters on UDP port 9999, an echo server on port 7) on q35 with the Intel IOMMU and
# an e1000 whose QEMU back end is a UDP socket on 127.0.0.1 (-netdev dgram): every datagram
# between QEMU's port and this script's port is one Ethernet frame. Nothing else is on that
# wire and nothing leaves the host's loopback. Once the stack and the server are up,
# net_inject.py plays 10.9.9.1: valid requests, then each kind of bad frame with the counter
# that must count it, a burst of half-open TCP connections, and valid requests again (it
# prints what it checked and exits 1 on a failure).
# Passes when net_inject.py passed, the echo server ended with its result line and 0 failed,
# the resolver's client (net_inject_dns, its DNS server played by net_inject.py) too, and the
# serial log has no fault of any process, no lwIP assertion, no driver or stack
# failure, no PANIC or EXCEPTION.
#
# --killed (ctest net-killed, test/os/net-killed.yaml): the driver is the test build that faults
# after 200 frames. net_inject.py --killed streams TCP through it until the guest goes silent;
# then the log must show the kernel's fault of E1000 (and no other process's), the stack's
# "NIC driver is gone" line (its link down) and no end of the stack, and the echo server's
# datagram to itself through the stack over 127.0.0.1 come back with 0 failed.
# QEMU runs under `timeout` and is ended by its own PID on every exit path.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"
source "$ROOT/scripts/lib/bootlog.sh"

iso='' log='' timeout_s=480 accel=tcg killed=0
while (($#)); do
  case $1 in
    --killed) killed=1; shift ;;
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    *) echo "net-inject: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $iso && -n $log ]] || { echo "net-inject: --iso and --log are required" >&2; exit 2; }
[[ -r $iso ]] || { echo "FAIL net-inject: ISO not found: $iso"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL net-inject: python3 is needed"; exit 1; }

fail() {
  echo "FAIL net-inject: $*"
  echo "---- the log's last lines ($log) ----"
  bastion_log_text "$log" | tail -n 40
  exit 1
}

# Lines that must never appear: a process fault (the kernel's "fault: <task> ..."; with
# --killed, the driver's is the one expected), a failed lwIP assertion (it aborts the stack), the
# stack or the driver giving up, the stack's end.
forbidden='^(PANIC|EXCEPTION)|^fault: |lwip: assertion|netstack: the NIC driver is gone|e1000: .* failed:|^\[Einit\] einit: InjectStack '
((killed)) && forbidden='^(PANIC|EXCEPTION)|^fault: [^E]|^fault: E[^1]|lwip: assertion|e1000: .* failed:|^\[Einit\] einit: InjectStack '

# wait_line REGEX SECONDS: until a log line matches (0), a forbidden one appears or QEMU ended
# or time ran out (1, with the reason in $why).
why=
wait_line() {
  local re=$1 secs=$2 start=$SECONDS text bad
  while :; do
    text=$(bastion_log_text "$log")
    bad=$(grep -m1 -aE -- "$forbidden" <<<"$text")
    [[ -z $bad ]] || { why="forbidden line: $bad"; return 1; }
    grep -qaE -- "$re" <<<"$text" && return 0
    kill -0 "$BASTION_BOOT_PID" 2>/dev/null || { why="QEMU stopped (see $log.qemu.txt)"; return 1; }
    ((SECONDS - start < secs)) || { why="no line matching '$re' within ${secs}s"; return 1; }
    sleep 0.5
  done
}

# Two free UDP ports on 127.0.0.1, QEMU's end of the wire and ours. Another program may take
# one between this probe and its use: QEMU then fails to bind and the boot is tried again with
# new ports (up to 3 times).
for attempt in 1 2 3; do
  read -r qemu_port host_port < <(python3 -c '
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
  [[ -n ${qemu_port:-} && -n ${host_port:-} ]] || fail "no free UDP ports on 127.0.0.1"
  BASTION_BOOT_EXTRA_ARGS=(
    -device intel-iommu,intremap=off
    -netdev "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$qemu_port,remote.type=inet,remote.host=127.0.0.1,remote.port=$host_port"
    -device e1000,netdev=n0,addr=0x4,mac=52:54:00:12:34:56)
  echo "net-inject: booting $iso (q35, $accel, the e1000 on udp 127.0.0.1:$qemu_port <-> 127.0.0.1:$host_port, up to ${timeout_s}s)"
  bastion_boot_start net-inject "$iso" "$log" bios "$accel" q35 2 512M "$timeout_s" ||
    fail "$BASTION_BOOT_ERROR"
  sleep 1
  if ! kill -0 "$BASTION_BOOT_PID" 2>/dev/null && grep -qi 'address already in use' "$log.qemu.txt"; then
    echo "net-inject: a port was taken meanwhile; again with new ports"
    rm -rf "$BASTION_BOOT_WORKDIR"
    continue
  fi
  break
done

start=$SECONDS
wait_line '^\[InjectStack\] netstack: counters on UDP port 9999' 300 || fail "the stack did not come up: $why"
wait_line '^\[NetEcho\] net_inject_echo: echo on port 7' 120 || fail "the echo server did not come up: $why"
grep -qaE '^\[InjectStack\] netstack: static address 10\.9\.9\.2, netmask 255\.255\.255\.0' "$log" ||
  fail "the stack did not take its fixed address 10.9.9.2/24"
echo "net-inject: the stack and the echo server are up ($((SECONDS - start))s); injecting"

left=$((timeout_s - (SECONDS - start)))
((left > 60)) || fail "no time left for the injection"
py_args=(--qemu-port "$qemu_port" --port "$host_port")
((killed)) && py_args+=(--killed)
timeout -k 5 "$left" python3 "$HERE/net_inject.py" "${py_args[@]}"
rc=$?
((rc == 0)) || fail "net_inject.py failed (exit $rc)"

if ((killed)); then
  wait_line '^fault: E1000 ' 60 || fail "the driver was not killed: $why"
  wait_line '^\[InjectStack\] netstack: the NIC driver is gone \(' 60 ||
    fail "the stack did not report its NIC gone: $why"
  wait_line '^\[NetEcho\] net_inject_echo: [0-9]+ passed, [0-9]+ failed' 120 ||
    fail "the echo server gave no result: $why"
  text=$(bastion_log_text "$log")
  grep -aE '^fault: E1000 |^\[E1000\] e1000: test build|netstack: the NIC driver is gone|^\[NetEcho\] net_inject_echo: ' <<<"$text" | grep -v ': start$'
  grep -qaE '^\[NetEcho\] net_inject_echo: [1-9][0-9]* passed, 0 failed' <<<"$text" ||
    fail "the echo server failed a check (its datagram through 127.0.0.1 did not come back?)"
  bad=$(grep -m1 -aE -- "$forbidden" <<<"$text")
  [[ -z $bad ]] || fail "forbidden line: $bad"
  echo "PASS net-killed: the driver killed mid-transfer; the stack took its link down and went on serving, the echo server's datagram through it came back, no other process faulted ($((SECONDS - start))s)"
  exit 0
fi

# net_inject.py ended the echo server with "quit": its counts and its verdict.
wait_line '^\[NetEcho\] net_inject_echo: [0-9]+ passed, [0-9]+ failed' 120 ||
  fail "the echo server gave no result: $why"
text=$(bastion_log_text "$log")
grep -aE '^\[NetEcho\] net_inject_echo: ([0-9]+ connections|[0-9]+ passed)' <<<"$text"
grep -qaE '^\[NetEcho\] net_inject_echo: [1-9][0-9]* passed, 0 failed' <<<"$text" ||
  fail "the echo server failed a check"
bad=$(grep -m1 -aE -- "$forbidden" <<<"$text")
[[ -z $bad ]] || fail "forbidden line: $bad"
grep -aE '^\[InjectStack\] netstack: stats ' <<<"$text" | tail -n 1
# The resolver's client: its names answered, forged and refused by net_inject.py's DNS server.
wait_line '^\[NetDns\] net_inject_dns: [0-9]+ passed, [0-9]+ failed' 120 ||
  fail "the resolver's client gave no result: $why"
text=$(bastion_log_text "$log")
grep -aE '^\[NetDns\] net_inject_dns: ' <<<"$text" | grep -v ': start$'
grep -qaE '^\[NetDns\] net_inject_dns: [1-9][0-9]* passed, 0 failed' <<<"$text" ||
  fail "the resolver's client failed a check"
echo "PASS net-inject: every kind of bad frame counted, the stack and the echo server served before and after, names resolved over DNS through the stack, no process faulted ($((SECONDS - start))s)"
exit 0
