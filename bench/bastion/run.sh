#!/usr/bin/env bash
# bench/bastion/run.sh: boot Bastion's benchmark image under the same icount settings as the
# Linux baseline and keep the serial log. Bastion does not power off: the run ends when the log
# shows "BENCH-END bastion" (the benchmark programs print it after their last BENCH line), or a
# PANIC/EXCEPTION line, or at the timeout; QEMU is then ended by its PID.
# Exits 0 when "BENCH-END bastion" was seen and no BENCH-ERROR/PANIC/EXCEPTION line.
#
# The boot row: Einit prints "einit: all started <N> ticks after the kernel's first instruction"
# (as a process line: "[Einit] einit: ...", kern/console/console.h)
# (TSC ticks since the kernel's first instructions, boot/entry.asm); after the run this script
# appends "BENCH boot median=<N> min=<N> n=1" to the log (boot_nomon when the kernel said it has
# no monitor), so every reader of the log (scripts/bench's report, the ctest) finds the row
# like any other. Done here and not by the report because only a single run's log tells which
# kernel Einit's line came from.
# It also refuses a log whose row names disagree with the kernel's banner ("BENCHMARK KERNEL
# WITHOUT A SECURITY MONITOR" with rows not named *_nomon, or *_nomon rows without it): a
# mislabelled row would put one kernel's numbers in the other's column.
#
# Usage: bench/bastion/run.sh --iso FILE --log FILE [--timeout SECONDS] [--end REGEX]
#   --end   the line (extended regex, anchored at line start) that ends the run successfully;
#           default "BENCH-END bastion"
# Wall time: GRUB loading the image from the CD under icount is slow; the demo image reaches
# Einit's last line in about 70 s on a 2-core host.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/bench/lib/icount.sh"
source "$ROOT/scripts/lib/qemu.sh"   # bastion_qemu_stop

iso='' log='' timeout_s=1200 end='BENCH-END bastion'
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --end) end=$2; shift 2 ;;
    *) echo "bench-bastion: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $iso && -n $log ]] || { echo "bench-bastion: --iso and --log are required" >&2; exit 2; }
[[ -r $iso ]] || { echo "bench-bastion: no image at $iso" >&2; exit 1; }

mkdir -p "$(dirname "$log")"
: >"$log"
qpid=''
trap 'bastion_qemu_stop "$qpid"' EXIT
timeout --kill-after=5 "$timeout_s" "$BENCH_QEMU" "${BENCH_QEMU_ARGS[@]}" \
  -cdrom "$iso" -boot d -serial "file:$log" </dev/null &
qpid=$!
while kill -0 "$qpid" 2>/dev/null; do
  if bench_text "$log" | grep -E "^($end)" >/dev/null ||
    tr -d '\r' <"$log" | grep -E "^(PANIC|EXCEPTION)" >/dev/null; then
    break
  fi
  sleep 0.5
done
# In an || list: bastion_qemu_stop's `wait` returns QEMU's status, which set -e must not see.
bastion_qemu_stop "$qpid" || true
qpid=''
status=0
if bench_text "$log" | grep -E '^BENCH-ERROR' >&2 || tr -d '\r' <"$log" | grep -E '^(PANIC|EXCEPTION)' >&2; then
  status=1
fi
if ! bench_text "$log" | grep -E "^($end)" >/dev/null; then
  echo "bench-bastion: no '$end' line in $log; its end:" >&2
  tail -n 20 "$log" | tr -d '\r' >&2
  exit 1
fi

# Which kernel ran, from its own banner (kern/security/ksm_start.c); the rows' names must agree.
suffix=''
if tr -d '\r' <"$log" | grep 'BENCHMARK KERNEL WITHOUT A SECURITY MONITOR' >/dev/null; then
  suffix=_nomon
  wrong=$(bench_lines "$log" | grep -E '^BENCH(-ERROR)? ' | grep -vE '^BENCH(-ERROR)? [^ ]+_nomon ' || true)
else
  wrong=$(bench_lines "$log" | grep -E '^BENCH(-ERROR)? [^ ]+_nomon ' || true)
fi
if [[ -n $wrong ]]; then
  echo "bench-bastion: these rows are named for the other kernel (${suffix:-with a monitor}" \
       "booted; is bench.nomon=1 on the right menu?):" >&2
  echo "$wrong" >&2
  status=1
fi

# The boot row from Einit's line (see the top). Only the digits are taken: a changed wording
# yields no row (the report says n/a, the ctest fails) rather than a wrong number.
ticks=$(tr -d '\r' <"$log" |
        sed -nE "s/^\[Einit\] einit: all started ([0-9]+) ticks after the kernel's first instruction\$/\1/p" | head -n 1)
if [[ -n $ticks ]]; then
  echo "BENCH boot$suffix median=$ticks min=$ticks n=1" >>"$log"
else
  echo "bench-bastion: no \"einit: all started <N> ticks ...\" line in $log: no boot$suffix row" >&2
fi
exit "$status"
