#!/usr/bin/env bash
# test/boot/ubsan-check.sh: boot kernel-ubsan.elf with ubsantest=shift and check that the
# sanitizer's handler reported the deliberate undefined behaviour: a "PANIC: UBSAN: shift out of
# bounds at <file>:<line>:<col>" line naming kern/lib/ubsan.c, and a backtrace frame naming the
# function that committed it (ubsan_boot_check), symbolized from the kernel's own table.
#
# Usage: ubsan-check.sh --iso ISO --log LOG [--timeout SECONDS]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"
source "$ROOT/scripts/lib/bootlog.sh"

iso='' log='' timeout_s=120
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "ubsan-check: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -r $iso && -n $log ]] || { echo "FAIL ubsan-check: --iso (readable) and --log are required"; exit 1; }

bastion_boot_start ubsan-check "$iso" "$log" bios tcg pc 2 256M "$timeout_s" ||
  { echo "FAIL ubsan-check: $BASTION_BOOT_ERROR"; exit 1; }
start=$SECONDS
report='^PANIC: UBSAN: shift out of bounds at [^ ]*kern/lib/ubsan\.c:[0-9]+:[0-9]+$'
frame='#[0-9]+ +0x[0-9a-f]+ ubsan_boot_check(\.cold)?\+0x'
while :; do
  text=$(bastion_log_text "$log")
  if grep -qE "$report" <<<"$text" && grep -qE "$frame" <<<"$text"; then
    grep -E -A12 '^PANIC: UBSAN' <<<"$text"
    echo "PASS ubsan-check: the deliberate shift was reported with its place and backtrace ($((SECONDS - start))s)"
    exit 0
  fi
  if grep -qE '^ubsan: ubsantest=shift was not reported' <<<"$text" ||
     ! kill -0 "$BASTION_BOOT_PID" 2>/dev/null || ((SECONDS - start >= timeout_s)); then
    sleep 1
    text=$(bastion_log_text "$log")
    tail -n 30 <<<"$text"
    echo "FAIL ubsan-check: no UBSAN report with place and backtrace (log: $log)"
    exit 1
  fi
  sleep 0.5
done
