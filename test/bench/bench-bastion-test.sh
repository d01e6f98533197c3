#!/usr/bin/env bash
# test/bench/bench-bastion-test.sh ROOT ISO LOG: a short Bastion benchmark run
# (bastion-bench-short.iso: bench_main --short, a hundredth of the samples) under the same icount
# settings as scripts/bench, QEMU bounded and ended by its PID (bench/bastion/run.sh). Passes when
# every Bastion operation of bench/report/operations.tsv that the image measures printed
# "BENCH <name> median=<n> min=<n> n=<n>" and no BENCH-ERROR/PANIC/EXCEPTION line appeared.
# Not measured today, so not required (docs/benchmarks.md): core_call_nomon (no build without
# the monitor: the KSM is not in the path yet) and boot (the kernel keeps no first-instruction TSC).
set -euo pipefail
root=$1 iso=$2 log=$3
not_measured=' core_call_nomon boot '

"$root/bench/bastion/run.sh" --iso "$iso" --log "$log" --timeout 240 || {
  echo "FAIL: the Bastion benchmark run did not complete cleanly (serial log: $log)" >&2
  exit 1
}

missing=0 found=0
while IFS=$'\t' read -r bastion _ _ _; do
  [[ -z $bastion || $bastion == - || $not_measured == *" $bastion "* ]] && continue
  if line=$(tr -d '\r' <"$log" | grep -E "^BENCH $bastion median=[0-9]+ min=[0-9]+ n=[0-9]+\$"); then
    echo "ok: $line"
    found=$((found + 1))
  else
    echo "FAIL: no number for Bastion operation '$bastion' in $log" >&2
    missing=$((missing + 1))
  fi
done < <(grep -v '^#' "$root/bench/report/operations.tsv")
((found > 0)) || { echo "FAIL: operations.tsv named no Bastion operation" >&2; exit 1; }
echo "$found passed, $missing failed"
((missing == 0))
