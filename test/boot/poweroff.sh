#!/usr/bin/env bash
# test/boot/poweroff.sh: boot the power image (bastion-power.iso: init=einit_power) and check that
# the machine powers itself off: kl.core.PM.Request(PowerShutdown) from pwr_off must make QEMU
# exit by itself (ACPI soft-off through PM1a_CNT, kern/arch/x86_64/acpi_power.c), not be ended by
# the timeout, after the kernel's "pm: power off asked by" line; and every name of the expect file
# must have printed its "[<task>] <name>: N passed, 0 failed" line before. No PANIC line.
#
# Usage: poweroff.sh --iso ISO --log LOG --expect-file FILE [--timeout SECONDS] [--cpus N]
#
# QEMU runs under `timeout` (scripts/lib/qemu.sh) and is ended by its own PID on every exit path.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"
iso='' log='' expect_file='' timeout_s=240 cpus=2
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect-file) expect_file=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    *) echo "poweroff: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $iso && -n $log && -n $expect_file ]] || { echo "poweroff: --iso, --log and --expect-file are required" >&2; exit 2; }
[[ -r $iso ]] || { echo "FAIL poweroff: ISO not found: $iso"; exit 1; }
mapfile -t names < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$expect_file" | grep -v '^$')

BASTION_BOOT_EXTRA_ARGS=()
bastion_boot_start poweroff "$iso" "$log" bios tcg pc "$cpus" 512M "$timeout_s" ||
  { echo "FAIL poweroff: $BASTION_BOOT_ERROR"; exit 1; }
start=$SECONDS
wait "$BASTION_BOOT_PID"
status=$?
BASTION_BOOT_PID=
took=$((SECONDS - start))
text=$(tr -d '\r' <"$log")
fail=0
if ((status == 124 || status == 137)); then
  echo "FAIL poweroff: QEMU was still running after ${timeout_s} s: the machine did not power off"
  fail=1
elif ((status != 0)); then
  echo "FAIL poweroff: QEMU exited with status $status"
  fail=1
fi
grep -q '^PANIC' <<<"$text" && { echo "FAIL poweroff: the kernel panicked"; fail=1; }
grep -q '^pm: power off asked by PowerOff' <<<"$text" ||
  { echo "FAIL poweroff: no kernel line \"pm: power off asked by PowerOff\""; fail=1; }
for n in "${names[@]}"; do
  grep -Eq "^\[[^]]*\] $n: [1-9][0-9]* passed, 0 failed" <<<"$text" ||
    { echo "FAIL poweroff: no passing result line of $n"; fail=1; }
done
((fail)) && { echo "(log: $log)"; exit 1; }
echo "PASS poweroff: QEMU exited by itself ${took} s after start, on PM.Request(PowerShutdown)"
