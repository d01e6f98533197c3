#!/usr/bin/env bash
# test/bench/bench-bastion-test.sh ROOT ISO LOG KIND: a short Bastion benchmark run (bench_main
# --short, a hundredth of the samples) under the same icount settings as scripts/bench, QEMU
# bounded and ended by its PID (bench/bastion/run.sh). KIND says which image ISO is:
#   monitor  bastion-bench-short.iso (kernel.elf and the KSM): every Bastion row of
#            bench/report/operations.tsv not named *_nomon, boot included
#   nomon    bastion-bench-nomon-short.iso (kernel-nomon.elf): every row named *_nomon,
#            boot_nomon included
# Passes when each of those printed "BENCH <name> median=<n> min=<n> n=<n>" and run.sh saw no
# BENCH-ERROR/PANIC/EXCEPTION line and no row named for the other kernel. Rows of run "net"
# (the network benchmark) are test/bench/bench-net-test.sh's. Whether a number is
# fast is never checked (docs/benchmarks.md).
set -euo pipefail
root=$1 iso=$2 log=$3 kind=$4
source "$root/bench/lib/icount.sh" # bench_text: the log without the kernel's process markers
case $kind in
  monitor|nomon) ;;
  *) echo "bench-bastion-test: KIND must be monitor or nomon, not '$kind'" >&2; exit 2 ;;
esac

"$root/bench/bastion/run.sh" --iso "$iso" --log "$log" --timeout 240 || {
  echo "FAIL: the Bastion benchmark run did not complete cleanly (serial log: $log)" >&2
  exit 1
}

missing=0 found=0
while IFS=$'\t' read -r bastion _ _ _ run; do
  [[ -z $bastion || $bastion == - || $run != base ]] && continue
  if [[ $kind == nomon ]]; then [[ $bastion == *_nomon ]] || continue
  else [[ $bastion != *_nomon ]] || continue; fi
  if bench_row_check "$log" "$bastion" "Bastion operation"; then
    found=$((found + 1))
  else
    missing=$((missing + 1))
  fi
done < <(grep -v '^#' "$root/bench/report/operations.tsv")
((found > 0)) || { echo "FAIL: operations.tsv named no Bastion operation for $kind" >&2; exit 1; }
echo "$found passed, $missing failed"
((missing == 0))
