#!/usr/bin/env bash
# test/bench/bench-net-test.sh ROOT SYSTEM IMAGE LOG: a short run of the network benchmark
# (bench/net/run.sh --short: 3 batches of 10 GETs and one 1 MiB transfer, QEMU bounded and ended
# by its PID) on SYSTEM (linux: IMAGE is bench-linux-net-initramfs.cpio; bastion:
# bastion-bench-net.iso). Passes when the host's driver saw every answer right and every row of
# run "net" in bench/report/operations.tsv printed "BENCH <name> median=<n> min=<n> n=<n>" with
# a median above 0, and the OS's idle clock counted the halts of the longest quiet window (the
# host waits 0.6 s with nothing to do): no window with more idle than elapsed ticks, and that
# window at least half idle. Whether a number is fast is never checked (docs/benchmarks.md).
set -euo pipefail
root=$1 system=$2 image=$3 log=$4
source "$root/bench/lib/icount.sh" # bench_text: the log without the kernel's process markers
case $system in
  linux|bastion) ;;
  *) echo "bench-net-test: SYSTEM must be linux or bastion, not '$system'" >&2; exit 2 ;;
esac
if [[ $system == linux ]] && ! ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1; then
  echo "FAIL: Debian's cloud kernel is not installed (run 'scripts/bench --install-deps' as root)" >&2
  exit 1
fi

"$root/bench/net/run.sh" --system "$system" --image "$image" --log "$log" --short --timeout 200 || {
  echo "FAIL: the $system network benchmark run did not complete cleanly (serial log: $log)" >&2
  exit 1
}

missing=0 found=0
while IFS=$'\t' read -r bastion linux _ _ run; do
  [[ $run == net ]] || continue
  name=$bastion
  [[ $system == linux ]] && name=$linux
  [[ -z $name || $name == - ]] && continue
  if bench_row_check "$log" "$name" "$system operation" '[1-9][0-9]*'; then
    found=$((found + 1))
  else
    missing=$((missing + 1))
  fi
done < <(grep -v '^#' "$root/bench/report/operations.tsv")
((found > 0)) || { echo "FAIL: operations.tsv named no network row for $system" >&2; exit 1; }

# The idle clock (bench/net/idle_clock.h): the quiet windows' raw counts.
best_elapsed=0 best_idle=0
while read -r elapsed idle; do
  if ((idle > elapsed)); then
    echo "FAIL: a quiet window with more idle ($idle) than elapsed ($elapsed) ticks" >&2
    missing=$((missing + 1))
  fi
  ((elapsed > best_elapsed)) && { best_elapsed=$elapsed; best_idle=$idle; }
done < <(bench_text "$log" |
         sed -nE 's/^bench-net: quiet window [0-9]+: pages=0 elapsed=([0-9]+) idle=([0-9]+) .*/\1 \2/p')
if ((best_elapsed > 0 && best_idle * 2 >= best_elapsed)); then
  echo "ok: the longest quiet window was idle for $best_idle of $best_elapsed ticks"
  found=$((found + 1))
else
  echo "FAIL: the idle clock did not count the longest quiet window's halts" \
       "(idle $best_idle of $best_elapsed ticks)" >&2
  missing=$((missing + 1))
fi
echo "$found passed, $missing failed"
((missing == 0))
