#!/usr/bin/env bash
# test/boot/bootlog-rule-test.sh: checks the boot-log rule itself (scripts/lib/bootlog.sh) on
# made-up serial logs, so that a change to the rule cannot quietly turn the boot tests into
# tests that always pass (or never do). No QEMU.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../../scripts/lib/bootlog.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect NAME NCPUS VERDICT LOG-TEXT (printf format)
expect() {
  local name=$1 n=$2 want=$3
  printf "$4" >"$tmp/log"
  bastion_classify_log "$tmp/log" "$n"
  if [[ $BASTION_VERDICT == "$want" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: expected $want, got $BASTION_VERDICT ($BASTION_REASON)"
  fi
}

good='cpu 0 online\ncpu 1 online\ncpu 2 online\ncpu 3 online\nBastion ready: 4 CPUs online\n'
expect "complete boot" 4 pass "$good"
expect "CRLF and escapes" 4 pass '\x1b[2J\x1b[0;1mGRUB\r\ncpu 0 online\r\ncpu 1 online\r\ncpu 2 online\r\ncpu 3 online\r\n\x1b[05;:0HBastion ready: 4 CPUs online\r\n'
expect "APs after the ready line" 4 pass 'cpu 0 online\nBastion ready: 4 CPUs online\ncpu 3 online\ncpu 2 online\ncpu 1 online\n'
expect "one CPU" 1 pass 'cpu 0 online\nBastion ready: 1 CPUs online\n'
expect "empty log" 4 pending ''
expect "no ready line" 4 pending 'cpu 0 online\ncpu 1 online\ncpu 2 online\ncpu 3 online\n'
expect "a CPU missing" 4 pending 'cpu 0 online\ncpu 1 online\ncpu 3 online\nBastion ready: 4 CPUs online\n'
expect "cpu 10 is not cpu 1" 2 pending 'cpu 0 online\ncpu 10 online\nBastion ready: 2 CPUs online\n'
expect "wrong CPU count" 4 fail 'cpu 0 online\nBastion ready: 1 CPUs online\n'
expect "PANIC line" 4 fail "${good}PANIC: something broke\n"
expect "EXCEPTION line" 4 fail 'cpu 0 online\nEXCEPTION: #PF page fault (vector 14)\n'
expect "EXCEPTION after escapes and CR" 4 fail 'cpu 0 online\r\n\x1b[0mEXCEPTION: #GP\r\n'
expect "PANIC before a ready line" 4 fail "PANIC: early\n$good"
expect "PANIC not at line start" 4 pass "${good}test: no PANIC here\n"
# A process's output is marked "[task] " by the kernel: it can neither complete nor fail a boot.
expect "process line is not a CPU" 4 pending 'cpu 0 online\ncpu 1 online\n[Forger] cpu 2 online\ncpu 3 online\nBastion ready: 4 CPUs online\n'
expect "process line is not the ready line" 4 pending 'cpu 0 online\ncpu 1 online\ncpu 2 online\ncpu 3 online\n[Forger] Bastion ready: 4 CPUs online\n'
expect "process PANIC line" 4 pass "${good}[Forger] PANIC: forged\n"

echo "bootlog rule: $passed passed, $failed failed"
((failed == 0))
