#!/usr/bin/env bash
# bench/bastion/run.sh: boot Bastion's benchmark image under the same icount settings as the
# Linux baseline and keep the serial log. Bastion does not power off: the run ends when the log
# shows "BENCH-END bastion" (the benchmark programs print it after their last BENCH line), or a
# PANIC/EXCEPTION line, or at the timeout; QEMU is then ended by its PID.
# Exits 0 when "BENCH-END bastion" was seen and no BENCH-ERROR/PANIC/EXCEPTION line.
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
  if tr -d '\r' <"$log" | grep -qE "^($end|PANIC|EXCEPTION)"; then
    break
  fi
  sleep 0.5
done
# In an || list: bastion_qemu_stop's `wait` returns QEMU's status, which set -e must not see.
bastion_qemu_stop "$qpid" || true
qpid=''
if tr -d '\r' <"$log" | grep -E '^(BENCH-ERROR|PANIC|EXCEPTION)' >&2; then
  exit 1
fi
if ! tr -d '\r' <"$log" | grep -qE "^($end)"; then
  echo "bench-bastion: no '$end' line in $log; its end:" >&2
  tail -n 20 "$log" | tr -d '\r' >&2
  exit 1
fi
exit 0
